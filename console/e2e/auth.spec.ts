// The console's login against a stepd serve --auth sigv4 of its own (two
// accounts): the login page, right and wrong keys, what a session sees,
// logout, and API calls refused without the session's CSRF token.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shot } from './helpers';

test.describe.configure({ mode: 'serial' });

const here = dirname(fileURLToPath(import.meta.url));
const alice = { key: 'AKIDALICE', secret: 'alice-secret-0123456789', account: '111111111111' };
const bob = { key: 'AKIDBOB', secret: 'bob-secret-0123456789', account: '222222222222' };

let proc: ChildProcess;
let dir: string;
let base: string;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

test.beforeAll(async () => {
  const bin = resolve(process.env.STEPD_BIN ?? join(here, '..', '..', 'bin', 'stepd'));
  dir = mkdtempSync(join(tmpdir(), 'stepd-console-auth-'));
  writeFileSync(join(dir, 'stepd.yaml'), `auth:
  credentials:
    - {access_key_id: ${alice.key}, secret_access_key: ${alice.secret}, account: "${alice.account}"}
    - {access_key_id: ${bob.key}, secret_access_key: ${bob.secret}, account: "${bob.account}"}
`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const out = openSync(join(here, 'artifacts', 'stepd-auth.log'), 'w');
  proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', join(dir, 'data'), '--config', join(dir, 'stepd.yaml'),
    '--sync', 'NORMAL', '--auth', 'sigv4'], { stdio: ['ignore', out, out] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base + '/readyz')).ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`stepd serve --auth sigv4 exited with ${proc.exitCode}`);
    if (i > 200) throw new Error(`stepd serve --auth sigv4 did not answer on ${base}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

test.afterAll(async () => {
  proc?.kill('SIGTERM');
  await new Promise((r) => (proc?.exitCode !== null ? r(null) : proc.once('exit', r)));
  rmSync(dir, { recursive: true, force: true });
});

async function logIn(page: Page, who: { key: string; secret: string }) {
  await page.getByLabel('Access key ID').fill(who.key);
  await page.getByLabel('Secret access key').fill(who.secret);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** apiCall makes an API call with the page's cookies, as a script of another tab could. */
async function apiCall(request: APIRequestContext, action: string, body: object, csrf?: string) {
  const headers: Record<string, string> = { 'X-Amz-Target': `AWSStepFunctions.${action}`, 'Content-Type': 'application/x-amz-json-1.0' };
  if (csrf !== undefined) headers['X-CSRF-Token'] = csrf;
  const res = await request.post(base + '/', { headers, data: JSON.stringify(body) });
  return { status: res.status(), body: await res.json() };
}

async function csrfOf(request: APIRequestContext): Promise<string> {
  return (await (await request.get(base + '/auth/session')).json()).csrfToken;
}

test('shows the login page, and refuses wrong keys', async ({ page }) => {
  await page.goto(base + '/');
  await expect(page.getByRole('heading', { name: 'Log in to stepd' })).toBeVisible();
  await shot(page, 'auth-01-login');
  await logIn(page, { key: alice.key, secret: 'not-her-secret' });
  await expect(page.getByRole('alert')).toContainText('The access key ID or the secret access key is wrong');
  await logIn(page, { key: 'AKIDNOBODY', secret: alice.secret });
  await expect(page.getByRole('alert')).toContainText('The access key ID or the secret access key is wrong');
  await expect(page.getByRole('heading', { name: 'Log in to stepd' })).toBeVisible();
  await shot(page, 'auth-02-wrong-key');
  // Without a session, the API answers as AWS does to an unsigned call.
  const r = await apiCall(page.request, 'ListStateMachines', {});
  expect(r.status).toBe(400);
  expect(r.body.__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
});

test('logs in with the right keys, and sees its account only', async ({ page, browser }) => {
  await page.goto(base + '/state-machines');
  await logIn(page, alice);
  await expect(page.getByRole('heading', { name: 'State machines' })).toBeVisible();
  await expect(page.locator('header .who')).toContainText(`account ${alice.account}`);

  const cookies = await page.context().cookies();
  const sessionCookie = cookies.find((c) => c.name === 'stepd_session')!;
  expect(sessionCookie.httpOnly).toBe(true);
  expect(sessionCookie.sameSite).toBe('Strict');

  // A machine made through the console's session is Alice's.
  const made = await apiCall(page.request, 'CreateStateMachine', {
    name: 'alices-flow', roleArn: `arn:aws:iam::${alice.account}:role/r`,
    definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
  }, await csrfOf(page.request));
  expect(made.status).toBe(200);
  expect(made.body.stateMachineArn).toBe(`arn:aws:states:us-east-1:${alice.account}:stateMachine:alices-flow`);
  await page.reload();
  await expect(page.getByTestId('machines')).toContainText('alices-flow');
  await shot(page, 'auth-03-logged-in');

  // Bob, in another browser, does not see it.
  const other = await browser.newContext();
  const bobs = await other.newPage();
  await bobs.goto(base + '/state-machines');
  await logIn(bobs, bob);
  await expect(bobs.locator('header .who')).toContainText(`account ${bob.account}`);
  await expect(bobs.getByTestId('machines')).toContainText('No state machines yet.');
  await bobs.goto(`${base}/state-machines/${encodeURIComponent(made.body.stateMachineArn)}`);
  await expect(bobs.getByRole('alert')).toContainText('StateMachineDoesNotExist');
  await other.close();
});

test('refuses a POST without, or with a wrong, CSRF token', async ({ page }) => {
  await page.goto(base + '/');
  await logIn(page, alice);
  await expect(page.locator('header .who')).toBeVisible();
  const token = await csrfOf(page.request);
  for (const csrf of [undefined, '', 'x'.repeat(43), token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')]) {
    const r = await apiCall(page.request, 'ListStateMachines', {}, csrf);
    expect(r.status).toBe(403);
    expect(r.body.__type).toBe('com.amazon.coral.service#AccessDeniedException');
  }
  const ok = await apiCall(page.request, 'ListStateMachines', {}, token);
  expect(ok.status).toBe(200);

  // The login form's POST needs its token too (no login CSRF).
  const login = await page.request.post(base + '/auth/login', {
    headers: { 'Content-Type': 'application/json' }, data: JSON.stringify({ accessKeyId: bob.key, secretAccessKey: bob.secret }),
  });
  expect(login.status()).toBe(403);
  await expect(page.locator('header .who')).toContainText(`account ${alice.account}`);
});

test('logs out', async ({ page }) => {
  await page.goto(base + '/');
  await logIn(page, alice);
  await expect(page.locator('header .who')).toBeVisible();
  const token = await csrfOf(page.request);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Log in to stepd' })).toBeVisible();
  await shot(page, 'auth-04-logged-out');
  // The old session's cookie and token no longer work.
  const r = await apiCall(page.request, 'ListStateMachines', {}, token);
  expect(r.status).toBe(400);
  expect(r.body.__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Log in to stepd' })).toBeVisible();
});
