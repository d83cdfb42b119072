// stepd's bootstrap for Node.js Lambda handlers: a long-lived worker process
// that loads the handler once and then serves invocations one at a time, as
// the Lambda runtime does in a warm execution environment.
//
// Protocol with stepd (private file descriptors, so that the handler's own
// console output goes to stepd's log untouched):
//   fd 3, requests:  one JSON object per line
//                    {"requestId", "deadlineMs", "executionArn", "idempotencyKey", "traceId", "event"}
//   fd 4, answers:   "READY" once the handler is loaded (or failed to load), then
//                    one line per request: "R" + the result as JSON, or
//                    "E" + the error object as Lambda reports it.
// The worker exits when fd 3 closes (stepd stopped or dropped it).
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const url = require('url');

const TASK_ROOT = process.env.STEPD_TASK_ROOT || process.cwd();
const SHOWN_ROOT = '/var/task'; // where Lambda keeps the code; stack traces name it so
const HANDLER = process.env._HANDLER || '';
const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME || '';

function shown(text) {
  return String(text).split(TASK_ROOT + path.sep).join(SHOWN_ROOT + '/');
}

// toError is Lambda's error object for what a handler threw or rejected with.
function toError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'stack' in err && 'message' in err)) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: shown(err.stack || '').split('\n').filter((l) => !l.includes(__filename)),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

function initError(type, message) {
  return { errorType: type, errorMessage: message, trace: [] };
}

async function loadHandler() {
  const dot = HANDLER.lastIndexOf('.');
  if (dot < 0) {
    return { error: initError('Runtime.MalformedHandlerName', "Bad handler " + HANDLER) };
  }
  const modPath = path.resolve(TASK_ROOT, HANDLER.slice(0, dot));
  const fnName = HANDLER.slice(dot + 1);
  let mod;
  try {
    let file = null;
    for (const ext of ['.js', '.mjs', '.cjs', '']) {
      if (fs.existsSync(modPath + ext) && fs.statSync(modPath + ext).isFile()) {
        file = modPath + ext;
        break;
      }
    }
    if (file === null) {
      const e = new Error("Cannot find module '" + HANDLER.slice(0, dot) + "'");
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    if (file.endsWith('.mjs')) {
      mod = await import(url.pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if (e && e.code === 'ERR_REQUIRE_ESM') {
          mod = await import(url.pathToFileURL(file).href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND') {
      return { error: initError('Runtime.ImportModuleError', 'Error: ' + e.message) };
    }
    console.error(e);
    return { error: toError(e) };
  }
  const fn = mod[fnName] !== undefined ? mod[fnName] : (mod.default && mod.default[fnName]);
  if (typeof fn !== 'function') {
    return { error: initError('Runtime.HandlerNotFound', HANDLER + ' is undefined or not exported') };
  }
  return { fn };
}

function makeContext(msg, done) {
  const ctx = {
    awsRequestId: msg.requestId || '',
    functionName: FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST',
    invokedFunctionArn: msg.functionArn || '',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || '128',
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME || '',
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME || '',
    callbackWaitsForEmptyEventLoop: true,
    clientContext: msg.clientContext || undefined,
    // stepd's own: which execution calls, and a key to de-duplicate side effects.
    stepdExecutionArn: msg.executionArn || '',
    stepdIdempotencyKey: msg.idempotencyKey || '',
    getRemainingTimeInMillis() {
      return Math.max(0, Math.floor((msg.deadlineMs || 0) - Date.now()));
    },
    // The legacy completion methods.
    succeed(result) { done(null, result); },
    fail(err) { done(err === undefined || err === null ? new Error('handled') : err); },
    done(err, result) { done(err, result); },
  };
  return ctx;
}

function invoke(fn, msg) {
  return new Promise((resolve) => {
    let finished = false;
    const done = (err, result) => {
      if (finished) return;
      finished = true;
      resolve(err !== null && err !== undefined ? { err } : { result });
    };
    const ctx = makeContext(msg, done);
    try {
      const ret = fn(msg.event, ctx, done);
      if (ret && typeof ret.then === 'function') {
        ret.then((r) => done(null, r), (e) => done(e === undefined || e === null ? new Error(String(e)) : e));
      } else if (fn.length < 3) {
        done(null, ret);
      }
    } catch (e) {
      done(e);
    }
  });
}

// answer sends an invocation's result. First it writes the end marker on the
// standard streams, through the same stream objects console.log uses (their
// writes to pipes are synchronous on Linux), so that stepd has logged everything
// the invocation printed when it reads the answer.
function answer(kind, value, rid) {
  for (const stream of [process.stdout, process.stderr]) {
    try {
      stream.write('\x1estepd:end:' + (rid || '') + '\n');
    } catch (e) {
      // the handler closed its output
    }
  }
  let text;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (e) {
    kind = 'E';
    text = JSON.stringify({ errorType: 'Runtime.MarshalError', errorMessage: 'Unable to stringify response body', trace: [] });
  }
  fs.writeSync(4, kind + text + '\n');
}

async function main() {
  process.chdir(TASK_ROOT);
  const loaded = await loadHandler();
  fs.writeSync(4, 'READY\n'); // the init phase is over: invocations are timed from here
  const lines = readline.createInterface({ input: fs.createReadStream(null, { fd: 3 }), crlfDelay: Infinity });
  for await (const line of lines) {
    const msg = JSON.parse(line);
    if (loaded.error) {
      answer('E', loaded.error, msg.requestId);
      continue;
    }
    // As Lambda's runtime does: the invocation's X-Ray trace, if it has one.
    if (msg.traceId) {
      process.env._X_AMZN_TRACE_ID = msg.traceId;
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
    const out = await invoke(loaded.fn, msg);
    if ('err' in out) {
      const e = toError(out.err);
      console.error('ERROR\tInvoke Error \t' + JSON.stringify(e));
      answer('E', e, msg.requestId);
    } else {
      answer('R', out.result, msg.requestId);
    }
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
