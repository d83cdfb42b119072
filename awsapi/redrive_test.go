package awsapi_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/service"
)

const fn = "arn:aws:lambda:us-east-1:123456789012:function:"

// flaky runs tasks: a task whose input has "fail" in it fails while broken
// holds; every run is counted by its input.
type flaky struct {
	mu     sync.Mutex
	broken bool
	runs   map[string]int
}

func (f *flaky) run(_ context.Context, t *runner.Task) runner.Outcome {
	in := jsonvalue.String(t.Input)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs[in]++
	if f.broken && strings.Contains(in, "fail") {
		return runner.Failed("Broken", "it broke: "+in)
	}
	return runner.Succeeded(t.Input)
}

func (f *flaky) count(in string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[in]
}

func (f *flaky) fix() {
	f.mu.Lock()
	f.broken = false
	f.mu.Unlock()
}

func historyTypes(t *testing.T, e *env, arn string) []string {
	t.Helper()
	h, err := e.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, ev := range h.Events {
		out = append(out, string(ev.Type))
		if ev.Id != int64(i+1) {
			t.Fatalf("event %d has ID %d", i+1, ev.Id)
		}
	}
	return out
}

func TestRedrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	f := &flaky{broken: true, runs: map[string]int{}}
	e.onTask(f.run)
	cases := []struct {
		name, def, input string
		// once are task inputs that succeeded before the redrive and must not
		// run again; again must run once more.
		once, again []string
		output      string
	}{
		{"task", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + fn + `f","Parameters":{"step":"a"},"ResultPath":"$.a","Next":"B"},
			"B":{"Type":"Task","Resource":"` + fn + `f","Parameters":{"step":"fail-b"},"ResultPath":"$.b","End":true}}}`, `{}`,
			[]string{`{"step":"a"}`}, []string{`{"step":"fail-b"}`}, `{"a":{"step":"a"},"b":{"step":"fail-b"}}`},
		// The failing branch waits a second, so that the other one has
		// succeeded when it fails (a branch still running is aborted by the
		// failure, and runs again at the redrive).
		{"parallel", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"` + fn + `f","Parameters":{"branch":"ok"},"End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"Y"},"Y":{"Type":"Task","Resource":"` + fn + `f","Parameters":{"branch":"fail"},"End":true}}}]}}}`, `{}`,
			[]string{`{"branch":"ok"}`}, []string{`{"branch":"fail"}`}, `[{"branch":"ok"},{"branch":"fail"}]`},
		{"map", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,"ItemProcessor":{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"` + fn + `f","End":true}}}}}}`, `["m1","m2","fail-m3","m4"]`,
			[]string{`"m1"`, `"m2"`}, []string{`"fail-m3"`}, `["m1","m2","fail-m3","m4"]`},
		// A Distributed Map: the Map Run is redriven, its failed child runs
		// again, the succeeded ones do not, the ones not started start.
		{"distributed", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,"ItemProcessor":{
			"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"` + fn + `f","Parameters":{"d.$":"$"},"End":true}}}}}}`, `["d1","fail-d2","d3"]`,
			[]string{`{"d":"d1"}`, `{"d":"d3"}`}, []string{`{"d":"fail-d2"}`}, `[{"d":"d1"},{"d":"fail-d2"},{"d":"d3"}]`},
	}
	for _, c := range cases {
		arn := e.machine("STANDARD", c.def)
		start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(c.input), Name: aws.String(c.name)})
		if err != nil {
			t.Fatal(err)
		}
		d := e.waitDone(*start.ExecutionArn)
		if d.Status != types.ExecutionStatusFailed || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable || d.RedriveStatusReason != nil {
			t.Fatalf("%s: failed execution %+v", c.name, d)
		}
		before := historyTypes(t, e, *start.ExecutionArn)
		f.fix()
		r, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn, ClientToken: aws.String("tok-" + c.name)})
		if err != nil {
			t.Fatalf("%s: redrive: %v", c.name, err)
		}
		again, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn, ClientToken: aws.String("tok-" + c.name)})
		if err != nil || !again.RedriveDate.Equal(*r.RedriveDate) {
			t.Fatalf("%s: redrive with the same client token: %+v %v", c.name, again, err)
		}
		d = e.waitDone(*start.ExecutionArn)
		if d.Status != types.ExecutionStatusSucceeded || *d.Output != c.output || d.RedriveCount == nil || *d.RedriveCount != 1 || d.RedriveDate == nil {
			t.Fatalf("%s: after the redrive: %+v output %s", c.name, d, aws.ToString(d.Output))
		}
		for _, in := range c.once {
			if n := f.count(in); n != 1 {
				t.Errorf("%s: %s ran %d times, want once (it had succeeded)", c.name, in, n)
			}
		}
		for _, in := range c.again {
			if n := f.count(in); n != 2 {
				t.Errorf("%s: %s ran %d times, want twice", c.name, in, n)
			}
		}
		after := historyTypes(t, e, *start.ExecutionArn)
		if len(after) <= len(before) || strings.Join(after[:len(before)], ",") != strings.Join(before, ",") || after[len(before)] != "ExecutionRedriven" {
			t.Fatalf("%s: history kept and continued with ExecutionRedriven:\nbefore %v\nafter %v", c.name, before, after)
		}
		if c.name == "distributed" && !slices.Contains(after[len(before):], "MapRunRedriven") {
			t.Fatalf("a Distributed Map's redrive without MapRunRedriven: %v", after)
		}
		_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
		wantCode(t, err, "ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven")
		f.mu.Lock()
		f.broken = true
		f.mu.Unlock()
	}
	list, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{RedriveFilter: types.ExecutionRedriveFilterRedriven})
	if err != nil || len(list.Executions) != 4 || *list.Executions[0].RedriveCount != 1 {
		t.Fatalf("redriven executions: %+v %v", list, err)
	}

	// A second redrive, after the redriven execution failed again.
	arn := e.machine("STANDARD", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+fn+`f","Parameters":{"x":"fail-twice"},"End":true}}}`)
	start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*start.ExecutionArn)
	if _, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*start.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || *d.RedriveCount != 1 {
		t.Fatalf("failed again: %+v", d)
	}
	f.fix()
	if _, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d = e.waitDone(*start.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || *d.RedriveCount != 2 {
		t.Fatalf("second redrive: %+v", d)
	}

	_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(strings.Replace(*start.ExecutionArn, ":execution:", ":execution:x", 1))})
	wantCode(t, err, "ExecutionDoesNotExist", "")
}

// TestRedriveAborted: a stopped execution is redriven from where it was (a
// Wait enters again); a running one, and an unknown one, are refused.
func TestRedriveAborted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	arn := e.machine("STANDARD", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","ResultPath":"$.a","Next":"W"},
		"W":{"Type":"Wait","Seconds":3600,"Next":"B"},"B":{"Type":"Pass","End":true}}}`)
	start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	wantCode(t, err, "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven")
	if _, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*start.ExecutionArn)
	if d.Status != types.ExecutionStatusAborted || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Fatalf("stopped: %+v", d)
	}
	if _, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d, err = e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || d.Status != types.ExecutionStatusRunning || d.StopDate != nil || *d.RedriveCount != 1 {
		t.Fatalf("redriven: %+v %v", d, err)
	}
	got := historyTypes(t, e, *start.ExecutionArn)
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered", "ExecutionAborted",
		"ExecutionRedriven", "WaitStateEntered"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("history %v, want %v", got, want)
	}
	_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	wantCode(t, err, "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven")
}

// refusedRedrive checks that an execution is refused as AWS refuses it:
// DescribeExecution says NOT_REDRIVABLE with the reason, and
// RedriveExecution answers ExecutionNotRedrivable with it as the message.
func refusedRedrive(t *testing.T, e *env, arn, reason string) {
	t.Helper()
	ctx := context.Background()
	d, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || aws.ToString(d.RedriveStatusReason) != reason {
		t.Fatalf("%s: redriveStatus %s (%q), want NOT_REDRIVABLE (%q)", arn, d.RedriveStatus, aws.ToString(d.RedriveStatusReason), reason)
	}
	_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
	wantCode(t, err, "ExecutionNotRedrivable", reason)
	if after := e.waitDone(arn); after.Status != d.Status || aws.ToInt32(after.RedriveCount) != 0 {
		t.Fatalf("a refused redrive changed the execution: %+v", after)
	}
}

// failed starts an execution of a new STANDARD machine with input, and
// checks that it fails.
func (e *env) failed(def, input string) string {
	e.t.Helper()
	start, err := e.sfn.StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(e.machine("STANDARD", def)), Input: aws.String(input)})
	if err != nil {
		e.t.Fatal(err)
	}
	if d := e.waitDone(*start.ExecutionArn); d.Status != types.ExecutionStatusFailed {
		e.t.Fatalf("execution %s, want FAILED", d.Status)
	}
	return *start.ExecutionArn
}

const failDef = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"c"}}}`

// TestRedriveRefused: the executions RedriveExecution refuses, with
// redriveStatusReason as AWS words it where its DescribeExecution reference
// lists the reason (SUCCEEDED, the redrivable period, the history event
// limit), and as stepd words it where AWS lists none (a Map Run's child).
// An EXPRESS execution's ARN is not an execution ARN to RedriveExecution, as
// to DescribeExecution.
func TestRedriveRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("succeeded", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(e.machine("STANDARD",
			`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))})
		if err != nil {
			t.Fatal(err)
		}
		e.waitDone(*start.ExecutionArn)
		refusedRedrive(t, e, *start.ExecutionArn, "Execution is SUCCEEDED and cannot be redriven")
	})

	t.Run("past the redrivable period", func(t *testing.T) {
		t.Parallel()
		clock := engine.NewScaledClock(1)
		e := newEnvOf(t, func(o *service.Options) { o.Clock, o.RedriveWindow = clock, time.Minute }, nil)
		arn := e.failed(failDef, `{}`)
		if d := e.waitDone(arn); d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
			t.Fatalf("within the window: %+v", d)
		}
		clock.Reach(time.Now().Add(2 * time.Minute))
		refusedRedrive(t, e, arn, "Execution redrivable period exceeded")
	})

	t.Run("at the history event limit", func(t *testing.T) {
		t.Parallel()
		e := newEnvOf(t, func(o *service.Options) {
			o.Limits = interp.DefaultLimits
			o.Limits.MaxHistoryEvents = 30
		}, nil)
		arn := e.failed(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.done","IsPresent":true,"Next":"E"}],"Default":"P"},"E":{"Type":"Succeed"}}}`, `{}`)
		if d := e.waitDone(arn); aws.ToString(d.Error) != "States.Runtime" {
			t.Fatalf("the loop ended with %+v, want States.Runtime at the history limit", d)
		}
		refusedRedrive(t, e, arn, "Execution history event limit exceeded")
	})

	t.Run("a Map Run's child", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		f := &flaky{broken: true, runs: map[string]int{}}
		e.onTask(f.run)
		parent := e.failed(distributedMap("STANDARD", ``, `"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+fn+`f","End":true}}`),
			`{"items":["fail-1"]}`)
		run := e.mapRunOf(parent)
		children, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(run)})
		if err != nil || len(children.Executions) == 0 {
			t.Fatalf("children: %+v %v", children, err)
		}
		child := *children.Executions[0].ExecutionArn
		if d := e.waitDone(child); d.Status != types.ExecutionStatusFailed {
			t.Fatalf("child %+v, want FAILED", d)
		}
		refusedRedrive(t, e, child, "Child executions of a Map Run are redriven with the execution that started the Map Run")
	})

	t.Run("express", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(e.machine("EXPRESS", failDef))})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(*start.ExecutionArn, ":express:") {
			t.Fatalf("an EXPRESS execution's ARN %s", *start.ExecutionArn)
		}
		_, err = e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
		wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
	})
}

// TestRedriveTimedOut: an execution that timed out (its TimeoutSeconds) is
// redriven, as AWS redrives FAILED, ABORTED and TIMED_OUT ones; the timed
// out Task runs again and the execution's timeout starts again.
func TestRedriveTimedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var calls atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	e.onTask(func(ctx context.Context, task *runner.Task) runner.Outcome {
		if calls.Add(1) == 1 {
			select { // the first run outlasts the execution's timeout
			case <-ctx.Done():
			case <-release:
			}
			return runner.Failed("Late", "the first run ended after the timeout")
		}
		return runner.Succeeded(task.Input)
	})
	arn := e.machine("STANDARD", `{"TimeoutSeconds":1,"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+fn+`f","End":true}}}`)
	start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*start.ExecutionArn)
	// As AWS describes one (LocalStack's test_global_timeout): no error, no cause.
	if d.Status != types.ExecutionStatusTimedOut || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable || d.RedriveStatusReason != nil ||
		d.Error != nil || d.Cause != nil {
		t.Fatalf("timed out: %+v", d)
	}
	if _, err := e.sfn.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d = e.waitDone(*start.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || aws.ToInt32(d.RedriveCount) != 1 || aws.ToString(d.Output) != `{"n":1}` {
		t.Fatalf("after the redrive: %+v output %s", d, aws.ToString(d.Output))
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("the Task ran %d times, want 2", n)
	}
	got := historyTypes(t, e, *start.ExecutionArn)
	i := slices.Index(got, "ExecutionTimedOut")
	if i < 0 || i+1 >= len(got) || got[i+1] != "ExecutionRedriven" || got[len(got)-1] != "ExecutionSucceeded" {
		t.Fatalf("history %v: ExecutionTimedOut, ExecutionRedriven, ..., ExecutionSucceeded", got)
	}
}
