package validate

import (
	"reflect"
	"testing"
)

// TestVariableReferences checks Definition.VariableReferences against what
// AWS answers in DescribeStateMachine's variableReferences (as LocalStack's
// recordings against AWS show it): per state, the variables its fields read,
// sorted; states that read none left out; $states and Assign's targets not
// references.
func TestVariableReferences(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		def  string
		want map[string][]string
	}{
		{"none", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Parameters":{"p":"$x"},"End":true}}}`, nil},
		{"parameters and sorted", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"b":1,"a":2},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"x.$":"$b","y.$":"$a.f","z.$":"$b"},"End":true}}}`,
			map[string][]string{"B": {"a", "b"}}},
		{"input and output paths", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$in","OutputPath":"$out","ResultPath":"$.r","Assign":{"out":1},"End":true}}}`,
			map[string][]string{"A": {"in", "out"}}},
		{"intrinsics", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"s.$":"States.Format('{} {}', $name, States.ArrayLength($list))","u.$":"States.UUID()","c.$":"$$.Execution.Id"},"End":true}}}`,
			map[string][]string{"A": {"list", "name"}}},
		{"assign values, not targets", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x.$":"$y","z":"$w"},"End":true}}}`,
			map[string][]string{"A": {"y"}}},
		{"choice", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$guess","StringEqualsPath":"$answer"},{"Not":{"Variable":"$.x","IsPresent":true}}],"Next":"E","Assign":{"n.$":"$count"}}],
			"Default":"E"},"E":{"Type":"Succeed"}}}`,
			map[string][]string{"C": {"answer", "count", "guess"}}},
		{"wait and fail", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$secs","Next":"T"},
			"T":{"Type":"Wait","TimestampPath":"$when","Next":"F"},"F":{"Type":"Fail","ErrorPath":"$err","CausePath":"$cause"}}}`,
			map[string][]string{"W": {"secs"}, "T": {"when"}, "F": {"cause", "err"}}},
		{"task", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$fn"},
			"TimeoutSecondsPath":"$timeout","HeartbeatSecondsPath":"$beat","ResultSelector":{"r.$":"$sel"},
			"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e.$":"$caught"},"Next":"E"}],"End":true},"E":{"Type":"Succeed"}}}`,
			map[string][]string{"T": {"beat", "caught", "fn", "sel", "timeout"}}},
		{"nested map and parallel", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$items","MaxConcurrencyPath":"$max","ItemSelector":{"v.$":"$$.Map.Item.Value","t.$":"$tmpl"},
				"ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","Parameters":{"q.$":"$q"},"End":true}}},"End":true}}},
			{"StartAt":"Other","States":{"Other":{"Type":"Pass","End":true}}}]}}}`,
			map[string][]string{"M": {"items", "max", "tmpl"}, "Inner": {"q"}}},
		{"distributed map paths", `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCountPath":"$tc","ToleratedFailurePercentagePath":"$tp",
			"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$maxItems"},"Parameters":{"Bucket.$":"$bucket","Key":"k"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
			map[string][]string{"M": {"bucket", "maxItems", "tc", "tp"}}},
		{"jsonata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"total":"{% $price * $qty %}"},
			"Output":{"o":"{% $states.input.x & $suffix %}","n":"{% $sum($list) %}"},"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $total > $limit %}","Next":"D"}],"Default":"D"},
			"D":{"Type":"Pass","Output":"{% $states.input %}","End":true}}}`,
			map[string][]string{"A": {"list", "price", "qty", "suffix"}, "C": {"limit", "total"}}},
		{"jsonata local bindings", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% ($f := function($v){$v + $k}; $f(1)) %}","End":true}}}`,
			map[string][]string{"A": {"k"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			def, err := Parse([]byte(c.def), Options{Type: "STANDARD"})
			if err != nil {
				t.Fatal(err)
			}
			if got := def.VariableReferences(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("VariableReferences() = %v, want %v", got, c.want)
			}
		})
	}
}
