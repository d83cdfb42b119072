// Package aslerr names the errors of the Amazon States Language and carries a
// failure (an error name and a cause) as data, the way Step Functions reports it
// in history and in DescribeExecution.
//
// It is a leaf: the model, the query languages, the interpreter and the runners
// all use it, so a name like States.Timeout is written once.
package aslerr

import "fmt"

// The predefined error names of the States Language.
const (
	All                             = "States.ALL"
	DataLimitExceeded               = "States.DataLimitExceeded"
	ExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	HeartbeatTimeout                = "States.HeartbeatTimeout"
	HTTPSocket                      = "States.Http.Socket"
	IntrinsicFailure                = "States.IntrinsicFailure"
	ItemReaderFailed                = "States.ItemReaderFailed"
	NoChoiceMatched                 = "States.NoChoiceMatched"
	ParameterPathFailure            = "States.ParameterPathFailure"
	Permissions                     = "States.Permissions"
	QueryEvaluationError            = "States.QueryEvaluationError"
	ResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ResultWriterFailed              = "States.ResultWriterFailed"
	Runtime                         = "States.Runtime"
	TaskFailed                      = "States.TaskFailed"
	Timeout                         = "States.Timeout"
	BranchFailed                    = "States.BranchFailed"
)

// HTTPStatus returns the error name of an HTTP Task answered with status code
// (States.Http.StatusCode.404).
func HTTPStatus(code int) string { return fmt.Sprintf("States.Http.StatusCode.%d", code) }

// Failure is an error in the States Language sense: a name that Retry and Catch
// match, and a human-readable cause. It implements error so it travels through Go
// code like any other error; errors.As recovers it.
type Failure struct {
	Name  string // the error name, e.g. States.Runtime or a function's errorType
	Cause string // free text; may be empty
	// Heartbeat marks a task's missed heartbeat. AWS records it as
	// States.Timeout (the Name), and Retry and Catch that name
	// States.HeartbeatTimeout match it too, as its documentation says of that
	// name ("only available inside the Catch and Retry fields").
	Heartbeat bool
	// ErrorNull and CauseNull mark a failure given without an error or a
	// cause (a SendTaskFailure without them): a Catch hands on null for
	// them, as AWS does, where a cause that is merely empty is "".
	ErrorNull, CauseNull bool
}

// New returns a failure with the given name and cause.
func New(name, cause string) *Failure { return &Failure{Name: name, Cause: cause} }

// Newf returns a failure whose cause is formatted.
func Newf(name, format string, args ...any) *Failure {
	return &Failure{Name: name, Cause: fmt.Sprintf(format, args...)}
}

func (f *Failure) Error() string {
	if f.Cause == "" {
		return f.Name
	}
	return f.Name + ": " + f.Cause
}

// Matches reports whether a Retry or Catch ErrorEquals list matches the error
// name, as AWS defines it: an exact match; States.ALL, which matches every error
// except the terminal ones; States.TaskFailed, which matches every error except
// States.Timeout and the terminal ones.
func Matches(errorEquals []string, name string) bool {
	return matches(errorEquals, name, Terminal(name))
}

// MatchesTaskFailure is Matches for a task's own failure that Retry and Catch
// take even though its name is a terminal one: a result over the payload
// quota (States.DataLimitExceeded), which AWS's recordings show States.ALL
// catching like any other task failure.
func MatchesTaskFailure(errorEquals []string, name string) bool {
	return matches(errorEquals, name, false)
}

func matches(errorEquals []string, name string, terminal bool) bool {
	for _, e := range errorEquals {
		switch e {
		case name:
			return true
		case All:
			if !terminal {
				return true
			}
		case TaskFailed:
			if name != Timeout && !terminal {
				return true
			}
		}
	}
	return false
}

// Terminal reports whether an error ends the execution whatever its Retry and
// Catch say: States.Runtime (AWS: "isn't retriable, and will always cause the
// execution to fail") and States.DataLimitExceeded.
func Terminal(name string) bool {
	return name == Runtime || name == DataLimitExceeded
}
