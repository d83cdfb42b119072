package interp_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// seededSource is a deterministic interp.Source.
type seededSource struct {
	r *rand.Rand
	n int
}

func newSource() *seededSource { return &seededSource{r: rand.New(rand.NewPCG(1, 2))} }

func (s *seededSource) TaskToken() string { s.n++; return fmt.Sprintf("token-%d", s.n) }
func (s *seededSource) UUID() string {
	s.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.n)
}
func (s *seededSource) Float64() float64 { return s.r.Float64() }
func (s *seededSource) RandomInt(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + s.r.Int64N(hi-lo)
}

// taskFunc answers a dispatched task: an output, or a failure (error, cause).
// Returning pending=true leaves the task running (for timeouts and stops).
type taskFunc func(d *interp.TaskDispatch) (output any, errName, cause string, pending bool)

// run is a finished test execution.
type run struct {
	x        *interp.Execution
	events   []history.Event
	effects  []interp.Effect
	elapsed  time.Duration // virtual time from start to end
	maxTasks int           // most tasks in flight at once
}

func (r *run) types() []string {
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = string(e.Type)
	}
	return out
}

var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func mustDefinition(t testing.TB, def string) *asl.Definition {
	t.Helper()
	d, err := validate.Parse([]byte(def), validate.Options{})
	if err != nil {
		t.Fatalf("parse definition: %v", err)
	}
	return d
}

func newExecution(input any) *interp.Execution {
	return newExecutionLimits(input, interp.DefaultLimits)
}

func newExecutionLimits(input any, limits interp.Limits) *interp.Execution {
	info := asl.NewExecutionInfo(asl.ExecutionInfo{
		ID: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e",
		RoleArn: "arn:aws:iam::123456789012:role/r", StartTime: asl.FormatTime(epoch), Input: input,
		StateMachineID: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
	})
	return interp.NewExecution(info, limits, epoch)
}

// drive runs an execution to its end on a virtual clock: tasks are answered by
// fn as soon as they are dispatched (in dispatch order), and timers fire in due
// order, moving the clock.
func drive(t testing.TB, def *asl.Definition, input string, fn taskFunc) *run {
	t.Helper()
	return driveCodec(t, def, input, fn, false)
}

// driveCodec is drive; with reload, the execution is encoded and decoded
// between every two steps, as the engine stores it.
func driveCodec(t testing.TB, def *asl.Definition, input string, fn taskFunc, reload bool) *run {
	t.Helper()
	return driveLimits(t, def, input, fn, reload, interp.DefaultLimits)
}

// driveLimits is driveCodec for an execution with the given limits.
func driveLimits(t testing.TB, def *asl.Definition, input string, fn taskFunc, reload bool, limits interp.Limits) *run {
	t.Helper()
	x := newExecutionLimits(jsonvalue.MustParse(input), limits)
	src := newSource()
	now := epoch
	r := &run{x: x}
	type timer struct {
		id  int64
		due time.Time
	}
	var timers []timer
	var queue []interp.Event
	inflight := map[int64]bool{}
	var res interp.Result
	ev := interp.Event{Kind: interp.EventStart}
	for step := 0; ; step++ {
		if step > 100000 {
			t.Fatal("the execution does not end")
		}
		res.Reset()
		if err := interp.Step(def, x, ev, now, src, &res); err != nil {
			t.Fatalf("Step: %v", err)
		}
		r.events = append(r.events, res.Events...)
		r.effects = append(r.effects, res.Effects...)
		for _, e := range res.Effects {
			switch e.Kind {
			case interp.EffectInvokeTask:
				inflight[e.Task.TaskID] = true
				out, errName, cause, pending := fn(e.Task)
				if pending {
					continue
				}
				if errName != "" {
					queue = append(queue, interp.Event{Kind: interp.EventTaskFailed, TaskID: e.Task.TaskID, Error: errName, Cause: cause})
				} else {
					queue = append(queue, interp.Event{Kind: interp.EventTaskSucceeded, TaskID: e.Task.TaskID, Output: out})
				}
			case interp.EffectCancelTask:
				delete(inflight, e.Task.TaskID)
			case interp.EffectArmTimer:
				timers = append(timers, timer{e.Timer.ID, e.Timer.Due})
			case interp.EffectCancelTimer:
				timers = slices.DeleteFunc(timers, func(tm timer) bool { return tm.id == e.Timer.ID })
			}
		}
		r.maxTasks = max(r.maxTasks, len(inflight))
		if reload {
			data, err := x.MarshalBinary()
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if x, err = interp.UnmarshalExecution(data); err != nil {
				t.Fatalf("decode: %v", err)
			}
			r.x = x
		}
		if x.Status != interp.StatusRunning {
			r.elapsed = now.Sub(epoch)
			return r
		}
		switch {
		case len(queue) > 0:
			ev, queue = queue[0], queue[1:]
			if ev.TaskID != 0 {
				delete(inflight, ev.TaskID)
			}
		case len(timers) > 0:
			slices.SortStableFunc(timers, func(a, b timer) int { return a.due.Compare(b.due) })
			tm := timers[0]
			timers = timers[1:]
			if tm.due.After(now) {
				now = tm.due
			}
			ev = interp.Event{Kind: interp.EventTimerFired, TimerID: tm.id}
		default:
			t.Fatalf("the execution waits for nothing: %v", r.types())
		}
	}
}

// echo answers every task with its input.
func echo(d *interp.TaskDispatch) (any, string, string, bool) { return d.Input, "", "", false }
