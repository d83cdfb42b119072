package asl

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonata"
	"github.com/stepd/stepd/jsonvalue"
)

// jsonataEnv is JSONata as Step Functions runs it: AWS's own functions added,
// $eval taken away.
var jsonataEnv = func() *jsonata.Env {
	env, err := jsonata.NewEnv(jsonata.Config{
		Functions: []jsonata.Function{
			{Name: "partition", Signature: "<an:a>", Func: fnPartition},
			{Name: "range", Signature: "<nnn:a>", Func: fnRange},
			{Name: "hash", Signature: "<xs:s>", Func: fnHash},
			{Name: "random", Signature: "<n?:n>", Func: fnRandom},
			{Name: "uuid", Signature: "<:s>", Func: fnUUID},
			{Name: "parse", Signature: "<s:x>", Func: fnParse},
		},
		Disable: []string{"eval"},
	})
	if err != nil {
		panic(err)
	}
	return env
}()

// QueryError is a failed JSONata evaluation: the States.QueryEvaluationError
// failure, and the field it happened in (AWS's EvaluationFailed location).
type QueryError struct {
	*aslerr.Failure
	Field string
}

// Unwrap gives the failure, so errors.As finds the *aslerr.Failure.
func (e *QueryError) Unwrap() error { return e.Failure }

func queryError(field, format string, args ...any) error {
	return &QueryError{Failure: aslerr.Newf(aslerr.QueryEvaluationError, format, args...), Field: field}
}

// jsonataExpr is a "{% %}" expression of a JSONata state.
type jsonataExpr struct {
	expr   *jsonata.Expr
	src    string   // the expression, without {% %}
	field  string   // where it is written, for messages: Output, Output/result, Arguments/list[0]
	vars   []string // the workflow variables it reads
	states bool     // it reads $states
}

func (j *jsonataExpr) String() string { return j.src }

// Eval evaluates the expression. Failures are States.QueryEvaluationError with
// AWS's cause.
func (j *jsonataExpr) Eval(env *Env) (any, error) {
	var vars map[string]any
	if len(j.vars) > 0 || j.states {
		vars = make(map[string]any, len(j.vars)+1)
		for _, name := range j.vars {
			if v, ok := env.variable(name); ok {
				vars[name] = v
			}
		}
		if j.states {
			vars["states"] = env.statesValue()
		}
	}
	opts := jsonata.Options{Env: jsonataEnv, Vars: vars, Now: env.Now, Budget: env.newBudget()}
	ctx := context.Background()
	if env.Random != nil {
		opts.Random = env.Random.Float64
		ctx = context.WithValue(ctx, randomKey{}, env.Random)
	}
	opts.FunctionResult = true
	v, err := j.expr.Evaluate(ctx, env.StateInput, &opts)
	if errors.Is(err, jsonata.ErrFunctionResult) {
		// AWS's words for a function, which has no JSON form.
		return nil, queryError(j.field,
			"The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", j.src, j.field)
	}
	if err != nil {
		var spent *budget.ExceededError
		if errors.As(err, &spent) {
			return nil, queryError(j.field,
				"The JSONata expression '%s' specified for the field '%s' exceeded its evaluation budget of %s.", j.src, j.field, spent.Amount())
		}
		var je *jsonata.Error
		if errors.As(err, &je) && je.Code != "" {
			return nil, queryError(j.field,
				"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s: %s", j.src, j.field, je.Code, je.Message)
		}
		return nil, queryError(j.field,
			"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation: %v", j.src, j.field, err)
	}
	if jsonata.IsUndefined(v) {
		return nil, queryError(j.field,
			"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", j.src, j.field)
	}
	return v, nil
}

// UnexpectedType is AWS's failure for a JSONata field whose value has the wrong
// type, e.g. Items that is not an array.
func UnexpectedType(e Expr, field, want string, v any) error {
	src := e.String()
	if j, ok := e.(*jsonataExpr); ok {
		src = j.src
	}
	return queryError(field,
		"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
		src, field, want, jsonataTypeName(v), jsonvalue.String(v))
}

// statesValue is JSONata's $states: the state's input, the context object, and
// the result or error output where the field sees them.
func (env *Env) statesValue() any {
	o := jsonvalue.NewObject(4)
	o.Set("input", env.StateInput)
	o.Set("context", env.Context.Value())
	if env.HasResult {
		o.Set("result", env.Result)
	}
	if env.HasErrorOutput {
		o.Set("errorOutput", env.ErrorOutput)
	}
	return o
}

// IsJSONataString reports whether s is a "{% expression %}" string.
func IsJSONataString(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// compileJSONata compiles the expression of a "{% %}" string written at field.
func compileJSONata(s, field string) (*jsonataExpr, error) {
	src := strings.TrimSpace(s[2 : len(s)-2])
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("the JSONata expression '%s' specified for the field '%s' is invalid: %v", src, field, err)
	}
	j := &jsonataExpr{expr: e, src: src, field: field}
	for _, r := range e.References() {
		switch r.Variable {
		case "", "$":
		case "states":
			j.states = true
		default:
			// References lists a variable once per path read from it.
			if !slices.Contains(j.vars, r.Variable) {
				j.vars = append(j.vars, r.Variable)
			}
		}
	}
	return j, nil
}

// compileJSONataTemplate compiles a field of a JSONata state: any string of the
// form "{% expression %}", at any depth, is evaluated; everything else is taken
// as written.
func compileJSONataTemplate(v any, field string) (*Template, error) {
	n, err := compileJSONataNode(v, field)
	if err != nil {
		return nil, err
	}
	return &Template{root: n, src: v}, nil
}

func compileJSONataNode(v any, field string) (tnode, error) {
	switch x := v.(type) {
	case string:
		if !IsJSONataString(x) {
			return tconst{v}, nil
		}
		e, err := compileJSONata(x, field)
		if err != nil {
			return nil, err
		}
		return texpr{e}, nil
	case *jsonvalue.Object:
		keys := make([]string, x.Len())
		fields := make([]tnode, x.Len())
		dynamic := false
		for i, k := range x.Keys() {
			_, val := x.At(i)
			n, err := compileJSONataNode(val, field+"/"+k)
			if err != nil {
				return nil, err
			}
			if _, ok := n.(tconst); !ok {
				dynamic = true
			}
			keys[i], fields[i] = k, n
		}
		if !dynamic {
			return tconst{v}, nil
		}
		return tobject{shape: jsonvalue.NewShape(keys), fields: fields}, nil
	case []any:
		items := make([]tnode, len(x))
		dynamic := false
		for i, e := range x {
			n, err := compileJSONataNode(e, field+"["+strconv.Itoa(i)+"]")
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

// texpr is an expression in a template.
type texpr struct{ e Expr }

func (t texpr) eval(env *Env) (any, error) { return t.e.Eval(env) }

// Expr returns the template as a single expression when it is one (a field
// written as one "{% %}" string), or nil.
func (t *Template) Expr() Expr {
	if e, ok := t.root.(texpr); ok {
		return e.e
	}
	return nil
}

// AWS's own JSONata functions.

type randomKey struct{}

func callRandom(c *jsonata.Call) Random {
	r, _ := c.Context().Value(randomKey{}).(Random)
	return r
}

func fnPartition(_ *jsonata.Call, args []any) (any, error) {
	arr, _ := args[0].([]any)
	size, _ := jsonvalue.ToFloat(args[1])
	if size <= 0 || size != math.Trunc(size) {
		return nil, errors.New("the size of $partition must be a positive integer")
	}
	n := int(size)
	out := []any{}
	for i := 0; i < len(arr); i += n {
		end := min(i+n, len(arr))
		out = append(out, append([]any(nil), arr[i:end]...))
	}
	return out, nil
}

func fnRange(_ *jsonata.Call, args []any) (any, error) {
	start, _ := jsonvalue.ToFloat(args[0])
	end, _ := jsonvalue.ToFloat(args[1])
	step, _ := jsonvalue.ToFloat(args[2])
	if step == 0 || start != math.Trunc(start) || end != math.Trunc(end) || step != math.Trunc(step) {
		return nil, errors.New("the arguments of $range must be integers, and the step must not be 0")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == 1000 {
			return nil, errors.New("$range can make at most 1000 items")
		}
		out = append(out, v)
	}
	if len(out) == 1 {
		// A sequence of one is its item, as AWS returns it: $range(1, 9, 9) is 1.
		return out[0], nil
	}
	return out, nil
}

func fnHash(c *jsonata.Call, args []any) (any, error) {
	data, ok := args[0].(string)
	if !ok {
		data = jsonvalue.String(args[0])
	}
	if err := c.Budget().Steps(len(data) / budget.BytesPerStep); err != nil {
		return nil, err
	}
	alg, _ := args[1].(string)
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("the hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnRandom(c *jsonata.Call, args []any) (any, error) {
	if seed, ok := jsonvalue.ToFloat(args[0]); ok {
		return seededFloat(uint64(int64(seed))), nil
	}
	return c.Random(), nil
}

// seededFloat is the number in [0, 1) that $random(seed) gives: splitmix64's
// first output for the seed, so the same seed always gives the same number.
func seededFloat(seed uint64) float64 {
	z := seed + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

func fnUUID(c *jsonata.Call, _ []any) (any, error) {
	if r := callRandom(c); r != nil {
		return r.UUID(), nil
	}
	return nil, errors.New("$uuid has no source of randomness")
}

func fnParse(c *jsonata.Call, args []any) (any, error) {
	s, _ := args[0].(string)
	if err := c.Budget().Alloc(len(s)); err != nil { // what it parses, about what it builds
		return nil, err
	}
	v, err := jsonvalue.ParseString(s)
	if err != nil {
		return nil, fmt.Errorf("$parse: %v", err)
	}
	return v, nil
}
