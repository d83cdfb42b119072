package jsonata

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Each expression spends its budget in a different loop of the evaluator and
// fails with the budget's error, naming the resource.
func TestBudget(t *testing.T) {
	t.Parallel()
	big := `[` + strings.Repeat(`{"a":"xxxxxxxxxxxxxxxx"},`, 999) + `{"a":"x"}]`
	cases := []struct {
		name     string
		expr     string
		input    string
		limits   budget.Limits
		resource string // "" for within the budget
	}{
		{"tail calls loop", `($f := function($x){ $f($x + 1) }; $f(0))`, `null`, budget.Limits{Steps: 100_000}, "steps"},
		{"mutual tail calls", `($f := function($x){ $g($x) }; $g := function($x){ $f($x) }; $f(0))`, `null`, budget.Limits{Steps: 100_000}, "steps"},
		{"a range", `$count([1..1000000])`, `null`, budget.Limits{Bytes: 1 << 20}, "bytes"},
		{"an array of copies", `($a := [1..20000]; $count([$a,$a,$a,$a,$a]))`, `null`, budget.Limits{Bytes: 1 << 20}, "bytes"},
		{"a path over copies", `($a := $.a; $count($$[*].a))`, big, budget.Limits{Bytes: 1000}, "bytes"},
		{"strings joined", `($s := "x"; $f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f($s, 30)))`, `null`, budget.Limits{Bytes: 1 << 20}, "bytes"},
		{"an object", `$merge([1..10000].{$string($): $})`, `null`, budget.Limits{Bytes: 100_000}, "bytes"},
		{"a regex over a long string", `$count($split($pad("", 1000000, "a"), /a/))`, `null`, budget.Limits{Steps: 10_000, Bytes: 1 << 30}, "steps"},
		{"$map", `$count($map([1..100000], function($v){ $v * 2 }))`, `null`, budget.Limits{Steps: 100_000}, "steps"},
		{"within", `$sum($map([1..1000], function($v){ $v * 2 }))`, `null`, budget.Limits{Steps: 100_000, Bytes: 1 << 20}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := budget.New(c.limits, nil)
			_, err := MustCompile(c.expr).Evaluate(nil, jsonvalue.MustParse(c.input), &Options{Budget: b})
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
			steps, bytes := b.Used()
			if c.limits.Steps > 0 && steps > c.limits.Steps+1+1<<20/budget.BytesPerStep {
				t.Errorf("spent %d steps of %d", steps, c.limits.Steps)
			}
			if c.limits.Bytes > 0 && bytes > c.limits.Bytes {
				t.Errorf("spent %d bytes of %d", bytes, c.limits.Bytes)
			}
		})
	}
}

// The time budget is measured on the caller's clock, here a fake one that
// moves a millisecond at each reading.
func TestBudgetTime(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	b := budget.New(budget.Limits{Time: 50 * time.Millisecond}, clock)
	_, err := MustCompile(`($f := function($x){ $f($x + 1) }; $f(0))`).Evaluate(nil, nil, &Options{Budget: b})
	var e *budget.ExceededError
	if !errors.As(err, &e) || e.Resource != "time" {
		t.Fatalf("err = %v, want the time budget exceeded", err)
	}
}

// Without a clock or a source of randomness, the functions that need them
// fail: the package reads neither of its own.
func TestNoClockNoRandom(t *testing.T) {
	t.Parallel()
	for expr, code := range map[string]string{"$now()": "U2001", "$millis()": "U2001", "$random()": "U2002", "$shuffle([1,2,3])": "U2002"} {
		_, err := MustCompile(expr).Evaluate(nil, nil, nil)
		var je *Error
		if !errors.As(err, &je) || je.Code != code {
			t.Errorf("%s: %v, want %s", expr, err, code)
		}
	}
	v, err := MustCompile("$millis()").Evaluate(nil, nil, &Options{Now: time.UnixMilli(42)})
	if err != nil || v != 42.0 {
		t.Errorf("$millis() with Options.Now = %v, %v", v, err)
	}
	if _, err := NewEnv(Config{Timeout: time.Second}); err == nil {
		t.Error("NewEnv took a Timeout without a Clock")
	}
}
