package http

import (
	"io"
	nethttp "net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// traceRequest records the request in x: a connection's headers and query
// parameters only when x reveals secrets.
func (r *Runner) traceRequest(x *runner.HTTPExchange, params *jsonvalue.Object, req *nethttp.Request) {
	var conn Connection
	if auth, ok := get[*jsonvalue.Object](params, "Authentication"); ok {
		if arn, ok := get[string](auth, "ConnectionArn"); ok {
			conn = r.Connections[arn]
		}
	}
	u := *req.URL
	if !x.RevealSecrets && len(conn.QueryParameters) > 0 {
		q := u.Query()
		for k := range conn.QueryParameters {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
	}
	hide := map[string]bool{}
	if !x.RevealSecrets {
		for k := range conn.Headers {
			hide[nethttp.CanonicalHeaderKey(k)] = true
		}
	}
	body := ""
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, maxResponse))
			rc.Close()
			body = string(b)
		}
	}
	x.Request = &runner.HTTPRequest{Protocol: u.Scheme, Method: req.Method, URL: u.String(), Headers: headerText(req.Header, hide), Body: body}
}

// traceResponse records the response in x.
func traceResponse(x *runner.HTTPExchange, u *url.URL, resp *nethttp.Response, body []byte) {
	x.Response = &runner.HTTPResponse{Protocol: u.Scheme, StatusCode: strconv.Itoa(resp.StatusCode),
		StatusMessage: nethttp.StatusText(resp.StatusCode), Headers: headerText(resp.Header, nil), Body: string(body)}
}

// headerText renders headers as "[Name: value, Name: value]", sorted.
func headerText(h nethttp.Header, hide map[string]bool) string {
	names := make([]string, 0, len(h))
	for k := range h {
		if !hide[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		parts = append(parts, k+": "+strings.Join(h[k], ","))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
