package validate

import (
	"github.com/stepd/stepd/asl"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

// The kinds of value a comparison operator takes.
const (
	lintCmpString    = iota // StringEquals, ..., StringMatches
	lintCmpNumber           // NumericEquals, ...
	lintCmpBoolean          // BooleanEquals
	lintCmpTimestamp        // TimestampEquals, ...
	lintCmpType             // IsNull, IsPresent, ...: true or false
	lintCmpPath             // every ...Path operator: a Reference Path
)

// lintComparisons are the comparison operators of a Choice Rule.
var lintComparisons = func() map[string]int {
	m := map[string]int{
		"StringMatches": lintCmpString,
		"BooleanEquals": lintCmpBoolean, "BooleanEqualsPath": lintCmpPath,
		"IsNull": lintCmpType, "IsPresent": lintCmpType, "IsNumeric": lintCmpType,
		"IsString": lintCmpType, "IsBoolean": lintCmpType, "IsTimestamp": lintCmpType,
	}
	for _, rel := range []string{"Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"} {
		m["String"+rel] = lintCmpString
		m["Numeric"+rel] = lintCmpNumber
		m["Timestamp"+rel] = lintCmpTimestamp
		m["String"+rel+"Path"] = lintCmpPath
		m["Numeric"+rel+"Path"] = lintCmpPath
		m["Timestamp"+rel+"Path"] = lintCmpPath
	}
	return m
}()

func (v *validator) choice(st *lintState) {
	o, loc := st.obj, st.loc
	raw, ok := o.Get("Choices")
	if !ok {
		v.schema(loc, "These fields are required: [Choices]")
	} else if rules, isArr := raw.([]any); !isArr {
		v.schema(loc+"/Choices", "Expected value of type [ARRAY]")
	} else {
		if len(rules) == 0 {
			v.schema(loc+"/Choices", "Value cannot be empty")
		}
		for i, r := range rules {
			v.choiceRule(st, r, lintIndex(loc+"/Choices", i), true)
		}
	}
	if def, ok := o.Get("Default"); ok {
		v.edge(st.c, st.name, def, loc+"/Default")
	}
}

// choiceRule checks a Choice Rule; top is a rule of the Choices array (with a
// Next), as opposed to one nested in And, Or or Not.
func (v *validator) choiceRule(st *lintState, raw any, loc string, top bool) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	var ops []string
	for _, k := range o.Keys() {
		_, isCmp := lintComparisons[k]
		jsonPathField := isCmp || k == "Variable" || k == "And" || k == "Or" || k == "Not"
		switch {
		case k == "Comment":
		case top && (k == "Next" || k == "Assign"):
		case st.jsonata && (k == "Condition" || top && k == "Output"):
		case !st.jsonata && jsonPathField:
			if isCmp {
				ops = append(ops, k)
			}
		case st.jsonata && jsonPathField, !st.jsonata && (k == "Condition" || top && k == "Output"):
			v.languageMismatch(loc, k, st.jsonata)
		default:
			v.schema(loc, "Field '%s' is not supported", k)
		}
	}
	v.optString(o, loc, "Comment")
	if top {
		if next, ok := o.Get("Next"); ok {
			v.edge(st.c, st.name, next, loc+"/Next")
		} else {
			v.schema(loc, "These fields are required: [Next]")
		}
		if a, ok := o.Get("Assign"); ok {
			v.assign(a, loc+"/Assign", st.jsonata)
		}
	}
	if st.jsonata {
		cond, ok := o.Get("Condition")
		switch c := cond.(type) {
		case nil:
			if !ok {
				v.schema(loc, "These fields are required: [Condition]")
			} else {
				v.schema(loc+"/Condition", "Expected value of type [BOOLEAN] or a JSONata expression")
			}
		case bool:
		case string:
			if !asl.IsJSONataString(c) {
				v.schema(loc+"/Condition", "Expected value of type [BOOLEAN] or a JSONata expression")
			}
		default:
			v.schema(loc+"/Condition", "Expected value of type [BOOLEAN] or a JSONata expression")
		}
		return
	}

	var booleans []string
	for _, k := range []string{"And", "Or", "Not"} {
		if o.Has(k) {
			booleans = append(booleans, k)
		}
	}
	variable, hasVariable := o.Get("Variable")
	switch {
	case len(booleans) > 1:
		v.schema(loc, "These fields are mutually exclusive: [%s]", strings.Join(booleans, ", "))
	case len(booleans) == 1 && (hasVariable || len(ops) > 0):
		v.schema(loc, "A Choice Rule with '%s' cannot have a 'Variable' or a comparison operator", booleans[0])
	case len(booleans) == 0 && !hasVariable:
		v.schema(loc, "A Choice Rule must have a 'Variable' and one comparison operator, or one of 'And', 'Or' and 'Not'")
	case len(booleans) == 0 && len(ops) == 0:
		v.schema(loc, "A Choice Rule with a 'Variable' must have one comparison operator")
	case len(ops) > 1:
		v.schema(loc, "These fields are mutually exclusive: [%s]", strings.Join(ops, ", "))
	}
	if hasVariable {
		v.pathField(variable, loc+"/Variable", "Variable", 0)
	}
	for _, op := range ops {
		val, _ := o.Get(op)
		v.comparison(op, val, lintAt(loc, op))
	}
	for _, k := range []string{"And", "Or"} {
		raw, ok := o.Get(k)
		if !ok {
			continue
		}
		arr, isArr := raw.([]any)
		if !isArr {
			v.schema(lintAt(loc, k), "Expected value of type [ARRAY]")
			continue
		}
		if len(arr) == 0 {
			v.schema(lintAt(loc, k), "Value cannot be empty")
		}
		for i, r := range arr {
			v.choiceRule(st, r, lintIndex(lintAt(loc, k), i), false)
		}
	}
	if raw, ok := o.Get("Not"); ok {
		v.choiceRule(st, raw, loc+"/Not", false)
	}
}

// comparison checks the value of a comparison operator.
func (v *validator) comparison(op string, val any, loc string) {
	switch lintComparisons[op] {
	case lintCmpString:
		if _, ok := val.(string); !ok {
			v.schema(loc, "Expected value of type [STRING]")
		}
	case lintCmpNumber:
		if !jsonvalue.IsNumber(val) {
			v.schema(loc, "Expected value of type [NUMBER]")
		}
	case lintCmpBoolean, lintCmpType:
		if _, ok := val.(bool); !ok {
			v.schema(loc, "Expected value of type [BOOLEAN]")
		}
	case lintCmpTimestamp:
		s, ok := val.(string)
		switch {
		case !ok:
			v.schema(loc, "Expected value of type [STRING]")
		case !lintIsRFC3339(s):
			v.schema(loc, "String does not match RFC3339 timestamp")
		}
	case lintCmpPath:
		v.pathField(val, loc, op, 0)
	}
}
