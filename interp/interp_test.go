package interp_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// tcase is one execution: a definition and input, the task answers, and what
// must come out.
type tcase struct {
	name    string
	def     string
	input   string
	tasks   taskFunc
	status  interp.Status
	output  string // JSON, when SUCCEEDED
	errName string
	cause   string // substring of the cause
	history []string
	elapsed time.Duration
}

func check(t *testing.T, tt tcase) {
	t.Helper()
	if tt.input == "" {
		tt.input = "{}"
	}
	if tt.tasks == nil {
		tt.tasks = echo
	}
	if tt.status == "" {
		tt.status = interp.StatusSucceeded
	}
	r := drive(t, mustDefinition(t, tt.def), tt.input, tt.tasks)
	x := r.x
	if x.Status != tt.status {
		t.Fatalf("status %s (error %q, cause %q), want %s; history %v", x.Status, x.Error, x.Cause, tt.status, r.types())
	}
	if tt.output != "" {
		if want := jsonvalue.MustParse(tt.output); !jsonvalue.Equal(x.Output, want) {
			t.Errorf("output %s, want %s", jsonvalue.String(x.Output), tt.output)
		}
	}
	if tt.errName != "" && x.Error != tt.errName {
		t.Errorf("error %q, want %q (cause %q)", x.Error, tt.errName, x.Cause)
	}
	if !strings.Contains(x.Cause, tt.cause) {
		t.Errorf("cause %q, want it to contain %q", x.Cause, tt.cause)
	}
	if tt.history != nil && !reflect.DeepEqual(r.types(), tt.history) {
		t.Errorf("history\n got %v\nwant %v", r.types(), tt.history)
	}
	if tt.elapsed != 0 && r.elapsed != tt.elapsed {
		t.Errorf("elapsed %v, want %v", r.elapsed, tt.elapsed)
	}
	checkHistoryLinks(t, r)
}

// checkHistoryLinks checks the invariants of any history: ids count from 1,
// each previousEventId points backwards, one terminal event at the end.
func checkHistoryLinks(t *testing.T, r *run) {
	t.Helper()
	for i, e := range r.events {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.ID)
		}
		if e.PreviousEventID < 0 || e.PreviousEventID >= e.ID {
			t.Fatalf("event %d (%s) has previousEventId %d", e.ID, e.Type, e.PreviousEventID)
		}
	}
	last := r.events[len(r.events)-1].Type
	if !strings.HasPrefix(string(last), "Execution") || last == "ExecutionStarted" {
		t.Fatalf("the history ends with %s", last)
	}
}

func TestPass(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:    "input passes through",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			input:   `{"a":1}`,
			output:  `{"a":1}`,
			history: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"},
		},
		{
			name:   "Result into ResultPath, then OutputPath",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":[1,2]},"ResultPath":"$.r","OutputPath":"$.r.x","End":true}}}`,
			input:  `{"a":1}`,
			output: `[1,2]`,
		},
		{
			name:   "Parameters with paths, context and intrinsics",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$.a","name.$":"$$.State.Name","f.$":"States.Format('{}-{}', $.a, 'z')","const":{"k":true}},"End":true}}}`,
			input:  `{"a":7}`,
			output: `{"v":7,"name":"P","f":"7-z","const":{"k":true}}`,
		},
		{
			name:   "InputPath null and ResultPath null",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"ResultPath":null,"Next":"Q"},"Q":{"Type":"Pass","InputPath":null,"End":true}}}`,
			input:  `{"a":1}`,
			output: `{}`,
		},
		{
			name:    "a missing Parameters path fails the execution",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$.nope"},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "An error occurred while executing the state 'P' (entered at the event id #2). The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{}'",
		},
		{
			name:    "a missing OutputPath fails with Jayway's message",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.a.b","End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "Invalid path '$.a.b' : Missing property in path $['a']",
		},
		{
			name:   "a 100-state chain runs in one step",
			def:    chain(100),
			input:  `{"n":0}`,
			output: `{"n":0,"i":99}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

// chain is a definition of n Pass states, each with Parameters.
func chain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"$.n","i":%d},%s}`, i, i, next)
	}
	b.WriteString("}}")
	return b.String()
}

func TestChoice(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[
			{"Variable":"$.n","NumericGreaterThanEquals":10,"Next":"Big"},
			{"And":[{"Variable":"$.s","IsPresent":true},{"Variable":"$.s","StringMatches":"log-*.txt"}],"Next":"Log"},
			{"Not":{"Variable":"$.t","TimestampLessThan":"2020-01-01T00:00:00Z"},"Next":"Recent"},
			{"Variable":"$.a","NumericEqualsPath":"$.b","Next":"Same"}
		],"Default":"Other"},
		"Big":{"Type":"Pass","Result":"big","End":true},
		"Log":{"Type":"Pass","Result":"log","End":true},
		"Recent":{"Type":"Pass","Result":"recent","End":true},
		"Same":{"Type":"Pass","Result":"same","End":true},
		"Other":{"Type":"Pass","Result":"other","End":true}}}`
	tests := []tcase{
		{name: "numeric", input: `{"n":10}`, output: `"big"`},
		{name: "string matches with And", input: `{"n":1,"s":"log-1.txt"}`, output: `"log"`},
		{name: "type mismatch is false", input: `{"n":"10","s":5,"t":"2019-01-01T00:00:00Z","a":"1","b":1}`, output: `"other"`},
		{name: "a missing Variable fails", input: `{"n":1,"t":"2019-01-01T00:00:00Z"}`, status: interp.StatusFailed, errName: "States.Runtime",
			cause: "Invalid path '$.a' : No results for path: $['a']"},
		{name: "not and timestamps", input: `{"n":1,"t":"2021-06-01T00:00:00.5+02:00"}`, output: `"recent"`},
		{name: "path operand", input: `{"n":1,"t":"2019-01-01T00:00:00Z","a":2.0,"b":2}`, output: `"same"`},
	}
	for _, tt := range tests {
		tt.def = def
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
	t.Run("no match and no Default", func(t *testing.T) {
		t.Parallel()
		check(t, tcase{
			def:     `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","BooleanEquals":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input:   `{"n":false}`,
			status:  interp.StatusFailed,
			errName: "States.NoChoiceMatched",
			history: []string{"ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"},
		})
	})
	t.Run("escaped stars in StringMatches", func(t *testing.T) {
		t.Parallel()
		check(t, tcase{
			def:    `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.s","StringMatches":"a\\*b*","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Result":"y","End":true},"N":{"Type":"Pass","Result":"n","End":true}}}`,
			input:  `{"s":"a*bcd"}`,
			output: `"y"`,
		})
	})
}

func TestWait(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:    "Seconds",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":90,"End":true}}}`,
			output:  `{}`,
			elapsed: 90 * time.Second,
			history: []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "SecondsPath",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
			input:   `{"s":5}`,
			elapsed: 5 * time.Second,
		},
		{
			name:    "SecondsPath that is not an integer",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
			input:   `{"s":1.5}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5",
		},
		{
			name:    "Timestamp",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2024-01-02T03:05:05Z","End":true}}}`,
			elapsed: time.Minute,
		},
		{
			// AWS's words (LocalStack's test_logs, wait_seconds_path).
			name:    "SecondsPath that selects nothing",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.input.waitSeconds","End":true}}}`,
			input:   `{}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
		},
		{
			name:    "TimestampPath that selects nothing",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`,
			input:   `{}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "The TimestampPath parameter does not reference an input value: $.t",
		},
		{
			// AWS's words (LocalStack's test_wait_timestamp_path): the value as it is, unquoted.
			name:    "TimestampPath to a string that is not a timestamp",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`,
			input:   `{"t":"2016-12-05T21:29:29"}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-12-05T21:29:29",
		},
		{
			// AWS's words (LocalStack's test_wait_timestamp_jsonata), recorded as EvaluationFailed.
			name:    "a JSONata Timestamp that is not a timestamp",
			def:     `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"{% $states.input.t %}","End":true}}}`,
			input:   `{"t":"2016-13-05T21:29:29Z"}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-13-05T21:29:29Z",
			history: []string{"ExecutionStarted", "WaitStateEntered", "EvaluationFailed", "ExecutionFailed"},
		},
		{
			name:    "TimestampPath in the past does not wait",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`,
			input:   `{"t":"2000-01-01T00:00:00Z"}`,
			output:  `{"t":"2000-01-01T00:00:00Z"}`,
			history: []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestSucceedAndFail(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:    "Succeed with paths",
			def:     `{"StartAt":"S","States":{"S":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}}}`,
			input:   `{"a":{"b":3}}`,
			output:  `3`,
			history: []string{"ExecutionStarted", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "Fail with Error and Cause",
			def:     `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad","Cause":"because"}}}`,
			status:  interp.StatusFailed,
			errName: "Bad",
			cause:   "because",
			history: []string{"ExecutionStarted", "FailStateEntered", "ExecutionFailed"},
		},
		{
			name:    "Fail with ErrorPath and an intrinsic CausePath",
			def:     `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('code {}', $.c)"}}}`,
			input:   `{"e":"Custom","c":42}`,
			status:  interp.StatusFailed,
			errName: "Custom",
			cause:   "code 42",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

const lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:f"

// failN fails the first n attempts with errName, then echoes.
func failN(n int, errName string) taskFunc {
	calls := 0
	return func(d *interp.TaskDispatch) (any, string, string, bool) {
		calls++
		if calls <= n {
			return nil, errName, "attempt " + fmt.Sprint(calls), false
		}
		return d.Input, "", "", false
	}
}

func TestTask(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:    "Lambda ARN: result through ResultSelector and ResultPath",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Parameters":{"x.$":"$.a"},"ResultSelector":{"got.$":"$.x"},"ResultPath":"$.r","End":true}}}`,
			input:   `{"a":5}`,
			output:  `{"a":5,"r":{"got":5}}`,
			history: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "service integration events",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`,
			output:  `{"FunctionName":"f"}`,
			history: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "Retry with backoff, then success",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3}],"End":true}}}`,
			tasks:   failN(2, "Boom"),
			output:  `{}`,
			elapsed: 2*time.Second + 6*time.Second,
			history: []string{"ExecutionStarted", "TaskStateEntered",
				"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
				"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
				"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded",
				"TaskStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "MaxDelaySeconds caps the backoff",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"BackoffRate":10,"MaxAttempts":3,"MaxDelaySeconds":15}],"End":true}}}`,
			tasks:   failN(3, "Boom"),
			elapsed: 10*time.Second + 15*time.Second + 15*time.Second,
		},
		{
			name:    "retries run out, then Catch with ResultPath",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["Other"],"Next":"X"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"Y"}],"End":true},"X":{"Type":"Succeed"},"Y":{"Type":"Pass","End":true}}}`,
			input:   `{"a":1}`,
			tasks:   failN(5, "Boom"),
			output:  `{"a":1,"err":{"Error":"Boom","Cause":"attempt 2"}}`,
			elapsed: time.Second,
		},
		{
			name:    "MaxAttempts 0 never retries",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}`,
			tasks:   failN(1, "Boom"),
			status:  interp.StatusFailed,
			errName: "Boom",
			cause:   "attempt 1",
		},
		{
			name:    "States.TaskFailed does not catch States.Timeout",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","TimeoutSeconds":3,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"X"},{"ErrorEquals":["States.Timeout"],"Next":"Y"}],"End":true},"X":{"Type":"Pass","Result":"x","End":true},"Y":{"Type":"Pass","Result":"y","End":true}}}`,
			tasks:   func(*interp.TaskDispatch) (any, string, string, bool) { return nil, "", "", true },
			output:  `"y"`,
			elapsed: 3 * time.Second,
			history: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionTimedOut", "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "States.Runtime is not caught by States.ALL",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","OutputPath":"$.missing","Catch":[{"ErrorEquals":["States.ALL"],"Next":"X"}],"End":true},"X":{"Type":"Succeed"}}}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
		},
		{
			name: "a result over the payload limit",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}}`,
			tasks: func(*interp.TaskDispatch) (any, string, string, bool) {
				return strings.Repeat("a", 257*1024), "", "", false
			},
			status:  interp.StatusFailed,
			errName: "States.DataLimitExceeded",
		},
		{
			name:   "the task sees its token and the context",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token","retry.$":"$$.State.RetryCount","exec.$":"$$.Execution.Name"}},"End":true}}}`,
			tasks:  echo,
			output: `{"FunctionName":"f","Payload":{"token":"token-1","retry":0,"exec":"e"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestParallel(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:   "results in branch order, through ResultPath",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Parallel","ResultPath":"$.r","Branches":[{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":5,"Next":"A2"},"A2":{"Type":"Pass","Result":"a","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],"End":true}}}`,
			input:  `{"x":1}`,
			output: `{"x":1,"r":["a","b"]}`,
			history: []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
				"WaitStateEntered", "PassStateEntered", "PassStateExited", "WaitStateExited", "PassStateEntered", "PassStateExited",
				"ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "a failed branch aborts the others and is caught",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":100,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"E","Cause":"c"}}}],"Catch":[{"ErrorEquals":["E"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			output:  `{"Error":"E","Cause":"c"}`,
			elapsed: 0,
			history: []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "WaitStateEntered", "FailStateEntered",
				"WaitStateAborted", "ParallelStateFailed", "ParallelStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"},
		},
		{
			// AWS's recording (states_variables test_parallel_catch_error,
			// PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY): the Task whose failure
			// ends its branch is aborted; a retried Parallel records no
			// ParallelStateFailed.
			name:   "a failed Task in a branch is aborted, retried, then caught",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}}],"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			tasks:  failN(2, "Boom"),
			output: `{"Error":"Boom","Cause":"attempt 2"}`,
			history: []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
				"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "TaskStateAborted",
				"ParallelStateStarted",
				"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "TaskStateAborted",
				"ParallelStateFailed", "ParallelStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"},
			elapsed: time.Second,
		},
		{
			name: "a running Task and a nested Parallel in sibling branches are aborted",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[` +
				`{"StartAt":"Long","States":{"Long":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}},` +
				`{"StartAt":"In","States":{"In":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}],"End":true}}},` +
				`{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"E"}}}],"End":true}}}`,
			tasks:   func(*interp.TaskDispatch) (any, string, string, bool) { return nil, "", "", true },
			status:  interp.StatusFailed,
			errName: "E",
			history: []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
				"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered",
				"TaskStateAborted", "ParallelStateAborted", "ParallelStateFailed", "ExecutionFailed"},
		},
		{
			name:    "Retry reruns every branch",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}}],"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":1,"MaxAttempts":2}],"End":true}}}`,
			tasks:   failN(1, "Boom"),
			output:  `[{}]`,
			elapsed: time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestMap(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:  "a failed iteration aborts its Task and the running iterations",
			def:   `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}},"End":true}}}`,
			input: `[1,2]`,
			tasks: func(d *interp.TaskDispatch) (any, string, string, bool) {
				if jsonvalue.String(d.Input) == "2" {
					return nil, "Boom", "no", false
				}
				return nil, "", "", true
			},
			status:  interp.StatusFailed,
			errName: "Boom",
			history: []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
				"MapIterationStarted", "MapIterationStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
				"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
				"TaskStateAborted", "MapIterationFailed", "TaskStateAborted", "MapIterationAborted", "MapStateFailed", "ExecutionFailed"},
		},
		{
			name:   "ItemSelector with the context's Map.Item",
			def:    `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:  `{"k":"K","items":["a","b"]}`,
			output: `[{"i":0,"v":"a","k":"K"},{"i":1,"v":"b","k":"K"}]`,
		},
		{
			name:    "an empty array",
			def:     `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:   `[]`,
			output:  `[]`,
			history: []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"},
		},
		{
			name:    "input that is not an array",
			def:     `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:   `{"a":1}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
		},
		{
			name:    "MaxConcurrencyPath that is not an integer fails before MapStateStarted",
			def:     `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.v","MaxConcurrencyPath":"$.m","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:   `{"v":[1],"m":"x"}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   `The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.m`,
			history: []string{"ExecutionStarted", "MapStateEntered", "ExecutionFailed"},
		},
		{
			name:    "a failing iteration fails the Map",
			def:     `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},"F":{"Type":"Fail","Error":"Two"},"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:   `[1,2,3]`,
			status:  interp.StatusFailed,
			errName: "Two",
			history: []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
				"MapIterationStarted", "ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "MapIterationSucceeded",
				"MapIterationStarted", "ChoiceStateEntered", "ChoiceStateExited", "FailStateEntered", "MapIterationFailed",
				"MapStateFailed", "ExecutionFailed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestMapMaxConcurrency(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`","End":true}}},"End":true}}}`)
	r := drive(t, def, `[1,2,3,4,5]`, echo)
	if r.x.Status != interp.StatusSucceeded || jsonvalue.String(r.x.Output) != "[1,2,3,4,5]" {
		t.Fatalf("status %s output %s", r.x.Status, jsonvalue.String(r.x.Output))
	}
	// echo answers at once, so count what Step dispatched before any answer.
	dispatched := 0
	for _, e := range r.effects {
		if e.Kind == interp.EffectInvokeTask {
			dispatched++
		}
		if dispatched > 0 {
			break
		}
	}
	first := 0
	for _, e := range r.effects {
		if e.Kind != interp.EffectInvokeTask {
			continue
		}
		first++
	}
	if first != 5 {
		t.Errorf("%d tasks dispatched, want 5", first)
	}
	if r.maxTasks > 2 {
		t.Errorf("%d tasks in flight at once, want at most 2", r.maxTasks)
	}
}

func TestExecutionTimeoutAndStop(t *testing.T) {
	t.Parallel()
	t.Run("TimeoutSeconds of the machine", func(t *testing.T) {
		t.Parallel()
		check(t, tcase{
			def:     `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			status:  interp.StatusTimedOut,
			errName: "States.Timeout",
			elapsed: 10 * time.Second,
			history: []string{"ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"},
		})
	})
	t.Run("stop aborts and cancels the task", func(t *testing.T) {
		t.Parallel()
		def := mustDefinition(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`","TimeoutSeconds":30,"End":true}}}`)
		x := newExecution(jsonvalue.MustParse(`{}`))
		var res interp.Result
		src := newSource()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
			t.Fatal(err)
		}
		res.Reset()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventStop, Error: "Stopped", Cause: "by test"}, epoch, src, &res); err != nil {
			t.Fatal(err)
		}
		if x.Status != interp.StatusAborted || x.Error != "Stopped" {
			t.Fatalf("status %s error %q", x.Status, x.Error)
		}
		var kinds []interp.EffectKind
		for _, e := range res.Effects {
			kinds = append(kinds, e.Kind)
		}
		want := []interp.EffectKind{interp.EffectCancelTask, interp.EffectCancelTimer, interp.EffectFinish}
		if !reflect.DeepEqual(kinds, want) {
			t.Errorf("effects %v, want %v", kinds, want)
		}
		// A late result of the cancelled task changes nothing.
		res.Reset()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventTaskSucceeded, TaskID: 2, Output: "late"}, epoch, src, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != 0 || x.Status != interp.StatusAborted {
			t.Errorf("a late result changed the execution: %d events, status %s", len(res.Events), x.Status)
		}
	})
}

func TestStaleEventsAreIgnored(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`","TimeoutSeconds":5,"End":true}}}`)
	x := newExecution(jsonvalue.MustParse(`{}`))
	var res interp.Result
	src := newSource()
	must := func(ev interp.Event) {
		t.Helper()
		res.Reset()
		if err := interp.Step(def, x, ev, epoch, src, &res); err != nil {
			t.Fatal(err)
		}
	}
	must(interp.Event{Kind: interp.EventStart})
	var task *interp.TaskDispatch
	var timer interp.Timer
	for _, e := range res.Effects {
		switch e.Kind {
		case interp.EffectInvokeTask:
			task = e.Task
		case interp.EffectArmTimer:
			timer = e.Timer
		}
	}
	must(interp.Event{Kind: interp.EventTaskSucceeded, TaskID: task.TaskID + 100, Output: "wrong task"})
	if res.Applied {
		t.Errorf("the result of an unknown task was applied")
	}
	must(interp.Event{Kind: interp.EventTimerFired, TimerID: timer.ID + 100})
	if len(res.Events) != 0 || x.Status != interp.StatusRunning || res.Applied {
		t.Fatalf("stale events changed the execution")
	}
	must(interp.Event{Kind: interp.EventTaskSucceeded, TaskID: task.TaskID, Output: "ok"})
	if !res.Applied {
		t.Errorf("the task's result was not reported applied")
	}
	must(interp.Event{Kind: interp.EventTimerFired, TimerID: timer.ID}) // fires after the task ended: ignored
	if x.Status != interp.StatusSucceeded || x.Output != "ok" {
		t.Fatalf("status %s output %v", x.Status, x.Output)
	}
}

func TestHistoryLimit(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`)
	x := newExecution(jsonvalue.MustParse(`{}`))
	x.Limits.MaxHistoryEvents = 50
	var res interp.Result
	if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, newSource(), &res); err != nil {
		t.Fatal(err)
	}
	if x.Status != interp.StatusFailed || !strings.Contains(x.Cause, "maximum number of history events") {
		t.Fatalf("status %s cause %q", x.Status, x.Cause)
	}
	if n := len(res.Events); n > 50 {
		t.Errorf("%d events, want at most 50", n)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`","Parameters":{"u.$":"States.UUID()","r.$":"States.MathRandom(1, 1000)"},"Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"FULL"}],"End":true}}},
		{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"End":true}}},"End":true}}}],"End":true}}}`)
	a := drive(t, def, `[1,2,3]`, failN(1, "Boom"))
	b := drive(t, def, `[1,2,3]`, failN(1, "Boom"))
	if !reflect.DeepEqual(a.events, b.events) || !reflect.DeepEqual(a.effects, b.effects) {
		t.Fatal("the same inputs gave different histories or effects")
	}
}

// TestCodecBetweenEverySteps runs executions that wait, retry, branch and map,
// encoding and decoding the execution between every two steps, and requires
// exactly the history and effects of an uninterrupted run.
func TestCodecBetweenEverySteps(t *testing.T) {
	t.Parallel()
	defs := []string{
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Parameters":{"u.$":"States.UUID()"},"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2}],"TimeoutSeconds":100,"End":true}}},
			{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"T2"},"T2":{"Type":"Task","Resource":"` + lambdaARN + `","End":true}}},"End":true}}}],
			"ResultSelector":{"first.$":"$[0]","second.$":"$[1]"},"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.second[0].i","NumericEquals":0,"Next":"S"}],"Default":"F"},
			"S":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"E"}}}`,
		`{"TimeoutSeconds":60,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"T"},"T":{"Type":"Task","Resource":"` + lambdaARN + `","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"X"}],"End":true},"X":{"Type":"Pass","End":true}}}`,
	}
	for i, d := range defs {
		def := mustDefinition(t, d)
		plain := driveCodec(t, def, `[1,2,3]`, failN(1, "Boom"), false)
		reloaded := driveCodec(t, def, `[1,2,3]`, failN(1, "Boom"), true)
		if a, b := encodeEvents(plain.events), encodeEvents(reloaded.events); a != b {
			t.Errorf("definition %d: the history changed when the execution was stored between steps:\n%s\n%s", i, a, b)
		}
		if a, b := encodeEffects(plain.effects), encodeEffects(reloaded.effects); a != b {
			t.Errorf("definition %d: the effects changed when the execution was stored between steps:\n%s\n%s", i, a, b)
		}
		if plain.x.Status != reloaded.x.Status || !jsonvalue.Equal(plain.x.Output, reloaded.x.Output) {
			t.Errorf("definition %d: ended %s %s vs %s %s", i, plain.x.Status, jsonvalue.String(plain.x.Output), reloaded.x.Status, jsonvalue.String(reloaded.x.Output))
		}
	}
}

func encodeEvents(evs []history.Event) string {
	var b []byte
	for i := range evs {
		b = evs[i].AppendJSON(b, history.EncodeOptions{})
		b = append(b, '\n')
	}
	return string(b)
}

func encodeEffects(effs []interp.Effect) string {
	var b strings.Builder
	for _, e := range effs {
		fmt.Fprintf(&b, "%d timer=%d/%d/%s", e.Kind, e.Timer.ID, e.Timer.Kind, e.Timer.Due.UTC().Format(time.RFC3339Nano))
		if d := e.Task; d != nil {
			fmt.Fprintf(&b, " task=%d path=%d %s %s input=%s token=%s timeout=%d attempt=%d",
				d.TaskID, d.PathID, d.State, d.Resource.ARN, jsonvalue.String(d.Input), d.Token, d.TimeoutSeconds, d.Attempt)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestLegacyDetachedDistributedMap: an execution that an older stepd left
// in a Distributed Map, whose iterations were detached paths of the
// execution, goes on to its end (new Distributed Maps run child executions).
func TestLegacyDetachedDistributedMap(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/legacy/detached-distributed-map.json")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Definition json.RawMessage
		State      json.RawMessage
		Events     []struct {
			Kind         string
			TaskID       int64
			Output       json.RawMessage
			Error, Cause string
		}
		Status string
		Output json.RawMessage
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	def := mustDefinition(t, string(c.Definition))
	x, err := interp.UnmarshalExecution(c.State)
	if err != nil {
		t.Fatal(err)
	}
	src := newSource()
	var res interp.Result
	for _, e := range c.Events {
		ev := interp.Event{Kind: interp.EventTaskSucceeded, TaskID: e.TaskID, Error: e.Error, Cause: e.Cause}
		if e.Kind == "TaskFailed" {
			ev.Kind = interp.EventTaskFailed
		} else {
			ev.Output = jsonvalue.MustParse(string(e.Output))
		}
		res.Reset()
		if err := interp.Step(def, x, ev, epoch, src, &res); err != nil {
			t.Fatal(err)
		}
		if !res.Applied {
			t.Fatalf("%s of task %d did not apply", e.Kind, e.TaskID)
		}
	}
	if string(x.Status) != c.Status || jsonvalue.String(x.Output) != jsonvalue.String(jsonvalue.MustParse(string(c.Output))) {
		t.Errorf("%s %s", x.Status, jsonvalue.String(x.Output))
	}
}

// A Distributed Map dispatches its run as the Map state's task, with the
// children's inputs shaped (ItemSelector, batches), and takes the run's
// result or failure as the state's.
func TestDistributedMapDispatchesARun(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"Each","MaxConcurrency":3,"ToleratedFailurePercentage":10,
		"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index","all.$":"$.n"},
		"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"b":1}},
		"ItemsPath":"$.items","ResultSelector":{"n.$":"States.ArrayLength($)"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
		"StartAt":"T","States":{"T":{"Type":"Pass","End":true}}},"End":true}}}`)
	var spec *interp.MapRunSpec
	r := drive(t, def, `{"n":7,"items":["a","b","c"]}`, func(d *interp.TaskDispatch) (any, string, string, bool) {
		spec = d.MapRun
		return []any{1, 2}, "", "", false
	})
	if spec == nil || spec.MaxConcurrency != 3 || spec.ToleratedFailurePercentage != 10 || spec.ToleratedFailureCount != -1 ||
		spec.ExecutionType != "EXPRESS" || spec.MachineARN != "arn:aws:states:us-east-1:123456789012:stateMachine:m/Each" ||
		!strings.HasPrefix(spec.ARN, "arn:aws:states:us-east-1:123456789012:mapRun:m/Each:") {
		t.Fatalf("spec %+v", spec)
	}
	if got := string(spec.Inputs); got != `[{"BatchInput":{"b":1},"Items":[{"v":"a","i":0,"all":7},{"v":"b","i":1,"all":7}]},{"BatchInput":{"b":1},"Items":[{"v":"c","i":2,"all":7}]}]` {
		t.Errorf("inputs %s", got)
	}
	if got := strings.Join(r.types(), " "); got != "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
	if jsonvalue.String(r.x.Output) != `{"n":2}` {
		t.Errorf("output %s", jsonvalue.String(r.x.Output))
	}
	failed := drive(t, def, `{"n":7,"items":["a"]}`, func(d *interp.TaskDispatch) (any, string, string, bool) {
		return nil, "States.ExceedToleratedFailureThreshold", "too many", false
	})
	if failed.x.Status != interp.StatusFailed || failed.x.Error != "States.ExceedToleratedFailureThreshold" ||
		!strings.Contains(strings.Join(failed.types(), " "), "MapRunFailed MapStateFailed") {
		t.Errorf("%s %s %v", failed.x.Status, failed.x.Error, failed.types())
	}
}

// A Distributed Map's ItemBatcher cuts batches by bytes as AWS does: the
// size of a batch is the size of its child's input, {"BatchInput":...,
// "Items":[...]} in compact JSON, and a batch takes items while it fits
// MaxInputBytesPerBatch (or its Path), and never more than the 256 KiB
// payload limit; an item that fits in no batch fails the state.
func TestDistributedMapBatchesByBytes(t *testing.T) {
	t.Parallel()
	machine := func(batcher string) *asl.Definition {
		return mustDefinition(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemBatcher":`+batcher+`,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
			"StartAt":"T","States":{"T":{"Type":"Pass","End":true}}},"End":true}}}`)
	}
	abc := `"items":["aaaa","bbbb","cccc"]`
	tests := []struct {
		name, batcher, input string
		limits               interp.Limits
		want                 string // the children's inputs, or the state's error
	}{
		// {"Items":["aaaa","bbbb"]} is 25 bytes.
		{"two fit exactly", `{"MaxInputBytesPerBatch":25}`, `{` + abc + `}`, interp.DefaultLimits,
			`[{"Items":["aaaa","bbbb"]},{"Items":["cccc"]}]`},
		{"one byte short", `{"MaxInputBytesPerBatch":24}`, `{` + abc + `}`, interp.DefaultLimits,
			`[{"Items":["aaaa"]},{"Items":["bbbb"]},{"Items":["cccc"]}]`},
		// {"BatchInput":{"b":1},"Items":["aaaa","bbbb"]} is 46 bytes.
		{"BatchInput counted", `{"MaxInputBytesPerBatch":46,"BatchInput":{"b":1}}`, `{` + abc + `}`, interp.DefaultLimits,
			`[{"BatchInput":{"b":1},"Items":["aaaa","bbbb"]},{"BatchInput":{"b":1},"Items":["cccc"]}]`},
		{"BatchInput leaves room for one", `{"MaxInputBytesPerBatch":45,"BatchInput":{"b":1}}`, `{` + abc + `}`, interp.DefaultLimits,
			`[{"BatchInput":{"b":1},"Items":["aaaa"]},{"BatchInput":{"b":1},"Items":["bbbb"]},{"BatchInput":{"b":1},"Items":["cccc"]}]`},
		{"items and bytes: the first bound reached", `{"MaxInputBytesPerBatch":1000,"MaxItemsPerBatch":2}`, `{` + abc + `}`, interp.DefaultLimits,
			`[{"Items":["aaaa","bbbb"]},{"Items":["cccc"]}]`},
		{"path", `{"MaxInputBytesPerBatchPath":"$.bytes"}`, `{"bytes":25,` + abc + `}`, interp.DefaultLimits,
			`[{"Items":["aaaa","bbbb"]},{"Items":["cccc"]}]`},
		// With a payload limit of 48: {"Items":["aaaa","bbbb","cccc"]} would
		// be 32 bytes, {"BatchInput":"xxxxxxxxxx","Items":["aaaa"]} is 44 and
		// with "bbbb" 51.
		{"payload limit without MaxInputBytesPerBatch", `{"MaxItemsPerBatch":10,"BatchInput":"xxxxxxxxxx"}`, `{` + abc + `}`, interp.Limits{MaxPayloadBytes: 48},
			`[{"BatchInput":"xxxxxxxxxx","Items":["aaaa"]},{"BatchInput":"xxxxxxxxxx","Items":["bbbb"]},{"BatchInput":"xxxxxxxxxx","Items":["cccc"]}]`},
		{"path beyond the payload limit", `{"MaxInputBytesPerBatchPath":"$.bytes","BatchInput":"xxxxxxxxxx"}`, `{"bytes":1000000,` + abc + `}`, interp.Limits{MaxPayloadBytes: 48},
			`[{"BatchInput":"xxxxxxxxxx","Items":["aaaa"]},{"BatchInput":"xxxxxxxxxx","Items":["bbbb"]},{"BatchInput":"xxxxxxxxxx","Items":["cccc"]}]`},
		// {"Items":["aaaa"]} is 18 bytes.
		{"an item larger than a batch", `{"MaxInputBytesPerBatch":17}`, `{` + abc + `}`, interp.DefaultLimits, "States.DataLimitExceeded"},
		{"path not positive", `{"MaxInputBytesPerBatchPath":"$.bytes"}`, `{"bytes":0,` + abc + `}`, interp.DefaultLimits, "States.Runtime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var spec *interp.MapRunSpec
			r := driveLimits(t, machine(tc.batcher), tc.input, func(d *interp.TaskDispatch) (any, string, string, bool) {
				spec = d.MapRun
				return []any{}, "", "", false
			}, false, tc.limits)
			if !strings.HasPrefix(tc.want, "[") {
				if r.x.Status != interp.StatusFailed || r.x.Error != tc.want || spec != nil {
					t.Errorf("%s %s %s, want %s", r.x.Status, r.x.Error, r.x.Cause, tc.want)
				}
				return
			}
			if spec == nil {
				t.Fatalf("no Map Run: %s %s %s", r.x.Status, r.x.Error, r.x.Cause)
			}
			if got := string(spec.Inputs); got != tc.want {
				t.Errorf("inputs\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestHistoryPreviousEventIDs pins previousEventId as AWS records it (the
// mock corpus's recordings): ExecutionStarted and the first state's entered
// event point back to 0, every later event to the one before it on its path,
// except around a Map's ends (see the cases).
func TestHistoryPreviousEventIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		def   string
		input string
		want  [][2]int64 // {id, previousEventId}
	}{
		{
			name: "pass then task",
			def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},
				"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`,
			want: [][2]int64{{1, 0}, {2, 0}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {7, 6}, {8, 7}, {9, 8}},
		},
		{
			name: "fail first",
			def:  `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`,
			want: [][2]int64{{1, 0}, {2, 0}, {3, 2}},
		},
		{
			// AWS's recording of LocalStack's BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES:
			// an EvaluationFailed right after the entered event points back
			// where the entered event points.
			name: "evaluation fails on entry",
			def: `{"QueryLanguage":"JSONata","StartAt":"S0","States":{"S0":{"Type":"Pass","Next":"S1"},"S1":{"Type":"Pass","Next":"S2"},
				"S2":{"Type":"Pass","Output":{"result":"{% $doesNotExist %}"},"End":true}}}`,
			want: [][2]int64{{1, 0}, {2, 0}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {7, 5}, {8, 7}},
		},
		{
			// Inline Maps one iteration at a time, as in AWS's recording of
			// LocalStack's BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE: the next
			// MapIterationStarted points back at the last event of the
			// iteration before (not at its MapIterationSucceeded), and
			// MapStateExited past MapStateSucceeded.
			name: "inline maps in sequence",
			def: `{"StartAt":"O","States":{"O":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{
				"I":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}},"End":true}}}`,
			input: `[[1,2],[3]]`,
			want: [][2]int64{
				{1, 0}, {2, 0}, {3, 2}, // ExecutionStarted, MapStateEntered O, MapStateStarted
				{4, 3}, {5, 4}, {6, 5}, // O[0]: MapIterationStarted, MapStateEntered I, MapStateStarted
				{7, 6}, {8, 7}, {9, 8}, {10, 9}, // I[0]: MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded
				{11, 9}, {12, 11}, {13, 12}, {14, 13}, // I[1]
				{15, 14}, {16, 14}, // I: MapStateSucceeded, MapStateExited
				{17, 16},                     // O[0]: MapIterationSucceeded
				{18, 16}, {19, 18}, {20, 19}, // O[1]: MapIterationStarted, MapStateEntered I, MapStateStarted
				{21, 20}, {22, 21}, {23, 22}, {24, 23}, // I[0]
				{25, 24}, {26, 24}, // I: MapStateSucceeded, MapStateExited
				{27, 26}, {28, 27}, {29, 27}, // O[1]: MapIterationSucceeded; O: MapStateSucceeded, MapStateExited
				{30, 29}, // ExecutionSucceeded
			},
		},
		{
			// ParallelStateSucceeded and ParallelStateExited point back at the
			// last event of the branch that ended last (the mock corpus's
			// test_parallel_state_lambda: ParallelStateExited 15 points to 13).
			name: "parallel",
			def: `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}}`,
			want: [][2]int64{{1, 0}, {2, 0}, {3, 2}, {4, 3}, {5, 3}, {6, 4}, {7, 5}, {8, 7}, {9, 7}, {10, 9}},
		},
		{
			// MapStateExited points back to MapRunStarted (test_map_state_lambda
			// of the mock corpus).
			name: "distributed map",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
				"StartAt":"T","States":{"T":{"Type":"Pass","End":true}}},"Next":"P"},"P":{"Type":"Pass","End":true}}}`,
			input: `[1]`,
			want:  [][2]int64{{1, 0}, {2, 0}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {7, 4}, {8, 7}, {9, 8}, {10, 9}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			input := tt.input
			if input == "" {
				input = `{}`
			}
			r := drive(t, mustDefinition(t, tt.def), input, echo)
			var got [][2]int64
			for _, e := range r.events {
				got = append(got, [2]int64{e.ID, e.PreviousEventID})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("history %v: (id, previousEventId)\n got %v\nwant %v", r.types(), got, tt.want)
			}
		})
	}
}
