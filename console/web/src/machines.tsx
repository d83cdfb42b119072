// State machines: the list, a machine's page, and the editor that creates
// and updates them.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, listAll, session, type Alias, type StateMachine, type StateMachineListItem, type Validation } from './api';
import { parseDefinition } from './asl';
import { DiagnosticList, JsonEditor } from './editor';
import type { EditorHandle } from './codemirror';
import { ExecutionList } from './executions';
import { StateGraph } from './graph';
import { navigate, paths, setQuery, useLocation } from './router';
import { StartDialog } from './start';
import { CopyButton, ErrorBox, fmtTime, useAsync, useSlashFocus } from './ui';

export function MachinesPage() {
  const url = useLocation();
  const q = url.searchParams.get('q') ?? '';
  const search = useRef<HTMLInputElement>(null);
  useSlashFocus(search);
  const { data, error, loading } = useAsync(() => listAll<StateMachineListItem>('ListStateMachines', {}, 'stateMachines'), []);
  const shown = useMemo(() => (data ?? []).filter((m) => m.name.toLowerCase().includes(q.toLowerCase())), [data, q]);
  return (
    <section>
      <div class="page-head">
        <h1>State machines</h1>
        <a class="btn primary" href={paths.newMachine()}>Create state machine</a>
      </div>
      <div class="filters">
        <label class="search">
          <span class="sr-only">Search state machines by name</span>
          <input ref={search} type="search" placeholder="Search by name  ( / )" value={q} onInput={(e) => setQuery({ q: e.currentTarget.value })} />
        </label>
        {data && <span class="muted">{shown.length} of {data.length}</span>}
      </div>
      <ErrorBox error={error} />
      {loading && !data ? <p class="muted">Loading…</p> : (
        <div class="table-wrap">
          <table class="list" data-testid="machines">
            <thead><tr><th>Name</th><th>Type</th><th>Created</th></tr></thead>
            <tbody>
              {shown.map((m) => (
                <tr>
                  <td class="name"><a href={paths.machine(m.stateMachineArn)} title={m.stateMachineArn}>{m.name}</a></td>
                  <td>{m.type}</td>
                  <td class="nowrap">{fmtTime(m.creationDate)}</td>
                </tr>
              ))}
              {!shown.length && <tr><td colSpan={3} class="muted">{data?.length ? 'No state machine matches.' : 'No state machines yet.'}</td></tr>}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function MachinePage({ arn }: { arn: string }) {
  const { data: sm, error, reload } = useAsync(() => call<StateMachine>('DescribeStateMachine', { stateMachineArn: arn }), [arn]);
  const [starting, setStarting] = useState(false);
  const [tab, setTab] = useState<'executions' | 'definition'>('executions');
  const { data: validation } = useAsync(
    () => (sm ? call<Validation>('ValidateStateMachineDefinition', { definition: sm.definition, type: sm.type, maxResults: 100 }) : Promise.resolve(undefined)),
    [sm?.definition],
  );
  const def = useMemo(() => (sm ? parseDefinition(sm.definition) : undefined), [sm?.definition]);
  if (error) return <ErrorBox error={error} />;
  if (!sm) return <p class="muted">Loading…</p>;
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb"><a href={paths.machines()}>State machines</a> /</nav>
      <div class="page-head">
        <h1 class="long">{sm.name}</h1>
        <div class="actions">
          {sm.type === 'STANDARD' && <button type="button" class="btn primary" onClick={() => setStarting(true)}>Start execution</button>}
          <a class="btn" href={paths.editMachine(arn)}>Edit</a>
        </div>
      </div>
      <dl class="facts">
        <div><dt>ARN</dt><dd class="arn"><code>{sm.stateMachineArn}</code> <CopyButton text={sm.stateMachineArn} label="Copy ARN" /></dd></div>
        <div><dt>Type</dt><dd>{sm.type}</dd></div>
        <div><dt>Role</dt><dd class="arn"><code>{sm.roleArn}</code></dd></div>
        <div><dt>Created</dt><dd>{fmtTime(sm.creationDate)}</dd></div>
        {sm.revisionId && <div><dt>Revision</dt><dd><code>{sm.revisionId}</code></dd></div>}
      </dl>
      <Versions arn={arn} />
      <h2>Graph</h2>
      <StateGraph definition={def} layoutKey={sm.definition} />
      <div class="tabs" role="tablist">
        <button role="tab" type="button" aria-selected={tab === 'executions'} onClick={() => setTab('executions')}>Executions</button>
        <button role="tab" type="button" aria-selected={tab === 'definition'} onClick={() => setTab('definition')}>
          Definition{validation && validation.diagnostics.length > 0 ? ` (${validation.diagnostics.length})` : ''}
        </button>
      </div>
      {tab === 'definition' ? (
        <div role="tabpanel">
          <DiagnosticList diagnostics={validation?.diagnostics} />
          <JsonEditor value={sm.definition} readOnly label="Definition" diagnostics={validation?.diagnostics} />
        </div>
      ) : (
        <div role="tabpanel">
          {sm.type === 'EXPRESS'
            ? <p class="muted">Express executions run in memory and are not listed (as on AWS, ListExecutions does not serve EXPRESS machines).</p>
            : <ExecutionList machine={arn} />}
        </div>
      )}
      {starting && <StartDialog machine={sm} onClose={() => { setStarting(false); reload(); }} />}
    </section>
  );
}

/** Versions lists a machine's published versions and its aliases with their weights. */
function Versions({ arn }: { arn: string }) {
  const { data } = useAsync(async () => {
    const versions = await listAll<{ stateMachineVersionArn: string; creationDate: number }>('ListStateMachineVersions', { stateMachineArn: arn }, 'stateMachineVersions');
    const listed = await listAll<{ stateMachineAliasArn: string }>('ListStateMachineAliases', { stateMachineArn: arn }, 'stateMachineAliases');
    const aliases = await Promise.all(listed.map((a) => call<Alias>('DescribeStateMachineAlias', { stateMachineAliasArn: a.stateMachineAliasArn })));
    return { versions, aliases };
  }, [arn]);
  if (!data || (!data.versions.length && !data.aliases.length)) return null;
  const short = (v: string) => v.slice(v.lastIndexOf(':') + 1);
  return (
    <div data-testid="versions">
      <h2>Versions and aliases</h2>
      <dl class="facts">
        {data.versions.length > 0 && (
          <div><dt>Versions</dt><dd>{data.versions.map((v) => <span title={`${v.stateMachineVersionArn}, published ${fmtTime(v.creationDate)}`} class="badge">{short(v.stateMachineVersionArn)}</span>)}</dd></div>
        )}
        {data.aliases.map((a) => (
          <div><dt>Alias {a.name}</dt><dd>{a.routingConfiguration.map((r) => `version ${short(r.stateMachineVersionArn)}: ${r.weight}%`).join(', ')}{a.description ? ` (${a.description})` : ''}</dd></div>
        ))}
      </dl>
    </div>
  );
}

const template = `{
  "Comment": "A new state machine",
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Pass",
      "Result": {"hello": "world"},
      "End": true
    }
  }
}`;

/** MachineEditorPage creates a machine (arn undefined) or updates one. */
export function MachineEditorPage({ arn }: { arn?: string }) {
  const existing = useAsync(() => (arn ? call<StateMachine>('DescribeStateMachine', { stateMachineArn: arn }) : Promise.resolve(undefined)), [arn]);
  if (arn && !existing.data) return existing.error ? <ErrorBox error={existing.error} /> : <p class="muted">Loading…</p>;
  return <MachineForm sm={existing.data} />;
}

function MachineForm({ sm }: { sm?: StateMachine }) {
  const [name, setName] = useState(sm?.name ?? '');
  const [type, setType] = useState<'STANDARD' | 'EXPRESS'>(sm?.type ?? 'STANDARD');
  const [role, setRole] = useState(sm?.roleArn ?? `arn:aws:iam::${session.account ?? '123456789012'}:role/stepd`);
  const [text, setText] = useState(sm?.definition ?? template);
  const [validation, setValidation] = useState<Validation>();
  const [preview, setPreview] = useState(text);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const editor = useRef<EditorHandle | undefined>(undefined);

  // Validate (and redraw the preview) a moment after typing stops.
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      call<Validation>('ValidateStateMachineDefinition', { definition: text, type, maxResults: 100 }).then(
        (v) => live && setValidation(v),
        (e) => live && setError(e),
      );
      if (parseDefinition(text)) setPreview(text);
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, type]);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (sm) {
        await call('UpdateStateMachine', { stateMachineArn: sm.stateMachineArn, definition: text, roleArn: role });
        navigate(paths.machine(sm.stateMachineArn));
      } else {
        const out = await call<{ stateMachineArn: string }>('CreateStateMachine', { name, type, roleArn: role, definition: text });
        navigate(paths.machine(out.stateMachineArn));
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const previewDef = useMemo(() => parseDefinition(preview), [preview]);
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={paths.machines()}>State machines</a> /{' '}
        {sm && <><a href={paths.machine(sm.stateMachineArn)}>{sm.name}</a> /</>}
      </nav>
      <h1 class="long">{sm ? `Edit ${sm.name}` : 'Create a state machine'}</h1>
      <form onSubmit={save} class="editor-layout">
        <div class="stack">
          <div class="row">
            <label class="grow">Name
              <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required disabled={!!sm} maxLength={80} autoComplete="off" />
            </label>
            <label>Type
              <select value={type} onChange={(e) => setType(e.currentTarget.value as any)} disabled={!!sm}>
                <option>STANDARD</option>
                <option>EXPRESS</option>
              </select>
            </label>
          </div>
          <label>Role ARN
            <input value={role} onInput={(e) => setRole(e.currentTarget.value)} required autoComplete="off" />
          </label>
          <div>
            <span class="label">Definition (JSON)</span>
            <JsonEditor value={text} label="Definition" onChange={setText} diagnostics={validation?.diagnostics} handle={(h) => (editor.current = h)} />
          </div>
          <DiagnosticList diagnostics={validation?.diagnostics} onPick={(loc) => editor.current?.focusLocation(loc)} />
          <ErrorBox error={error} />
          <div class="actions">
            <button type="submit" class="btn primary" disabled={busy}>{sm ? 'Save' : 'Create'}</button>
            <a class="btn" href={sm ? paths.machine(sm.stateMachineArn) : paths.machines()}>Cancel</a>
          </div>
        </div>
        <div>
          <span class="label">Preview</span>
          <StateGraph definition={previewDef} layoutKey={preview} />
        </div>
      </form>
    </section>
  );
}
