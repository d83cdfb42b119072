// Drives a real `stepd serve --auth sigv4` with aws-sdk-js-v3
// (@aws-sdk/client-sfn): the right keys work (two accounts kept apart, a
// session token, StartSyncExecution), wrong ones get AWS's errors (a wrong
// secret, an unknown key, a clock 20 minutes off, a missing session token, a
// wrong region). Run by make clients-js (run.sh installs the SDK from
// package-lock.json); STEPD_BIN is the binary (default bin/stepd). Exits
// non-zero on the first failure.
import {
  CreateStateMachineCommand, DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand,
  ListStateMachinesCommand, SFNClient, StartExecutionCommand, StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const alice = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret-0123456789', account: '111111111111' };
const bob = { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret-0123456789', account: '222222222222' };
const temp = { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret-0123456789', sessionToken: 'the-session-token', account: '111111111111' };
const role = 'arn:aws:iam::111111111111:role/stepd';

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

async function startStepd() {
  const bin = resolve(process.env.STEPD_BIN ?? join(here, '..', '..', '..', 'bin', 'stepd'));
  const dir = mkdtempSync(join(tmpdir(), 'stepd-clients-js-'));
  const creds = [alice, bob, temp].map((c) =>
    `    - {access_key_id: ${c.accessKeyId}, secret_access_key: ${c.secretAccessKey}, account: "${c.account}"` +
    (c.sessionToken ? `, session_token: ${c.sessionToken}}` : '}')).join('\n');
  writeFileSync(join(dir, 'stepd.yaml'), `auth:\n  credentials:\n${creds}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out = openSync(join(dir, 'stepd.log'), 'w');
  const proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', join(dir, 'data'), '--config', join(dir, 'stepd.yaml'),
    '--sync', 'NORMAL', '--auth', 'sigv4'], { stdio: ['ignore', out, out] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url + '/readyz')).ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`stepd serve exited with ${proc.exitCode}; see ${dir}/stepd.log`);
    if (i > 600) throw new Error(`stepd serve did not answer on ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
    check(proc.exitCode === 0, `stepd exited ${proc.exitCode} on SIGTERM`);
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

function client(url, creds, extra = {}) {
  const { account, ...credentials } = creds;
  return new SFNClient({
    endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1,
    disableHostPrefix: true, // StartSyncExecution: no sync- host, which 127.0.0.1 cannot be
    ...extra,
  });
}

/** refused checks that a promise fails with an AWS error (name, message start). */
async function refused(promise, name, message) {
  try {
    await promise;
  } catch (e) {
    check(e.name === name, `got ${e.name}: ${e.message}, want ${name}`);
    if (message) check(e.message.startsWith(message), `${name}: ${JSON.stringify(e.message)} does not start with ${JSON.stringify(message)}`);
    check(e.$metadata?.httpStatusCode === 400, `${name}: HTTP ${e.$metadata?.httpStatusCode}, want 400`);
    return;
  }
  throw new Error(`no error, want ${name}`);
}

async function suite(url) {
  const a = client(url, alice), b = client(url, bob), t = client(url, temp);
  const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { js: true }, End: true } } });
  const { stateMachineArn } = await a.send(new CreateStateMachineCommand({ name: 'from-js', definition, roleArn: role }));
  check(stateMachineArn === `arn:aws:states:us-east-1:${alice.account}:stateMachine:from-js`, stateMachineArn);
  const { executionArn } = await t.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  let d;
  for (let i = 0; i < 600; i++) {
    d = await a.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  check(d.status === 'SUCCEEDED' && d.output === '{"js":true}', JSON.stringify(d));
  const quick = await a.send(new CreateStateMachineCommand({ name: 'quick-js', definition, roleArn: role, type: 'EXPRESS' }));
  const sync = await a.send(new StartSyncExecutionCommand({ stateMachineArn: quick.stateMachineArn, input: '{}' }));
  check(sync.status === 'SUCCEEDED' && sync.output === '{"js":true}', JSON.stringify(sync));

  // Bob's account sees nothing of Alice's.
  const listed = await b.send(new ListStateMachinesCommand({}));
  check(listed.stateMachines.length === 0, `Bob sees ${JSON.stringify(listed.stateMachines)}`);
  check((await b.send(new ListExecutionsCommand({}))).executions.length === 0, 'Bob sees executions');
  await refused(b.send(new DescribeStateMachineCommand({ stateMachineArn })), 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  await refused(b.send(new DescribeExecutionCommand({ executionArn })), 'ExecutionDoesNotExist');

  // Wrong keys get AWS's errors.
  const list = new ListStateMachinesCommand({});
  await refused(client(url, { ...alice, secretAccessKey: 'wrong' }).send(list), 'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided.');
  await refused(client(url, { ...alice, accessKeyId: 'AKIDNOBODY' }).send(list), 'UnrecognizedClientException',
    'The security token included in the request is invalid.');
  await refused(client(url, { ...temp, sessionToken: undefined }).send(list), 'UnrecognizedClientException',
    'The security token included in the request is invalid');
  await refused(client(url, alice, { systemClockOffset: -20 * 60 * 1000 }).send(list), 'InvalidSignatureException', 'Signature expired: ');
  await refused(client(url, alice, { systemClockOffset: 20 * 60 * 1000 }).send(list), 'InvalidSignatureException', 'Signature not yet current: ');
  await refused(client(url, alice, { region: 'eu-west-1' }).send(list), 'InvalidSignatureException',
    "Credential should be scoped to a valid region, not 'eu-west-1'.");
}

const stepd = await startStepd();
try {
  await suite(stepd.url);
} catch (e) {
  console.error('FAIL:', e.message);
  await stepd.stop().catch(() => {});
  process.exit(1);
}
await stepd.stop();
console.log('aws-sdk-js-v3 with --auth sigv4: ok');
