package intrinsic

import (
	"strings"
	"testing"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Intrinsic bombs: work quadratic in the input, and calls nested to build
// more than they read, spend the call's budget and fail with States.Runtime
// and a cause that names it.
func TestBudget(t *testing.T) {
	t.Parallel()
	items := make([]string, 4000)
	for i := range items {
		items[i] = `{"i":` + jsonvalue.String(float64(i)) + `}`
	}
	input := `{"items":[` + strings.Join(items, ",") + `],"s":"` + strings.Repeat("a,", 100_000) + `","d":"` + strings.Repeat("xyz", 10_000) + `"}`
	cases := []struct {
		name, call string
		limits     budget.Limits
		want       string
	}{
		{"ArrayUnique is quadratic", "States.ArrayUnique($.items)", budget.Limits{Steps: 1_000_000}, "1000000 steps"},
		{"StringSplit reads its delimiters for each character", "States.StringSplit($.s, $.d)", budget.Limits{Steps: 1_000_000}, "1000000 steps"},
		{"nested StringSplit and Format", "States.StringSplit(States.Format('{}{}{}{}', $.s, $.s, $.s, $.s), ',')", budget.Limits{Bytes: 1 << 20}, "1048576 bytes"},
		{"ArrayRange, many times", "States.Array(States.ArrayRange(1, 1000, 1), States.ArrayRange(1, 1000, 1), States.ArrayRange(1, 1000, 1))", budget.Limits{Bytes: 40_000}, "40000 bytes"},
		{"JsonToString", "States.JsonToString($.items)", budget.Limits{Bytes: 10_000}, "10000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			call, err := Parse(c.call)
			if err != nil {
				t.Fatal(err)
			}
			env := &testEnv{input: jsonvalue.MustParse(input)}
			_, err = call.EvalWithin(env, budget.New(c.limits, nil))
			want := "The function '" + c.call + "' had the following error: the evaluation exceeded its budget of " + c.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want %q", err, want)
			}
		})
	}
	// Eval runs under DefaultLimits
	call, _ := Parse("States.ArrayUnique($.items)")
	if _, err := call.Eval(&testEnv{input: jsonvalue.MustParse(input)}); err != nil {
		t.Errorf("within the default budget: %v", err)
	}
}
