package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/memory"
	"github.com/stepd/stepd/store/postgres"
	"github.com/stepd/stepd/store/postgres/pgtest"
	"github.com/stepd/stepd/store/sqlite"
)

// env is a service on a real durable store (SQLite, or PostgreSQL), with an
// EXPRESS engine in memory and a clock that makes every wait 1000 times
// shorter. Tasks echo their input.
type env struct {
	t     testing.TB
	open  func() store.Store // opens the durable store again
	clock engine.Clock
	store store.Store
	svc   *service.Service
	node  string
	// run answers tasks; nil echoes their input.
	run atomic.Pointer[runner.RunnerFunc]
}

var seq atomic.Int64

// drivers runs a test on SQLite, and on PostgreSQL when STEPD_TEST_POSTGRES
// names one (pgtest says why not otherwise).
func drivers(t *testing.T, test func(t *testing.T, e *env)) { runDrivers(t, true, test) }

// driversInTurn is drivers one after the other, for a test that measures
// the process (its goroutines): a driver's env starts before its test runs.
func driversInTurn(t *testing.T, test func(t *testing.T, e *env)) { runDrivers(t, false, test) }

func runDrivers(t *testing.T, parallel bool, test func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		path := filepath.Join(t.TempDir(), "stepd.db")
		test(t, newEnv(t, func() store.Store {
			st, err := sqlite.Open(path, sqlite.Options{Synchronous: "NORMAL"})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}))
	})
	t.Run("postgres", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		first := pgtest.Open(t)
		test(t, newEnv(t, func() store.Store { return reopen(t, first) }))
	})
}

// reopen opens another store on the schema of first, as another node (or the
// same one, restarted) would; the env closes it.
func reopen(t testing.TB, first *postgres.Store) store.Store {
	s, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{Schema: first.Schema(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv(t testing.TB, open func() store.Store) *env {
	return newEnvClock(t, open, engine.NewScaledClock(0.001))
}

// newEnvClock is newEnv with the engines' clock given.
func newEnvClock(t testing.TB, open func() store.Store, clock engine.Clock) *env {
	e := &env{t: t, open: open, clock: clock, node: fmt.Sprint("node-", seq.Add(1))}
	e.start()
	t.Cleanup(e.stop)
	return e
}

// start (re)starts the service, as a node does after a crash.
func (e *env) start() {
	e.t.Helper()
	e.store = e.open()
	e.svc = service.New(service.Options{Store: e.store, ExpressStore: memory.New(), Node: e.node, Shards: 8,
		Clock: e.clock, Runner: runner.RunnerFunc(func(ctx context.Context, t *runner.Task) runner.Outcome {
			if f := e.run.Load(); f != nil {
				return (*f)(ctx, t)
			}
			return runner.Succeeded(t.Input)
		})})
	if err := e.svc.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// stop stops the service at once, as a crash would leave it (nothing more is
// committed), and closes the store.
func (e *env) stop() {
	if e.svc != nil {
		e.svc.StopWithin(0)
		if found, err := engine.Check(context.Background(), e.store); err != nil || len(found) > 0 {
			e.t.Errorf("store invariants: %v %v", err, found)
		}
		e.store.Close()
		e.svc = nil
	}
}

func (e *env) machine(name, typ, def string) string {
	e.t.Helper()
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	now := time.Now()
	rev := name + "-1"
	err := e.store.StateMachineCreate(context.Background(), &store.StateMachine{ARN: arn, Name: name, Type: typ, Status: "ACTIVE",
		RoleARN: "arn:aws:iam::123456789012:role/r", RevisionID: rev, CreatedAt: now, UpdatedAt: now},
		&store.Definition{RevisionID: rev, MachineARN: arn, Text: def, CreatedAt: now})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

func (e *env) startExecution(machine, input string) *store.Execution {
	e.t.Helper()
	st, err := e.svc.StartExecution(context.Background(), service.StartRequest{MachineARN: machine, Input: input})
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Row
}

func (e *env) wait(row *store.Execution) *store.Execution {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	end, err := e.svc.Standard().WaitFinished(ctx, row.ID)
	if err != nil {
		e.t.Fatalf("%s: %v", row.ARN, err)
	}
	return end
}

func (e *env) historyTypes(row *store.Execution) string {
	e.t.Helper()
	events, err := e.store.HistoryList(context.Background(), store.HistoryQuery{ExecutionID: row.ID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var types []string
	for _, ev := range events {
		s := string(ev.JSON)
		i := strings.Index(s, `"type":"`)
		types = append(types, strings.SplitN(s[i+8:], `"`, 2)[0])
	}
	return strings.Join(types, " ")
}

func (e *env) children(machine string) []*store.Execution {
	e.t.Helper()
	rows, err := e.store.ExecutionList(context.Background(), store.ExecutionQuery{MachineARN: machine, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func syncParent(child, pattern, extra string) string {
	return `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution` + pattern + `",` + extra +
		`"Parameters":{"StateMachineArn":"` + child + `","Input.$":"$"},"End":true}}}`
}

// A .sync child that ends in its own first step: the parent's history has the
// start, then the end, and the child's description as the result.
func TestChildEndsInItsFirstStep(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		child := e.machine("child", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"got.$":"$"},"End":true}}}`)
		parent := e.machine("parent", "STANDARD", syncParent(child, ".sync:2", `"OutputPath":"$.Output",`))
		for i := range 5 {
			end := e.wait(e.startExecution(parent, fmt.Sprintf(`{"i":%d}`, i)))
			if end.Status != "SUCCEEDED" || end.Output != fmt.Sprintf(`{"got":{"i":%d}}`, i) {
				t.Fatalf("parent %s %s %s", end.Status, end.Output, end.Cause)
			}
			if got := e.historyTypes(end); !strings.Contains(got, "TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited") {
				t.Errorf("history %s", got)
			}
		}
	})
}

// Parents waiting for their children hold no goroutine each.
func TestWaitingParentsHoldNoGoroutines(t *testing.T) {
	// The count is the process's: the drivers take turns, so that one's
	// engine and parents starting do not count as the other's.
	driversInTurn(t, func(t *testing.T, e *env) {
		child := e.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
		parent := e.machine("parent", "STANDARD", syncParent(child, ".sync", ""))
		const n = 200
		e.startExecution(parent, `{}`)
		waitChildren(t, e, child, 1)
		before := runtime.NumGoroutine()
		for range n {
			e.startExecution(parent, `{}`)
		}
		waitChildren(t, e, child, n+1)
		// Until every parent has recorded its child's start: the goroutine
		// that started a child ends once that record commits.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			waiting, err := e.store.TasksOpen(context.Background(), store.TaskChild, []store.TaskStatus{store.TaskWaiting}, "", n+2)
			if err != nil {
				t.Fatal(err)
			}
			if len(waiting) == n+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d parents wait on their children", len(waiting), n+1)
			}
		}
		after := runtime.NumGoroutine()
		for deadline := time.Now().Add(5 * time.Second); after-before > 20 && time.Now().Before(deadline); after = runtime.NumGoroutine() {
			time.Sleep(10 * time.Millisecond) // the goroutines that started the children end after their commits
		}
		if after-before > 20 {
			t.Errorf("%d goroutines before %d more waiting parents, %d after", before, n, after)
		}
	})
}

func waitChildren(t *testing.T, e *env, machine string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		running := 0
		for _, c := range e.children(machine) {
			if c.Status == "RUNNING" && c.LastEventID >= 2 { // entered its Wait
				running++
			}
		}
		tasks, err := e.store.TasksOpen(context.Background(), store.TaskChild, []store.TaskStatus{store.TaskWaiting}, "", 10000)
		if err != nil {
			t.Fatal(err)
		}
		if running >= n && len(tasks) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d children waiting, %d tasks", running, n, len(tasks))
		}
		time.Sleep(10 * time.Millisecond) // polling another engine's progress through the store
	}
}

// A child's end committed, its delivery lost in a crash: the parent's task is
// done in the store (the outbox), and the node delivers it when it starts.
func TestChildEndDeliveredFromTheOutbox(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		child := e.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
		parent := e.machine("parent", "STANDARD", syncParent(child, ".sync", ""))
		p := e.startExecution(parent, `{"n":1}`)
		waitChildren(t, e, child, 1)
		e.stop()
		// What the child's last commit would write: its end, and the parent's
		// task done; the delivery after it never happened.
		e.store = e.open()
		ctx := context.Background()
		c := e.children(child)[0]
		c, err := e.store.ExecutionGetByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		end := *c
		end.Version, end.Status, end.State, end.Output, end.HasOutput, end.StopTime = c.Version+1, "SUCCEEDED", nil, `{"n":1}`, true, time.Now()
		timers, err := e.store.TimerList(ctx, store.TimerRef{ExecutionID: c.ID}, 1)
		if err != nil || len(timers) != 1 {
			t.Fatalf("the child's timers: %v %v", timers, err)
		}
		errs := e.store.Apply(ctx, []*store.Change{{Execution: &end, ExpectVersion: c.Version,
			CancelTimers: []store.TimerRef{{ExecutionID: c.ID, TimerID: timers[0].TimerID}},
			TaskUpdates:  []store.TaskUpdate{store.TaskMove(c.Parent, store.TaskDone, store.TaskWaiting)}}})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
		e.store.Close()
		e.start()
		got := e.wait(p)
		if got.Status != "SUCCEEDED" || !strings.Contains(got.Output, `"Status":"SUCCEEDED"`) {
			t.Fatalf("parent %s %s %s", got.Status, got.Output, got.Cause)
		}
		if types := e.historyTypes(got); strings.Count(types, "TaskSubmitted") != 1 || strings.Count(types, "TaskSucceeded") != 1 {
			t.Errorf("history %s", types)
		}
	})
}

// An EXPRESS child lives in memory: after a crash its STANDARD parent starts it
// again (at least once), and takes its end.
func TestExpressChildStartedAgainAfterACrash(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		child := e.machine("child", "EXPRESS", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`)
		parent := e.machine("parent", "STANDARD", syncParent(child, ".sync:2", `"OutputPath":"$.Output",`))
		ends := e.startExecution(parent, `{}`)
		e.stop() // the EXPRESS child, two seconds from its end, is lost
		e.start()
		got := e.wait(ends)
		if got.Status != "SUCCEEDED" || got.Output != `"done"` {
			t.Fatalf("parent %s %s %s", got.Status, got.Output, got.Cause)
		}
		fast := e.wait(e.startExecution(parent, `{}`))
		if fast.Status != "SUCCEEDED" || !strings.Contains(e.historyTypes(fast), "TaskSubmitted TaskSucceeded") {
			t.Errorf("parent %s %s", fast.Status, e.historyTypes(fast))
		}
	})
}

// A parent whose task times out stops its child.
func TestParentTimeoutStopsItsChild(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		child := e.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
		// 300 s is 0.3 s on the test's clock: long enough for the child to
		// have started on a loaded machine (5 ms was not, under CI load).
		parent := e.machine("parent", "STANDARD", syncParent(child, ".sync", `"TimeoutSeconds":300,`))
		got := e.wait(e.startExecution(parent, `{}`))
		if got.Status != "FAILED" || got.Error != "States.Timeout" {
			t.Fatalf("parent %s %s", got.Status, got.Error)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			c := e.children(child)
			if len(c) == 1 && c[0].Status == "ABORTED" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("children %+v", c)
			}
			time.Sleep(10 * time.Millisecond) // the stop runs after the parent's commit
		}
	})
}

// A second delivery of the same task (after a crash) finds the child the
// first started, running or ended; a task with another token finds the name
// taken.
func TestChildStartedTwiceIsTheSame(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, typ := range []string{"STANDARD", "EXPRESS"} {
			sm := e.machine("twice-"+strings.ToLower(typ), typ, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
			req := engine.ChildStart{ParentToken: "tok-1"}
			req.StateMachineARN, req.Name, req.Input = sm, "child", `{"n":1}`
			first, err := e.svc.StartChild(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if !first.Created || first.Row.Status != "SUCCEEDED" || first.Engine != engineOf(e, typ) {
				t.Fatalf("%s first: %+v", typ, first)
			}
			if typ == "EXPRESS" {
				continue // forgotten once it ended: asking again runs it again, at least once
			}
			again, err := e.svc.StartChild(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if again.Created || again.Row.ARN != first.Row.ARN || again.Watch {
				t.Fatalf("again: %+v, want %s", again, first.Row.ARN)
			}
			req.ParentToken = "tok-2"
			_, err = e.svc.StartChild(ctx, req)
			var se *engine.ServiceError
			if !errors.As(err, &se) || se.Code != "ExecutionAlreadyExists" {
				t.Fatalf("another task: %v", err)
			}
		}
	})
}

func engineOf(e *env, typ string) *engine.Engine {
	if typ == "EXPRESS" {
		return e.svc.Express()
	}
	return e.svc.Standard()
}

// A child is checked as StartExecution checks an execution.
func TestChildIsCheckedAsStartExecution(t *testing.T) {
	st := memory.New()
	e := newEnv(t, func() store.Store { return st })
	sm := e.machine("checked", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	for _, c := range []struct {
		arn, name, input, code string
	}{
		{sm + "-gone", "a", "{}", "StateMachineDoesNotExist"},
		{"not an arn", "a", "{}", "InvalidArn"},
		{sm, "a b", "{}", "InvalidName"},
		{sm, "a", "{", "InvalidExecutionInput"},
		{sm, "a", strings.Repeat(" ", 300000), "InvalidExecutionInput"},
	} {
		req := engine.ChildStart{ParentToken: "tok"}
		req.StateMachineARN, req.Name, req.Input = c.arn, c.name, c.input
		_, err := e.svc.StartChild(context.Background(), req)
		var se *engine.ServiceError
		if !errors.As(err, &se) || se.Code != c.code {
			t.Errorf("%q %q: %v, want %s", c.arn, c.name, err, c.code)
		}
	}
}

// Two nodes on one PostgreSQL database: a child's timer fires on either, and
// its end reaches its parent whichever node stepped it.
func TestChildrenAcrossNodes(t *testing.T) {
	first := pgtest.Open(t)
	open := func() store.Store { return reopen(t, first) }
	a, b := newEnv(t, open), newEnv(t, open)
	child := a.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}}`)
	parent := a.machine("parent", "STANDARD", syncParent(child, ".sync:2", `"OutputPath":"$.Output",`))
	var rows []*store.Execution
	for i := range 40 {
		on := a
		if i%2 == 1 {
			on = b
		}
		rows = append(rows, on.startExecution(parent, fmt.Sprintf(`{"i":%d}`, i)))
	}
	for i, row := range rows {
		got := a.wait(row)
		if got.Status != "SUCCEEDED" || got.Output != fmt.Sprintf(`{"i":%d}`, i) {
			t.Errorf("parent %d: %s %s %s", i, got.Status, got.Output, got.Cause)
		}
	}
}

// A runner that panics fails its task with States.Runtime (which, as AWS's
// States.Runtime, no Catch takes), without the panic in the cause, and the
// node goes on.
func TestRunnerPanicFailsTheTask(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		panics := runner.RunnerFunc(func(context.Context, *runner.Task) runner.Outcome { panic("the runner broke") })
		e.run.Store(&panics)
		sm := e.machine("panics", "STANDARD", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
			"Catch":[{"ErrorEquals":["States.Runtime"],"ResultPath":"$.err","Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`)
		got := e.wait(e.startExecution(sm, `{}`))
		if got.Status != "FAILED" || got.Error != "States.Runtime" || !strings.Contains(got.Cause, "runner failed") || strings.Contains(got.Cause, "the runner broke") {
			t.Errorf("%s %s %s %s", got.Status, got.Output, got.Error, got.Cause)
		}
		if types := e.historyTypes(got); !strings.Contains(types, "LambdaFunctionFailed") {
			t.Errorf("history %s", types)
		}
		e.run.Store(nil)
		if again := e.wait(e.startExecution(sm, `{"n":2}`)); again.Status != "SUCCEEDED" || again.Output != `{"n":2}` {
			t.Errorf("after the panic: %s %s", again.Status, again.Output)
		}
	})
}

// A stored execution that makes the interpreter panic (here a state made up
// by hand: a Wait state's path that says it runs a task) fails with
// States.Runtime when its timer fires, and only it: the node goes on, after
// a restart too.
func TestStepPanicFailsTheExecution(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		sm := e.machine("waits", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
		row := e.startExecution(sm, `{}`)
		e.stop()
		e.store = e.open()
		ctx := context.Background()
		cur, err := e.store.ExecutionGetByID(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		var state map[string]any
		if err := json.Unmarshal(cur.State, &state); err != nil {
			t.Fatal(err)
		}
		path := state["p"].([]any)[0].(map[string]any)
		timer := path["ti"]
		delete(path, "ti")
		path["ph"], path["tot"] = 3, timer // PhaseTask, with its timeout timer
		broken := *cur
		broken.Version++
		if broken.State, err = json.Marshal(state); err != nil {
			t.Fatal(err)
		}
		id, _ := timer.(float64)
		if errs := e.store.Apply(ctx, []*store.Change{{Execution: &broken, ExpectVersion: cur.Version,
			AddTimers: []store.Timer{{ExecutionID: row.ID, TimerID: int64(id), Due: time.Now()}}}}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		e.store.Close()
		e.start()
		got := e.wait(row)
		if got.Status != "FAILED" || got.Error != "States.Runtime" || !strings.Contains(got.Cause, "internal error") {
			t.Errorf("%s %s %s", got.Status, got.Error, got.Cause)
		}
		if types := e.historyTypes(got); !strings.HasSuffix(types, "ExecutionFailed") {
			t.Errorf("history %s", types)
		}
		fine := e.machine("fine", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		if again := e.wait(e.startExecution(fine, `{"n":1}`)); again.Status != "SUCCEEDED" {
			t.Errorf("after the panic: %s", again.Status)
		}
	})
}

// An execution whose stored state does not decode fails with a cause that
// says so, instead of being retried at every delivery.
func TestUndecodableExecutionFails(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		sm := e.machine("waits", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
		row := e.startExecution(sm, `{}`)
		e.stop()
		e.store = e.open()
		ctx := context.Background()
		cur, err := e.store.ExecutionGetByID(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		broken := *cur
		broken.Version, broken.State = cur.Version+1, []byte("{not json")
		timers, err := e.store.TimerList(ctx, store.TimerRef{}, 10)
		if err != nil || len(timers) != 1 {
			t.Fatalf("%v %v", timers, err)
		}
		if errs := e.store.Apply(ctx, []*store.Change{{Execution: &broken, ExpectVersion: cur.Version,
			AddTimers: []store.Timer{{ExecutionID: row.ID, TimerID: timers[0].TimerID, Due: time.Now()}}}}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		e.store.Close()
		e.start()
		got := e.wait(row)
		if got.Status != "FAILED" || got.Error != "States.Runtime" || !strings.Contains(got.Cause, "decode execution") {
			t.Errorf("%s %s %s", got.Status, got.Error, got.Cause)
		}
	})
}

// BenchmarkParentsWaiting measures 10,000 parents, each waiting on a .sync
// child, on SQLite (issue 11).
//
// waiting: the children wait 100,000 s, so all 10,000 parents wait at once;
// it reports the goroutines they add (none should be theirs), the process's
// resident memory then, and the rate at which the parents were started until
// each waits on its child (starts/s, not end to end).
//
// end-to-end: the children wait 5 s on the wall clock; parents/s is 10,000
// over the time from the first StartExecution to the last parent's end.
func BenchmarkParentsWaiting(b *testing.B) {
	const n = 10000
	b.Run("waiting", func(b *testing.B) {
		for range b.N {
			e := benchEnv(b, engine.NewScaledClock(0.001))
			child := e.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
			parent := e.machine("parent", "STANDARD", syncParent(child, ".sync", ""))
			runtime.GC()
			before, rssBefore := runtime.NumGoroutine(), rssMB()
			began := time.Now()
			startParents(b, e, parent, n)
			for {
				tasks, err := e.store.TasksOpen(context.Background(), store.TaskChild, []store.TaskStatus{store.TaskWaiting}, "", n+1)
				if err != nil {
					b.Fatal(err)
				}
				if len(tasks) == n {
					break
				}
				time.Sleep(10 * time.Millisecond) // polling the store for the last starts' commits
			}
			took := time.Since(began)
			after := runtime.NumGoroutine()
			for deadline := time.Now().Add(5 * time.Second); after > before+20 && time.Now().Before(deadline); after = runtime.NumGoroutine() {
				time.Sleep(10 * time.Millisecond) // the start goroutines end after their commits
			}
			b.ReportMetric(float64(n)/took.Seconds(), "starts/s")
			b.ReportMetric(float64(after-before), "goroutines-added")
			b.ReportMetric(rssMB(), "rss-MB")
			b.ReportMetric(rssMB()-rssBefore, "rss-added-MB")
			// What the waiting pairs hold, without the garbage of starting
			// them that the runtime has not yet returned to the system.
			debug.FreeOSMemory()
			b.ReportMetric(rssMB(), "rss-after-gc-MB")
			e.stop()
		}
	})
	b.Run("end-to-end", func(b *testing.B) {
		for range b.N {
			e := benchEnv(b, engine.WallClock{})
			child := e.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`)
			parent := e.machine("parent", "STANDARD", syncParent(child, ".sync", ""))
			runtime.GC()
			began := time.Now()
			rows := startParents(b, e, parent, n)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			var last time.Time
			for _, row := range rows {
				end, err := e.svc.Standard().WaitFinished(ctx, row.ID)
				if err != nil {
					b.Fatalf("parent %s: %v", row.ARN, err)
				}
				if end.Status != "SUCCEEDED" {
					b.Fatalf("parent %s: %s %s %s", end.ARN, end.Status, end.Error, end.Cause)
				}
				if end.StopTime.After(last) {
					last = end.StopTime
				}
			}
			cancel()
			b.ReportMetric(float64(n)/last.Sub(began).Seconds(), "parents/s")
			e.stop()
		}
	})
}

// benchEnv is an env on a SQLite store of its own, with the engines' clock
// given.
func benchEnv(b *testing.B, clock engine.Clock) *env {
	path := filepath.Join(b.TempDir(), "stepd.db")
	return newEnvClock(b, func() store.Store {
		st, err := sqlite.Open(path, sqlite.Options{Synchronous: "NORMAL"})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}, clock)
}

// startParents starts n executions of parent from 8 clients at once and
// returns their rows.
func startParents(b *testing.B, e *env, parent string, n int) []*store.Execution {
	rows := make([]*store.Execution, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				st, err := e.svc.StartExecution(context.Background(), service.StartRequest{MachineARN: parent, Input: `{}`})
				if err != nil {
					b.Error(err)
					return
				}
				rows[i] = st.Row
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return rows
}

// rssMB is this process's resident set size.
func rssMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
