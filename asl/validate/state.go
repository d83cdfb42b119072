package validate

import (
	"github.com/stepd/stepd/asl"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

// lintState is the state being validated.
type lintState struct {
	c       *lintContainer
	name    string
	obj     *jsonvalue.Object
	loc     string
	typ     string
	jsonata bool // the state's effective QueryLanguage is JSONata
}

// The fields each state type supports, in either query language.
var lintStateFields = map[string]map[string]bool{
	"Pass": lintSet("Type", "Comment", "QueryLanguage", "Next", "End",
		"InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"),
	"Task": lintSet("Type", "Comment", "QueryLanguage", "Next", "End",
		"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource",
		"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
		"Retry", "Catch", "Credentials", "Assign", "Arguments", "Output"),
	"Choice": lintSet("Type", "Comment", "QueryLanguage",
		"InputPath", "OutputPath", "Choices", "Default", "Assign", "Output"),
	"Wait": lintSet("Type", "Comment", "QueryLanguage", "Next", "End",
		"InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign", "Output"),
	"Succeed": lintSet("Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Output"),
	"Fail":    lintSet("Type", "Comment", "QueryLanguage", "Error", "ErrorPath", "Cause", "CausePath"),
	"Parallel": lintSet("Type", "Comment", "QueryLanguage", "Next", "End",
		"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches",
		"Retry", "Catch", "Assign", "Arguments", "Output"),
	"Map": lintSet("Type", "Comment", "QueryLanguage", "Next", "End",
		"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"ItemsPath", "Items", "ItemSelector", "ItemProcessor", "Iterator", "ItemReader", "ItemBatcher",
		"ResultWriter", "MaxConcurrency", "MaxConcurrencyPath",
		"ToleratedFailureCount", "ToleratedFailureCountPath",
		"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label",
		"Retry", "Catch", "Assign", "Output"),
}

// lintStateTypes is the Type enum in the order AWS lists it.
const lintStateTypes = "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"

// Fields that exist only in one query language. A JSONata state evaluates
// expressions in the plain fields instead of reading ...Path fields.
var (
	lintJSONPathOnly = lintSet("InputPath", "OutputPath", "ResultPath", "ResultSelector", "Parameters",
		"Result", "ItemsPath", "MaxConcurrencyPath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
		"SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
		"ToleratedFailureCountPath", "ToleratedFailurePercentagePath")
	lintJSONataOnly = lintSet("Output", "Arguments", "Items")
)

// lintLanguageName names a query language in AWS's messages.
func lintLanguageName(jsonata bool) string {
	if jsonata {
		return "JSONata"
	}
	return "JSONPath"
}

// languageMismatch reports a field of the other query language.
func (v *validator) languageMismatch(loc, field string, jsonata bool) {
	v.schema(loc, "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage",
		lintLanguageName(jsonata), field, lintLanguageName(!jsonata))
}

func (v *validator) state(c *lintContainer, name string, raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	typV, hasType := o.Get("Type")
	if !hasType {
		v.schema(loc, "These fields are required: [Type]")
		v.looseEdges(c, name, o)
		return
	}
	typ, _ := typV.(string)
	fields, known := lintStateFields[typ]
	if !known {
		v.looseEdges(c, name, o)
		if _, isStr := typV.(string); !isStr {
			v.schema(loc+"/Type", "Expected value of type [STRING]")
		} else {
			v.schema(loc+"/Type", "The field 'Type' should have one of these values: %s", lintStateTypes)
		}
		return
	}
	st := &lintState{c: c, name: name, obj: o, loc: loc, typ: typ}
	qlV, hasQL := o.Get("QueryLanguage")
	st.jsonata = v.topJSONata
	if hasQL {
		st.jsonata = qlV != "JSONPath"
	}
	downgraded := v.topJSONata && qlV == "JSONPath"
	if downgraded {
		v.schema(loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
	}
	for _, k := range o.Keys() {
		switch {
		case !fields[k]:
			v.schema(loc, "Field '%s' is not supported", k)
		case downgraded:
			// the downgrade is the whole answer for the state's fields
		case st.jsonata && lintJSONPathOnly[k], !st.jsonata && lintJSONataOnly[k]:
			v.languageMismatch(loc, k, st.jsonata)
		}
	}
	if hasQL {
		v.queryLanguage(o, loc, v.topJSONata)
	}

	v.common(st)
	switch typ {
	case "Pass":
		v.pass(st)
	case "Task":
		v.task(st)
	case "Choice":
		v.choice(st)
	case "Wait":
		v.wait(st)
	case "Fail":
		v.fail(st)
	case "Parallel":
		v.parallel(st)
	case "Map":
		v.mapState(st)
	}
	v.errorHandling(st)
	if st.jsonata {
		v.jsonataState(st)
	}
}

// looseEdges records the transitions of a state whose type is unknown, so that
// the states it leads to are not reported as unreachable on top of it.
func (v *validator) looseEdges(c *lintContainer, name string, o *jsonvalue.Object) {
	add := func(raw any) {
		if s, ok := raw.(string); ok {
			c.edges[name] = append(c.edges[name], s)
		}
	}
	for _, f := range []string{"Next", "Default"} {
		if raw, ok := o.Get(f); ok {
			add(raw)
		}
	}
	for _, f := range []string{"Choices", "Catch"} {
		arr, _ := o.Get(f)
		list, _ := arr.([]any)
		for _, e := range list {
			if eo, ok := e.(*jsonvalue.Object); ok {
				if raw, ok := eo.Get("Next"); ok {
					add(raw)
				}
			}
		}
	}
}

// has reports whether the state has field k and the field belongs to its type
// and query language, so that its value is worth checking.
func (st *lintState) has(k string) (any, bool) {
	raw, ok := st.obj.Get(k)
	if !ok || !lintStateFields[st.typ][k] {
		return nil, false
	}
	if st.jsonata && lintJSONPathOnly[k] || !st.jsonata && lintJSONataOnly[k] {
		return nil, false
	}
	return raw, true
}

// lintNeedsTransition lists the types that must have Next or End.
var lintNeedsTransition = lintSet("Pass", "Task", "Wait", "Parallel", "Map")

// common checks the fields most state types share.
func (v *validator) common(st *lintState) {
	o, loc := st.obj, st.loc
	v.optString(o, loc, "Comment")

	if lintNeedsTransition[st.typ] {
		nextV, hasNext := o.Get("Next")
		endV, hasEnd := o.Get("End")
		if hasEnd {
			if _, isBool := endV.(bool); !isBool {
				v.schema(loc+"/End", "Expected value of type [BOOLEAN]")
			}
		}
		ends := endV == true
		switch {
		case hasNext && ends:
			v.schema(loc, "These fields are mutually exclusive: [Next, End]")
		case !hasNext && !ends:
			v.schema(loc, "One of these fields is required: [Next, End]")
		}
		if hasNext {
			v.edge(st.c, st.name, nextV, loc+"/Next")
		}
	}

	if raw, ok := st.has("InputPath"); ok {
		v.pathField(raw, loc+"/InputPath", "InputPath", lintPathNullable)
	}
	if raw, ok := st.has("OutputPath"); ok {
		v.pathField(raw, loc+"/OutputPath", "OutputPath", lintPathNullable)
	}
	if raw, ok := st.has("ResultPath"); ok {
		v.pathField(raw, loc+"/ResultPath", "ResultPath", lintPathNullable|lintPathResult)
	}
	if raw, ok := st.has("Parameters"); ok {
		v.payloadTemplate(raw, loc+"/Parameters")
	}
	if raw, ok := st.has("ResultSelector"); ok {
		if _, isObj := raw.(*jsonvalue.Object); !isObj && raw != nil {
			v.schema(loc+"/ResultSelector", "Expected value of type [OBJECT]")
		} else {
			v.payloadTemplate(raw, loc+"/ResultSelector")
		}
	}
	if raw, ok := st.has("Arguments"); ok {
		v.jsonataArguments(raw, loc+"/Arguments")
	}
	if raw, ok := st.has("Assign"); ok {
		v.assign(raw, loc+"/Assign", st.jsonata)
	}
}

// errorHandling checks Retry and Catch, after the state's own fields.
func (v *validator) errorHandling(st *lintState) {
	if _, ok := st.has("Retry"); ok {
		v.retry(st)
	}
	if _, ok := st.has("Catch"); ok {
		v.catch(st)
	}
}

// jsonataArguments checks the type of an Arguments field: an object, or one
// expression that evaluates to one.
func (v *validator) jsonataArguments(raw any, loc string) {
	switch x := raw.(type) {
	case *jsonvalue.Object:
	case string:
		if !asl.IsJSONataString(x) {
			v.schema(loc, "Expected value of type [OBJECT] or a JSONata expression")
		}
	default:
		v.schema(loc, "Expected value of type [OBJECT] or a JSONata expression")
	}
}

// assign checks an Assign field: an object whose keys are variable names. In a
// JSONPath state a key ending in ".$" takes its value from a path or an
// intrinsic function, as in Parameters.
func (v *validator) assign(raw any, loc string, jsonata bool) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	for i, k := range o.Keys() {
		name := k
		if !jsonata {
			name = strings.TrimSuffix(k, ".$")
		}
		if msg := lintVariableNameProblem(name); msg != "" {
			v.schema(lintAt(loc, k), "%s", msg)
		}
		if !jsonata {
			_, val := o.At(i)
			if strings.HasSuffix(k, ".$") {
				v.dynamicValue(val, lintAt(loc, k), k)
			} else {
				v.payloadTemplate(val, lintAt(loc, k))
			}
		}
	}
	if !jsonata {
		v.templateDuplicates(o, loc)
	}
}

// lintVariableNameProblem returns why name cannot be a workflow variable, or "".
// A name is not empty, has at most 80 characters, is not the reserved "states",
// does not start with a digit, and holds no whitespace, control characters or
// characters that end a name in a path or an expression (. $ [ ] ( ) ' " ,).
func lintVariableNameProblem(name string) string {
	switch {
	case name == "":
		return "A variable name must not be empty"
	case name == "states":
		return "The variable name 'states' is reserved"
	case utf8.RuneCountInString(name) > lintMaxStateNameLen:
		return "The variable name '" + name + "' is longer than 80 characters"
	case name[0] >= '0' && name[0] <= '9':
		return "The variable name '" + name + "' must not start with a digit"
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f && r <= 0x9f || strings.ContainsRune(".$[]()'\",\\", r) {
			return "The variable name '" + name + "' must not contain " + lintQuoteRune(r)
		}
	}
	return ""
}

func (v *validator) pass(st *lintState) {
	if raw, ok := st.has("Result"); ok {
		if lintLooksDynamic(raw) {
			v.warn(asl.CodePassResultIsStatic, st.loc+"/Result",
				"The Result of a Pass state is static: paths and intrinsic functions in it are not evaluated")
		}
	}
}

// lintLooksDynamic reports whether a static value holds a key ending in ".$" or
// a string that looks like a path or an intrinsic function call.
func lintLooksDynamic(raw any) bool {
	switch x := raw.(type) {
	case string:
		return lintLooksLikePath(x)
	case []any:
		for _, e := range x {
			if lintLooksDynamic(e) {
				return true
			}
		}
	case *jsonvalue.Object:
		for k, e := range x.All() {
			if strings.HasSuffix(k, ".$") || lintLooksDynamic(e) {
				return true
			}
		}
	}
	return false
}

// lintLooksLikePath reports whether a literal string looks like it was meant to
// be evaluated: a JSONPath ($.x, $$.x, $[0]) or an intrinsic function call.
func lintLooksLikePath(s string) bool {
	switch {
	case s == "$" || s == "$$":
		return true
	case strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$$.") || strings.HasPrefix(s, "$["):
		return true
	case strings.HasPrefix(s, "States.") && strings.HasSuffix(s, ")") && strings.Contains(s, "("):
		return true
	}
	return false
}

func (v *validator) wait(st *lintState) {
	o, loc := st.obj, st.loc
	names := []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}
	var present []string
	for _, n := range names {
		if o.Has(n) {
			present = append(present, n)
		}
	}
	switch {
	case len(present) == 0:
		v.schema(loc, "One of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]")
	case len(present) > 1:
		v.schema(loc, "These fields are mutually exclusive: [%s]", strings.Join(present, ", "))
	}
	if raw, ok := st.has("Seconds"); ok {
		v.secondsField(st, raw, loc+"/Seconds", 0)
	}
	if raw, ok := st.has("Timestamp"); ok {
		s, isStr := raw.(string)
		switch {
		case !isStr:
			v.schema(loc+"/Timestamp", "Expected value of type [STRING]")
		case st.jsonata && asl.IsJSONataString(s):
		case !lintIsRFC3339(s):
			v.schema(loc+"/Timestamp", "String does not match RFC3339 timestamp")
		}
	}
	if raw, ok := st.has("SecondsPath"); ok {
		v.pathField(raw, loc+"/SecondsPath", "SecondsPath", 0)
	}
	if raw, ok := st.has("TimestampPath"); ok {
		v.pathField(raw, loc+"/TimestampPath", "TimestampPath", 0)
	}
}

// secondsField checks a number of seconds: an integer from min to 99999999, or
// in a JSONata state an expression.
func (v *validator) secondsField(st *lintState, raw any, loc string, min int64) {
	if s, isStr := raw.(string); isStr && st.jsonata {
		if !asl.IsJSONataString(s) {
			v.schema(loc, "Expected value of type [INTEGER] or a JSONata expression")
		}
		return
	}
	v.intRange(raw, loc, min, lintMaxSeconds)
}

func (v *validator) fail(st *lintState) {
	o, loc := st.obj, st.loc
	v.exclusive(o, loc, "Error", "ErrorPath")
	v.exclusive(o, loc, "Cause", "CausePath")
	for _, f := range []string{"Error", "Cause"} {
		raw, ok := st.has(f)
		if !ok {
			continue
		}
		s, isStr := raw.(string)
		if !isStr {
			v.schema(lintAt(loc, f), "Expected value of type [STRING]")
			continue
		}
		if !st.jsonata && lintLooksLikePath(s) {
			v.warn(asl.CodeNoPath, lintAt(loc, f),
				"The value of '%s' looks like a path, but the field name does not end with 'Path': use '%sPath' to read it from the input", f, f)
		}
	}
	for _, f := range []string{"ErrorPath", "CausePath"} {
		if raw, ok := st.has(f); ok {
			v.pathField(raw, lintAt(loc, f), f, lintPathIntrinsic)
		}
	}
}

func (v *validator) parallel(st *lintState) {
	o, loc := st.obj, st.loc
	raw, ok := o.Get("Branches")
	if !ok {
		v.schema(loc, "These fields are required: [Branches]")
		return
	}
	branches, isArr := raw.([]any)
	if !isArr {
		v.schema(loc+"/Branches", "Expected value of type [ARRAY]")
		return
	}
	if len(branches) == 0 {
		v.schema(loc+"/Branches", "Value cannot be empty") // AWS's words for an empty list
	}
	v.nested(loc, func() {
		for i, b := range branches {
			v.subMachine(b, lintIndex(loc+"/Branches", i), false)
		}
	})
}

// nested runs f for the groups of states inside a Parallel or Map state,
// reporting nesting deeper than Step Functions allows.
func (v *validator) nested(loc string, f func()) {
	v.nesting++
	defer func() { v.nesting-- }()
	if v.nesting > lintMaxNesting {
		v.add(asl.SeverityError, asl.CodeTooDeeplyNested, loc, "Parallel and Map states are nested more than %d levels deep", lintMaxNesting)
		return
	}
	f()
}

// The fields of a Parallel branch, and of a Map's ItemProcessor (Iterator).
var (
	lintBranchFields    = lintSet("StartAt", "States", "Comment")
	lintProcessorFields = lintSet("StartAt", "States", "Comment", "ProcessorConfig")
)

// subMachine validates a Parallel branch or a Map processor. Its states default
// to the state machine's QueryLanguage, not to the enclosing state's: AWS does not
// carry a Map's or a Parallel's language into the states inside it.
func (v *validator) subMachine(raw any, loc string, processor bool) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	fields := lintBranchFields
	if processor {
		fields = lintProcessorFields
	}
	for _, k := range o.Keys() {
		if !fields[k] {
			v.schema(loc, "Field '%s' is not supported", k)
		}
	}
	v.requireFields(o, loc, "StartAt", "States")
	v.optString(o, loc, "Comment")
	v.container(o, loc, false)
}
