package jsonata

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// benchCasesFile holds the ten representative expressions that are timed
// against jsonata-js (bench/jsonata-js/compare.js), their input, and the
// results jsonata-js gives.
var benchCasesFile = filepath.Join("..", "bench", "jsonata-js", "cases.json")

type benchCase struct {
	name   string
	expr   string
	result any
}

func loadBenchCases(tb testing.TB) (data any, cases []benchCase) {
	tb.Helper()
	b, err := os.ReadFile(benchCasesFile)
	if err != nil {
		tb.Skipf("no benchmark cases: %v", err)
	}
	v, err := jsonvalue.Parse(b)
	if err != nil {
		tb.Fatal(err)
	}
	o := v.(*jsonvalue.Object)
	data, _ = o.Get("data")
	list, _ := o.Get("cases")
	for _, c := range list.([]any) {
		co := c.(*jsonvalue.Object)
		name, _ := co.Get("name")
		expr, _ := co.Get("expr")
		result, ok := co.Get("result")
		if !ok {
			result = Undefined
		}
		cases = append(cases, benchCase{name: name.(string), expr: expr.(string), result: result})
	}
	return data, cases
}

// TestBenchCasesMatchJS checks that the benchmarked expressions give
// jsonata-js's results, so that the comparison is of equal work.
func TestBenchCasesMatchJS(t *testing.T) {
	t.Parallel()
	data, cases := loadBenchCases(t)
	for _, c := range cases {
		got, err := MustCompile(c.expr).Evaluate(context.Background(), data, nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !jsEqual(got, c.result) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, show(got), show(c.result))
		}
	}
}

// BenchmarkJSComparison evaluates the cases compare.js times on jsonata-js.
func BenchmarkJSComparison(b *testing.B) {
	data, cases := loadBenchCases(b)
	ctx := context.Background()
	for _, c := range cases {
		e := MustCompile(c.expr)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, data, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"_budget", func(b *testing.B) { benchBudget(b, e, data, &Options{}) })
	}
}

// benchBudget evaluates e under the production budget on the wall clock,
// started afresh for each evaluation, as Step Functions states run.
func benchBudget(b *testing.B, e *Expr, input any, opts *Options) {
	b.ReportAllocs()
	ctx := context.Background()
	var bd budget.Budget
	o := *opts
	o.Budget = &bd
	for b.Loop() {
		bd.Start(budget.Default, time.Now)
		if _, err := e.Evaluate(ctx, input, &o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures parsing the representative expressions.
func BenchmarkCompile(b *testing.B) {
	_, cases := loadBenchCases(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(c.expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStepFunctions measures expressions typical of Step Functions
// states: small payloads, variables bound per evaluation.
func BenchmarkStepFunctions(b *testing.B) {
	input := jsonvalue.MustParse(`{"orderId":"A-17","items":[{"sku":"x1","qty":2,"price":9.5},{"sku":"y2","qty":1,"price":120}],"customer":{"id":"c-9","tier":"gold"}}`)
	vars := map[string]any{"states": jsonvalue.MustParse(`{"input":{"orderId":"A-17","retry":2},"context":{"Execution":{"Id":"arn:aws:states:us-east-1:1:execution:m:e"}}}`)}
	cases := []struct{ name, expr string }{
		{"field", "$states.input.orderId"},
		{"condition", "$states.input.retry < 3 and customer.tier = 'gold'"},
		{"arguments", `{"id": orderId, "total": $sum(items.(qty * price)), "skus": items.sku, "exec": $states.context.Execution.Id}`},
		{"string", `"Order " & orderId & " for " & $uppercase(customer.id)`},
	}
	ctx := context.Background()
	for _, c := range cases {
		e := MustCompile(c.expr)
		opts := &Options{Vars: vars}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, input, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"_budget", func(b *testing.B) { benchBudget(b, e, input, opts) })
	}
}
