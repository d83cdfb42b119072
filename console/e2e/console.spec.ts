// The console in a real browser against a real stepd serve: what a person
// does, step by step, with a screenshot of each page in e2e/artifacts/.
import { expect, test } from '@playwright/test';
import { api, approvalDefinition, createMachine, machineArn, orderDefinition, shot, url } from './helpers';

test.describe.configure({ mode: 'serial' });

const execURL = (arn: string) => `${url()}/executions/${encodeURIComponent(arn)}`;
const machineURL = (name: string) => `${url()}/state-machines/${encodeURIComponent(machineArn(name))}`;

async function waitStatus(executionArn: string, status: string) {
  await expect.poll(async () => (await api('DescribeExecution', { executionArn })).status, { timeout: 20_000 }).toBe(status);
}

test('opens the console', async ({ page }) => {
  await page.goto(url() + '/');
  await expect(page).toHaveURL(/\/state-machines$/);
  await expect(page.getByRole('heading', { name: 'State machines' })).toBeVisible();
  await expect(page.getByTestId('machines')).toContainText('No state machines yet.');
  await shot(page, '01-state-machines-empty');
});

test('creates a state machine in the JSON editor, with diagnostics inline', async ({ page }) => {
  await page.goto(url() + '/state-machines');
  await page.getByRole('link', { name: 'Create state machine' }).click();
  await page.getByLabel('Name', { exact: true }).fill('order-flow');
  const editor = page.locator('.cm-content');
  // A broken definition first: its diagnostics show in the editor and below it.
  const broken = structuredClone(orderDefinition) as any;
  broken.States.Pause.Next = 'Nowhere';
  await editor.fill(JSON.stringify(broken, null, 2));
  await expect(page.getByTestId('diagnostics')).toContainText('MISSING_TRANSITION_TARGET');
  await expect(page.locator('.cm-lintRange-error').first()).toBeVisible();
  await shot(page, '02-editor-diagnostics');

  await editor.fill(JSON.stringify(orderDefinition, null, 2));
  await expect(page.getByTestId('diagnostics')).toContainText('The definition is valid');
  await expect(page.locator('[data-state="Fan out"]')).toBeVisible();
  await shot(page, '03-editor-valid');
  await page.getByRole('button', { name: 'Create', exact: true }).click();

  await expect(page).toHaveURL(machineURL('order-flow'));
  await expect(page.getByRole('heading', { name: 'order-flow' })).toBeVisible();
  // Nested groups for Parallel branches and the Map processor; labeled
  // Choice edges; the Default and the Catch edges drawn apart.
  await expect(page.locator('.group.parallel')).toHaveCount(1);
  await expect(page.locator('.group.branch')).toHaveCount(2);
  await expect(page.locator('.group.map')).toHaveCount(1);
  // The processor's state is drawn inside the Map's group.
  const map = (await page.locator('.group.map > rect').boundingBox())!;
  const pack = (await page.locator('[data-state="Pack"]').boundingBox())!;
  expect(pack.x).toBeGreaterThan(map.x);
  expect(pack.y).toBeGreaterThan(map.y);
  expect(pack.x + pack.width).toBeLessThan(map.x + map.width);
  expect(pack.y + pack.height).toBeLessThan(map.y + map.height);
  await expect(page.locator('.edge-choice .edge-label')).toContainText('$.checked == true');
  await expect(page.locator('.edge-default .edge-label')).toHaveText('Default');
  await expect(page.locator('.edge-catch .edge-label')).toContainText('Catch States.ALL');
  await shot(page, '04-machine');

  // The list finds it by name.
  await page.getByRole('link', { name: 'State machines', exact: true }).first().click();
  await page.getByPlaceholder(/Search by name/).fill('order');
  await expect(page.getByTestId('machines').locator('tbody tr')).toHaveCount(1);
});

test('starts an execution and watches its states turn succeeded', async ({ page }) => {
  await page.goto(machineURL('order-flow'));
  await page.getByRole('button', { name: 'Start execution' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('order-1');
  await dialog.getByLabel('Input (JSON)').fill(JSON.stringify({ order: 'A-1', items: ['apple', 'pear', 'plum'] }));
  await dialog.getByRole('button', { name: 'Start execution' }).click();

  await expect(page).toHaveURL(/\/executions\/arn/);
  // While it waits, the page follows it without a reload.
  await expect(page.locator('[data-state="Pause"]')).toHaveAttribute('data-status', 'running');
  await expect(page.locator('[data-state="Validate"]')).toHaveAttribute('data-status', 'succeeded');
  await shot(page, '05-execution-running');

  await expect(page.locator('h1 .badge')).toHaveText('succeeded', { timeout: 20_000 });
  for (const s of ['Validate', 'Pause', 'Route', 'Fan out', 'Charge', 'Backorder', 'Each item', 'Pack', 'Done']) {
    await expect(page.locator(`[data-state="${s}"]`)).toHaveAttribute('data-status', 'succeeded');
  }
  await expect(page.locator('[data-state="Reserve"]')).toHaveAttribute('data-status', 'caught');
  await expect(page.locator('[data-state="Reject"]')).toHaveAttribute('data-status', 'none');
  await shot(page, '06-execution-succeeded');
});

test("opens a state's input and output", async ({ page }) => {
  const arn = 'arn:aws:states:us-east-1:123456789012:execution:order-flow:order-1';
  await page.goto(execURL(arn));
  const panel = page.getByTestId('state-panel');
  await page.locator('[data-state="Validate"]').click();
  await expect(panel.getByRole('heading', { name: 'Validate' })).toBeFocused();
  await expect(panel.locator('pre[aria-label="Input"]')).toContainText('"order": "A-1"');
  await expect(panel.locator('pre[aria-label="Output"]')).toContainText('"checked": true');
  await shot(page, '07-state-input-output');

  // From the keyboard: a state is a button.
  await page.locator('[data-state="Pack"]').focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('heading', { name: 'Pack' })).toBeFocused();
  await expect(panel).toContainText('3 runs');
  await expect(panel.locator('pre[aria-label="Output"]')).toContainText('"sku": "plum"');

  // A caught error shows its error and cause, and the retry count.
  await page.locator('[data-state="Reserve"]').click();
  await expect(panel).toContainText('Boom');
  await expect(panel).toContainText('(caught)');

  // The event history, with expandable details; the timeline.
  const events = page.getByTestId('events');
  await expect(events).toContainText('ExecutionStarted');
  await expect(events).toContainText('MapIterationStarted');
  await events.getByRole('button', { name: 'Details of event 3', exact: true }).click();
  await expect(events).toContainText('"checked": true');
  await shot(page, '08-events');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(page.getByTestId('timeline')).toContainText('Pause');
  await shot(page, '09-timeline');
});

test('approves a waiting task from its link, and only on confirmation', async ({ page }) => {
  await createMachine('promotion', approvalDefinition);
  const jim = await api('StartExecution', { stateMachineArn: machineArn('promotion'), name: 'jim', input: JSON.stringify({ employee: 'Jim' }) });
  const ann = await api('StartExecution', { stateMachineArn: machineArn('promotion'), name: 'ann', input: JSON.stringify({ employee: 'Ann' }) });

  await page.goto(url() + '/approvals');
  const row = page.getByTestId('approvals').locator('tbody tr', { hasText: 'jim' });
  await expect(row).toContainText('Ask manager');
  await expect(page.getByTestId('approvals').locator('tbody tr')).toHaveCount(2);
  await shot(page, '10-approvals');

  await row.getByRole('link', { name: 'Approve…' }).click();
  await expect(page).toHaveURL(/\/task\?taskToken=[^&]+&action=approve$/);
  await expect(page.getByRole('heading', { name: 'Approve this task?' })).toBeVisible();
  await expect(page.locator('dl.facts')).toContainText('Ask manager');
  // Opening the link answered nothing: only the confirmation does.
  expect((await api('DescribeExecution', { executionArn: jim.executionArn })).status).toBe('RUNNING');
  await shot(page, '11-task-confirm');
  const link = page.url();
  await page.getByRole('button', { name: 'Confirm approval' }).click();
  await expect(page.getByTestId('task-done')).toContainText('Approved');
  await shot(page, '12-task-approved');
  await waitStatus(jim.executionArn, 'SUCCEEDED');
  const out = JSON.parse((await api('DescribeExecution', { executionArn: jim.executionArn })).output);
  expect(out.decision).toEqual({ approved: true });

  // The same link again: the task no longer waits, and the page says so.
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm approval' }).click();
  await expect(page.getByRole('alert')).toContainText('no longer waits');

  // Reject the other one from its execution page.
  await page.goto(`${execURL(ann.executionArn)}?state=${encodeURIComponent('Ask manager')}`);
  await page.getByTestId('state-panel').getByRole('link', { name: 'Reject…' }).click();
  await expect(page.getByRole('heading', { name: 'Reject this task?' })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm rejection' }).click();
  await expect(page.getByTestId('task-done')).toContainText('Rejected');
  await waitStatus(ann.executionArn, 'FAILED');
  expect((await api('DescribeExecution', { executionArn: ann.executionArn })).error).toBe('Rejected');
});

test('filters failed executions', async ({ page }) => {
  await createMachine('fails', { StartAt: 'Nope', States: { Nope: { Type: 'Fail', Error: 'Nope', Cause: 'on purpose' } } });
  for (const name of ['bad-1', 'bad-2', 'bad-3']) {
    const x = await api('StartExecution', { stateMachineArn: machineArn('fails'), name });
    await waitStatus(x.executionArn, 'FAILED');
  }
  await page.goto(url() + '/executions');
  const rows = page.getByTestId('executions').locator('tbody tr');
  await expect(rows).toHaveCount(6); // order-1, jim, ann, bad-1..3
  await shot(page, '13-executions');

  await page.getByLabel('Status filter').selectOption('FAILED');
  await expect(page).toHaveURL(/status=FAILED/);
  await expect(rows).toHaveCount(4); // ann (rejected) and bad-1..3
  for (const r of await rows.all()) await expect(r).toHaveAttribute('data-status', 'FAILED');
  await shot(page, '14-executions-failed');

  await page.getByPlaceholder(/Search by name/).fill('bad-2');
  await page.keyboard.press('Enter');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('bad-2');

  // The failed execution's page: the Fail state is red, the error shown.
  await rows.first().getByRole('link', { name: 'bad-2' }).click();
  await expect(page.locator('[data-state="Nope"]')).toHaveAttribute('data-status', 'failed');
  await expect(page.locator('.error-box').first()).toContainText('on purpose');
  await shot(page, '15-execution-failed');
});

test('stops a running execution', async ({ page }) => {
  await createMachine('sleepy', { StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 3600, End: true } } });
  const x = await api('StartExecution', { stateMachineArn: machineArn('sleepy'), name: 'nap' });
  await page.goto(execURL(x.executionArn));
  await expect(page.locator('[data-state="Sleep"]')).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Stop execution' }).click();
  await expect(page.locator('h1 .badge')).toHaveText('aborted');
  await expect(page.locator('[data-state="Sleep"]')).toHaveAttribute('data-status', 'aborted');
});

test('redrives the stopped execution, and shows versions and aliases', async ({ page }) => {
  const [x] = (await api('ListExecutions', { stateMachineArn: machineArn('sleepy') })).executions;
  await page.goto(execURL(x.executionArn));
  await expect(page.locator('h1 .badge')).toHaveText('aborted');
  await page.getByRole('button', { name: 'Redrive' }).click();
  await expect(page.locator('h1 .badge')).toHaveText('running');
  await expect(page.locator('.facts')).toContainText('Redrives');
  await expect(page.getByRole('button', { name: 'Redrive' })).toHaveCount(0);
  await shot(page, '16-execution-redriven');

  const v1 = (await api('PublishStateMachineVersion', { stateMachineArn: machineArn('sleepy') })).stateMachineVersionArn;
  await api('CreateStateMachineAlias', { name: 'PROD', routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }] });
  const onAlias = await api('StartExecution', { stateMachineArn: machineArn('sleepy') + ':PROD' });
  await page.goto(machineURL('sleepy'));
  await expect(page.getByTestId('versions')).toContainText('Alias PROD');
  await expect(page.getByTestId('versions')).toContainText('version 1: 100%');
  await shot(page, '17-machine-versions');
  await page.goto(execURL(onAlias.executionArn));
  await expect(page.locator('.facts')).toContainText(machineArn('sleepy') + ':PROD');
  await expect(page.locator('.facts')).toContainText(v1);
  // Leave nothing running: the load test waits for every execution to end.
  await api('StopExecution', { executionArn: x.executionArn });
  await api('StopExecution', { executionArn: onAlias.executionArn });
});

test('draws a running state as running and counts its duration', async ({ page }) => {
  await createMachine('dozy', { StartAt: 'Doze', States: { Doze: { Type: 'Wait', Seconds: 3600, End: true } } });
  const x = await api('StartExecution', { stateMachineArn: machineArn('dozy'), name: 'doze' });
  await page.goto(execURL(x.executionArn));
  const node = page.locator('[data-state="Doze"]');
  await expect(node).toHaveAttribute('data-status', 'running');
  // The computed colours of the state's box are the running ones, not a
  // state's that has not run.
  const colours = await node.evaluate((el) => {
    const probe = (v: string) => {
      const d = document.createElement('div');
      d.style.backgroundColor = `var(${v})`;
      document.body.appendChild(d);
      const c = getComputedStyle(d).backgroundColor;
      d.remove();
      return c;
    };
    const rect = el.querySelector('rect')!;
    const cs = getComputedStyle(rect);
    return { fill: cs.fill, stroke: cs.stroke, runningBg: probe('--s-running-bg'), running: probe('--s-running'), noneBg: probe('--s-none-bg') };
  });
  expect(colours.fill).toBe(colours.runningBg);
  expect(colours.stroke).toBe(colours.running);
  expect(colours.fill).not.toBe(colours.noneBg);
  // Its duration counts up while it runs: past a second, not "0 ms so far".
  await node.click();
  const duration = page.getByTestId('state-panel').locator('dt:text-is("Duration") + dd');
  await expect(duration).toHaveText(/^\d+\.\d+ s so far$/, { timeout: 10_000 });
  await shot(page, '18-running-state');
  await api('StopExecution', { executionArn: x.executionArn });
});

/** A long workflow: 64 states with long names, a Parallel and a Map among them. */
function bigDefinition() {
  const states: Record<string, any> = {};
  const name = (i: number) => `Step ${i} — normalise the customer's shipping address before the stock check`;
  const n = 56;
  for (let i = 1; i <= n; i++) {
    const next = i === n ? 'Fan out to every regional warehouse' : name(i + 1);
    states[name(i)] = i % 12 === 0
      ? { Type: 'Choice', Choices: [{ Variable: '$.skip', BooleanEquals: true, Next: 'Fan out to every regional warehouse' }], Default: next }
      : { Type: 'Pass', Next: next };
  }
  states['Fan out to every regional warehouse'] = {
    Type: 'Parallel', ResultPath: '$.regions', Next: 'For each parcel in the consignment',
    Branches: [0, 1].map((b) => ({
      StartAt: `Region ${b} first check`,
      States: { [`Region ${b} first check`]: { Type: 'Pass', Next: `Region ${b} second check` }, [`Region ${b} second check`]: { Type: 'Pass', End: true } },
    })),
  };
  states['For each parcel in the consignment'] = {
    Type: 'Map', ItemsPath: '$.parcels', End: true,
    ItemProcessor: { StartAt: 'Weigh the parcel', States: { 'Weigh the parcel': { Type: 'Pass', Next: 'Label the parcel' }, 'Label the parcel': { Type: 'Pass', End: true } } },
  };
  return { StartAt: name(1), States: states };
}

test('draws 60+ states with long names, on a laptop and on a phone', async ({ page, browser }) => {
  const longName = 'a-very-long-state-machine-name-that-keeps-going-and-going-'.padEnd(80, 'x'); // the longest AWS allows
  await createMachine(longName, bigDefinition());
  const arn = machineArn(longName);
  const x = await api('StartExecution', { stateMachineArn: arn, name: 'big-run', input: JSON.stringify({ skip: false, parcels: [1, 2] }) });
  await waitStatus(x.executionArn, 'SUCCEEDED');
  await page.goto(execURL(x.executionArn));
  await expect(page.locator('.graph .state')).toHaveCount(62);
  await expect(page.locator('[data-state="Label the parcel"]')).toHaveAttribute('data-status', 'succeeded');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, '16-large-execution', false);
  await page.locator('[data-state="Label the parcel"]').scrollIntoViewIfNeeded();
  await shot(page, '16-large-execution-end', false);

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  for (const [path, name] of [
    [`/executions/${encodeURIComponent('arn:aws:states:us-east-1:123456789012:execution:order-flow:order-1')}?state=Validate`, '17-phone-execution'],
    ['/executions', '18-phone-executions'],
    [`/state-machines/${encodeURIComponent(arn)}`, '19-phone-large-machine'],
  ]) {
    await phone.goto(url() + path);
    await expect(phone.locator('main h1')).toBeVisible();
    await expect(phone.locator(path.includes('/executions/') || path.includes('/state-machines/') ? 'main .graph svg' : 'main table').first()).toBeVisible();
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(over, `${name} is wider than the phone`).toBeLessThanOrEqual(0);
    await shot(phone, name, false);
  }
  // The state panel sits under the graph on a phone.
  await phone.goto(url() + `/executions/${encodeURIComponent('arn:aws:states:us-east-1:123456789012:execution:order-flow:order-1')}?state=Reserve`);
  await phone.getByTestId('state-panel').scrollIntoViewIfNeeded();
  await expect(phone.getByTestId('state-panel')).toContainText('Boom');
  await shot(phone, '20-phone-state-panel', false);
  await phone.close();
});
