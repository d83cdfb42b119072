// Package lambda runs the Lambda functions a state machine calls — through a
// function ARN as the Resource, or through the arn:aws:states:::lambda:invoke
// integration — on local implementations: a command, and (see the other files)
// further kinds. It reports results and errors the way Lambda and Step Functions
// do, so definitions written for AWS run unchanged.
package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awsreq"
)

// Invocation is one call of a function.
type Invocation struct {
	FunctionName string
	Qualifier    string
	FunctionARN  string // the function's ARN, as the handler's context reports it
	Payload      []byte // the event, JSON
	RequestID    string
	Task         *runner.Task
	// The lambda:invoke integration's Invoke parameters, as a Lambda endpoint
	// receives them: InvocationType and LogType ("" for the defaults,
	// RequestResponse and None) and ClientContext (base64 JSON, or "").
	InvocationType, LogType, ClientContext string
	// tail collects the invocation's log lines for LogType Tail.
	tail *logTail
}

// Response is a function's answer, as Lambda's Invoke API gives it: the payload,
// and for a function error the error payload with FunctionError set.
type Response struct {
	Payload []byte
	// FunctionError is "Unhandled" (or "Handled") when Payload is an error
	// object {"errorType", "errorMessage", ...}; empty on success.
	FunctionError string
	// Header is the Invoke API's response headers when the function is a
	// Lambda endpoint; nil for a local function, which answers with the
	// headers Lambda sends.
	Header http.Header
	// Status is the Invoke API's status: 0 for 200; 202 for an Event
	// invocation, 204 for a DryRun.
	Status int
}

// Function is a local implementation of a Lambda function. Invoke returns an
// error only when the function could not be invoked at all (it does not exist,
// its process could not start); a function that ran and failed answers a Response
// with FunctionError.
type Function interface {
	Invoke(ctx context.Context, inv *Invocation) (*Response, error)
}

// InvokeError is an invocation that failed before the function could answer,
// with the error name Step Functions reports for it (such as
// "Lambda.ResourceNotFoundException" or "Lambda.TooManyRequestsException")
// and its cause. A Function returns it for failures of its own transport; the
// Runner reports any other error as Lambda.ServiceException.
type InvokeError struct {
	Name  string
	Cause string
}

// Error returns the error name and cause.
func (e *InvokeError) Error() string { return e.Name + ": " + e.Cause }

// Registry maps function names to their implementations.
type Registry map[string]Function

// Runner runs Lambda tasks against a Registry. It implements runner.Runner.
type Runner struct {
	Functions Registry
	// Region and Account complete function ARNs in error messages.
	Region  string
	Account string
	// Fallback, when set, runs the functions Functions lacks (a Lambda
	// Invoke API for every function, as Step Functions Local's
	// LAMBDA_ENDPOINT); nil: they fail with Lambda.ResourceNotFoundException.
	Fallback Function
}

var _ runner.Runner = (*Runner)(nil)

// Run invokes the task's function.
func (r *Runner) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	res := t.Resource
	integration := res.Kind == asl.ResourceIntegration
	name, qualifier := res.Name, res.Qualifier
	payload := t.Input
	var opts invokeOptions
	if integration {
		params, _ := t.Input.(*jsonvalue.Object)
		fn, _ := params.Get("FunctionName")
		fnName, _ := fn.(string)
		if fnName == "" {
			return runner.Failed("Lambda.InvalidParameterValueException", "The field 'FunctionName' is required")
		}
		name, qualifier = functionName(fnName)
		if q, ok := params.Get("Qualifier"); ok {
			qualifier, _ = q.(string)
		}
		payload, _ = params.Get("Payload")
		var failed *runner.Outcome
		if opts, failed = optionsOf(params); failed != nil {
			return *failed
		}
	}
	body, failed := requestBody(payload, integration)
	if failed != nil {
		return *failed
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.region(), r.account(), name)
	fn := r.Functions[name]
	if fn == nil {
		fn = r.Fallback
	}
	if fn == nil {
		return apiFailure("ResourceNotFoundException", "Function not found: "+arn, http.StatusNotFound, runner.RequestID())
	}
	if qualifier != "" {
		arn += ":" + qualifier
	}
	inv := &Invocation{FunctionName: name, Qualifier: qualifier, FunctionARN: arn, Payload: body, RequestID: runner.RequestID(), Task: t,
		InvocationType: opts.invocationType, LogType: opts.logType, ClientContext: opts.clientContext}
	_, remote := fn.(*Endpoint)
	if opts.logType == "Tail" && !remote {
		inv.tail = &logTail{}
	}
	if !remote && opts.invocationType != "" && opts.invocationType != "RequestResponse" {
		return r.invokeLocalAsync(ctx, fn, inv)
	}
	started := time.Now()
	resp, err := fn.Invoke(ctx, inv)
	if err != nil {
		if ctx.Err() != nil {
			return runner.Failed("States.Timeout", "")
		}
		var ie *InvokeError
		if errors.As(err, &ie) {
			return runner.Failed(ie.Name, ie.Cause)
		}
		return runner.Failed("Lambda.ServiceException", err.Error())
	}
	if resp.FunctionError != "" {
		return functionError(resp.Payload, integration)
	}
	out, err := parseResult(resp.Payload)
	if resp.Status == http.StatusAccepted || resp.Status == http.StatusNoContent {
		out, err = "", nil // an Event's or DryRun's answer has no payload
	}
	if err != nil {
		return runner.Failed("Lambda.InvalidResponse", fmt.Sprintf("The function %s returned invalid JSON: %v", name, err))
	}
	if !integration {
		return runner.Succeeded(out)
	}
	result := invokeResult(out, resp, inv.RequestID, t.TraceHeader, time.Now())
	if inv.tail != nil {
		log := inv.tail.result(inv.RequestID, time.Since(started))
		result.Set("LogResult", log)
		addHeader(result, "X-Amz-Log-Result", log)
	} else if v := resp.Header.Get("X-Amz-Log-Result"); remote && v != "" {
		result.Set("LogResult", v)
	}
	return runner.Succeeded(result)
}

// functionName reads a FunctionName: a name, a partial ARN ("function:NAME",
// "ACCOUNT:function:NAME") or a full ARN, each with an optional qualifier.
func functionName(s string) (name, qualifier string) {
	if i := strings.Index(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	name, qualifier, _ = strings.Cut(s, ":")
	return name, qualifier
}

func (r *Runner) region() string {
	if r.Region == "" {
		return "us-east-1"
	}
	return r.Region
}

func (r *Runner) account() string {
	if r.Account == "" {
		return "123456789012"
	}
	return r.Account
}

// functionError reports a function's error as Step Functions does: the error
// name is the errorType; the cause is the error object — as the function wrote
// it for a function ARN, re-encoded compactly for lambda:invoke.
func functionError(payload []byte, integration bool) runner.Outcome {
	v, err := jsonvalue.Parse(payload)
	obj, _ := v.(*jsonvalue.Object)
	if err != nil || obj == nil {
		return runner.Failed("Lambda.Unknown", strings.TrimSpace(string(payload)))
	}
	name := "Lambda.Unknown"
	if t, ok := obj.Get("errorType"); ok {
		if s, ok := t.(string); ok && s != "" {
			name = s
		}
	}
	cause := strings.TrimSpace(string(payload))
	if integration {
		cause = jsonvalue.String(obj)
	}
	return runner.Failed(name, cause)
}

// requestBody is the Invoke request's payload. A Task naming the function
// sends its input. The lambda:invoke integration sends its Payload parameter
// as AWS's recordings show Step Functions sending it: a string as it is (the
// JSON text it holds: "\"a\"" reaches the function as "a", "0.0" as 0.0),
// anything else JSON-encoded, and none or null as no payload, which the
// function receives as {}. A string that is not JSON fails as Lambda refuses
// such a request.
func requestBody(payload any, integration bool) ([]byte, *runner.Outcome) {
	if !integration {
		return jsonvalue.Marshal(payload), nil
	}
	switch p := payload.(type) {
	case nil:
		return []byte("{}"), nil
	case string:
		if _, err := jsonvalue.ParseString(p); err != nil {
			out := apiFailure("InvalidRequestContentException",
				fmt.Sprintf("Could not parse request body into json: Could not parse payload into json: %v", err), http.StatusBadRequest, runner.RequestID())
			return nil, &out
		}
		return []byte(p), nil
	}
	return jsonvalue.Marshal(payload), nil
}

// parseResult reads a function's payload; an empty payload is null.
func parseResult(b []byte) (any, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil
	}
	return jsonvalue.Parse(b)
}

// invokeResult is the lambda:invoke integration's result: the Invoke API's
// response with the function's payload, and its headers as Step Functions
// reports them: a Lambda endpoint's own, or for a local function the ones
// Lambda answers Invoke with.
func invokeResult(payload any, resp *Response, requestID, traceHeader string, now time.Time) *jsonvalue.Object {
	header, version, status := resp.Header, "$LATEST", resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	if header != nil {
		if id := header.Get("X-Amzn-Requestid"); id != "" {
			requestID = id
		}
		if v := header.Get("X-Amz-Executed-Version"); v != "" {
			version = v
		}
	} else {
		// Spelled as Lambda spells them (AWS's recordings); an Event's or a
		// DryRun's answer has no payload, so no type and no version.
		header = http.Header{
			"Connection":       {"keep-alive"},
			"x-amzn-RequestId": {requestID},
			"Content-Length":   {strconv.Itoa(len(resp.Payload))},
			"Date":             {now.UTC().Format(http.TimeFormat)},
			"X-Amzn-Trace-Id":  {traceOf(traceHeader, now)},
		}
		if status == http.StatusOK {
			header["X-Amz-Executed-Version"] = []string{version}
			header["x-amzn-Remapped-Content-Length"] = []string{"0"}
			header["Content-Type"] = []string{"application/json"}
		}
	}
	meta := jsonvalue.NewObject(1)
	meta.Set("RequestId", requestID)
	out := jsonvalue.NewObject(6)
	if status == http.StatusOK {
		out.Set("ExecutedVersion", version)
	}
	out.Set("Payload", payload)
	out.Set("SdkHttpMetadata", awsreq.HTTPMetadata(status, header))
	out.Set("SdkResponseMetadata", meta)
	out.Set("StatusCode", jsonvalue.Int(int64(status)))
	return out
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
