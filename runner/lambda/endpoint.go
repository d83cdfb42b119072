package lambda

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Endpoint is a function behind a real Lambda Invoke API — AWS itself,
// `sam local start-lambda`, LocalStack, or any server that speaks it — called
// through aws-sdk-go-v2. The function's answer, its function errors and the
// API's own errors (Lambda.ResourceNotFoundException,
// Lambda.TooManyRequestsException, ...) come back as Step Functions reports
// them.
type Endpoint struct {
	Client *awslambda.Client
	// Name is the function's name (or ARN) at the endpoint; empty: the name
	// the state machine invoked.
	Name string
	// Qualifier is the version or alias to invoke; empty: the one the state
	// machine named, if any.
	Qualifier string
	// Timeout abandons the call after this long and reports Sandbox.Timedout;
	// zero: only the task's timeout (the remote function has its own).
	Timeout time.Duration
}

var _ Function = (*Endpoint)(nil)

// Invoke calls the Invoke API once, synchronously (RequestResponse).
func (e *Endpoint) Invoke(ctx context.Context, inv *Invocation) (*Response, error) {
	ctx, cancel := withTimeout(ctx, e.Timeout)
	defer cancel()
	name, qualifier := e.Name, e.Qualifier
	if name == "" {
		name = inv.FunctionName
	}
	if qualifier == "" {
		qualifier = inv.Qualifier
	}
	in := &awslambda.InvokeInput{
		FunctionName:   aws.String(name),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        inv.Payload,
	}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	var opts []func(*awslambda.Options)
	if inv.Task != nil && inv.Task.TraceHeader != "" {
		h := inv.Task.TraceHeader // as Step Functions calls Lambda: the execution's trace
		opts = append(opts, func(o *awslambda.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("X-Amzn-Trace-Id", h))
		})
	}
	out, err := e.Client.Invoke(ctx, in, opts...)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx, inv, e.Timeout)
		}
		return nil, apiError(err)
	}
	resp := &Response{Payload: out.Payload}
	if out.FunctionError != nil {
		resp.FunctionError = *out.FunctionError
	}
	return resp, nil
}

// apiError reports an Invoke API failure as Step Functions does: the error
// code after "Lambda.", and the message with the service's details, in the
// form of the AWS SDK for Java that Step Functions uses.
func apiError(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &InvokeError{Name: "Lambda.SdkClientException", Cause: fmt.Sprintf("Unable to execute HTTP request: %v", err)}
	}
	status, requestID := 0, ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, requestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	code := api.ErrorCode()
	name := "Lambda." + code
	if code == "" {
		name = "Lambda.AWSLambdaException"
	}
	return &InvokeError{Name: name, Cause: fmt.Sprintf("%s (Service: Lambda, Status Code: %d, Request ID: %s)", api.ErrorMessage(), status, requestID)}
}
