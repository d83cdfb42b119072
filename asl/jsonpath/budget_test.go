package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// A deep scan, a filter whose paths scan again, and a regex over a long
// string each spend the one budget of the evaluation.
func TestBudget(t *testing.T) {
	t.Parallel()
	nested := strings.Repeat(`{"a":[`, 30) + `1` + strings.Repeat(`]}`, 30)
	wide := `[` + strings.Repeat(`{"a":{"b":{"c":[1,2,3,4,5,6,7,8]}}},`, 300) + `{}]`
	long := `{"s":"` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name, path, doc string
		limits          budget.Limits
		resource        string
	}{
		{"a deep scan", "$..*", wide, budget.Limits{Steps: 1000}, "steps"},
		{"scans in a filter", "$..[?(@..* contains 1)]", wide, budget.Limits{Steps: 10_000}, "steps"},
		{"a filter bomb", "$..a[?(@..a[?(@..a[?(@..a)])])]", nested, budget.Limits{Steps: 100_000}, "steps"},
		{"a regex over a long string", "$[?(@.s =~ /a*b/)]", `[` + long + `]`, budget.Limits{Steps: 1000}, "steps"},
		{"the matches", "$..*", wide, budget.Limits{Bytes: 1000}, "bytes"},
		{"within", "$..c[0]", wide, budget.Limits{Steps: 100_000, Bytes: 1 << 20}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := MustCompile(c.path)
			b := budget.New(c.limits, nil)
			_, err := p.GetWithin(jsonvalue.MustParse(c.doc), b)
			var e *budget.ExceededError
			if c.resource == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &e) || e.Resource != c.resource {
				t.Fatalf("err = %v, want the %s budget exceeded", err, c.resource)
			}
			if steps, _ := b.Used(); steps > c.limits.Steps+1<<20/budget.BytesPerStep+1 && c.limits.Steps > 0 {
				t.Errorf("spent %d steps of %d", steps, c.limits.Steps)
			}
		})
	}
	// without a budget, the path's own bound of MaxSteps holds, over its filters' paths too
	_, err := MustCompile("$..[?(@..a[?(@..a[?(@..a)])])]").Get(jsonvalue.MustParse(strings.Repeat(`{"a":[`, 200) + `1` + strings.Repeat(`]}`, 200)))
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Errorf("unbudgeted bomb: %v, want an *EvalError", err)
	}
}
