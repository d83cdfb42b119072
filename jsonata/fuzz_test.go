package jsonata

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// FuzzEvaluate compiles and evaluates arbitrary expressions against a fixed
// input, seeded with every expression of the official suite, under the
// production limits (the default depth and length, budget.Default on the
// wall clock). It checks that nothing panics, that failures are *Error
// values (static ones from Compile) or the budget's, that results are JSON
// values, and that the input is never changed.
func FuzzEvaluate(f *testing.F) {
	for _, c := range loadSuite(f) {
		f.Add(c.expr)
	}
	_, bench := loadBenchCases(f)
	for _, c := range bench {
		f.Add(c.expr)
	}
	b, err := os.ReadFile(filepath.Join(suiteDir, "datasets", "dataset5.json"))
	if err != nil {
		f.Skip(err)
	}
	input := jsonvalue.MustParse(string(b))
	before := jsonvalue.String(input)
	env, err := NewEnv(Config{Clock: time.Now, Random: rand.Float64})
	if err != nil {
		f.Fatal(err)
	}
	vars := map[string]any{"v": jsonvalue.MustParse(`{"a":[1,{"b":"c"}]}`)}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1000 {
			return
		}
		e, err := Compile(src)
		if err != nil {
			var je *Error
			if !errors.As(err, &je) || !strings.HasPrefix(je.Code, "S") {
				t.Fatalf("Compile(%q): %v (%T), want an *Error with an S code", src, err, err)
			}
			return
		}
		_ = e.References()
		opts := &Options{Env: env, Vars: vars, Budget: budget.New(budget.Default, time.Now)}
		v, err := e.Evaluate(context.Background(), input, opts)
		if err != nil {
			var je *Error
			if errors.Is(err, budget.ErrExceeded) {
				return
			}
			if !errors.As(err, &je) || je.Code == "" || je.Message == "" {
				t.Fatalf("Evaluate(%q): %v (%T), want an *Error with a code and a message", src, err, err)
			}
		} else if !IsUndefined(v) {
			checkJSONValue(t, src, v)
			_ = jsonvalue.Append(nil, v) // panics on a value that is not JSON
		}
		if after := jsonvalue.String(input); after != before {
			t.Fatalf("Evaluate(%q) changed its input", src)
		}
	})
}

// FuzzBudget evaluates arbitrary expressions under small budgets of steps
// and bytes, seeded with expressions that loop, recurse and build. It checks
// that nothing panics; that an evaluation that succeeds spent no more than
// its budget; that one that fails on its budget overshot its steps by at
// most one charge (a regular expression's or a hash's input, which is
// charged before it is read) and never its bytes, which are refused before
// they are built; and that the wall time of an evaluation stays bounded
// under the production time budget.
func FuzzBudget(f *testing.F) {
	for _, s := range []string{
		`($f := function($x){ $f($x + 1) }; $f(0))`,
		`($f := function($x){ $x > 1e6 ? $x : $f($x + 1) }; $f(0))`,
		`($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(5000))`,
		`($a := [1..100000]; $count([$a,$a,$a,$a,$a]))`,
		`($s := "ab"; $f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f($s, 40)))`,
		`$count($split($pad("", 100000, "a"), /a/))`,
		`$sort([1..50000], function($a, $b){ $a < $b })`,
		`$distinct([1..3000].{"a": $})`,
		`[1..1000].[1..1000]`,
		`$reduce([1..100000], function($a, $v){ $append($a, $v) }, [])`,
		`$join($map([1..100000], $string), ",")`,
		`$replace($pad("", 100000, "ab"), /a/, "xyz")`,
		`$.**`,
		`$merge([1..20000].{$string($): $})`,
	} {
		f.Add(s, uint16(1000), uint16(64))
	}
	input := jsonvalue.MustParse(`{"a":[1,{"b":"c"},[2,3]],"s":"hello world"}`)
	env, err := NewEnv(Config{Clock: time.Now, Random: rand.Float64})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string, kSteps, kBytes uint16) {
		if len(src) > 1000 {
			return
		}
		e, err := Compile(src)
		if err != nil {
			return
		}
		hang := time.AfterFunc(4*time.Second, func() { panic(fmt.Sprintf("hang: %q under budgets of %d, %d", src, kSteps, kBytes)) })
		defer hang.Stop()
		limits := budget.Limits{Steps: int64(kSteps)*100 + 1, Bytes: int64(kBytes)*1024 + 1}
		b := budget.New(limits, nil)
		start := time.Now()
		_, err = e.Evaluate(context.Background(), input, &Options{Env: env, Budget: b})
		steps, bytes := b.Used()
		if bytes > limits.Bytes {
			t.Fatalf("%q built %d bytes past its budget of %d", src, bytes, limits.Bytes)
		}
		if err == nil && (steps > limits.Steps || b.Err() != nil) {
			t.Fatalf("%q succeeded with %d steps of %d (%v)", src, steps, limits.Steps, b.Err())
		}
		// the largest single charge: a regex or a hash over the longest string
		if over := limits.Steps + 1 + DefaultMaxLength/budget.BytesPerStep; steps > over {
			t.Fatalf("%q took %d steps of %d", src, steps, limits.Steps)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q ran %v under a budget of %d steps", src, d, limits.Steps)
		}
		// and under the production budget, on the wall clock
		start = time.Now()
		_, _ = e.Evaluate(context.Background(), input, &Options{Env: env, Budget: budget.New(budget.Default, time.Now)})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q ran %v under the production budget of %v", src, d, budget.Default.Time)
		}
	})
}

func checkJSONValue(t *testing.T, src string, v any) {
	switch x := v.(type) {
	case nil, bool, string, float64, jsonvalue.Number, int, int64:
	case []any:
		for _, e := range x {
			checkJSONValue(t, src, e)
		}
	case *jsonvalue.Object:
		for i := 0; i < x.Len(); i++ {
			_, e := x.At(i)
			checkJSONValue(t, src, e)
		}
	default:
		t.Fatalf("Evaluate(%q) returned a %T inside its result", src, v)
	}
}
