package awsapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

func TestActivityLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	name := uniqueName("act")
	a, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:states:us-east-1:123456789012:activity:" + name
	if *a.ActivityArn != arn || a.CreationDate == nil {
		t.Fatalf("create %+v", a)
	}
	// Idempotent by name: the same activity, its tags unchanged.
	again, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name), Tags: []types.Tag{{Key: aws.String("other"), Value: aws.String("x")}}})
	if err != nil || *again.ActivityArn != arn || !again.CreationDate.Equal(*a.CreationDate) {
		t.Fatalf("create again: %+v, %v", again, err)
	}
	tags, _ := e.sfn.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "k" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	d, err := e.sfn.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	if err != nil || *d.Name != name || *d.ActivityArn != arn || !d.CreationDate.Equal(*a.CreationDate) {
		t.Fatalf("describe %+v, %v", d, err)
	}
	for range 4 {
		if _, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("act"))}); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	var token *string
	for pages := 0; ; pages++ {
		out, err := e.sfn.ListActivities(ctx, &sfn.ListActivitiesInput{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(out.Activities)
		if token = out.NextToken; token == nil {
			if pages != 2 || seen != 5 {
				t.Fatalf("%d pages, %d activities", pages+1, seen)
			}
			break
		}
	}

	// A poll finds the activity (and its node remembers that for a second);
	// once deleted on that node, the next poll is refused at once.
	awsapi.SetPollTimeout(e.handler, 50*time.Millisecond)
	if out, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(arn)}); err != nil || out.TaskToken != nil {
		t.Fatalf("a poll with no task: %+v, %v", out, err)
	}
	if _, err := e.sfn.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	var gone *types.ActivityDoesNotExist
	if !errors.As(err, &gone) || *gone.Message != "Activity Does Not Exist: '"+arn+"'" {
		t.Fatalf("describe deleted: %v", err)
	}
	_, err = e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(arn)})
	wantCode(t, err, "ActivityDoesNotExist", "Activity Does Not Exist: '"+arn+"'")
	if _, err := e.sfn.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(arn)}); err != nil {
		t.Fatalf("delete again: %v", err)
	}
	_, err = e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("TestActivity InvalidName$")})
	wantCode(t, err, "InvalidName", "Invalid Name: 'TestActivity InvalidName$'")
	_, err = e.sfn.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(strings.Replace(arn, "activity", "stateMachine", 1))})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: statemachine'")
}

// activityMachine is a machine whose one state is a Task on an activity.
func (e *env) activityMachine(activityARN string) string {
	return e.machine("STANDARD", `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"`+activityARN+`","HeartbeatSeconds":60,"End":true}}}`)
}

func TestActivityWorker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	act, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("worker"))})
	if err != nil {
		t.Fatal(err)
	}
	sm := e.activityMachine(*act.ActivityArn)

	// A worker polls before the task exists; the poll answers when it does.
	polled := make(chan *sfn.GetActivityTaskOutput, 1)
	go func() {
		out, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
		if err != nil {
			t.Errorf("GetActivityTask: %v", err)
		}
		polled <- out
	}()
	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"job":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	task := <-polled
	if task == nil || task.TaskToken == nil {
		t.Fatalf("no task: %+v", task)
	}
	jsonEqual(t, *task.Input, `{"job":7}`)
	for range 2 {
		if _, err := e.sfn.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
			t.Fatalf("heartbeat: %v", err)
		}
	}
	_, err = e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String("{not json")})
	var badOutput *types.InvalidOutput
	if !errors.As(err, &badOutput) || !strings.HasPrefix(*badOutput.Message, "Invalid Output: '") {
		t.Fatalf("invalid output: %v", err)
	}
	if _, err := e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":true}`)}); err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*x.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %+v", d)
	}
	jsonEqual(t, *d.Output, `{"done":true}`)
	h, _ := e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn})
	var worker string
	for _, ev := range h.Events {
		if ev.Type == types.HistoryEventTypeActivityStarted {
			worker = *ev.ActivityStartedEventDetails.WorkerName
		}
	}
	if worker != "w1" {
		t.Fatalf("ActivityStarted by %q", worker)
	}

	// The task is closed: every answer now is too late.
	var late *types.TaskTimedOut
	_, err = e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String("{}")})
	if !errors.As(err, &late) || *late.Message != "Task Timed Out: 'Provided task does not exist anymore'" {
		t.Fatalf("late success: %v", err)
	}
	_, err = e.sfn.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
	wantCode(t, err, "TaskTimedOut", "")
	_, err = e.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken})
	wantCode(t, err, "TaskTimedOut", "")
	_, err = e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("no-such-token"), Output: aws.String("{}")})
	wantCode(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
	_, err = e.sfn.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(strings.Repeat("t", 2049))})
	wantCode(t, err, "ValidationException", "")

	// A failure fails the execution with the worker's error and cause.
	x2, _ := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	task2, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task2.TaskToken == nil {
		t.Fatalf("second task: %+v, %v", task2, err)
	}
	if _, err := e.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task2.TaskToken, Error: aws.String("Worker.Broken"), Cause: aws.String("disk full")}); err != nil {
		t.Fatal(err)
	}
	d2 := e.waitDone(*x2.ExecutionArn)
	if d2.Status != types.ExecutionStatusFailed || *d2.Error != "Worker.Broken" || *d2.Cause != "disk full" {
		t.Fatalf("failed execution %+v", d2)
	}

	// No task: the long poll ends with an empty answer (no taskToken).
	empty, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || empty.TaskToken != nil || empty.Input != nil {
		t.Fatalf("empty poll: %+v, %v", empty, err)
	}
}

func TestActivityExactlyOnePoller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	awsapi.SetPollTimeout(e.handler, time.Second)
	ctx := context.Background()
	act, _ := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("one"))})
	sm := e.activityMachine(*act.ActivityArn)
	const pollers = 6
	var wg sync.WaitGroup
	tokens := make(chan string, pollers)
	for range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
			if err != nil {
				t.Errorf("poll: %v", err)
				return
			}
			if out.TaskToken != nil {
				tokens <- *out.TaskToken
			}
		}()
	}
	if _, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(tokens)
	var got []string
	for tok := range tokens {
		got = append(got, tok)
	}
	if len(got) != 1 {
		t.Fatalf("%d pollers got the one task", len(got))
	}
}

// TestWaitForTaskToken runs lambda:invoke.waitForTaskToken: the function gets
// the token and the execution waits for SendTaskSuccess or SendTaskFailure.
func TestWaitForTaskToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tokens := make(chan string, 4)
	invokeTokens := make(chan string, 1)
	e.onTask(func(ctx context.Context, task *runner.Task) runner.Outcome {
		if !strings.HasSuffix(task.Resource.ARN, ".waitForTaskToken") {
			invokeTokens <- task.Token
			<-ctx.Done()
			return runner.Failed("States.Timeout", "cancelled")
		}
		payload, _ := task.Input.(*jsonvalue.Object).Get("Payload")
		tok, _ := payload.(*jsonvalue.Object).Get("token")
		tokens <- tok.(string)
		return runner.Succeeded(jsonvalue.MustParse(`{"StatusCode":202}`))
	})
	sm := e.machine("STANDARD", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"approver","Payload":{"token.$":"$$.Task.Token","order.$":"$.order"}},"End":true}}}`)

	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"order":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	tok := <-tokens
	if _, err := e.sfn.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(tok)}); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if _, err := e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*x.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %+v", d)
	}
	jsonEqual(t, *d.Output, `{"approved":true}`)

	x2, _ := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"order":2}`)})
	tok = <-tokens
	if _, err := e.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(tok), Error: aws.String("Rejected"), Cause: aws.String("too big")}); err != nil {
		t.Fatal(err)
	}
	d2 := e.waitDone(*x2.ExecutionArn)
	if d2.Status != types.ExecutionStatusFailed || *d2.Error != "Rejected" || *d2.Cause != "too big" {
		t.Fatalf("rejected %+v", d2)
	}

	// The token of a plain invocation is not the caller's to answer.
	plain := e.machine("STANDARD", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","End":true}}}`)
	x3, _ := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(plain)})
	_, err = e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(<-invokeTokens), Output: aws.String("{}")})
	wantCode(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
	if _, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: x3.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
}

func TestTagging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", passDef)
	act, _ := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("tagged"))})
	for _, arn := range []string{sm, *act.ActivityArn} {
		_, err := e.sfn.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn),
			Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("")}}})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = e.sfn.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("3")}}})
		out, err := e.sfn.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil || len(out.Tags) != 2 || *out.Tags[0].Key != "a" || *out.Tags[0].Value != "" || *out.Tags[1].Value != "3" {
			t.Fatalf("tags of %s: %+v, %v", arn, out, err)
		}
		if _, err := e.sfn.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a", "missing"}}); err != nil {
			t.Fatal(err)
		}
		out, _ = e.sfn.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if len(out.Tags) != 1 || *out.Tags[0].Key != "b" {
			t.Fatalf("after untag: %+v", out.Tags)
		}
		_, err = e.sfn.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: manyTags(50)})
		wantCode(t, err, "TooManyTags", "")
	}
	missing := sm + "-gone"
	_, err := e.sfn.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) || *nf.Message != "Resource not found: '"+missing+"'" || *nf.ResourceName != missing {
		t.Fatalf("tag a missing machine: %v", err)
	}
	_, err = e.sfn.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(sm + ":1")})
	wantCode(t, err, "ResourceNotFound", "")
	_, err = e.sfn.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:x"), TagKeys: []string{"k"}})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: execution'")
}

// TestActivityOutputLimits: SendTaskSuccess's limit counts characters, as
// AWS's API does: 262,145 characters are refused, while 100,000 three-byte
// characters (over the payload quota in bytes) are accepted and fail the
// task with States.DataLimitExceeded.
func TestActivityOutputLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	act, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("limits"))})
	if err != nil {
		t.Fatal(err)
	}
	sm := e.activityMachine(*act.ActivityArn)
	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	task, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == nil {
		t.Fatalf("no task: %v", err)
	}
	_, err = e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`"` + strings.Repeat("a", 262143) + `"`)})
	var badOutput *types.InvalidOutput
	if !errors.As(err, &badOutput) || !strings.Contains(*badOutput.Message, "262145 characters") {
		t.Fatalf("262,145 characters: %v", err)
	}
	if _, err := e.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken,
		Output: aws.String(`{"s":"` + strings.Repeat("€", 100000) + `"}`)}); err != nil {
		t.Fatalf("100,000 three-byte characters: %v", err)
	}
	d := e.waitDone(*x.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.DataLimitExceeded" {
		t.Fatalf("execution %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// A SendTaskFailure without an error or a cause is caught as AWS hands it on:
// null for what was not given (LocalStack's
// test_sqs_failure_in_wait_for_task_tok_no_error_field), in a Task's catcher
// and in a Parallel's whose branch it ended; "" stays "".
func TestTaskFailureWithoutErrorCaught(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	act, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("nofield"))})
	if err != nil {
		t.Fatal(err)
	}
	task := `{"Type":"Task","Resource":"` + *act.ActivityArn + `","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"Z"}],"End":true}`
	direct := e.machine("STANDARD", `{"StartAt":"T","States":{"T":`+task+`,"Z":{"Type":"Pass","End":true}}}`)
	parallel := e.machine("STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+
		*act.ActivityArn+`","End":true}}}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`)
	for _, c := range []struct {
		machine      string
		error, cause *string
		want         string
	}{
		{direct, nil, nil, `{"e":{"Error":null,"Cause":null}}`},
		{direct, aws.String("Oops"), nil, `{"e":{"Error":"Oops","Cause":null}}`},
		{direct, aws.String(""), aws.String(""), `{"e":{"Error":"","Cause":""}}`},
		{parallel, nil, nil, `{"e":{"Error":null,"Cause":null}}`},
	} {
		x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(c.machine)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil || got.TaskToken == nil {
			t.Fatalf("poll: %+v %v", got, err)
		}
		if _, err := e.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: got.TaskToken, Error: c.error, Cause: c.cause}); err != nil {
			t.Fatal(err)
		}
		d := e.waitDone(*x.ExecutionArn)
		if d.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("%+v", d)
		}
		jsonEqual(t, *d.Output, c.want)
	}
}

// A Task of an activity that does not exist (deleted, or never made) fails at
// once with States.Runtime, before it is scheduled, as AWS records it
// (LocalStack's test_activity_task_on_deleted).
func TestActivityThatDoesNotExist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	act, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("gone"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sfn.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	sm := e.machine("STANDARD", `{"StartAt":"ActivityTask","States":{"ActivityTask":{"Type":"Task","Resource":"`+*act.ActivityArn+`","End":true}}}`)
	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	d := e.waitDone(*x.ExecutionArn)
	want := "An error occurred while executing the state 'ActivityTask' (entered at the event id #2). The activity " + *act.ActivityArn + " does not exist."
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Runtime" || aws.ToString(d.Cause) != want {
		t.Fatalf("%s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	h, err := e.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range h.Events {
		got = append(got, string(ev.Type))
	}
	if strings.Join(got, " ") != "ExecutionStarted TaskStateEntered ExecutionFailed" {
		t.Errorf("history %v", got)
	}
}
