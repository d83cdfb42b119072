// Executions: the list (across machines, or one machine's), and an
// execution's page, which follows it live.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  call, detailsOf, historyAll, historySince, listAll,
  type Execution, type ExecutionListItem, type ExecutionStatus, type HistoryEvent, type MachineForExecution,
} from './api';
import { findState, parseDefinition } from './asl';
import { StateGraph } from './graph';
import { analyze, tokenOf, type Analysis, type StateRun } from './history';
import { paths, setQuery, useLocation } from './router';
import { StartDialog } from './start';
import { CopyButton, Dialog, ErrorBox, fmtDuration, fmtTime, JSONBlock, machineNameOf, StatusBadge, useSlashFocus } from './ui';

const PAGE = 50;
/** SEARCH_SCAN bounds a name search: the API has no name filter, so the console reads pages and filters them. */
const SEARCH_SCAN = 10000;
const statuses: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export function ExecutionsPage() {
  return (
    <section>
      <div class="page-head"><h1>Executions</h1></div>
      <ExecutionList />
    </section>
  );
}

/** ExecutionList lists executions newest first, of one machine or of all. */
export function ExecutionList({ machine }: { machine?: string }) {
  const url = useLocation();
  const status = url.searchParams.get('status') ?? '';
  const q = url.searchParams.get('q') ?? '';
  const [input, setInput] = useState(q);
  const search = useRef<HTMLInputElement>(null);
  useSlashFocus(search);
  // tokens[i] is the nextToken that reads page i (undefined for the first),
  // for the listing key names; another filter starts again at page 1.
  const key = `${machine}|${status}|${q}`;
  const [pages, setPages] = useState<{ key: string; tokens: (string | undefined)[] }>({ key, tokens: [undefined] });
  const tokens = pages.key === key ? pages.tokens : [undefined];
  const setTokens = (f: (t: (string | undefined)[]) => (string | undefined)[]) => setPages({ key, tokens: f(tokens) });
  const [page, setPage] = useState<{ items: ExecutionListItem[]; next?: string; scanned?: number; more?: boolean }>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const base = { ...(machine ? { stateMachineArn: machine } : {}), ...(status ? { statusFilter: status } : {}) };

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    const token = tokens[tokens.length - 1];
    const load = q
      ? listAll<ExecutionListItem>('ListExecutions', base, 'executions', SEARCH_SCAN).then((all) => {
        const needle = q.toLowerCase();
        return { items: all.filter((x) => x.name.toLowerCase().includes(needle)), scanned: Math.min(all.length, SEARCH_SCAN), more: all.length >= SEARCH_SCAN };
      })
      : call<{ executions: ExecutionListItem[]; nextToken?: string }>('ListExecutions', { ...base, maxResults: PAGE, ...(token ? { nextToken: token } : {}) })
        .then((r) => ({ items: r.executions, next: r.nextToken }));
    load.then(
      (p) => {
        if (!live) return;
        setPage(p);
        setLoading(false);
        performance.mark('stepd:executions-loaded');
        document.body.dataset.loaded = 'executions';
      },
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [key, tokens.length]);

  const submit = (e: Event) => {
    e.preventDefault();
    setQuery({ q: input.trim() || undefined });
  };
  const items = page?.items ?? [];
  return (
    <div>
      <form class="filters" onSubmit={submit} role="search">
        <label>
          <span class="sr-only">Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value || undefined })} aria-label="Status filter">
            <option value="">All statuses</option>
            {statuses.map((s) => <option value={s}>{s.replace('_', ' ').toLowerCase()}</option>)}
          </select>
        </label>
        <label class="search">
          <span class="sr-only">Search executions by name</span>
          <input ref={search} type="search" placeholder="Search by name  ( / )" value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn">Search</button>
        {q && <button type="button" class="btn ghost" onClick={() => { setInput(''); setQuery({ q: undefined }); }}>Clear</button>}
      </form>
      <ErrorBox error={error} />
      {q && page?.scanned !== undefined && (
        <p class="muted">{items.length} {items.length === 1 ? 'execution' : 'executions'} named like “{q}” among the {page.scanned} newest{page.more ? ' (older ones were not searched)' : ''}.</p>
      )}
      <div class="table-wrap">
        <table class="list" data-testid="executions" aria-busy={loading}>
          <thead>
            <tr><th>Name</th><th>Status</th>{!machine && <th>State machine</th>}<th>Started</th><th class="opt">Duration</th></tr>
          </thead>
          <tbody>
            {items.slice(0, q ? 500 : PAGE).map((x) => (
              <tr data-status={x.status}>
                <td class="name"><a href={paths.execution(x.executionArn)} title={x.executionArn}>{x.name}</a></td>
                <td><StatusBadge status={x.status} /></td>
                {!machine && <td class="name"><a href={paths.machine(x.stateMachineArn)} title={x.stateMachineArn}>{machineNameOf(x.stateMachineArn)}</a></td>}
                <td class="nowrap">{fmtTime(x.startDate)}</td>
                <td class="nowrap opt">{x.stopDate ? fmtDuration(x.stopDate - x.startDate) : 'running'}</td>
              </tr>
            ))}
            {!loading && !items.length && <tr><td colSpan={5} class="muted">No executions{status ? ` with status ${status.toLowerCase()}` : ''}.</td></tr>}
          </tbody>
        </table>
      </div>
      {!q && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="btn" disabled={tokens.length < 2 || loading} onClick={() => setTokens((t) => t.slice(0, -1))}>← Newer</button>
          <span class="muted">Page {tokens.length}</span>
          <button type="button" class="btn" disabled={!page?.next || loading} onClick={() => setTokens((t) => [...t, page!.next])}>Older →</button>
        </nav>
      )}
    </div>
  );
}

const terminal = (s?: string) => !!s && s !== 'RUNNING';

export function ExecutionPage({ arn }: { arn: string }) {
  const url = useLocation();
  const selected = url.searchParams.get('state') ?? undefined;
  const tab = url.searchParams.get('tab') ?? 'events';
  const [exec, setExec] = useState<Execution>();
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [machine, setMachine] = useState<MachineForExecution>();
  const [error, setError] = useState<unknown>();
  const [dialog, setDialog] = useState<'stop' | 'start'>();
  const [poke, setPoke] = useState(0);
  // Whether the person chose a state here (rather than opening a link to it).
  const chose = useRef(false);

  useEffect(() => {
    let live = true, timer: number | undefined, last = 0;
    setExec(undefined);
    setEvents([]);
    setMachine(undefined);
    const first = async () => {
      const [x, h, m] = await Promise.all([
        call<Execution>('DescribeExecution', { executionArn: arn }),
        historyAll(arn),
        call<MachineForExecution>('DescribeStateMachineForExecution', { executionArn: arn }),
      ]);
      if (!live) return;
      last = h.length ? h[h.length - 1].id : 0;
      setExec(x);
      setEvents(h);
      setMachine(m);
      if (!terminal(x.status)) timer = window.setTimeout(poll, 1000);
    };
    const poll = async () => {
      try {
        const [x, fresh] = await Promise.all([call<Execution>('DescribeExecution', { executionArn: arn }), historySince(arn, last)]);
        if (!live) return;
        // The history may have grown after DescribeExecution answered: read
        // once more when the execution has just ended.
        const more = terminal(x.status) ? await historySince(arn, fresh.length ? fresh[fresh.length - 1].id : last) : [];
        const all = [...fresh, ...more];
        if (all.length) {
          last = all[all.length - 1].id;
          setEvents((ev) => [...ev, ...all]);
        }
        setExec(x);
        if (!terminal(x.status)) timer = window.setTimeout(poll, 1000);
      } catch (e) {
        if (live) {
          setError(e);
          timer = window.setTimeout(poll, 3000);
        }
      }
    };
    first().catch((e) => live && setError(e));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [arn, poke]);

  const analysis = useMemo(() => (exec ? analyze(events, exec.status) : undefined), [events, exec?.status]);
  const def = useMemo(() => (machine ? parseDefinition(machine.definition) : undefined), [machine?.definition]);
  const statusMap = useMemo(() => new Map([...(analysis?.states ?? new Map())].map(([k, v]) => [k, v.status])), [analysis]);
  useEffect(() => {
    if (exec && machine) {
      performance.mark('stepd:execution-loaded');
      document.body.dataset.loaded = 'execution';
    }
  }, [!!exec && !!machine]);

  if (!exec || !machine || !analysis) return error ? <ErrorBox error={error} /> : <p class="muted">Loading…</p>;
  const select = (s?: string) => {
    chose.current = true;
    setQuery({ state: s });
  };
  const machineArn = exec.stateMachineArn;
  const end = exec.stopDate;
  // A Distributed Map's runs, from their MapRunStarted events.
  const mapRuns = events.filter((e) => e.type === 'MapRunStarted' && e.mapRunStartedEventDetails?.mapRunArn)
    .map((e) => ({ arn: e.mapRunStartedEventDetails.mapRunArn as string, state: analysis.runOf.get(e.id)?.name }));
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={paths.executions()}>Executions</a> / {exec.mapRunArn
          ? <a href={paths.mapRun(exec.mapRunArn)}>Map Run {exec.mapRunArn.slice(exec.mapRunArn.lastIndexOf(':') + 1)}</a>
          : <a href={paths.machine(machineArn)}>{machineNameOf(machineArn)}</a>} /
      </nav>
      <div class="page-head">
        <h1 class="long">{exec.name} <StatusBadge status={exec.status} /></h1>
        <div class="actions">
          {exec.status === 'RUNNING' && <button type="button" class="btn danger" onClick={() => setDialog('stop')}>Stop</button>}
          {!exec.mapRunArn && <button type="button" class="btn" onClick={() => setDialog('start')}>New execution</button>}
          <CopyButton text={exec.executionArn} label="Copy ARN" />
        </div>
      </div>
      <dl class="facts">
        <div><dt>ARN</dt><dd class="arn"><code>{exec.executionArn}</code></dd></div>
        <div><dt>Started</dt><dd>{fmtTime(exec.startDate)}</dd></div>
        <div><dt>Ended</dt><dd>{fmtTime(end)}</dd></div>
        <div><dt>Duration</dt><dd>{fmtDuration((end ?? Date.now() / 1000) - exec.startDate)}</dd></div>
        <div><dt>Events</dt><dd>{events.length}</dd></div>
        {exec.mapRunArn && <div><dt>Map Run</dt><dd><a href={paths.mapRun(exec.mapRunArn)} data-testid="parent-map-run">{exec.mapRunArn.slice(exec.mapRunArn.lastIndexOf(':') + 1)}</a></dd></div>}
      </dl>
      {mapRuns.length > 0 && (
        <div class="map-runs" data-testid="map-runs">
          <h2>Map Runs</h2>
          <ul>
            {mapRuns.map((r) => (
              <li><a href={paths.mapRun(r.arn)} title={r.arn}>{r.state ?? 'Map'}: Map Run {r.arn.slice(r.arn.lastIndexOf(':') + 1)}</a></li>
            ))}
          </ul>
        </div>
      )}
      {exec.error !== undefined && (
        <div class="error-box" role="status"><strong>{exec.error}</strong> {exec.cause}</div>
      )}
      <ErrorBox error={error} />
      <div class="exec-grid">
        <div>
          <h2>Graph</h2>
          <StateGraph definition={def} layoutKey={machine.definition} statuses={statusMap} selected={selected} onSelect={(s) => select(s === selected ? undefined : s)}
            onDrawn={() => performance.mark('stepd:execution-graph')} />
        </div>
        <aside class="state-panel" aria-label="State details" data-testid="state-panel">
          {selected ? <StatePanel name={selected} analysis={analysis} def={def} focus={chose.current} onClose={() => select(undefined)} />
            : <p class="muted">Select a state in the graph (click, or Tab and Enter) to see its input, output, error, retries and timing.</p>}
        </aside>
      </div>
      <div class="tabs" role="tablist">
        {([['events', 'Events'], ['timeline', 'Timeline'], ['io', 'Input and output']] as const).map(([k, label]) => (
          <button role="tab" type="button" aria-selected={tab === k} onClick={() => setQuery({ tab: k === 'events' ? undefined : k })}>{label}</button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'timeline' ? <Timeline analysis={analysis} start={exec.startDate} end={end} onSelect={select} />
          : tab === 'io' ? (
            <div class="io">
              <JSONBlock label="Execution input" text={exec.input} />
              <JSONBlock label="Execution output" text={exec.output} empty={exec.status === 'RUNNING' ? 'not yet' : 'none'} />
            </div>
          ) : <EventTable events={events} analysis={analysis} start={exec.startDate} />}
      </div>
      {dialog === 'stop' && <StopDialog arn={arn} onClose={() => { setDialog(undefined); setPoke((n) => n + 1); }} />}
      {dialog === 'start' && <StartDialog machine={{ stateMachineArn: machineArn, name: machineNameOf(machineArn) }} input={exec.input} onClose={() => setDialog(undefined)} />}
    </section>
  );
}

function StopDialog({ arn, onClose }: { arn: string; onClose: () => void }) {
  const [errorName, setErrorName] = useState('');
  const [cause, setCause] = useState('');
  const [error, setError] = useState<unknown>();
  const stop = async (e: Event) => {
    e.preventDefault();
    try {
      await call('StopExecution', { executionArn: arn, ...(errorName ? { error: errorName } : {}), ...(cause ? { cause } : {}) });
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="Stop this execution?" onClose={onClose}>
      <form onSubmit={stop} class="stack">
        <p>The execution ends as ABORTED; running tasks are abandoned.</p>
        <label>Error <span class="muted">(optional)</span><input value={errorName} maxLength={256} onInput={(e) => setErrorName(e.currentTarget.value)} /></label>
        <label>Cause <span class="muted">(optional)</span><textarea rows={3} value={cause} onInput={(e) => setCause(e.currentTarget.value)} /></label>
        <ErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn danger">Stop execution</button>
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}

function runLabel(r: StateRun, i: number): string {
  return r.iteration !== undefined ? `iteration ${r.iteration}` : `run ${i + 1}`;
}

function StatePanel({ name, analysis, def, focus, onClose }: { name: string; analysis: Analysis; def: any; focus: boolean; onClose: () => void }) {
  const info = analysis.states.get(name);
  const [pick, setPick] = useState(0);
  useEffect(() => setPick(Math.max(0, (info?.runs.length ?? 1) - 1)), [name]);
  // Keyboard users land on the details of the state they chose; a page
  // opened with ?state= does not jump there.
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus({ preventScroll: window.innerWidth < 900 });
  }, [name]);
  const head = (
    <header>
      <h2 tabIndex={-1} ref={ref} class="long">{name}</h2>
      <button type="button" class="btn small ghost" onClick={onClose} aria-label="Close state details">✕</button>
    </header>
  );
  if (!info) return <>{head}<p class="muted">This state has not run in this execution.</p></>;
  const r = info.runs[Math.min(pick, info.runs.length - 1)];
  const stateDef = findState(def, name);
  const token = r.waiting?.kind === 'callback' ? tokenOf(stateDef, r.waiting.payload) : undefined;
  return (
    <>
      {head}
      {info.runs.length > 1 && (
        <label class="run-pick">Run
          <select value={pick} onChange={(e) => setPick(Number(e.currentTarget.value))}>
            {info.runs.map((x, i) => <option value={i}>{runLabel(x, i)} — {x.status}</option>)}
          </select>
          <span class="muted">{info.runs.length} runs</span>
        </label>
      )}
      <dl class="facts small">
        <div><dt>Status</dt><dd><span class={`badge st-${r.status}`}>{r.status}</span></dd></div>
        <div><dt>Type</dt><dd>{r.type}</dd></div>
        <div><dt>Entered</dt><dd>{fmtTime(r.enteredAt)}</dd></div>
        <div><dt>Exited</dt><dd>{fmtTime(r.exitedAt)}</dd></div>
        <div><dt>Duration</dt><dd>{fmtDuration((r.exitedAt ?? r.lastEventAt) - r.enteredAt)}{r.exitedAt === undefined && r.status === 'running' ? ' so far' : ''}</dd></div>
        {r.attempts > 0 && <div><dt>Attempts</dt><dd>{r.attempts} ({r.attempts - 1} {r.attempts === 2 ? 'retry' : 'retries'})</dd></div>}
      </dl>
      {r.waiting && (
        <div class="waiting">
          <p><strong>Waiting</strong> for {r.waiting.kind === 'callback' ? 'a task token (SendTaskSuccess or SendTaskFailure)' : `an activity worker${r.waiting.worker ? ` (taken by ${r.waiting.worker})` : ''}`} since {fmtTime(r.waiting.since)}.</p>
          {token ? (
            <div class="actions">
              <a class="btn primary" href={paths.task(token, 'approve')}>Approve…</a>
              <a class="btn danger" href={paths.task(token, 'reject')}>Reject…</a>
            </div>
          ) : <p class="muted">The token is not in the history: {r.waiting.kind === 'activity' ? 'an activity worker receives it from GetActivityTask' : 'the state does not pass $$.Task.Token in its Parameters'}. Whoever holds it can answer on the approval page.</p>}
        </div>
      )}
      {(r.error !== undefined || r.cause !== undefined) && (
        <div class={r.status === 'caught' ? 'caught-box' : 'error-box'}>
          <strong>{r.error}</strong>{r.status === 'caught' ? ' (caught)' : ''} <span class="cause">{r.cause}</span>
        </div>
      )}
      <JSONBlock label="Input" text={r.input} />
      <JSONBlock label="Output" text={r.output} empty={r.status === 'running' ? 'not yet' : 'none'} />
    </>
  );
}

const EVENT_PAGE = 500;

function EventTable({ events, analysis, start }: { events: HistoryEvent[]; analysis: Analysis; start: number }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [shown, setShown] = useState(EVENT_PAGE);
  const toggle = (id: number) => setOpen((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  return (
    <div class="table-wrap">
      <table class="list events" data-testid="events">
        <thead><tr><th aria-label="Expand" /><th>ID</th><th>Type</th><th>State</th><th>Elapsed</th><th>Timestamp</th></tr></thead>
        <tbody>
          {events.slice(0, shown).map((e) => {
            const d = detailsOf(e);
            const r = analysis.runOf.get(e.id);
            const isOpen = open.has(e.id);
            return (
              <>
                <tr class={/Failed|TimedOut|Aborted/.test(e.type) ? 'bad' : ''}>
                  <td>
                    <button type="button" class="btn small ghost" aria-expanded={isOpen} aria-label={`Details of event ${e.id}`} onClick={() => toggle(e.id)} disabled={!d}>
                      {isOpen ? '▾' : '▸'}
                    </button>
                  </td>
                  <td>{e.id}</td>
                  <td class="nowrap">{e.type}</td>
                  <td class="name">{r ? r.name : ''}{r?.iteration !== undefined ? ` [${r.iteration}]` : ''}</td>
                  <td class="nowrap">{fmtDuration(e.timestamp - start)}</td>
                  <td class="nowrap">{fmtTime(e.timestamp)}</td>
                </tr>
                {isOpen && d && (
                  <tr class="details"><td /><td colSpan={5}><EventDetails details={d} /></td></tr>
                )}
              </>
            );
          })}
        </tbody>
      </table>
      {events.length > shown && <button type="button" class="btn" onClick={() => setShown((n) => n + EVENT_PAGE)}>Show {Math.min(EVENT_PAGE, events.length - shown)} more of {events.length - shown}</button>}
    </div>
  );
}

function EventDetails({ details }: { details: Record<string, any> }) {
  return (
    <dl class="event-details">
      {Object.entries(details).filter(([k]) => !k.endsWith('Details')).map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' && (k === 'input' || k === 'output' || k === 'parameters' || k === 'cause')
            ? <JSONBlock label={k} text={v} /> : <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}

const TIMELINE_MAX = 400;

function Timeline({ analysis, start, end, onSelect }: { analysis: Analysis; start: number; end?: number; onSelect: (s: string) => void }) {
  const stop = end ?? Math.max(Date.now() / 1000, ...analysis.runs.map((r) => r.lastEventAt));
  const total = Math.max(stop - start, 0.001);
  const runs = analysis.runs.slice(0, TIMELINE_MAX);
  return (
    <div class="timeline" data-testid="timeline">
      <div class="tl-scale"><span>0</span><span>{fmtDuration(total / 2)}</span><span>{fmtDuration(total)}</span></div>
      <ol>
        {runs.map((r) => {
          const from = (r.enteredAt - start) / total, to = ((r.exitedAt ?? (r.status === 'running' ? stop : r.lastEventAt)) - start) / total;
          return (
            <li>
              <button type="button" class="tl-name link" onClick={() => onSelect(r.name)} title={r.name}>
                {r.name}{r.iteration !== undefined ? ` [${r.iteration}]` : ''}
              </button>
              <span class="tl-track">
                <span class={`tl-bar s-${r.status}`} style={{ left: `${from * 100}%`, width: `max(2px, ${(to - from) * 100}%)` }}
                  title={`${r.name}: ${r.status}, ${fmtDuration((r.exitedAt ?? r.lastEventAt) - r.enteredAt)}`} />
              </span>
              <span class="tl-dur">{fmtDuration((r.exitedAt ?? (r.status === 'running' ? stop : r.lastEventAt)) - r.enteredAt)}</span>
            </li>
          );
        })}
      </ol>
      {analysis.runs.length > TIMELINE_MAX && <p class="muted">The first {TIMELINE_MAX} of {analysis.runs.length} state runs.</p>}
    </div>
  );
}
