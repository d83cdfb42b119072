package intrinsic

import (
	"errors"
	"testing"
	"time"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// FuzzParseEval parses arbitrary calls and evaluates those that parse against
// arbitrary inputs, under the production budget (budget.Default on the wall
// clock, which the call's path arguments spend too, as in package asl):
// nothing may panic, every failure is an *aslerr.Failure, and an evaluation
// ends in bounded time.
func FuzzParseEval(f *testing.F) {
	input := `{"a":[1,2,2,"x",{"k":null}],"s":"a,b,,c","n":3,"f":-1.5,"o":{"k":1},"t":"{} and {}"}`
	for _, s := range []string{
		`States.Format('x {} y \{\} \'q\'', $.s)`, `States.Format($.t, 1, $.o)`, `States.StringToJson($.s)`,
		`States.JsonToString($)`, `States.Array(1, 'a', true, null, $.a)`, `States.ArrayPartition($.a, $.n)`,
		`States.ArrayContains($.a, 2)`, `States.ArrayRange(1, $.n, 1)`, `States.ArrayGetItem($.a, 1)`,
		`States.ArrayLength($.a)`, `States.ArrayUnique($.a)`, `States.Base64Encode($.s)`,
		`States.Base64Decode('YWJj')`, `States.Hash($.s, 'SHA-256')`, `States.JsonMerge($.o, $.o, false)`,
		`States.MathRandom(1, 10, $.n)`, `States.MathAdd($.f, $.n)`, `States.StringSplit($.s, ',')`,
		`States.UUID()`, `States.MathAdd(States.ArrayLength(States.StringSplit($.s, ',')), -1)`,
	} {
		f.Add(s, input)
	}
	f.Fuzz(func(t *testing.T, expr, doc string) {
		c, err := Parse(expr)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T", expr, err)
			}
			return
		}
		in, err := jsonvalue.ParseString(doc)
		if err != nil {
			return
		}
		before := jsonvalue.String(in)
		b := budget.New(budget.Default, time.Now)
		start := time.Now()
		v, err := c.EvalWithin(&testEnv{input: in, context: in, vars: map[string]any{}, budget: b}, b)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Eval(%q) ran %v under a budget of %v", expr, d, budget.Default.Time)
		}
		if err != nil {
			var fl *aslerr.Failure
			if !errors.As(err, &fl) || fl.Name != aslerr.Runtime {
				t.Fatalf("Eval(%q) error %v", expr, err)
			}
			return
		}
		_ = jsonvalue.String(v)
		if jsonvalue.String(in) != before {
			t.Fatalf("Eval(%q) changed its input", expr)
		}
	})
}
