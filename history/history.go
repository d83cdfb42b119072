// Package history defines the events of an execution's history, shaped as
// GetExecutionHistory returns them: each event has an id, the id of the event
// before it, a timestamp, a type, and the details object that goes with its type
// (stateEnteredEventDetails, taskScheduledEventDetails, ...).
//
// An Event is a flat struct: the fields its type does not use stay zero, and
// AppendJSON writes only the details its type has. Inputs and outputs are kept as
// JSON values and only encoded when the event is written, so recording history
// costs no serialization on the interpreter's hot path.
package history

import (
	"strconv"
	"time"

	"github.com/stepd/stepd/jsonvalue"
)

// Type is an event type, named as in the Step Functions API.
type Type string

// The event types of the Step Functions API.
const (
	ActivityFailed               Type = "ActivityFailed"
	ActivityScheduled            Type = "ActivityScheduled"
	ActivityScheduleFailed       Type = "ActivityScheduleFailed"
	ActivityStarted              Type = "ActivityStarted"
	ActivitySucceeded            Type = "ActivitySucceeded"
	ActivityTimedOut             Type = "ActivityTimedOut"
	ChoiceStateEntered           Type = "ChoiceStateEntered"
	ChoiceStateExited            Type = "ChoiceStateExited"
	EvaluationFailed             Type = "EvaluationFailed"
	ExecutionAborted             Type = "ExecutionAborted"
	ExecutionFailed              Type = "ExecutionFailed"
	ExecutionStarted             Type = "ExecutionStarted"
	ExecutionSucceeded           Type = "ExecutionSucceeded"
	ExecutionTimedOut            Type = "ExecutionTimedOut"
	ExecutionRedriven            Type = "ExecutionRedriven"
	FailStateEntered             Type = "FailStateEntered"
	LambdaFunctionFailed         Type = "LambdaFunctionFailed"
	LambdaFunctionScheduled      Type = "LambdaFunctionScheduled"
	LambdaFunctionScheduleFailed Type = "LambdaFunctionScheduleFailed"
	LambdaFunctionStarted        Type = "LambdaFunctionStarted"
	LambdaFunctionStartFailed    Type = "LambdaFunctionStartFailed"
	LambdaFunctionSucceeded      Type = "LambdaFunctionSucceeded"
	LambdaFunctionTimedOut       Type = "LambdaFunctionTimedOut"
	MapIterationAborted          Type = "MapIterationAborted"
	MapIterationFailed           Type = "MapIterationFailed"
	MapIterationStarted          Type = "MapIterationStarted"
	MapIterationSucceeded        Type = "MapIterationSucceeded"
	MapRunAborted                Type = "MapRunAborted"
	MapRunFailed                 Type = "MapRunFailed"
	MapRunRedriven               Type = "MapRunRedriven"
	MapRunStarted                Type = "MapRunStarted"
	MapRunSucceeded              Type = "MapRunSucceeded"
	MapStateAborted              Type = "MapStateAborted"
	MapStateEntered              Type = "MapStateEntered"
	MapStateExited               Type = "MapStateExited"
	MapStateFailed               Type = "MapStateFailed"
	MapStateStarted              Type = "MapStateStarted"
	MapStateSucceeded            Type = "MapStateSucceeded"
	ParallelStateAborted         Type = "ParallelStateAborted"
	ParallelStateEntered         Type = "ParallelStateEntered"
	ParallelStateExited          Type = "ParallelStateExited"
	ParallelStateFailed          Type = "ParallelStateFailed"
	ParallelStateStarted         Type = "ParallelStateStarted"
	ParallelStateSucceeded       Type = "ParallelStateSucceeded"
	PassStateEntered             Type = "PassStateEntered"
	PassStateExited              Type = "PassStateExited"
	SucceedStateEntered          Type = "SucceedStateEntered"
	SucceedStateExited           Type = "SucceedStateExited"
	TaskFailed                   Type = "TaskFailed"
	TaskScheduled                Type = "TaskScheduled"
	TaskStarted                  Type = "TaskStarted"
	TaskStartFailed              Type = "TaskStartFailed"
	TaskStateAborted             Type = "TaskStateAborted"
	TaskStateEntered             Type = "TaskStateEntered"
	TaskStateExited              Type = "TaskStateExited"
	TaskSubmitFailed             Type = "TaskSubmitFailed"
	TaskSubmitted                Type = "TaskSubmitted"
	TaskSucceeded                Type = "TaskSucceeded"
	TaskTimedOut                 Type = "TaskTimedOut"
	WaitStateAborted             Type = "WaitStateAborted"
	WaitStateEntered             Type = "WaitStateEntered"
	WaitStateExited              Type = "WaitStateExited"
)

// Event is one history event. Which fields are set depends on Type; see the
// package documentation.
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            Type

	Name   string // state name; map iteration name
	Input  any    // a JSON value: execution or state input, scheduled parameters
	Output any    // a JSON value: execution, state or task output
	// HasInput and HasOutput distinguish a null input or output from none.
	HasInput  bool
	HasOutput bool

	Error string
	Cause string

	Resource         string // task resource (function ARN, activity ARN, integration action)
	ResourceType     string // task integration service, e.g. "lambda"
	Region           string
	TimeoutSeconds   int64 // 0: not given
	HeartbeatSeconds int64

	RoleArn    string // ExecutionStarted
	WorkerName string // ActivityStarted
	Index      int    // MapIteration*
	Length     int    // MapStateStarted
	Location   string // EvaluationFailed
	State      string // EvaluationFailed
	MapRunARN  string // MapRunStarted, MapRunRedriven
	// RedriveCount counts the redrives, for MapRunRedriven and
	// ExecutionRedriven.
	RedriveCount int

	// AssignedVariables are the variables a state set, for StateExited.
	AssignedVariables *jsonvalue.Object
}

// details returns the name of the event's details object and its shape.
func (t Type) details() (key string, s shape) {
	d, ok := detailsOf[t]
	if !ok {
		return "", 0
	}
	return d.key, d.shape
}

// shape is the set of fields a details object has.
type shape uint8

const (
	shapeNone shape = iota
	shapeStateEntered
	shapeStateExited
	shapeErrorCause
	shapeTaskErrorCause // + resourceType, resource
	shapeTaskScheduled
	shapeTaskStarted
	shapeTaskOutput // resourceType, resource, output
	shapeOutput
	shapeExecutionStarted
	shapeLambdaScheduled
	shapeActivityScheduled
	shapeActivityStarted
	shapeMapIteration
	shapeMapStarted
	shapeEvaluationFailed
	shapeMapRun
	shapeRedriveCount
)

var detailsOf = map[Type]struct {
	key   string
	shape shape
}{
	ActivityFailed:               {"activityFailedEventDetails", shapeErrorCause},
	ActivityScheduled:            {"activityScheduledEventDetails", shapeActivityScheduled},
	ActivityScheduleFailed:       {"activityScheduleFailedEventDetails", shapeErrorCause},
	ActivityStarted:              {"activityStartedEventDetails", shapeActivityStarted},
	ActivitySucceeded:            {"activitySucceededEventDetails", shapeOutput},
	ActivityTimedOut:             {"activityTimedOutEventDetails", shapeErrorCause},
	ChoiceStateEntered:           {"stateEnteredEventDetails", shapeStateEntered},
	ChoiceStateExited:            {"stateExitedEventDetails", shapeStateExited},
	EvaluationFailed:             {"evaluationFailedEventDetails", shapeEvaluationFailed},
	ExecutionAborted:             {"executionAbortedEventDetails", shapeErrorCause},
	ExecutionFailed:              {"executionFailedEventDetails", shapeErrorCause},
	ExecutionStarted:             {"executionStartedEventDetails", shapeExecutionStarted},
	ExecutionSucceeded:           {"executionSucceededEventDetails", shapeOutput},
	ExecutionTimedOut:            {"executionTimedOutEventDetails", shapeErrorCause},
	ExecutionRedriven:            {"executionRedrivenEventDetails", shapeRedriveCount},
	FailStateEntered:             {"stateEnteredEventDetails", shapeStateEntered},
	LambdaFunctionFailed:         {"lambdaFunctionFailedEventDetails", shapeErrorCause},
	LambdaFunctionScheduled:      {"lambdaFunctionScheduledEventDetails", shapeLambdaScheduled},
	LambdaFunctionScheduleFailed: {"lambdaFunctionScheduleFailedEventDetails", shapeErrorCause},
	LambdaFunctionStartFailed:    {"lambdaFunctionStartFailedEventDetails", shapeErrorCause},
	LambdaFunctionSucceeded:      {"lambdaFunctionSucceededEventDetails", shapeOutput},
	LambdaFunctionTimedOut:       {"lambdaFunctionTimedOutEventDetails", shapeErrorCause},
	MapIterationAborted:          {"mapIterationAbortedEventDetails", shapeMapIteration},
	MapIterationFailed:           {"mapIterationFailedEventDetails", shapeMapIteration},
	MapIterationStarted:          {"mapIterationStartedEventDetails", shapeMapIteration},
	MapIterationSucceeded:        {"mapIterationSucceededEventDetails", shapeMapIteration},
	MapStateEntered:              {"stateEnteredEventDetails", shapeStateEntered},
	MapStateExited:               {"stateExitedEventDetails", shapeStateExited},
	MapStateStarted:              {"mapStateStartedEventDetails", shapeMapStarted},
	MapRunFailed:                 {"mapRunFailedEventDetails", shapeErrorCause},
	MapRunStarted:                {"mapRunStartedEventDetails", shapeMapRun},
	MapRunRedriven:               {"mapRunRedrivenEventDetails", shapeMapRun},
	ParallelStateEntered:         {"stateEnteredEventDetails", shapeStateEntered},
	ParallelStateExited:          {"stateExitedEventDetails", shapeStateExited},
	PassStateEntered:             {"stateEnteredEventDetails", shapeStateEntered},
	PassStateExited:              {"stateExitedEventDetails", shapeStateExited},
	SucceedStateEntered:          {"stateEnteredEventDetails", shapeStateEntered},
	SucceedStateExited:           {"stateExitedEventDetails", shapeStateExited},
	TaskFailed:                   {"taskFailedEventDetails", shapeTaskErrorCause},
	TaskScheduled:                {"taskScheduledEventDetails", shapeTaskScheduled},
	TaskStarted:                  {"taskStartedEventDetails", shapeTaskStarted},
	TaskStartFailed:              {"taskStartFailedEventDetails", shapeTaskErrorCause},
	TaskStateEntered:             {"stateEnteredEventDetails", shapeStateEntered},
	TaskStateExited:              {"stateExitedEventDetails", shapeStateExited},
	TaskSubmitFailed:             {"taskSubmitFailedEventDetails", shapeTaskErrorCause},
	TaskSubmitted:                {"taskSubmittedEventDetails", shapeTaskOutput},
	TaskSucceeded:                {"taskSucceededEventDetails", shapeTaskOutput},
	TaskTimedOut:                 {"taskTimedOutEventDetails", shapeTaskErrorCause},
	WaitStateEntered:             {"stateEnteredEventDetails", shapeStateEntered},
	WaitStateExited:              {"stateExitedEventDetails", shapeStateExited},
}

// EncodeOptions control AppendJSON.
type EncodeOptions struct {
	// OmitData leaves out inputs, outputs and parameters, as
	// GetExecutionHistory does with includeExecutionData false.
	OmitData bool
}

// AppendJSON appends the event as GetExecutionHistory returns it. The timestamp
// is in epoch seconds with milliseconds, the AWS JSON 1.0 encoding.
func (e *Event) AppendJSON(dst []byte, opts EncodeOptions) []byte {
	dst = append(dst, `{"timestamp":`...)
	dst = AppendEpoch(dst, e.Timestamp)
	dst = append(dst, `,"type":`...)
	dst = jsonvalue.AppendString(dst, string(e.Type))
	dst = append(dst, `,"id":`...)
	dst = strconv.AppendInt(dst, e.ID, 10)
	dst = append(dst, `,"previousEventId":`...)
	dst = strconv.AppendInt(dst, e.PreviousEventID, 10)
	key, s := e.Type.details()
	if key != "" {
		dst = append(dst, ',')
		dst = jsonvalue.AppendString(dst, key)
		dst = append(dst, ':')
		dst = e.appendDetails(dst, s, opts)
	}
	return append(dst, '}')
}

// MarshalJSON encodes the event with its data.
func (e *Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil, EncodeOptions{}), nil }

// AppendEpoch appends t as epoch seconds with millisecond precision, as the AWS
// JSON protocols encode timestamps.
func AppendEpoch(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	dst = strconv.AppendInt(dst, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		if frac < 0 {
			frac = -frac
		}
		dst = append(dst, '.')
		var buf [4]byte
		s := strconv.AppendInt(buf[:0], frac+1000, 10)[1:] // three digits, leading zeros kept
		for len(s) > 1 && s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		dst = append(dst, s...)
	}
	return dst
}

// object writes a details object field by field.
type object struct {
	dst   []byte
	first bool
}

func (o *object) key(k string) {
	if !o.first {
		o.dst = append(o.dst, ',')
	}
	o.first = false
	o.dst = jsonvalue.AppendString(o.dst, k)
	o.dst = append(o.dst, ':')
}

func (o *object) str(k, v string) {
	if v == "" {
		return
	}
	o.key(k)
	o.dst = jsonvalue.AppendString(o.dst, v)
}

func (o *object) int(k string, v int64) {
	o.key(k)
	o.dst = strconv.AppendInt(o.dst, v, 10)
}

// data writes a JSON value as a JSON-encoded string, as history carries inputs and
// outputs, with the matching "...Details": {"truncated": false}.
func (o *object) data(k string, v any, detailsKey string) {
	o.key(k)
	o.dst = jsonvalue.AppendQuoted(o.dst, v)
	if detailsKey != "" {
		o.key(detailsKey)
		o.dst = append(o.dst, `{"truncated":false}`...)
	}
}

func (e *Event) appendDetails(dst []byte, s shape, opts EncodeOptions) []byte {
	o := object{dst: append(dst, '{'), first: true}
	withData := !opts.OmitData
	switch s {
	case shapeStateEntered:
		o.str("name", e.Name)
		if withData && e.HasInput {
			o.data("input", e.Input, "inputDetails")
		}
	case shapeStateExited:
		o.str("name", e.Name)
		if withData && e.HasOutput {
			o.data("output", e.Output, "outputDetails")
		}
		if e.AssignedVariables != nil && e.AssignedVariables.Len() > 0 {
			o.key("assignedVariables")
			o.dst = append(o.dst, '{')
			for i, k := range e.AssignedVariables.Keys() {
				_, v := e.AssignedVariables.At(i)
				if i > 0 {
					o.dst = append(o.dst, ',')
				}
				o.dst = jsonvalue.AppendString(o.dst, k)
				o.dst = append(o.dst, ':')
				o.dst = jsonvalue.AppendQuoted(o.dst, v)
			}
			o.dst = append(o.dst, '}')
			o.key("assignedVariablesDetails")
			o.dst = append(o.dst, `{"truncated":false}`...)
		}
	case shapeErrorCause:
		o.str("error", e.Error)
		o.str("cause", e.Cause)
	case shapeTaskErrorCause:
		o.str("resourceType", e.ResourceType)
		o.str("resource", e.Resource)
		o.str("error", e.Error)
		o.str("cause", e.Cause)
	case shapeTaskScheduled:
		o.str("resourceType", e.ResourceType)
		o.str("resource", e.Resource)
		o.str("region", e.Region)
		if withData {
			o.data("parameters", e.Input, "")
		}
		if e.TimeoutSeconds > 0 {
			o.int("timeoutInSeconds", e.TimeoutSeconds)
		}
		if e.HeartbeatSeconds > 0 {
			o.int("heartbeatInSeconds", e.HeartbeatSeconds)
		}
	case shapeTaskStarted:
		o.str("resourceType", e.ResourceType)
		o.str("resource", e.Resource)
	case shapeTaskOutput:
		o.str("resourceType", e.ResourceType)
		o.str("resource", e.Resource)
		if withData && e.HasOutput {
			o.data("output", e.Output, "outputDetails")
		}
	case shapeOutput:
		if withData && e.HasOutput {
			o.data("output", e.Output, "outputDetails")
		}
	case shapeExecutionStarted:
		if withData && e.HasInput {
			o.data("input", e.Input, "inputDetails")
		}
		o.str("roleArn", e.RoleArn)
	case shapeLambdaScheduled:
		o.str("resource", e.Resource)
		if withData && e.HasInput {
			o.data("input", e.Input, "inputDetails")
		}
		if e.TimeoutSeconds > 0 {
			o.int("timeoutInSeconds", e.TimeoutSeconds)
		}
	case shapeActivityScheduled:
		o.str("resource", e.Resource)
		if withData && e.HasInput {
			o.data("input", e.Input, "inputDetails")
		}
		if e.TimeoutSeconds > 0 {
			o.int("timeoutInSeconds", e.TimeoutSeconds)
		}
		if e.HeartbeatSeconds > 0 {
			o.int("heartbeatInSeconds", e.HeartbeatSeconds)
		}
	case shapeActivityStarted:
		o.str("workerName", e.WorkerName)
	case shapeMapIteration:
		o.str("name", e.Name)
		o.int("index", int64(e.Index))
	case shapeMapStarted:
		o.int("length", int64(e.Length))
	case shapeMapRun:
		o.str("mapRunArn", e.MapRunARN)
		if e.Type == MapRunRedriven {
			o.int("redriveCount", int64(e.RedriveCount))
		}
	case shapeRedriveCount:
		o.int("redriveCount", int64(e.RedriveCount))
	case shapeEvaluationFailed:
		o.str("error", e.Error)
		o.str("cause", e.Cause)
		o.str("location", e.Location)
		o.str("state", e.State)
	}
	return append(o.dst, '}')
}
