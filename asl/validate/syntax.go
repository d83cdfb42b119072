package validate

import (
	"unicode"

	"github.com/stepd/stepd/asl/intrinsic"
	"github.com/stepd/stepd/asl/jsonpath"
)

// The validator's view of JSONPath and intrinsic function syntax is the one the
// model compiles with, so that what validates also builds: these wrappers hand
// over to asl/jsonpath and asl/intrinsic.

// lintCheckPath reports whether s is a JSONPath as Step Functions reads one in
// InputPath, OutputPath and "key.$" template fields: a root ($ for the input, $$
// for the context object, $name for a variable) and Jayway segments.
func lintCheckPath(s string) error {
	_, err := jsonpath.Compile(s)
	return err
}

// lintCheckReferencePath reports whether s is a Reference Path: a root followed
// only by named fields and non-negative array indexes, naming one value.
func lintCheckReferencePath(s string) error {
	_, err := jsonpath.CompileReference(s)
	return err
}

// lintIsIntrinsicCall reports whether s is written as an intrinsic function
// call.
func lintIsIntrinsicCall(s string) bool {
	return intrinsic.IsCall(s)
}

// lintCheckIntrinsic parses an intrinsic function call and checks what can be
// checked without the input: the function, its argument count, the types of
// literal arguments and the escapes of string literals.
func lintCheckIntrinsic(s string) error {
	_, err := intrinsic.Parse(s)
	return err
}

func lintIsIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}
