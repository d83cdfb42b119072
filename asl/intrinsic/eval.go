package intrinsic

import (
	"errors"
	"strconv"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/asl/jsonpath"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Env is what a call needs from the execution that evaluates it.
type Env interface {
	// Resolve returns the value of a path argument. The caller resolves $
	// against the state's input (or effective input), $$ against the context
	// object and $name against the variable. When the path names nothing it
	// returns an error whose text is AWS's, such as ArgumentNotFound's; an
	// *aslerr.Failure contributes its Cause.
	Resolve(p *jsonpath.Path) (any, error)
	// RandomInt returns a uniformly random integer n with lo <= n < hi
	// (hi > lo), for States.MathRandom without a seed.
	RandomInt(lo, hi int64) int64
	// UUID returns a random version 4 UUID in its canonical text form.
	UUID() string
}

// ArgumentNotFound returns the error AWS reports for a path argument that
// matches nothing: "The JsonPath argument for the field '$.x' could not be
// found in the input '{...}'", with the input in compact JSON. An Env's Resolve
// returns it when a definite path fails or when jsonpath's Lookup reports an
// index out of range. For a $$ path AWS writes the path with a single $ and
// still quotes the state's input.
func ArgumentNotFound(path string, input any) error {
	return errors.New("The JsonPath argument for the field '" + path +
		"' could not be found in the input '" + jsonvalue.String(input) + "'")
}

// Eval evaluates the call. A failure is an *aslerr.Failure named
// States.Runtime, AWS's name for it, whose cause is AWS's sentence around the
// problem: "The function 'States.Format('{}', $.nope)' had the following error:
// ..." (the whole call is named even when a nested call failed). The caller
// prefixes the state's sentence ("An error occurred while executing the state
// ...").
//
// The call runs under its default budget, DefaultLimits; EvalWithin gives
// it one.
func (c *Call) Eval(env Env) (any, error) {
	return c.EvalWithin(env, nil)
}

// DefaultLimits bound a call evaluated without a budget: budget.Default's
// steps and bytes (a call reads no clock).
var DefaultLimits = budget.Limits{Steps: budget.Default.Steps, Bytes: budget.Default.Bytes}

// EvalWithin is Eval under a budget: each call spends a step, the work of
// States.ArrayUnique, ArrayContains and StringSplit a step per item
// compared or per 16 bytes read, and the values the calls build their
// bytes. Past it the call fails with States.Runtime and a cause that names
// the budget. A nil b means a budget of DefaultLimits.
func (c *Call) EvalWithin(env Env, b *budget.Budget) (any, error) {
	if b == nil {
		b = budget.New(DefaultLimits, nil)
	}
	v, err := c.eval(&run{env: env, b: b})
	if err != nil {
		msg := err.Error()
		var f *aslerr.Failure
		if errors.As(err, &f) {
			msg = f.Cause
		}
		return nil, aslerr.New(aslerr.Runtime, "The function '"+c.src+"' had the following error: "+msg)
	}
	return v, nil
}

// run is one evaluation of a call: its Env and its budget.
type run struct {
	env Env
	b   *budget.Budget
}

func (c *Call) eval(r *run) (any, error) {
	if err := r.b.Step(); err != nil {
		return nil, err
	}
	args := make([]any, len(c.args))
	for i := range c.args {
		a := &c.args[i]
		switch a.kind {
		case argLiteral:
			args[i] = a.lit
		case argPath:
			v, err := r.env.Resolve(a.path)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case argCall:
			v, err := a.call.eval(r)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
	}
	for i, v := range args {
		if err := c.fn.checkValue(i, v); err != nil {
			return nil, err
		}
	}
	v, err := c.fn.impl(c, r, args)
	if err != nil {
		return nil, err
	}
	if err := r.b.Alloc(builtBytes(v)); err != nil {
		return nil, err
	}
	return v, nil
}

// builtBytes is what a function's result costs the budget: its items, or a
// string's bytes (States.Format has spent its own).
func builtBytes(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x) * budget.ItemBytes
	case *jsonvalue.Object:
		return x.Len() * budget.ItemBytes
	case string:
		return len(x)
	}
	return 0
}

// param is the JSON type a function expects of an argument.
type param uint8

const (
	pAny param = iota
	pString
	pNumber  // any number; non-integers are rounded (MathAdd, MathRandom)
	pInteger // a number with an integral value
	pArray
	pObject
	pBool
)

var paramNames = [...]string{"any value", "a string", "a number", "an integer", "an array", "an object", "a boolean"}

func (k param) accepts(v any) bool {
	switch k {
	case pString:
		_, ok := v.(string)
		return ok
	case pNumber, pInteger:
		return jsonvalue.IsNumber(v)
	case pArray:
		_, ok := v.([]any)
		return ok
	case pObject:
		_, ok := v.(*jsonvalue.Object)
		return ok
	case pBool:
		_, ok := v.(bool)
		return ok
	}
	return true
}

type spec struct {
	name     string
	min, max int     // max < 0: any number
	params   []param // by position; the last one repeats
	impl     func(c *Call, r *run, args []any) (any, error)
}

func (s *spec) param(i int) param {
	if len(s.params) == 0 {
		return pAny
	}
	return s.params[min(i, len(s.params)-1)]
}

func (s *spec) checkCount(n int) error {
	switch {
	case s.max < 0 && n < s.min:
		return errors.New("States." + s.name + " takes at least " + plural(s.min, "argument") + ", found " + strconv.Itoa(n))
	case s.max >= 0 && (n < s.min || n > s.max):
		want := plural(s.min, "argument")
		if s.max != s.min {
			want = strconv.Itoa(s.min) + " or " + plural(s.max, "argument")
		}
		return errors.New("States." + s.name + " takes " + want + ", found " + strconv.Itoa(n))
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func argError(fn string, i int, want param, v any) error {
	return errors.New("The value of argument " + strconv.Itoa(i+1) + " of States." + fn +
		" must be " + paramNames[want] + ", but was " + describe(v))
}

func describe(v any) string {
	switch jsonvalue.KindOf(v) {
	case jsonvalue.KindNull:
		return "null"
	case jsonvalue.KindArray:
		return "an array"
	case jsonvalue.KindObject:
		return "an object"
	}
	return "the " + jsonvalue.KindOf(v).String() + " " + truncate(jsonvalue.String(v))
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:61] + "..."
	}
	return s
}

// checkValue checks an argument's JSON type at run time.
func (s *spec) checkValue(i int, v any) error {
	if k := s.param(i); !k.accepts(v) {
		return argError(s.name, i, k, v)
	}
	if s.param(i) == pInteger {
		if _, err := toInt(s.name, i, v, false); err != nil {
			return err
		}
	}
	return nil
}

// checkLiteral checks a literal argument at parse time.
func (s *spec) checkLiteral(i int, a arg) error {
	if s.max >= 0 && i >= s.max {
		return nil // checkCount reports it
	}
	if err := s.checkValue(i, a.lit); err != nil {
		return err
	}
	if s.name == "JsonMerge" && i == 2 && a.lit == true {
		return errors.New("States.JsonMerge does not support deep merging: its third argument must be false")
	}
	if s.name == "Hash" && i == 1 {
		if _, ok := hashes[a.lit.(string)]; !ok {
			return errors.New(hashAlgorithmMessage(a.lit.(string)))
		}
	}
	return nil
}

// Java's int range: AWS reads integer arguments as Java ints.
const (
	minInt = -1 << 31
	maxInt = 1<<31 - 1
)

// toInt reads an integer argument. With round, a non-integer is rounded as
// Java's Math.round does (half up: 2.5 → 3, -2.5 → -2), as AWS does for
// States.MathAdd and States.MathRandom; otherwise it is an error.
func toInt(fn string, i int, v any, round bool) (int64, error) {
	var n int64
	if num, ok := v.(jsonvalue.Number); ok && num.IsInteger() {
		x, ok := num.Int64()
		if !ok {
			return 0, rangeError(fn, i, v)
		}
		n = x
	} else {
		f, _ := jsonvalue.ToFloat(v)
		if f != f || f > maxInt+1 || f < minInt-1 {
			return 0, rangeError(fn, i, v)
		}
		if r := float64(int64(f)); r != f {
			if !round {
				return 0, argError(fn, i, pInteger, v)
			}
			f = javaRound(f)
		}
		n = int64(f)
	}
	if n < minInt || n > maxInt {
		return 0, rangeError(fn, i, v)
	}
	return n, nil
}

func javaRound(f float64) float64 {
	r := float64(int64(f))
	if f < 0 && r != f {
		r-- // floor
	}
	if f-r >= 0.5 {
		r++
	}
	return r
}

func rangeError(fn string, i int, v any) error {
	return errors.New("The value of argument " + strconv.Itoa(i+1) + " of States." + fn +
		" must be an integer between " + strconv.Itoa(minInt) + " and " + strconv.Itoa(maxInt) +
		", but was " + truncate(jsonvalue.String(v)))
}

// jacksonEqual is JSON equality as Jackson's JsonNode.equals decides it, which
// is what AWS's States.ArrayContains and States.ArrayUnique use: numbers are
// equal when they are of the same Jackson kind (an integer is not equal to a
// decimal: 1 ≠ 1.0) and value; objects ignore key order.
func jacksonEqual(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jacksonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jsonvalue.Object:
		y, ok := b.(*jsonvalue.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for k, v := range x.All() {
			w, ok := y.Get(k)
			if !ok || !jacksonEqual(v, w) {
				return false
			}
		}
		return true
	}
	if jsonvalue.IsNumber(a) {
		return jsonvalue.IsNumber(b) && numberKind(a) == numberKind(b) && jsonvalue.CompareNumbers(a, b) == 0
	}
	return jsonvalue.Equal(a, b)
}

// numberKind separates integers (by the Java type Jackson reads them into)
// from decimals.
func numberKind(v any) int {
	switch x := v.(type) {
	case jsonvalue.Number:
		if !x.IsInteger() {
			return 3
		}
		n, ok := x.Int64()
		switch {
		case !ok:
			return 2
		case n >= minInt && n <= maxInt:
			return 0
		}
		return 1
	case float64:
		return 3
	}
	f, _ := jsonvalue.ToFloat(v)
	if f >= minInt && f <= maxInt {
		return 0
	}
	return 1
}

// appendFormatted writes v as States.Format inserts it: a string as it is, null,
// booleans and numbers as JSON, arrays as [a, b] and objects as {k=v, k2=v2},
// the way Java's collections print themselves (AWS renders $$.StateMachine as
// "{Id=arn:..., Name=...}").
func appendFormatted(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return append(b, x...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendFormatted(b, e)
		}
		return append(b, ']')
	case *jsonvalue.Object:
		b = append(b, '{')
		for i, k := range x.Keys() {
			if i > 0 {
				b = append(b, ", "...)
			}
			_, e := x.At(i)
			b = append(b, k...)
			b = append(b, '=')
			b = appendFormatted(b, e)
		}
		return append(b, '}')
	}
	return jsonvalue.Append(b, v)
}

func formatCountMessage(holes, args int) string {
	return "Number of arguments in States.Format does not match the number of placeholders: " +
		plural(holes, "placeholder") + " and " + plural(args, "argument")
}

func findHoles(s string) []int {
	var holes []int
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && s[i+1] == '}' {
			holes = append(holes, i)
			i++
		}
	}
	return holes
}
