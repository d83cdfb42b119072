package lambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stepd/stepd/runner/awsreq"
)

// Endpoint is a function behind a real Lambda Invoke API — AWS itself,
// `sam local start-lambda`, LocalStack, or any server that speaks it — called
// with a SigV4-signed request, once (no retries: the state's Retry decides).
// The function's answer, its function errors and the API's own errors
// (Lambda.ResourceNotFoundException, Lambda.TooManyRequestsException, ...)
// come back as Step Functions reports them.
type Endpoint struct {
	// URL is the Invoke API's endpoint ("http://127.0.0.1:3001"); empty:
	// AWS's own for the region.
	URL    string
	Region string // default us-east-1
	// Credentials sign the requests.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests; nil: http.DefaultClient.
	HTTPClient *http.Client
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

// maxAnswer bounds the body read from the Invoke API: Lambda's own limit of
// a synchronous response is 6 MB, Step Functions' on a task result 256 KiB.
const maxAnswer = 16 << 20

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
	region := e.Region
	if region == "" {
		region = "us-east-1"
	}
	base := strings.TrimSuffix(e.URL, "/")
	if base == "" {
		base = "https://lambda." + region + ".amazonaws.com"
	}
	target := base + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	if qualifier != "" {
		target += "?Qualifier=" + url.QueryEscape(qualifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(inv.Payload))
	if err != nil {
		return nil, &InvokeError{Name: "Lambda.SdkClientException", Cause: "Unable to make the request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	invocationType := inv.InvocationType
	if invocationType == "" {
		invocationType = "RequestResponse"
	}
	req.Header.Set("X-Amz-Invocation-Type", invocationType)
	if inv.LogType != "" {
		req.Header.Set("X-Amz-Log-Type", inv.LogType)
	}
	if inv.ClientContext != "" {
		req.Header.Set("X-Amz-Client-Context", inv.ClientContext)
	}
	if inv.Task != nil && inv.Task.TraceHeader != "" {
		req.Header.Set("X-Amzn-Trace-Id", inv.Task.TraceHeader) // as Step Functions calls Lambda: the execution's trace
	}
	if err := e.sign(ctx, req, inv.Payload, region); err != nil {
		return nil, &InvokeError{Name: "Lambda.SdkClientException", Cause: "Unable to sign the request: " + err.Error()}
	}
	client := e.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var body []byte
		if body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1)); err == nil {
			return invokeAnswer(resp, body)
		}
	}
	if ctx.Err() != nil {
		return interrupted(ctx, inv, e.Timeout)
	}
	return nil, &InvokeError{Name: "Lambda.SdkClientException", Cause: fmt.Sprintf("Unable to execute HTTP request: %v", err)}
}

func (e *Endpoint) sign(ctx context.Context, req *http.Request, payload []byte, region string) error {
	if e.Credentials == nil {
		return nil
	}
	return awsreq.Sign(ctx, e.Credentials, req, payload, "lambda", region)
}

// invokeAnswer reads the Invoke API's response: the function's payload and
// function error, or the API's refusal as Step Functions reports it (the
// error code after "Lambda.", the message with the service's details in the
// form of the AWS SDK for Java).
func invokeAnswer(resp *http.Response, body []byte) (*Response, error) {
	if len(body) > maxAnswer {
		return nil, &InvokeError{Name: "Lambda.SdkClientException", Cause: fmt.Sprintf("Unable to read the HTTP response: larger than %d bytes", maxAnswer)}
	}
	if resp.StatusCode < 300 {
		return &Response{Payload: body, FunctionError: resp.Header.Get("X-Amz-Function-Error"), Header: resp.Header, Status: resp.StatusCode}, nil
	}
	code, _, message := awsreq.JSONError(resp.Header, body)
	if code == "" {
		code = "AWSLambdaException"
	}
	requestID := resp.Header.Get("X-Amzn-Requestid")
	return nil, &InvokeError{Name: "Lambda." + code, Cause: apiCause(code, message, resp.StatusCode, requestID)}
}
