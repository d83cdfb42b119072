package awsapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/store"
)

// distributedMap is a machine whose Distributed Map runs processor on each
// item of $.items, with the Map's fields extra.
func distributedMap(childType, extra, processor string) string {
	return `{"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemsPath":"$.items",` + extra +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + childType + `"},` + processor + `},"End":true}}}`
}

// mapRunOf returns the ARN of the (first) Map Run of an execution, from its
// MapRunStarted event, once it is there.
func (e *env) mapRunOf(execARN string) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := e.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execARN)})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ev := range out.Events {
			if ev.Type == types.HistoryEventTypeMapRunStarted {
				return *ev.MapRunStartedEventDetails.MapRunArn
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no MapRunStarted in %s", execARN)
		}
		time.Sleep(5 * time.Millisecond) // the Map state starts in a later step
	}
}

// waitRunning waits until a Map Run has n children running, as its store
// counts them.
func (e *env) waitRunning(run string, n int64) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		counts, err := e.store.MapItemCounts(context.Background(), run)
		if err != nil {
			e.t.Fatal(err)
		}
		if counts[store.MapItemRunning].Executions == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d children running, want %d", counts[store.MapItemRunning].Executions, n)
		}
		time.Sleep(5 * time.Millisecond) // the coordinator starts children in the background
	}
}

// A Map Run seen through the API: ListMapRuns, DescribeMapRun's counts,
// ListExecutions of its children (each with its Map Run), DescribeExecution
// of a child, the children's names and ARNs.
func TestMapRunActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	def := distributedMap("STANDARD", `"Label":"Fanout","ItemBatcher":{"MaxItemsPerBatch":2},`,
		`"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}`)
	sm := e.machine("STANDARD", def)
	started, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"items":[1,2,3,4,5]}`)})
	if err != nil {
		t.Fatal(err)
	}
	end := e.waitDone(*started.ExecutionArn)
	if end.Status != types.ExecutionStatusSucceeded || *end.Output != `[{"Items":[1,2]},{"Items":[3,4]},{"Items":[5]}]` {
		t.Fatalf("%s %v %v", end.Status, aws.ToString(end.Output), aws.ToString(end.Cause))
	}
	run := e.mapRunOf(*started.ExecutionArn)
	machineName := sm[strings.LastIndex(sm, ":")+1:]
	if !strings.HasPrefix(run, "arn:aws:states:us-east-1:123456789012:mapRun:"+machineName+"/Fanout:") {
		t.Errorf("Map Run ARN %s", run)
	}

	runs, err := e.sfn.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: started.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs.MapRuns) != 1 || *runs.MapRuns[0].MapRunArn != run || *runs.MapRuns[0].ExecutionArn != *started.ExecutionArn ||
		*runs.MapRuns[0].StateMachineArn != sm+"/Fanout" || runs.MapRuns[0].StopDate == nil {
		t.Errorf("ListMapRuns %+v", runs.MapRuns)
	}

	d, err := e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(run)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.MapRunStatusSucceeded || *d.ExecutionArn != *started.ExecutionArn || d.MaxConcurrency != 0 ||
		d.ToleratedFailureCount != 0 || d.ToleratedFailurePercentage != 0 || d.StopDate == nil || d.RedriveCount == nil || *d.RedriveCount != 0 {
		t.Errorf("DescribeMapRun %+v", d)
	}
	if c := d.ExecutionCounts; c.Total != 3 || c.Succeeded != 3 || c.Pending != 0 || c.Running != 0 || c.ResultsWritten != 3 {
		t.Errorf("executionCounts %+v", c)
	}
	if c := d.ItemCounts; c.Total != 5 || c.Succeeded != 5 || c.ResultsWritten != 5 {
		t.Errorf("itemCounts %+v", c)
	}

	children, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(run), MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	more, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(run), NextToken: children.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	all := append(children.Executions, more.Executions...)
	if len(children.Executions) != 2 || len(all) != 3 || more.NextToken != nil {
		t.Fatalf("children %d then %d", len(children.Executions), len(more.Executions))
	}
	items := int32(0)
	for _, c := range all {
		if *c.MapRunArn != run || *c.StateMachineArn != sm+"/Fanout" || c.Status != types.ExecutionStatusSucceeded ||
			*c.ExecutionArn != "arn:aws:states:us-east-1:123456789012:execution:"+machineName+"/Fanout:"+*c.Name || len(*c.Name) != 36 {
			t.Errorf("child %+v", c)
		}
		items += *c.ItemCount
	}
	if items != 5 {
		t.Errorf("the children hold %d items", items)
	}
	child, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: all[0].ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(child.MapRunArn) != run {
		t.Errorf("the child's mapRunArn %v", aws.ToString(child.MapRunArn))
	}
	m, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: all[0].ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if *m.StateMachineArn != sm+"/Fanout" || *m.Name != machineName+"/Fanout" || aws.ToString(m.MapRunArn) != run ||
		aws.ToString(m.Label) != "Fanout" || *m.RoleArn != roleARN ||
		*m.Definition != `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}}` {
		t.Errorf("the child's machine %+v %s", m, *m.Definition)
	}
	if parent, _ := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn}); parent.MapRunArn != nil {
		t.Errorf("the parent's mapRunArn %v", *parent.MapRunArn)
	}
	if got := historyText(t, e, *started.ExecutionArn); !strings.Contains(got, "MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded") {
		t.Errorf("history %s", got)
	}
}

// The Map Run actions' refusals, in AWS's shapes.
func TestMapRunErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	missing := "arn:aws:states:us-east-1:123456789012:mapRun:nope/label:0d9a6a4e-4c2b-4d63-9e0e-1f6c2d5b1a77"
	_, err := e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(missing)})
	wantCode(t, err, "ResourceNotFound", "Resource not found: '"+missing+"'")
	_, err = e.sfn.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(missing), MaxConcurrency: aws.Int32(2)})
	wantCode(t, err, "ResourceNotFound", "")
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(missing)})
	wantCode(t, err, "ResourceNotFound", "")
	_, err = e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:x")})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: execution'")
	_, err = e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String("nope")})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
	_, err = e.sfn.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:x")})
	wantCode(t, err, "ExecutionDoesNotExist", "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:m:x'")
	_, err = e.sfn.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(missing), MaxConcurrency: aws.Int32(-1),
		ToleratedFailurePercentage: aws.Float32(101)})
	wantCode(t, err, "ValidationException", "2 validation errors detected: Value '-1' at 'maxConcurrency' failed to satisfy constraint: "+
		"Member must have value greater than or equal to 0; Value '101' at 'toleratedFailurePercentage' failed to satisfy constraint: "+
		"Member must have value less than or equal to 100")
	_, err = e.sfn.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(missing), ToleratedFailureCount: aws.Int64(-3)})
	wantCode(t, err, "ValidationException", "1 validation error detected: Value '-3' at 'toleratedFailureCount' failed to satisfy constraint: "+
		"Member must have value greater than or equal to 0")
	_, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(missing),
		StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:m")})
	wantCode(t, err, "ValidationException", "")

	// An ended run can no longer be updated.
	sm := e.machine("STANDARD", distributedMap("STANDARD", "", `"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}`))
	started, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"items":[1]}`)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*started.ExecutionArn)
	_, err = e.sfn.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(e.mapRunOf(*started.ExecutionArn)), MaxConcurrency: aws.Int32(3)})
	wantCode(t, err, "ValidationException", "")
	status, out, _ := e.call("AWSStepFunctions.UpdateMapRun", fmt.Sprintf(`{"mapRunArn":%q}`, missing), nil)
	if status != 400 || out["__type"] != "com.amazonaws.states#ValidationException" {
		t.Errorf("an update of nothing: %d %v", status, out)
	}
}

// UpdateMapRun raises a running run's concurrency, and its coordinator
// starts the children at once; stopping the parent then aborts the run and
// its children, and the parent's history closes the run with MapRunAborted.
func TestUpdateMapRunThenStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", distributedMap("STANDARD", `"MaxConcurrency":1,`,
		`"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}`))
	started, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"items":[1,2,3,4,5]}`)})
	if err != nil {
		t.Fatal(err)
	}
	run := e.mapRunOf(*started.ExecutionArn)
	e.waitRunning(run, 1)
	d, err := e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(run)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.MapRunStatusRunning || d.MaxConcurrency != 1 || d.ExecutionCounts.Running != 1 || d.ExecutionCounts.Pending != 4 ||
		d.ExecutionCounts.Total != 5 || d.ExecutionCounts.ResultsWritten != 0 || d.StopDate != nil {
		t.Errorf("DescribeMapRun %+v %+v", d, d.ExecutionCounts)
	}
	if _, err := e.sfn.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(run), MaxConcurrency: aws.Int32(3),
		ToleratedFailureCount: aws.Int64(2)}); err != nil {
		t.Fatal(err)
	}
	e.waitRunning(run, 3)
	d, err = e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(run)})
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxConcurrency != 3 || d.ToleratedFailureCount != 2 || d.ExecutionCounts.Pending != 2 {
		t.Errorf("after UpdateMapRun %+v %+v", d, d.ExecutionCounts)
	}
	if _, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err = e.sfn.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(run)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.MapRunStatusAborted && d.ExecutionCounts.Running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run after the stop: %s %+v", d.Status, d.ExecutionCounts)
		}
		time.Sleep(5 * time.Millisecond) // the run aborts in the background
	}
	if d.ExecutionCounts.Aborted != 3 || d.ExecutionCounts.Pending != 2 || d.StopDate == nil {
		t.Errorf("aborted run %+v", d.ExecutionCounts)
	}
	aborted, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(run), StatusFilter: types.ExecutionStatusAborted})
	if err != nil || len(aborted.Executions) != 3 {
		t.Fatalf("aborted children %v %v", aborted, err)
	}
	if got := historyText(t, e, *started.ExecutionArn); !strings.HasSuffix(got, "MapRunStarted MapRunAborted ExecutionAborted") {
		t.Errorf("history %s", got)
	}
}

// A running EXPRESS child of a Map Run is listed with its run and described,
// as on AWS; an EXPRESS execution no Map Run started is still InvalidArn.
func TestMapRunExpressChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sm := e.machine("STANDARD", distributedMap("EXPRESS", `"MaxConcurrency":2,`,
		`"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}`))
	started, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"items":[1,2,3]}`)})
	if err != nil {
		t.Fatal(err)
	}
	run := e.mapRunOf(*started.ExecutionArn)
	e.waitRunning(run, 2)
	// The items count as running when the coordinator starts their children,
	// a moment before the EXPRESS engine lists them.
	var children *sfn.ListExecutionsOutput
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		children, err = e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(run)})
		if err != nil {
			t.Fatal(err)
		}
		if len(children.Executions) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(children.Executions) != 2 || !strings.Contains(*children.Executions[0].ExecutionArn, ":express:") {
		t.Fatalf("children %+v", children.Executions)
	}
	child, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: children.Executions[0].ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(child.MapRunArn) != run || child.Status != types.ExecutionStatusRunning {
		t.Errorf("the child %+v", child)
	}
	express := e.machine("EXPRESS", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
	alone, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(express)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: alone.ExecutionArn})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
	if _, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	e.waitDone(*started.ExecutionArn)
}

// historyText is an execution's event types, space-separated.
func historyText(t *testing.T, e *env, arn string) string {
	t.Helper()
	return strings.Join(historyTypes(t, e, arn), " ")
}
