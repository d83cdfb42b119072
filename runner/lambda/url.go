package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/outbound"
)

// URL is a function served over HTTP: each invocation POSTs the event as JSON
// to the URL, and the response body is the result. A non-2xx answer whose body
// is Lambda's error shape {"errorType", "errorMessage", ...} is a function
// error, reported as Lambda reports it; any other non-2xx answer, or no answer,
// is a failure of the invocation (Lambda.ServiceException, or
// Lambda.SdkClientException when the server cannot be reached), which the
// Retry block AWS recommends for Lambda tasks retries.
//
// Each request carries the headers Lambda-Function-Name, Lambda-Request-Id,
// Stepd-Execution-Arn and Stepd-Idempotency-Key (the same for every delivery
// of one task invocation).
//
// The requests, and the redirects they follow, go only where Outbound
// allows; a refusal is a Lambda.SdkClientException, as a server that cannot
// be reached is.
type URL struct {
	URL    string
	Header http.Header // extra request headers
	// Timeout abandons the request after this long and reports
	// Sandbox.Timedout, like a Lambda timeout; zero: only the task's timeout.
	Timeout time.Duration
	// Outbound is where requests may go, and sends them; nil: URL's host and
	// port only, wherever it resolves.
	Outbound *outbound.Policy

	once   sync.Once
	policy *outbound.Policy
}

// HostPolicy is the policy of a function at rawURL: its host and port only.
func HostPolicy(rawURL string) (*outbound.Policy, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	hosts, err := outbound.ParseHosts([]string{outbound.Authority(u)})
	if err != nil {
		return nil, err
	}
	return &outbound.Policy{Hosts: hosts, Setting: "the function's url"}, nil
}

// client is the HTTP client of the function's policy.
func (u *URL) client() *http.Client {
	u.once.Do(func() {
		u.policy = u.Outbound
		if u.policy == nil {
			var err error
			if u.policy, err = HostPolicy(u.URL); err != nil {
				u.policy = &outbound.Policy{} // the request fails on its URL first
			}
		}
	})
	return u.policy.Client()
}

var _ Function = (*URL)(nil)

// Invoke POSTs the event once.
func (u *URL) Invoke(ctx context.Context, inv *Invocation) (*Response, error) {
	ctx, cancel := withTimeout(ctx, u.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.URL, bytes.NewReader(inv.Payload))
	if err != nil {
		return nil, fmt.Errorf("function URL %q: %w", u.URL, err)
	}
	for k, vs := range u.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Function-Name", inv.FunctionName)
	req.Header.Set("Lambda-Request-Id", inv.RequestID)
	if inv.ClientContext != "" {
		req.Header.Set("Lambda-Client-Context", inv.ClientContext) // base64 JSON, as Invoke received it
	}
	if inv.Task != nil {
		req.Header.Set("Stepd-Execution-Arn", inv.Task.ExecutionARN)
		req.Header.Set("Stepd-Idempotency-Key", inv.Task.IdempotencyKey())
		runner.SetTraceHeaders(req.Header, inv.Task.TraceHeader)
	}
	resp, err := u.client().Do(req)
	if err == nil {
		defer resp.Body.Close()
	}
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx, inv, u.Timeout)
		}
		if r := (*outbound.Refused)(nil); errors.As(err, &r) {
			err = r
		}
		return nil, &InvokeError{Name: "Lambda.SdkClientException", Cause: fmt.Sprintf("Unable to execute HTTP request: %v", err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &Response{Payload: body}, nil
	}
	if isErrorShape(body) {
		return &Response{Payload: bytes.TrimSpace(body), FunctionError: "Unhandled"}, nil
	}
	name := "Lambda.ServiceException"
	if resp.StatusCode == http.StatusTooManyRequests {
		name = "Lambda.TooManyRequestsException"
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 1024 {
		text = text[:1024] + "..."
	}
	return nil, &InvokeError{Name: name, Cause: fmt.Sprintf("The function URL %s answered %s: %s", u.URL, resp.Status, text)}
}

// isErrorShape reports whether a payload is Lambda's error object.
func isErrorShape(b []byte) bool {
	v, err := jsonvalue.Parse(b)
	if err != nil {
		return false
	}
	o, ok := v.(*jsonvalue.Object)
	return ok && o.Has("errorType")
}
