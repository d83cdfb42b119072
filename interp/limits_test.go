package interp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// items returns a JSON array of n numbers.
func items(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, i)
	}
	b.WriteByte(']')
	return b.String()
}

// The history cap holds inside a step: a Map whose iterations would write
// far more events than the cap writes none past it, and the execution fails.
func TestHistoryCapHoldsInsideAStep(t *testing.T) {
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{
		"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	limits := interp.DefaultLimits
	limits.MaxHistoryEvents = 1000
	r := driveLimits(t, def, `{"items":`+items(5000)+`}`, echo, false, limits)
	if len(r.events) != 1000 {
		t.Errorf("%d events, want the cap of 1000", len(r.events))
	}
	last := r.events[len(r.events)-1]
	if r.x.Status != interp.StatusFailed || last.Type != history.ExecutionFailed || !strings.Contains(last.Cause, "maximum number of history events (1000)") {
		t.Errorf("%s: %+v", r.x.Status, last)
	}
	for i, e := range r.events {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has ID %d", i, e.ID)
		}
	}
}

// An inline Map runs at most 40 iterations at once, whatever MaxConcurrency
// says, as AWS does; a lower MaxConcurrency holds.
func TestInlineMapConcurrency(t *testing.T) {
	for _, c := range []struct {
		maxConcurrency string
		want           int
	}{{"", 40}, {`"MaxConcurrency":0,`, 40}, {`"MaxConcurrency":100,`, 40}, {`"MaxConcurrency":7,`, 7}} {
		def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map",`+c.maxConcurrency+`"ItemProcessor":{
			"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}},"End":true}}}`)
		r := drive(t, def, items(100), echo)
		if r.x.Status != interp.StatusSucceeded || r.maxTasks != c.want {
			t.Errorf("%s: %s, %d tasks at once, want %d", c.maxConcurrency, r.x.Status, r.maxTasks, c.want)
		}
	}
}

// Items that an expression computes are a payload: past the quota the Map
// fails with States.DataLimitExceeded, before any iteration starts.
func TestMapItemsArePayload(t *testing.T) {
	def := mustDefinition(t, `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% [1..100000] %}",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	r := drive(t, def, `{}`, echo)
	if r.x.Status != interp.StatusFailed || r.x.Error != "States.DataLimitExceeded" || slices.Contains(r.types(), string(history.MapIterationStarted)) {
		t.Errorf("%s %s %v", r.x.Status, r.x.Error, r.types())
	}
}

// A state's output over the quota fails the execution (Catch cannot take it),
// with the cause AWS recorded for a Pass state's Result of 257 KiB: the state
// named, no "An error occurred while executing" preamble, and the history
// ExecutionStarted, PassStateEntered, ExecutionFailed.
func TestStateOutputOverQuota(t *testing.T) {
	def := mustDefinition(t, `{"StartAt":"State_1","States":{"State_1":{"Type":"Pass","Result":{"Arg1":"`+strings.Repeat("a", 257*1024)+`"},"End":true}}}`)
	r := drive(t, def, `{}`, echo)
	want := "The state/task 'State_1' returned a result with a size exceeding the maximum number of bytes service limit."
	if r.x.Status != interp.StatusFailed || r.x.Error != "States.DataLimitExceeded" || r.x.Cause != want {
		t.Errorf("%s %s %q, want %q", r.x.Status, r.x.Error, r.x.Cause, want)
	}
	if got := r.types(); !slices.Equal(got, []string{"ExecutionStarted", "PassStateEntered", "ExecutionFailed"}) {
		t.Errorf("history %v", got)
	}
}

// The results of a Map are a payload: once they pass the quota the Map fails
// at once, instead of holding every iteration's output until its end.
func TestMapResultsArePayload(t *testing.T) {
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{
		"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"big.$":"States.StringSplit($.s, ',')"},"End":true}}},
		"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`)
	item := `{"s":"` + strings.Repeat("x,", 10000) + `"}`
	input := "[" + strings.Repeat(item+",", 39) + item + "]"
	r := drive(t, def, input, echo)
	if r.x.Status != interp.StatusFailed || r.x.Error != "States.DataLimitExceeded" {
		t.Fatalf("%s %s", r.x.Status, r.x.Error)
	}
	succeeded := 0
	for _, e := range r.events {
		if e.Type == history.MapIterationSucceeded {
			succeeded++
		}
	}
	if succeeded >= 40 {
		t.Errorf("all %d iterations succeeded before the Map failed", succeeded)
	}
}

// A step makes at most MaxStepTransitions transitions; the rest continues in
// steps of their own (a timer due at once), and the history is the one an
// unbounded step writes.
func TestLongStepsYield(t *testing.T) {
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{
		"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}},"Next":"Done"},"Done":{"Type":"Succeed"}}}`)
	whole := drive(t, def, items(30), echo)
	limits := interp.DefaultLimits
	limits.MaxStepTransitions = 7
	for _, reload := range []bool{false, true} {
		parts := driveLimits(t, def, items(30), echo, reload, limits)
		if !slices.Equal(parts.types(), whole.types()) || parts.x.Status != interp.StatusSucceeded {
			t.Errorf("reload %v: %s\n%v\nwant\n%v", reload, parts.x.Status, parts.types(), whole.types())
		}
		continues := 0
		for _, e := range parts.effects {
			if e.Kind == interp.EffectArmTimer && e.Timer.Kind == interp.TimerContinue {
				continues++
			}
		}
		if continues < 10 {
			t.Errorf("reload %v: %d continuations", reload, continues)
		}
		if got, want := jsonvalue.String(parts.x.Output), jsonvalue.String(whole.x.Output); got != want {
			t.Errorf("output %s, want %s", got, want)
		}
	}
}

// yieldingSource says to yield at every check.
type yieldingSource struct{ *seededSource }

func (yieldingSource) Yield() bool { return true }

// A Source that says the step has run long enough (a deadline) ends it.
func TestStepsYieldWhenTheSourceSays(t *testing.T) {
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{
		"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},"End":true}}}`)
	x := newExecution(jsonvalue.MustParse(items(200)))
	var res interp.Result
	if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, yieldingSource{newSource()}, &res); err != nil {
		t.Fatal(err)
	}
	if x.Status != interp.StatusRunning || x.ContinueTimer == 0 || len(res.Events) > 200 {
		t.Errorf("%s, continue timer %d, %d events", x.Status, x.ContinueTimer, len(res.Events))
	}
}

// An expression that loops fails its state on the evaluation's budget, with
// a cause naming it, and the state's Catch takes the error; the budget of
// the execution's Limits holds.
func TestEvaluationBudget(t *testing.T) {
	def := mustDefinition(t, `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{
		"Loop":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Arguments":"{% ($f := function($x){ $f($x + 1) }; $f(0)) %}","Next":"Done",
			"Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Output":"{% $states.errorOutput %}","Next":"Caught"}]},
		"Caught":{"Type":"Succeed"},"Done":{"Type":"Succeed"}}}`)
	limits := interp.DefaultLimits
	limits.Eval.Steps = 50_000
	r := driveLimits(t, def, `{}`, echo, false, limits)
	out := jsonvalue.String(r.x.Output)
	want := `The JSONata expression '($f := function($x){ $f($x + 1) }; $f(0))' specified for the field 'Arguments' exceeded its evaluation budget of 50000 steps.`
	if r.x.Status != interp.StatusSucceeded || !strings.Contains(out, "States.QueryEvaluationError") || !strings.Contains(out, want) {
		t.Errorf("%s: %s", r.x.Status, out)
	}
	// a JSONPath deep scan and an intrinsic call fail with States.Runtime
	for _, c := range []struct{ param, cause string }{
		{`"v.$":"$..*"`, "The JSONPath '$..*' exceeded its evaluation budget of 1000 bytes."},
		{`"v.$":"States.ArrayRange(1, 1000, 1)"`, "The function 'States.ArrayRange(1, 1000, 1)' had the following error: the evaluation exceeded its budget of 1000 bytes"},
	} {
		def := mustDefinition(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{`+c.param+`},"End":true}}}`)
		limits := interp.DefaultLimits
		limits.Eval.Bytes = 1000
		r := driveLimits(t, def, `{"items":`+items(1000)+`}`, echo, false, limits)
		if r.x.Status != interp.StatusFailed || r.x.Error != "States.Runtime" || !strings.Contains(r.x.Cause, c.cause) {
			t.Errorf("%s: %s %s: %s", c.param, r.x.Status, r.x.Error, r.x.Cause)
		}
	}
}

// A task's result over the payload quota fails the task, as AWS records it:
// the task's failed event with States.DataLimitExceeded (the result is not in
// the history), then Retry and Catch, which match it only by name. The size is
// the result's UTF-8 encoding: 100,000 three-byte characters are over 256 KiB.
func TestTaskResultOverQuotaFailsTheTask(t *testing.T) {
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:f"
	big := strings.Repeat("€", 100000)
	huge := func(d *interp.TaskDispatch) (any, string, string, bool) { return big, "", "", false }
	hugeThenSmall := func() taskFunc {
		n := 0
		return func(d *interp.TaskDispatch) (any, string, string, bool) {
			if n++; n == 1 {
				return big, "", "", false
			}
			return "small", "", "", false
		}
	}
	tests := []struct {
		name, def string
		tasks     taskFunc
		status    interp.Status
		output    string
		history   []string
		cause     string
	}{
		{
			name:   "uncaught: the execution fails with the task's failure",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","End":true}}}`,
			tasks:  huge,
			status: interp.StatusFailed,
			cause:  "The state/task '" + lambda + "' returned a result with a size exceeding the maximum number of bytes service limit.",
			history: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
				"LambdaFunctionFailed", "ExecutionFailed"},
		},
		{
			// As AWS recorded it (LocalStack's test_states_errors, ..._catch_state_all_...).
			name:   "States.ALL catches it, as any task failure",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			tasks:  huge,
			status: interp.StatusSucceeded,
			output: `{"Error":"States.DataLimitExceeded","Cause":"The state/task '` + lambda + `' returned a result with a size exceeding the maximum number of bytes service limit."}`,
		},
		{
			name:   "States.TaskFailed catches it too",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			tasks:  huge,
			status: interp.StatusSucceeded,
		},
		{
			name: "a state's output over the quota is not caught",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","ResultSelector":{"a.$":"$","b.$":"$"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			tasks: func(d *interp.TaskDispatch) (any, string, string, bool) {
				return strings.Repeat("€", 50000), "", "", false
			},
			status: interp.StatusFailed,
		},
		{
			name:   "a catcher naming it catches it; an integration's cause names its service",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.DataLimitExceeded"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			tasks:  huge,
			status: interp.StatusSucceeded,
			output: `{"Error":"States.DataLimitExceeded","Cause":"The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit."}`,
			history: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
				"TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"},
		},
		{
			name:   "a retrier naming it retries",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `","Retry":[{"ErrorEquals":["States.DataLimitExceeded"],"IntervalSeconds":1}],"End":true}}}`,
			tasks:  hugeThenSmall(),
			status: interp.StatusSucceeded,
			output: `"small"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := drive(t, mustDefinition(t, tt.def), `{}`, tt.tasks)
			if r.x.Status != tt.status {
				t.Fatalf("status %s (%s: %s), want %s; %v", r.x.Status, r.x.Error, r.x.Cause, tt.status, r.types())
			}
			if tt.status == interp.StatusFailed && r.x.Error != "States.DataLimitExceeded" {
				t.Errorf("error %q", r.x.Error)
			}
			if tt.cause != "" && r.x.Cause != tt.cause {
				t.Errorf("cause %q, want %q", r.x.Cause, tt.cause)
			}
			if tt.output != "" && !jsonvalue.Equal(r.x.Output, jsonvalue.MustParse(tt.output)) {
				t.Errorf("output %s, want %s", jsonvalue.String(r.x.Output), tt.output)
			}
			if tt.history != nil && !slices.Equal(r.types(), tt.history) {
				t.Errorf("history %v, want %v", r.types(), tt.history)
			}
			for _, e := range r.events {
				if e.Type == history.LambdaFunctionFailed || e.Type == history.TaskFailed {
					if e.Error != "States.DataLimitExceeded" || e.Output != nil {
						t.Errorf("%s: %+v", e.Type, e)
					}
				}
			}
		})
	}
}

// A tolerated-failure field that resolves to a negative count or to a
// percentage outside 0..100 fails the Map with States.Runtime and AWS's cause,
// before any iteration or Map Run starts, inline or distributed, by path or by
// JSONata.
func TestToleratedFailureOutOfRange(t *testing.T) {
	proc := `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	inline := `"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for _, c := range []struct{ name, ql, field, proc, input, cause string }{
		{"count path, distributed", "JSONPath", `"ToleratedFailureCountPath":"$.n"`, proc, `{"items":[1],"n":-1}`, "ToleratedFailureCount cannot be negative."},
		{"count path, inline", "JSONPath", `"ToleratedFailureCountPath":"$.n"`, inline, `{"items":[1],"n":-3}`, "ToleratedFailureCount cannot be negative."},
		{"count JSONata", "JSONata", `"ToleratedFailureCount":"{% $states.input.n %}"`, proc, `{"items":[1],"n":-2}`, "ToleratedFailureCount cannot be negative."},
		{"percentage path above 100", "JSONPath", `"ToleratedFailurePercentagePath":"$.n"`, proc, `{"items":[1],"n":100.5}`, "ToleratedFailurePercentage must be between 0 and 100."},
		{"percentage JSONata negative", "JSONata", `"ToleratedFailurePercentage":"{% $states.input.n %}"`, proc, `{"items":[1],"n":-0.5}`, "ToleratedFailurePercentage must be between 0 and 100."},
	} {
		t.Run(c.name, func(t *testing.T) {
			items := `"ItemsPath":"$.items",`
			if c.ql == "JSONata" {
				items = `"Items":"{% $states.input.items %}",`
			}
			def := mustDefinition(t, `{"QueryLanguage":"`+c.ql+`","StartAt":"M","States":{"M":{"Type":"Map",`+items+c.field+`,`+c.proc+`,"End":true}}}`)
			r := drive(t, def, c.input, echo)
			if r.x.Status != interp.StatusFailed || r.x.Error != "States.Runtime" || !strings.HasSuffix(r.x.Cause, c.cause) {
				t.Fatalf("%s %s %q; %v", r.x.Status, r.x.Error, r.x.Cause, r.types())
			}
			if slices.Contains(r.types(), string(history.MapIterationStarted)) || slices.Contains(r.types(), string(history.MapRunStarted)) {
				t.Errorf("started work: %v", r.types())
			}
		})
	}
}
