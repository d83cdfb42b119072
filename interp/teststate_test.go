package interp_test

import (
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

const stateTestDef = `{"StartAt":"Route","States":{
 "Route":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"},{"Variable":"$.n","NumericEquals":0,"Next":"Zero"}],"Default":"Work"},
 "Big":{"Type":"Succeed"},"Zero":{"Type":"Succeed"},
 "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","InputPath":"$.in","Parameters":{"v.$":"$.v"},
  "ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.out",
  "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":3,"BackoffRate":2,"MaxAttempts":2}],
  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Big"}],"Next":"Zero"}}}`

func runState(t *testing.T, name, input string, mock *interp.StateMock, retries int) *interp.StateOutcome {
	t.Helper()
	def := mustDefinition(t, stateTestDef)
	in, err := jsonvalue.ParseString(input)
	if err != nil {
		t.Fatal(err)
	}
	info := asl.NewExecutionInfo(asl.ExecutionInfo{ID: "arn:aws:states:us-east-1:123456789012:express:m:e", Name: "e", Input: in,
		StateMachineID: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m"})
	r := interp.RunState(&interp.StateTest{Definition: def, State: def.Root.State(name), Info: info, Input: in, Now: time.Unix(0, 0),
		Source: newSource(), Limits: interp.DefaultLimits, Mock: mock, RetrierRetryCount: retries})
	if d := r.Task(); d != nil {
		r.Deliver(interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: mustJSON(t, `{"Payload":"real"}`)})
	}
	if !r.Done() {
		t.Fatal("the state did not finish")
	}
	return r.Outcome()
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonvalue.ParseString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRunStateOutcomes: one state run alone stops when it is done, and says
// how it ended, where it goes, and each stage of its data flow.
func TestRunStateOutcomes(t *testing.T) {
	out := runState(t, "Route", `{"n":0}`, nil, 0)
	if out.Status != interp.TestSucceeded || out.NextState != "Zero" {
		t.Errorf("Choice: %+v", out)
	}
	out = runState(t, "Work", `{"n":5,"in":{"v":7}}`, nil, 0)
	if out.Status != interp.TestSucceeded || out.NextState != "Zero" ||
		jsonvalue.String(out.Output) != `{"n":5,"in":{"v":7},"out":{"r":"real"}}` {
		t.Errorf("Task for real: %+v", out)
	}
	stages := map[interp.Stage]string{interp.StageAfterInputPath: `{"v":7}`, interp.StageAfterParameters: `{"v":7}`,
		interp.StageResult: `{"Payload":"real"}`, interp.StageAfterResultSelector: `{"r":"real"}`,
		interp.StageAfterResultPath: `{"n":5,"in":{"v":7},"out":{"r":"real"}}`}
	for st, want := range stages {
		if !out.HasStage[st] || jsonvalue.String(out.Stages[st]) != want {
			t.Errorf("stage %d: %v, want %s", st, out.Stages[st], want)
		}
	}
	busy := &interp.StateMock{Failed: true, Error: "Busy", Cause: "later"}
	out = runState(t, "Work", `{"in":{"v":1}}`, busy, 1)
	if out.Status != interp.TestRetriable || out.RetryIndex != 0 || out.RetryBackoff != 6*time.Second || out.Error != "Busy" {
		t.Errorf("retriable: %+v", out)
	}
	out = runState(t, "Work", `{"in":{"v":1}}`, busy, 2)
	if out.Status != interp.TestCaughtError || out.RetryIndex != 0 || out.CatchIndex != 0 || out.NextState != "Big" ||
		jsonvalue.String(out.Output) != `{"in":{"v":1},"err":{"Error":"Busy","Cause":"later"}}` {
		t.Errorf("caught: %+v", out)
	}
}

// recorder is an Observer that writes down the decisions.
type recorder struct {
	interp.BaseObserver
	log []string
}

func (r *recorder) StateEntered(_ *interp.Execution, p *interp.Path) {
	r.log = append(r.log, "enter "+p.StateName)
}
func (r *recorder) ChoiceMatched(_ *interp.Execution, p *interp.Path, rule int) {
	r.log = append(r.log, "rule "+p.StateName+" "+string(rune('0'+rule+1)))
}

// TestObserver: a Result's Observer is told of the states entered and the
// Choice rule taken (Default as -1).
func TestObserver(t *testing.T) {
	def := mustDefinition(t, stateTestDef)
	x := newExecution(mustJSON(t, `{"n":11}`))
	rec := &recorder{}
	res := interp.Result{Observer: rec}
	if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, time.Unix(0, 0), newSource(), &res); err != nil {
		t.Fatal(err)
	}
	want := "enter Route|rule Route 1|enter Big"
	if got := join(rec.log); got != want || x.Status != interp.StatusSucceeded {
		t.Errorf("observed %q, want %q (%s)", got, want, x.Status)
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += "|"
		}
		out += v
	}
	return out
}
