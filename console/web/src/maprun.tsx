// A Distributed Map's Map Run: its configuration, its counts of items and of
// child executions by status, and its child executions (filtered by status,
// each linked), followed live while it runs.
import { useEffect, useState } from 'preact/hooks';
import { call, type ExecutionListItem, type ExecutionStatus, type MapRun, type MapRunCounts } from './api';
import { paths, setQuery, useLocation } from './router';
import { CopyButton, ErrorBox, fmtDuration, fmtTime, StatusBadge } from './ui';

const PAGE = 50;
const statuses: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const columns: [keyof MapRunCounts, string][] = [
  ['pending', 'Pending'], ['running', 'Running'], ['succeeded', 'Succeeded'], ['failed', 'Failed'],
  ['timedOut', 'Timed out'], ['aborted', 'Aborted'], ['total', 'Total'], ['resultsWritten', 'Results written'],
];

/** lastPart is the part of an ARN after its last ':' (an execution's or a run's name). */
const lastPart = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

export function MapRunPage({ arn }: { arn: string }) {
  const url = useLocation();
  const status = url.searchParams.get('status') ?? '';
  const [run, setRun] = useState<MapRun>();
  const [error, setError] = useState<unknown>();
  // tokens[i] reads page i of the children (undefined for the first).
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [children, setChildren] = useState<{ items: ExecutionListItem[]; next?: string }>();
  const [tick, setTick] = useState(0);

  useEffect(() => setTokens([undefined]), [arn, status]);
  useEffect(() => {
    let live = true, timer: number | undefined;
    const token = tokens[tokens.length - 1];
    Promise.all([
      call<MapRun>('DescribeMapRun', { mapRunArn: arn }),
      call<{ executions: ExecutionListItem[]; nextToken?: string }>('ListExecutions', {
        mapRunArn: arn, maxResults: PAGE, ...(status ? { statusFilter: status } : {}), ...(token ? { nextToken: token } : {}),
      }),
    ]).then(([r, c]) => {
      if (!live) return;
      setRun(r);
      setChildren({ items: c.executions, next: c.nextToken });
      setError(undefined);
      document.body.dataset.loaded = 'map-run';
      // Followed while it runs (a second apart, as the execution page does).
      if (r.status === 'RUNNING') timer = window.setTimeout(() => setTick((n) => n + 1), 1000);
    }, (e) => live && setError(e));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [arn, status, tokens.length, tick]);

  if (!run) return error ? <ErrorBox error={error} /> : <p class="muted">Loading…</p>;
  const parent = run.executionArn;
  const items = children?.items ?? [];
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={paths.executions()}>Executions</a> / <a href={paths.execution(parent)}>{lastPart(parent)}</a> /
      </nav>
      <div class="page-head">
        <h1 class="long">Map Run {lastPart(arn)} <StatusBadge status={run.status} /></h1>
        <div class="actions"><CopyButton text={arn} label="Copy ARN" /></div>
      </div>
      <dl class="facts" data-testid="map-run-facts">
        <div><dt>ARN</dt><dd class="arn"><code>{run.mapRunArn}</code></dd></div>
        <div><dt>Parent execution</dt><dd><a href={paths.execution(parent)} title={parent}>{lastPart(parent)}</a></dd></div>
        <div><dt>Started</dt><dd>{fmtTime(run.startDate)}</dd></div>
        <div><dt>Ended</dt><dd>{fmtTime(run.stopDate)}</dd></div>
        <div><dt>Duration</dt><dd>{fmtDuration((run.stopDate ?? Date.now() / 1000) - run.startDate)}</dd></div>
        <div><dt>Max concurrency</dt><dd>{run.maxConcurrency || 'no limit'}</dd></div>
        <div><dt>Tolerated failures</dt><dd>{run.toleratedFailureCount} or {run.toleratedFailurePercentage}%</dd></div>
        <div><dt>Redrives</dt><dd>{run.redriveCount ?? 0}</dd></div>
      </dl>
      <ErrorBox error={error} />
      <h2>Counts</h2>
      <div class="table-wrap">
        <table class="list" data-testid="map-run-counts">
          <thead><tr><th />{columns.map(([, label]) => <th>{label}</th>)}</tr></thead>
          <tbody>
            {([['Items', run.itemCounts], ['Child executions', run.executionCounts]] as const).map(([name, c]) => (
              <tr data-counts={name === 'Items' ? 'items' : 'executions'}>
                <th scope="row">{name}</th>
                {columns.map(([k]) => <td data-count={k}>{c[k] ?? 0}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Child executions</h2>
      <div class="filters">
        <label>
          <span class="sr-only">Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value || undefined })} aria-label="Status filter">
            <option value="">All statuses</option>
            {statuses.map((s) => <option value={s}>{s.replace('_', ' ').toLowerCase()}</option>)}
          </select>
        </label>
      </div>
      <div class="table-wrap">
        <table class="list" data-testid="map-run-children">
          <thead><tr><th>Name</th><th>Status</th><th>Items</th><th>Started</th><th class="opt">Duration</th></tr></thead>
          <tbody>
            {items.map((x) => (
              <tr data-status={x.status}>
                <td class="name"><a href={paths.execution(x.executionArn)} title={x.executionArn}>{x.name}</a></td>
                <td><StatusBadge status={x.status} /></td>
                <td>{(x as any).itemCount ?? 1}</td>
                <td class="nowrap">{fmtTime(x.startDate)}</td>
                <td class="nowrap opt">{x.stopDate ? fmtDuration(x.stopDate - x.startDate) : 'running'}</td>
              </tr>
            ))}
            {!items.length && <tr><td colSpan={5} class="muted">No child executions{status ? ` with status ${status.toLowerCase()}` : ''}.</td></tr>}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="btn" disabled={tokens.length < 2} onClick={() => setTokens((t) => t.slice(0, -1))}>← Newer</button>
        <span class="muted">Page {tokens.length}</span>
        <button type="button" class="btn" disabled={!children?.next} onClick={() => setTokens((t) => [...t, children!.next])}>Older →</button>
      </nav>
    </section>
  );
}
