package budget

import (
	"errors"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		spend func(b *Budget) error
		want  string // "" for within the budget
	}{
		{"steps within", func(b *Budget) error { return loop(b, 100) }, ""},
		{"steps past", func(b *Budget) error { return loop(b, 101) }, "the evaluation exceeded its budget of 100 steps"},
		{"many steps at once", func(b *Budget) error { return b.Steps(101) }, "the evaluation exceeded its budget of 100 steps"},
		{"bytes within", func(b *Budget) error { return b.Alloc(1000) }, ""},
		{"bytes past", func(b *Budget) error { _ = b.Alloc(1000); return b.Items(1) }, "the evaluation exceeded its budget of 1000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := New(Limits{Steps: 100, Bytes: 1000}, nil)
			err := c.spend(b)
			if c.want == "" {
				if err != nil || b.Err() != nil {
					t.Fatalf("spent: %v", err)
				}
				return
			}
			if err == nil || err.Error() != c.want || !errors.Is(err, ErrExceeded) || b.Err() == nil {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if b.Step() == nil || b.Alloc(1) == nil {
				t.Error("a spent budget took more")
			}
		})
	}
}

func loop(b *Budget, n int) error {
	for range n {
		if err := b.Step(); err != nil {
			return err
		}
	}
	return nil
}

// A fake clock moves a millisecond at each reading: the time budget is
// measured on it, read once every ClockEvery steps.
func TestTime(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	reads := 0
	clock := func() time.Time { reads++; now = now.Add(time.Millisecond); return now }
	b := New(Limits{Time: 10 * time.Millisecond}, clock)
	err := loop(b, 100*ClockEvery)
	var e *ExceededError
	if !errors.As(err, &e) || e.Resource != "time" || err.Error() != "the evaluation exceeded its budget of 10ms" {
		t.Fatalf("err = %v", err)
	}
	if reads != 11 {
		t.Errorf("the clock was read %d times, want 11 (every %d steps)", reads, ClockEvery)
	}
	if steps, _ := b.Used(); steps != 11*ClockEvery {
		t.Errorf("spent %d steps, want %d", steps, 11*ClockEvery)
	}
	// an evaluation of fewer steps never reads it
	reads = 0
	b.Start(Limits{Time: time.Millisecond}, clock)
	if loop(b, ClockEvery-1) != nil || reads != 0 {
		t.Errorf("a short evaluation read the clock %d times", reads)
	}
}

func TestNilAndZero(t *testing.T) {
	t.Parallel()
	var b *Budget
	if b.Step() != nil || b.Steps(1<<40) != nil || b.Alloc(1<<40) != nil || b.Err() != nil {
		t.Error("a nil budget bounds")
	}
	z := New(Limits{}, nil)
	if loop(z, 10*ClockEvery) != nil || z.Alloc(1<<40) != nil {
		t.Error("a zero budget bounds")
	}
	if got := (Limits{Steps: 5}).Or(Default); got != (Limits{Steps: 5, Bytes: Default.Bytes, Time: Default.Time}) {
		t.Errorf("Or = %+v", got)
	}
}

func BenchmarkStep(b *testing.B) {
	bd := New(Limits{Steps: 1 << 62}, func() time.Time { return time.Time{} })
	for b.Loop() {
		_ = bd.Step()
	}
}
