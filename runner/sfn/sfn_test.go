package sfn

import (
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
)

func resource(t *testing.T, arn string) asl.Resource {
	t.Helper()
	res, err := asl.ParseResource(arn)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRequest(t *testing.T) {
	const sm = "arn:aws:states:us-east-1:1:stateMachine:child"
	for _, c := range []struct {
		params, input, name, fail string
	}{
		{`{"StateMachineArn":"` + sm + `"}`, `{}`, "", ""},
		{`{"StateMachineArn":"` + sm + `","Input":null}`, `{}`, "", ""},
		{`{"StateMachineArn":"` + sm + `","Input":{"b":[1,2.50],"a":"x"}}`, `{"b":[1,2.50],"a":"x"}`, "", ""},
		{`{"StateMachineArn":"` + sm + `","Input":"{\"as\":\"text\"}","Name":"n1"}`, `{"as":"text"}`, "n1", ""},
		{`{"StateMachineArn":"` + sm + `","Input":7}`, `7`, "", ""},
		{`{"Input":{}}`, "", "", "StateMachineArn is required"},
		{`{"StateMachineArn":5}`, "", "", "must be a string"},
		{`{"StateMachineArn":"` + sm + `","Bogus":1}`, "", "", "Bogus is not one of StartExecution's"},
		{`[1]`, "", "", "must be an object"},
	} {
		params, err := jsonvalue.ParseString(c.params)
		if err != nil {
			t.Fatal(err)
		}
		req, fail := ParseRequest(params, "tok")
		if c.fail != "" {
			if fail == nil || fail.Name != "States.Runtime" || !strings.Contains(fail.Cause, c.fail) {
				t.Errorf("%s: %+v, want a failure with %q", c.params, fail, c.fail)
			}
			continue
		}
		if fail != nil {
			t.Errorf("%s: %v", c.params, fail)
			continue
		}
		if req.Input != c.input || req.StateMachineARN != sm {
			t.Errorf("%s: %+v", c.params, req)
		}
		if want := c.name; want == "" {
			if req.Name != NameFor("tok") || len(req.Name) != 36 {
				t.Errorf("%s: name %q", c.params, req.Name)
			}
		} else if req.Name != want {
			t.Errorf("%s: name %q", c.params, req.Name)
		}
	}
	if NameFor("a") == NameFor("b") {
		t.Error("two tokens, one name")
	}
}

func TestDescribe(t *testing.T) {
	start := time.UnixMilli(1700000000123)
	x := &Execution{ARN: "arn:x", MachineARN: "arn:m", Name: "n", Status: "SUCCEEDED", Input: `{"a":1}`, Output: `[1,"two"]`,
		HasOutput: true, Start: start, Stop: start.Add(1500 * time.Millisecond), Standard: true,
		RedriveReason: "Execution is SUCCEEDED and cannot be redriven"}
	want := `{"ExecutionArn":"arn:x","Input":"{\"a\":1}","InputDetails":{"Included":true},"Name":"n","Output":"[1,\"two\"]",` +
		`"OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven",` +
		`"StartDate":1700000000123,"StateMachineArn":"arn:m","Status":"SUCCEEDED","StopDate":1700000001623}`
	if got := string(jsonvalue.Marshal(Describe(x, false))); got != want {
		t.Errorf(".sync\n got %s\nwant %s", got, want)
	}
	x.Standard = false
	want = `{"ExecutionArn":"arn:x","Input":{"a":1},"InputDetails":{"Included":true},"Name":"n","Output":[1,"two"],` +
		`"OutputDetails":{"Included":true},"StartDate":1700000000123,"StateMachineArn":"arn:m","Status":"SUCCEEDED","StopDate":1700000001623}`
	if got := string(jsonvalue.Marshal(Describe(x, true))); got != want {
		t.Errorf(".sync:2\n got %s\nwant %s", got, want)
	}
	failed := &Execution{ARN: "arn:x", MachineARN: "arn:m", Name: "n", Status: "FAILED", Input: `{}`, Error: "E", Cause: "C", Start: start, Stop: start}
	got := string(jsonvalue.Marshal(Describe(failed, true)))
	if !strings.HasPrefix(got, `{"Cause":"C","Error":"E","ExecutionArn"`) || strings.Contains(got, "Output") {
		t.Errorf("failed: %s", got)
	}
	// A redrivable child, redriven once: as AWS's .sync causes show it, no reason.
	failed.Standard, failed.Redrivable, failed.RedriveCount = true, true, 1
	got = string(jsonvalue.Marshal(Describe(failed, false)))
	if !strings.Contains(got, `"RedriveCount":1,"RedriveStatus":"REDRIVABLE","StartDate"`) {
		t.Errorf("redrivable: %s", got)
	}
}

func TestResult(t *testing.T) {
	x := &Execution{ARN: "arn:x", MachineARN: "arn:m", Name: "n", Status: "SUCCEEDED", Input: `{}`, Output: `{"ok":1}`, HasOutput: true}
	out, fail := Result(x, ".sync:2")
	if fail != nil || !strings.Contains(string(jsonvalue.Marshal(out)), `"Output":{"ok":1}`) {
		t.Errorf("succeeded: %s %v", jsonvalue.Marshal(out), fail)
	}
	x.Status, x.HasOutput, x.Error = "FAILED", false, "Boom"
	out, fail = Result(x, ".sync")
	if out != nil || fail == nil || fail.Name != "States.TaskFailed" || !strings.Contains(fail.Cause, `"Error":"Boom"`) {
		t.Errorf("failed: %v %+v", out, fail)
	}
}

func TestServiceFailure(t *testing.T) {
	f := ServiceFailure("ExecutionAlreadyExists", "Execution Already Exists: 'arn:x'")
	if f.Name != "StepFunctions.ExecutionAlreadyExistsException" ||
		!strings.HasPrefix(f.Cause, "Execution Already Exists: 'arn:x' (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists; Request ID: ") ||
		!strings.HasSuffix(f.Cause, "; Proxy: null)") {
		t.Errorf("%+v", f)
	}
}

func TestCheck(t *testing.T) {
	for _, arn := range []string{"arn:aws:states:::states:startExecution", "arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::states:startExecution.waitForTaskToken"} {
		if err := Check(resource(t, arn)); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
	if err := Check(resource(t, "arn:aws:states:::states:describeExecution")); err == nil {
		t.Error("describeExecution passes the check")
	}
	if Waits(resource(t, "arn:aws:states:::states:startExecution.sync:2")) != ".sync:2" || Waits(resource(t, "arn:aws:states:::states:startExecution")) != "" {
		t.Error("Waits")
	}
}
