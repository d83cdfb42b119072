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
