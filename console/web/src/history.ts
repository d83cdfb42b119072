// What an execution's history says about each state: every time a state ran
// (a "run"), with its input, output, error, retries and timing, and the
// status the graph colors it with. Derived from the AWS history events alone.
import { detailsOf, type ExecutionStatus, type HistoryEvent } from './api';

export type StateStatus = 'running' | 'succeeded' | 'failed' | 'caught' | 'aborted';

export interface StateRun {
  /** The id of the event that entered the state. */
  id: number;
  name: string;
  /** The state type, from the event type (Task, Pass, ...). */
  type: string;
  /** The run of the Parallel or Map state this run is inside. */
  parent?: number;
  /** The Map iteration this run belongs to, when inside a Map. */
  iteration?: number;
  enteredAt: number;
  exitedAt?: number;
  lastEventAt: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  status: StateStatus;
  /** How many times a task was scheduled: retries are attempts - 1. */
  attempts: number;
  /** An error seen since the last success; a run that exits with one caught it. */
  failing: boolean;
  /** The open task this run waits on, if any. */
  waiting?: TaskWait;
}

/** TaskWait is a task that waits for SendTaskSuccess or SendTaskFailure. */
export interface TaskWait {
  kind: 'callback' | 'activity';
  /** The worker that took an activity task (ActivityStarted). */
  worker?: string;
  /** The parameters (callback) or input (activity) the task was given. */
  payload?: string;
  since: number;
}

export interface Analysis {
  runs: StateRun[];
  byId: Map<number, StateRun>;
  /** The run each event belongs to, by event id (events outside any run are absent). */
  runOf: Map<number, StateRun>;
  /** Per state name: its aggregate status and its runs, in order. */
  states: Map<string, { status: StateStatus; runs: StateRun[] }>;
}

const failure = /(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$/;
const success = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);
const scheduled = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);

/** analyze folds events (oldest first) into runs of states. */
export function analyze(events: HistoryEvent[], execStatus: ExecutionStatus): Analysis {
  const a: Analysis = { runs: [], byId: new Map(), runOf: new Map(), states: new Map() };
  const owner = a.runOf;
  const ev = new Map<number, HistoryEvent>();
  // Parallel and Map runs whose outcome event has been seen.
  const closed = new Set<number>();
  // An event belongs to the run of its previous event, except the events of
  // a Map or Parallel state that follow the last event of an inner state:
  // those belong to the enclosing Map or Parallel (by name) or to the
  // innermost Parallel or Map still open.
  const ownerOf = (e: HistoryEvent, d: Record<string, any>, from: StateRun | undefined): StateRun | undefined => {
    let r = from;
    if (e.type.startsWith('MapIteration') || e.type.endsWith('StateExited')) {
      // A Parallel's exit points back at the last event of a branch (AWS's
      // link): the run is the enclosing one of the exit's name.
      while (r && r.name !== d.name) r = r.parent === undefined ? undefined : a.byId.get(r.parent);
    } else if (/^(Map|Parallel)State(Succeeded|Failed|Aborted)$/.test(e.type)) {
      while (r && ((r.type !== 'Map' && r.type !== 'Parallel') || closed.has(r.id))) r = r.parent === undefined ? undefined : a.byId.get(r.parent);
      if (r) closed.add(r.id);
    }
    return r ?? from;
  };
  for (const e of events) {
    ev.set(e.id, e);
    const d = detailsOf(e) ?? {};
    const prev = e.previousEventId ?? 0;
    if (e.type.endsWith('StateEntered')) {
      const p = ev.get(prev);
      let parent: number | undefined, iteration: number | undefined;
      if (p?.type.endsWith('StateExited')) {
        const sib = owner.get(prev);
        parent = sib?.parent;
        iteration = sib?.iteration;
      } else {
        parent = owner.get(prev)?.id;
        if (p?.type === 'MapIterationStarted') iteration = detailsOf(p)?.index;
        else if (parent !== undefined) iteration = a.byId.get(parent)?.iteration;
      }
      const run: StateRun = {
        id: e.id, name: d.name, type: e.type.slice(0, -'StateEntered'.length), parent, iteration,
        enteredAt: e.timestamp, lastEventAt: e.timestamp, input: d.input, status: 'running', attempts: 0, failing: false,
      };
      if (run.type === 'Fail') {
        run.status = 'failed';
        run.exitedAt = e.timestamp;
      }
      a.runs.push(run);
      a.byId.set(run.id, run);
      owner.set(e.id, run);
      continue;
    }
    let from = owner.get(prev);
    if (e.type === 'EvaluationFailed' && typeof d.state === 'string') {
      // AWS points an EvaluationFailed that comes right after its state's
      // entry where the entry points (before the state): the state is the
      // latest run its details name.
      for (let i = a.runs.length - 1; i >= 0; i--) {
        const r = a.runs[i];
        if (r.name === d.state && r.id < e.id && r.exitedAt === undefined) {
          from = r;
          break;
        }
      }
    }
    const run = ownerOf(e, d, from);
    if (!run) continue;
    owner.set(e.id, run);
    run.lastEventAt = e.timestamp;
    if (e.type.endsWith('StateExited')) {
      run.exitedAt = e.timestamp;
      run.output = d.output;
      run.status = run.failing ? 'caught' : 'succeeded';
      run.waiting = undefined;
    } else if (e.type.endsWith('StateAborted') || e.type === 'MapIterationAborted') {
      if (e.type.endsWith('StateAborted')) {
        // AWS records the Task whose failure ended a branch or iteration
        // aborted after its failure: it failed.
        run.status = run.failing ? 'failed' : 'aborted';
        run.exitedAt ??= e.timestamp;
        run.waiting = undefined;
      }
    } else if (scheduled.has(e.type)) {
      run.attempts++;
      run.status = 'running';
      if (e.type === 'ActivityScheduled') {
        run.waiting = { kind: 'activity', payload: d.input, since: e.timestamp };
      } else if (e.type === 'TaskScheduled' && String(d.resource).endsWith('.waitForTaskToken')) {
        run.waiting = { kind: 'callback', payload: d.parameters, since: e.timestamp };
      }
    } else if (e.type === 'ActivityStarted' && run.waiting) {
      run.waiting.worker = d.workerName;
    } else if (success.has(e.type)) {
      run.failing = false;
      run.waiting = undefined;
    } else if (e.type === 'ExecutionFailed' || e.type === 'ExecutionTimedOut') {
      // The execution failed in this state (a runtime error has no event
      // of its own).
      if (e.type === 'ExecutionFailed') run.failing = true;
      run.error ??= d.error;
      run.cause ??= d.cause;
    } else if (failure.test(e.type) && e.type !== 'MapIterationFailed') {
      // An attempt failed: a retry, a Catch or the end of the execution
      // decides what it means.
      run.failing = true;
      run.waiting = undefined;
      if (d.error !== undefined) run.error = d.error;
      if (d.cause !== undefined) run.cause = d.cause;
    }
  }
  // Runs that did not exit: still running, unless the execution or an
  // enclosing Parallel or Map ended without them.
  const ended = (r: StateRun): boolean => {
    for (let p = r.parent; p !== undefined; p = a.byId.get(p)?.parent) {
      const pr = a.byId.get(p);
      if (pr && (pr.exitedAt !== undefined || closed.has(pr.id))) return true;
    }
    return execStatus !== 'RUNNING';
  };
  for (const r of a.runs) {
    if (r.exitedAt !== undefined || r.status !== 'running' || !ended(r)) continue;
    r.status = r.failing ? 'failed' : 'aborted';
    r.waiting = undefined;
  }
  const rank: Record<StateStatus, number> = { running: 5, failed: 4, caught: 3, aborted: 2, succeeded: 1 };
  for (const r of a.runs) {
    const s = a.states.get(r.name);
    if (!s) a.states.set(r.name, { status: r.status, runs: [r] });
    else {
      s.runs.push(r);
      if (rank[r.status] > rank[s.status]) s.status = r.status;
    }
  }
  return a;
}

/**
 * tokenOf finds the task token in a waiting callback task's parameters: at
 * each place the state's Parameters (JSONPath: "key.$": "$$.Task.Token") or
 * Arguments (JSONata: "{% $states.context.Task.Token %}") put it. Without such
 * a place the token is not in the history, and only the task's worker knows it.
 */
export function tokenOf(state: any, parameters: string | undefined): string | undefined {
  if (!state || !parameters) return undefined;
  let actual: any;
  try {
    actual = JSON.parse(parameters);
  } catch {
    return undefined;
  }
  return find(state.Parameters ?? state.Arguments, actual);
}

function find(template: any, actual: any): string | undefined {
  if (typeof template === 'string') {
    const t = template.replace(/\s+/g, '');
    if (t === '{%$states.context.Task.Token%}' && typeof actual === 'string') return actual;
    return undefined;
  }
  if (!template || typeof template !== 'object' || !actual || typeof actual !== 'object') return undefined;
  if (Array.isArray(template)) {
    for (let i = 0; i < template.length; i++) {
      const t = find(template[i], actual[i]);
      if (t) return t;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$')) {
      const key = k.slice(0, -2);
      if (v === '$$.Task.Token' && typeof actual[key] === 'string') return actual[key];
      continue;
    }
    const t = find(v, actual[k]);
    if (t) return t;
  }
  return undefined;
}
