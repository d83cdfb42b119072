// Package http runs HTTP Tasks, arn:aws:states:::http:invoke: the Task's
// parameters (ApiEndpoint, Method, Headers, QueryParameters, RequestBody,
// Transform, Authentication) become one HTTPS (or HTTP) request, and its
// answer becomes the result AWS gives — {"Headers", "ResponseBody",
// "StatusCode", "StatusText"} — or the error States.Http.StatusCode.NNN for an
// answer outside 2xx, and States.Http.Socket when no answer came. Requests go
// only where the runner's outbound.Policy allows: a host it refuses, at the
// first request or at a redirect, fails the task with States.Http.Socket, as
// a host that cannot be reached does.
package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/outbound"
)

// The error names of HTTP Tasks.
const (
	ErrSocket           = "States.Http.Socket"
	ErrStatusCodePrefix = "States.Http.StatusCode."
	errParameter        = "States.Runtime"
)

// maxResponse is the most of a response body stepd reads: Step Functions'
// payload limit.
const maxResponse = 256 << 10

// Connection is what an EventBridge connection (Authentication.ConnectionArn)
// adds to the requests that name it: stepd has no EventBridge, so the
// configuration says it.
type Connection struct {
	Headers         map[string]string
	QueryParameters map[string]string
}

// Runner runs HTTP Tasks. It implements runner.Runner.
type Runner struct {
	// Outbound is where requests may go, and sends them; nil: nowhere.
	Outbound *outbound.Policy
	// Timeout bounds one request; zero means 60 seconds, as on AWS.
	Timeout time.Duration
	// Region is in the User-Agent, as AWS sends it; default us-east-1.
	Region string
	// Connections maps connection ARNs to what they add to requests. A
	// ConnectionArn that is not here is accepted and adds nothing.
	Connections map[string]Connection
}

var _ runner.Runner = (*Runner)(nil)

// Check reports whether the runner can run a resource: http:invoke, in the
// request-response pattern only, as on AWS.
func (r *Runner) Check(res asl.Resource) error {
	if res.Service != "http" || res.Action != "invoke" {
		return fmt.Errorf("the resource %s is not supported: the HTTP integration has one action, http:invoke", res.ARN)
	}
	if res.Pattern != asl.PatternRequestResponse {
		return fmt.Errorf("the resource %s is not supported: http:invoke runs only as request-response", res.ARN)
	}
	return nil
}

// Run sends the task's request.
func (r *Runner) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	if err := r.Check(t.Resource); err != nil {
		return runner.Failed(errParameter, err.Error())
	}
	params, _ := t.Input.(*jsonvalue.Object)
	if params == nil {
		return runner.Failed(errParameter, "The HTTP Task needs Parameters with ApiEndpoint and Method")
	}
	req, fail := r.request(ctx, params)
	if fail != nil {
		return *fail
	}
	runner.SetTraceHeaders(req.Header, t.TraceHeader)
	trace := runner.HTTPExchangeFrom(ctx)
	if trace != nil {
		r.traceRequest(trace, params, req)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	policy := r.Outbound
	if policy == nil {
		policy = nowhere
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := policy.Client().Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return runner.Failed("States.Timeout", "")
		}
		return runner.Failed(ErrSocket, socketCause(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return runner.Failed(ErrSocket, socketCause(err))
	}
	if len(body) > maxResponse {
		return runner.Failed("States.DataLimitExceeded", "The state/task 'http' returned a result with a size exceeding the maximum number of bytes service limit.")
	}
	if trace != nil {
		traceResponse(trace, req.URL, resp, body)
	}
	result := responseResult(resp, body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return runner.Failed(ErrStatusCodePrefix+strconv.Itoa(resp.StatusCode), jsonvalue.String(result))
	}
	return runner.Succeeded(result)
}

// nowhere is the policy of a Runner without one: it allows no host.
var nowhere = &outbound.Policy{}

// socketCause is the cause of a States.Http.Socket: a refusal's message, or
// why the connection failed.
func socketCause(err error) string {
	if r := (*outbound.Refused)(nil); errors.As(err, &r) {
		return r.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// request builds the HTTP request of a task's parameters.
func (r *Runner) request(ctx context.Context, params *jsonvalue.Object) (*nethttp.Request, *runner.Outcome) {
	failf := func(format string, args ...any) (*nethttp.Request, *runner.Outcome) {
		out := runner.Failed(errParameter, fmt.Sprintf(format, args...))
		return nil, &out
	}
	endpoint, _ := get[string](params, "ApiEndpoint")
	if endpoint == "" {
		return failf("The field 'ApiEndpoint' is required and must be a string")
	}
	method, _ := get[string](params, "Method")
	method = strings.ToUpper(method)
	if !slices.Contains([]string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}, method) {
		return failf("The field 'Method' must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return failf("The field 'ApiEndpoint' is not a valid URL: %s", endpoint)
	}
	var conn Connection
	if auth, ok := get[*jsonvalue.Object](params, "Authentication"); ok {
		if arn, ok := get[string](auth, "ConnectionArn"); ok {
			conn = r.Connections[arn]
		}
	}
	transform, _ := get[*jsonvalue.Object](params, "Transform")
	arrayFormat := "INDICES"
	encoding := "NONE"
	if transform != nil {
		encoding, _ = get[string](transform, "RequestBodyEncoding")
		if opts, ok := get[*jsonvalue.Object](transform, "RequestEncodingOptions"); ok {
			if f, ok := get[string](opts, "ArrayFormat"); ok {
				arrayFormat = f
			}
		}
	}
	q := u.Query()
	for k, v := range conn.QueryParameters {
		q.Set(k, v)
	}
	if qp, ok := get[*jsonvalue.Object](params, "QueryParameters"); ok {
		for k, v := range qp.All() {
			encodeForm(q, k, v, arrayFormat)
		}
	}
	u.RawQuery = q.Encode()

	var body io.Reader
	contentType := ""
	if rb, ok := params.Get("RequestBody"); ok && method != "GET" && method != "HEAD" {
		switch {
		case encoding == "URL_ENCODED":
			obj, ok := rb.(*jsonvalue.Object)
			if !ok {
				return failf("RequestBody must be an object to be URL_ENCODED")
			}
			form := url.Values{}
			for k, v := range obj.All() {
				encodeForm(form, k, v, arrayFormat)
			}
			body = strings.NewReader(form.Encode())
			contentType = "application/x-www-form-urlencoded"
		default:
			if s, ok := rb.(string); ok {
				body = strings.NewReader(s)
				contentType = "text/plain; charset=UTF-8"
			} else {
				body = bytes.NewReader(jsonvalue.Marshal(rb))
				contentType = "application/json; charset=UTF-8"
			}
		}
	}
	req, err := nethttp.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return failf("%v", err)
	}
	region := r.Region
	if region == "" {
		region = "us-east-1"
	}
	req.Header.Set("User-Agent", "Amazon|StepFunctions|HttpInvoke|"+region)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range conn.Headers {
		req.Header.Set(k, v)
	}
	if hs, ok := get[*jsonvalue.Object](params, "Headers"); ok {
		for k, v := range hs.All() {
			s, ok := v.(string)
			if !ok {
				s = jsonvalue.String(v)
			}
			if strings.EqualFold(k, "Host") {
				req.Host = s
				continue
			}
			req.Header.Set(k, s)
		}
	}
	return req, nil
}

// encodeForm adds a value to form data, arrays as ArrayFormat says: INDICES
// (a[0]=x&a[1]=y), BRACKETS (a[]=x&a[]=y), REPEAT (a=x&a=y) or COMMAS (a=x,y);
// objects as a[k]=v.
func encodeForm(form url.Values, key string, v any, arrayFormat string) {
	switch x := v.(type) {
	case []any:
		if arrayFormat == "COMMAS" {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = scalar(e)
			}
			form.Add(key, strings.Join(parts, ","))
			return
		}
		for i, e := range x {
			k := key
			switch arrayFormat {
			case "BRACKETS":
				k += "[]"
			case "REPEAT":
			default:
				k += "[" + strconv.Itoa(i) + "]"
			}
			encodeForm(form, k, e, arrayFormat)
		}
	case *jsonvalue.Object:
		for k, e := range x.All() {
			encodeForm(form, key+"["+k+"]", e, arrayFormat)
		}
	default:
		form.Add(key, scalar(v))
	}
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonvalue.String(v)
}

// responseResult is the HTTP Task's result: the response headers (names in
// lower case, each with its list of values), the body (parsed when it is
// JSON), the status code and its text.
func responseResult(resp *nethttp.Response, body []byte) *jsonvalue.Object {
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	headers := jsonvalue.NewObject(len(names))
	for _, k := range names {
		vals := make([]any, len(resp.Header[k]))
		for i, v := range resp.Header[k] {
			vals[i] = v
		}
		headers.Set(strings.ToLower(k), vals)
	}
	var rb any = string(body)
	if v, err := jsonvalue.Parse(body); err == nil && len(bytes.TrimSpace(body)) > 0 {
		rb = v
	}
	out := jsonvalue.NewObject(4)
	out.Set("Headers", headers)
	out.Set("ResponseBody", rb)
	out.Set("StatusCode", jsonvalue.Int(int64(resp.StatusCode)))
	out.Set("StatusText", nethttp.StatusText(resp.StatusCode))
	return out
}

// get reads a field of a given type.
func get[T any](o *jsonvalue.Object, key string) (T, bool) {
	var zero T
	if o == nil {
		return zero, false
	}
	v, ok := o.Get(key)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}
