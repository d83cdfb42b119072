// The console's model of definitions and histories, without a browser: the
// graph built from a definition, and the status of each state read from
// histories that stepd recorded (testdata/*.json: the definition, the
// execution's status and its events).
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definitionGraph, END, findState, ruleText, START } from '../web/src/asl';
import { analyze, tokenOf } from '../web/src/history';
import { orderDefinition } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const recorded = (name: string) => JSON.parse(readFileSync(join(here, 'testdata', `${name}.json`), 'utf8'));
const statuses = (name: string) => {
  const r = recorded(name);
  return Object.fromEntries([...analyze(r.events, r.status).states].map(([k, v]) => [k, v.status]));
};

test('a definition becomes nested groups and labeled edges', () => {
  const g = definitionGraph(orderDefinition);
  const par = g.nodes.find((n) => n.id === 'Fan out')!;
  expect(par.kind).toBe('parallel');
  expect(par.children!.map((b) => b.children!.map((s) => s.id))).toEqual([['Charge'], ['Reserve', 'Backorder']]);
  expect(g.nodes.find((n) => n.id === 'Each item')!.children!.map((s) => s.id)).toEqual(['Pack']);
  const edges = g.edges.map((e) => `${e.kind}:${e.source}->${e.target}${e.label ? ` [${e.label}]` : ''}`);
  expect(edges).toEqual(expect.arrayContaining([
    `next:${START}->Validate`, 'choice:Route->Fan out [$.checked == true]', 'default:Route->Reject [Default]',
    'catch:Reserve->Backorder [Catch States.ALL]', `next:Done->${END}`, `next:Reject->${END}`, 'next:Fan out->Each item',
  ]));
  // States that end a branch do not lead to the machine's End.
  expect(edges).not.toContain(`next:Charge->${END}`);
});

test('a state is found at any depth by its name', () => {
  const def: any = orderDefinition;
  expect(findState(def, 'Route')).toBe(def.States.Route);
  expect(findState(def, 'Backorder')).toBe(def.States['Fan out'].Branches[1].States.Backorder);
  expect(findState(def, 'Pack')).toBe(def.States['Each item'].ItemProcessor.States.Pack);
  expect(findState({ States: { M: { Type: 'Map', Iterator: { States: { Old: { Type: 'Pass' } } } } } }, 'Old')).toEqual({ Type: 'Pass' });
  expect(findState(def, 'Nowhere')).toBeUndefined();
  expect(findState(undefined, 'Route')).toBeUndefined();
});

test('choice rules read as one line', () => {
  expect(ruleText({ Variable: '$.n', NumericGreaterThanEquals: 10 })).toBe('$.n >= 10');
  expect(ruleText({ Variable: '$.a', StringEqualsPath: '$.b' })).toBe('$.a == $.b');
  expect(ruleText({ And: [{ Variable: '$.x', IsPresent: true }, { Or: [{ Variable: '$.y', BooleanEquals: false }, { Not: { Variable: '$.z', StringMatches: 'a*' } }] }] }))
    .toBe('$.x is present and ($.y == false or not $.z matches "a*")');
  expect(ruleText({ Condition: '{% $states.input.n > 1 %}' })).toBe('$states.input.n > 1');
});

test('a Parallel branch that fails uncaught: failed, and the other branch aborted', () => {
  expect(statuses('parallel-fails')).toEqual({ Par: 'failed', Slow: 'aborted', Breaks: 'failed' });
});

test('a task between retries is running, not failed', () => {
  const r = recorded('retrying');
  const a = analyze(r.events, r.status);
  expect(a.states.get('Flaky')!.status).toBe('running');
  expect(a.states.get('Flaky')!.runs[0]).toMatchObject({ attempts: 1, error: 'Boom' });
});

test('nested Maps: every iteration is its own run, and the Fail state carries the error', () => {
  const r = recorded('map-nested');
  const a = analyze(r.events, r.status);
  expect(statuses('map-nested')).toEqual({ Outer: 'succeeded', Inner: 'succeeded', Cell: 'succeeded', Stop: 'failed' });
  expect(a.states.get('Inner')!.runs.map((x) => x.iteration)).toEqual([0, 1]);
  expect(a.states.get('Cell')!.runs.length).toBe(3);
  expect(a.states.get('Outer')!.runs[0].output).toBeDefined();
  expect(a.states.get('Stop')!.runs[0]).toMatchObject({ error: 'Done', cause: 'the end' });
  // The run each event belongs to (the events table's State column): an
  // iteration's end and the inner Map's end go to the inner Map's first run.
  expect([1, 13, 17, 20, 28, 31].map((id) => a.runOf.get(id)?.name)).toEqual([undefined, 'Cell', 'Inner', 'Inner', 'Outer', 'Stop']);
  expect(a.runOf.get(20)).toBe(a.byId.get(6));
});

test('a waiting callback, and its token where the definition put it', () => {
  const r = recorded('callback');
  const run = analyze(r.events, r.status).states.get('Ask')!.runs[0];
  expect(run.status).toBe('running');
  expect(run.waiting?.kind).toBe('callback');
  const token = tokenOf(r.definition.States.Ask, run.waiting!.payload);
  expect(token).toBe(JSON.parse(run.waiting!.payload!).Payload.token);
  // JSONata Arguments, and a definition that does not pass the token.
  expect(tokenOf({ Arguments: { Payload: { t: '{% $states.context.Task.Token %}' } } }, '{"Payload":{"t":"abc"}}')).toBe('abc');
  expect(tokenOf({ Parameters: { Payload: { 'n.$': '$.n' } } }, '{"Payload":{"n":"abc"}}')).toBeUndefined();
});

// Histories linked as AWS links them (LocalStack's recordings against AWS):
// an EvaluationFailed right after its state's entry points where the entry
// points, an inline Map's next MapIterationStarted at the last event of the
// iteration before, and MapStateExited past MapStateSucceeded.
test('AWS-linked histories: an EvaluationFailed belongs to its state, Map iterations and ends to their Map or Parallel', () => {
  const ev = (id: number, previousEventId: number, type: string, details: Record<string, any> = {}) => {
    const key = type.endsWith('StateEntered') ? 'stateEnteredEventDetails'
      : type.endsWith('StateExited') ? 'stateExitedEventDetails'
      : type.charAt(0).toLowerCase() + type.slice(1) + 'EventDetails';
    return { id, previousEventId, type, timestamp: id, [key]: details };
  };
  const failed = { error: 'States.QueryEvaluationError', cause: 'returned nothing (undefined).', location: 'Output/result', state: 'S2' };
  const later = [
    ev(1, 0, 'ExecutionStarted'), ev(2, 0, 'PassStateEntered', { name: 'S0' }), ev(3, 2, 'PassStateExited', { name: 'S0' }),
    ev(4, 3, 'PassStateEntered', { name: 'S1' }), ev(5, 4, 'PassStateExited', { name: 'S1' }),
    ev(6, 5, 'PassStateEntered', { name: 'S2' }), ev(7, 5, 'EvaluationFailed', failed), ev(8, 7, 'ExecutionFailed', failed),
  ];
  let a = analyze(later as any, 'FAILED');
  expect(Object.fromEntries([...a.states].map(([k, v]) => [k, v.status]))).toEqual({ S0: 'succeeded', S1: 'succeeded', S2: 'failed' });
  expect(a.states.get('S2')!.runs[0]).toMatchObject({ error: 'States.QueryEvaluationError' });
  const first = [
    ev(1, 0, 'ExecutionStarted'), ev(2, 0, 'PassStateEntered', { name: 'S2' }),
    ev(3, 0, 'EvaluationFailed', failed), ev(4, 3, 'ExecutionFailed', failed),
  ];
  a = analyze(first as any, 'FAILED');
  expect(a.states.get('S2')!.status).toBe('failed');
  const map = [
    ev(1, 0, 'ExecutionStarted'), ev(2, 0, 'MapStateEntered', { name: 'M' }), ev(3, 2, 'MapStateStarted', { length: 2 }),
    ev(4, 3, 'MapIterationStarted', { name: 'M', index: 0 }), ev(5, 4, 'PassStateEntered', { name: 'P' }), ev(6, 5, 'PassStateExited', { name: 'P' }),
    ev(7, 6, 'MapIterationSucceeded', { name: 'M', index: 0 }), ev(8, 6, 'MapIterationStarted', { name: 'M', index: 1 }),
    ev(9, 8, 'PassStateEntered', { name: 'P' }), ev(10, 9, 'PassStateExited', { name: 'P' }),
    ev(11, 10, 'MapIterationSucceeded', { name: 'M', index: 1 }), ev(12, 11, 'MapStateSucceeded'),
    ev(13, 11, 'MapStateExited', { name: 'M' }), ev(14, 13, 'ExecutionSucceeded'),
  ];
  a = analyze(map as any, 'SUCCEEDED');
  expect(Object.fromEntries([...a.states].map(([k, v]) => [k, v.status]))).toEqual({ M: 'succeeded', P: 'succeeded' });
  expect(a.states.get('P')!.runs.map((r) => [r.parent, r.iteration])).toEqual([[2, 0], [2, 1]]);
  expect([8, 12, 13].map((id) => a.runOf.get(id)?.name)).toEqual(['M', 'M', 'M']);
  // A Parallel's ParallelStateSucceeded and ParallelStateExited point back at
  // the last event of the branch that ended last (the mock corpus's
  // test_parallel_state_lambda).
  const par = [
    ev(1, 0, 'ExecutionStarted'), ev(2, 0, 'ParallelStateEntered', { name: 'Par' }), ev(3, 2, 'ParallelStateStarted'),
    ev(4, 3, 'PassStateEntered', { name: 'A' }), ev(5, 3, 'PassStateEntered', { name: 'B' }),
    ev(6, 4, 'PassStateExited', { name: 'A' }), ev(7, 5, 'PassStateExited', { name: 'B' }),
    ev(8, 7, 'ParallelStateSucceeded'), ev(9, 7, 'ParallelStateExited', { name: 'Par' }), ev(10, 9, 'ExecutionSucceeded'),
  ];
  a = analyze(par as any, 'SUCCEEDED');
  expect(Object.fromEntries([...a.states].map(([k, v]) => [k, v.status]))).toEqual({ Par: 'succeeded', A: 'succeeded', B: 'succeeded' });
  expect(a.states.get('Par')!.runs[0].exitedAt).toBe(9);
  expect(a.states.get('B')!.runs[0].exitedAt).toBe(7);
});
