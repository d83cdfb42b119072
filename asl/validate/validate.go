// Package validate checks Amazon States Language definitions as Step
// Functions does (its ValidateStateMachineDefinition and CreateStateMachine)
// and as statelint does, returning every diagnostic with AWS's code and the
// JSON pointer of the bad field; and Parse reads, validates and builds a
// definition into asl's model. JSONata expressions are checked with package
// jsonata's own parser and references, the one that runs them.
//
// It sits above asl: it reports asl's Diagnostic values and builds with
// asl.Build, so asl cannot call it; whoever reads a definition calls Parse.
package validate

import (
	"fmt"
	"github.com/stepd/stepd/asl"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

// Options control the validation.
type Options struct {
	// Type is the state machine type: "STANDARD" (the default when empty) or
	// "EXPRESS". Express state machines cannot use activities, nor the .sync and
	// .waitForTaskToken integration patterns.
	Type string
}

// Document checks a definition read by ReadDocument against the Amazon States
// Language, the rules of statelint and the checks AWS's
// ValidateStateMachineDefinition makes, and returns every problem found: errors
// (the definition cannot run) and warnings (it can, but probably not as meant).
//
// Each diagnostic carries AWS's code, a JSON pointer to the bad field or state
// (/States/P/Branches/0/States/X/Retry/1/ErrorEquals; "/" for the top level; empty
// for MISSING_END_STATE) and a message in AWS's wording where AWS's is known.
// Diagnostics come in a stable order: the order of the definition's fields, each
// group of states followed by the checks of its transitions. Document is safe for
// concurrent use and never modifies doc.
func Document(doc *jsonvalue.Object, opts Options) []asl.Diagnostic {
	v := &validator{
		express:    strings.EqualFold(opts.Type, "EXPRESS"),
		stateNames: make(map[string]string),
	}
	if doc == nil {
		v.schema("/", "Expected value of type [OBJECT]")
		return v.diags
	}
	v.machine(doc)
	return v.diags
}

// Text reads a definition's text with asl.ReadDocument and validates it.
// When the text cannot be read, the reading diagnostics are all there is.
func Text(text []byte, opts Options) []asl.Diagnostic {
	doc, diags := asl.ReadDocument(text)
	if doc == nil {
		return diags
	}
	return append(diags, Document(doc, opts)...)
}

// Limits of the States Language as Step Functions applies them.
const (
	lintMaxStateNameLen = 80       // characters in a state name
	lintMaxLabelLen     = 40       // characters in a Map Label
	lintMaxSeconds      = 99999999 // TimeoutSeconds, HeartbeatSeconds, Seconds, ...
	lintMaxNesting      = 100      // Parallel and Map states inside one another
)

// validator accumulates diagnostics while walking one definition.
type validator struct {
	express    bool
	diags      []asl.Diagnostic
	topJSONata bool              // the state machine's QueryLanguage is JSONata
	stateNames map[string]string // every state name in the definition → its location
	labels     map[string]string // every Map Label → its location
	nesting    int               // Parallel and Map states around the current container
}

func (v *validator) add(sev asl.Severity, code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.diags = append(v.diags, asl.Diagnostic{Severity: sev, Code: code, Location: loc, Message: msg})
}

// schema reports a SCHEMA_VALIDATION_FAILED error.
func (v *validator) schema(loc, format string, args ...any) {
	v.add(asl.SeverityError, asl.CodeSchemaValidationFailed, loc, format, args...)
}

func (v *validator) warn(code, loc, format string, args ...any) {
	v.add(asl.SeverityWarning, code, loc, format, args...)
}

// lintAt returns the JSON pointer of key inside the value at loc.
func lintAt(loc, key string) string { return loc + "/" + lintPointerEscape(key) }

// lintIndex returns the JSON pointer of element i of the array at loc.
func lintIndex(loc string, i int) string { return loc + "/" + strconv.Itoa(i) }

// The top-level fields of a state machine.
var lintMachineFields = lintSet("Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage")

func (v *validator) machine(doc *jsonvalue.Object) {
	for _, k := range doc.Keys() {
		if !lintMachineFields[k] {
			v.schema("/", "Field '%s' is not supported", k)
		}
	}
	v.requireFields(doc, "/", "States", "StartAt")
	v.optString(doc, "", "Comment")
	v.optString(doc, "", "Version")
	if t, ok := doc.Get("TimeoutSeconds"); ok {
		v.intRange(t, "/TimeoutSeconds", 1, lintMaxSeconds)
	}
	v.topJSONata = v.queryLanguage(doc, "", false)
	v.container(doc, "", true)
}

// queryLanguage checks the QueryLanguage field of obj (the state machine or a
// state) and returns whether the effective language is JSONata. AWS resolves a
// present value to JSONPath only when it is exactly "JSONPath"; any other value
// is reported against the enum and taken as JSONata.
func (v *validator) queryLanguage(obj *jsonvalue.Object, loc string, inherited bool) bool {
	raw, ok := obj.Get("QueryLanguage")
	if !ok {
		return inherited
	}
	s, isStr := raw.(string)
	switch {
	case !isStr:
		v.schema(loc+"/QueryLanguage", "Expected value of type [STRING]")
	case s != "JSONPath" && s != "JSONata":
		v.schema(loc+"/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]")
	}
	return s != "JSONPath"
}

// lintContainer is one group of states: the state machine, a Parallel branch,
// or a Map's ItemProcessor (Iterator).
type lintContainer struct {
	loc    string // JSON pointer of the object holding StartAt and States
	states *jsonvalue.Object
	// edges are the transitions out of each state, for the reachability walk.
	edges map[string][]string
}

// container validates StartAt, States and the transitions of one group of
// states. top is the state machine itself, where a missing terminal state is
// MISSING_END_STATE; nested groups are only walked for reachability, as AWS does.
func (v *validator) container(obj *jsonvalue.Object, loc string, top bool) {
	statesV, hasStates := obj.Get("States")
	states, isObj := statesV.(*jsonvalue.Object)
	if hasStates && !isObj {
		v.schema(loc+"/States", "Expected value of type [OBJECT]")
	}
	startV, hasStart := obj.Get("StartAt")
	startAt, startIsStr := startV.(string)
	if hasStart && !startIsStr {
		v.schema(loc+"/StartAt", "Expected value of type [STRING]")
	}
	if !isObj {
		return
	}
	c := &lintContainer{loc: loc, states: states, edges: make(map[string][]string, states.Len())}
	for i, name := range states.Keys() {
		_, sv := states.At(i)
		sloc := lintAt(loc+"/States", name)
		v.stateName(name, sloc)
		v.state(c, name, sv, sloc)
	}
	if startIsStr && !states.Has(startAt) {
		v.add(asl.SeverityError, asl.CodeMissingTransitionTarget, loc+"/StartAt", "Missing 'Next' target: %s", startAt)
	}
	if top && !lintHasTerminal(states) {
		// AWS refuses the workflow outright and skips the reachability walk.
		v.add(asl.SeverityError, asl.CodeMissingEndState, "", "Workflow has no terminal state")
		return
	}
	if !startIsStr {
		// without a StartAt there is nothing to walk from; the missing field is
		// the whole answer, as AWS gives it
		return
	}
	reached := make(map[string]bool, states.Len())
	if states.Has(startAt) {
		queue := []string{startAt}
		reached[startAt] = true
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, t := range c.edges[n] {
				if !reached[t] && states.Has(t) {
					reached[t] = true
					queue = append(queue, t)
				}
			}
		}
	}
	for _, name := range states.Keys() {
		if !reached[name] {
			v.add(asl.SeverityError, asl.CodeMissingTransitionTarget, lintAt(loc+"/States", name), "State %q is not reachable.", name)
		}
	}
}

// lintHasTerminal reports whether any state of a group can end it: a Succeed or
// Fail state, or a state with "End": true.
func lintHasTerminal(states *jsonvalue.Object) bool {
	for _, sv := range states.All() {
		so, ok := sv.(*jsonvalue.Object)
		if !ok {
			continue
		}
		if t, _ := so.Get("Type"); t == "Succeed" || t == "Fail" {
			return true
		}
		if e, _ := so.Get("End"); e == true {
			return true
		}
	}
	return false
}

// stateName checks a state's name: unique in the whole definition, at most 80
// characters, and free of control characters.
func (v *validator) stateName(name, loc string) {
	if prev, dup := v.stateNames[name]; dup {
		v.add(asl.SeverityError, asl.CodeDuplicateStateName, loc, "Duplicate State name: '%s' (also defined at %s)", name, prev)
	} else {
		v.stateNames[name] = loc
	}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.add(asl.SeverityError, asl.CodeInvalidStateName, loc, "State name must not be empty")
	case n > lintMaxStateNameLen:
		v.add(asl.SeverityError, asl.CodeInvalidStateName, loc, "State name '%s' is longer than %d characters", name, lintMaxStateNameLen)
	}
	for _, r := range name {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			v.add(asl.SeverityError, asl.CodeInvalidStateName, loc, "State name %q contains the control character %U", name, r)
			break
		}
	}
}

// edge records a transition from state `from` to `to`, and reports a target that
// is not a state of the same group.
func (v *validator) edge(c *lintContainer, from string, toV any, loc string) {
	to, ok := toV.(string)
	if !ok {
		v.schema(loc, "Expected value of type [STRING]")
		return
	}
	c.edges[from] = append(c.edges[from], to)
	if !c.states.Has(to) {
		v.add(asl.SeverityError, asl.CodeMissingTransitionTarget, loc, "Missing 'Next' target: %s", to)
	}
}

// requireFields reports the fields of names missing from obj, all in one
// diagnostic, as AWS does.
func (v *validator) requireFields(obj *jsonvalue.Object, loc string, names ...string) bool {
	var missing []string
	for _, n := range names {
		if !obj.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		v.schema(loc, "These fields are required: [%s]", strings.Join(missing, ", "))
		return false
	}
	return true
}

// exclusive reports when more than one of names is present in obj.
func (v *validator) exclusive(obj *jsonvalue.Object, loc string, names ...string) bool {
	var present []string
	for _, n := range names {
		if obj.Has(n) {
			present = append(present, n)
		}
	}
	if len(present) > 1 {
		v.schema(loc, "These fields are mutually exclusive: [%s]", strings.Join(present, ", "))
		return false
	}
	return true
}

func (v *validator) optString(obj *jsonvalue.Object, loc, key string) (string, bool) {
	raw, ok := obj.Get(key)
	if !ok {
		return "", false
	}
	s, isStr := raw.(string)
	if !isStr {
		v.schema(lintAt(lintNoRoot(loc), key), "Expected value of type [STRING]")
		return "", false
	}
	return s, true
}

// lintNoRoot maps the "/" location of the top level back to the empty prefix
// JSON pointers of its fields start from.
func lintNoRoot(loc string) string {
	if loc == "/" {
		return ""
	}
	return loc
}

// intRange checks that raw is an integer in [min, max].
func (v *validator) intRange(raw any, loc string, min, max int64) bool {
	if !jsonvalue.IsNumber(raw) || !lintIsWhole(raw) {
		v.schema(loc, "Expected value of type [INTEGER]")
		return false
	}
	// an integer beyond int64 is still an integer: compare as numbers
	switch {
	case jsonvalue.CompareNumbers(raw, jsonvalue.Int(min)) < 0:
		v.schema(loc, "Minimum value is %d", min)
		return false
	case jsonvalue.CompareNumbers(raw, jsonvalue.Int(max)) > 0:
		v.schema(loc, "Maximum value is %d", max)
		return false
	}
	return true
}

// lintIsWhole reports whether a number is written as an integer (a Number
// without fraction or exponent), or is a whole number of another Go type.
func lintIsWhole(raw any) bool {
	switch x := raw.(type) {
	case jsonvalue.Number:
		return x.IsInteger()
	case int, int64:
		return true
	case float64:
		return x == float64(int64(x))
	}
	return false
}

// numberRange checks that raw is a number in [min, max].
func (v *validator) numberRange(raw any, loc string, min, max float64) bool {
	f, ok := jsonvalue.ToFloat(raw)
	if !ok {
		v.schema(loc, "Expected value of type [NUMBER]")
		return false
	}
	switch {
	case f < min:
		v.schema(loc, "Minimum value is %s", lintFormatNumber(min))
		return false
	case f > max:
		v.schema(loc, "Maximum value is %s", lintFormatNumber(max))
		return false
	}
	return true
}

func lintFormatNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func lintSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// lintPointerEscape escapes a key for use in a JSON pointer (RFC 6901).
func lintPointerEscape(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
