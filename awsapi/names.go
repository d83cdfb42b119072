package awsapi

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// validName reports whether s is a valid name for a state machine, an
// execution or an activity: 1 to 80 characters of valid UTF-8, none of them
// white space, brackets < > { } [ ], wildcards ? *, the specials " # % \ ^ |
// ~ ` $ & , ; : /, or control characters (U+0000-001F, U+007F-009F), as on
// AWS. Beyond AWS, format characters (Unicode's Cf: bidirectional overrides
// and isolates, zero-width spaces and joiners, the BOM) and U+FFFD (what
// invalid UTF-8 decodes to) are refused too, so that a name cannot look like
// another one.
func validName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 80 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r <= 0x1f || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune(`<>{}[]?*"#%\^|~`+"`"+`$&,;:/`, r) ||
			r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// Resource types of Step Functions ARNs.
const (
	typeStateMachine = "stateMachine"
	typeExecution    = "execution"
	typeExpress      = "express"
	typeActivity     = "activity"
)

// statesARN is a parsed Step Functions ARN:
// arn:<partition>:states:<region>:<account>:<type>:<resource>.
type statesARN struct {
	typ      string
	resource string // everything after "<type>:"
}

// parseARN parses a Step Functions ARN and checks its resource type is one of
// types, with AWS's messages: "Invalid ARN prefix: <arn>" for what is not a
// Step Functions ARN, "Resource type not valid in this context: <type>" for
// the wrong kind of resource.
func parseARN(s string, types ...string) (statesARN, error) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[1] == "" || parts[2] != "states" || parts[6] == "" {
		return statesARN{}, invalidArn("Invalid ARN prefix: " + s)
	}
	a := statesARN{typ: parts[5], resource: parts[6]}
	for _, t := range types {
		if a.typ == t {
			return a, nil
		}
	}
	return a, invalidArn("Resource type not valid in this context: " + strings.ToLower(a.typ))
}

// validRoleARN reports whether s has the form of an ARN (arn:<partition>:
// <service>:<region>:<account>:<resource>); stepd does not assume roles, so it
// checks no more.
func validRoleARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != "" && parts[5] != ""
}
