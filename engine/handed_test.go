package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/store"
)

// A poller waiting on this node is handed the next activity task in the
// commit that schedules it (a start's, an answer's): the answer of a task, the next one's
// ActivityScheduled and its ActivityStarted (with the poller's worker)
// commit together, the task is stored started for that worker, and its
// heartbeat is armed as for a claimed task. A poller whose poll ended is
// off the list: the next task is scheduled and claimed as before.
func TestActivityHandedInTheSchedulingCommit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var commits [][]string // the event types of each committed change
	e := newEnvWith(t, nil, engine.Options{Committed: func(_ *store.Execution, events []store.Event) {
		var types []string
		for _, ev := range events {
			v := jsonvalue.MustParse(string(ev.JSON)).(*jsonvalue.Object)
			typ, _ := v.Get("type")
			types = append(types, typ.(string))
		}
		mu.Lock()
		commits = append(commits, types)
		mu.Unlock()
	}})
	act := "arn:aws:states:us-east-1:123456789012:activity:handed"
	sm := e.machine(`{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"` + act + `","Next":"B"},
		"B":{"Type":"Task","Resource":"` + act + `","Next":"C"},
		"C":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":5,"TimeoutSeconds":100,"End":true}}}`)
	// A poller waiting when the execution starts is handed A in the start's commit.
	polled := make(chan *engine.ActivityTask, 1)
	go func() { task, _ := e.engine.PollActivity(context.Background(), act, "w1"); polled <- task }()
	waitPollers(t, e.engine, act, 1)
	row := e.start(sm, "h", `{"n":0}`)
	first := <-polled
	if first == nil || first.Input != `{"n":0}` {
		t.Fatalf("poll A: %+v", first)
	}
	mu.Lock()
	if start := strings.Join(commits[0], ","); start != "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted" {
		t.Errorf("the start's commit: %s", start)
	}
	mu.Unlock()

	// A poll that ends before the next task comes takes nothing.
	ended, cancel := context.WithCancel(context.Background())
	gone := make(chan *engine.ActivityTask, 1)
	go func() { task, _ := e.engine.PollActivity(ended, act, "gone"); gone <- task }()
	waitPollers(t, e.engine, act, 1)
	cancel()
	if task := <-gone; task != nil {
		t.Fatalf("an ended poll got %+v", task)
	}
	if n := engine.WaitingPollers(e.engine, act); n != 0 {
		t.Fatalf("%d pollers listed after their poll ended", n)
	}
	if err := e.engine.AnswerTask(context.Background(), first.Token, engine.TaskAnswer{Output: jsonvalue.MustParse(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	second, err := e.engine.PollActivity(context.Background(), act, "w2") // B's, scheduled, then claimed
	if err != nil || second == nil || second.Input != `{"n":1}` {
		t.Fatalf("poll B: %+v %v", second, err)
	}

	// Now a poller waits while B is answered: it is handed C.
	got := make(chan *engine.ActivityTask, 1)
	go func() { task, _ := e.engine.PollActivity(context.Background(), act, "w3"); got <- task }()
	waitPollers(t, e.engine, act, 1)
	mu.Lock()
	before := len(commits)
	mu.Unlock()
	if err := e.engine.AnswerTask(context.Background(), second.Token, engine.TaskAnswer{Output: jsonvalue.MustParse(`{"n":2}`)}); err != nil {
		t.Fatal(err)
	}
	third := <-got
	if third == nil || third.Input != `{"n":2}` {
		t.Fatalf("the waiting poller got %+v", third)
	}
	task, err := e.store.TaskGet(context.Background(), third.Token)
	if err != nil || task.Status != store.TaskStarted || task.Worker != "w3" {
		t.Fatalf("the handed task in the store: %+v %v", task, err)
	}
	mu.Lock()
	answer := strings.Join(commits[before], ",")
	mu.Unlock()
	if want := "ActivitySucceeded,TaskStateExited,TaskStateEntered,ActivityScheduled,ActivityStarted"; answer != want {
		t.Errorf("the answer's commit: %s, want %s", answer, want)
	}
	// C's heartbeat (5 s, a thousandth of it here) was armed by the handed start.
	end := e.wait(row)
	if end.Status != "FAILED" || end.Error != "States.Timeout" {
		t.Fatalf("C without heartbeats: %s %s", end.Status, end.Error)
	}
}

// A task scheduled and cancelled in one step (its Parallel's other branch
// fails at once) is not handed to the waiting poller, which goes on waiting.
func TestActivityCancelledInItsStepIsNotHanded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:cancelled"
	sm := e.machine(`{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}},
		{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}]}}}`)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *engine.ActivityTask, 1)
	go func() { task, _ := e.engine.PollActivity(ctx, act, "w"); got <- task }()
	waitPollers(t, e.engine, act, 1)
	row := e.start(sm, "c", `{}`)
	if end := e.wait(row); end.Status != "FAILED" || end.Error != "Boom" {
		t.Fatalf("%s %s", end.Status, end.Error)
	}
	for _, typ := range e.historyTypes(row) {
		if typ == "ActivityStarted" {
			t.Errorf("a cancelled task was started: %v", e.historyTypes(row))
		}
	}
	waitPollers(t, e.engine, act, 1) // looking again, or still waiting
	cancel()
	if task := <-got; task != nil {
		t.Errorf("the poller got the cancelled task %+v", task)
	}
}

// waitPollers waits until n pollers of arn wait on the engine.
func waitPollers(t *testing.T, e *engine.Engine, arn string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); engine.WaitingPollers(e, arn) != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d pollers wait, want %d", engine.WaitingPollers(e, arn), n)
		}
	}
}
