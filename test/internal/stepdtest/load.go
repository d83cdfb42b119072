package stepdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Config writes a stepd configuration with the command function the load's
// function executions call (double: {"n": n} → {"n": 2n}) and returns its path.
func Config(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stepd.yaml")
	if err := os.WriteFile(path, []byte(`functions:
  double:
    command: ["python3", "-c", "import json,sys; e=json.load(sys.stdin); print(json.dumps({'n': e['n']*2}))"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Load is the mixed load of the crash and cluster tests, on stepd processes
// that use Config: executions that wait and pass, that call the function
// double and wait, and that wait for an activity worker. Each is numbered, and
// its output follows from its number.
type Load struct {
	Client                       *Client
	Name                         string // the prefix of its state machines' and activity's names
	Waits, Functions, Activities int    // how many executions of each kind Start starts
	ActivityTimeout              int    // the activity Task's TimeoutSeconds
	Poll                         time.Duration

	activity string
	machines map[string]string // kind → state machine ARN
}

// Execution is an execution the load started.
type Execution struct {
	Kind string // "wait", "function" or "activity"
	Name string
	ARN  string
	N    int // the n of its input
}

// Create creates the load's activity and state machines.
func (l *Load) Create(t testing.TB, ctx context.Context) {
	t.Helper()
	const role = "arn:aws:iam::123456789012:role/stepd"
	var act struct{ ActivityArn string }
	must(t, l.Client.Call(ctx, "CreateActivity", map[string]any{"name": l.Name + "-approve"}, &act))
	l.activity = act.ActivityArn
	definitions := map[string]string{
		"wait": `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.wait","Next":"P"},
			"P":{"Type":"Pass","Parameters":{"n.$":"$.n","waited":true},"End":true}}}`,
		"function": `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double",
			"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":5}],"Next":"W"},
			"W":{"Type":"Wait","Seconds":20,"End":true}}}`,
		"activity": fmt.Sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":%q,"TimeoutSeconds":%d,
			"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":10}],"End":true}}}`, l.activity, l.ActivityTimeout),
	}
	l.machines = map[string]string{}
	for kind, def := range definitions {
		var out struct{ StateMachineArn string }
		must(t, l.Client.Call(ctx, "CreateStateMachine", map[string]any{"name": l.Name + "-" + kind, "definition": def, "roleArn": role}, &out))
		l.machines[kind] = out.StateMachineArn
	}
}

// Work is an activity worker named worker, until ctx ends: it takes the load's
// activity tasks and answers {"n": n+1}. took, unless nil, is told each task
// token it takes.
func (l *Load) Work(t testing.TB, ctx context.Context, worker string, took func(token string)) {
	for ctx.Err() == nil {
		var task struct{ TaskToken, Input string }
		if err := l.Client.Call(ctx, "GetActivityTask", map[string]any{"activityArn": l.activity, "workerName": worker}, &task); err != nil || task.TaskToken == "" {
			continue
		}
		if took != nil {
			took(task.TaskToken)
		}
		var in struct{ N int }
		_ = json.Unmarshal([]byte(task.Input), &in)
		err := l.Client.Call(ctx, "SendTaskSuccess", map[string]any{"taskToken": task.TaskToken, "output": fmt.Sprintf(`{"n":%d}`, in.N+1)}, nil)
		var ae *APIError
		if err != nil && !(errors.As(err, &ae) && (ae.Type == "TaskTimedOut" || ae.Type == "TaskDoesNotExist" || ae.Type == "InvalidToken")) && ctx.Err() == nil {
			t.Errorf("SendTaskSuccess: %v", err)
		}
	}
}

// Start starts the load's executions in random order from clients goroutines
// and returns them. Each is named, so a start retried after a node died is
// idempotent. started, unless nil, is called after each start.
func (l *Load) Start(t testing.TB, ctx context.Context, clients int, started func()) []Execution {
	kinds := make([]string, 0, l.Waits+l.Functions+l.Activities)
	for kind, n := range map[string]int{"wait": l.Waits, "function": l.Functions, "activity": l.Activities} {
		for range n {
			kinds = append(kinds, kind)
		}
	}
	rand.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	all := make([]Execution, len(kinds))
	Clients(t, clients, len(kinds), func(i int) error {
		kind := kinds[i]
		name := fmt.Sprintf("%s-%d", kind, i)
		input := fmt.Sprintf(`{"n":%d,"wait":%d}`, i, 10+rand.IntN(50))
		var out struct{ ExecutionArn string }
		err := l.Client.Call(ctx, "StartExecution", map[string]any{"stateMachineArn": l.machines[kind], "name": name, "input": input}, &out)
		var ae *APIError
		if errors.As(err, &ae) && ae.Type == "ExecutionAlreadyExists" {
			// A start that committed before its node died, retried after its
			// execution ended: AWS's idempotency holds only while it runs. It
			// is ours if it has our input.
			out.ExecutionArn = strings.Replace(l.machines[kind], ":stateMachine:", ":execution:", 1) + ":" + name
			var d struct{ Input string }
			if err = l.Client.Call(ctx, "DescribeExecution", map[string]any{"executionArn": out.ExecutionArn}, &d); err == nil && !jsonEqual(d.Input, input) {
				err = fmt.Errorf("%s exists with another input: %s", name, d.Input)
			}
		}
		if err != nil {
			return fmt.Errorf("StartExecution %s: %w", name, err)
		}
		all[i] = Execution{kind, name, out.ExecutionArn, i}
		if started != nil {
			started()
		}
		return nil
	})
	// A start that failed (and was reported) leaves a zero Execution.
	return slices.DeleteFunc(all, func(e Execution) bool { return e.ARN == "" })
}

// Check waits for each execution to end, polling every l.Poll, and checks that
// it succeeded with its output and a history that lost and doubled nothing.
// It returns the number of history events it checked.
func (l *Load) Check(t testing.TB, ctx context.Context, all []Execution) int {
	t.Helper()
	events := 0
	for _, e := range all {
		var d struct{ Status, Output, Error, Cause string }
		for {
			must(t, l.Client.Call(ctx, "DescribeExecution", map[string]any{"executionArn": e.ARN}, &d))
			if d.Status != "RUNNING" {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s is still running", e.Name)
			case <-time.After(l.Poll): // polling the API as a client does
			}
		}
		if d.Status != "SUCCEEDED" {
			t.Errorf("%s ended %s: %s %s", e.Name, d.Status, d.Error, d.Cause)
			continue
		}
		var want string
		switch e.Kind {
		case "wait":
			want = fmt.Sprintf(`{"n":%d,"waited":true}`, e.N)
		case "function":
			want = fmt.Sprintf(`{"n":%d}`, 2*e.N)
		case "activity":
			want = fmt.Sprintf(`{"n":%d}`, e.N+1)
		}
		if !jsonEqual(d.Output, want) {
			t.Errorf("%s output %s, want %s", e.Name, d.Output, want)
		}
		events += l.checkHistory(t, ctx, e)
	}
	return events
}

type event struct {
	ID              int64  `json:"id"`
	PreviousEventID int64  `json:"previousEventId"`
	Type            string `json:"type"`
}

// checkHistory checks what must hold of any history that lost and doubled
// nothing: IDs from 1 without gaps, one start and one end, every entered state
// exited, every scheduled task closed once and started at most once, every
// Wait left once. It returns the number of events.
func (l *Load) checkHistory(t testing.TB, ctx context.Context, e Execution) int {
	t.Helper()
	var events []event
	token := ""
	for {
		req := map[string]any{"executionArn": e.ARN, "maxResults": 1000}
		if token != "" {
			req["nextToken"] = token
		}
		var page struct {
			Events    []event
			NextToken string
		}
		must(t, l.Client.Call(ctx, "GetExecutionHistory", req, &page))
		events = append(events, page.Events...)
		if page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	name := e.Name
	count := map[string]int{}
	for i, e := range events {
		if e.ID != int64(i+1) {
			t.Errorf("%s: event %d has id %d (missing or doubled events)", name, i+1, e.ID)
			return len(events)
		}
		if e.PreviousEventID >= e.ID {
			t.Errorf("%s: event %d points forward to %d", name, e.ID, e.PreviousEventID)
		}
		count[e.Type]++
	}
	if len(events) == 0 || events[0].Type != "ExecutionStarted" || events[len(events)-1].Type != "ExecutionSucceeded" ||
		count["ExecutionStarted"] != 1 || count["ExecutionSucceeded"] != 1 {
		t.Errorf("%s: history does not start and end once: %v", name, count)
	}
	for _, p := range [][2]string{{"WaitStateEntered", "WaitStateExited"}, {"PassStateEntered", "PassStateExited"}, {"TaskStateEntered", "TaskStateExited"}} {
		if count[p[0]] != count[p[1]] {
			t.Errorf("%s: %d %s but %d %s", name, count[p[0]], p[0], count[p[1]], p[1])
		}
	}
	if count["WaitStateExited"] > 1 {
		t.Errorf("%s: a Wait fired %d times", name, count["WaitStateExited"])
	}
	if n := count["LambdaFunctionScheduled"]; n != count["LambdaFunctionSucceeded"]+count["LambdaFunctionFailed"]+count["LambdaFunctionTimedOut"] {
		t.Errorf("%s: %d functions scheduled, %v ended", name, n, count)
	}
	if n := count["ActivityScheduled"]; n != count["ActivitySucceeded"]+count["ActivityFailed"]+count["ActivityTimedOut"] {
		t.Errorf("%s: %d activities scheduled, %v ended", name, n, count)
	}
	if count["ActivityStarted"] > count["ActivityScheduled"] {
		t.Errorf("%s: %d activities started, %d scheduled", name, count["ActivityStarted"], count["ActivityScheduled"])
	}
	return len(events)
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
