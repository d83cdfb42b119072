package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/service"
)

// The error codes stepd answers, as the AWS SDKs name them (the part of
// "__type" after '#'). Those of the Step Functions model come first.
const (
	CodeActivityDoesNotExist         = "ActivityDoesNotExist"
	CodeExecutionAlreadyExists       = "ExecutionAlreadyExists"
	CodeExecutionDoesNotExist        = "ExecutionDoesNotExist"
	CodeExecutionNotRedrivable       = "ExecutionNotRedrivable"
	CodeInvalidArn                   = "InvalidArn"
	CodeInvalidDefinition            = "InvalidDefinition"
	CodeInvalidExecutionInput        = "InvalidExecutionInput"
	CodeInvalidLoggingConfiguration  = "InvalidLoggingConfiguration"
	CodeInvalidName                  = "InvalidName"
	CodeInvalidOutput                = "InvalidOutput"
	CodeInvalidToken                 = "InvalidToken"
	CodeMissingRequiredParameter     = "MissingRequiredParameter"
	CodeResourceNotFound             = "ResourceNotFound"
	CodeStateMachineAlreadyExists    = "StateMachineAlreadyExists"
	CodeStateMachineDoesNotExist     = "StateMachineDoesNotExist"
	CodeStateMachineTypeNotSupported = "StateMachineTypeNotSupported"
	CodeTaskDoesNotExist             = "TaskDoesNotExist"
	CodeTaskTimedOut                 = "TaskTimedOut"
	CodeTooManyTags                  = "TooManyTags"
	CodeValidationException          = "ValidationException"

	// CodeSerializationException: the body is not JSON, or a field has the
	// wrong JSON type (AWS's protocol layer answers the same).
	CodeSerializationException = "SerializationException"
	// CodeUnknownOperation: X-Amz-Target names no Step Functions action.
	CodeUnknownOperation = "UnknownOperationException"
	// CodeUnsupportedOperation: a Step Functions action stepd does not
	// implement yet (versions, aliases, Map Runs, redrive, TestState). HTTP 400,
	// so that no SDK retries it.
	CodeUnsupportedOperation = "UnsupportedOperation"
	// CodeInternalFailure: a failure inside stepd (HTTP 500), logged with its
	// cause.
	CodeInternalFailure = "InternalFailure"
	// CodeServiceUnavailable: stepd is shutting down (HTTP 503; SDKs retry it).
	CodeServiceUnavailable = "ServiceUnavailable"
)

// Error namespaces of "__type": Step Functions' own errors, and those of AWS's
// protocol layer.
const (
	nsStates = "com.amazonaws.states"
	nsCoral  = "com.amazon.coral.service"
)

// apiError is an error answered to the client in AWS's JSON shape:
// {"__type": "<namespace>#<code>", "message": "..."}.
type apiError struct {
	status  int
	ns      string
	code    string
	message string
	// resourceName is set for ResourceNotFound and TooManyTags, whose shapes
	// carry it.
	resourceName string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// errorf returns a Step Functions error (HTTP 400).
func errorf(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, ns: nsStates, code: code, message: fmt.Sprintf(format, args...)}
}

func serializationError(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, ns: nsCoral, code: CodeSerializationException, message: fmt.Sprintf(format, args...)}
}

func unsupported(action, what string) *apiError {
	return &apiError{status: http.StatusBadRequest, ns: nsCoral, code: CodeUnsupportedOperation,
		message: fmt.Sprintf("stepd does not support %s yet (%s)", action, what)}
}

var errStopping = &apiError{status: http.StatusServiceUnavailable, ns: nsCoral, code: CodeServiceUnavailable,
	message: "stepd is shutting down; try again"}

// maxQuoted is how many characters of a value a message quotes; a longer
// value is cut, and the cut marked with "...".
const maxQuoted = service.MaxQuoted

// clip shortens a value quoted in a message to maxQuoted characters (a
// 7 MiB name is not echoed back whole).
func clip(s string) string { return clipTo(s, maxQuoted) }

// clipTo shortens s to max characters, marking the cut with "..."
// (service.Clip).
func clipTo(s string, max int) string { return service.Clip(s, max) }

// AWS's messages for the errors it names a resource in.
func invalidArn(reason string) *apiError {
	return errorf(CodeInvalidArn, "Invalid Arn: '%s'", clipTo(reason, 2*maxQuoted))
}
func invalidName(name string) *apiError {
	return errorf(CodeInvalidName, "Invalid Name: '%s'", clip(name))
}
func invalidToken() *apiError { return errorf(CodeInvalidToken, "Invalid Token: 'Invalid token'") }
func machineNotFound(arn string) *apiError {
	return errorf(CodeStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", clip(arn))
}
func executionNotFound(arn string) *apiError {
	return errorf(CodeExecutionDoesNotExist, "Execution Does Not Exist: '%s'", clip(arn))
}
func activityNotFound(arn string) *apiError {
	return errorf(CodeActivityDoesNotExist, "Activity Does Not Exist: '%s'", clip(arn))
}
func resourceNotFound(arn string) *apiError {
	e := errorf(CodeResourceNotFound, "Resource not found: '%s'", clip(arn))
	e.resourceName = arn
	return e
}
func tooManyTags(arn string) *apiError {
	e := errorf(CodeTooManyTags, "Too many tags: a resource can have at most %d tags", maxTags)
	e.resourceName = arn
	return e
}
func typeNotSupported() *apiError {
	return errorf(CodeStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
}
func invalidInput(reason string) *apiError {
	return errorf(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", clipTo(reason, 2*maxQuoted))
}

// maxListed is how many problems a message lists (its count says how many
// there are).
const maxListed = 50

// invalidDefinition words a definition's errors as CreateStateMachine does:
// one diagnostic as 'CODE: message at /location'; several each quoted, joined
// by ", ", the whole quoted again.
func invalidDefinition(err error) *apiError {
	var de *asl.DefinitionError
	if !errors.As(err, &de) || len(de.Diagnostics) == 0 {
		return errorf(CodeInvalidDefinition, "Invalid State Machine Definition: '%s'", clipTo(err.Error(), 2*maxQuoted))
	}
	parts := make([]string, 0, min(len(de.Diagnostics), maxListed+1))
	for i, d := range de.Diagnostics {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(de.Diagnostics)-maxListed))
			break
		}
		p := d.Code + ": " + d.Message
		if d.Location != "" {
			p += " at " + d.Location
		}
		parts = append(parts, clipTo(p, 2*maxQuoted))
	}
	if len(parts) == 1 {
		return errorf(CodeInvalidDefinition, "Invalid State Machine Definition: '%s'", parts[0])
	}
	return errorf(CodeInvalidDefinition, "Invalid State Machine Definition: ''%s''", strings.Join(parts, "', '"))
}

// apiErrorOf answers a refusal of the service (an *engine.ServiceError) as
// the API's error of the same code and message; other errors are returned as
// they are.
func apiErrorOf(err error) error {
	var se *engine.ServiceError
	if errors.As(err, &se) {
		return errorf(se.Code, "%s", se.Message)
	}
	return err
}

// engineError maps the engine's sentinel errors and the service's refusals;
// anything else is internal.
func engineError(err error, arn string) error {
	var se *engine.ServiceError
	switch {
	case errors.As(err, &se):
		return errorf(se.Code, "%s", se.Message)
	case errors.Is(err, engine.ErrExecutionDoesNotExist):
		return executionNotFound(arn)
	case errors.Is(err, engine.ErrExecutionExists):
		return errorf(CodeExecutionAlreadyExists, "Execution Already Exists: '%s'", arn)
	case errors.Is(err, engine.ErrTaskDoesNotExist):
		// AWS answers a token it does not know so (boto3 against AWS).
		return invalidToken()
	case errors.Is(err, engine.ErrTaskTimedOut):
		return errorf(CodeTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	case errors.Is(err, engine.ErrInvalidToken):
		return invalidToken()
	case errors.Is(err, engine.ErrStopping):
		return errStopping
	}
	return err
}

// validation collects the request's constraint violations and words them as
// AWS's protocol layer does: "2 validation errors detected: Value 'x' at
// 'name' failed to satisfy constraint: Member must ...; Value ...".
type validation struct {
	msgs []string
}

func (v *validation) fail(value, field, constraint string) {
	if value != "" {
		value += " "
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %sat '%s' failed to satisfy constraint: Member %s", value, field, constraint))
}

// quote renders a value in a message: 'value' (clipped to maxQuoted
// characters), or nothing for sensitive members, whose values AWS never
// echoes.
func quote(s string, sensitive bool) string {
	if sensitive {
		return ""
	}
	return "'" + clip(s) + "'"
}

// required checks a member is present.
func (v *validation) required(field string, present bool) {
	if !present {
		v.msgs = append(v.msgs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	}
}

// length checks the length (in characters) of a present string.
func (v *validation) length(field string, s *string, min, max int, sensitive bool) {
	if s == nil {
		return
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case n < min:
		v.fail(quote(*s, sensitive), field, fmt.Sprintf("must have length greater than or equal to %d", min))
	case max > 0 && n > max:
		v.fail(quote(*s, sensitive), field, fmt.Sprintf("must have length less than or equal to %d", max))
	}
}

// rangeInt checks a present integer.
func (v *validation) rangeInt(field string, n *int64, min, max int64) {
	if n == nil {
		return
	}
	switch {
	case *n < min:
		v.fail(fmt.Sprintf("'%d'", *n), field, fmt.Sprintf("must have value greater than or equal to %d", min))
	case *n > max:
		v.fail(fmt.Sprintf("'%d'", *n), field, fmt.Sprintf("must have value less than or equal to %d", max))
	}
}

// enum checks a present string is one of set.
func (v *validation) enum(field string, s *string, set ...string) {
	if s == nil {
		return
	}
	for _, x := range set {
		if *s == x {
			return
		}
	}
	v.fail(quote(*s, false), field, "must satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

// err returns the ValidationException of what was collected, or nil. It
// lists at most maxListed of them.
func (v *validation) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errorf(CodeValidationException, "1 validation error detected: %s", v.msgs[0])
	}
	listed := v.msgs
	if len(listed) > maxListed {
		listed = append(listed[:maxListed:maxListed], fmt.Sprintf("and %d more", len(v.msgs)-maxListed))
	}
	// Each value is quoted whole up to maxQuoted characters; the list as a
	// whole is bounded too.
	return errorf(CodeValidationException, "%d validation errors detected: %s", len(v.msgs), clipTo(strings.Join(listed, "; "), maxMessage))
}

// maxMessage bounds a message that lists several problems.
const maxMessage = 8 * maxQuoted
