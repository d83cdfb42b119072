package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/sqlite"
)

// env is an engine on a real SQLite database.
type env struct {
	t      testing.TB
	path   string
	store  store.Store
	engine *engine.Engine
	runner runner.Runner
	opts   engine.Options // more options of the engines open makes
}

func newEnv(t *testing.T, run runner.RunnerFunc) *env {
	return newEnvWith(t, run, engine.Options{})
}

// newEnvWith is newEnv with more engine options (open sets the store,
// runner, clock and shards).
func newEnvWith(t *testing.T, run runner.RunnerFunc, opts engine.Options) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "stepd.db"), opts: opts}
	if run != nil {
		e.runner = run
	}
	e.open()
	return e
}

// open (re)starts the store and the engine on the database.
func (e *env) open() {
	e.t.Helper()
	s, err := sqlite.Open(e.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
	opts := e.opts
	opts.Store, opts.Runner, opts.Clock, opts.Shards = s, e.runner, engine.NewScaledClock(0.001), 8
	e.engine = engine.New(opts)
	if err := e.engine.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(e.close)
}

func (e *env) close() {
	if e.engine != nil {
		e.engine.StopWithin(0)
		checkStore(e.t, e.store)
		e.store.Close()
		e.engine = nil
	}
}

var machineSeq atomic.Int64

// machine creates a state machine with definition text.
func (e *env) machine(def string) *store.StateMachine {
	e.t.Helper()
	name := fmt.Sprintf("m%d", machineSeq.Add(1))
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	sm := &store.StateMachine{ARN: arn, Name: name, Type: "STANDARD", Status: "ACTIVE", RoleARN: "arn:aws:iam::1:role/r", RevisionID: name + "-1"}
	if err := e.store.StateMachineCreate(context.Background(), sm, &store.Definition{RevisionID: sm.RevisionID, MachineARN: arn, Text: def}); err != nil {
		e.t.Fatal(err)
	}
	return sm
}

func (e *env) start(sm *store.StateMachine, name, input string) *store.Execution {
	e.t.Helper()
	row, _, err := e.engine.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: name, Input: input})
	if err != nil {
		e.t.Fatal(err)
	}
	return row
}

func (e *env) wait(row *store.Execution) *store.Execution {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	end, err := e.engine.WaitFinished(ctx, row.ID)
	if err != nil {
		e.t.Fatalf("wait for %s: %v", row.Name, err)
	}
	return end
}

func (e *env) historyTypes(row *store.Execution) []string {
	e.t.Helper()
	events, err := e.store.HistoryList(context.Background(), store.HistoryQuery{ExecutionID: row.ID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		v := jsonvalue.MustParse(string(ev.JSON)).(*jsonvalue.Object)
		typ, _ := v.Get("type")
		out = append(out, typ.(string))
	}
	return out
}

func want(t *testing.T, row *store.Execution, status, output string) {
	t.Helper()
	if row.Status != status {
		t.Fatalf("status %s (error %q, cause %q), want %s", row.Status, row.Error, row.Cause, status)
	}
	if output != "" && !jsonvalue.Equal(jsonvalue.MustParse(row.Output), jsonvalue.MustParse(output)) {
		t.Errorf("output %s, want %s", row.Output, output)
	}
}

const lambda = "arn:aws:lambda:us-east-1:123456789012:function:f"

// echo is a runner that returns each task's input.
func echo(_ context.Context, t *runner.Task) runner.Outcome { return runner.Succeeded(t.Input) }

func TestPassMachineEndsInTheStartCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	sm := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"ok":true},"Next":"B"},"B":{"Type":"Succeed"}}}`)
	row := e.start(sm, "one", `{"x":1}`)
	want(t, row, "SUCCEEDED", `{"ok":true}`)
	if got := strings.Join(e.historyTypes(row), ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
	stored, err := e.store.ExecutionGet(context.Background(), row.ARN)
	if err != nil || stored.Status != "SUCCEEDED" || len(stored.State) != 0 {
		t.Errorf("stored %+v, %v", stored, err)
	}
}

func TestStartIsIdempotentForARunningExecution(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	sm := e.machine(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	first := e.start(sm, "same", `{"a":1}`)
	again, created, err := e.engine.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: "same", Input: `{ "a" : 1 }`})
	if err != nil || created || again.ARN != first.ARN {
		t.Fatalf("same name and input: %v created=%v", err, created)
	}
	if _, _, err := e.engine.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: "same", Input: `{"a":2}`}); !errors.Is(err, engine.ErrExecutionExists) {
		t.Fatalf("same name, other input: %v", err)
	}
	done := e.machine(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	e.start(done, "finished", `{}`)
	if _, _, err := e.engine.StartExecution(context.Background(), engine.StartRequest{Machine: done, Name: "finished", Input: `{}`}); !errors.Is(err, engine.ErrExecutionExists) {
		t.Fatalf("the name of a finished execution: %v", err)
	}
}

func TestWaitsAndTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, echo)
	sm := e.machine(`{"StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":2,"Next":"M"},
		"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","End":true}}},"End":true}}}`)
	want(t, e.wait(e.start(sm, "ok", `{"items":[1,2,3,4,5]}`)), "SUCCEEDED", `[1,2,3,4,5]`)

	end := e.wait(e.start(sm, "no-items", `{"v":1}`))
	if end.Status != "FAILED" || end.Error != "States.Runtime" || !strings.Contains(end.Cause, "Invalid path '$.items'") {
		t.Fatalf("a Map without items: %s %s %s", end.Status, end.Error, end.Cause)
	}
}

func TestActivityWorker(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:approve"
	sm := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":60,"End":true}}}`)
	ctx := context.Background()

	// Five pollers wait; one task arrives; exactly one poller gets it.
	var mu sync.Mutex
	var got []*engine.ActivityTask
	var wg sync.WaitGroup
	pollCtx, cancelPolls := context.WithCancel(ctx)
	defer cancelPolls()
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task, err := e.engine.PollActivity(pollCtx, act, fmt.Sprintf("worker-%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			if task != nil {
				mu.Lock()
				got = append(got, task)
				mu.Unlock()
				cancelPolls()
			}
		}()
	}
	row := e.start(sm, "a", `{"doc":"x"}`)
	wg.Wait()
	if len(got) != 1 {
		t.Fatalf("%d pollers got the task", len(got))
	}
	if got[0].Input != `{"doc":"x"}` {
		t.Errorf("input %s", got[0].Input)
	}
	if err := e.engine.AnswerTask(ctx, got[0].Token, engine.TaskAnswer{Heartbeat: true}); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if err := e.engine.AnswerTask(ctx, got[0].Token, engine.TaskAnswer{Output: jsonvalue.MustParse(`{"approved":true}`)}); err != nil {
		t.Fatalf("success: %v", err)
	}
	want(t, e.wait(row), "SUCCEEDED", `{"approved":true}`)
	if err := e.engine.AnswerTask(ctx, got[0].Token, engine.TaskAnswer{Output: "late"}); !errors.Is(err, engine.ErrTaskTimedOut) {
		t.Errorf("answering a closed task: %v", err)
	}
	if err := e.engine.AnswerTask(ctx, "no-such-token", engine.TaskAnswer{Output: 1}); !errors.Is(err, engine.ErrTaskDoesNotExist) {
		t.Errorf("answering an unknown token: %v", err)
	}
	if types := strings.Join(e.historyTypes(row), ","); types != "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("history %s", types)
	}
}

// A task this node holds no handoff for (scheduled before a restart, or on
// another node) is read from the store: the poller gets its input, and the
// answer ends it, as with the handoff.
func TestActivityWithoutHandoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:uncached"
	sm := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`)
	row := e.start(sm, "u", `{"doc":"y"}`)
	engine.ForgetHandoffs(e.engine)
	task, err := e.engine.PollActivity(context.Background(), act, "w")
	if err != nil || task == nil || task.Input != `{"doc":"y"}` {
		t.Fatalf("poll: %+v %v", task, err)
	}
	engine.ForgetHandoffs(e.engine)
	if err := e.engine.AnswerTask(context.Background(), task.Token, engine.TaskAnswer{Output: jsonvalue.MustParse(`{"ok":1}`)}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	want(t, e.wait(row), "SUCCEEDED", `{"ok":1}`)
	if err := e.engine.AnswerTask(context.Background(), task.Token, engine.TaskAnswer{Output: 1}); !errors.Is(err, engine.ErrTaskTimedOut) {
		t.Errorf("answering the closed task: %v", err)
	}
}

func TestActivityHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:slow"
	sm := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":5,"TimeoutSeconds":100,"End":true}}}`)
	row := e.start(sm, "hb", `{}`)
	task, err := e.engine.PollActivity(context.Background(), act, "w")
	if err != nil || task == nil {
		t.Fatalf("poll: %v %v", task, err)
	}
	end := e.wait(row)
	if end.Status != "FAILED" || end.Error != "States.Timeout" { // as AWS records a missed heartbeat
		t.Fatalf("%s %s", end.Status, end.Error)
	}
	if err := e.engine.AnswerTask(context.Background(), task.Token, engine.TaskAnswer{Output: 1}); !errors.Is(err, engine.ErrTaskTimedOut) {
		t.Errorf("answering a timed-out task: %v", err)
	}
	// A catcher of States.Timeout takes it, as AWS's documentation says.
	caught := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":5,"TimeoutSeconds":100,
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`)
	row = e.start(caught, "hb2", `{}`)
	if task, err = e.engine.PollActivity(context.Background(), act, "w"); err != nil || task == nil {
		t.Fatalf("poll: %v %v", task, err)
	}
	want(t, e.wait(row), "SUCCEEDED", `{"Error":"States.Timeout","Cause":""}`)
}

func TestWaitForTaskToken(t *testing.T) {
	t.Parallel()
	tokens := make(chan string, 1)
	e := newEnv(t, func(_ context.Context, task *runner.Task) runner.Outcome {
		p := task.Input.(*jsonvalue.Object)
		payload, _ := p.Get("Payload")
		tok, _ := payload.(*jsonvalue.Object).Get("token")
		tokens <- tok.(string)
		return runner.Succeeded(jsonvalue.MustParse(`{"StatusCode":200}`))
	})
	sm := e.machine(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`)
	row := e.start(sm, "cb", `{}`)
	tok := <-tokens
	if err := e.engine.AnswerTask(context.Background(), tok, engine.TaskAnswer{Failed: true, Error: "Rejected", Cause: "no"}); err != nil {
		t.Fatal(err)
	}
	end := e.wait(row)
	if end.Status != "FAILED" || end.Error != "Rejected" || end.Cause != "no" {
		t.Fatalf("%s %s %s", end.Status, end.Error, end.Cause)
	}
	types := strings.Join(e.historyTypes(row), ",")
	if !strings.Contains(types, "TaskScheduled,TaskStarted") || !strings.Contains(types, "TaskFailed") {
		t.Errorf("history %s", types)
	}
}

func TestStopExecution(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	sm := e.machine(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	row := e.start(sm, "s", `{}`)
	end, err := e.engine.StopExecution(context.Background(), row.ARN, "Halt", "by test")
	if err != nil {
		t.Fatal(err)
	}
	if end.Status != "ABORTED" || end.Error != "Halt" || end.StopTime.IsZero() {
		t.Fatalf("%+v", end)
	}
	if next, ok, _ := e.store.TimerNext(context.Background()); ok {
		t.Errorf("the aborted execution's timer is still armed (due %v)", next)
	}
	if _, err := e.engine.StopExecution(context.Background(), row.ARN+"x", "", ""); !errors.Is(err, engine.ErrExecutionDoesNotExist) {
		t.Errorf("stopping an unknown execution: %v", err)
	}
}

// TestRestartResumesTasksAndTimers stops the engine with a task in flight and a
// timer armed, and starts a new engine on the same database: the task runs
// again and the timer fires.
func TestRestartResumesTasksAndTimers(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	started := make(chan struct{})
	var calls atomic.Int64
	e := newEnv(t, func(ctx context.Context, task *runner.Task) runner.Outcome {
		if calls.Add(1) == 1 {
			close(started)
			select { // the first run never finishes: the engine stops under it
			case <-block:
			case <-ctx.Done():
			}
			return runner.Failed("Cancelled", "")
		}
		return runner.Succeeded(task.Input)
	})
	sm := e.machine(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","Next":"W"},"W":{"Type":"Wait","Seconds":1,"End":true}}}`)
	withTask := e.start(sm, "task", `{"n":1}`)
	waiting := e.machine(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"End":true}}}`)
	withTimer := e.start(waiting, "timer", `{"n":2}`)
	<-started
	e.close()
	close(block)

	e.open()
	want(t, e.wait(withTask), "SUCCEEDED", `{"n":1}`)
	want(t, e.wait(withTimer), "SUCCEEDED", `{"n":2}`)
	if calls.Load() != 2 {
		t.Errorf("the task ran %d times, want 2 (once cut off, once after the restart)", calls.Load())
	}
}

// A task's context says why it was cancelled: runner.ErrCancelled when the
// execution no longer waits for it (stopped, here), another cause when the
// engine stops (the task stays pending and runs again).
func TestTaskCancelCause(t *testing.T) {
	causes := make(chan error, 4)
	started := make(chan struct{}, 4)
	e := newEnv(t, func(ctx context.Context, task *runner.Task) runner.Outcome {
		started <- struct{}{}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return runner.Outcome{}
	})
	sm := e.machine(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","End":true}}}`)
	row := e.start(sm, "stopped", "{}")
	<-started
	if _, err := e.engine.StopExecution(context.Background(), row.ARN, "", ""); err != nil {
		t.Fatal(err)
	}
	if cause := <-causes; !errors.Is(cause, runner.ErrCancelled) {
		t.Errorf("a stopped execution's task: cause %v", cause)
	}
	if got := strings.Join(e.historyTypes(row), " "); !strings.Contains(got, "LambdaFunctionStarted ExecutionAborted") {
		t.Errorf("history %s", got)
	}

	row = e.start(sm, "pending", "{}")
	<-started
	e.engine.StopWithin(0)
	if cause := <-causes; cause == nil || errors.Is(cause, runner.ErrCancelled) {
		t.Errorf("a stopping engine's task: cause %v", cause)
	}
	e.close()
	e.open() // the task runs again
	<-started
	if got, err := e.store.ExecutionGet(context.Background(), row.ARN); err != nil || got.Status != "RUNNING" {
		t.Fatalf("%v %+v", err, got)
	}
}

// checkStore fails the test on every invariant of the store that does not
// hold (engine.Check), at the end of each test.
func checkStore(t testing.TB, s store.Store) {
	t.Helper()
	found, err := engine.Check(context.Background(), s)
	if err != nil {
		t.Errorf("check the store: %v", err)
	}
	for _, v := range found {
		t.Errorf("store invariant: %s", v)
	}
}

// TestActivityTasksEarliestExecutionFirst: pollers take the task of the
// execution that started first, even when a later execution's task was
// scheduled before it, so that executions that started first finish first.
func TestActivityTasksEarliestExecutionFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:fair"
	sm := e.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","Next":"B"},
		"B":{"Type":"Task","Resource":"` + act + `","End":true}}}`)
	ctx := context.Background()
	poll := func() *engine.ActivityTask {
		t.Helper()
		task, err := e.engine.PollActivity(ctx, act, "w")
		if err != nil || task == nil {
			t.Fatalf("poll: %v %v", task, err)
		}
		return task
	}
	e.start(sm, "first", `{"x":"first"}`)
	first := poll()
	e.start(sm, "second", `{"x":"second"}`)
	// The first execution's second task is scheduled after the second's first.
	if err := e.engine.AnswerTask(ctx, first.Token, engine.TaskAnswer{Output: jsonvalue.MustParse(`{"x":"first, again"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := poll(); got.Input != `{"x":"first, again"}` {
		t.Errorf("took %s, want the first execution's task", got.Input)
	}
	if got := poll(); got.Input != `{"x":"second"}` {
		t.Errorf("took %s, want the second execution's", got.Input)
	}
}
