package asl

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/asl/intrinsic"
	"github.com/stepd/stepd/asl/jsonpath"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Env is everything an expression can see while a state runs. The interpreter
// fills it; nothing in it reads a clock or a global random source.
type Env struct {
	// Input is the value JSONPath's "$" refers to: the state's input, or the task's
	// result for ResultSelector. JSONata's $states.input.
	Input any
	// StateInput is the state's raw input (JSONata's $states.input, and what a
	// JSONPath Assign sees as "$").
	StateInput any
	// Result is JSONata's $states.result: a task's or branch's result.
	Result any
	// HasResult is set when Result is defined.
	HasResult bool
	// ErrorOutput is JSONata's $states.errorOutput in a Catch.
	ErrorOutput any
	// HasErrorOutput is set when ErrorOutput is defined.
	HasErrorOutput bool
	// Context is the context object ($$ in JSONPath, $states.context in JSONata).
	Context *Context
	// Vars holds the variables in scope; nil when there are none.
	Vars Variables
	// Random gives MathRandom, UUID and their JSONata counterparts their values.
	Random Random
	// Now is the time of the step, for JSONata's $now and $millis.
	Now time.Time
	// Budget bounds each evaluation of an expression: a JSONata expression,
	// an indefinite JSONPath, an intrinsic function call (package budget).
	// Its zero fields are budget.Default's.
	Budget budget.Limits
	// Clock measures the time of the budget: a wall clock, which the
	// evaluators read every budget.ClockEvery steps. Without it the time is
	// not bounded, only the steps and the bytes.
	Clock func() time.Time
}

// newBudget starts the budget of one evaluation.
func (env *Env) newBudget() *budget.Budget {
	return budget.New(env.Budget.Or(budget.Default), env.Clock)
}

// overBudget turns a spent budget into the failure of what was evaluated:
// States.Runtime with a cause that names the budget. Other errors are
// returned as they are.
func overBudget(err error, what string) error {
	var spent *budget.ExceededError
	if errors.As(err, &spent) {
		return aslerr.Newf(aslerr.Runtime, "%s exceeded its evaluation budget of %s.", what, spent.Amount())
	}
	return err
}

// variable returns the value of a variable in scope.
func (env *Env) variable(name string) (any, bool) {
	if env.Vars == nil {
		return nil, false
	}
	return env.Vars.Variable(name)
}

// Variables are the workflow variables visible to a state.
type Variables interface {
	// Variable returns the value of variable name.
	Variable(name string) (any, bool)
}

// Random is the injected source of randomness.
type Random interface {
	// RandomInt returns an integer in [lo, hi).
	RandomInt(lo, hi int64) int64
	// Float64 returns a number in [0, 1).
	Float64() float64
	// UUID returns a version 4 UUID in canonical text form.
	UUID() string
}

// ExecutionInfo is the execution-wide part of the context object, built once per
// execution.
type ExecutionInfo struct {
	ID               string // the execution ARN
	Name             string
	RoleArn          string
	StartTime        string // RFC 3339 with milliseconds, as AWS renders it
	Input            any
	RedriveCount     int
	StateMachineID   string // the state machine ARN
	StateMachineName string

	execution    *jsonvalue.Object
	stateMachine *jsonvalue.Object
}

// NewExecutionInfo prepares the immutable parts of the context object.
func NewExecutionInfo(info ExecutionInfo) *ExecutionInfo {
	e := jsonvalue.NewObject(6)
	e.Set("Id", info.ID)
	e.Set("Input", info.Input)
	e.Set("StartTime", info.StartTime)
	e.Set("Name", info.Name)
	e.Set("RoleArn", info.RoleArn)
	e.Set("RedriveCount", jsonvalue.Int(int64(info.RedriveCount)))
	info.execution = e
	sm := jsonvalue.NewObject(2)
	sm.Set("Id", info.StateMachineID)
	sm.Set("Name", info.StateMachineName)
	info.stateMachine = sm
	return &info
}

// Context is the context object of one state evaluation. Its JSON form is built
// the first time an expression asks for it.
type Context struct {
	Execution   *ExecutionInfo
	StateName   string
	EnteredTime time.Time
	RetryCount  int
	HasRetry    bool   // the state can retry (Task, Parallel, Map): $$.State.RetryCount is present
	TaskToken   string // set inside a task that has one
	MapItem     *MapItem
	// Fixed, when set, is the whole context object, as a caller gave it
	// (TestState's context): Value returns it and the fields above are not
	// used.
	Fixed *jsonvalue.Object

	value *jsonvalue.Object
}

// MapItem is the $$.Map.Item part of the context object, inside a Map iteration.
type MapItem struct {
	Index int
	Value any
}

// Value returns the context object as a JSON value.
func (c *Context) Value() any {
	if c == nil {
		return jsonvalue.NewObject(0)
	}
	if c.Fixed != nil {
		return c.Fixed
	}
	if c.value != nil {
		return c.value
	}
	o := jsonvalue.NewObject(5)
	if c.Execution != nil {
		o.Set("Execution", c.Execution.execution)
	}
	st := jsonvalue.NewObject(3)
	st.Set("EnteredTime", FormatTime(c.EnteredTime))
	st.Set("Name", c.StateName)
	if c.HasRetry {
		st.Set("RetryCount", jsonvalue.Int(int64(c.RetryCount)))
	}
	o.Set("State", st)
	if c.Execution != nil {
		o.Set("StateMachine", c.Execution.stateMachine)
	}
	if c.TaskToken != "" {
		t := jsonvalue.NewObject(1)
		t.Set("Token", c.TaskToken)
		o.Set("Task", t)
	}
	if c.MapItem != nil {
		item := jsonvalue.NewObject(2)
		item.Set("Index", jsonvalue.Int(int64(c.MapItem.Index)))
		item.Set("Value", c.MapItem.Value)
		m := jsonvalue.NewObject(1)
		m.Set("Item", item)
		o.Set("Map", m)
	}
	c.value = o
	return o
}

// FormatTime renders a time as Step Functions does in the context object:
// RFC 3339 in UTC with milliseconds ("2024-01-02T03:04:05.678Z").
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Expr is one compiled expression of a definition: a JSONPath, a context or
// variable path, an intrinsic function call, a JSONata expression or a constant.
// Eval returns a *aslerr.Failure when evaluation fails; its Cause is the
// sentence AWS reports after the state prefix.
type Expr interface {
	Eval(env *Env) (any, error)
	// String returns the expression as written.
	String() string
}

// constExpr is a literal value.
type constExpr struct {
	v   any
	src string
}

func (c constExpr) Eval(*Env) (any, error) { return c.v, nil }
func (c constExpr) String() string         { return c.src }

// Const returns an expression that always evaluates to v.
func Const(v any) Expr { return constExpr{v: v, src: jsonvalue.String(v)} }

// pathExpr is a JSONPath: $..., $$... or $var....
type pathExpr struct {
	path *jsonpath.Path
}

func (p pathExpr) String() string { return p.path.String() }

func (p pathExpr) Eval(env *Env) (any, error) { return resolvePath(env, p.path) }

// resolvePath evaluates a path against the root its first segment names.
func resolvePath(env *Env, p *jsonpath.Path) (any, error) {
	root, err := env.root(p)
	if err != nil {
		return nil, err
	}
	if p.Definite() {
		return p.Get(root) // a walk down the path: nothing to bound
	}
	v, err := p.GetWithin(root, env.newBudget())
	if err != nil {
		return nil, overBudget(err, "The JSONPath '"+p.String()+"'")
	}
	return v, nil
}

// root returns the value a path's root names: the context object for $$, the
// variable for $name, the input for $.
func (env *Env) root(p *jsonpath.Path) (any, error) {
	switch p.Root() {
	case jsonpath.RootContext:
		return env.Context.Value(), nil
	case jsonpath.RootVariable:
		if v, ok := env.variable(p.Variable()); ok {
			return v, nil
		}
		return nil, &UndefinedVariableError{Name: p.Variable()}
	}
	return env.Input, nil
}

// UndefinedVariableError reports a reference to a variable that has no value.
type UndefinedVariableError struct{ Name string }

func (e *UndefinedVariableError) Error() string {
	return fmt.Sprintf("Variable '%s' is not defined", e.Name)
}

// intrinsicExpr is a States.* function call.
type intrinsicExpr struct {
	call *intrinsic.Call
	src  string
}

func (i intrinsicExpr) String() string { return i.src }

func (i intrinsicExpr) Eval(env *Env) (any, error) {
	b := env.newBudget()
	return i.call.EvalWithin(intrinsicEnv{env, b}, b)
}

// intrinsicEnv lets intrinsic functions resolve paths and draw random values.
type intrinsicEnv struct {
	env *Env
	b   *budget.Budget // the call's, which its path arguments spend too
}

// Resolve looks an argument up. An argument that matches nothing — including
// an array index out of range, which a payload field would read as null —
// fails with AWS's cause, which writes a $$ path with a single $.
func (e intrinsicEnv) Resolve(p *jsonpath.Path) (any, error) {
	root, err := e.env.root(p)
	if err != nil {
		return nil, err
	}
	v, found, err := p.LookupWithin(root, e.b)
	if errors.Is(err, budget.ErrExceeded) {
		return nil, err
	}
	if err != nil || !found {
		path := p.String()
		if p.Root() == jsonpath.RootContext {
			path = path[1:] // $$.x is quoted as $.x
		}
		return nil, intrinsic.ArgumentNotFound(path, e.env.Input)
	}
	return v, nil
}
func (e intrinsicEnv) RandomInt(lo, hi int64) int64 { return e.env.Random.RandomInt(lo, hi) }
func (e intrinsicEnv) UUID() string                 { return e.env.Random.UUID() }

// compilePathOrIntrinsic compiles the value of a JSONPath template field
// ("key.$"): a path, a context path, a variable path or an intrinsic call.
func compilePathOrIntrinsic(s string) (Expr, error) {
	if intrinsic.IsCall(s) {
		c, err := intrinsic.Parse(s)
		if err != nil {
			return nil, err
		}
		return intrinsicExpr{call: c, src: s}, nil
	}
	p, err := jsonpath.Compile(s)
	if err != nil {
		return nil, err
	}
	return pathExpr{path: p}, nil
}

// PathField is an InputPath or OutputPath: a path, or null (the state sees {}).
type PathField struct {
	Path *jsonpath.Path // nil when Null
	Null bool
}

// Apply filters v through the field.
func (f *PathField) Apply(env *Env, v any) (any, error) {
	if f == nil {
		return v, nil
	}
	if f.Null {
		return jsonvalue.NewObject(0), nil
	}
	scoped := *env
	scoped.Input = v
	out, err := resolvePath(&scoped, f.Path)
	if err != nil {
		return nil, invalidPathFailure(f.Path.String(), err)
	}
	return out, nil
}

// ResultPath says where a state's result goes in its input: Discard for null
// (the output is the input), otherwise the reference path to store it at.
type ResultPath struct {
	Path    *jsonpath.Path
	Discard bool
}

// Apply combines a state's raw input and its result.
func (r *ResultPath) Apply(input, result any) (any, error) {
	if r == nil {
		return result, nil
	}
	if r.Discard {
		return input, nil
	}
	out, err := r.Path.Set(input, result)
	if err != nil {
		return nil, invalidPathFailure(r.Path.String(), err)
	}
	return out, nil
}

// invalidPathFailure is AWS's failure for a path that does not fit the data.
func invalidPathFailure(path string, err error) error {
	var f *aslerr.Failure
	if errors.As(err, &f) {
		return f
	}
	return aslerr.Newf(aslerr.Runtime, "Invalid path '%s' : %s", path, err.Error())
}

// Template is a compiled payload template — Parameters, ResultSelector,
// ItemSelector, Arguments, Output, Assign — or any field value that mixes
// literal JSON with expressions.
type Template struct {
	root tnode
	src  any // the value as written
}

// Source returns the template as written in the definition.
func (t *Template) Source() any { return t.src }

// Eval builds the template's value.
func (t *Template) Eval(env *Env) (any, error) { return t.root.eval(env) }

// IsConst reports whether the template contains no expressions.
func (t *Template) IsConst() bool {
	_, ok := t.root.(tconst)
	return ok
}

type tnode interface {
	eval(env *Env) (any, error)
}

type tconst struct{ v any }

func (c tconst) eval(*Env) (any, error) { return c.v, nil }

type tobject struct {
	shape  *jsonvalue.Shape
	fields []tnode
}

func (o tobject) eval(env *Env) (any, error) {
	vals := make([]any, len(o.fields))
	for i, f := range o.fields {
		v, err := f.eval(env)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return o.shape.New(vals), nil
}

type tarray struct{ items []tnode }

func (a tarray) eval(env *Env) (any, error) {
	out := make([]any, len(a.items))
	for i, it := range a.items {
		v, err := it.eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// tfield is a "key.$" field of a JSONPath payload template.
type tfield struct {
	key  string // with the .$ suffix, as AWS names it in causes
	expr Expr
}

func (f tfield) eval(env *Env) (any, error) {
	v, err := f.expr.Eval(env)
	if err == nil {
		return v, nil
	}
	var fail *aslerr.Failure
	if errors.As(err, &fail) {
		return nil, fail
	}
	return nil, aslerr.Newf(aslerr.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
		f.expr.String(), f.key, jsonvalue.String(env.Input))
}

// compileJSONPathTemplate compiles a JSONPath payload template: in objects, a key
// ending in ".$" holds a path or an intrinsic call whose value replaces it under
// the key without the suffix. Subtrees without expressions are kept as written.
func compileJSONPathTemplate(v any) (*Template, error) {
	n, err := compileJSONPathNode(v)
	if err != nil {
		return nil, err
	}
	return &Template{root: n, src: v}, nil
}

func compileJSONPathNode(v any) (tnode, error) {
	switch x := v.(type) {
	case *jsonvalue.Object:
		keys := make([]string, x.Len())
		fields := make([]tnode, x.Len())
		dynamic := false
		for i, k := range x.Keys() {
			_, val := x.At(i)
			if strings.HasSuffix(k, ".$") && len(k) > 2 {
				s, ok := val.(string)
				if !ok {
					return nil, fmt.Errorf("the value for the field '%s' must be a string", k)
				}
				e, err := compilePathOrIntrinsic(s)
				if err != nil {
					return nil, fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call: %w", k, err)
				}
				keys[i] = k[:len(k)-2]
				fields[i] = tfield{key: k, expr: e}
				dynamic = true
				continue
			}
			n, err := compileJSONPathNode(val)
			if err != nil {
				return nil, err
			}
			if _, ok := n.(tconst); !ok {
				dynamic = true
			}
			keys[i] = k
			fields[i] = n
		}
		if !dynamic {
			return tconst{v}, nil
		}
		if dup := duplicateKey(keys); dup != "" {
			return nil, fmt.Errorf("the field '%s' is given twice, with and without the '.$' suffix", dup)
		}
		return tobject{shape: jsonvalue.NewShape(keys), fields: fields}, nil
	case []any:
		items := make([]tnode, len(x))
		dynamic := false
		for i, e := range x {
			n, err := compileJSONPathNode(e)
			if err != nil {
				return nil, err
			}
			if _, ok := n.(tconst); !ok {
				dynamic = true
			}
			items[i] = n
		}
		if !dynamic {
			return tconst{v}, nil
		}
		return tarray{items: items}, nil
	}
	return tconst{v}, nil
}

func duplicateKey(keys []string) string {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			return k
		}
		seen[k] = true
	}
	return ""
}
