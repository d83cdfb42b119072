package interp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// driveOn steps x until it ends or waits for nothing it can answer: tasks are
// answered by answer (ok false leaves the execution to end as it does), timers
// fire in their order.
func driveOn(t *testing.T, def string, x *interp.Execution, res *interp.Result, src interp.Source, answer func(d *interp.TaskDispatch) (any, bool)) (events []history.Event) {
	t.Helper()
	d := mustDefinition(t, def)
	var timers []interp.Timer
	var tasks []*interp.TaskDispatch
	collect := func() {
		events = append(events, res.Events...)
		for _, e := range res.Effects {
			switch e.Kind {
			case interp.EffectArmTimer:
				timers = append(timers, e.Timer)
			case interp.EffectInvokeTask:
				tasks = append(tasks, e.Task)
			}
		}
	}
	collect()
	now := epoch
	for x.Status == interp.StatusRunning {
		var ev interp.Event
		switch {
		case len(tasks) > 0:
			task := tasks[0]
			tasks = tasks[1:]
			if out, ok := answer(task); ok {
				ev = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: task.TaskID, Output: out}
			} else {
				ev = interp.Event{Kind: interp.EventTaskFailed, TaskID: task.TaskID, Error: "Broken", Cause: "it broke"}
			}
		case len(timers) > 0:
			slices.SortStableFunc(timers, func(a, b interp.Timer) int { return a.Due.Compare(b.Due) })
			tm := timers[0]
			timers = timers[1:]
			now = tm.Due
			ev = interp.Event{Kind: interp.EventTimerFired, TimerID: tm.ID}
		default:
			t.Fatalf("the execution waits for nothing: %+v", x)
		}
		res.Reset()
		if err := interp.Step(d, x, ev, now, src, res); err != nil {
			t.Fatal(err)
		}
		collect()
	}
	return events
}

func eventTypes(evs []history.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Type))
	}
	return strings.Join(out, ",")
}

// TestRedrive: a Parallel whose task branch failed while the other waited is
// redriven: the waiting branch enters its Wait again and the failed Task runs
// again, the state that succeeded before the Wait does not; the history goes
// on from the failure's last event with ExecutionRedriven.
func TestRedrive(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","Next":"W"},"W":{"Type":"Wait","Seconds":10,"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}}]}}}`
	d := mustDefinition(t, def)
	src := newSource()
	x := newExecution(jsonvalue.NewObject(0))
	var res interp.Result
	if err := interp.Step(d, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
		t.Fatal(err)
	}
	broken := true
	runs := 0
	answer := func(*interp.TaskDispatch) (any, bool) { runs++; return "b", !broken }
	first := driveOn(t, def, x, &res, src, answer)
	if x.Status != interp.StatusFailed || len(x.Redrive) == 0 {
		t.Fatalf("the first run: %s, snapshot of %d bytes", x.Status, len(x.Redrive))
	}
	snap, err := interp.UnmarshalExecution(x.Redrive)
	if err != nil {
		t.Fatal(err)
	}
	broken = false
	res.Reset()
	if err := interp.Redrive(d, snap, x.LastEventID, epoch.Add(time.Hour), src, &res); err != nil {
		t.Fatal(err)
	}
	if res.Events[0].Type != history.ExecutionRedriven || res.Events[0].ID != x.LastEventID+1 || res.Events[0].RedriveCount != 1 {
		t.Fatalf("first event of the redrive: %+v", res.Events[0])
	}
	second := driveOn(t, def, snap, &res, src, answer)
	if snap.Status != interp.StatusSucceeded || jsonvalue.String(snap.Output) != `["a","b"]` || runs != 2 {
		t.Fatalf("after the redrive: %s %s, the task ran %d times", snap.Status, jsonvalue.String(snap.Output), runs)
	}
	if got, want := eventTypes(second), "ExecutionRedriven,WaitStateEntered,TaskStateEntered,LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded,TaskStateExited,"+
		"WaitStateExited,ParallelStateSucceeded,ParallelStateExited,ExecutionSucceeded"; got != want {
		t.Fatalf("history of the redrive:\n%s\nwant\n%s\n(first run: %s)", got, want, eventTypes(first))
	}
	for i, e := range second {
		if e.ID != x.LastEventID+int64(i)+1 || e.PreviousEventID == 0 || e.PreviousEventID >= e.ID {
			t.Fatalf("event %d of the redrive: id %d previous %d", i, e.ID, e.PreviousEventID)
		}
	}
	if snap.Info.RedriveCount != 1 {
		t.Fatalf("$$.Execution.RedriveCount = %d", snap.Info.RedriveCount)
	}
}

// TestRedriveSnapshotDroppedWhenCaught: a failure that a Catch takes up
// leaves no snapshot behind, so a later failure's is the one kept.
func TestRedriveSnapshotDroppedWhenCaught(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Catch":[{"ErrorEquals":["States.ALL"],"Next":"U"}],"Next":"U"},
		"U":{"Type":"Task","Resource":"` + lambdaARN + `","Parameters":{"u":1},"End":true}}}`
	d := mustDefinition(t, def)
	src := newSource()
	x := newExecution(jsonvalue.NewObject(0))
	var res interp.Result
	if err := interp.Step(d, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
		t.Fatal(err)
	}
	driveOn(t, def, x, &res, src, func(*interp.TaskDispatch) (any, bool) { return nil, false })
	snap, err := interp.UnmarshalExecution(x.Redrive)
	if err != nil || x.Status != interp.StatusFailed {
		t.Fatalf("%s %v", x.Status, err)
	}
	if p := snap.Paths[interp.RootPathID]; p == nil || p.StateName != "U" {
		t.Fatalf("the snapshot is not at the state that failed the execution: %+v", snap.Paths)
	}
}
