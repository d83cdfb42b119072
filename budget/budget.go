// Package budget bounds one evaluation of an expression: the steps it takes,
// the bytes it builds and the time it runs. The evaluators (jsonata, JSONPath,
// the intrinsic functions) spend a Budget as they go, in their own loops, and
// stop with an *ExceededError once it is spent, so an expression cannot run
// forever or take the node's memory, with no goroutine watching it.
//
// A Budget reads no clock of its own: its time limit is measured on the
// clock its caller gives (the engine's wall clock), read once every
// ClockEvery steps, first after ClockEvery steps.
package budget

import (
	"errors"
	"strconv"
	"time"
)

// Limits are the bounds of one evaluation. A zero field is no bound.
type Limits struct {
	// Steps bounds the units of work: a node of an expression evaluated, a
	// function called, a value a path visits or a filter tests, 64 bytes a
	// regular expression or a hash reads.
	Steps int64 `json:",omitempty"`
	// Bytes bounds what the evaluation builds: the items of the sequences,
	// arrays and objects it makes (16 bytes each) and the bytes of its
	// strings. Values it only reads (its input, its variables) are free.
	Bytes int64 `json:",omitempty"`
	// Time bounds how long the evaluation runs, on the clock its Budget is
	// given; without a clock it is not enforced.
	Time time.Duration `json:",omitempty"`
}

// Default are the limits an evaluation runs under unless configured: room for
// any reasonable expression over a payload of 256 KiB, and a time well under
// the second within which StopExecution must be answered.
var Default = Limits{Steps: 10_000_000, Bytes: 64 << 20, Time: 100 * time.Millisecond}

// Or returns l with each zero field taken from d.
func (l Limits) Or(d Limits) Limits {
	if l.Steps == 0 {
		l.Steps = d.Steps
	}
	if l.Bytes == 0 {
		l.Bytes = d.Bytes
	}
	if l.Time == 0 {
		l.Time = d.Time
	}
	return l
}

// ClockEvery is how many steps pass between two readings of the clock.
const ClockEvery = 1024

// BytesPerStep is how many bytes of input a regular expression or a hash
// reads for one step. Go's regular expressions run in time linear in their
// input, so charging the input bounds their work.
const BytesPerStep = 64

// ItemBytes is what one item of an array, a sequence or an object costs.
const ItemBytes = 16

// Budget is what is left of one evaluation's Limits. A nil *Budget is no
// bound at all. A Budget is used by one evaluation at a time: it is not safe
// for concurrent use.
type Budget struct {
	limits   Limits
	clock    func() time.Time
	deadline time.Time
	steps    int64
	bytes    int64
	next     int64 // the step count at which Step looks at the limits again
	err      *ExceededError
}

// New returns a budget of l, whose time is measured on clock (nil: no time
// limit), as Start.
func New(l Limits, clock func() time.Time) *Budget {
	b := new(Budget)
	b.Start(l, clock)
	return b
}

// Start resets b to the whole of l. Its time starts at the first reading of
// the clock, after ClockEvery steps, so that the many evaluations that take
// fewer never read it; the time of those first steps is not counted.
func (b *Budget) Start(l Limits, clock func() time.Time) {
	*b = Budget{limits: l, clock: clock}
	if clock == nil || l.Time <= 0 {
		b.clock = nil
	}
	b.schedule()
}

// Limits returns the limits b was started with.
func (b *Budget) Limits() Limits {
	if b == nil {
		return Limits{}
	}
	return b.limits
}

func (b *Budget) schedule() {
	b.next = b.steps + ClockEvery
	if b.limits.Steps > 0 && b.limits.Steps < b.next {
		b.next = b.limits.Steps + 1
	}
}

// Step spends one step.
func (b *Budget) Step() error {
	if b == nil {
		return nil
	}
	b.steps++
	if b.steps < b.next {
		return nil
	}
	return b.check()
}

// Steps spends n steps at once (the length of a string a regex reads, say).
func (b *Budget) Steps(n int) error {
	if b == nil || n <= 0 {
		return nil
	}
	b.steps += int64(n)
	if b.steps < b.next {
		return nil
	}
	return b.check()
}

// Alloc spends n bytes; call it before building what they hold, so that a
// value too large is never built.
func (b *Budget) Alloc(n int) error {
	if b == nil || n <= 0 {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	if b.limits.Bytes > 0 && b.bytes+int64(n) > b.limits.Bytes {
		b.err = &ExceededError{Resource: "bytes", Limit: b.limits.Bytes}
		b.next = 0 // and the next Step fails too
		return b.err
	}
	b.bytes += int64(n)
	return nil
}

// Items spends the bytes of n items of an array, a sequence or an object.
func (b *Budget) Items(n int) error { return b.Alloc(n * ItemBytes) }

// Err returns the error that spent the budget, or nil.
func (b *Budget) Err() error {
	if b == nil || b.err == nil {
		return nil
	}
	return b.err
}

// Used returns the steps and bytes spent so far; bytes refused are not
// spent, so bytes never pass the limit.
func (b *Budget) Used() (steps, bytes int64) {
	if b == nil {
		return 0, 0
	}
	return b.steps, b.bytes
}

func (b *Budget) check() error {
	if b.err != nil {
		return b.err
	}
	if b.limits.Steps > 0 && b.steps > b.limits.Steps {
		b.err = &ExceededError{Resource: "steps", Limit: b.limits.Steps}
		return b.err
	}
	if b.clock != nil {
		now := b.clock()
		if b.deadline.IsZero() {
			b.deadline = now.Add(b.limits.Time)
		} else if !now.Before(b.deadline) {
			b.err = &ExceededError{Resource: "time", Limit: int64(b.limits.Time)}
			return b.err
		}
	}
	b.schedule()
	return nil
}

// ErrExceeded is what every *ExceededError is (errors.Is).
var ErrExceeded = errors.New("evaluation budget exceeded")

// ExceededError reports that an evaluation spent its budget.
type ExceededError struct {
	// Resource is "steps", "bytes" or "time".
	Resource string
	// Limit is the bound: steps, bytes, or a time.Duration in nanoseconds.
	Limit int64
}

// Error names the budget: "the evaluation exceeded its budget of 10000000
// steps" (of 67108864 bytes, of 100ms).
func (e *ExceededError) Error() string {
	return "the evaluation exceeded its budget of " + e.Amount()
}

// Amount is the bound in words: "10000000 steps", "67108864 bytes", "100ms".
func (e *ExceededError) Amount() string {
	if e.Resource == "time" {
		return time.Duration(e.Limit).String()
	}
	return strconv.FormatInt(e.Limit, 10) + " " + e.Resource
}

// Is makes errors.Is(err, ErrExceeded) hold.
func (e *ExceededError) Is(target error) bool { return target == ErrExceeded }
