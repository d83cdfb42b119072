package jsonata

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/jsonvalue"
)

func eval(t *testing.T, expr string, input any, opts *Options) (any, error) {
	t.Helper()
	e, err := Compile(expr)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(context.Background(), input, opts)
}

func mustEval(t *testing.T, expr string, input any, opts *Options) any {
	t.Helper()
	v, err := eval(t, expr, input, opts)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	input := jsonvalue.MustParse(`{"a":{"b":[1,2.50,3]},"s":"x","n":null,"order":{"z":1,"a":2}}`)
	tests := []struct {
		name, expr, want string
	}{
		{"input numbers keep their text", "a.b", `[1,2.50,3]`},
		{"computed numbers are float64", "a.b[1] * 2", `5`},
		{"null is not undefined", "n", `null`},
		{"key order is kept", "order", `{"z":1,"a":2}`},
		{"constructed key order", `{"z": 1, "a": 2, "m": 3}`, `{"z":1,"a":2,"m":3}`},
		{"singleton collapses", "a.b[0]", `1`},
		{"[] keeps the singleton", "a.b[0][]", `[1]`},
		{"a function inside an array is null", `[$sum, 1]`, `[null,1]`},
		{"a function inside an object is left out", `{"f": $sum, "x": 1}`, `{"x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustEval(t, tt.expr, input, nil)
			if s := jsonvalue.String(got); s != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, s, tt.want)
			}
		})
	}
}

func TestUndefined(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{"nothing", "$sum", "function($x){$x}", "()", "[1,2][5]"} {
		if v := mustEval(t, expr, jsonvalue.MustParse(`{"a":1}`), nil); !IsUndefined(v) {
			t.Errorf("%s = %v, want Undefined", expr, v)
		}
	}
	// no input at all
	if v := mustEval(t, "$", Undefined, nil); !IsUndefined(v) {
		t.Errorf("$ with no input = %v, want Undefined", v)
	}
	if v := mustEval(t, "$exists($)", Undefined, nil); v != false {
		t.Errorf("$exists($) with no input = %v, want false", v)
	}
	if v := mustEval(t, "$", nil, nil); v != nil {
		t.Errorf("$ with null input = %v, want nil", v)
	}
	// Go values are converted
	type order struct {
		ID    string  `json:"id"`
		Total float64 `json:"total"`
	}
	if v := mustEval(t, "id & ':' & total", order{ID: "a", Total: 2.5}, nil); v != "a:2.5" {
		t.Errorf("struct input: %v", v)
	}
	if v := mustEval(t, "b.c", map[string]any{"b": map[string]any{"c": 1}}, nil); v != 1 {
		t.Errorf("map input: %v", v)
	}
}

var errBoom = errors.New("boom")

func TestVariablesAndFunctions(t *testing.T) {
	t.Parallel()
	env, err := NewEnv(Config{
		Functions: []Function{
			{Name: "partition", Signature: "<:s>", Func: func(c *Call, args []any) (any, error) { return "aws", nil }},
			{Name: "twice", Signature: "<n-:n>", Func: func(c *Call, args []any) (any, error) {
				f, _ := jsonvalue.ToFloat(args[0])
				return 2 * f, nil
			}},
			{Name: "fail", Func: func(c *Call, args []any) (any, error) { return nil, errBoom }},
			{Name: "gomap", Func: func(c *Call, args []any) (any, error) { return map[string]any{"b": []string{"x"}, "a": int32(1)}, nil }},
			{Name: "callback", Signature: "<f:x>", Func: func(c *Call, args []any) (any, error) { return c.Apply(args[0], 20.0) }},
			{Name: "list", Arity: 10, Func: func(c *Call, args []any) (any, error) { return args, nil }},
		},
		Disable: []string{"eval"},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := &Options{Env: env, Vars: map[string]any{"states": jsonvalue.MustParse(`{"input":{"x":21}}`)}}
	tests := []struct{ expr, want string }{
		{"$partition()", `"aws"`},
		{"$twice($states.input.x)", `42`},
		{"$states.input.x ~> $twice", `42`},
		{"$states.input.x.($twice())", `42`},
		{"$map([1,2], $twice)", `[2,4]`},
		{"$callback(function($v){$v + 1})", `21`},
		{"$gomap()", `{"a":1,"b":["x"]}`},
		{"$list(?, 2, 3, 4, 5, 6, 7, 8, 9, 10)(1)", `[1,2,3,4,5,6,7,8,9,10]`},
	}
	for _, tt := range tests {
		got := mustEval(t, tt.expr, Undefined, opts)
		if s := jsonvalue.String(got); s != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, s, tt.want)
		}
	}
	_, err = eval(t, `$eval("1")`, Undefined, opts)
	var je *Error
	if !errors.As(err, &je) || je.Code != "T1006" {
		t.Errorf("disabled $eval: %v, want T1006", err)
	}
	_, err = eval(t, `$fail()`, Undefined, opts)
	if !errors.As(err, &je) || je.Code != "U0000" || je.Token != "fail" || !strings.Contains(je.Message, "boom") || !errors.Is(err, errBoom) {
		t.Errorf("custom error: %#v", err)
	}
	_, err = eval(t, `$twice("x")`, Undefined, opts)
	if !errors.As(err, &je) || je.Code != "T0410" || je.Token != "twice" {
		t.Errorf("signature error: %v", err)
	}
	if _, err := NewEnv(Config{Functions: []Function{{Name: "bad", Signature: "<b<s>>", Func: func(*Call, []any) (any, error) { return nil, nil }}}}); err == nil {
		t.Error("NewEnv accepted a bad signature")
	}
}

func TestClockAndRandom(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 11, 5, 10, 30, 0, 123e6, time.UTC)
	calls := 0
	env, err := NewEnv(Config{Clock: func() time.Time { calls++; return now }, Random: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	got := mustEval(t, `[$now(), $millis(), $now('[Y]'), $random()]`, Undefined, &Options{Env: env})
	if s := jsonvalue.String(got); s != `["2024-11-05T10:30:00.123Z",1730802600123,"2024",0.5]` {
		t.Errorf("got %s", s)
	}
	if calls != 1 {
		t.Errorf("the clock was read %d times in one evaluation, want 1", calls)
	}
	seq := []float64{0.9, 0.1, 0.5}
	i := 0
	opts := &Options{Env: env, Now: time.UnixMilli(0), Random: func() float64 { v := seq[i%len(seq)]; i++; return v }}
	got = mustEval(t, `[$millis(), $shuffle([1,2,3,4])]`, Undefined, opts)
	if s := jsonvalue.String(got); s != `[0,2,3,1,4]` {
		t.Errorf("per-evaluation clock and random: %s", s)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	env, _ := NewEnv(Config{MaxDepth: 50})
	_, err := eval(t, `($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))`, Undefined, &Options{Env: env})
	var je *Error
	if !errors.As(err, &je) || je.Code != "D1011" {
		t.Errorf("deep recursion: %v, want D1011", err)
	}
	// tail calls do not grow the stack
	got := mustEval(t, `($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(10000, 0))`, Undefined, &Options{Env: env})
	if got != 10000.0 {
		t.Errorf("tail recursion = %v", got)
	}
	env, _ = NewEnv(Config{Timeout: 20 * time.Millisecond, Clock: time.Now})
	_, err = eval(t, `($f := function(){ $f() }; $f())`, Undefined, &Options{Env: env})
	if !errors.As(err, &je) || je.Code != "D1012" || je.Message != "Evaluation timeout after 20 milliseconds. Check for infinite loop" {
		t.Errorf("endless loop: %v, want D1012", err)
	}
	clocked, _ := NewEnv(Config{Clock: time.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = MustCompile(`($f := function(){ $f() }; $f())`).Evaluate(ctx, Undefined, &Options{Env: clocked})
	if !errors.As(err, &je) || je.Code != "D1012" {
		t.Errorf("context deadline: %v, want D1012", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = MustCompile(`($f := function(){ $f() }; $f())`).Evaluate(ctx, Undefined, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
	// the default depth limit stops a runaway recursion before the Go stack does
	_, err = eval(t, `($f := function($n){ 1 + $f($n) }; $f(1))`, Undefined, nil)
	if !errors.As(err, &je) || je.Code != "D1011" {
		t.Errorf("runaway recursion: %v, want D1011", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr            string
		code, tok, msg  string
		pos             int
		value           any
		valueIsDontCare bool
	}{
		{expr: `1 +`, code: "S0207", tok: "(end)", msg: "Unexpected end of expression", pos: 3, valueIsDontCare: true},
		{expr: `"abc" + 1`, code: "T2001", tok: "+", msg: `The left side of the "+" operator must evaluate to a number`, pos: 7, value: "abc"},
		{expr: `$substring(5, "x")`, code: "T0410", tok: "substring", msg: `Argument 2 of function "substring" does not match function signature`, pos: 11, value: "x"},
		{expr: `$foo()`, code: "T1006", tok: "foo", msg: "Attempted to invoke a non-function", pos: 5, valueIsDontCare: true},
		{expr: `"é" & $x + 1`, code: "T2001", tok: "+", pos: 10, valueIsDontCare: true},
		{expr: `$error("custom")`, code: "D3137", tok: "error", msg: "custom", pos: 7, valueIsDontCare: true},
	}
	for _, tt := range tests {
		_, err := eval(t, tt.expr, Undefined, &Options{Vars: map[string]any{"x": "s"}})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want an *Error", tt.expr, err)
			continue
		}
		if e.Code != tt.code || e.Token != tt.tok || (tt.msg != "" && e.Message != tt.msg) || e.Position != tt.pos {
			t.Errorf("%s: got %s %q %q at %d, want %s %q %q at %d", tt.expr, e.Code, e.Token, e.Message, e.Position, tt.code, tt.tok, tt.msg, tt.pos)
		}
		if !tt.valueIsDontCare && !jsEqual(e.Value, tt.value) {
			t.Errorf("%s: value %v, want %v", tt.expr, e.Value, tt.value)
		}
		if !strings.HasPrefix(e.Error(), tt.code+": ") {
			t.Errorf("%s: Error() = %q", tt.expr, e.Error())
		}
	}
}

func TestTransformDoesNotChangeItsInput(t *testing.T) {
	t.Parallel()
	input := jsonvalue.MustParse(`{"a":{"b":1,"c":{"d":2}},"e":[{"f":1},{"f":2}]}`)
	before := jsonvalue.String(input)
	shared := jsonvalue.MustParse(`{"f":9}`)
	opts := &Options{Vars: map[string]any{"x": shared}}
	tests := []struct{ expr, want string }{
		{`$ ~> |a|{"b": 10}, ["c"]|`, `{"a":{"b":10},"e":[{"f":1},{"f":2}]}`},
		{`$ ~> |e|{"g": f * 2}|`, `{"a":{"b":1,"c":{"d":2}},"e":[{"f":1,"g":2},{"f":2,"g":4}]}`},
		{`$ ~> |**[$exists(f)]|{}, "f"|`, `{"a":{"b":1,"c":{"d":2}},"e":[{},{}]}`},
		{`$ ~> |$x|{"f": 0}|`, before},
		{`{"p": $x, "q": $x} ~> |p|{"f": 0}|`, `{"p":{"f":0},"q":{"f":9}}`},
		{`$ ~> |nothing|{"z": 1}|`, before},
	}
	for _, tt := range tests {
		got := mustEval(t, tt.expr, input, opts)
		if s := jsonvalue.String(got); s != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, s, tt.want)
		}
	}
	if after := jsonvalue.String(input); after != before {
		t.Errorf("the input changed: %s", after)
	}
	if s := jsonvalue.String(shared); s != `{"f":9}` {
		t.Errorf("a variable changed: %s", s)
	}
}

// TestConcurrentEvaluation evaluates one compiled expression from many
// goroutines (run with -race).
func TestConcurrentEvaluation(t *testing.T) {
	t.Parallel()
	e := MustCompile(`(Account.Order.Product[Price > 30]{ SKU: $sum($.(Price * Quantity)) } ~> $each(function($v, $k){ $k & "=" & $string($v) }) ~> $join(",")) & $replace("a-b", /-/, "+") & ($ ~> |Account|{"x": 1}|).Account.x & $fromMillis(0, "[Y]")`)
	data, _ := loadBenchCases(t)
	want, err := e.Evaluate(context.Background(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				got, err := e.Evaluate(context.Background(), data, nil)
				if err != nil || !jsEqual(got, want) {
					t.Errorf("goroutine %d: %v, %v", g, show(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func ExampleExpr_Evaluate() {
	expr := MustCompile(`{"total": $sum(items.(qty * price)), "skus": items.sku}`)
	input := jsonvalue.MustParse(`{"items":[{"sku":"a","qty":2,"price":1.5},{"sku":"b","qty":1,"price":7}]}`)
	v, err := expr.Evaluate(context.Background(), input, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(jsonvalue.String(v))
	// Output: {"total":10,"skus":["a","b"]}
}

func ExampleNewEnv() {
	env, _ := NewEnv(Config{
		Functions: []Function{{
			Name:      "greet",
			Signature: "<s:s>",
			Func:      func(c *Call, args []any) (any, error) { return "Hello, " + args[0].(string), nil },
		}},
		Disable: []string{"eval"},
	})
	v, _ := MustCompile(`$greet($name)`).Evaluate(context.Background(), Undefined, &Options{Env: env, Vars: map[string]any{"name": "Ada"}})
	fmt.Println(v)
	// Output: Hello, Ada
}
