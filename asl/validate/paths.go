package validate

import (
	"github.com/stepd/stepd/asl"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

// Kinds of path fields, for pathField.
const (
	// lintPathNullable: null is allowed (InputPath, OutputPath, ResultPath).
	lintPathNullable = 1 << iota
	// lintPathResult: a ResultPath, a Reference Path into the state's output that
	// cannot start from the context object or a variable.
	lintPathResult
	// lintPathIntrinsic: an intrinsic function call is allowed (ErrorPath,
	// CausePath).
	lintPathIntrinsic
)

// pathField checks a path-valued field. InputPath and OutputPath take any
// JSONPath; every other ...Path field takes a Reference Path, which names one
// value ($.a.b, $['a'][0], $$.Execution.Id, $variable.x).
func (v *validator) pathField(raw any, loc, field string, kind int) {
	if raw == nil {
		if kind&lintPathNullable == 0 {
			v.schema(loc, "The value for the field '%s' must not be null", field)
		}
		return
	}
	s, ok := raw.(string)
	if !ok {
		v.schema(loc, "Expected value of type [STRING]")
		return
	}
	switch {
	case field == "InputPath" || field == "OutputPath":
		if lintCheckPath(s) != nil {
			v.schema(loc, "The value for the field '%s' must be a valid JSONPath", field)
		}
	case kind&lintPathResult != 0:
		if lintCheckReferencePath(s) != nil || !strings.HasPrefix(s, "$") || strings.HasPrefix(s, "$$") || lintIsVariablePath(s) {
			v.schema(loc, "The value for the field '%s' must be a valid reference path", field)
		}
	case kind&lintPathIntrinsic != 0 && lintIsIntrinsicCall(s):
		if lintCheckIntrinsic(s) != nil {
			v.schema(loc, "The value for the field '%s' must be a valid reference path or a valid intrinsic function call", field)
		}
	default:
		if lintCheckReferencePath(s) != nil {
			v.schema(loc, "The value for the field '%s' must be a valid reference path", field)
		}
	}
}

// lintIsVariablePath reports whether a path starts from a workflow variable
// ($name) rather than the input ($) or the context object ($$).
func lintIsVariablePath(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) > 1 && s[0] == '$' && lintIsIdentStart(rune(s[1]))
}

// payloadTemplate checks a JSONPath payload template (Parameters,
// ResultSelector, ItemSelector, ...): every key ending in ".$" must hold a path
// or an intrinsic function call, and no key may appear both with and without the
// suffix in one object.
func (v *validator) payloadTemplate(raw any, loc string) {
	switch x := raw.(type) {
	case *jsonvalue.Object:
		for i, k := range x.Keys() {
			_, val := x.At(i)
			kloc := lintAt(loc, k)
			if strings.HasSuffix(k, ".$") && len(k) > 2 {
				v.dynamicValue(val, kloc, k)
				continue
			}
			if s, ok := val.(string); ok && lintLooksLikePath(s) {
				v.warn(asl.CodeNoDollar, kloc,
					"The value of the field '%s' looks like a JSONPath or an intrinsic function, but the field name does not end with '.$': it is taken as a literal string", k)
			}
			v.payloadTemplate(val, kloc)
		}
		v.templateDuplicates(x, loc)
	case []any:
		for i, e := range x {
			v.payloadTemplate(e, lintIndex(loc, i))
		}
	}
}

// dynamicValue checks the value of a "key.$" template field.
func (v *validator) dynamicValue(val any, loc, key string) {
	s, ok := val.(string)
	if ok && lintIsIntrinsicCall(s) {
		if lintCheckIntrinsic(s) == nil {
			return
		}
	} else if ok && lintCheckPath(s) == nil {
		return
	}
	v.schema(loc, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", key)
}

// templateDuplicates reports a key given both as "k" and as "k.$": both would
// produce the field k.
func (v *validator) templateDuplicates(o *jsonvalue.Object, loc string) {
	for _, k := range o.Keys() {
		if strings.HasSuffix(k, ".$") && len(k) > 2 && o.Has(strings.TrimSuffix(k, ".$")) {
			base := strings.TrimSuffix(k, ".$")
			v.schema(lintAt(loc, k), "Duplicate field '%s': the template has both '%s' and '%s'", base, base, k)
		}
	}
}

// lintIsRFC3339 reports whether s is an RFC 3339 date-time, as Wait's Timestamp
// and the Timestamp comparisons require: 2016-03-14T01:59:00Z,
// 2016-03-14T01:59:00.123456789+02:00.
func lintIsRFC3339(s string) bool {
	// date-full-year "-" date-month "-" date-mday "T" time-hour ":" time-minute ":" time-second
	if len(s) < 20 {
		return false
	}
	digits := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := digits(0, 4)
	month, ok2 := digits(5, 7)
	day, ok3 := digits(8, 10)
	hour, ok4 := digits(11, 13)
	minute, ok5 := digits(14, 16)
	second, ok6 := digits(17, 19)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return false
	}
	if month < 1 || month > 12 || day < 1 || day > lintDaysIn(year, month) || hour > 23 || minute > 59 || second > 59 {
		return false
	}
	rest := s[19:]
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z" || rest == "z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := lintDigits(rest[1:3])
		om, ok2 := lintDigits(rest[4:6])
		return ok1 && ok2 && oh <= 23 && om <= 59
	}
	return false
}

func lintDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

func lintDaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
