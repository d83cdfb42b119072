package testrun

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/sfn"
)

// Options configure a run of cases.
type Options struct {
	// Runner runs the Task states no mock answers (Lambda functions, HTTP
	// Tasks, AWS services); nil fails them. Activities, .waitForTaskToken
	// tasks and nested executions need a mock.
	Runner runner.Runner
	// Timeout bounds one case in real time (default one minute): the virtual
	// clock makes waits free, but real tasks take their time.
	Timeout time.Duration
	// Start is the virtual clock's time when each execution starts (default
	// the real time when the case starts).
	Start time.Time
	// Region and Account make the ARNs (default us-east-1, 123456789012).
	Region, Account string
}

// Result is what one case's execution did, and how it compares.
type Result struct {
	Case     *Case
	Status   string
	Output   any
	Error    string
	Cause    string
	States   []string
	History  []history.Event
	Duration time.Duration
	// Problems are the expectations the execution did not meet; Err is a
	// case that could not run to its end.
	Problems []Problem
	Err      error
}

// Problem is one expectation not met.
type Problem struct {
	Field     string // status, output, error, cause, states, variables.NAME
	Got, Want string // JSON text, indented for values
}

// Passed reports whether the case met its expectations.
func (r *Result) Passed() bool { return r.Err == nil && len(r.Problems) == 0 }

// Run runs one case to its end with the virtual clock, and records its
// coverage in cov (which may be nil).
func Run(ctx context.Context, c *Case, opts Options, cov *Coverage) *Result {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	d := newDriver(c, opts, cov)
	res := &Result{Case: c}
	err := d.run(ctx)
	res.Duration = time.Since(began)
	res.History = d.events
	res.States = d.entered
	x := d.x
	res.Status, res.Output, res.Error, res.Cause = string(x.Status), x.Output, x.Error, x.Cause
	if err != nil {
		res.Err = err
		return res
	}
	res.Problems = check(c, res, d.rootVars())
	return res
}

// driver is one execution driven by the virtual clock.
type driver struct {
	c    *Case
	opts Options
	cov  *Coverage
	def  *asl.Definition
	x    *interp.Execution
	src  *source
	now  time.Time
	res  interp.Result
	root *interp.Path

	events  []history.Event
	entered []string
	queue   []interp.Event // answers due now, in order
	timers  timerHeap
	gone    map[int64]bool // cancelled timers
	running map[int64]context.CancelFunc
	done    chan interp.Event
	mocks   map[string]int // state → invocations so far

	// child is set on a Distributed Map's child execution: its input, ARN
	// and machine.
	child *childRun
}

// childRun is what a Map Run's child execution runs with.
type childRun struct {
	input               any
	arn, name           string
	machineARN, machine string
	role                string
}

func newDriver(c *Case, opts Options, cov *Coverage) *driver {
	h := fnv.New64a()
	h.Write([]byte(c.File.Path + "\x00" + c.Name))
	start := opts.Start
	if start.IsZero() {
		start = time.Now()
	}
	return &driver{c: c, opts: opts, cov: cov, def: c.File.Definition, src: newSource(h.Sum64()), now: start.UTC().Truncate(time.Millisecond),
		gone: map[int64]bool{}, running: map[int64]context.CancelFunc{}, done: make(chan interp.Event, 16), mocks: map[string]int{}}
}

func (d *driver) run(ctx context.Context) error {
	info := d.info()
	d.x = interp.NewExecution(info, interp.DefaultLimits, d.now)
	d.res.Observer = (*observer)(d)
	defer func() {
		for _, cancel := range d.running {
			cancel()
		}
	}()
	ev := interp.Event{Kind: interp.EventStart}
	for {
		if err := d.step(ctx, ev); err != nil {
			return err
		}
		if d.root == nil {
			d.root = d.x.Paths[interp.RootPathID]
		}
		if d.x.Status != interp.StatusRunning {
			return nil
		}
		var ok bool
		if ev, ok = d.next(ctx); !ok {
			if ctx.Err() != nil {
				return fmt.Errorf("the case did not end within %s", d.opts.Timeout)
			}
			return errors.New("the execution waits for something stepd test cannot give it (a task with no mock and no runner?)")
		}
	}
}

// info is the execution's context ($$.Execution, $$.StateMachine).
func (d *driver) info() *asl.ExecutionInfo {
	if c := d.child; c != nil {
		return asl.NewExecutionInfo(asl.ExecutionInfo{ID: c.arn, Name: c.name, RoleArn: c.role, StartTime: asl.FormatTime(d.now),
			Input: c.input, StateMachineID: c.machineARN, StateMachineName: c.machine})
	}
	f := d.c.File
	machine := f.MachineName
	if d.c.Context.MachineName != "" {
		machine = d.c.Context.MachineName
	}
	name := d.c.Context.ExecutionName
	if name == "" {
		name = d.src.UUID()
	}
	role := d.c.Context.RoleArn
	if role == "" {
		role = "arn:aws:iam::" + d.opts.Account + ":role/stepd-test"
	}
	machineARN := "arn:aws:states:" + d.opts.Region + ":" + d.opts.Account + ":stateMachine:" + machine
	arn := "arn:aws:states:" + d.opts.Region + ":" + d.opts.Account + ":execution:" + machine + ":" + name
	if f.Type == "EXPRESS" {
		arn = "arn:aws:states:" + d.opts.Region + ":" + d.opts.Account + ":express:" + machine + ":" + name + ":" + d.src.UUID()
	}
	info := asl.NewExecutionInfo(asl.ExecutionInfo{ID: arn, Name: name, RoleArn: role, StartTime: asl.FormatTime(d.now),
		Input: d.c.Input, StateMachineID: machineARN, StateMachineName: machine})
	return info
}

// step applies one event and carries out its effects.
func (d *driver) step(ctx context.Context, ev interp.Event) error {
	d.res.Reset()
	if err := interp.Step(d.def, d.x, ev, d.now, d.src, &d.res); err != nil {
		return err
	}
	d.events = append(d.events, d.res.Events...)
	for _, e := range d.res.Effects {
		switch e.Kind {
		case interp.EffectInvokeTask:
			if err := d.invoke(ctx, e.Task); err != nil {
				return err
			}
		case interp.EffectCancelTask:
			if cancel := d.running[e.Task.TaskID]; cancel != nil {
				cancel()
				delete(d.running, e.Task.TaskID)
			}
		case interp.EffectArmTimer:
			heap.Push(&d.timers, e.Timer)
		case interp.EffectCancelTimer:
			d.gone[e.Timer.ID] = true
		}
	}
	return nil
}

// next is the next event: an answer due now, a timer due now, a real task's
// outcome, or, when nothing else can happen, the earliest timer, to which
// the virtual clock jumps.
func (d *driver) next(ctx context.Context) (interp.Event, bool) {
	if len(d.queue) > 0 {
		ev := d.queue[0]
		d.queue = d.queue[1:]
		return ev, true
	}
	for d.timers.Len() > 0 && d.gone[d.timers[0].ID] {
		heap.Pop(&d.timers)
	}
	if d.timers.Len() > 0 && !d.timers[0].Due.After(d.now) {
		t := heap.Pop(&d.timers).(interp.Timer)
		return interp.Event{Kind: interp.EventTimerFired, TimerID: t.ID}, true
	}
	if len(d.running) > 0 {
		select {
		case ev := <-d.done:
			delete(d.running, ev.TaskID)
			return ev, true
		case <-ctx.Done():
			return interp.Event{}, false
		}
	}
	if d.timers.Len() > 0 {
		t := heap.Pop(&d.timers).(interp.Timer)
		if t.Due.After(d.now) {
			d.now = t.Due
		}
		return interp.Event{Kind: interp.EventTimerFired, TimerID: t.ID}, true
	}
	return interp.Event{}, false
}

// invoke answers a task from the case's mocks, or runs it for real.
func (d *driver) invoke(ctx context.Context, t *interp.TaskDispatch) error {
	if t.IsMapRun() {
		return d.mapRun(ctx, t)
	}
	if resp := d.c.Mocks[t.State]; resp != nil {
		n := d.mocks[t.State]
		d.mocks[t.State] = n + 1
		out := resp.Answer(t.State, n).Outcome(t.Resource)
		end := interp.Event{Kind: interp.EventTaskSucceeded, TaskID: t.TaskID, Output: out.Output}
		if out.Failure != nil {
			end = interp.Event{Kind: interp.EventTaskFailed, TaskID: t.TaskID, Error: out.Failure.Name, Cause: out.Failure.Cause}
		}
		switch {
		case t.Resource.Kind == asl.ResourceActivity:
			d.queue = append(d.queue, interp.Event{Kind: interp.EventTaskStarted, TaskID: t.TaskID}, end)
		case t.Resource.Pattern != asl.PatternRequestResponse:
			d.queue = append(d.queue, interp.Event{Kind: interp.EventTaskSubmitted, TaskID: t.TaskID, Output: jsonvalue.NewObject(0)}, end)
		default:
			d.queue = append(d.queue, end)
		}
		return nil
	}
	switch {
	case t.Resource.Kind == asl.ResourceActivity:
		return fmt.Errorf("state %q: an activity task needs a mock in stepd test (no worker answers it)", t.State)
	case t.Resource.Pattern == asl.PatternWaitForTaskToken:
		return fmt.Errorf("state %q: a .waitForTaskToken task needs a mock in stepd test (no one sends its token)", t.State)
	case sfn.IsStartExecution(t.Resource):
		return fmt.Errorf("state %q: a nested execution (states:startExecution) needs a mock in stepd test", t.State)
	}
	if d.opts.Runner == nil {
		return fmt.Errorf("state %q: the task has no mock, and no task runner is configured (stepd test --config)", t.State)
	}
	tctx, cancel := context.WithCancel(ctx)
	d.running[t.TaskID] = cancel
	task := &runner.Task{ID: t.TaskID, ExecutionARN: d.x.Info.ID, StateName: t.State, Resource: t.Resource, Input: t.Input,
		Token: t.Token, Timeout: time.Duration(t.TimeoutSeconds) * time.Second, Attempt: t.Attempt, Credentials: t.Credentials}
	go func() {
		out := d.opts.Runner.Run(tctx, task)
		ev := interp.Event{Kind: interp.EventTaskSucceeded, TaskID: t.TaskID, Output: out.Output}
		if out.Failure != nil {
			ev = interp.Event{Kind: interp.EventTaskFailed, TaskID: t.TaskID, Error: out.Failure.Name, Cause: out.Failure.Cause}
		}
		select {
		case d.done <- ev:
		case <-tctx.Done():
		}
	}()
	return nil
}

// rootVars are the top-level variables at the end.
func (d *driver) rootVars() *jsonvalue.Object {
	if d.root == nil {
		return nil
	}
	return d.root.Vars
}

// observer records the states entered and the coverage.
type observer driver

func (o *observer) StateEntered(x *interp.Execution, p *interp.Path) {
	o.entered = append(o.entered, p.StateName)
	o.cov.stateEntered(o.c.File, p.State())
}

func (o *observer) ChoiceMatched(x *interp.Execution, p *interp.Path, rule int) {
	o.cov.choice(o.c.File, p.State(), rule)
}

func (o *observer) RetryMatched(x *interp.Execution, p *interp.Path, retrier int, f *aslerr.Failure, retries bool, delay time.Duration) {
	o.cov.retrier(o.c.File, p.State(), retrier)
}

func (o *observer) Caught(x *interp.Execution, p *interp.Path, catcher int, f *aslerr.Failure) {
	o.cov.catcher(o.c.File, p.State(), catcher)
}

func (o *observer) Data(*interp.Execution, *interp.Path, interp.Stage, any) {}

// timerHeap orders timers by due time, then ID.
type timerHeap []interp.Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].Due.Equal(h[j].Due) {
		return h[i].Due.Before(h[j].Due)
	}
	return h[i].ID < h[j].ID
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(interp.Timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// source is a case's deterministic source of task tokens and random
// numbers: the same case draws the same ones every run.
type source struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

func newSource(seed uint64) *source {
	return &source{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (s *source) RandomInt(lo, hi int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hi <= lo {
		return lo
	}
	return lo + s.rnd.Int64N(hi-lo)
}

func (s *source) Float64() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64()
}

func (s *source) UUID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rnd.Uint32())
	}
	return runner.UUID(b)
}

func (s *source) TaskToken() string { return "test-" + s.UUID() }

// mapRun runs a Distributed Map's Map Run: each child execution in turn, on
// the virtual clock, with the case's mocks (each child counts its own
// invocations, as each is an execution of its own), within the run's
// tolerated failures. Its result is the children's outputs, as an execution's
// Map Run gives them without a ResultWriter resource.
func (d *driver) mapRun(ctx context.Context, t *interp.TaskDispatch) error {
	spec := t.MapRun
	if spec.Reader != nil {
		return fmt.Errorf("state %q: stepd test does not read a Distributed Map's ItemReader (%s): give the items in the state's input", t.State, spec.Reader.Resource)
	}
	if w := spec.Writer; w != nil && w.Resource != "" {
		return fmt.Errorf("state %q: stepd test does not write a Distributed Map's results to %s: leave the ResultWriter out of the tested machine", t.State, w.Resource)
	}
	sub, err := d.def.Sub(spec.Graph)
	if err != nil {
		return fmt.Errorf("state %q: %w", t.State, err)
	}
	var inputs []any
	if len(spec.Inputs) > 0 {
		v, err := jsonvalue.Parse(spec.Inputs)
		if err != nil {
			return fmt.Errorf("state %q: %w", t.State, err)
		}
		inputs, _ = v.([]any)
	}
	transformation := "COMPACT"
	if w := spec.Writer; w != nil && w.Transformation != "" {
		transformation = w.Transformation
	}
	machine := spec.MachineARN[strings.LastIndex(spec.MachineARN, ":")+1:]
	out := []any{}
	var failed int64
	for _, in := range inputs {
		name := d.src.UUID()
		kind := ":execution:"
		if spec.ExecutionType == "EXPRESS" {
			kind = ":express:"
		}
		c := &driver{c: d.c, opts: d.opts, cov: d.cov, def: sub, src: d.src, now: d.now,
			gone: map[int64]bool{}, running: map[int64]context.CancelFunc{}, done: make(chan interp.Event, 16), mocks: map[string]int{},
			child: &childRun{input: in, name: name, arn: strings.Replace(spec.MachineARN, ":stateMachine:", kind, 1) + ":" + name,
				machineARN: spec.MachineARN, machine: machine, role: d.x.Info.RoleArn}}
		if err := c.run(ctx); err != nil {
			return fmt.Errorf("state %q, child execution %s: %w", t.State, name, err)
		}
		d.entered = append(d.entered, c.entered...)
		if c.now.After(d.now) {
			d.now = c.now
		}
		r := runner.MapResult{ExecutionARN: c.x.Info.ID, Name: name, StateMachineARN: spec.MachineARN, Status: string(c.x.Status),
			Input: string(jsonvalue.Marshal(in)), Error: c.x.Error, Cause: c.x.Cause}
		if c.x.Status == interp.StatusSucceeded {
			r.Output = string(jsonvalue.Marshal(c.x.Output))
		} else {
			failed++
		}
		v, err := r.Transform(transformation)
		if err != nil {
			return fmt.Errorf("state %q: %w", t.State, err)
		}
		out = append(out, v...)
		if !runner.Tolerated(failed, int64(len(inputs)), spec.ToleratedFailureCount, spec.ToleratedFailurePercentage) {
			f := runner.ExceededTolerance()
			d.queue = append(d.queue, interp.Event{Kind: interp.EventTaskFailed, TaskID: t.TaskID, Error: f.Name, Cause: f.Cause})
			return nil
		}
	}
	d.queue = append(d.queue, interp.Event{Kind: interp.EventTaskSucceeded, TaskID: t.TaskID, Output: out})
	return nil
}
