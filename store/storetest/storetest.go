// Package storetest is the one test suite every store driver passes, so that
// drivers cannot drift apart. A behaviour change to the store starts as a case
// here.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/store"
)

// Exercise runs the suite against stores made by open; each subtest gets a new,
// empty store.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"StateMachines", testStateMachines},
		{"Activities", testActivities},
		{"Tags", testTags},
		{"ExecutionCreateAndUpdate", testExecutionCreateAndUpdate},
		{"ExecutionList", testExecutionList},
		{"History", testHistory},
		{"Timers", testTimers},
		{"Tasks", testTasks},
		{"ActivityClaimIsExclusive", testActivityClaimIsExclusive},
		{"ActivityTasksScheduled", testActivityTasksScheduled},
		{"TimerClaimIsExclusive", testTimerClaimIsExclusive},
		{"TimerClaimLease", testTimerClaimLease},
		{"NodeLeasesAndAdoption", testNodeLeasesAndAdoption},
		{"AdoptionIsExclusive", testAdoptionIsExclusive},
		{"FailedChangeLeavesNothing", testFailedChangeLeavesNothing},
		{"ExecutionDelete", testExecutionDelete},
		{"ChildTasks", testChildTasks},
		{"NodeStartReleasesTimerClaims", testNodeStartReleasesTimerClaims},
		{"TimerList", testTimerList},
		{"MapRuns", testMapRuns},
		{"MapRunConfigure", testMapRunConfigure},
		{"Versions", testVersions},
		{"Aliases", testAliases},
		{"VersionPublishIsExclusive", testVersionPublishIsExclusive},
		{"ExecutionVersionAndAlias", testExecutionVersionAndAlias},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

var (
	ctx = context.Background()
	t0  = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func machine(name string) (*store.StateMachine, *store.Definition) {
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	return &store.StateMachine{ARN: arn, Name: name, Type: "STANDARD", Status: "ACTIVE", RoleARN: "arn:aws:iam::1:role/r",
			RevisionID: name + "-r1", CreatedAt: t0, UpdatedAt: t0},
		&store.Definition{RevisionID: name + "-r1", MachineARN: arn, Text: `{"StartAt":"A"}`, CreatedAt: t0}
}

func testStateMachines(t *testing.T, s store.Store) {
	for _, n := range []string{"b", "a", "c"} {
		sm, def := machine(n)
		must(t, s.StateMachineCreate(ctx, sm, def))
	}
	sm, def := machine("a")
	wantErr(t, s.StateMachineCreate(ctx, sm, def), store.ErrExists)
	got, err := s.StateMachineGet(ctx, sm.ARN)
	must(t, err)
	if got.Name != "a" || got.RevisionID != "a-r1" || !got.CreatedAt.Equal(t0) || got.Type != "STANDARD" {
		t.Errorf("got %+v", got)
	}
	_, err = s.StateMachineGet(ctx, sm.ARN+"x")
	wantErr(t, err, store.ErrNotFound)

	got.RevisionID, got.Description, got.UpdatedAt, got.Encryption = "a-r2", "new", t0.Add(time.Hour), `{"type":"AWS_OWNED_KEY"}`
	must(t, s.StateMachineUpdate(ctx, got, &store.Definition{RevisionID: "a-r2", MachineARN: sm.ARN, Text: `{"v":2}`,
		Logging: `{"level":"ALL"}`, Tracing: `{"enabled":true}`, CreatedAt: t0}))
	got2, err := s.StateMachineGet(ctx, sm.ARN)
	must(t, err)
	if got2.RevisionID != "a-r2" || got2.Description != "new" || !got2.UpdatedAt.Equal(t0.Add(time.Hour)) || got2.Encryption != `{"type":"AWS_OWNED_KEY"}` {
		t.Errorf("after update %+v", got2)
	}
	for rev, text := range map[string]string{"a-r1": `{"StartAt":"A"}`, "a-r2": `{"v":2}`} {
		d, err := s.DefinitionGet(ctx, rev)
		must(t, err)
		if d.Text != text {
			t.Errorf("revision %s: %q", rev, d.Text)
		}
	}
	// A revision keeps the configurations it was made with.
	if d, err := s.DefinitionGet(ctx, "a-r2"); err != nil || d.Logging != `{"level":"ALL"}` || d.Tracing != `{"enabled":true}` {
		t.Errorf("revision a-r2's configurations: %+v, %v", d, err)
	}
	if d, err := s.DefinitionGet(ctx, "a-r1"); err != nil || d.Logging != "" || d.Tracing != "" {
		t.Errorf("revision a-r1's configurations: %+v, %v", d, err)
	}

	page1, err := s.StateMachineList(ctx, "", 2)
	must(t, err)
	if len(page1) != 2 || page1[0].Name != "a" || page1[1].Name != "b" {
		t.Fatalf("page 1: %v", names(page1))
	}
	page2, err := s.StateMachineList(ctx, page1[1].ARN, 2)
	must(t, err)
	if len(page2) != 1 || page2[0].Name != "c" {
		t.Fatalf("page 2: %v", names(page2))
	}

	must(t, s.StateMachineDelete(ctx, sm.ARN))
	wantErr(t, s.StateMachineDelete(ctx, sm.ARN), store.ErrNotFound)
	_, err = s.StateMachineGet(ctx, sm.ARN)
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.DefinitionGet(ctx, "a-r1"); err != nil {
		t.Errorf("a deleted machine's definitions must stay for its executions: %v", err)
	}
	wantErr(t, s.StateMachineUpdate(ctx, got, nil), store.ErrNotFound)
}

func names(sms []*store.StateMachine) []string {
	var out []string
	for _, sm := range sms {
		out = append(out, sm.Name)
	}
	return out
}

func testActivities(t *testing.T, s store.Store) {
	arn := "arn:aws:states:us-east-1:1:activity:"
	for _, n := range []string{"y", "x"} {
		must(t, s.ActivityCreate(ctx, &store.Activity{ARN: arn + n, Name: n, CreatedAt: t0}))
	}
	wantErr(t, s.ActivityCreate(ctx, &store.Activity{ARN: arn + "x", Name: "x"}), store.ErrExists)
	a, err := s.ActivityGet(ctx, arn+"x")
	must(t, err)
	if a.Name != "x" || !a.CreatedAt.Equal(t0) {
		t.Errorf("got %+v", a)
	}
	list, err := s.ActivityList(ctx, "", 10)
	must(t, err)
	if len(list) != 2 || list[0].Name != "x" {
		t.Errorf("list %+v", list)
	}
	list, err = s.ActivityList(ctx, arn+"x", 10)
	must(t, err)
	if len(list) != 1 || list[0].Name != "y" {
		t.Errorf("list after x: %+v", list)
	}
	must(t, s.ActivityDelete(ctx, arn+"x"))
	wantErr(t, s.ActivityDelete(ctx, arn+"x"), store.ErrNotFound)
	_, err = s.ActivityGet(ctx, arn+"x")
	wantErr(t, err, store.ErrNotFound)
}

func testTags(t *testing.T, s store.Store) {
	sm, def := machine("tagged")
	must(t, s.StateMachineCreate(ctx, sm, def))
	must(t, s.TagsSet(ctx, sm.ARN, []store.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}))
	must(t, s.TagsSet(ctx, sm.ARN, []store.Tag{{Key: "b", Value: "3"}}))
	tags, err := s.TagsList(ctx, sm.ARN)
	must(t, err)
	if want := []store.Tag{{Key: "a", Value: "2"}, {Key: "b", Value: "3"}}; !slices.Equal(tags, want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
	must(t, s.TagsRemove(ctx, sm.ARN, []string{"a", "nope"}))
	tags, err = s.TagsList(ctx, sm.ARN)
	must(t, err)
	if len(tags) != 1 || tags[0].Key != "b" {
		t.Errorf("after remove %v", tags)
	}
	must(t, s.StateMachineDelete(ctx, sm.ARN))
	tags, err = s.TagsList(ctx, sm.ARN)
	must(t, err)
	if len(tags) != 0 {
		t.Errorf("a deleted machine keeps tags %v", tags)
	}
}

const machineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:m"

func newExec(name string, start time.Time) *store.Execution {
	return &store.Execution{
		ARN: "arn:aws:states:us-east-1:123456789012:execution:m:" + name, MachineARN: machineARN, Name: name,
		RevisionID: "r1", Status: "RUNNING", Input: `{"n":1}`, StartTime: start, State: []byte("state-1"), Version: 1, LastEventID: 2,
	}
}

func events(from, to int64) []store.Event {
	var out []store.Event
	for id := from; id <= to; id++ {
		out = append(out, store.Event{ID: id, JSON: fmt.Appendf(nil, `{"id":%d}`, id)})
	}
	return out
}

// create commits a new execution with its first events and returns it.
func create(t *testing.T, s store.Store, x *store.Execution) *store.Execution {
	t.Helper()
	errs := s.Apply(ctx, []*store.Change{{Execution: x, Events: events(1, x.LastEventID)}})
	must(t, errs[0])
	if x.ID == 0 {
		t.Fatal("Apply did not assign the new execution's ID")
	}
	return x
}

func testExecutionCreateAndUpdate(t *testing.T, s store.Store) {
	x := create(t, s, newExec("one", t0))
	dup := newExec("one", t0)
	dup.ARN += "-other"
	wantErr(t, s.Apply(ctx, []*store.Change{{Execution: dup}})[0], store.ErrExists)

	got, err := s.ExecutionGet(ctx, x.ARN)
	must(t, err)
	if got.ID != x.ID || got.Status != "RUNNING" || string(got.State) != "state-1" || got.Version != 1 || got.HasOutput || !got.StartTime.Equal(t0) {
		t.Errorf("got %+v", got)
	}
	byName, err := s.ExecutionFind(ctx, machineARN, "one")
	must(t, err)
	if byName.ID != x.ID {
		t.Errorf("ExecutionFind gave %d", byName.ID)
	}
	_, err = s.ExecutionFind(ctx, machineARN, "two")
	wantErr(t, err, store.ErrNotFound)

	// A step: version 1 → 2.
	step := *got
	step.Version, step.State, step.LastEventID = 2, []byte("state-2"), 4
	must(t, s.Apply(ctx, []*store.Change{{Execution: &step, ExpectVersion: 1, Events: events(3, 4)}})[0])
	// A stale writer that also read version 1 loses.
	stale := *got
	stale.Version, stale.State = 2, []byte("stale")
	wantErr(t, s.Apply(ctx, []*store.Change{{Execution: &stale, ExpectVersion: 1, Events: events(3, 3)}})[0], store.ErrConflict)

	// The end: output, no state.
	end := step
	end.Version, end.State, end.Status, end.Output, end.HasOutput, end.StopTime, end.LastEventID = 3, nil, "SUCCEEDED", `{"done":true}`, true, t0.Add(time.Minute), 5
	must(t, s.Apply(ctx, []*store.Change{{Execution: &end, ExpectVersion: 2, Events: events(5, 5)}})[0])
	got, err = s.ExecutionGetByID(ctx, x.ID)
	must(t, err)
	if got.Status != "SUCCEEDED" || got.Output != `{"done":true}` || !got.HasOutput || len(got.State) != 0 || !got.StopTime.Equal(t0.Add(time.Minute)) || got.LastEventID != 5 {
		t.Errorf("after the end %+v", got)
	}
	h, err := s.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, Limit: 100})
	must(t, err)
	if len(h) != 5 || h[2].ID != 3 || string(h[2].JSON) != `{"id":3}` {
		t.Errorf("history %v", h)
	}
}

func testExecutionList(t *testing.T, s store.Store) {
	for i := range 5 {
		x := newExec(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i%3)*time.Second))
		if i == 4 {
			x.Status = "FAILED"
		}
		create(t, s, x)
	}
	other := newExec("elsewhere", t0)
	other.MachineARN, other.ARN = machineARN+"2", other.ARN+"2"
	create(t, s, other)

	all, err := s.ExecutionList(ctx, store.ExecutionQuery{MachineARN: machineARN})
	must(t, err)
	var got []string
	for _, x := range all {
		got = append(got, x.Name)
		if len(x.State) != 0 {
			t.Errorf("ExecutionList returns state")
		}
	}
	// Newest first; equal start times: the later created first.
	if want := []string{"e2", "e4", "e1", "e3", "e0"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	page, err := s.ExecutionList(ctx, store.ExecutionQuery{MachineARN: machineARN, Limit: 2})
	must(t, err)
	last := page[len(page)-1]
	rest, err := s.ExecutionList(ctx, store.ExecutionQuery{MachineARN: machineARN, After: &store.ExecutionCursor{StartTime: last.StartTime, ID: last.ID}})
	must(t, err)
	if len(page) != 2 || len(rest) != 3 || rest[0].Name != "e1" {
		t.Errorf("pages %d + %d, rest starts at %s", len(page), len(rest), rest[0].Name)
	}
	failed, err := s.ExecutionList(ctx, store.ExecutionQuery{MachineARN: machineARN, Status: "FAILED"})
	must(t, err)
	if len(failed) != 1 || failed[0].Name != "e4" {
		t.Errorf("FAILED: %d", len(failed))
	}
	everywhere, err := s.ExecutionList(ctx, store.ExecutionQuery{})
	must(t, err)
	if len(everywhere) != 6 {
		t.Errorf("all machines: %d", len(everywhere))
	}
	// One account's machines: a prefix of their ARNs.
	foreign := newExec("foreign", t0.Add(time.Hour))
	foreign.MachineARN = "arn:aws:states:us-east-1:999999999999:stateMachine:m"
	foreign.ARN = "arn:aws:states:us-east-1:999999999999:execution:m:foreign"
	create(t, s, foreign)
	mine, err := s.ExecutionList(ctx, store.ExecutionQuery{MachinePrefix: "arn:aws:states:us-east-1:123456789012:stateMachine:", Limit: 10})
	must(t, err)
	if len(mine) != 6 || mine[0].Name == "foreign" {
		t.Errorf("the account's executions: %d", len(mine))
	}
	theirs, err := s.ExecutionList(ctx, store.ExecutionQuery{MachinePrefix: "arn:aws:states:us-east-1:999999999999:stateMachine:", Status: "RUNNING"})
	must(t, err)
	if len(theirs) != 1 || theirs[0].Name != "foreign" {
		t.Errorf("the other account's executions: %d", len(theirs))
	}
	running, err := s.ExecutionRunning(ctx, 0, 100)
	must(t, err)
	if len(running) != 6 {
		t.Errorf("running: %v", running)
	}
	running2, err := s.ExecutionRunning(ctx, running[1], 2)
	must(t, err)
	if len(running2) != 2 || running2[0] != running[2] {
		t.Errorf("running after %d: %v", running[1], running2)
	}
	if n, err := s.ExecutionRunningCount(ctx); err != nil || n != 6 {
		t.Errorf("running count: %d, %v", n, err)
	}
}

func testHistory(t *testing.T, s store.Store) {
	x := newExec("h", t0)
	x.LastEventID = 3
	x = create(t, s, x)
	version := x.Version
	for _, span := range [][2]int64{{4, 4}, {5, 9}, {10, 12}} {
		next := *x
		next.Version, next.LastEventID = version+1, span[1]
		must(t, s.Apply(ctx, []*store.Change{{Execution: &next, ExpectVersion: version, Events: events(span[0], span[1])}})[0])
		version++
	}
	ids := func(evs []store.Event) []int64 {
		var out []int64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		from    int64
		limit   int
		reverse bool
		want    []int64
	}{
		{0, 100, false, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{0, 5, false, []int64{1, 2, 3, 4, 5}},
		{5, 3, false, []int64{6, 7, 8}},
		{11, 10, false, []int64{12}},
		{12, 10, false, nil},
		{0, 4, true, []int64{12, 11, 10, 9}},
		{9, 3, true, []int64{8, 7, 6}},
		{2, 10, true, []int64{1}},
	}
	for _, tt := range tests {
		got, err := s.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, After: tt.from, Limit: tt.limit, Reverse: tt.reverse})
		must(t, err)
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("HistoryList(from %d, limit %d, reverse %v) = %v, want %v", tt.from, tt.limit, tt.reverse, ids(got), tt.want)
		}
	}
}

func testTimers(t *testing.T, s store.Store) {
	x := newExec("t", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTimers: []store.Timer{{TimerID: 7, Due: t0.Add(10 * time.Second)}, {TimerID: 8, Due: t0.Add(5 * time.Second)}}}})[0])
	next, ok, err := s.TimerNext(ctx)
	must(t, err)
	if !ok || !next.Equal(t0.Add(5*time.Second)) {
		t.Errorf("TimerNext %v %v", next, ok)
	}
	due, err := s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(7 * time.Second), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(due) != 1 || due[0].TimerID != 8 || due[0].ExecutionID != x.ID || !due[0].Due.Equal(t0.Add(5*time.Second)) {
		t.Errorf("due at +7s: %+v", due)
	}
	// Timer 8 is claimed until +67s; timer 7 is due at +10s.
	next, ok, err = s.TimerNext(ctx)
	must(t, err)
	if !ok || !next.Equal(t0.Add(10*time.Second)) {
		t.Errorf("TimerNext after a claim %v %v", next, ok)
	}
	due, err = s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(time.Minute), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(due) != 1 || due[0].TimerID != 7 || !due[0].Due.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("due at +1m: %+v", due)
	}
	must(t, s.Apply(ctx, []*store.Change{{CancelTimers: []store.TimerRef{{ExecutionID: x.ID, TimerID: 8}}}})[0])
	due, err = s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(time.Hour), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(due) != 1 || due[0].TimerID != 7 {
		t.Errorf("after cancel and the lease: %+v", due)
	}
	must(t, s.Apply(ctx, []*store.Change{{CancelTimers: []store.TimerRef{{ExecutionID: x.ID, TimerID: 7}}}})[0])
	if _, ok, err := s.TimerNext(ctx); err != nil || ok {
		t.Errorf("TimerNext with no timers: %v %v", ok, err)
	}
}

func testTasks(t *testing.T, s store.Store) {
	x := newExec("k", t0)
	tasks := []*store.Task{
		{Token: "tok-a", TaskID: 1, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: []byte(`{"a":1}`), Owner: "node-1", Created: t0},
		{Token: "tok-b", TaskID: 2, Kind: store.TaskActivity, ActivityARN: "act", Status: store.TaskScheduled, Dispatch: []byte(`{}`), Created: t0.Add(time.Second)},
		{Token: "tok-c", TaskID: 3, Kind: store.TaskActivity, ActivityARN: "act", Status: store.TaskScheduled, Dispatch: []byte(`{}`), Created: t0},
	}
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTasks: tasks}})[0])
	got, err := s.TaskGet(ctx, "tok-a")
	must(t, err)
	if got.ExecutionID != x.ID || got.Kind != store.TaskInvoke || string(got.Dispatch) != `{"a":1}` || !got.Created.Equal(t0) || got.Owner != "node-1" {
		t.Errorf("got %+v", got)
	}
	_, err = s.TaskGet(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.Apply(ctx, []*store.Change{{AddTasks: []*store.Task{{Token: "tok-a", ExecutionID: x.ID, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: []byte("{}")}}}})[0], store.ErrExists)

	open, err := s.TasksOpen(ctx, store.TaskInvoke, []store.TaskStatus{store.TaskPending}, "", 10)
	must(t, err)
	if len(open) != 1 || open[0].Token != "tok-a" {
		t.Errorf("open invokes %+v", open)
	}
	// A worker's claim: a guarded move from scheduled to started, once.
	claim := store.TaskStart("tok-c", "w1")
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{claim}}})[0])
	wantErr(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{store.TaskStart("tok-c", "w2")}}})[0], store.ErrConflict)
	claimed, err := s.TaskGet(ctx, "tok-c")
	must(t, err)
	if claimed.Status != store.TaskStarted || claimed.Worker != "w1" {
		t.Errorf("claimed %+v", claimed)
	}
	// Guarded updates.
	closeA := store.TaskUpdate{Token: "tok-a", From: []store.TaskStatus{store.TaskPending}, To: store.TaskClosed, ClosedReason: "succeeded"}
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{closeA}}})[0])
	wantErr(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{closeA}}})[0], store.ErrConflict)
	wantErr(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{{Token: "nope", From: []store.TaskStatus{store.TaskPending}, To: store.TaskClosed}}}})[0], store.ErrConflict)
	optional := closeA
	optional.Optional, optional.ClosedReason = true, "again"
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{optional}}})[0])
	got, err = s.TaskGet(ctx, "tok-a")
	must(t, err)
	if got.Status != store.TaskClosed || got.ClosedReason != "succeeded" {
		t.Errorf("closed task %+v", got)
	}
	started, err := s.TasksOpen(ctx, store.TaskActivity, []store.TaskStatus{store.TaskStarted, store.TaskScheduled}, "", 10)
	must(t, err)
	if len(started) != 2 || started[0].Token != "tok-b" {
		t.Errorf("open activity tasks %+v", started)
	}
	// Closed tasks are found when asked for, though open ones are what the
	// scans look for (SQLite indexes only those).
	if closed, err := s.TasksOpen(ctx, store.TaskInvoke, []store.TaskStatus{store.TaskClosed}, "", 10); err != nil || len(closed) != 1 || closed[0].Token != "tok-a" {
		t.Errorf("closed invoke tasks %+v %v", closed, err)
	}
	if open, err := s.TasksOpen(ctx, store.TaskInvoke, store.OpenStatuses, "", 10); err != nil || len(open) != 0 {
		t.Errorf("open invoke tasks after the close %+v %v", open, err)
	}
}

// testActivityTasksScheduled: an activity's scheduled tasks are listed
// those of the earliest execution first, then oldest first; a claim is a
// guarded update in a Change, which exactly one of concurrent claimers wins.
func testActivityTasksScheduled(t *testing.T, s store.Store) {
	older, newer := newExec("older", t0), newExec("newer", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: older}})[0])
	must(t, s.Apply(ctx, []*store.Change{{Execution: newer}})[0])
	task := func(token string, x *store.Execution, created time.Duration, arn string, status store.TaskStatus) *store.Task {
		return &store.Task{Token: token, ExecutionID: x.ID, TaskID: 1, Kind: store.TaskActivity, ActivityARN: arn,
			Status: status, Dispatch: []byte("{}"), Created: t0.Add(created)}
	}
	must(t, s.Apply(ctx, []*store.Change{{AddTasks: []*store.Task{
		task("n1", newer, 0, "act", store.TaskScheduled),
		task("o2", older, 2*time.Second, "act", store.TaskScheduled),
		task("o1", older, time.Second, "act", store.TaskScheduled),
		task("o0", older, 0, "act", store.TaskStarted),
		task("x1", older, 0, "other", store.TaskScheduled),
	}}})[0])
	got, err := s.ActivityTasksScheduled(ctx, "act", 10)
	must(t, err)
	if strings.Join(got, ",") != "o1,o2,n1" {
		t.Errorf("scheduled %v, want o1,o2,n1", got)
	}
	if list, err := s.ActivityTasksScheduled(ctx, "act", 1); err != nil || len(list) != 1 || list[0] != "o1" {
		t.Errorf("limit 1: %v %v", list, err)
	}
	claimOnce(t, 3, 8, func(w int) ([]string, error) {
		for {
			list, err := s.ActivityTasksScheduled(ctx, "act", 10)
			if err != nil || len(list) == 0 {
				return nil, err
			}
			claim := store.TaskUpdate{Token: list[w%len(list)], From: []store.TaskStatus{store.TaskScheduled}, To: store.TaskStarted, Worker: fmt.Sprint("w", w)}
			err = s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{claim}}})[0]
			if errors.Is(err, store.ErrConflict) {
				continue // another claimer won it: look again
			}
			if err != nil {
				return nil, err
			}
			got, err := s.TaskGet(ctx, claim.Token)
			if err == nil && (got.Status != store.TaskStarted || got.Worker != claim.Worker) {
				err = fmt.Errorf("claimed %+v", got)
			}
			return []string{claim.Token}, err
		}
	})
}

func testActivityClaimIsExclusive(t *testing.T, s store.Store) {
	x := newExec("c", t0)
	const n = 40
	var tasks []*store.Task
	for i := range n {
		tasks = append(tasks, &store.Task{Token: fmt.Sprintf("t%03d", i), TaskID: int64(i + 1), Kind: store.TaskActivity, ActivityARN: "act",
			Status: store.TaskScheduled, Dispatch: []byte("{}"), Created: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTasks: tasks}})[0])
	// As the engine claims: the queue's head, moved by a guarded update that
	// one claimer wins; the losers look again.
	claimOnce(t, n, 8, func(w int) ([]string, error) {
		for {
			list, err := s.ActivityTasksScheduled(ctx, "act", 1)
			if err != nil || len(list) == 0 {
				return nil, err
			}
			err = s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{store.TaskStart(list[0], fmt.Sprint("w", w))}}})[0]
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return []string{list[0]}, err
		}
	})
}

// claimOnce runs workers concurrent claimers, each calling claim until it
// claims nothing (or fails), and checks that every one of the n items was
// claimed, and by one claimer only.
func claimOnce[K comparable](t *testing.T, n, workers int, claim func(worker int) ([]K, error)) {
	t.Helper()
	var mu sync.Mutex
	seen := map[K]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				got, err := claim(w)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, k := range got {
					seen[k]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d claimed", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("%v claimed %d times", k, c)
		}
	}
}

func testFailedChangeLeavesNothing(t *testing.T, s store.Store) {
	x := create(t, s, newExec("f", t0))
	stale := *x
	stale.Version = 5
	before, after := newExec("g0", t0), newExec("g", t0)
	errs := s.Apply(ctx, []*store.Change{
		{Execution: before, Events: events(1, 2)},
		{Execution: &stale, ExpectVersion: 4, Events: events(3, 3), AddTimers: []store.Timer{{ExecutionID: x.ID, TimerID: 1, Due: t0}},
			AddTasks: []*store.Task{{Token: "leak", ExecutionID: x.ID, TaskID: 1, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: []byte("{}")}}},
		{Execution: after, Events: events(1, 2)},
	})
	must(t, errs[0])
	wantErr(t, errs[1], store.ErrConflict)
	must(t, errs[2])
	h, err := s.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, Limit: 100})
	must(t, err)
	if len(h) != 2 {
		t.Errorf("the failed change wrote history: %d events", len(h))
	}
	due, err := s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(time.Hour), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(due) != 0 {
		t.Errorf("the failed change armed a timer")
	}
	if _, err := s.TaskGet(ctx, "leak"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed change created a task: %v", err)
	}
	// The good changes on either side of it hold, under the IDs Apply gave.
	for _, good := range []*store.Execution{before, after} {
		got, err := s.ExecutionGet(ctx, good.ARN)
		if err != nil {
			t.Errorf("a good change of the batch was lost: %v", err)
			continue
		}
		if got.ID != good.ID {
			t.Errorf("%s was stored with ID %d; Apply gave it %d", good.Name, got.ID, good.ID)
		}
		h, err := s.HistoryList(ctx, store.HistoryQuery{ExecutionID: good.ID, Limit: 100})
		must(t, err)
		if len(h) != 2 {
			t.Errorf("%s has %d events, want 2", good.Name, len(h))
		}
	}
}

func testExecutionDelete(t *testing.T, s store.Store) {
	x := newExec("d", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, Events: events(1, 2),
		AddTimers: []store.Timer{{TimerID: 1, Due: t0}},
		AddTasks:  []*store.Task{{Token: "d-tok", TaskID: 1, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: []byte("{}")}}}})[0])
	must(t, s.ExecutionDelete(ctx, x.ID))
	wantErr(t, s.ExecutionDelete(ctx, x.ID), store.ErrNotFound)
	if _, err := s.ExecutionGet(ctx, x.ARN); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the execution is still there: %v", err)
	}
	h, err := s.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, Limit: 10})
	must(t, err)
	if len(h) != 0 {
		t.Errorf("its history is still there")
	}
	due, err := s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(time.Hour), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(due) != 0 {
		t.Errorf("its timers are still there")
	}
	if _, err := s.TaskGet(ctx, "d-tok"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("its tasks are still there")
	}
	// The name is free again.
	must(t, s.Apply(ctx, []*store.Change{{Execution: newExec("d", t0)}})[0])
}

func testTimerClaimIsExclusive(t *testing.T, s store.Store) {
	x := newExec("tc", t0)
	const n = 60
	var timers []store.Timer
	for i := range n {
		timers = append(timers, store.Timer{TimerID: int64(i + 1), Due: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTimers: timers}})[0])
	now := t0.Add(time.Second)
	claimOnce(t, n, 6, func(int) ([]int64, error) {
		due, err := s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: now, Lease: time.Minute, Limit: 7})
		var ids []int64
		for _, d := range due {
			ids = append(ids, d.TimerID)
		}
		return ids, err
	})
}

func testTimerClaimLease(t *testing.T, s store.Store) {
	x := newExec("tl", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTimers: []store.Timer{{TimerID: 1, Due: t0}}}})[0])
	claim := func(at time.Duration) []store.Timer {
		t.Helper()
		due, err := s.TimersClaim(ctx, store.TimerClaim{Node: "node", Now: t0.Add(at), Lease: 10 * time.Second, Limit: 10})
		must(t, err)
		return due
	}
	if got := claim(time.Second); len(got) != 1 {
		t.Fatalf("first claim %+v", got)
	}
	if got := claim(5 * time.Second); len(got) != 0 {
		t.Errorf("claimed again while the lease lives: %+v", got)
	}
	next, ok, err := s.TimerNext(ctx)
	must(t, err)
	if !ok || !next.Equal(t0.Add(11*time.Second)) {
		t.Errorf("TimerNext during the lease: %v %v", next, ok)
	}
	got := claim(12 * time.Second)
	if len(got) != 1 || !got[0].Due.Equal(t0) {
		t.Fatalf("after the lease ended: %+v", got)
	}
	// Arming the timer again frees it at its new due time.
	must(t, s.Apply(ctx, []*store.Change{{AddTimers: []store.Timer{{ExecutionID: x.ID, TimerID: 1, Due: t0.Add(13 * time.Second)}}}})[0])
	if got := claim(14 * time.Second); len(got) != 1 || !got[0].Due.Equal(t0.Add(13*time.Second)) {
		t.Errorf("a re-armed timer: %+v", got)
	}
}

func pendingTask(token, owner string, kind store.TaskKind) *store.Task {
	st := store.TaskPending
	if kind == store.TaskActivity {
		st = store.TaskScheduled
	}
	return &store.Task{Token: token, TaskID: 1, Kind: kind, ActivityARN: "", Status: st, Owner: owner, Dispatch: []byte("{}"), Created: t0}
}

func adopt(t *testing.T, s store.Store, node string, at time.Time) []string {
	t.Helper()
	tasks, err := s.TasksAdopt(ctx, node, at, 100)
	must(t, err)
	var out []string
	for _, task := range tasks {
		if task.Owner != node {
			t.Errorf("adopted task %s has owner %q", task.Token, task.Owner)
		}
		out = append(out, task.Token)
	}
	slices.Sort(out)
	return out
}

func testNodeLeasesAndAdoption(t *testing.T, s store.Store) {
	must(t, s.NodeStart(ctx, "a", t0.Add(10*time.Second)))
	must(t, s.NodeStart(ctx, "b", t0.Add(20*time.Second)))
	x := newExec("n", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTasks: []*store.Task{
		pendingTask("a1", "a", store.TaskInvoke), pendingTask("a2", "a", store.TaskCallback),
		pendingTask("b1", "b", store.TaskInvoke), pendingTask("u1", "", store.TaskInvoke),
		pendingTask("z1", "gone", store.TaskInvoke), pendingTask("act", "", store.TaskActivity),
		pendingTask("a3", "a", store.TaskChild),
	}}})[0])
	must(t, s.NodeStart(ctx, "c", t0.Add(time.Hour)))
	// Tasks without a live owner: none, or a node never seen.
	if got := adopt(t, s, "c", t0); !slices.Equal(got, []string{"u1", "z1"}) {
		t.Errorf("adopted at t0: %v", got)
	}
	if got := adopt(t, s, "c", t0); len(got) != 0 {
		t.Errorf("adopted twice: %v", got)
	}
	// a's lease ends at +10s; b renews.
	must(t, s.NodeLease(ctx, "b", t0.Add(time.Minute)))
	if got := adopt(t, s, "c", t0.Add(11*time.Second)); !slices.Equal(got, []string{"a1", "a2", "a3"}) {
		t.Errorf("adopted after a's lease: %v", got)
	}
	// A closed task is never adopted.
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{{Token: "b1", From: []store.TaskStatus{store.TaskPending}, To: store.TaskClosed}}}})[0])
	must(t, s.NodeLease(ctx, "b", t0))
	if got := adopt(t, s, "d", t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("adopted a closed task: %v", got)
	}
	// A node that starts again releases what its last run left pending.
	must(t, s.NodeStart(ctx, "c", t0.Add(time.Hour)))
	if got := adopt(t, s, "c", t0.Add(time.Minute)); !slices.Equal(got, []string{"a1", "a2", "a3", "u1", "z1"}) {
		t.Errorf("adopted after c restarted: %v", got)
	}
	task, err := s.TaskGet(ctx, "act")
	must(t, err)
	if task.Owner != "" || task.Status != store.TaskScheduled {
		t.Errorf("an activity task was adopted: %+v", task)
	}
}

func testAdoptionIsExclusive(t *testing.T, s store.Store) {
	x := newExec("ae", t0)
	const n = 50
	var tasks []*store.Task
	for i := range n {
		tasks = append(tasks, pendingTask(fmt.Sprintf("p%03d", i), "dead", store.TaskInvoke))
	}
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTasks: tasks}})[0])
	const nodes = 5
	for w := range nodes {
		must(t, s.NodeLease(ctx, fmt.Sprint("node", w), t0.Add(time.Hour)))
	}
	claimOnce(t, n, nodes, func(w int) ([]string, error) {
		got, err := s.TasksAdopt(ctx, fmt.Sprint("node", w), t0, 3)
		var tokens []string
		for _, task := range got {
			tokens = append(tokens, task.Token)
		}
		return tokens, err
	})
}

// testChildTasks: a child execution records its parent's token and how the
// parent waits; the parent's task records the child it started, and moves
// pending → waiting → done → closed under guards.
func testChildTasks(t *testing.T, s store.Store) {
	parent := newExec("parent", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: parent, AddTasks: []*store.Task{pendingTask("ptok", "a", store.TaskChild)}}})[0])
	child := newExec("child", t0)
	child.Parent, child.ParentWaits = "ptok", ".sync:2"
	childARN := child.ARN
	must(t, s.Apply(ctx, []*store.Change{{Execution: child,
		TaskUpdates: []store.TaskUpdate{{Token: "ptok", From: []store.TaskStatus{store.TaskPending}, To: store.TaskWaiting, Child: childARN}}}})[0])
	got, err := s.ExecutionGet(ctx, childARN)
	must(t, err)
	if got.Parent != "ptok" || got.ParentWaits != ".sync:2" {
		t.Errorf("child %+v", got)
	}
	task, err := s.TaskGet(ctx, "ptok")
	must(t, err)
	if task.Status != store.TaskWaiting || task.Child != childARN {
		t.Errorf("parent's task %+v", task)
	}
	// A waiting child task is no node's to run: it is not adopted.
	if got := adopt(t, s, "b", t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("adopted a waiting child task: %v", got)
	}
	// The child's end, as an outbox: done, listed until the parent takes it.
	done := store.TaskMove("ptok", store.TaskDone, store.TaskWaiting)
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{done}}})[0])
	open, err := s.TasksOpen(ctx, store.TaskChild, []store.TaskStatus{store.TaskDone}, "", 10)
	must(t, err)
	if len(open) != 1 || open[0].Token != "ptok" || open[0].Child != childARN || open[0].ExecutionID != parent.ID {
		t.Errorf("done child tasks %+v", open)
	}
	must(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{store.TaskClose("ptok", store.ReasonSucceeded, store.TaskDone, store.TaskWaiting)}}})[0])
	task, err = s.TaskGet(ctx, "ptok")
	must(t, err)
	if task.Status != store.TaskClosed || task.ClosedReason != store.ReasonSucceeded || task.Child != childARN {
		t.Errorf("closed child task %+v", task)
	}
	wantErr(t, s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{done}}})[0], store.ErrConflict)
}

// testNodeStartReleasesTimerClaims: a node that starts again can claim at once
// the timers its previous run claimed, without waiting for their leases; other
// nodes' claims stay.
func testNodeStartReleasesTimerClaims(t *testing.T, s store.Store) {
	x := newExec("nt", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTimers: []store.Timer{{TimerID: 1, Due: t0}, {TimerID: 2, Due: t0}}}})[0])
	claim := func(node string, limit int) []store.Timer {
		t.Helper()
		due, err := s.TimersClaim(ctx, store.TimerClaim{Node: node, Now: t0.Add(time.Second), Lease: time.Hour, Limit: limit})
		must(t, err)
		return due
	}
	if got := claim("a", 1); len(got) != 1 || got[0].TimerID != 1 {
		t.Fatalf("a's claim %+v", got)
	}
	if got := claim("b", 1); len(got) != 1 || got[0].TimerID != 2 {
		t.Fatalf("b's claim %+v", got)
	}
	must(t, s.NodeStart(ctx, "a", t0.Add(time.Hour)))
	if got := claim("a", 10); len(got) != 1 || got[0].TimerID != 1 {
		t.Errorf("after a restarted, claimed %+v; want its own timer 1 alone", got)
	}
}

func testTimerList(t *testing.T, s store.Store) {
	x := newExec("tl1", t0)
	y := newExec("tl2", t0)
	must(t, s.Apply(ctx, []*store.Change{{Execution: x, AddTimers: []store.Timer{{TimerID: 5, Due: t0}, {TimerID: 2, Due: t0.Add(time.Second)}}}})[0])
	must(t, s.Apply(ctx, []*store.Change{{Execution: y, AddTimers: []store.Timer{{TimerID: 1, Due: t0}}}})[0])
	var got []store.TimerRef
	after := store.TimerRef{}
	for {
		page, err := s.TimerList(ctx, after, 2)
		must(t, err)
		for _, tm := range page {
			got = append(got, store.TimerRef{ExecutionID: tm.ExecutionID, TimerID: tm.TimerID})
		}
		if len(page) < 2 {
			break
		}
		after = got[len(got)-1]
	}
	want := []store.TimerRef{{ExecutionID: x.ID, TimerID: 2}, {ExecutionID: x.ID, TimerID: 5}, {ExecutionID: y.ID, TimerID: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("TimerList %v, want %v", got, want)
	}
}

// testMapRunConfigure: UpdateMapRun's change of a running Map Run sets only
// the fields given, and none once the run ended.
func testMapRunConfigure(t *testing.T, s store.Store) {
	parent := create(t, s, newExec("mrc-parent", t0))
	run := &store.MapRun{ARN: "arn:aws:states:us-east-1:123456789012:mapRun:m/configure:1", ExecutionID: parent.ID, ExecutionARN: parent.ARN,
		MachineARN: machineARN + "/configure", StateName: "Map", Token: "tok-c", Status: "RUNNING", MaxConcurrency: 2,
		ToleratedFailureCount: -1, ToleratedFailurePercentage: -1, ChildType: "STANDARD", Spec: []byte(`{}`), StartTime: t0}
	must(t, s.MapRunCreate(ctx, run))
	conc := 7
	must(t, s.MapRunConfigure(ctx, run.ARN, store.MapRunConfig{MaxConcurrency: &conc}))
	got, err := s.MapRunGet(ctx, run.ARN)
	must(t, err)
	if got.MaxConcurrency != 7 || got.ToleratedFailureCount != -1 || got.ToleratedFailurePercentage != -1 || got.Status != "RUNNING" {
		t.Errorf("after the concurrency: %+v", got)
	}
	count, pct := int64(3), 12.5
	must(t, s.MapRunConfigure(ctx, run.ARN, store.MapRunConfig{ToleratedFailureCount: &count, ToleratedFailurePercentage: &pct}))
	got, err = s.MapRunGet(ctx, run.ARN)
	must(t, err)
	if got.MaxConcurrency != 7 || got.ToleratedFailureCount != 3 || got.ToleratedFailurePercentage != 12.5 {
		t.Errorf("after the tolerance: %+v", got)
	}
	got.Status, got.StopTime = "SUCCEEDED", t0.Add(time.Minute)
	must(t, s.MapRunUpdate(ctx, got))
	wantErr(t, s.MapRunConfigure(ctx, run.ARN, store.MapRunConfig{MaxConcurrency: &conc}), store.ErrConflict)
	wantErr(t, s.MapRunConfigure(ctx, run.ARN+"x", store.MapRunConfig{MaxConcurrency: &conc}), store.ErrNotFound)
	if got, _ := s.MapRunGet(ctx, run.ARN); got.Status != "SUCCEEDED" {
		t.Errorf("an ended run changed: %+v", got)
	}
}

// testMapRuns: a Map Run, its items (added again harmlessly), their guarded
// transitions in a child's commit, counts, and the children it lists.
func testMapRuns(t *testing.T, s store.Store) {
	parent := create(t, s, newExec("mr-parent", t0))
	run := &store.MapRun{ARN: "arn:aws:states:us-east-1:123456789012:mapRun:m/label:1", ExecutionID: parent.ID, ExecutionARN: parent.ARN,
		MachineARN: machineARN + "/label", StateName: "Map", Token: "tok", Status: "RUNNING", MaxConcurrency: 2,
		ToleratedFailureCount: -1, ToleratedFailurePercentage: 12.5, ChildType: "STANDARD", Spec: []byte(`{"s":1}`), StartTime: t0}
	must(t, s.MapRunCreate(ctx, run))
	wantErr(t, s.MapRunCreate(ctx, run), store.ErrExists)
	got, err := s.MapRunGet(ctx, run.ARN)
	must(t, err)
	if got.ExecutionID != parent.ID || got.MachineARN != run.MachineARN || got.ToleratedFailurePercentage != 12.5 || got.ToleratedFailureCount != -1 ||
		string(got.Spec) != `{"s":1}` || !got.StartTime.Equal(t0) || got.Loaded {
		t.Errorf("got %+v", got)
	}
	items := []store.MapItem{{Index: 0, Input: `1`, Status: store.MapItemPending}, {Index: 1, Input: `2`, Status: store.MapItemPending},
		{Index: 2, Input: `{"Items":[3,4]}`, Items: 2, Status: store.MapItemPending}}
	must(t, s.MapItemsAdd(ctx, run.ARN, items[:2]))
	must(t, s.MapItemsAdd(ctx, run.ARN, items)) // again, after a crash
	got.Loaded, got.Total, got.MaxConcurrency, got.Status = true, 3, 5, "RUNNING"
	must(t, s.MapRunUpdate(ctx, got))

	// A child starts on item 1: its creation and the item's move are one commit.
	child := newExec("mr-child", t0.Add(time.Second))
	child.MachineARN, child.MapRun, child.MapItem = run.MachineARN, run.ARN, 1
	must(t, s.Apply(ctx, []*store.Change{{Execution: child, MapItemUpdates: []store.MapItemUpdate{
		{Run: run.ARN, Index: 1, From: []store.MapItemStatus{store.MapItemPending}, To: store.MapItemRunning, Child: child.ARN}}}})[0])
	// Starting it again conflicts, and leaves nothing.
	again := newExec("mr-child-2", t0)
	again.MapRun = run.ARN
	wantErr(t, s.Apply(ctx, []*store.Change{{Execution: again, MapItemUpdates: []store.MapItemUpdate{
		{Run: run.ARN, Index: 1, From: []store.MapItemStatus{store.MapItemPending}, To: store.MapItemRunning}}}})[0], store.ErrConflict)
	_, err = s.ExecutionGet(ctx, again.ARN)
	wantErr(t, err, store.ErrNotFound)
	// Its end records the result.
	must(t, s.Apply(ctx, []*store.Change{{MapItemUpdates: []store.MapItemUpdate{{Run: run.ARN, Index: 1,
		From: []store.MapItemStatus{store.MapItemRunning}, To: store.MapItemSucceeded, Result: true, Output: `{"ok":2}`, HasOutput: true}}}})[0])
	must(t, s.Apply(ctx, []*store.Change{{MapItemUpdates: []store.MapItemUpdate{{Run: run.ARN, Index: 2,
		From: []store.MapItemStatus{store.MapItemPending}, To: store.MapItemFailed, Result: true, Error: "E", Cause: "C"}}}})[0])

	list, err := s.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, After: -1})
	must(t, err)
	if len(list) != 3 || list[1].Status != store.MapItemSucceeded || list[1].Output != `{"ok":2}` || !list[1].HasOutput || list[1].Child != child.ARN ||
		list[2].Error != "E" || list[2].Cause != "C" || list[2].HasOutput || list[0].Input != `1` || list[0].Items != 1 || list[2].Items != 2 {
		t.Errorf("items %+v", list)
	}
	pending, err := s.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, Statuses: []store.MapItemStatus{store.MapItemPending, store.MapItemFailed}, After: 0, Limit: 5})
	must(t, err)
	if len(pending) != 1 || pending[0].Index != 2 {
		t.Errorf("pending or failed after 0: %+v", pending)
	}
	counts, err := s.MapItemCounts(ctx, run.ARN)
	must(t, err)
	if counts[store.MapItemPending] != (store.MapItemCount{Executions: 1, Items: 1}) || counts[store.MapItemSucceeded] != (store.MapItemCount{Executions: 1, Items: 1}) ||
		counts[store.MapItemFailed] != (store.MapItemCount{Executions: 1, Items: 2}) || counts[store.MapItemRunning] != (store.MapItemCount{}) {
		t.Errorf("counts %v", counts)
	}
	children, err := s.ExecutionList(ctx, store.ExecutionQuery{MapRun: run.ARN})
	must(t, err)
	if len(children) != 1 || children[0].ARN != child.ARN || children[0].MapItem != 1 {
		t.Errorf("children %+v", children)
	}

	// A redrive sets the failed item back to pending, the succeeded one not.
	got, err = s.MapRunGet(ctx, run.ARN)
	must(t, err)
	got.Status, got.StopTime, got.Error = "FAILED", t0.Add(time.Minute), "States.ExceedToleratedFailureThreshold"
	must(t, s.MapRunUpdate(ctx, got))
	wantErr(t, s.MapRunRedrive(ctx, run.ARN+"x", "tok2", t0), store.ErrNotFound)
	must(t, s.MapRunRedrive(ctx, run.ARN, "tok2", t0.Add(2*time.Minute)))
	got, err = s.MapRunGet(ctx, run.ARN)
	must(t, err)
	if got.Status != "RUNNING" || got.Token != "tok2" || got.RedriveCount != 1 || !got.RedriveTime.Equal(t0.Add(2*time.Minute)) ||
		!got.StopTime.IsZero() || got.Error != "" || !got.Loaded {
		t.Errorf("redriven run %+v", got)
	}
	list, err = s.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, After: -1})
	must(t, err)
	if list[1].Status != store.MapItemSucceeded || list[1].Output != `{"ok":2}` || list[2].Status != store.MapItemPending || list[2].Error != "" || list[2].HasOutput {
		t.Errorf("items after the redrive %+v", list)
	}
	runs, err := s.MapRunList(ctx, parent.ARN, "", 10)
	must(t, err)
	if len(runs) != 1 || runs[0].Total != 3 || !runs[0].Loaded || runs[0].MaxConcurrency != 5 {
		t.Errorf("runs %+v", runs)
	}
	wantErr(t, s.MapRunUpdate(ctx, &store.MapRun{ARN: "nope"}), store.ErrNotFound)
}
