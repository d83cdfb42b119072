package awsapi_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
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
