package engine_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/store"
)

// The checker finds each invariant broken by hand in a store the engine
// wrote.
func TestCheckFindsABrokenStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	waits := e.machine(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
	passes := e.machine(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	noTimer := e.start(waits, "no-timer", `{}`)
	undecodable := e.start(waits, "undecodable", `{}`)
	ended := e.wait(e.start(passes, "ended", `{}`))
	gap := e.wait(e.start(passes, "gap", `{}`))
	e.engine.StopWithin(0)

	if found, err := engine.Check(ctx, e.store); err != nil || len(found) != 0 {
		t.Fatalf("before the damage: %v %v", err, found)
	}
	timers, err := e.store.TimerList(ctx, store.TimerRef{}, 10)
	if err != nil || len(timers) != 2 {
		t.Fatalf("%v %v", timers, err)
	}
	apply := func(c *store.Change) {
		t.Helper()
		if errs := e.store.Apply(ctx, []*store.Change{c}); errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	// A waiting execution whose timer is gone.
	apply(&store.Change{CancelTimers: []store.TimerRef{{ExecutionID: noTimer.ID, TimerID: timers[0].TimerID}}})
	// A state that does not decode.
	row, err := e.store.ExecutionGetByID(ctx, undecodable.ID)
	if err != nil {
		t.Fatal(err)
	}
	bad := *row
	bad.Version, bad.State = row.Version+1, []byte("{nope")
	apply(&store.Change{Execution: &bad, ExpectVersion: row.Version})
	// A timer and an open task of an execution that ended.
	apply(&store.Change{AddTimers: []store.Timer{{ExecutionID: ended.ID, TimerID: 99, Due: time.Now()}},
		AddTasks: []*store.Task{{Token: "orphan", ExecutionID: ended.ID, TaskID: 5, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: []byte("{}")}}})
	// History that skips an event.
	row, err = e.store.ExecutionGetByID(ctx, gap.ID)
	if err != nil {
		t.Fatal(err)
	}
	more := *row
	more.Version, more.LastEventID = row.Version+1, row.LastEventID+2
	apply(&store.Change{Execution: &more, ExpectVersion: row.Version,
		Events: []store.Event{{ID: row.LastEventID + 2, JSON: []byte(`{"id":` + itoa(row.LastEventID+2) + `,"previousEventId":1}`)}}})

	found, err := engine.Check(ctx, e.store)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, v := range found {
		all = append(all, v.String())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		noTimer.ARN + ": path 1's timer",
		undecodable.ARN + ": its state does not decode",
		ended.ARN + ": timer 99 is armed for an execution that is SUCCEEDED",
		ended.ARN + ": a invoke task is pending for an execution that is SUCCEEDED",
		gap.ARN + ": history event " + itoa(row.LastEventID+2) + " where " + itoa(row.LastEventID+1) + " was due",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the check does not say %q; it says:\n%s", want, text)
		}
	}
	// The damage is the test's own: the env's check at its end is not for it.
	e.store.Close()
	e.engine = nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
