package interp

import (
	"fmt"
	"strconv"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
)

// The data flow of a state, in its query language.
//
// JSONPath: InputPath → Parameters → (the work) → ResultSelector → ResultPath →
// OutputPath; Assign sees the state's result as $.
// JSONata: Arguments → (the work) → Output; Assign and Output see $states.input,
// $states.result (and $states.errorOutput in a Catch).
//
// In both, Assign and Output read the variables as they were when the state
// began; the new values take effect when the state ends.

// scope gives expressions the variables visible on a path: its own, then its
// parents', up to the top level or the boundary of a Distributed Map's child
// execution.
type scope struct {
	s *stepper
	p *Path
}

// Variable implements asl.Variables.
func (v *scope) Variable(name string) (any, bool) {
	for p := v.p; p != nil; {
		if p.Vars != nil {
			if val, ok := p.Vars.Get(name); ok {
				return val, true
			}
		}
		parent := v.s.x.Paths[p.Parent]
		if parent == nil || (p.Detached && !parent.Detached) {
			break
		}
		p = parent
	}
	return nil, false
}

// outer reports whether a variable belongs to a scope outside p's own.
func (s *stepper) outer(p *Path, name string) bool {
	parent := s.x.Paths[p.Parent]
	if parent == nil || (p.Detached && !parent.Detached) {
		return false
	}
	sc := scope{s: s, p: parent}
	_, ok := sc.Variable(name)
	return ok
}

// AWS's quotas on variables: one variable, the variables one state assigns,
// and all the variables of an execution.
const (
	maxVariableBytes = 256 * 1024
	maxAssignBytes   = 256 * 1024
	maxAllVarsBytes  = 10 * 1024 * 1024
)

// evalAssign evaluates an Assign template with the variables as they are.
func (s *stepper) evalAssign(t *asl.Template, env *asl.Env) (*jsonvalue.Object, error) {
	if t == nil {
		return nil, nil
	}
	v, err := t.Eval(env)
	if err != nil {
		return nil, err
	}
	o, _ := v.(*jsonvalue.Object)
	if o == nil {
		return nil, nil
	}
	for name, val := range o.All() {
		if jsonvalue.SizeExceeds(val, maxVariableBytes) {
			return nil, aslerr.Newf(aslerr.DataLimitExceeded,
				"The value of the variable '%s' exceeds the maximum number of bytes service limit (%d).", name, maxVariableBytes)
		}
	}
	if jsonvalue.SizeExceeds(o, maxAssignBytes) {
		return nil, aslerr.Newf(aslerr.DataLimitExceeded,
			"The variables assigned by the state exceed the maximum number of bytes service limit (%d).", maxAssignBytes)
	}
	return o, nil
}

// assign gives p's scope the new values. A Parallel branch or Map iteration may
// not assign a variable of an outer scope, as AWS rules.
func (s *stepper) assign(p *Path, vals *jsonvalue.Object) error {
	if vals == nil || vals.Len() == 0 {
		return nil
	}
	own := p.Vars
	if own == nil {
		own = jsonvalue.NewObject(vals.Len())
	} else {
		own = own.Clone()
	}
	for name, v := range vals.All() {
		if s.outer(p, name) {
			return aslerr.Newf(aslerr.Runtime, "Cannot bind value '%s' to variable '%s' as it belongs to an outer scope.",
				jsonvalue.String(v), name)
		}
		own.Set(name, v)
	}
	total := 0
	for _, q := range s.x.Paths {
		if q != p && q.Vars != nil {
			total += jsonvalue.Size(q.Vars)
		}
	}
	if total+jsonvalue.Size(own) > maxAllVarsBytes {
		return aslerr.Newf(aslerr.DataLimitExceeded,
			"The variables of the execution exceed the maximum number of bytes service limit (%d).", maxAllVarsBytes)
	}
	p.Vars = own
	p.Assigned = vals
	return nil
}

// output evaluates a JSONata state's Output, or gives def when it has none.
func (s *stepper) output(t *asl.Template, env *asl.Env, def any) (any, error) {
	if t == nil {
		return def, nil
	}
	return t.Eval(env)
}

// complete ends the state's work: the variables it assigned take effect and the
// path exits with output on its next turn.
func (s *stepper) complete(p *Path, output any, assigned *jsonvalue.Object) {
	if err := s.assign(p, assigned); err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.done(p, output)
}

// resultOutput computes a Task, Parallel or Map state's output and assignments
// from its result.
func (s *stepper) resultOutput(p *Path, result any) (any, *jsonvalue.Object, error) {
	st := p.state
	s.data(p, StageResult, result)
	env := s.envFor(p, result)
	env.Result, env.HasResult = result, true
	assigned, err := s.evalAssign(st.Assign, env)
	if err != nil {
		return nil, nil, err
	}
	if st.QueryLanguage == asl.JSONata {
		out, err := s.output(st.Output, env, result)
		return out, assigned, err
	}
	if st.ResultSelector != nil {
		if result, err = st.ResultSelector.Eval(env); err != nil {
			return nil, nil, err
		}
	}
	s.data(p, StageAfterResultSelector, result)
	out, err := st.ResultPath.Apply(p.Input, result)
	if err != nil {
		return nil, nil, err
	}
	s.data(p, StageAfterResultPath, out)
	out, err = st.OutputPath.Apply(env, out)
	return out, assigned, err
}

// effectiveInput is what a Task's resource or a Parallel's branches receive:
// InputPath and Parameters applied to the state's input, or its Arguments.
func (s *stepper) effectiveInput(p *Path) (any, error) {
	st := p.state
	env := s.envFor(p, p.Input)
	if st.QueryLanguage == asl.JSONata {
		if st.Arguments == nil {
			return p.Input, nil
		}
		v, err := st.Arguments.Eval(env)
		if err == nil {
			s.data(p, StageAfterArguments, v)
		}
		return v, err
	}
	v, err := st.InputPath.Apply(env, p.Input)
	if err != nil {
		return nil, err
	}
	s.data(p, StageAfterInputPath, v)
	if st.Parameters != nil {
		env.Input = v
		if v, err = st.Parameters.Eval(env); err != nil {
			return nil, err
		}
	}
	s.data(p, StageAfterParameters, v)
	return v, nil
}

// catchOutput computes what a matching Catch hands on, and its assignments.
func (s *stepper) catchOutput(p *Path, c *asl.Catcher, f *aslerr.Failure) (any, *jsonvalue.Object, error) {
	errOut := errorOutput(f)
	env := s.envFor(p, errOut)
	// A Catcher's $states has the error output, and no result (AWS's
	// TestState shows it: {input, context, errorOutput}).
	env.ErrorOutput, env.HasErrorOutput = errOut, true
	assigned, err := s.evalAssign(c.Assign, env)
	if err != nil {
		return nil, nil, err
	}
	if p.state.QueryLanguage == asl.JSONata {
		out, err := s.output(c.Output, env, errOut)
		return out, assigned, err
	}
	out, err := c.ResultPath.Apply(p.Input, errOut)
	return out, assigned, err
}

// stringField evaluates a field that must give a string (a Fail's Error and
// Cause).
func stringField(env *asl.Env, f *asl.Field, ql asl.QueryLanguage) (string, error) {
	if f == nil {
		return "", nil
	}
	v, err := f.Expr.Eval(env)
	if err != nil {
		if f.IsPath {
			return "", invalidPath(f, err)
		}
		return "", err
	}
	str, ok := v.(string)
	if !ok {
		if ql == asl.JSONata {
			return "", asl.UnexpectedType(f.Expr, f.Name, "string", v)
		}
		return "", aslerr.Newf(aslerr.Runtime, "The %s field must refer to a string value: %s == %s", f.Name, f.Expr.String(), jsonvalue.String(v))
	}
	return str, nil
}

// integerField evaluates a field that must give an integer in [min, max]:
// Seconds, MaxConcurrency, TimeoutSeconds, HeartbeatSeconds. JSONPath's causes
// differ by field and are the caller's.
func integerField(env *asl.Env, f *asl.Field, ql asl.QueryLanguage) (int64, any, error) {
	v, err := f.Expr.Eval(env)
	if err != nil {
		if f.IsPath {
			return 0, nil, invalidPath(f, err)
		}
		return 0, nil, err
	}
	n, err := integerValue(f, v, ql)
	return n, v, err
}

// integerValue is integerField's reading of the value the field gave.
func integerValue(f *asl.Field, v any, ql asl.QueryLanguage) (int64, error) {
	n, ok := toInteger(v, f.IsPath && ql == asl.JSONPath)

	if !ok && ql == asl.JSONata {
		return 0, asl.UnexpectedType(f.Expr, f.Name, "integer", v)
	}
	if !ok {
		return 0, errNotInteger
	}
	return n, nil
}

var errNotInteger = fmt.Errorf("not an integer")

// toInteger reads an integer: a number with an integral value, and for JSONPath
// reference paths also a string holding one, which AWS parses as a long
// ("1" is 1).
func toInteger(v any, strings bool) (int64, bool) {
	switch x := v.(type) {
	case jsonvalue.Number:
		return x.Int64()
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		if strings {
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// toFloat reads a number; for JSONPath reference paths also a string holding
// one, which AWS parses as a double ("1" is 1).
func toFloat(v any, strings bool) (float64, bool) {
	if f, ok := jsonvalue.ToFloat(v); ok {
		return f, true
	}
	if s, ok := v.(string); ok && strings {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	}
	return 0, false
}
