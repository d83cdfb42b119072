package jsonata

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// DefaultMaxDepth is the deepest nesting of evaluation an Env allows when its
// Config sets none: deep enough for any reasonable expression, shallow enough
// that a runaway recursion ends with error D1011 long before it exhausts the
// goroutine's stack.
const DefaultMaxDepth = 10000

// Expr is a compiled expression. It is immutable and safe for concurrent use:
// compile once, evaluate many times.
type Expr struct {
	src  string
	root *node
	// funcs: the result may hold functions; funcNames: or if one of these
	// variables names a function
	funcs     bool
	funcNames []string
}

// Compile parses an expression. A syntax error is an *Error with an S0xxx
// code, jsonata-js's message and the position of the offending token.
func Compile(expr string) (*Expr, error) {
	root, err := parse(expr)
	if err != nil {
		return nil, err
	}
	e := &Expr{src: expr, root: root}
	names := map[string]bool{}
	e.funcs = functionValues(root, names)
	for n := range names {
		if builtins[n] != nil {
			e.funcs = true
		}
		e.funcNames = append(e.funcNames, n)
	}
	return e, nil
}

// MustCompile is Compile for expressions known to be valid; it panics on a
// syntax error.
func MustCompile(expr string) *Expr {
	e, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the expression's source text.
func (e *Expr) String() string { return e.src }

// Function is a Go function callable from expressions, registered in an Env.
type Function struct {
	// Name is the name without the $ ("partition" for $partition).
	Name string
	// Signature is the JSONata signature, such as "<s-n?:s>", by which the
	// arguments are checked (error T0410), context-bound and wrapped into
	// arrays before Func sees them. Empty means no checking: Func gets the
	// arguments as given.
	Signature string
	// Arity is the number of arguments the higher-order functions ($map,
	// $filter...) pass the function; 0 means the number of parameters of
	// Signature.
	Arity int
	// Func implements the function. args holds one value per parameter of
	// the signature (Undefined for those not given); it returns Undefined to
	// return nothing, or a JSON value (other Go values, such as maps, go
	// through jsonvalue.FromGo). An error that is not an *Error is reported
	// with code "U0000".
	Func func(c *Call, args []any) (any, error)
}

// Config configures an Env. The zero value is the standard environment.
type Config struct {
	// Functions are added to the built-ins; one with a built-in's name
	// replaces it.
	Functions []Function
	// Disable removes built-ins by name (without $): calling one is then
	// error T1006, as calling any undefined function is.
	Disable []string
	// Clock gives the time $now() and $millis() report, read once per
	// evaluation, and measures Timeout. Without it (and without
	// Options.Now) $now() and $millis() fail with U2001: the package reads
	// no clock of its own.
	Clock func() time.Time
	// Random gives the numbers $random() and $shuffle() use, in [0, 1); it
	// must be safe for concurrent use. Without it (and without
	// Options.Random) they fail with U2002: the package has no randomness of
	// its own.
	Random func() float64
	// MaxDepth limits the nesting of evaluation (error D1011); 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// Timeout limits each evaluation (error D1012), measured on Clock,
	// which it needs; 0 means only the context's deadline applies. An
	// evaluation given a Budget (Options.Budget) runs under that instead.
	Timeout time.Duration
	// MaxLength bounds what one operation may build: the items of a range or
	// an array constructor (error D2015), the characters of a string made by
	// &, $pad, $join or $replace (error D2016). 0 means DefaultMaxLength.
	// Ranges are also limited to 1e7 items (D2014), as in jsonata-js.
	MaxLength int
}

// DefaultMaxLength is the MaxLength of an Env whose Config sets none.
const DefaultMaxLength = 1 << 28

// Env is an evaluation environment: functions, clock, randomness and limits.
// It is immutable and safe for concurrent use.
type Env struct {
	funcs     map[string]*function // custom functions; nil marks a disabled built-in
	clock     func() time.Time
	random    func() float64
	maxDepth  int
	maxLength int
	timeout   time.Duration
}

// NewEnv builds an Env. It fails if a function's signature does not parse.
func NewEnv(c Config) (*Env, error) {
	env := &Env{funcs: map[string]*function{}, clock: c.Clock, random: c.Random, maxDepth: c.MaxDepth, timeout: c.Timeout}
	if env.timeout > 0 && env.clock == nil {
		return nil, errors.New("jsonata: a Timeout needs a Clock to be measured on")
	}
	if env.maxDepth <= 0 {
		env.maxDepth = DefaultMaxDepth
	}
	env.maxLength = c.MaxLength
	if env.maxLength <= 0 {
		env.maxLength = DefaultMaxLength
	}
	for _, name := range c.Disable {
		env.funcs[name] = nil
	}
	for _, f := range c.Functions {
		if f.Func == nil {
			return nil, fmt.Errorf("jsonata: function $%s has no Func", f.Name)
		}
		fn := &function{name: f.Name, arity: f.Arity, impl: wrapCustom(f.Func), custom: true}
		if f.Signature != "" {
			sig, err := parseSignature(f.Signature)
			if err != nil {
				return nil, fmt.Errorf("jsonata: signature of $%s: %w", f.Name, err.finish(f.Signature))
			}
			fn.sig = sig
			if fn.arity == 0 {
				fn.arity = len(sig.params)
			}
		}
		fn.params = fn.arity
		env.funcs[f.Name] = fn
	}
	return env, nil
}

// wrapCustom gives a custom function plain JSON values (no internal
// sequences) and takes its errors as they are.
func wrapCustom(f func(c *Call, args []any) (any, error)) func(c *Call, args []any) (any, error) {
	return func(c *Call, args []any) (any, error) {
		for i, a := range args {
			args[i] = jsonOf(a)
		}
		v, err := f(c, args)
		if err != nil {
			return nil, asJSONataError(err)
		}
		switch v.(type) {
		case nil, bool, string, float64, jsonvalue.Number, int, int64, []any, *jsonvalue.Object, undefinedType, *lambda, *function:
			return v, nil
		}
		// other Go values (maps, typed slices, other number types)
		v, err = jsonvalue.FromGo(v)
		if err != nil {
			return nil, asJSONataError(err)
		}
		return v, nil
	}
}

var defaultEnv, _ = NewEnv(Config{})

// Options are the per-evaluation settings. The zero value (or a nil
// *Options) evaluates with the standard environment and no variables.
type Options struct {
	// Env is the environment; nil means the standard one.
	Env *Env
	// Vars binds variables, by name without the $ ("states" for $states). The
	// values must be JSON values of the jsonvalue package; they shadow
	// functions of the same name.
	Vars map[string]any
	// Now, if not zero, is the time of this evaluation, overriding the
	// Env's clock.
	Now time.Time
	// Random, if not nil, replaces the Env's source of random numbers for
	// this evaluation (it need not be safe for concurrent use).
	Random func() float64
	// Budget, if not nil, bounds this evaluation's steps, bytes and time
	// (package budget), in place of the Env's Timeout: each node evaluated
	// and each function called is a step, tail calls included; the items
	// of the sequences, arrays and objects it builds and the characters of
	// its strings are bytes; a regular expression spends a step for every
	// 64 bytes it reads. Past it Evaluate returns the *budget.ExceededError.
	Budget *budget.Budget
	// FunctionResult, if set, makes a result that is a function (a lambda,
	// a built-in) ErrFunctionResult rather than Undefined.
	FunctionResult bool
}

// ErrFunctionResult is Evaluate's error for an expression whose result is a
// function, under Options.FunctionResult.
var ErrFunctionResult = errors.New("jsonata: the result is a function, which has no JSON form")

// Evaluate evaluates the expression against input, a JSON value of the
// jsonvalue package, or Undefined for no input. Other Go values (a
// map[string]any, a struct) are converted with jsonvalue.FromGo first.
//
// The result is a JSON value, or Undefined when the expression selects
// nothing. Computed numbers are float64; numbers taken from the input keep
// their representation. Functions have no JSON form: a function result is
// Undefined and functions inside arrays and objects are left out, as
// JSON.stringify leaves them out (see Options.FunctionResult).
//
// Errors are *Error values (codes T..., D..., and D1011 and D1012 for the
// depth and time limits), except that a cancelled ctx returns ctx.Err() and a
// spent Options.Budget its *budget.ExceededError.
func (e *Expr) Evaluate(ctx context.Context, input any, opts *Options) (any, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	env := o.Env
	if env == nil {
		env = defaultEnv
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ev := evaluatorPool.Get().(*evaluator)
	*ev = evaluator{ctx: ctx, done: ctx.Done(), env: env, vars: o.Vars, maxDepth: env.maxDepth, maxLength: env.maxLength, clock: env.clock, random: env.random}
	defer func() {
		*ev = evaluator{}
		evaluatorPool.Put(ev)
	}()
	if o.Random != nil {
		ev.random = o.Random
	}
	if !o.Now.IsZero() {
		ev.now, ev.nowSet = o.Now, true
	}
	switch {
	case o.Budget != nil:
		ev.budget = o.Budget
	case env.timeout > 0:
		ev.own.Start(budget.Limits{Time: env.timeout}, env.clock)
		ev.budget = &ev.own
	}
	ev.timeout = env.timeout
	if dl, ok := ctx.Deadline(); ok && env.clock != nil {
		if d := dl.Sub(env.clock()); ev.timeout == 0 || d < ev.timeout {
			ev.timeout = d
		}
	}
	switch input.(type) {
	case nil, bool, string, float64, jsonvalue.Number, int, int64, []any, *jsonvalue.Object, undefinedType:
	default:
		v, err := jsonvalue.FromGo(input)
		if err != nil {
			return nil, fmt.Errorf("jsonata: input: %w", err)
		}
		input = v
	}
	ev.rootVals[0] = input
	root := &ev.root
	root.names, root.vals, root.shared = rootNames, ev.rootVals[:], true
	in := input
	if vals, ok := in.([]any); ok {
		in = &seq{vals: []any{vals}, sequence: true, outerWrapper: true}
	}
	result, err := ev.eval(e.root, in, root)
	if err == nil && ev.budget != nil {
		err = ev.budget.Err() // spent where an error could not be returned
	}
	if err != nil {
		var spent *budget.ExceededError
		if errors.As(err, &spent) {
			if ev.budget == &ev.own {
				return nil, newError("D1012", float64(env.timeout.Milliseconds())).finish(e.src)
			}
			return nil, spent
		}
		if je, ok := err.(*Error); ok {
			return nil, je.finish(e.src)
		}
		return nil, err
	}
	if o.FunctionResult && isFunction(result) { // a sequence is never one
		return nil, ErrFunctionResult
	}
	funcs := e.funcs
	for _, n := range e.funcNames {
		if funcs {
			break
		}
		if f, ok := env.funcs[n]; ok && f != nil {
			funcs = true
		}
		if v, ok := o.Vars[n]; ok && isFunction(v) {
			funcs = true
		}
	}
	return output(result, funcs), nil
}

var (
	evaluatorPool = sync.Pool{New: func() any { return new(evaluator) }}
	rootNames     = []string{"$"}
)

// output turns an evaluation result into a JSON value; funcs says that it
// may hold functions, which are then removed.
func output(v any, funcs bool) any {
	v = jsonOf(v)
	if _, ok := v.(tupleStream); ok {
		return Undefined
	}
	if funcs {
		if isFunction(v) {
			return Undefined
		}
		v = dropFunctions(v)
	}
	return v
}

func dropFunctions(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if isFunction(e) {
				out[i] = nil
			} else {
				out[i] = dropFunctions(e)
			}
		}
		return out
	case *jsonvalue.Object:
		o := jsonvalue.NewObject(x.Len())
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if !isFunction(e) {
				o.Set(k, dropFunctions(e))
			}
		}
		return o
	}
	return v
}
