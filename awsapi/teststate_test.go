package awsapi_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// testState calls TestState with a request given as a Go value.
func (e *env) testState(req map[string]any, host string) (int, map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(req)
	var h map[string]string
	if host != "" {
		h = map[string]string{"Host": host}
	}
	status, out, _ := e.call("AWSStepFunctions.TestState", string(body), h)
	return status, out
}

// parsed reads a JSON text field of an answer.
func parsed(t *testing.T, v any) any {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is not JSON text", v)
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return out
}

func js(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}

func def(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTestStateOutcomes: each status TestState answers, with what it reports
// of the state, through the API (and with the "sync-" host prefix SDKs add).
func TestTestStateOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	role := "arn:aws:iam::000000000000:role/tester"
	task := map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": map[string]any{"FunctionName": "f", "Payload.$": "$.in"}, "ResultSelector": map[string]any{"p.$": "$.Payload"},
		"ResultPath": "$.out",
		"Retry":      []any{map[string]any{"ErrorEquals": []any{"Busy"}, "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 5}},
		"Catch":      []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "ResultPath": "$.err", "Next": "Handle"}},
		"Next":       "After"}

	t.Run("pass at DEBUG", func(t *testing.T) {
		status, out := e.testState(map[string]any{"definition": def(map[string]any{"Type": "Pass", "InputPath": "$.a",
			"Parameters": map[string]any{"x.$": "$.b"}, "ResultPath": "$.r", "End": true}),
			"input": `{"a":{"b":1}}`, "inspectionLevel": "DEBUG"}, "sync-localhost")
		if status != 200 || out["status"] != "SUCCEEDED" || out["nextState"] != nil {
			t.Fatalf("%d %v", status, out)
		}
		d := out["inspectionData"].(map[string]any)
		want := map[string]any{"input": js(`{"a":{"b":1}}`), "afterInputPath": js(`{"b":1}`), "afterParameters": js(`{"x":1}`),
			"afterResultSelector": js(`{"x":1}`), "afterResultPath": js(`{"a":{"b":1},"r":{"x":1}}`)}
		if len(d) != len(want) {
			t.Errorf("inspection data %v, want the fields of %v", d, want)
		}
		for k, w := range want {
			if got := parsed(t, d[k]); !reflect.DeepEqual(got, w) {
				t.Errorf("%s = %v, want %v", k, got, w)
			}
		}
	})

	t.Run("mocked success goes to Next", func(t *testing.T) {
		status, out := e.testState(map[string]any{"definition": def(task), "input": `{"in":1}`, "inspectionLevel": "TRACE",
			"mock": map[string]any{"result": `{"StatusCode":200,"Payload":{"ok":true}}`}}, "")
		if status != 200 || out["status"] != "SUCCEEDED" || out["nextState"] != "After" ||
			!reflect.DeepEqual(parsed(t, out["output"]), js(`{"in":1,"out":{"p":{"ok":true}}}`)) {
			t.Fatalf("%d %v", status, out)
		}
		d := out["inspectionData"].(map[string]any)
		if !reflect.DeepEqual(parsed(t, d["result"]), js(`{"StatusCode":200,"Payload":{"ok":true}}`)) ||
			!reflect.DeepEqual(parsed(t, d["afterParameters"]), js(`{"FunctionName":"f","Payload":1}`)) {
			t.Errorf("inspection data %v", d)
		}
	})

	t.Run("retriable, with the backoff of the retries made", func(t *testing.T) {
		status, out := e.testState(map[string]any{"definition": def(task), "inspectionLevel": "DEBUG", "input": `{"in":1}`,
			"mock": map[string]any{"errorOutput": map[string]any{"error": "Busy", "cause": "later"}}, "stateConfiguration": map[string]any{"retrierRetryCount": 4}}, "")
		d, _ := out["inspectionData"].(map[string]any)
		if status != 200 || out["status"] != "RETRIABLE" || out["error"] != "Busy" || out["cause"] != "later" ||
			!reflect.DeepEqual(d["errorDetails"], js(`{"retryIndex":0,"retryBackoffIntervalSeconds":16}`)) {
			t.Fatalf("%d %v", status, out)
		}
	})

	t.Run("retries used up, then caught", func(t *testing.T) {
		status, out := e.testState(map[string]any{"definition": def(task), "inspectionLevel": "DEBUG", "input": `{"in":1}`,
			"mock": map[string]any{"errorOutput": map[string]any{"error": "Busy", "cause": "later"}}, "stateConfiguration": map[string]any{"retrierRetryCount": 5}}, "")
		d, _ := out["inspectionData"].(map[string]any)
		if status != 200 || out["status"] != "CAUGHT_ERROR" || out["nextState"] != "Handle" ||
			!reflect.DeepEqual(d["errorDetails"], js(`{"retryIndex":0,"catchIndex":0}`)) ||
			!reflect.DeepEqual(parsed(t, out["output"]), js(`{"in":1,"err":{"Error":"Busy","Cause":"later"}}`)) {
			t.Fatalf("%d %v", status, out)
		}
	})

	t.Run("a Task without a mock calls its resource", func(t *testing.T) {
		e.mu.Lock()
		e.run = func(ctx context.Context, task *runner.Task) runner.Outcome {
			if task.StateName != "StateName" {
				return runner.Failed(aslerr.TaskFailed, "state "+task.StateName)
			}
			out := jsonvalue.NewObject(1)
			out.Set("Payload", "real")
			return runner.Succeeded(out)
		}
		e.mu.Unlock()
		defer func() { e.mu.Lock(); e.run = nil; e.mu.Unlock() }()
		status, out := e.testState(map[string]any{"definition": def(task), "input": `{"in":1}`, "roleArn": role}, "")
		if status != 200 || out["status"] != "SUCCEEDED" || !reflect.DeepEqual(parsed(t, out["output"]), js(`{"in":1,"out":{"p":"real"}}`)) ||
			out["inspectionData"] != nil {
			t.Fatalf("%d %v", status, out)
		}
	})

	t.Run("context of the test execution", func(t *testing.T) {
		status, out := e.testState(map[string]any{"definition": def(map[string]any{"Type": "Pass", "QueryLanguage": "JSONata",
			"Output": "{% $states.context %}", "End": true}), "roleArn": role}, "")
		if status != 200 {
			t.Fatalf("%d %v", status, out)
		}
		c := parsed(t, out["output"]).(map[string]any)
		x := c["Execution"].(map[string]any)
		sm := c["StateMachine"].(map[string]any)
		if x["RoleArn"] != role || !strings.HasPrefix(x["Id"].(string), "arn:aws:states:us-east-1:000000000000:express:"+sm["Name"].(string)+":") ||
			!strings.HasSuffix(x["Id"].(string), ":"+x["Name"].(string)) || c["State"].(map[string]any)["Name"] != "StateName" {
			t.Errorf("context %v", c)
		}
	})

	t.Run("a state of a whole machine", func(t *testing.T) {
		machine := def(map[string]any{"StartAt": "A", "States": map[string]any{
			"A": map[string]any{"Type": "Pass", "Next": "M"},
			"M": map[string]any{"Type": "Map", "ItemProcessor": map[string]any{"StartAt": "Inner", "States": map[string]any{
				"Inner": map[string]any{"Type": "Choice", "Choices": []any{map[string]any{"Variable": "$.v", "NumericEquals": 1, "Next": "One"}}, "Default": "Other"},
				"One":   map[string]any{"Type": "Succeed"}, "Other": map[string]any{"Type": "Succeed"}}}, "End": true}}})
		status, out := e.testState(map[string]any{"definition": machine, "stateName": "Inner", "input": `{"v":1}`}, "")
		if status != 200 || out["status"] != "SUCCEEDED" || out["nextState"] != "One" {
			t.Fatalf("%d %v", status, out)
		}
		status, out = e.testState(map[string]any{"definition": machine, "stateName": "Nope"}, "")
		if status != 400 || out["__type"] != "com.amazonaws.states#ValidationException" || out["message"] != "State not found in definition" {
			t.Fatalf("%d %v", status, out)
		}
	})

	t.Run("a mocked Map with tolerated failures exceeded", func(t *testing.T) {
		m := def(map[string]any{"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1, "MaxConcurrency": 2,
			"ItemProcessor": map[string]any{"ProcessorConfig": map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
				"StartAt": "T", "States": map[string]any{"T": map[string]any{"Type": "Pass", "End": true}}}, "End": true})
		status, out := e.testState(map[string]any{"definition": m, "input": `{"items":[1,2,3]}`, "inspectionLevel": "DEBUG",
			"mock": map[string]any{"result": `[1,null,null]`}, "stateConfiguration": map[string]any{"mapIterationFailureCount": 2}}, "")
		d, _ := out["inspectionData"].(map[string]any)
		if status != 200 || out["status"] != "FAILED" || out["error"] != "States.ExceedToleratedFailureThreshold" ||
			d["maxConcurrency"] != 2.0 || d["toleratedFailureCount"] != 1.0 || !reflect.DeepEqual(parsed(t, d["afterItemsPath"]), js(`[1,2,3]`)) {
			t.Fatalf("%d %v", status, out)
		}
	})
}

// TestTestStateRefusals: the requests TestState refuses, with AWS's codes and
// words.
func TestTestStateRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lambda := def(map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": map[string]any{"FunctionName": "f"}, "End": true})
	parallel := def(map[string]any{"Type": "Parallel", "End": true, "Branches": []any{
		map[string]any{"StartAt": "B", "States": map[string]any{"B": map[string]any{"Type": "Pass", "End": true}}}}})
	cases := []struct {
		name      string
		req       map[string]any
		code, msg string
	}{
		{"a Task without a role or a mock", map[string]any{"definition": lambda}, "ValidationException", "RoleArn must be specified when testing a Task state"},
		{"a mock of a Pass state", map[string]any{"definition": `{"Type":"Pass","End":true}`, "mock": map[string]any{"result": "{}"}},
			"ValidationException", "State type 'Pass' is not supported when a mock is specified"},
		{"a Parallel state without a mock", map[string]any{"definition": parallel}, "InvalidDefinition",
			"TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"},
		{"a Parallel mock of the wrong size", map[string]any{"definition": parallel, "mock": map[string]any{"result": "[1,2]"}},
			"ValidationException", "Mocked result must contain the same number of items as number of Parallel branches."},
		{"both result and errorOutput", map[string]any{"definition": lambda, "mock": map[string]any{"result": "{}", "errorOutput": map[string]any{"error": "E"}}},
			"ValidationException", "A test mock should have only one of the following fields: [result, errorOutput]."},
		{"a mock that is not JSON", map[string]any{"definition": lambda, "mock": map[string]any{"result": "nope", "fieldValidationMode": "NONE"}},
			"ValidationException", "Mocked result must be valid JSON"},
		{"a result of the wrong type (STRICT)", map[string]any{"definition": lambda, "mock": map[string]any{"result": `{"StatusCode":"200"}`}},
			"ValidationException", "Mock result schema validation error: Field 'StatusCode' must be a number"},
		{"a missing required field (STRICT)", map[string]any{"definition": `{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"a"},"End":true}`,
			"mock": map[string]any{"result": `{"startDate":"x"}`}}, "ValidationException", "Mock result schema validation error: Required field 'ExecutionArn' is missing"},
		{"an enum value the API does not have (PRESENT)", map[string]any{"definition": `{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"End":true}`,
			"mock": map[string]any{"result": `{"StorageClass":"Papyrus"}`, "fieldValidationMode": "PRESENT"}}, "ValidationException",
			"Mock result schema validation error: Field 'StorageClass' is not an expected value"},
		{"a context field that does not exist", map[string]any{"definition": lambda, "mock": map[string]any{"result": "{}"}, "context": `{"Execution":{"Pokemon":1}}`},
			"ValidationException", "Invalid Context object provided: Field 'Pokemon' is not allowed"},
		{"a context with a Task for a request-response task", map[string]any{"definition": lambda, "mock": map[string]any{"result": "{}"}, "context": `{"Task":{"Token":"t"}}`},
			"ValidationException", "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"},
		{"revealSecrets with a mock", map[string]any{"definition": lambda, "revealSecrets": true, "mock": map[string]any{"result": "{}"}},
			"ValidationException", "TestState does not support RevealSecrets when a mock is specified."},
		{"an invalid state", map[string]any{"definition": `{"Type":"Nope","End":true}`}, "InvalidDefinition",
			"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/StateName/Type'"},
		{"a bad inspection level", map[string]any{"definition": lambda, "inspectionLevel": "ALL"}, "ValidationException",
			"1 validation error detected: Value 'ALL' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.testState(c.req, "")
			if status != 400 || out["__type"] != "com.amazonaws.states#"+c.code || out["message"] != c.msg {
				t.Fatalf("%d %v, want %s %q", status, out, c.code, c.msg)
			}
		})
	}
}
