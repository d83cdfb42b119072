package runner

import "context"

// HTTPExchange is the HTTP request a Task sent and the response it got, as
// TestState's TRACE inspection data shows them. A caller that wants them
// passes one in the task's context (WithHTTPExchange); a runner that makes
// an HTTP request of the task's own (the HTTP Task) fills it in.
type HTTPExchange struct {
	// RevealSecrets: include what a connection adds to the request (its
	// headers and query parameters); without it they are left out.
	RevealSecrets bool
	// Request and Response are nil when there was none (a request that
	// could not be built, a connection that failed).
	Request  *HTTPRequest
	Response *HTTPResponse
}

// HTTPRequest is a request as TestState shows it: headers as
// "[Name: value, ...]".
type HTTPRequest struct {
	Protocol, Method, URL, Headers, Body string
}

// HTTPResponse is a response as TestState shows it.
type HTTPResponse struct {
	Protocol, StatusCode, StatusMessage, Headers, Body string
}

type exchangeKey struct{}

// WithHTTPExchange returns a context whose task's HTTP exchange is recorded
// in x.
func WithHTTPExchange(ctx context.Context, x *HTTPExchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

// HTTPExchangeFrom returns the exchange to record a task's HTTP request in,
// or nil.
func HTTPExchangeFrom(ctx context.Context) *HTTPExchange {
	x, _ := ctx.Value(exchangeKey{}).(*HTTPExchange)
	return x
}
