package jsonata

import (
	"context"
	"time"

	"github.com/stepd/stepd/budget"
)

// lambda is a function defined in an expression (function($x){...}), a
// partial application, or a tail call waiting to be run (thunk).
type lambda struct {
	params []string
	body   *node
	sig    *signature
	input  any
	env    *frame
	thunk  bool
	// native is the Go function a partial application of a built-in calls,
	// with the parameters named nativeParams.
	native       *function
	nativeParams []string
}

// function is a Go function: a built-in, a custom function, a regular
// expression's matcher or a transform.
type function struct {
	name string
	sig  *signature
	// arity is the number of arguments the higher-order functions pass it
	// (jsonata-js's Function.length).
	arity int
	// params is the number of parameters a partial application has.
	params int
	impl   func(c *Call, args []any) (any, error)
	re     *regexLiteral // set for the matcher of a regex literal
	custom bool          // registered through an Env
	// charges: the function spends the bytes of what it builds itself,
	// before it builds it; other functions' results are charged after.
	charges bool
}

func isFunction(v any) bool {
	switch v.(type) {
	case *lambda, *function:
		return true
	}
	return false
}

func funcIdentity(v any) any {
	switch f := v.(type) {
	case *lambda:
		return f
	case *function:
		return f
	}
	return nil
}

// arityOf is jsonata-js's getFunctionArity.
func arityOf(fn any) int {
	switch f := fn.(type) {
	case *lambda:
		return len(f.params)
	case *function:
		return f.arity
	}
	return 0
}

// Call is what a function implementation receives besides its arguments:
// the evaluation it runs in.
type Call struct {
	ev    *evaluator
	env   *frame
	input any
}

// Context returns the context of the evaluation.
func (c *Call) Context() context.Context { return c.ev.ctx }

// Input returns the context value at the call site (the value a
// context-bound parameter defaults to).
func (c *Call) Input() any {
	return jsonOf(c.input)
}

// Now returns the time of the evaluation: the same instant for every call in
// one evaluation, as $now() and $millis() see it; the zero time when the
// evaluation was given no clock (Config.Clock, Options.Now).
func (c *Call) Now() time.Time {
	t, _ := c.ev.clockNow()
	return t
}

// Random returns a pseudo-random number in [0, 1) from the evaluation's
// source, as $random() does; 0 when it was given none (Config.Random,
// Options.Random).
func (c *Call) Random() float64 {
	f, _ := c.ev.randomNumber()
	return f
}

// Budget returns the budget the evaluation spends (nil: none), for a custom
// function to spend its own work from.
func (c *Call) Budget() *budget.Budget { return c.ev.budget }

// Apply calls fn, a function value received as an argument, with args.
func (c *Call) Apply(fn any, args ...any) (any, error) {
	return c.ev.apply(fn, args, nil, c.env, site{})
}

// Variable returns the value of a variable (name without $) visible at the
// call site, or Undefined.
func (c *Call) Variable(name string) any {
	return jsonOf(c.ev.lookup(c.env, name))
}

// clockNow is the time of the evaluation, read once from its clock; it
// fails with U2001 when the evaluation has no clock: the caller gives one.
func (ev *evaluator) clockNow() (time.Time, error) {
	if !ev.nowSet {
		if ev.clock == nil {
			return time.Time{}, newError("U2001", Undefined)
		}
		ev.now = ev.clock()
		ev.nowSet = true
	}
	return ev.now, nil
}

// randomNumber draws from the evaluation's source of random numbers; it
// fails with U2002 when there is none: the caller gives one.
func (ev *evaluator) randomNumber() (float64, error) {
	if ev.random == nil {
		return 0, newError("U2002", Undefined)
	}
	return ev.random(), nil
}

// builtins are the functions of the language, by name without $.
var builtins = map[string]*function{}

func define(name, sig string, arity int, impl func(c *Call, args []any) (any, error)) {
	f := &function{name: name, arity: arity, params: arity, impl: impl}
	if sig != "" {
		s, err := parseSignature(sig)
		if err != nil {
			panic("jsonata: bad signature of $" + name + ": " + sig)
		}
		f.sig = s
	}
	builtins[name] = f
}

// functionValues reports whether evaluating n can produce a function value
// other than one it calls at once: it contains a lambda, a partial
// application, a transform, a regex or $eval. The names of variables used as
// values (not called) are added to names: they produce functions if they name
// one.
func functionValues(n *node, names map[string]bool) bool {
	found := false
	var called *node // a function called by name, which is not a value
	switch n.typ {
	case nodeLambda:
		found = !n.thunk
	case nodePartial, nodeTransform, nodeRegex:
		found = true
	case nodeVariable:
		if n.str != "" && n.str != "$" {
			names[n.str] = true
		}
	case nodeFunction:
		if p := n.procedure; p != nil && p.typ == nodeVariable {
			found = p.str == "eval"
			called = p
		}
	}
	n.children(func(c *node) {
		if c != called && functionValues(c, names) {
			found = true
		}
	})
	return found
}

// markScopes marks the blocks that need a frame of their own: those that
// bind a variable (:=, or $eval, which binds in its caller's frame) outside
// their nested blocks and lambdas, which have their own frames. It reports
// whether n binds in the scope it is in.
func markScopes(n *node) bool {
	binds := false
	switch n.typ {
	case nodeBind:
		binds = true
	case nodeVariable:
		binds = n.str == "eval"
	}
	n.children(func(c *node) {
		if markScopes(c) {
			binds = true
		}
	})
	switch n.typ {
	case nodeBlock:
		n.needsFrame = binds
		return false
	case nodeLambda:
		return false // its body runs in the lambda's own frame
	}
	return binds
}

// resolveBuiltins records on each variable that names a built-in the
// function it names, so that evaluation skips the map lookup.
func resolveBuiltins(n *node) {
	if n.typ == nodeVariable {
		n.builtin = builtins[n.str]
	}
	n.children(resolveBuiltins)
}
