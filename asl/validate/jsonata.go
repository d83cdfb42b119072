package validate

import (
	"errors"
	"github.com/stepd/stepd/asl"
	"strings"

	"github.com/stepd/stepd/jsonata"
	"github.com/stepd/stepd/jsonvalue"
)

// Fields of a JSONata state whose strings are never expressions: names,
// transitions, error names and the groups of states (validated on their own).
var lintNotJSONata = lintSet("Type", "QueryLanguage", "Comment", "Next", "End", "Default", "Resource",
	"ErrorEquals", "Retry", "Credentials", "ItemProcessor", "Iterator", "Branches", "CSVHeaders")

// Fields that hold a user payload: every string inside, at any depth and under
// any key, may be an expression.
var lintJSONataPayload = lintSet("Output", "Assign", "Arguments", "ItemSelector", "BatchInput")

// lintJSONataScope is what the walk of a JSONata state carries down.
type lintJSONataScope struct {
	payload   bool // inside a payload field: keys no longer name ASL fields
	catchList bool // at the elements of a Catch array
	catchData bool // inside a Catcher's Output or Assign, where $states.errorOutput exists
}

// jsonataState parses every expression of a JSONata state.
func (v *validator) jsonataState(st *lintState) {
	v.jsonataWalk(st.obj, st.loc, lintJSONataScope{})
}

func (v *validator) jsonataWalk(raw any, loc string, sc lintJSONataScope) {
	switch x := raw.(type) {
	case *jsonvalue.Object:
		for i, k := range x.Keys() {
			if !sc.payload && lintNotJSONata[k] {
				continue
			}
			_, val := x.At(i)
			child := sc
			if !sc.payload {
				child = lintJSONataScope{
					payload:   lintJSONataPayload[k],
					catchList: k == "Catch",
					catchData: sc.catchData || sc.catchList && (k == "Output" || k == "Assign"),
				}
			}
			v.jsonataWalk(val, lintAt(loc, k), child)
		}
	case []any:
		for i, e := range x {
			v.jsonataWalk(e, lintIndex(loc, i), sc)
		}
	case string:
		v.jsonataString(x, loc, sc.catchData)
	}
}

// jsonataString checks one string of a JSONata state.
func (v *validator) jsonataString(s, loc string, errorOutput bool) {
	open, close := strings.HasPrefix(s, "{%"), strings.HasSuffix(s, "%}")
	switch {
	case asl.IsJSONataString(s):
	case open || close:
		v.add(asl.SeverityError, asl.CodeInvalidJSONataExpression, loc,
			"A JSONata expression must start with '{%%' and end with '%%}': %q", s)
		return
	default:
		return
	}
	expr := strings.TrimSpace(s[2 : len(s)-2])
	e, err := lintCompileJSONata(expr)
	if err != nil {
		v.add(asl.SeverityError, asl.CodeInvalidJSONataExpression, loc, "%s", err.Error())
		return
	}
	for _, r := range lintTopLevelRefs(e.References(), errorOutput) {
		switch r {
		case "$$":
			v.add(asl.SeverityError, asl.CodeUnsupportedJSONataExpression, loc, "Reference to '$$' is not supported.")
		case "$states.errorOutput":
			v.add(asl.SeverityError, asl.CodeUnsupportedJSONataExpression, loc, "Field '$states.errorOutput' does not exist.")
		default:
			v.add(asl.SeverityError, asl.CodeUnsupportedJSONataExpression, loc, "Reference to '%s' at the top level is not supported.", r)
		}
	}
}

// lintCompileJSONata compiles an expression with the jsonata package, which
// evaluates it at run time, so that what validates also runs; the message is
// jsonata-js's without its error code, as Step Functions gives it.
func lintCompileJSONata(expr string) (*jsonata.Expr, error) {
	e, err := jsonata.Compile(expr)
	var je *jsonata.Error
	if errors.As(err, &je) {
		return nil, errors.New(strings.TrimPrefix(err.Error(), je.Code+": "))
	}
	return e, err
}

// lintTopLevelRefs names what an expression reads from the top-level context,
// which Step Functions does not provide (the input is $states.input and
// variables are $name), from jsonata's references: "$" for the input itself,
// a field's name for a field of it, "$$", and "$states.errorOutput" where
// errorOutputAllowed is false (outside a Catcher's Output and Assign).
func lintTopLevelRefs(refs []jsonata.Reference, errorOutputAllowed bool) []string {
	var names []string
	add := func(name string) {
		for _, n := range names {
			if n == name {
				return
			}
		}
		names = append(names, name)
	}
	for _, r := range refs {
		switch {
		case r.Variable == "" && len(r.Path) == 0:
			add("$")
		case r.Variable == "":
			add(r.Path[0])
		case r.Variable == "$":
			add("$$")
		case r.Variable == "states" && !errorOutputAllowed && len(r.Path) > 0 && r.Path[0] == "errorOutput":
			add("$states.errorOutput")
		}
	}
	return names
}
