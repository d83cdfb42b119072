package interp

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/jsonvalue"
)

// Source supplies the identifiers and random numbers of a step. The engine's
// source is cryptographically random; tests use a seeded one.
type Source interface {
	asl.Random
	// TaskToken returns a new, unguessable task token.
	TaskToken() string
}

// ActivityChecker is a Source that can tell whether an activity exists: a
// Task of one that does not fails with States.Runtime before it is scheduled,
// as AWS fails it ("The activity <ARN> does not exist.").
type ActivityChecker interface {
	ActivityExists(executionARN, activityARN string) bool
}

// Result collects what a step produced. Reuse one Result across steps with Reset
// to avoid allocating.
type Result struct {
	Events  []history.Event
	Effects []Effect
	// Applied reports whether the event concerned the execution and changed it.
	// An event that no longer applies (a timer that fired already, the result of
	// a task that timed out) leaves it false. A step can change an execution
	// without events or effects (inside a Distributed Map's child executions).
	Applied bool
	// Observer, when set, is told what the step decides (observe.go). Reset
	// keeps it.
	Observer Observer
}

// Reset empties the result, keeping its capacity up to keptEvents and
// keptEffects: an engine's shards reuse their Result, and each would
// otherwise hold for ever the room of the largest step it ever ran (a
// 25,000-event step is 10 MB of events).
func (r *Result) Reset() {
	r.Events = reuse(r.Events, keptEvents)
	r.Effects = reuse(r.Effects, keptEffects)
	r.Applied = false
}

// The capacity a Result keeps across Reset (history.Event is 320 bytes).
const (
	keptEvents  = 1024
	keptEffects = 1024
)

// reuse is s emptied, or nil if its capacity is above max.
func reuse[T any](s []T, max int) []T {
	if cap(s) > max {
		return nil
	}
	clear(s)
	return s[:0]
}

// NewExecution returns an execution that has not started: Step it with
// EventStart.
func NewExecution(info *asl.ExecutionInfo, limits Limits, start time.Time) *Execution {
	return &Execution{Info: info, Limits: limits, Status: StatusRunning, StartTime: start, Paths: map[int64]*Path{}}
}

// Step applies one event to the execution, appending history events and effects
// to res. An event that no longer concerns the execution (a stale timer, the
// result of a task that timed out) changes nothing. The returned error reports a
// corrupt execution (a path in a state the definition does not have), never a
// failure of the workflow: those are history.
func Step(def *asl.Definition, x *Execution, ev Event, now time.Time, src Source, res *Result) error {
	s := stepper{def: def, x: x, now: now, src: src, res: res, clock: clockOf(src)}
	if err := s.resolve(); err != nil {
		return err
	}
	if x.Status != StatusRunning {
		return nil
	}
	s.apply(ev)
	s.run()
	if s.capped && x.Status == StatusRunning {
		s.historyFull()
	}
	res.dropStillborn()
	return nil
}

// dropStillborn removes the tasks a result both dispatches and cancels (a
// Parallel branch's task when another branch fails in the same step): they
// were never started, so there is nothing to run or to stop, and a store
// would otherwise be told to close a task before it adds it, leaving it
// open for an ended execution. Their history (scheduled, then aborted)
// stays.
func (r *Result) dropStillborn() {
	var cancelled map[string]bool
	for _, e := range r.Effects {
		if e.Kind == EffectCancelTask {
			if cancelled == nil {
				cancelled = map[string]bool{}
			}
			cancelled[e.Task.Token] = true
		}
	}
	if cancelled == nil {
		return
	}
	stillborn := map[string]bool{}
	for _, e := range r.Effects {
		if e.Kind == EffectInvokeTask && cancelled[e.Task.Token] {
			stillborn[e.Task.Token] = true
		}
	}
	if len(stillborn) == 0 {
		return
	}
	out := r.Effects[:0]
	for _, e := range r.Effects {
		if (e.Kind == EffectInvokeTask || e.Kind == EffectCancelTask) && stillborn[e.Task.Token] {
			continue
		}
		out = append(out, e)
	}
	clear(r.Effects[len(out):])
	r.Effects = out
}

// historyFull fails an execution whose history reached its cap.
func (s *stepper) historyFull() {
	s.finish(StatusFailed, nil, aslerr.Runtime, fmt.Sprintf(
		"The execution reached the maximum number of history events (%d).", s.x.Limits.MaxHistoryEvents))
}

// stepper is the state of one Step call.
type stepper struct {
	def *asl.Definition
	x   *Execution
	now time.Time
	src Source
	res *Result
	// clock is the Source's Clock, for the time budget of evaluations; nil
	// when it has none.
	clock func() time.Time

	queue []*Path // runnable paths, in turn order
	dead  map[*Path]bool
	// capped is set once an event was refused for the history cap: the
	// execution fails at the end of the turn.
	capped bool
	env    asl.Env
	ctx    asl.Context
	scope  scope
	// snap is the execution's state for a redrive, taken when a failure
	// begins to end it (redrive.go).
	snap []byte
	// redriveRuns are the Map Runs of the Distributed Maps a redrive enters
	// again, by path: they run again rather than anew.
	redriveRuns map[*Path]string
	// failedRuns are the Map Runs that failed in this step, by path: a
	// snapshot taken for the failure keeps them on their paths.
	failedRuns map[int64]string

	// Set by TestState's driver (teststate.go) only: the context object
	// every expression sees, as the caller gave it; and causes without the
	// sentence naming the state and its entered event.
	fixedContext *jsonvalue.Object
	bareCauses   bool
}

// resolve links each path to its asl.State (they are stored by name).
func (s *stepper) resolve() error {
	for _, p := range s.x.Paths {
		if p.state != nil || p.StateName == "" {
			continue
		}
		g := s.def.Graph(p.Graph)
		if g == nil {
			return fmt.Errorf("path %d: no graph %d in the definition", p.ID, p.Graph)
		}
		if p.state = g.State(p.StateName); p.state == nil {
			return fmt.Errorf("path %d: no state %q in graph %d", p.ID, p.StateName, p.Graph)
		}
	}
	return nil
}

func (s *stepper) nextID() int64 {
	s.x.NextID++
	return s.x.NextID
}

// emit records a history event on path p (nil: the execution itself).
func (s *stepper) emit(p *Path, e history.Event) int64 {
	if p != nil && p.Detached {
		return p.LastEventID
	}
	if max := s.x.Limits.MaxHistoryEvents; max > 0 && s.x.LastEventID >= max-1 && p != nil {
		// Only the execution's own last event may take the cap's last place.
		s.capped = true
		return p.LastEventID
	}
	s.x.LastEventID++
	e.ID = s.x.LastEventID
	if p != nil {
		e.PreviousEventID = p.LastEventID
		p.LastEventID = e.ID
	} else {
		e.PreviousEventID = e.ID - 1
	}
	e.Timestamp = s.now
	s.res.Events = append(s.res.Events, e)
	return e.ID
}

func (s *stepper) effect(e Effect) { s.res.Effects = append(s.res.Effects, e) }

func (s *stepper) armTimer(kind TimerKind, d time.Duration) int64 {
	id := s.nextID()
	s.effect(Effect{Kind: EffectArmTimer, Timer: Timer{ID: id, Kind: kind, Due: s.now.Add(d)}})
	return id
}

func (s *stepper) cancelTimer(id *int64) {
	if *id != 0 {
		s.effect(Effect{Kind: EffectCancelTimer, Timer: Timer{ID: *id}})
		*id = 0
	}
}

func (s *stepper) schedule(p *Path) { s.queue = append(s.queue, p) }

// apply dispatches the event to the path it concerns, and records whether
// one was.
func (s *stepper) apply(ev Event) {
	x := s.x
	switch ev.Kind {
	case EventStart:
		s.res.Applied = true
		s.start()
	case EventStop:
		s.res.Applied = true
		s.finish(StatusAborted, nil, ev.Error, ev.Cause)
	case EventFail:
		s.res.Applied = true
		s.finish(StatusFailed, nil, ev.Error, ev.Cause)
	case EventTimerFired:
		if ev.TimerID == x.TimeoutTimer && x.TimeoutTimer != 0 {
			s.res.Applied = true
			x.TimeoutTimer = 0
			s.finish(StatusTimedOut, nil, aslerr.Timeout, "")
			return
		}
		if ev.TimerID == x.ContinueTimer && x.ContinueTimer != 0 {
			s.res.Applied = true
			x.ContinueTimer = 0
			s.resume()
			return
		}
		for _, p := range x.Paths {
			switch ev.TimerID {
			case 0:
			case p.TimerID:
				s.res.Applied = true
				p.TimerID = 0
				s.timerFired(p)
				return
			case p.TimeoutTimer:
				s.res.Applied = true
				p.TimeoutTimer = 0
				s.taskTimedOut(p, false)
				return
			case p.HeartbeatTimer:
				s.res.Applied = true
				p.HeartbeatTimer = 0
				s.taskTimedOut(p, true)
				return
			}
		}
	default:
		for _, p := range x.Paths {
			if p.TaskID == ev.TaskID && p.Phase == PhaseTask && ev.TaskID != 0 {
				s.res.Applied = true
				s.taskEvent(p, ev)
				return
			}
		}
	}
}

// run advances runnable paths in turns until none is left, or until the step
// has made its share of transitions: then a timer due at once continues the
// rest in a step of its own.
func (s *stepper) run() {
	budget := s.x.Limits.stepTransitions()
	yielder, _ := s.src.(Yielder)
	for i := 0; i < len(s.queue); i++ {
		if s.x.Status != StatusRunning {
			break
		}
		if s.capped {
			s.historyFull()
			break
		}
		p := s.queue[i]
		if s.dead[p] {
			continue
		}
		// The clock is asked at every transition: a transition may evaluate
		// expressions that each run up to their time budget, so asking only
		// every so many would let a step run far past its time.
		if budget--; budget < 0 || yielder != nil && yielder.Yield() {
			s.yield(s.queue[i:])
			break
		}
		switch p.Phase {
		case PhaseEnter:
			s.enter(p)
		case PhaseExit:
			s.exit(p)
		}
	}
	s.queue = s.queue[:0]
}

// yield ends the step with the runnable paths left, in turn order, for a
// step of their own that a timer due at once starts.
func (s *stepper) yield(left []*Path) {
	for _, p := range left {
		if !s.dead[p] {
			s.x.Resume = append(s.x.Resume, p.ID)
		}
	}
	if s.x.ContinueTimer == 0 {
		s.x.ContinueTimer = s.armTimer(TimerContinue, 0)
	}
}

// resume schedules the paths a step that yielded left runnable, in the order
// they would have run.
func (s *stepper) resume() {
	for _, id := range s.x.Resume {
		if p := s.x.Paths[id]; p != nil && (p.Phase == PhaseEnter || p.Phase == PhaseExit) {
			s.schedule(p)
		}
	}
	s.x.Resume = nil
}

func (s *stepper) start() {
	x := s.x
	s.emit(nil, history.Event{Type: history.ExecutionStarted, Input: x.Info.Input, HasInput: true, RoleArn: x.Info.RoleArn})
	if s.def.TimeoutSeconds > 0 {
		x.TimeoutTimer = s.armTimer(TimerExecutionTimeout, time.Duration(s.def.TimeoutSeconds)*time.Second)
	}
	// The first state's entered event points back to 0, not to
	// ExecutionStarted, as every history AWS records shows.
	root := &Path{ID: RootPathID, Graph: s.def.Root.ID}
	if x.NextID < RootPathID {
		x.NextID = RootPathID
	}
	x.Paths[root.ID] = root
	s.goTo(root, s.def.Root.StartAt, x.Info.Input)
}

// goTo makes p enter st with input on its next turn.
func (s *stepper) goTo(p *Path, st *asl.State, input any) {
	p.state, p.StateName = st, st.Name
	p.Phase = PhaseEnter
	p.Input, p.Effective, p.Output = input, nil, nil
	p.NextState = ""
	s.schedule(p)
}

// enteredType and exitedType name a state type's history events, indexed by
// asl.StateType.
var enteredType = [...]history.Type{
	asl.TypePass: history.PassStateEntered, asl.TypeTask: history.TaskStateEntered,
	asl.TypeChoice: history.ChoiceStateEntered, asl.TypeWait: history.WaitStateEntered,
	asl.TypeSucceed: history.SucceedStateEntered, asl.TypeFail: history.FailStateEntered,
	asl.TypeParallel: history.ParallelStateEntered, asl.TypeMap: history.MapStateEntered,
}

var exitedType = [...]history.Type{
	asl.TypePass: history.PassStateExited, asl.TypeTask: history.TaskStateExited,
	asl.TypeChoice: history.ChoiceStateExited, asl.TypeWait: history.WaitStateExited,
	asl.TypeSucceed:  history.SucceedStateExited,
	asl.TypeParallel: history.ParallelStateExited, asl.TypeMap: history.MapStateExited,
}

// enter records the state's entry and does its work up to its first blocking
// point or its result.
func (s *stepper) enter(p *Path) {
	st := p.state
	p.EnteredTime = s.now
	p.EnteredEventID = s.emit(p, history.Event{Type: enteredType[st.Type], Name: st.Name, Input: p.Input, HasInput: true})
	if o := s.res.Observer; o != nil {
		o.StateEntered(s.x, p)
	}
	p.Retries = 0
	if len(st.Retry) > 0 {
		if cap(p.Attempts) >= len(st.Retry) {
			p.Attempts = p.Attempts[:len(st.Retry)]
			clear(p.Attempts)
		} else {
			p.Attempts = make([]int, len(st.Retry))
		}
	} else {
		p.Attempts = p.Attempts[:0]
	}
	if err := s.checkSize(p.Input); err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	switch st.Type {
	case asl.TypePass:
		s.pass(p)
	case asl.TypeChoice:
		s.choice(p)
	case asl.TypeSucceed:
		s.succeed(p)
	case asl.TypeFail:
		s.failState(p)
	case asl.TypeWait:
		s.wait(p)
	case asl.TypeTask:
		s.task(p)
	case asl.TypeParallel:
		s.parallel(p)
	case asl.TypeMap:
		s.mapState(p)
	}
}

// exit records the state's exit and moves the path to its next state, or ends
// the path.
func (s *stepper) exit(p *Path) {
	st := p.state
	if s.checkSize(p.Output) != nil {
		// As AWS words it (its recording of a Pass state's Result over the
		// quota), without the "An error occurred while executing" preamble.
		s.fail(p, aslerr.Newf(aslerr.DataLimitExceeded,
			"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", p.StateName))
		return
	}
	s.emit(p, history.Event{Type: exitedType[st.Type], Name: st.Name, Output: p.Output, HasOutput: true, AssignedVariables: p.Assigned})
	p.Assigned = nil
	next := st.Next
	if p.NextState != "" {
		next = st.Graph.State(p.NextState)
	}
	if next == nil {
		s.pathSucceeded(p, p.Output)
		return
	}
	s.goTo(p, next, p.Output)
}

// done finishes the state's work with output; the path exits on its next turn.
func (s *stepper) done(p *Path, output any) {
	p.Output = output
	p.Phase = PhaseExit
	s.schedule(p)
}

// envFor prepares the evaluation environment of p's current state. The
// environment is the stepper's: one is in use at a time.
func (s *stepper) envFor(p *Path, input any) *asl.Env {
	st := p.state
	s.ctx = asl.Context{
		Execution:   s.x.Info,
		StateName:   p.StateName,
		EnteredTime: p.EnteredTime,
		RetryCount:  p.Retries,
		HasRetry:    st.Type == asl.TypeTask || st.Type == asl.TypeParallel || st.Type == asl.TypeMap,
		TaskToken:   p.TaskToken,
		Fixed:       s.fixedContext,
	}
	s.scope = scope{s: s, p: p}
	s.env = asl.Env{Input: input, StateInput: p.Input, Context: &s.ctx, Vars: &s.scope, Random: s.src, Now: s.now,
		Budget: s.x.Limits.Eval, Clock: s.clock}
	return &s.env
}

// stateFailure turns an evaluation error into the failure AWS reports: the
// sentence about the state and the event it entered at, then the cause. A
// failed JSONata evaluation is also recorded as an EvaluationFailed event.
func (s *stepper) stateFailure(p *Path, err error) *aslerr.Failure {
	var f *aslerr.Failure
	if !errors.As(err, &f) {
		f = aslerr.New(aslerr.Runtime, err.Error())
	}
	out := aslerr.Newf(f.Name, "An error occurred while executing the state '%s' (entered at the event id #%d). %s",
		p.StateName, p.EnteredEventID, f.Cause)
	if s.bareCauses {
		out = aslerr.New(f.Name, f.Cause)
	}
	if f.Name == aslerr.QueryEvaluationError {
		var qe *asl.QueryError
		location := ""
		if errors.As(err, &qe) {
			location = qe.Field
		}
		entryFailure, n := p.LastEventID == p.EnteredEventID, len(s.res.Events)
		s.emit(p, history.Event{Type: history.EvaluationFailed, Error: out.Name, Cause: out.Cause, Location: location, State: p.StateName})
		if entryFailure && len(s.res.Events) == n+1 {
			s.linkToEntered(p, &s.res.Events[n])
		}
	}
	return out
}

// linkToEntered points e, just recorded on p, back where p's entered event
// points, as AWS records an EvaluationFailed that comes right after the
// state's entered event. It does nothing when the entered event was recorded
// by an earlier step.
func (s *stepper) linkToEntered(p *Path, e *history.Event) {
	for i := len(s.res.Events) - 1; i >= 0; i-- {
		if s.res.Events[i].ID == p.EnteredEventID {
			e.PreviousEventID = s.res.Events[i].PreviousEventID
			return
		}
	}
}

// checkSize enforces the payload quota.
func (s *stepper) checkSize(v any) error {
	if max := s.x.Limits.MaxPayloadBytes; max > 0 && jsonvalue.SizeExceeds(v, max) {
		return aslerr.Newf(aslerr.DataLimitExceeded,
			"The state/task returned a result with a size exceeding the maximum number of bytes service limit.")
	}
	return nil
}

func (s *stepper) pass(p *Path) {
	st := p.state
	if st.QueryLanguage == asl.JSONata {
		env := s.envFor(p, p.Input)
		env.Result, env.HasResult = p.Input, true
		assigned, err := s.evalAssign(st.Assign, env)
		var out any
		if err == nil {
			out, err = s.output(st.Output, env, p.Input)
		}
		if err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		s.complete(p, out, assigned)
		return
	}
	result, err := s.effectiveInput(p)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	if st.Pass.HasResult {
		result = st.Pass.Result
	}
	s.data(p, StageResult, result)
	s.data(p, StageAfterResultSelector, result)
	env := s.envFor(p, result)
	assigned, err := s.evalAssign(st.Assign, env)
	var out any
	if err == nil {
		if out, err = st.ResultPath.Apply(p.Input, result); err == nil {
			s.data(p, StageAfterResultPath, out)
			out, err = st.OutputPath.Apply(env, out)
		}
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.complete(p, out, assigned)
}

func (s *stepper) succeed(p *Path) {
	st := p.state
	env := s.envFor(p, p.Input)
	var out any
	var err error
	if st.QueryLanguage == asl.JSONata {
		out, err = s.output(st.Output, env, p.Input)
	} else if out, err = st.InputPath.Apply(env, p.Input); err == nil {
		s.data(p, StageAfterInputPath, out)
		out, err = st.OutputPath.Apply(env, out)
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.done(p, out)
}

func (s *stepper) choice(p *Path) {
	st := p.state
	env := s.envFor(p, p.Input)
	v := p.Input
	if st.QueryLanguage == asl.JSONPath {
		var err error
		if v, err = st.InputPath.Apply(env, p.Input); err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		s.data(p, StageAfterInputPath, v)
		env.Input = v
	}
	var next *asl.State
	outT, assignT := st.Output, st.Assign
	chosen := -1
	for i, rule := range st.Choice.Choices {
		ok, err := rule.Condition.Match(env)
		if err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		if ok {
			next, outT, assignT = rule.Next, rule.Output, rule.Assign
			chosen = i
			break
		}
	}
	if next == nil {
		next = st.Choice.Default
	}
	if next == nil {
		s.fail(p, aslerr.Newf(aslerr.NoChoiceMatched, "No Matches!"))
		return
	}
	if o := s.res.Observer; o != nil {
		o.ChoiceMatched(s.x, p, chosen)
	}
	assigned, err := s.evalAssign(assignT, env)
	var out any
	if err == nil {
		if st.QueryLanguage == asl.JSONata {
			out, err = s.output(outT, env, p.Input)
		} else {
			out, err = st.OutputPath.Apply(env, v)
		}
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	p.NextState = next.Name
	s.complete(p, out, assigned)
}

func (s *stepper) failState(p *Path) {
	st := p.state
	env := s.envFor(p, p.Input)
	name, err := stringField(env, st.Fail.Error, st.QueryLanguage)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	cause, err := stringField(env, st.Fail.Cause, st.QueryLanguage)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.fail(p, aslerr.New(name, cause))
}

// invalidPath is AWS's cause for a ...Path field whose path does not match.
func invalidPath(f *asl.Field, err error) error {
	var fail *aslerr.Failure
	if errors.As(err, &fail) {
		return fail
	}
	return aslerr.Newf(aslerr.Runtime, "Invalid path '%s' : %s", f.Expr.String(), err.Error())
}

func (s *stepper) wait(p *Path) {
	st := p.state
	env := s.envFor(p, p.Input)
	v := p.Input
	if st.QueryLanguage == asl.JSONPath {
		var err error
		if v, err = st.InputPath.Apply(env, p.Input); err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		s.data(p, StageAfterInputPath, v)
		env.Input = v
	}
	p.Effective = v
	d, err := s.waitDuration(env, st)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	if d <= 0 {
		s.waitOver(p)
		return
	}
	p.Phase = PhaseWait
	p.TimerID = s.armTimer(TimerWait, d)
}

// waitDuration computes how long a Wait state waits from now.
func (s *stepper) waitDuration(env *asl.Env, st *asl.State) (time.Duration, error) {
	w := st.Wait
	eval := func(f *asl.Field) (any, error) {
		v, err := f.Expr.Eval(env)
		var fail *aslerr.Failure
		if err != nil && f.IsPath && !errors.As(err, &fail) {
			// AWS's words for a SecondsPath or TimestampPath that selects
			// nothing (its recordings, LocalStack's test_logs wait_seconds_path).
			return nil, aslerr.Newf(aslerr.Runtime, "The %s parameter does not reference an input value: %s", f.Name, f.Expr.String())
		}
		return v, err
	}
	if f := w.Seconds; f != nil {
		v, err := eval(f)
		if err != nil {
			return 0, err
		}
		secs, err := integerValue(f, v, st.QueryLanguage)
		if err == errNotInteger || err == nil && st.QueryLanguage == asl.JSONPath && f.IsPath && !isIntegerLiteral(v) {
			return 0, aslerr.Newf(aslerr.Runtime, "The %s parameter cannot be parsed as a long value: %s == %s", f.Name, f.Expr.String(), jsonvalue.String(v))
		}
		if err != nil {
			return 0, err
		}
		if secs < 0 {
			return 0, aslerr.Newf(aslerr.Runtime, "The %s parameter references a negative value: %s == %s", f.Name, f.Expr.String(), jsonvalue.String(v))
		}
		return time.Duration(secs) * time.Second, nil
	}
	f := w.Timestamp
	v, err := eval(f)
	if err != nil {
		return 0, err
	}
	str, isString := v.(string)
	t, err := asl.ParseTimestamp(str)
	if err != nil {
		// AWS writes a string value as it is, without JSON's quotes.
		shown := str
		if !isString {
			shown = jsonvalue.String(v)
		}
		switch {
		case st.QueryLanguage == asl.JSONata && isString:
			return 0, &asl.QueryError{Field: "Timestamp", Failure: aslerr.Newf(aslerr.QueryEvaluationError,
				"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", shown)}
		case st.QueryLanguage == asl.JSONata:
			return 0, &asl.QueryError{Field: "Timestamp", Failure: aslerr.Newf(aslerr.QueryEvaluationError,
				"The JSONata expression '%s' specified for the field 'Timestamp' returned an unexpected result type. Expected a timestamp (RFC 3339), but was: %s", f.Expr.String(), shown)}
		}
		return 0, aslerr.Newf(aslerr.Runtime, "The %s parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", f.Name, f.Expr.String(), shown)
	}
	return t.Sub(s.now), nil
}

// isIntegerLiteral reports whether v is an integer as AWS parses a long: a
// number written without a fraction or exponent (1.0 is not one), or a computed
// number with an integral value.
func isIntegerLiteral(v any) bool {
	switch n := v.(type) {
	case jsonvalue.Number:
		return n.IsInteger()
	case float64:
		return n == float64(int64(n))
	}
	return false
}

// waitOver ends a Wait state.
func (s *stepper) waitOver(p *Path) {
	st := p.state
	env := s.envFor(p, p.Effective)
	assigned, err := s.evalAssign(st.Assign, env)
	var out any
	if err == nil {
		if st.QueryLanguage == asl.JSONata {
			out, err = s.output(st.Output, env, p.Input)
		} else {
			out, err = st.OutputPath.Apply(env, p.Effective)
		}
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.complete(p, out, assigned)
}

func (s *stepper) timerFired(p *Path) {
	switch p.Phase {
	case PhaseWait:
		s.waitOver(p)
	case PhaseRetry:
		s.work(p)
	}
}

// work starts (or, after a retry interval, restarts) the work of a Task,
// Parallel or Map state.
func (s *stepper) work(p *Path) {
	switch p.state.Type {
	case asl.TypeTask:
		s.task(p)
	case asl.TypeParallel:
		s.parallel(p)
	case asl.TypeMap:
		s.mapState(p)
	}
}

// fail handles a failure of p's current state: Retry, then Catch, then the
// failure of the path.
func (s *stepper) fail(p *Path, f *aslerr.Failure) { s.failFrom(p, f, false) }

// failFrom is fail, knowing whether the failure came from a branch or an
// iteration: only then does AWS record ParallelStateFailed or MapStateFailed.
func (s *stepper) failFrom(p *Path, f *aslerr.Failure, fromChild bool) {
	s.handle(p, f, fromChild, false)
}

// handle is failFrom; a terminal error (States.Runtime,
// States.DataLimitExceeded) skips Retry and Catch unless handled is set (a
// task's result over the quota), and then they take it as any task failure.
func (s *stepper) handle(p *Path, f *aslerr.Failure, fromChild, handled bool) {
	st := p.state
	matchName := aslerr.Matches
	if handled {
		matchName = aslerr.MatchesTaskFailure
	}
	match := func(errorEquals []string, name string) bool {
		return matchName(errorEquals, name) || f.Heartbeat && slices.Contains(errorEquals, aslerr.HeartbeatTimeout)
	}
	if handled || !aslerr.Terminal(f.Name) {
		for i, r := range st.Retry {
			if !match(r.ErrorEquals, f.Name) {
				continue
			}
			if p.Attempts[i] >= r.MaxAttempts {
				if o := s.res.Observer; o != nil {
					o.RetryMatched(s.x, p, i, f, false, 0)
				}
				break
			}
			d := r.Delay(p.Attempts[i])
			if r.FullJitter {
				d = time.Duration(s.src.Float64() * float64(d))
			}
			if o := s.res.Observer; o != nil {
				o.RetryMatched(s.x, p, i, f, true, d)
			}
			s.snap, s.failedRuns = nil, nil // taken up: the execution goes on
			p.Attempts[i]++
			p.Retries++
			if d <= 0 {
				s.work(p)
				return
			}
			p.Phase = PhaseRetry
			p.TimerID = s.armTimer(TimerRetry, d)
			return
		}
		for i, c := range st.Catch {
			if !match(c.ErrorEquals, f.Name) {
				continue
			}
			if o := s.res.Observer; o != nil {
				o.Caught(s.x, p, i, f)
			}
			s.snap, s.failedRuns = nil, nil // taken up: the execution goes on
			if fromChild || f.Name == aslerr.QueryEvaluationError {
				s.emitStateFailed(p)
			}
			out, assigned, err := s.catchOutput(p, c, f)
			if err != nil {
				s.fail(p, s.stateFailure(p, err))
				return
			}
			p.NextState = c.Next.Name
			s.complete(p, out, assigned)
			return
		}
	}
	if fromChild || f.Name == aslerr.QueryEvaluationError {
		s.emitStateFailed(p)
	}
	s.pathFailed(p, f)
}

// emitStateFailed records the failure of a Parallel or Map state.
func (s *stepper) emitStateFailed(p *Path) {
	switch p.state.Type {
	case asl.TypeParallel:
		s.emit(p, history.Event{Type: history.ParallelStateFailed})
	case asl.TypeMap:
		s.emit(p, history.Event{Type: history.MapStateFailed})
	}
}

// errorOutput is what a Catch hands on: {"Error": ..., "Cause": ...}, with an
// empty string where the failure's is empty, and null where it was not given
// at all (a SendTaskFailure without them), as AWS binds it.
func errorOutput(f *aslerr.Failure) *jsonvalue.Object {
	o := jsonvalue.NewObject(2)
	var name, cause any = f.Name, f.Cause
	if f.ErrorNull {
		name = nil
	}
	if f.CauseNull {
		cause = nil
	}
	o.Set("Error", name)
	o.Set("Cause", cause)
	return o
}

// pathSucceeded ends a path that reached its end with output.
func (s *stepper) pathSucceeded(p *Path, output any) {
	if p.Parent == 0 {
		s.finish(StatusSucceeded, output, "", "")
		return
	}
	parent := s.x.Paths[p.Parent]
	s.removePath(p)
	s.childSucceeded(parent, p, output)
}

// pathFailed ends a path with an uncaught failure.
func (s *stepper) pathFailed(p *Path, f *aslerr.Failure) {
	s.snapshot()
	if p.Parent == 0 {
		s.finish(StatusFailed, nil, f.Name, f.Cause)
		return
	}
	parent := s.x.Paths[p.Parent]
	s.removePath(p)
	s.childFailed(parent, p, f)
}

// removePath drops a finished path.
func (s *stepper) removePath(p *Path) {
	delete(s.x.Paths, p.ID)
	if s.dead == nil {
		s.dead = map[*Path]bool{}
	}
	s.dead[p] = true
}

// abort stops a path and everything under it: its task is cancelled, its
// timers dropped.
func (s *stepper) abort(p *Path) {
	for _, id := range p.Children {
		if c := s.x.Paths[id]; c != nil {
			s.abort(c)
		}
	}
	p.Children = nil
	if p.TaskID != 0 && p.Phase == PhaseTask {
		s.cancelTask(p)
		if p.MapRun != "" {
			// The run is aborted with its Map state (the engine stops its
			// children), and its MapRunStarted closed as on AWS.
			s.emit(p, history.Event{Type: history.MapRunAborted})
		}
	}
	s.cancelTimer(&p.TimerID)
	s.cancelTimer(&p.TimeoutTimer)
	s.cancelTimer(&p.HeartbeatTimer)
	p.TaskID = 0
	s.removePath(p)
}

// finish ends the execution.
func (s *stepper) finish(status Status, output any, errName, cause string) {
	x := s.x
	if status != StatusSucceeded {
		s.snapshot()
	}
	for _, p := range x.Paths {
		if p.Parent == 0 {
			s.abort(p)
		}
	}
	s.cancelTimer(&x.TimeoutTimer)
	s.cancelTimer(&x.ContinueTimer)
	x.Resume = nil
	ev := history.Event{Error: errName, Cause: cause}
	switch status {
	case StatusSucceeded:
		ev.Type, ev.Output, ev.HasOutput = history.ExecutionSucceeded, output, true
	case StatusFailed:
		ev.Type = history.ExecutionFailed
	case StatusTimedOut:
		ev.Type = history.ExecutionTimedOut
	case StatusAborted:
		ev.Type = history.ExecutionAborted
	}
	s.emit(nil, ev)
	if status == StatusAborted {
		// A stop comes from outside the execution: AWS links its event to
		// none (previousEventId 0, its recording of StopExecution).
		s.res.Events[len(s.res.Events)-1].PreviousEventID = 0
	}
	x.Status, x.Output, x.Error, x.Cause, x.StopTime = status, output, errName, cause, s.now
	if status != StatusSucceeded {
		s.keepSnapshot()
	}
	s.effect(Effect{Kind: EffectFinish})
}
