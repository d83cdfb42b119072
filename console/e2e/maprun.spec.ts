// A Distributed Map's Map Run in the console: from the parent execution to
// the run's page (its counts, its child executions, filtered and opened), and
// from a child back to its run and its parent.
import { expect, test } from '@playwright/test';
import { api, createMachine, shot, url } from './helpers';

test.describe.configure({ mode: 'serial' });

const fanout = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Map', ItemsPath: '$.items', Label: 'Fan', MaxConcurrency: 2, ToleratedFailureCount: 1, End: true,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Odd?',
        States: {
          'Odd?': { Type: 'Choice', Choices: [{ Variable: '$.odd', BooleanEquals: true, Next: 'Refuse' }], Default: 'Hold' },
          Refuse: { Type: 'Fail', Error: 'Odd', Cause: 'an odd item' },
          Hold: { Type: 'Wait', Seconds: 1, Next: 'Done' },
          Done: { Type: 'Pass', End: true },
        },
      },
    },
  },
};

test('shows a Map Run: its counts and its child executions, linked both ways', async ({ page }) => {
  const sm = await createMachine('fan-out', fanout);
  const items = [{ odd: false }, { odd: true }, { odd: false }, { odd: false }];
  const { executionArn } = await api('StartExecution', { stateMachineArn: sm, name: 'fan-1', input: JSON.stringify({ items }) });

  await page.goto(`${url()}/executions/${encodeURIComponent(executionArn)}`);
  const runs = page.getByTestId('map-runs');
  await expect(runs.getByRole('link')).toHaveCount(1);
  await expect(runs).toContainText('Fan: Map Run');
  await runs.getByRole('link').click();

  await expect(page).toHaveURL(/\/map-runs\/arn/);
  await expect(page.getByRole('heading', { name: /Map Run/ })).toBeVisible();
  await expect(page.getByTestId('map-run-facts')).toContainText('fan-1');
  // Followed live to its end: one tolerated failure, three successes.
  await expect(page.getByRole('heading', { name: /Map Run/ })).toContainText('succeeded', { timeout: 30_000 });
  const executions = page.getByTestId('map-run-counts').locator('[data-counts="executions"]');
  await expect(executions.locator('[data-count="succeeded"]')).toHaveText('3');
  await expect(executions.locator('[data-count="failed"]')).toHaveText('1');
  await expect(executions.locator('[data-count="total"]')).toHaveText('4');
  await expect(page.getByTestId('map-run-counts').locator('[data-counts="items"] [data-count="total"]')).toHaveText('4');
  const children = page.getByTestId('map-run-children').locator('tbody tr');
  await expect(children).toHaveCount(4);
  await shot(page, '20-map-run');

  // Filtered by status, then one opened.
  await page.getByLabel('Status filter').selectOption('FAILED');
  await expect(page).toHaveURL(/status=FAILED/);
  await expect(children).toHaveCount(1);
  await expect(children.first()).toHaveAttribute('data-status', 'FAILED');
  await children.first().getByRole('link').click();

  await expect(page).toHaveURL(/\/executions\/arn/);
  await expect(page.locator('.error-box').first()).toContainText('Odd');
  await expect(page.locator('[data-state="Refuse"]')).toHaveAttribute('data-status', 'failed');
  await shot(page, '21-map-run-child');
  // The child links back to its run, and the run to its parent.
  await page.getByTestId('parent-map-run').click();
  await expect(page).toHaveURL(/\/map-runs\/arn/);
  await page.getByTestId('map-run-facts').getByRole('link', { name: 'fan-1' }).click();
  await expect(page).toHaveURL(new RegExp(encodeURIComponent(executionArn).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await expect(page.getByRole('heading', { name: /fan-1/ })).toContainText('succeeded');
});
