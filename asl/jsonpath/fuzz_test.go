package jsonpath

import (
	"testing"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// FuzzCompileGet compiles arbitrary paths and evaluates those that compile
// against arbitrary documents, under the production budget (budget.Default
// on the wall clock, as package asl evaluates them): nothing may panic, a
// definite path answers a value or a *NotFoundError, an indefinite one a
// list or the budget's error, in bounded time, and Set on a reference path
// leaves its root unchanged.
func FuzzCompileGet(f *testing.F) {
	for _, s := range []string{
		"$", "$$", "$x", "$.a.b", "$['a b'][0]", "$.a[*]", "$..a", "$.a[1:3]", "$.a[-1:]", "$.a[0,1]",
		"$.a[?(@.x > 1 && @.y =~ /a.*/i || !@.z)]", "$.a.length()", "$.a[?(@ in [1,'x'])]", "$['a','b']",
		`$['Test\"\"Name\"']`, "$.a..b[*].c",
	} {
		f.Add(s, `{"a":[{"x":2,"y":"ab","b":{"c":1}},1,"s",null],"b":{"c":[1,2]}}`)
	}
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := Compile(path)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Compile(%q) error %T", path, err)
			}
			return
		}
		root, err := jsonvalue.ParseString(doc)
		if err != nil {
			return
		}
		before := jsonvalue.String(root)
		start := time.Now()
		v, err := p.GetWithin(root, budget.New(budget.Default, time.Now))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Get(%q) ran %v under a budget of %v", path, d, budget.Default.Time)
		}
		if err == nil && !p.Definite() && p.fn == nil {
			if _, ok := v.([]any); !ok {
				t.Fatalf("Get(%q) of an indefinite path = %T", path, v)
			}
		}
		if err == nil && v != nil {
			_ = jsonvalue.String(v)
		}
		if _, err := CompileReference(path); err == nil {
			_, _ = p.Set(root, "x")
		}
		if jsonvalue.String(root) != before {
			t.Fatalf("evaluating %q changed the document", path)
		}
	})
}

// Paths the fuzzer found panicking: each must be a syntax error.
func TestFuzzFoundSyntaxErrors(t *testing.T) {
	for _, path := range []string{`$[?($"\`, `$["",`, `$['a',b]`, `$['a', `} {
		if _, err := Compile(path); err == nil {
			t.Errorf("%s compiles", path)
		}
	}
}
