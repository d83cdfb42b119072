package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/memory"
)

// TestMockedTaskKinds: a test case answers every kind of Task with the
// events Step Functions Local records for it, and without running anything:
// an activity no worker polls, a callback whose token nobody sends, a .sync
// child execution of a machine that does not exist, a Lambda function by ARN
// (whose mocked Payload is the result).
func TestMockedTaskKinds(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"kinds":{"TestCases":{"All":{
	  "Activity":"A","Callback":"C","Child":"S","Fn":"F"}}}},
	 "MockedResponses":{"A":{"0":{"Return":{"a":1}}},"C":{"0":{"Return":"token answer"}},
	  "S":{"0":{"Throw":{"Error":"Child.Failed","Cause":"mocked"}}},"F":{"0":{"Return":{"StatusCode":200,"Payload":{"f":true}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Activity","States":{
	  "Activity":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:nobody","ResultPath":"$.a","Next":"Callback"},
	  "Callback":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"ResultPath":"$.c","Next":"Child"},
	  "Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:nope"},
	    "Catch":[{"ErrorEquals":["Child.Failed"],"ResultPath":"$.s","Next":"Fn"}],"Next":"Fn"},
	  "Fn":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:absent","ResultPath":"$.f","End":true}}}`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := service.RunLocal(ctx, service.LocalMachine{Name: "kinds", Definition: def}, "{}", service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), MockConfig: cfg, TestCase: "All"})
	if err != nil {
		t.Fatal(err)
	}
	x := res.Execution
	if x.Status != "SUCCEEDED" || x.Output != `{"a":{"a":1},"c":"token answer","s":{"Error":"Child.Failed","Cause":"mocked"},"f":{"f":true}}` {
		t.Fatalf("%s %s %s %s", x.Status, x.Output, x.Error, x.Cause)
	}
	var types []string
	for _, e := range res.History {
		var ev struct{ Type string }
		_ = json.Unmarshal(e.JSON, &ev)
		types = append(types, ev.Type)
	}
	want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited " +
		"TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited " +
		"TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskFailed TaskStateExited " +
		"TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("history\n%s\nwant\n%s", got, want)
	}

	// A start with a test case the configuration lacks names it; without a
	// configuration, the suffix is refused.
	_, err = service.RunLocal(ctx, service.LocalMachine{Name: "kinds", Definition: def}, "{}", service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), MockConfig: cfg, TestCase: "None"})
	if err == nil || !strings.Contains(err.Error(), `no test case "None" for state machine "kinds"`) {
		t.Errorf("unknown test case: %v", err)
	}
	bad, _ := mock.Parse([]byte(`{"StateMachines":{"kinds":{"TestCases":{"Typo":{"Activty":"A"}}}},"MockedResponses":{"A":{"0":{"Return":1}}}}`))
	_, err = service.RunLocal(ctx, service.LocalMachine{Name: "kinds", Definition: def}, "{}", service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), MockConfig: bad, TestCase: "Typo"})
	if err == nil || !strings.Contains(err.Error(), `mocks the state "Activty", which is not a Task state`) {
		t.Errorf("a state the definition lacks: %v", err)
	}
	_, err = service.RunLocal(ctx, service.LocalMachine{Name: "kinds", Definition: def}, "{}", service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), TestCase: "All"})
	if err == nil || !strings.Contains(err.Error(), "has no mock configuration") {
		t.Errorf("no configuration: %v", err)
	}
}

// TestMockedDistributedMapChildren: the child executions of a Distributed
// Map run their parent's test case (STANDARD and EXPRESS children alike),
// each counting its own invocations, as in Step Functions Local.
func TestMockedDistributedMapChildren(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"dmap":{"TestCases":{"Items":{"Work":"W"}}}},
	 "MockedResponses":{"W":{"0":{"Throw":{"Error":"Busy","Cause":"first"}},"1":{"Return":{"StatusCode":200,"Payload":"done"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"STANDARD", "EXPRESS"} {
		def := `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + typ + `"},
		  "StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"absent","Payload.$":"$"},
		    "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1,"BackoffRate":1}],"OutputPath":"$.Payload","End":true}}},"End":true}}}`
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := service.RunLocal(ctx, service.LocalMachine{Name: "dmap", Definition: def}, "[1,2,3]", service.LocalOptions{
			Store: memory.New(), ExpressStore: memory.New(), MockConfig: cfg, TestCase: "Items", TimeScale: 0.001})
		cancel()
		if err != nil {
			t.Fatal(typ, err)
		}
		if x := res.Execution; x.Status != "SUCCEEDED" || x.Output != `["done","done","done"]` {
			t.Errorf("%s children: %s %s %s %s", typ, x.Status, x.Output, x.Error, x.Cause)
		}
	}
}
