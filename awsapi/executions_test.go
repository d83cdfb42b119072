package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// passChain is a definition of n Pass states, each adding its name to the
// input's "seen" list.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"P1","States":{`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"P%d":{"Type":"Pass","Parameters":{"n.$":"$.n","step":%d}`, i, i)
		if i == n {
			b.WriteString(`,"End":true}`)
		} else {
			fmt.Fprintf(&b, `,"Next":"P%d"}`, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// waitDef waits long enough to be stopped.
const waitDef = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

func jsonEqual(t testing.TB, got, want string) {
	t.Helper()
	g, err := jsonvalue.ParseString(got)
	if err != nil || !jsonvalue.Equal(g, jsonvalue.MustParse(want)) {
		t.Fatalf("JSON %s, want %s", got, want)
	}
}

func TestStartDescribeListExecutions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", passDef)
	smName := sm[strings.LastIndex(sm, ":")+1:]

	out, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("first"),
		Input: aws.String(`{"k": [1, 2.50]}`), TraceHeader: aws.String("Root=1-abc")})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:states:us-east-1:123456789012:execution:" + smName + ":first"
	if *out.ExecutionArn != wantARN || out.StartDate == nil {
		t.Fatalf("start %+v", out)
	}
	d := e.waitDone(wantARN)
	if d.Status != types.ExecutionStatusSucceeded || *d.Name != "first" || *d.StateMachineArn != sm || *d.Input != `{"k": [1, 2.50]}` ||
		d.InputDetails == nil || !d.InputDetails.Included || d.OutputDetails == nil || !d.OutputDetails.Included ||
		*d.TraceHeader != "Root=1-abc" || d.StopDate == nil || d.StopDate.Before(*d.StartDate) || *d.RedriveCount != 0 ||
		d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || *d.RedriveStatusReason != "Execution is SUCCEEDED and cannot be redriven" ||
		d.Error != nil || d.Cause != nil {
		t.Fatalf("describe %+v", d)
	}
	jsonEqual(t, *d.Output, `{"Arg1":"argument1"}`)

	// Without a name, the execution is named with a UUID.
	anon, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	name := (*anon.ExecutionArn)[strings.LastIndex(*anon.ExecutionArn, ":")+1:]
	if len(name) != 36 || strings.Count(name, "-") != 4 {
		t.Fatalf("generated name %q", name)
	}
	e.waitDone(*anon.ExecutionArn)
	ad, _ := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: anon.ExecutionArn})
	if *ad.Input != "{}" {
		t.Fatalf("default input %q", *ad.Input)
	}

	// Inputs: any JSON value; not JSON, empty, or larger than 256 KiB is refused.
	for _, input := range []string{"5", `"text"`, "null", "[]"} {
		if _, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(input)}); err != nil {
			t.Fatalf("input %s: %v", input, err)
		}
	}
	big := `"` + strings.Repeat("x", 256*1024-1) + `"`
	for _, c := range []struct{ input, msg string }{
		// AWS's words (LocalStack's test_invalid_start_execution_input).
		{"not some json", "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"},
		{"{'not': 'json'", "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'"},
		{"", "Invalid State Machine Execution Input: 'Invalid execution input.'"},
		{big, "Invalid State Machine Execution Input: 'The input is 262145 bytes, more than the maximum of 262144 bytes'"},
	} {
		_, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(c.input)})
		var bad *types.InvalidExecutionInput
		if !errors.As(err, &bad) || !strings.HasPrefix(*bad.Message, "Invalid State Machine Execution Input: '") || (c.msg != "" && *bad.Message != c.msg) {
			t.Fatalf("input %.20q: %v", c.input, err)
		}
	}
	if _, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(big[:len(big)-2] + `"`)}); err != nil {
		t.Fatalf("input of 256 KiB: %v", err)
	}
	_, err = e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("a b")})
	wantCode(t, err, "InvalidName", "Invalid Name: 'a b'")
	_, err = e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "x")})
	wantCode(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+sm+"x'")
	_, err = e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(wantARN)})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: execution'")
	_, err = e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), TraceHeader: aws.String("é")})
	wantCode(t, err, "ValidationException", "")

	// ListExecutions: newest first, filtered, in pages.
	all, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Executions) != 7 || all.NextToken != nil {
		t.Fatalf("listed %d executions", len(all.Executions))
	}
	for i, x := range all.Executions {
		if i > 0 && x.StartDate.After(*all.Executions[i-1].StartDate) {
			t.Fatalf("not newest first: %v after %v", x.StartDate, all.Executions[i-1].StartDate)
		}
		if *x.StateMachineArn != sm || x.Status != types.ExecutionStatusSucceeded || x.StopDate == nil || *x.RedriveCount != 0 {
			t.Fatalf("item %+v", x)
		}
	}
	if *all.Executions[len(all.Executions)-1].ExecutionArn != wantARN {
		t.Fatalf("oldest is %s", *all.Executions[len(all.Executions)-1].ExecutionArn)
	}
	var paged []string
	var token *string
	for {
		page, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 3, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Executions {
			paged = append(paged, *x.ExecutionArn)
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	for i, x := range all.Executions {
		if i >= len(paged) || paged[i] != *x.ExecutionArn {
			t.Fatalf("pages %v differ from the listing", paged)
		}
	}
	running, _ := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning})
	if len(running.Executions) != 0 {
		t.Fatalf("running: %+v", running.Executions)
	}
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "succeeded"})
	wantCode(t, err, "ValidationException", "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: "+
		"Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]")
	first, _ := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1})
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusFailed, NextToken: first.NextToken})
	wantCode(t, err, "InvalidToken", "")
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm + "x")})
	wantCode(t, err, "StateMachineDoesNotExist", "")
}

func TestIdempotentStartAndStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", waitDef)
	start := func(input string) (*sfn.StartExecutionOutput, error) {
		return e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("once"), Input: aws.String(input)})
	}
	a, err := start(`{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	// The same name and input while it runs: the same execution.
	b, err := start(`{ "a" : 1 }`)
	if err != nil || *b.ExecutionArn != *a.ExecutionArn || !b.StartDate.Equal(*a.StartDate) {
		t.Fatalf("idempotent start: %+v, %v", b, err)
	}
	_, err = start(`{"a":2}`)
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) || *exists.Message != "Execution Already Exists: '"+*a.ExecutionArn+"'" {
		t.Fatalf("another input: %v", err)
	}

	stop, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: a.ExecutionArn, Error: aws.String("Halt"), Cause: aws.String("by test")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("stop: %+v, %v", stop, err)
	}
	d, _ := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: a.ExecutionArn})
	if d.Status != types.ExecutionStatusAborted || *d.Error != "Halt" || *d.Cause != "by test" || !d.StopDate.Equal(*stop.StopDate) || d.Output != nil {
		t.Fatalf("stopped: %+v", d)
	}
	h, _ := e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: a.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	last := h.Events[0]
	if last.Type != types.HistoryEventTypeExecutionAborted || *last.ExecutionAbortedEventDetails.Error != "Halt" {
		t.Fatalf("last event %+v", last)
	}
	// Stopping an ended execution changes nothing; the name stays taken.
	again, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: a.ExecutionArn})
	if err != nil || !again.StopDate.Equal(*stop.StopDate) {
		t.Fatalf("stop again: %+v, %v", again, err)
	}
	_, err = start(`{"a":1}`)
	wantCode(t, err, "ExecutionAlreadyExists", "")

	_, err = e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(*a.ExecutionArn + "x")})
	wantCode(t, err, "ExecutionDoesNotExist", "Execution Does Not Exist: '"+*a.ExecutionArn+"x'")
	_, err = e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: a.ExecutionArn, Error: aws.String(strings.Repeat("e", 257))})
	wantCode(t, err, "ValidationException",
		"1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256")
}

func TestExecutionHistoryPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", passChain(5))
	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"n":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*x.ExecutionArn)

	// ExecutionStarted, 5 × (PassStateEntered, PassStateExited), ExecutionSucceeded.
	const total = 12
	pages := func(reverse, withData bool, size int32) (ids []int64, events []types.HistoryEvent, n int) {
		var token *string
		for {
			in := &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, MaxResults: size, ReverseOrder: reverse, NextToken: token}
			if !withData {
				in.IncludeExecutionData = aws.Bool(false)
			}
			out, err := e.sfn.GetExecutionHistory(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			n++
			for _, ev := range out.Events {
				ids = append(ids, ev.Id)
				events = append(events, ev)
			}
			if token = out.NextToken; token == nil {
				return ids, events, n
			}
		}
	}
	ids, events, n := pages(false, true, 5)
	if n != 3 || len(ids) != total {
		t.Fatalf("%d pages, ids %v", n, ids)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("forward ids %v", ids)
		}
	}
	if events[0].Type != types.HistoryEventTypeExecutionStarted || *events[0].ExecutionStartedEventDetails.Input != `{"n":7}` ||
		*events[0].ExecutionStartedEventDetails.RoleArn != roleARN || events[0].Timestamp == nil {
		t.Fatalf("first event %+v", events[0])
	}
	if events[1].StateEnteredEventDetails.Input == nil || events[total-1].ExecutionSucceededEventDetails.Output == nil {
		t.Fatal("data missing from the events")
	}
	jsonEqual(t, *events[total-1].ExecutionSucceededEventDetails.Output, `{"n":7,"step":5}`)

	rids, _, n := pages(true, true, 5)
	if n != 3 || len(rids) != total {
		t.Fatalf("reverse: %d pages, ids %v", n, rids)
	}
	for i, id := range rids {
		if id != int64(total-i) {
			t.Fatalf("reverse ids %v", rids)
		}
	}

	_, bare, _ := pages(false, false, 100)
	if len(bare) != total {
		t.Fatalf("%d events without data", len(bare))
	}
	for _, ev := range bare {
		switch {
		case ev.ExecutionStartedEventDetails != nil && (ev.ExecutionStartedEventDetails.Input != nil || ev.ExecutionStartedEventDetails.InputDetails != nil ||
			*ev.ExecutionStartedEventDetails.RoleArn != roleARN):
			t.Fatalf("started event keeps data: %+v", ev.ExecutionStartedEventDetails)
		case ev.StateEnteredEventDetails != nil && (ev.StateEnteredEventDetails.Input != nil || *ev.StateEnteredEventDetails.Name == ""):
			t.Fatalf("entered event keeps data: %+v", ev.StateEnteredEventDetails)
		case ev.StateExitedEventDetails != nil && ev.StateExitedEventDetails.Output != nil:
			t.Fatalf("exited event keeps data: %+v", ev.StateExitedEventDetails)
		case ev.ExecutionSucceededEventDetails != nil && ev.ExecutionSucceededEventDetails.Output != nil:
			t.Fatalf("succeeded event keeps data: %+v", ev.ExecutionSucceededEventDetails)
		}
	}

	// A token continues only the listing it came from.
	fwd, _ := e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, MaxResults: 2})
	_, err = e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, ReverseOrder: true, NextToken: fwd.NextToken})
	wantCode(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
	_, err = e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, MaxResults: 1001})
	wantCode(t, err, "ValidationException", "")
	_, err = e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String("invalid_state_machine_arn")})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'")
	_, err = e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(*x.ExecutionArn + "x")})
	wantCode(t, err, "ExecutionDoesNotExist", "")
}

func TestExpressExecutions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("EXPRESS", passChain(5))
	smName := sm[strings.LastIndex(sm, ":")+1:]

	out, err := e.sfn.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("sync1"),
		Input: aws.String(`{"n":1}`), TraceHeader: aws.String("Root=1")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || !strings.HasPrefix(*out.ExecutionArn, "arn:aws:states:us-east-1:123456789012:express:"+smName+":sync1:") ||
		*out.Name != "sync1" || *out.StateMachineArn != sm || *out.Input != `{"n":1}` || !out.InputDetails.Included || !out.OutputDetails.Included ||
		*out.TraceHeader != "Root=1" || out.BillingDetails == nil || out.BillingDetails.BilledDurationInMilliseconds < 100 ||
		out.BillingDetails.BilledMemoryUsedInMB != 64 || out.StopDate.Before(*out.StartDate) || out.Error != nil {
		t.Fatalf("sync %+v", out)
	}
	jsonEqual(t, *out.Output, `{"n":1,"step":5}`)

	// A Fail state: the call succeeds, the execution failed.
	failSM := e.machine("EXPRESS", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"on purpose"}}}`)
	failed, err := e.sfn.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(failSM)})
	if err != nil || failed.Status != types.SyncExecutionStatusFailed || *failed.Error != "Oops" || *failed.Cause != "on purpose" || failed.Output != nil {
		t.Fatalf("failed sync: %+v, %v", failed, err)
	}

	// A task that answers later: the call waits for the end, even though the
	// Express engine forgets the execution as soon as it ends.
	release := make(chan struct{})
	e.onTask(func(ctx context.Context, task *runner.Task) runner.Outcome {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return runner.Succeeded(jsonvalue.MustParse(`{"late":true}`))
	})
	taskSM := e.machine("EXPRESS", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:late","End":true}}}`)
	done := make(chan *sfn.StartSyncExecutionOutput, 8)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			o, err := e.sfn.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(taskSM)})
			if err != nil {
				errs <- err
				return
			}
			done <- o
		}()
	}
	time.AfterFunc(20*time.Millisecond, func() { close(release) })
	for range 8 {
		select {
		case err := <-errs:
			t.Fatalf("sync with a task: %v", err)
		case o := <-done:
			if o.Status != types.SyncExecutionStatusSucceeded {
				t.Fatalf("sync with a task: %+v", o)
			}
			jsonEqual(t, *o.Output, `{"late":true}`)
		}
	}
	e.onTask(nil)

	// StartExecution runs an Express execution asynchronously, under an express ARN
	// that the STANDARD-only actions refuse.
	async, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("async1")})
	if err != nil || !strings.Contains(*async.ExecutionArn, ":express:"+smName+":async1:") {
		t.Fatalf("async express: %+v, %v", async, err)
	}
	const notHere = "Invalid Arn: 'Resource type not valid in this context: express'"
	_, err = e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: async.ExecutionArn})
	wantCode(t, err, "InvalidArn", notHere)
	_, err = e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: async.ExecutionArn})
	wantCode(t, err, "InvalidArn", notHere)
	_, err = e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: async.ExecutionArn})
	wantCode(t, err, "InvalidArn", notHere)
	_, err = e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: async.ExecutionArn})
	wantCode(t, err, "InvalidArn", notHere)
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	var typeErr *types.StateMachineTypeNotSupported
	if !errors.As(err, &typeErr) || *typeErr.Message != "This operation is not supported by this type of state machine" {
		t.Fatalf("ListExecutions of an Express machine: %v", err)
	}

	// StartSyncExecution is for Express machines only.
	std := e.machine("STANDARD", passDef)
	_, err = e.sfn.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(std)})
	wantCode(t, err, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")

	// An update is picked up by the next execution.
	if _, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(passDef)}); err != nil {
		t.Fatal(err)
	}
	updated, err := e.sfn.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, *updated.Output, `{"Arg1":"argument1"}`)
}

func TestExecutionARNErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", passDef)
	cases := []struct{ arn, code, msg string }{
		{"invalid_execution_arn", "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_execution_arn'"},
		{sm, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: statemachine'"},
		{strings.Replace(sm, "stateMachine", "execution", 1) + ":nope", "ExecutionDoesNotExist",
			"Execution Does Not Exist: '" + strings.Replace(sm, "stateMachine", "execution", 1) + ":nope'"},
	}
	for _, c := range cases {
		_, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(c.arn)})
		wantCode(t, err, c.code, c.msg)
		_, err = e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(c.arn)})
		wantCode(t, err, c.code, c.msg)
	}
}
