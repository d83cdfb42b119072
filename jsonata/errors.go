package jsonata

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Error is a JSONata error: a static error found by Compile (S0xxx), a type
// error (T0xxx) or a dynamic error (D0xxx) raised by Evaluate, or a limit
// reached (D1011 depth, D1012 time). Code, Token and Message are those of
// jsonata-js 2.2 for the same expression and input.
type Error struct {
	// Code is the JSONata error code, such as "S0201" or "T2001".
	Code string
	// Position is the offset in the expression, in UTF-16 code units as
	// jsonata-js counts, just after the token the error is about; 0 when
	// unknown.
	Position int
	// Token is the token or the name of the function the error is about ("+",
	// "substring"), or "" when there is none.
	Token string
	// Value is the offending value, if any (Undefined when there is none).
	Value any
	// Value2 is the second offending value of errors about two values (T2007,
	// T2009), Undefined otherwise.
	Value2 any
	// Index is the 1-based argument index of function argument errors (T04xx,
	// D3040...), or 0.
	Index int
	// Message is the human-readable message, jsonata-js's text with the
	// details filled in.
	Message string
	// Err is the error a custom function returned, for code "U0000".
	Err error

	// tok is the raw token (a string, number, bool or nil) as jsonata-js
	// renders it in messages.
	tok any
	// extra inserts of a few messages.
	typ, fnName, exp string
	// hasPos records that Position was set (jsonata-js only adds a position to
	// errors that have none).
	hasPos bool
	// bytePos records that Position is still a byte offset in the source.
	bytePos bool
}

// Error returns the code and message, e.g. "T2001: The left side of the +
// operator must evaluate to a number".
func (e *Error) Error() string {
	return e.Code + ": " + e.message()
}

// messages are jsonata-js's templates: {{x}} is replaced by the JSON text of
// field x, {{{x}}} by its raw text.
var messages = map[string]string{
	"S0101": "String literal must be terminated by a matching quote",
	"S0102": "Number out of range: {{token}}",
	"S0103": "Unsupported escape sequence: \\{{token}}",
	"S0104": "The escape sequence \\u must be followed by 4 hex digits",
	"S0105": "Quoted property name must be terminated with a backquote (`)",
	"S0106": "Comment has no closing tag",
	"S0201": "Syntax error: {{token}}",
	"S0202": "Expected {{value}}, got {{token}}",
	"S0203": "Expected {{value}} before end of expression",
	"S0204": "Unknown operator: {{token}}",
	"S0205": "Unexpected token: {{token}}",
	"S0206": "Unknown expression type: {{token}}",
	"S0207": "Unexpected end of expression",
	"S0208": "Parameter {{value}} of function definition must be a variable name (start with $)",
	"S0209": "A predicate cannot follow a grouping expression in a step",
	"S0210": "Each step can only have one grouping expression",
	"S0211": "The symbol {{token}} cannot be used as a unary operator",
	"S0212": "The left side of := must be a variable name (start with $)",
	"S0213": "The literal value {{value}} cannot be used as a step within a path expression",
	"S0214": "The right side of {{token}} must be a variable name (start with $)",
	"S0215": "A context variable binding must precede any predicates on a step",
	"S0216": "A context variable binding must precede the 'order-by' clause on a step",
	"S0217": "The object representing the 'parent' cannot be derived from this expression",
	"S0218": "The expression is nested more than {{value}} levels deep",
	"S0301": "Empty regular expressions are not allowed",
	"S0302": "No terminating / in regular expression",
	"S0303": "Invalid or unsupported regular expression: {{value}}",
	"S0402": "Choice groups containing parameterized types are not supported",
	"S0401": "Type parameters can only be applied to functions and arrays",
	"S0500": "Attempted to evaluate an expression containing syntax error(s)",
	"T0410": "Argument {{index}} of function {{token}} does not match function signature",
	"T0411": "Context value is not a compatible type with argument {{index}} of function {{token}}",
	"T0412": "Argument {{index}} of function {{token}} must be an array of {{type}}",
	"D1001": "Number out of range: {{value}}",
	"D1002": "Cannot negate a non-numeric value: {{value}}",
	"T1003": "Key in object structure must evaluate to a string; got: {{value}}",
	"D1004": "Regular expression matches zero length string",
	"T1005": "Attempted to invoke a non-function. Did you mean ${{{token}}}?",
	"T1006": "Attempted to invoke a non-function",
	"T1007": "Attempted to partially apply a non-function. Did you mean ${{{token}}}?",
	"T1008": "Attempted to partially apply a non-function",
	"D1009": "Multiple key definitions evaluate to same key: {{value}}",
	"T1010": "The matcher function argument passed to function {{token}} does not return the correct object structure",
	"D1011": "Stack overflow. Check for non-terminating recursive function.  Consider rewriting as tail-recursive",
	"D1012": "Evaluation timeout after {{value}} milliseconds. Check for infinite loop",
	"D1013": "Object property names starting with _jsonata_ are reserved for internal use: {{value}}",
	"T2001": "The left side of the {{token}} operator must evaluate to a number",
	"T2002": "The right side of the {{token}} operator must evaluate to a number",
	"T2003": "The left side of the range operator (..) must evaluate to an integer",
	"T2004": "The right side of the range operator (..) must evaluate to an integer",
	"D2005": "The left side of := must be a variable name (start with $)",
	"T2006": "The right side of the function application operator ~> must be a function",
	"T2007": "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause",
	"T2008": "The expressions within an order-by clause must evaluate to numeric or string values",
	"T2009": "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type",
	"T2010": "The expressions either side of operator {{token}} must evaluate to numeric or string values",
	"T2011": "The insert/update clause of the transform expression must evaluate to an object: {{value}}",
	"T2012": "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}",
	"T2013": "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function.",
	"U2001": "The evaluation was given no clock: $now() and $millis() need one",
	"U2002": "The evaluation was given no source of random numbers: $random() and $shuffle() need one",
	"D2014": "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}.",
	"D2015": "The maximum sequence length of {{value}} was exceeded.",
	"D2016": "The maximum string length of {{value}} was exceeded.",
	"D3001": "Attempting to invoke string function on Infinity or NaN",
	"D3010": "Second argument of replace function cannot be an empty string",
	"D3011": "Fourth argument of replace function must evaluate to a positive number",
	"D3012": "Attempted to replace a matched string with a non-string value",
	"D3020": "Third argument of split function must evaluate to a positive number",
	"D3030": "Unable to cast value to a number: {{value}}",
	"D3040": "Third argument of match function must evaluate to a positive number",
	"D3050": "The second argument of reduce function must be a function with at least two arguments",
	"D3060": "The sqrt function cannot be applied to a negative number: {{value}}",
	"D3061": "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{exp}}",
	"D3070": "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
	"D3080": "The picture string must only contain a maximum of two sub-pictures",
	"D3081": "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
	"D3082": "The sub-picture must not contain more than one instance of the 'percent' character",
	"D3083": "The sub-picture must not contain more than one instance of the 'per-mille' character",
	"D3084": "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
	"D3085": "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
	"D3086": "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character",
	"D3087": "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character",
	"D3088": "The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
	"D3089": "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character",
	"D3090": "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'",
	"D3091": "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'",
	"D3092": "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'",
	"D3093": "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
	"D3100": "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}",
	"D3110": "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}",
	"D3120": "Syntax error in expression passed to function eval: {{value}}",
	"D3121": "Dynamic error evaluating the expression passed to function eval: {{value}}",
	"D3130": "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation",
	"D3131": "In a decimal digit pattern, all digits must be from the same decimal group",
	"D3132": "Unknown component specifier {{value}} in date/time picture string",
	"D3133": "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}",
	"D3134": "The timezone integer format specifier cannot have more than four digits",
	"D3135": "No matching closing bracket ']' in date/time picture string",
	"D3136": "The date/time picture string is missing specifiers required to parse the timestamp",
	"D3137": "{{{message}}}",
	"D3138": "The $single() function expected exactly 1 matching result.  Instead it matched more.",
	"D3139": "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
	"D3140": "Malformed URL passed to ${{{functionName}}}(): {{value}}",
	"D3141": "{{{message}}}",
}

var insertPattern = regexp.MustCompile(`\{\{\{([^}]+)\}\}\}|\{\{([^}]+)\}\}`)

// message fills in the template of the error's code. An error whose code has no
// template (a custom function's error) keeps its Message.
func (e *Error) message() string {
	tmpl, ok := messages[e.Code]
	if !ok {
		return e.Message
	}
	if !strings.Contains(tmpl, "{{") {
		return tmpl
	}
	return insertPattern.ReplaceAllStringFunc(tmpl, func(m string) string {
		raw := strings.HasPrefix(m, "{{{")
		name := strings.Trim(m, "{}")
		var v any = Undefined
		switch name {
		case "token":
			v = e.tok
			if IsUndefined(v) && e.Token != "" {
				v = e.Token
			}
		case "value":
			v = e.Value
		case "value2":
			v = e.Value2
		case "index":
			v = float64(e.Index)
		case "type":
			v = e.typ
		case "exp":
			v = e.exp
			if e.exp == "" {
				v = Undefined
			} else {
				return e.exp
			}
		case "message":
			v = e.Message
		case "functionName":
			v = e.fnName
		}
		if raw {
			if s, ok := v.(string); ok {
				return s
			}
		}
		return stringifyForMessage(v)
	})
}

// stringifyForMessage renders v as JSON.stringify does inside jsonata-js's
// messages: undefined and functions as "undefined".
func stringifyForMessage(v any) string {
	switch v.(type) {
	case undefinedType:
		return "undefined"
	case nil:
		return "null"
	}
	if isFunction(v) {
		return "undefined"
	}
	b, err := stringifyJSON(nil, v, "", false)
	if err != nil {
		return "undefined"
	}
	return string(b)
}

// newError returns an error with code and value; other fields are set by the
// caller.
func newError(code string, value any) *Error {
	return &Error{Code: code, Value: value, Value2: Undefined, tok: Undefined}
}

// errAt returns an error with code at byte position pos of the expression.
func errAt(code string, pos int, tok any) *Error {
	e := &Error{Code: code, Value: Undefined, Value2: Undefined, Position: pos, hasPos: true, bytePos: true}
	e.setToken(tok)
	return e
}

// setToken sets the token: Undefined for none, or the token's value (a
// string, or the number, boolean or null of a literal).
func (e *Error) setToken(tok any) {
	e.tok = tok
	switch t := tok.(type) {
	case string:
		e.Token = t
	case nil:
		e.Token = "null"
	case undefinedType:
		e.Token = ""
	default:
		e.Token = stringifyForMessage(t)
	}
}

func (e *Error) setPos(pos int) {
	e.Position = pos
	e.hasPos = true
	e.bytePos = true
}

// finish converts the byte position to UTF-16 units of src and fills in the
// message.
func (e *Error) finish(src string) *Error {
	e.Value, e.Value2 = jsonOf(e.Value), jsonOf(e.Value2)
	if e.bytePos {
		e.Position = utf16Offset(src, e.Position)
		e.bytePos = false
	}
	if _, ok := messages[e.Code]; ok {
		e.Message = e.message()
	}
	return e
}

// utf16Offset converts byte offset b of s to a count of UTF-16 code units.
func utf16Offset(s string, b int) int {
	if b > len(s) {
		return b - len(s) + utf16Offset(s, len(s))
	}
	n := 0
	for i := 0; i < b; {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// asJSONataError returns err as an *Error, wrapping foreign errors (from
// custom functions) with code "U0000".
func asJSONataError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Code: "U0000", Message: err.Error(), Value: Undefined, Value2: Undefined, tok: Undefined, Err: err}
}

// Unwrap returns the error a custom function returned, if this is its
// wrapper (code "U0000").
func (e *Error) Unwrap() error { return e.Err }
