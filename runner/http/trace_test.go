package http_test

import (
	"context"
	"strings"
	"testing"

	httptask "github.com/stepd/stepd/runner/http"

	"github.com/stepd/stepd/runner"
)

// TestTraceExchange: with an exchange in the context, the request and the
// response are recorded, a connection's secrets only when revealed.
func TestTraceExchange(t *testing.T) {
	srv := serve(t, "127.0.0.1")
	r := &httptask.Runner{Outbound: allow(t, srv), Connections: map[string]httptask.Connection{
		"arn:aws:events:us-east-1:1:connection/c/1": {Headers: map[string]string{"Authorization": "Bearer s3cret"}, QueryParameters: map[string]string{"key": "k3y"}}}}
	params := `{"ApiEndpoint": "` + srv.URL + `/echo", "Method": "POST", "RequestBody": {"a": 1}, "QueryParameters": {"q": "1"},
		"Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:connection/c/1"}}`
	for _, reveal := range []bool{false, true} {
		x := &runner.HTTPExchange{RevealSecrets: reveal}
		out := r.Run(runner.WithHTTPExchange(context.Background(), x), task(t, params))
		if out.Failure != nil {
			t.Fatal(out.Failure)
		}
		req, resp := x.Request, x.Response
		if req == nil || resp == nil {
			t.Fatalf("nothing recorded: %+v", x)
		}
		if req.Method != "POST" || req.Protocol != "http" || req.Body != `{"a":1}` || !strings.Contains(req.URL, "q=1") ||
			!strings.Contains(req.Headers, "Content-Type: application/json; charset=UTF-8") {
			t.Errorf("request %+v", req)
		}
		secret := strings.Contains(req.Headers, "s3cret") || strings.Contains(req.URL, "k3y")
		if secret != reveal {
			t.Errorf("reveal %v: the connection's secrets shown %v: %+v", reveal, secret, req)
		}
		if resp.StatusCode != "200" || resp.StatusMessage != "OK" || !strings.HasPrefix(resp.Headers, "[") || !strings.Contains(resp.Body, `"method":"POST"`) {
			t.Errorf("response %+v", resp)
		}
	}
}
