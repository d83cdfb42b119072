package interp_test

import (
	"strings"
	"testing"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
)

var historyOpts = history.EncodeOptions{}

func TestJSONata(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name:   "Output with $states.input and AWS's functions",
			def:    `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"sum":"{% $sum($states.input.n) %}","parts":"{% $partition($states.input.n, 2) %}","ctx":"{% $states.context.State.Name %}","lit":[1,"{% 1 + 1 %}"]},"End":true}}}`,
			input:  `{"n":[1,2,3]}`,
			output: `{"sum":6,"parts":[[1,2],[3]],"ctx":"P","lit":[1,2]}`,
		},
		{
			// AWS's recordings (test_array_jsonata): $range's one-item result
			// is the item; $partition's is an array of one array.
			name:   "$range and $partition: JSONata's sequences as AWS returns them",
			def:    `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"one":"{% $range(1, 9, 9) %}","odd":"{% $range(1, 9, 2) %}","part":"{% $partition([0], 1) %}"},"End":true}}}`,
			output: `{"one":1,"odd":[1,3,5,7,9],"part":[[0]]}`,
		},
		{
			name:   "Output as a literal that is not an object: null, a number, an array with an expression",
			def:    `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":null,"Next":"B"},"B":{"Type":"Pass","Output":{"was":"{% $states.input %}","n":42,"list":[1,"{% 1 + 1 %}"]},"End":true}}}`,
			output: `{"was":null,"n":42,"list":[1,2]}`,
		},
		{
			name:    "Arguments go to the task; $states.result to Output",
			def:     `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Arguments":{"x":"{% $states.input.a * 10 %}"},"Output":{"got":"{% $states.result.x %}","in":"{% $states.input.a %}"},"End":true}}}`,
			input:   `{"a":4}`,
			output:  `{"got":40,"in":4}`,
			history: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"},
		},
		{
			name:   "without Output a task's output is its result",
			def:    `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaARN + `","Arguments":{"v":1},"End":true}}}`,
			output: `{"v":1}`,
		},
		{
			name:   "Choice: Condition, the rule's Output, Default's Output",
			def:    `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 5 %}","Next":"Big","Output":"big"}],"Default":"Small","Output":"small"},"Big":{"Type":"Succeed"},"Small":{"Type":"Succeed"}}}`,
			input:  `{"n":2}`,
			output: `"small"`,
		},
		{
			name:   "Map: Items, ItemSelector with the Map item",
			def:    `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value %}"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:  `{"xs":["a","b"]}`,
			output: `[{"i":0,"v":"a"},{"i":1,"v":"b"}]`,
		},
		{
			name:    "Wait Seconds from an expression",
			def:     `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s * 2 %}","End":true}}}`,
			input:   `{"s":3}`,
			elapsed: 6e9,
		},
		{
			name:    "Fail with computed Error and Cause",
			def:     `{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"{% 'E' & $states.input.code %}","Cause":"{% $string($states.input) %}"}}}`,
			input:   `{"code":7}`,
			status:  interp.StatusFailed,
			errName: "E7",
			cause:   `{"code":7}`,
		},
		{
			name:   "Catch: $states.errorOutput is the default output",
			def:    `{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Bad"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true},"Z":{"Type":"Pass","End":true}}}`,
			output: `{"Error":"Bad","Cause":""}`,
		},
		{
			name:    "an expression that gives nothing fails with EvaluationFailed",
			def:     `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"r":"{% $states.input.missing %}"},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "The JSONata expression '$states.input.missing' specified for the field 'Output/r' returned nothing (undefined).",
			history: []string{"ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"},
		},
		{
			// AWS's words (LocalStack's test_map_state_items_eval_jsonata_fail[function]).
			name:    "an expression whose value is a function has an unsupported result type",
			def:     `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $fn := function($x){$x} %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type.",
			history: []string{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"},
		},
		{
			name:    "a built-in function's value too",
			def:     `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"r":"{% $sum %}"},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "The JSONata expression '$sum' specified for the field 'Output/r' returned an unsupported result type.",
		},
		{
			name:    "a type error names its JSONata code",
			def:     `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% 1 + 'a' %}","End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "specified for the field 'Output' threw an error during evaluation. T2002",
		},
		{
			name:    "Items that is not an array",
			def:     `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.n %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:   `{"n":3}`,
			status:  interp.StatusFailed,
			errName: "States.QueryEvaluationError",
			cause:   "returned an unexpected result type. Expected 'array', but was 'number' for value: 3",
			history: []string{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"},
		},
		{
			name:   "a JSONata state after a JSONPath one",
			def:    `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.x"},"Next":"B"},"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.v + 1 %}","End":true}}}`,
			input:  `{"x":1}`,
			output: `2`,
		},
		{
			name:   "$eval is not available",
			def:    `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $eval('1') %}","End":true}}}`,
			status: interp.StatusFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	tests := []tcase{
		{
			name: "Assign in JSONPath: $ is the result; the new value shows from the next state",
			def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","Result":{"q":"question"},"Assign":{"question.$":"$.q","answer":42},"Next":"B"},
				"B":{"Type":"Pass","Parameters":{"a.$":"$answer","q.$":"$question"},"Assign":{"answer":0},"Next":"C"},
				"C":{"Type":"Pass","Parameters":{"before.$":"$.a","now.$":"$answer"},"End":true}}}`,
			output: `{"before":42,"now":0}`,
		},
		{
			name: "Assign and Output of one state see the old values",
			def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
				"B":{"Type":"Pass","Assign":{"x":"{% $x + 1 %}","y":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},
				"C":{"Type":"Pass","Output":{"x":"{% $x %}","y":"{% $y %}","prev":"{% $states.input.x %}"},"End":true}}}`,
			output: `{"x":2,"y":1,"prev":1}`,
		},
		{
			name: "a Map iteration reads the outer scope; its own variables stay inside",
			def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"base":10},"Next":"M"},
				"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"mine.$":"$"},"Parameters":{"v.$":"States.MathAdd($, $base)"},"End":true}}},"Next":"Z"},
				"Z":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"r":"{% $states.input %}","mine":"{% $exists($mine) %}"},"End":true}}}`,
			input:  `[1,2]`,
			output: `{"r":[{"v":11},{"v":12}],"mine":false}`,
		},
		{
			name: "a branch may not assign a variable of an outer scope",
			def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},
				"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"x":2},"End":true}}}],"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
			cause:   "Cannot bind value '2' to variable 'x' as it belongs to an outer scope.",
		},
		{
			name:   "Catch Assign sees the error output",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Bad","Cause":"why"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"ResultPath":null,"Next":"Z"}],"End":true},"Z":{"Type":"Pass","Parameters":{"e.$":"$err"},"End":true}}}`,
			output: `{"e":"Bad"}`,
		},
		{
			name:    "a variable over 256 KiB",
			def:     `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"big":"{% $pad('', 262145, 'x') %}"},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.DataLimitExceeded",
			cause:   "The value of the variable 'big' exceeds",
		},
		{
			name:    "an unknown variable in a path",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$nope"},"End":true}}}`,
			status:  interp.StatusFailed,
			errName: "States.Runtime",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); check(t, tt) })
	}
}

func TestAssignedVariablesInHistory(t *testing.T) {
	t.Parallel()
	def := mustDefinition(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"s":"text","n":1.50,"o":{"k":[true]}},"End":true}}}`)
	r := drive(t, def, `{}`, echo)
	ev := r.events[2]
	b := string(ev.AppendJSON(nil, historyOpts))
	for _, want := range []string{`"assignedVariables":{"s":"\"text\"","n":"1.50","o":"{\"k\":[true]}"}`, `"assignedVariablesDetails":{"truncated":false}`} {
		if !strings.Contains(b, want) {
			t.Errorf("PassStateExited %s lacks %s", b, want)
		}
	}
}
