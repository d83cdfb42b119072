package interp

import (
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
)

// The TestState API runs one state of a definition alone and reports what the
// state did: its status, output, next state, and the stages of its data flow.
// This file is its driver: it runs the interpreter's own code for the state
// (data flow, Retry and Catch decisions, Choice rules), but stops when the
// state is done instead of moving on, and answers the state's work from a
// mock when one is given.

// TestStatus is the outcome of a state run alone, as TestState reports it.
type TestStatus string

// The TestState statuses.
const (
	// TestSucceeded: the state completed; NextState says where an execution
	// would go.
	TestSucceeded TestStatus = "SUCCEEDED"
	// TestFailed: the state failed and no Retrier retries it and no Catcher
	// catches it.
	TestFailed TestStatus = "FAILED"
	// TestRetriable: the state failed and a Retrier would retry it.
	TestRetriable TestStatus = "RETRIABLE"
	// TestCaughtError: the state failed and a Catcher caught it.
	TestCaughtError TestStatus = "CAUGHT_ERROR"
)

// StateTest is one state to run alone.
type StateTest struct {
	Definition *asl.Definition
	State      *asl.State // a state of Definition, in any of its graphs
	// Info is the execution the state runs in.
	Info *asl.ExecutionInfo
	// Context, when set, is the context object every expression of the state
	// sees, exactly as given; nil gives the execution's own.
	Context *jsonvalue.Object
	Input   any
	// Variables are the variables in scope; nil for none.
	Variables *jsonvalue.Object
	Now       time.Time
	Source    Source
	Limits    Limits
	// RetrierRetryCount is how many retries the Retrier that matches the
	// state's failure has made already.
	RetrierRetryCount int
	// Mock, when set, is what the state's work (a Task's resource, a
	// Parallel's branches, a Map's iterations) returns instead of running.
	Mock *StateMock
	// ItemReaderData, when HasItemReaderData, are the items a Map's
	// ItemReader reads.
	ItemReaderData    any
	HasItemReaderData bool
}

// StateMock is the outcome of a state's work.
type StateMock struct {
	// Result is the work's result, unless Failed.
	Result any
	// Failed: the work failed with Error and Cause.
	Failed       bool
	Error, Cause string
	// MapIterationFailures, when HasMapIterationFailures, is how many of a
	// Map's iterations failed (the others gave Result's items).
	MapIterationFailures    int
	HasMapIterationFailures bool
}

// MapInspection is what a Map state run alone computed before its
// iterations.
type MapInspection struct {
	// AfterItemsPath is the array ItemsPath selected (JSONPath), when
	// HasItemsPath.
	AfterItemsPath any
	HasItemsPath   bool
	// AfterItemSelector are the iterations' inputs, when the Map has an
	// ItemSelector.
	AfterItemSelector    []any
	HasItemSelector      bool
	MaxConcurrency       int64
	HasMaxConcurrency    bool
	ToleratedFailures    int64
	HasToleratedFailures bool
	ToleratedPercentage  float64
	HasToleratedPercent  bool
}

// StateOutcome is what a state run alone did.
type StateOutcome struct {
	Status    TestStatus
	Output    any // SUCCEEDED and CAUGHT_ERROR
	HasOutput bool
	Error     string // FAILED, RETRIABLE, CAUGHT_ERROR
	Cause     string
	// NextState is where an execution would go next ("" at the end of a
	// graph, and after a failure).
	NextState string
	// RetryIndex is the Retrier that matched the failure, -1 for none;
	// RetryBackoff its delay when Status is RETRIABLE.
	RetryIndex   int
	RetryBackoff time.Duration
	// CatchIndex is the Catcher that caught the failure, -1 for none.
	CatchIndex int
	// Stages are the data-flow stages the state passed, indexed by Stage.
	Stages    [StageAfterResultPath + 1]any
	HasStage  [StageAfterResultPath + 1]bool
	Variables *jsonvalue.Object // after the state; nil when none
	Map       *MapInspection    // Map states only
}

// StateRun is a state running alone. Create it with RunState; when Task
// reports a dispatch, run it and Deliver its outcome.
type StateRun struct {
	BaseObserver
	t    *StateTest
	s    stepper
	res  Result
	p    *Path
	out  StateOutcome
	done bool
	// task is the dispatch the state waits for (no mock).
	task *TaskDispatch
	// oversized is set once the state's output exceeded the payload quota.
	oversized bool
}

// RunState starts the state. Without a mock, a Task state waits for its
// task: see Task and Deliver.
func RunState(t *StateTest) *StateRun {
	r := &StateRun{t: t}
	r.out.RetryIndex, r.out.CatchIndex = -1, -1
	r.res.Observer = r
	x := NewExecution(t.Info, t.Limits, t.Now)
	x.NextID = RootPathID
	r.s = stepper{def: t.Definition, x: x, now: t.Now, src: t.Source, res: &r.res, clock: clockOf(t.Source), fixedContext: t.Context, bareCauses: true}
	var vars *jsonvalue.Object
	if t.Variables != nil && t.Variables.Len() > 0 {
		vars = t.Variables
	}
	p := &Path{ID: RootPathID, Graph: t.State.Graph.ID, Vars: vars}
	x.Paths[p.ID] = p
	r.p = p
	r.s.goTo(p, t.State, t.Input)
	r.s.queue = r.s.queue[:0]
	st := t.State
	switch {
	case st.Type == asl.TypeMap && t.Mock != nil:
		r.enterMocked(p)
		r.mapMocked(p)
	case st.Type == asl.TypeParallel && t.Mock != nil:
		r.enterMocked(p)
		r.parallelMocked(p)
	default:
		r.s.enter(p)
		r.presetRetries(p)
	}
	r.advance()
	return r
}

// Task returns the task the state waits for, or nil.
func (r *StateRun) Task() *TaskDispatch {
	if r.done {
		return nil
	}
	return r.task
}

// Deliver applies the outcome of the task Task returned (EventTaskSucceeded
// or EventTaskFailed).
func (r *StateRun) Deliver(ev Event) {
	if r.done || r.task == nil {
		return
	}
	r.task = nil
	r.s.taskEvent(r.p, ev)
	r.advance()
}

// Outcome returns what the state did; Done reports whether it is final.
func (r *StateRun) Outcome() *StateOutcome { return &r.out }

// Done reports whether the state finished (Task is nil).
func (r *StateRun) Done() bool { return r.done }

// presetRetries gives the state's Retriers the retries made already.
func (r *StateRun) presetRetries(p *Path) {
	if n := r.t.RetrierRetryCount; n > 0 {
		for i := range p.Attempts {
			p.Attempts[i] = n
		}
	}
}

// advance moves the state on until it is done or waits for a real task.
func (r *StateRun) advance() {
	p, s := r.p, &r.s
	for !r.done {
		switch {
		case s.x.Status != StatusRunning:
			r.finish(TestFailed)
			r.out.Error, r.out.Cause = s.x.Error, s.x.Cause
			return
		case r.out.Status == TestRetriable:
			r.done = true
			return
		case p.Phase == PhaseExit:
			if err := s.checkSize(p.Output); err != nil {
				if !r.oversized {
					// As an execution's state exits: Retry and Catch decide.
					r.oversized = true
					r.fail(p, err)
					continue
				}
				// A Catcher's output too large as well: the state fails.
				r.finish(TestFailed)
				f := r.s.stateFailure(p, err)
				r.out.Error, r.out.Cause = f.Name, f.Cause
				return
			}
			status := TestSucceeded
			if r.out.CatchIndex >= 0 {
				status = TestCaughtError
			}
			r.finish(status)
			r.out.Output, r.out.HasOutput = p.Output, true
			next := ""
			if p.NextState != "" {
				next = p.NextState
			} else if p.state.Next != nil {
				next = p.state.Next.Name
			}
			r.out.NextState = next
			return
		case p.Phase == PhaseWait:
			// TestState does not wait: the Wait is over at once.
			s.cancelTimer(&p.TimerID)
			s.waitOver(p)
		case p.Phase == PhaseTask:
			d := r.dispatched()
			if m := r.t.Mock; m != nil {
				ev := Event{Kind: EventTaskSucceeded, TaskID: p.TaskID, Output: m.Result}
				if m.Failed {
					ev = Event{Kind: EventTaskFailed, TaskID: p.TaskID, Error: m.Error, Cause: m.Cause}
				}
				s.taskEvent(p, ev)
				continue
			}
			r.task = d
			return
		default:
			// A state that blocks on nothing TestState can answer (a Map or
			// Parallel state's children run without a mock).
			r.finish(TestFailed)
			r.out.Error, r.out.Cause = aslerr.Runtime, "TestState cannot run the state's work without a mock."
			return
		}
	}
}

// dispatched returns the task the last effects dispatched.
func (r *StateRun) dispatched() *TaskDispatch {
	for i := len(r.res.Effects) - 1; i >= 0; i-- {
		if e := r.res.Effects[i]; e.Kind == EffectInvokeTask && e.Task.PathID == r.p.ID {
			return e.Task
		}
	}
	return nil
}

func (r *StateRun) finish(status TestStatus) {
	r.done = true
	r.out.Status = status
	if v := r.p.Vars; v != nil && v.Len() > 0 {
		r.out.Variables = v
	}
}

// StateEntered implements Observer.
func (r *StateRun) StateEntered(*Execution, *Path) {}

// RetryMatched implements Observer: the first decision is the state's.
func (r *StateRun) RetryMatched(_ *Execution, p *Path, retrier int, f *aslerr.Failure, retries bool, delay time.Duration) {
	if p != r.p || r.out.RetryIndex >= 0 || r.done {
		return
	}
	r.out.RetryIndex = retrier
	if retries {
		r.out.Status = TestRetriable
		r.out.RetryBackoff = delay
		r.out.Error, r.out.Cause = f.Name, f.Cause
	}
}

// Caught implements Observer.
func (r *StateRun) Caught(_ *Execution, p *Path, catcher int, f *aslerr.Failure) {
	if p != r.p || r.out.CatchIndex >= 0 || r.done || r.out.Status == TestRetriable {
		return
	}
	r.out.CatchIndex = catcher
	r.out.Error, r.out.Cause = f.Name, f.Cause
}

// Data implements Observer: the first value of each stage is the state's.
func (r *StateRun) Data(_ *Execution, p *Path, stage Stage, v any) {
	if p != r.p || r.done || int(stage) >= len(r.out.Stages) || r.out.HasStage[stage] {
		return
	}
	r.out.Stages[stage], r.out.HasStage[stage] = v, true
}

// enterMocked enters a Map or Parallel state whose children a mock answers:
// what enter does before the state's work.
func (r *StateRun) enterMocked(p *Path) {
	st := p.state
	p.EnteredTime = r.s.now
	p.Retries = 0
	p.Attempts = make([]int, len(st.Retry))
	r.presetRetries(p)
}

// fail is the state's failure with err, TestState's way (no sentence about
// the state).
func (r *StateRun) fail(p *Path, err error) { r.s.fail(p, r.s.stateFailure(p, err)) }

// workDone answers a mocked state's work: the mock's error, or its result
// through the state's result data flow.
func (r *StateRun) workDone(p *Path, result any) {
	out, assigned, err := r.s.resultOutput(p, result)
	if err != nil {
		r.fail(p, err)
		return
	}
	r.s.complete(p, out, assigned)
}

func (r *StateRun) parallelMocked(p *Path) {
	input, err := r.s.effectiveInput(p)
	if err != nil {
		r.fail(p, err)
		return
	}
	p.Effective = input
	if m := r.t.Mock; m.Failed {
		r.s.failFrom(p, aslerr.New(m.Error, m.Cause), true)
		return
	}
	r.workDone(p, r.t.Mock.Result)
}

// mapMocked runs a Map state up to its iterations (InputPath, the items,
// MaxConcurrency, the tolerated failures, ItemSelector), and answers the
// iterations from the mock.
func (r *StateRun) mapMocked(p *Path) {
	s, st, t := &r.s, p.state, r.t
	m := st.Map
	info := &MapInspection{}
	r.out.Map = info
	env := s.envFor(p, p.Input)
	input := p.Input
	if st.QueryLanguage == asl.JSONPath {
		var err error
		if input, err = st.InputPath.Apply(env, p.Input); err != nil {
			r.fail(p, err)
			return
		}
		s.data(p, StageAfterInputPath, input)
		env.Input = input
	}
	p.Effective = input
	var items []any
	known := true
	switch {
	case t.HasItemReaderData:
		arr, ok := t.ItemReaderData.([]any)
		if !ok {
			r.fail(p, aslerr.New(aslerr.Runtime, "The data read by the ItemReader must be an array."))
			return
		}
		items = arr
	case m.Reader != nil:
		known = false
	case st.QueryLanguage == asl.JSONPath:
		v := input
		path := "$"
		if m.ItemsPath != nil && !m.ItemsPath.Null {
			var err error
			if v, err = m.ItemsPath.Apply(env, input); err != nil {
				r.fail(p, err)
				return
			}
			path = m.ItemsPath.Path.String()
		}
		arr, ok := v.([]any)
		if !ok {
			// The path is rooted where it reads: "$$.x" names the context
			// object's "$.x".
			path = strings.Replace(path, "$$", "$", 1)
			r.fail(p, aslerr.Newf(aslerr.Runtime, "Reference path \"%s\" must point to array.", path))
			return
		}
		items = arr
		info.AfterItemsPath, info.HasItemsPath = arr, true
	default:
		arr, err := s.mapItems(env, st, input)
		if err != nil {
			r.fail(p, err)
			return
		}
		items = arr
	}
	maxConc, err := s.mapInt(env, m.MaxConcurrency, st.QueryLanguage)
	if err != nil {
		r.fail(p, err)
		return
	}
	info.MaxConcurrency, info.HasMaxConcurrency = maxConc, true
	if err := s.checkTolerance(env, st); err != nil {
		r.fail(p, err)
		return
	}
	if f := m.ToleratedFailureCount; f != nil {
		if n, _, err := integerField(env, f, st.QueryLanguage); err == nil {
			info.ToleratedFailures, info.HasToleratedFailures = n, true
		}
	}
	if f := m.ToleratedFailurePercentage; f != nil {
		if v, err := f.Expr.Eval(env); err == nil {
			if pct, ok := toFloat(v, f.IsPath && st.QueryLanguage == asl.JSONPath); ok {
				info.ToleratedPercentage, info.HasToleratedPercent = pct, true
			}
		}
	}
	if m.ItemSelector != nil && known {
		// Each iteration's input must fit the payload quota, as when an
		// execution enters it; the list of them is reported only while it
		// fits the quota too (TestState's answer is bounded like any state's
		// data).
		selected := make([]any, len(items))
		room, fits := s.x.Limits.MaxPayloadBytes, true
		for i, item := range items {
			env := s.envFor(p, p.Effective)
			s.ctx.MapItem = &asl.MapItem{Index: i, Value: item}
			v, err := m.ItemSelector.Eval(env)
			if err == nil {
				err = s.checkSize(v)
			}
			if err != nil {
				r.fail(p, err)
				return
			}
			selected[i] = v
			if fits && room > 0 {
				if jsonvalue.SizeExceeds(v, room) {
					fits = false
				} else {
					room -= jsonvalue.Size(v)
				}
			}
		}
		info.AfterItemSelector, info.HasItemSelector = selected, fits
	}
	mock := t.Mock
	if mock.Failed {
		s.failFrom(p, aslerr.New(mock.Error, mock.Cause), true)
		return
	}
	if mock.HasMapIterationFailures && mock.MapIterationFailures > 0 &&
		(m.ToleratedFailureCount != nil || m.ToleratedFailurePercentage != nil) {
		p.Items = items
		if !known {
			p.Items, _ = mock.Result.([]any)
		}
		p.Failures = mock.MapIterationFailures
		if !s.tolerated(p) {
			p.Items = nil
			s.failFrom(p, aslerr.New(aslerr.ExceedToleratedFailureThreshold,
				"The specified tolerated failure threshold was exceeded"), true)
			return
		}
		p.Items = nil
	}
	r.workDone(p, mock.Result)
}
