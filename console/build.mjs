// Builds the console into dist/: index.html and content-hashed assets.
// The output depends only on the sources and on package-lock.json, so
// `make console-check` can rebuild it and compare with the committed files.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const out = 'dist';
const hash = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 10);

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/assets`, { recursive: true });

// The graph layout runs in a worker: elkjs ships it ready to load.
const worker = readFileSync('node_modules/elkjs/lib/elk-worker.min.js');
const workerName = `elk-worker-${hash(worker)}.js`;
writeFileSync(`${out}/assets/${workerName}`, worker);

const result = await esbuild.build({
  entryPoints: { app: 'web/src/main.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'eof',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: `${out}/assets`,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  define: { ELK_WORKER_URL: JSON.stringify(`/assets/${workerName}`) },
  metafile: true,
  logLevel: 'warning',
});

// The sources import one another without cycles: a module's imports are
// evaluated before it, which a cycle makes depend on the order of imports.
const own = (p) => p.startsWith('web/src/');
const seen = new Map(); // path → 'open' while on the DFS stack, 'done' after
const visit = (path, stack) => {
  if (seen.get(path) === 'done') return;
  if (seen.get(path) === 'open') {
    throw new Error(`import cycle: ${[...stack.slice(stack.indexOf(path)), path].join(' → ')}`);
  }
  seen.set(path, 'open');
  for (const imp of result.metafile.inputs[path]?.imports ?? []) {
    if (own(imp.path) && !imp.external) visit(imp.path, [...stack, path]);
  }
  seen.set(path, 'done');
};
for (const path of Object.keys(result.metafile.inputs).filter(own)) visit(path, []);

let js, css;
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint === 'web/src/main.tsx') {
    js = basename(file);
    if (meta.cssBundle) css = basename(meta.cssBundle);
  }
}
const html = readFileSync('web/index.html', 'utf8')
  .replaceAll('%APP_JS%', `/assets/${js}`)
  .replaceAll('%APP_CSS%', `/assets/${css}`)
  .replaceAll('%ELK_WORKER%', `/assets/${workerName}`);
writeFileSync(`${out}/index.html`, html);
console.log(`built ${out}/: ${Object.keys(result.metafile.outputs).length + 2} files`);
