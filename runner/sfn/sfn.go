// Package sfn is the states:startExecution integration's side of a nested
// execution: the request a Task's parameters make, and the results Step
// Functions gives the Task in each of AWS's patterns:
//
//   - request-response: the task ends once the execution started, with
//     StartExecution's response ({"ExecutionArn", "StartDate", ...});
//   - .sync and .sync:2: the task waits for the execution to end, and ends as
//     it did: with a description of it ({"ExecutionArn", "Input", "Output",
//     "Status", ...}, where .sync:2 gives Input and Output as JSON rather than
//     text) when it succeeded, or failing with States.TaskFailed and that
//     description as the cause when it did not;
//   - .waitForTaskToken: the execution is started, and the task waits for
//     SendTaskSuccess or SendTaskFailure with its token, which the Input
//     usually passes on ($$.Task.Token).
//
// Child executions are the engine's own: the engine starts them, records the
// parent's task token on the child, and delivers the child's end to the
// parent's task. This package only reads requests and shapes results.
//
// Delivering a start again (after a crash, on another node) finds the
// execution the first delivery started rather than starting a second: the
// execution's name, when the Task does not give one, derives from the task
// token, and the execution records that token as its parent.
package sfn

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// Request asks for an execution.
type Request struct {
	StateMachineARN string
	Name            string
	Input           string // JSON text
	TraceHeader     string
}

// Execution describes an execution, as DescribeExecution does.
type Execution struct {
	ARN, MachineARN, Name string
	Status                string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Input                 string
	Output                string // when HasOutput
	HasOutput             bool
	Error, Cause          string
	Start, Stop           time.Time
	TraceHeader           string
	// Standard is set for a STANDARD machine's execution, which DescribeExecution
	// describes with its redrive status: RedriveCount, and whether it is
	// Redrivable, or why not (RedriveReason).
	Standard      bool
	RedriveCount  int
	Redrivable    bool
	RedriveReason string
}

// IsStartExecution reports whether a Task's resource starts an execution
// (arn:aws:states:::states:startExecution, in any pattern).
func IsStartExecution(r asl.Resource) bool {
	return r.Kind == asl.ResourceIntegration && r.Service == "states" && r.Action == "startExecution"
}

// Check reports whether stepd can run a resource of the states service: it
// can start executions (states:startExecution in any pattern); other actions
// of the Step Functions API are for aws-sdk:sfn.
func Check(res asl.Resource) error {
	if !IsStartExecution(res) {
		return fmt.Errorf("the resource %s is not supported: of the Step Functions API, a Task can call startExecution (or use aws-sdk:sfn)", res.ARN)
	}
	return nil
}

// Waits returns how a parent's task waits for the execution's end: ".sync",
// ".sync:2", or "" when it does not (request-response, .waitForTaskToken).
func Waits(r asl.Resource) string {
	switch r.Pattern {
	case asl.PatternSync:
		return ".sync"
	case asl.PatternSync2:
		return ".sync:2"
	}
	return ""
}

// ParseRequest reads a task's parameters (its effective input): StateMachineArn
// (required), Input (an object, or JSON text; none is {}), Name, TraceHeader.
// A task without a Name names the execution after its token. Bad parameters
// fail the task with States.Runtime.
func ParseRequest(params any, token string) (Request, *aslerr.Failure) {
	req, fail := request(params)
	if fail == nil && req.Name == "" {
		req.Name = NameFor(token)
	}
	return req, fail
}

func request(input any) (Request, *aslerr.Failure) {
	fail := func(format string, args ...any) (Request, *aslerr.Failure) {
		return Request{}, aslerr.Newf(aslerr.Runtime, format, args...)
	}
	params, _ := input.(*jsonvalue.Object)
	if params == nil {
		return fail("The task's parameters must be an object with StateMachineArn, not %s", jsonvalue.Marshal(input))
	}
	req := Request{Input: "{}"}
	for _, k := range params.Keys() {
		v, _ := params.Get(k)
		switch k {
		case "StateMachineArn", "Name", "TraceHeader":
			s, ok := v.(string)
			if !ok {
				return fail("The parameter %s must be a string, not %s", k, jsonvalue.Marshal(v))
			}
			switch k {
			case "StateMachineArn":
				req.StateMachineARN = s
			case "Name":
				req.Name = s
			default:
				req.TraceHeader = s
			}
		case "Input":
			switch v := v.(type) {
			case nil:
			case string:
				req.Input = v
			default:
				req.Input = string(jsonvalue.Marshal(v))
			}
		default:
			return fail("The parameter %s is not one of StartExecution's: StateMachineArn, Input, Name, TraceHeader", k)
		}
	}
	if req.StateMachineARN == "" {
		return fail("The parameter StateMachineArn is required")
	}
	return req, nil
}

// NameFor names an execution after the task token that started it, as a
// UUID: a second delivery of the invocation asks for the same name.
func NameFor(token string) string {
	sum := sha256.Sum256([]byte("stepd nested execution " + token))
	return runner.UUID([16]byte(sum[:16]))
}

// ServiceFailure is how a refused StartExecution fails the task: as
// StepFunctions.<Code>Exception, with the cause in the form of the AWS SDK
// for Java, as Step Functions words it. code and message are the API's
// (ExecutionAlreadyExists, StateMachineDoesNotExist, ...).
func ServiceFailure(code, message string) *aslerr.Failure {
	return aslerr.Newf("StepFunctions."+code+"Exception",
		"%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s; Request ID: %s; Proxy: null)", message, code, runner.RequestID())
}

// Result is the task's outcome once the execution ended (.sync, .sync:2):
// the description as output when it succeeded; otherwise a States.TaskFailed
// failure with the description as its cause.
func Result(x *Execution, waits string) (output any, failure *aslerr.Failure) {
	desc := Describe(x, waits == ".sync:2")
	if x.Status == "SUCCEEDED" {
		return desc, nil
	}
	return nil, aslerr.New(aslerr.TaskFailed, string(jsonvalue.Marshal(desc)))
}

// StartResponse is StartExecution's response as the integration gives it.
func StartResponse(x *Execution) *jsonvalue.Object {
	reqID := runner.RequestID()
	body, _ := json.Marshal(map[string]any{"executionArn": x.ARN, "startDate": float64(x.Start.UnixMilli()) / 1000})
	all := jsonvalue.NewObject(4)
	last := jsonvalue.NewObject(4)
	for _, h := range [][2]string{{"Content-Length", fmt.Sprint(len(body))}, {"Content-Type", "application/x-amz-json-1.0"},
		{"Date", x.Start.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")}, {"x-amzn-RequestId", reqID}} {
		all.Set(h[0], []any{h[1]})
		last.Set(h[0], h[1])
	}
	httpMeta := jsonvalue.NewObject(3)
	httpMeta.Set("AllHttpHeaders", all)
	httpMeta.Set("HttpHeaders", last)
	httpMeta.Set("HttpStatusCode", jsonvalue.Int(200))
	respMeta := jsonvalue.NewObject(1)
	respMeta.Set("RequestId", reqID)
	out := jsonvalue.NewObject(4)
	out.Set("ExecutionArn", x.ARN)
	out.Set("SdkHttpMetadata", httpMeta)
	out.Set("SdkResponseMetadata", respMeta)
	out.Set("StartDate", jsonvalue.Int(x.Start.UnixMilli()))
	return out
}

// Describe is the .sync result: DescribeExecution's answer, its fields
// capitalized and dates in epoch milliseconds, as Step Functions gives it.
// With asJSON (.sync:2) Input and Output are JSON values, not text.
func Describe(x *Execution, asJSON bool) *jsonvalue.Object {
	data := func(s string) any {
		if asJSON {
			if v, err := jsonvalue.ParseString(s); err == nil {
				return v
			}
		}
		return s
	}
	included := func() *jsonvalue.Object {
		o := jsonvalue.NewObject(1)
		o.Set("Included", true)
		return o
	}
	out := jsonvalue.NewObject(16)
	if x.Cause != "" {
		out.Set("Cause", x.Cause)
	}
	if x.Error != "" {
		out.Set("Error", x.Error)
	}
	out.Set("ExecutionArn", x.ARN)
	out.Set("Input", data(x.Input))
	out.Set("InputDetails", included())
	out.Set("Name", x.Name)
	if x.HasOutput {
		out.Set("Output", data(x.Output))
		out.Set("OutputDetails", included())
	}
	if x.Standard {
		// As DescribeExecution: a FAILED child's is REDRIVABLE, without a
		// reason (AWS's .sync causes show it so).
		out.Set("RedriveCount", jsonvalue.Int(int64(x.RedriveCount)))
		if x.Redrivable {
			out.Set("RedriveStatus", "REDRIVABLE")
		} else {
			out.Set("RedriveStatus", "NOT_REDRIVABLE")
			out.Set("RedriveStatusReason", x.RedriveReason)
		}
	}
	out.Set("StartDate", jsonvalue.Int(x.Start.UnixMilli()))
	out.Set("StateMachineArn", x.MachineARN)
	out.Set("Status", x.Status)
	if !x.Stop.IsZero() {
		out.Set("StopDate", jsonvalue.Int(x.Stop.UnixMilli()))
	}
	if x.TraceHeader != "" {
		out.Set("TraceHeader", x.TraceHeader)
	}
	return out
}
