// The Step Functions API, called from the browser on the console's own origin:
// POST / with X-Amz-Target, AWS JSON 1.0. The console does nothing else,
// besides its login session when stepd runs with --auth sigv4 (/auth/...).

/** ApiError is an AWS error answer: code is the part of __type after '#'. */
export class ApiError extends Error {
  constructor(public code: string, message: string, public status: number) {
    super(message);
  }
}

/** Session is the console's login, as GET /auth/session tells it. */
export interface Session {
  /** required: stepd checks who calls it (--auth sigv4), so the console logs in. */
  required: boolean;
  authenticated: boolean;
  account?: string;
  accessKeyId?: string;
  /** expires: epoch seconds. */
  expires?: number;
  /** csrfToken goes with every POST, in X-CSRF-Token. */
  csrfToken?: string;
}

/** session is the current login; onSession tells of its changes. */
export let session: Session = { required: false, authenticated: false };
const sessionListeners = new Set<(s: Session) => void>();

export function onSession(listener: (s: Session) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function setSession(s: Session) {
  session = s;
  sessionListeners.forEach((l) => l(s));
}

async function sessionCall(method: string, path: string, body?: object): Promise<Session> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: method === 'POST' ? { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken ?? '' } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError('NetworkError', `stepd did not answer: ${(e as Error).message}`, 0);
  }
  const out = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type: string = out.__type ?? 'UnknownError';
    throw new ApiError(type.slice(type.indexOf('#') + 1), out.message ?? `stepd answered ${res.status}`, res.status);
  }
  setSession(out as Session);
  return session;
}

let loading: Promise<Session> | undefined;

/**
 * loadSession asks stepd whether the console must log in, and as whom it is
 * (one request at a time: concurrent callers share it).
 */
export function loadSession(): Promise<Session> {
  loading ??= sessionCall('GET', '/auth/session').finally(() => (loading = undefined));
  return loading;
}
/** login starts a session with an access key ID and its secret access key. */
export const login = (accessKeyId: string, secretAccessKey: string) =>
  sessionCall('POST', '/auth/login', { accessKeyId, secretAccessKey });
/** logout ends the session. */
export const logout = () => sessionCall('POST', '/auth/logout');

/**
 * call invokes one Step Functions action and returns its decoded answer. It
 * does not wait for the session to be known, so that a stepd without
 * authentication answers at once: a call refused for want of a session or of
 * its CSRF token asks for the session, and is made again once with the
 * session's token (or, with no session, the login page shows).
 */
export async function call<T>(action: string, input: object = {}, again = false): Promise<T> {
  let res: Response;
  const headers: Record<string, string> = { 'X-Amz-Target': `AWSStepFunctions.${action}`, 'Content-Type': 'application/x-amz-json-1.0' };
  const token = session.authenticated ? session.csrfToken : undefined;
  if (token) headers['X-CSRF-Token'] = token;
  try {
    res = await fetch('/', { method: 'POST', headers, body: JSON.stringify(input), credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError('NetworkError', `stepd did not answer: ${(e as Error).message}`, 0);
  }
  if (!again && (res.status === 403 || res.status === 400) && res.headers.get('Content-Type')?.includes('json')) {
    const refused = await res.clone().json().catch(() => ({}));
    if (/#(MissingAuthenticationTokenException|AccessDeniedException)$/.test(refused.__type ?? '')) {
      const now = await loadSession().catch(() => session);
      if (now.authenticated && now.csrfToken && now.csrfToken !== token) return call<T>(action, input, true);
    }
  }
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError('InvalidResponse', `stepd answered ${res.status} with something that is not JSON`, res.status);
  }
  if (!res.ok) {
    const type: string = body.__type ?? body.code ?? 'UnknownError';
    throw new ApiError(type.slice(type.indexOf('#') + 1), body.message ?? body.Message ?? text, res.status);
  }
  return body as T;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface StateMachineListItem {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  creationDate: number;
}

export interface StateMachine {
  stateMachineArn: string;
  name: string;
  status?: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
  creationDate: number;
  revisionId?: string;
  description?: string;
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
}

export interface Execution extends ExecutionListItem {
  /** mapRunArn is set for a child execution of a Distributed Map's Map Run. */
  mapRunArn?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** MapRunCounts are DescribeMapRun's itemCounts and executionCounts. */
export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  resultsWritten: number;
  failuresNotRedrivable?: number;
  pendingRedrive?: number;
}

/** MapRun is DescribeMapRun's answer: a Distributed Map's run of child executions. */
export interface MapRun {
  mapRunArn: string;
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  itemCounts: MapRunCounts;
  executionCounts: MapRunCounts;
  redriveCount?: number;
}

export interface MachineForExecution {
  stateMachineArn: string;
  name: string;
  definition: string;
  revisionId?: string;
}

/** HistoryEvent is one event of GetExecutionHistory, with its details member. */
export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  timestamp: number;
  type: string;
  [details: string]: any;
}

export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  code: string;
  message: string;
  location?: string;
}

export interface Validation {
  result: 'OK' | 'FAIL';
  diagnostics: Diagnostic[];
  truncated?: boolean;
}

/** detailsOf returns the *EventDetails member of an event, if it has one. */
export function detailsOf(e: HistoryEvent): Record<string, any> | undefined {
  for (const k in e) {
    if (k.endsWith('EventDetails')) return e[k];
  }
  return undefined;
}

/** listAll follows nextToken through every page of a listing. */
export async function listAll<T>(action: string, input: object, key: string, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  let nextToken: string | undefined;
  do {
    const page: any = await call(action, { ...input, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    out.push(...page[key]);
    nextToken = page.nextToken;
  } while (nextToken && out.length < limit);
  return out;
}

/** historyAll reads an execution's whole history, oldest first. */
export function historyAll(executionArn: string): Promise<HistoryEvent[]> {
  return listAll<HistoryEvent>('GetExecutionHistory', { executionArn }, 'events');
}

/**
 * historySince reads the events after id `last`, oldest first, by paging the
 * history backwards from its end until it reaches an event already known.
 * The public API has no "events after N", so this keeps a poll of a long
 * history as cheap as the news it brings.
 */
export async function historySince(executionArn: string, last: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (;;) {
    const page: any = await call('GetExecutionHistory', {
      executionArn, reverseOrder: true, maxResults: 200, ...(nextToken ? { nextToken } : {}),
    });
    for (const e of page.events as HistoryEvent[]) {
      if (e.id <= last) return fresh.reverse();
      fresh.push(e);
    }
    nextToken = page.nextToken;
    if (!nextToken) return fresh.reverse();
  }
}
