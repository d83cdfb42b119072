package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	httptask "github.com/stepd/stepd/runner/http"
	"github.com/stepd/stepd/runner/outbound"
)

// echo answers with what it received, as JSON.
func echo(w nethttp.ResponseWriter, r *nethttp.Request) {
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/missing":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte(`{"message":"no such thing"}`))
		return
	case "/text":
		w.Write([]byte("plain words"))
		return
	case "/to":
		nethttp.Redirect(w, r, r.URL.Query().Get("u"), nethttp.StatusTemporaryRedirect)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "query": r.URL.RawQuery, "body": string(body),
		"contentType": r.Header.Get("Content-Type"), "auth": r.Header.Get("Authorization"),
		"agent": r.Header.Get("User-Agent"), "custom": r.Header.Get("X-Custom"),
		"xray": r.Header.Get("X-Amzn-Trace-Id"), "traceparent": r.Header.Get("Traceparent"),
	})
}

// serve starts echo on a loopback address: 127.0.0.1, or another one to play
// another host.
func serve(t testing.TB, ip string) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (a second loopback address plays another host): %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(nethttp.HandlerFunc(echo))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// allow is a policy that allows the servers' hosts (host:port).
func allow(t testing.TB, srvs ...*httptest.Server) *outbound.Policy {
	t.Helper()
	var patterns []string
	for _, s := range srvs {
		patterns = append(patterns, strings.TrimPrefix(s.URL, "http://"))
	}
	h, err := outbound.ParseHosts(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return &outbound.Policy{Hosts: h, Setting: "http.allowed_hosts", OwnSetting: "http.allow_own_address"}
}

func task(t testing.TB, params string) *runner.Task {
	t.Helper()
	res, err := asl.ParseResource("arn:aws:states:::http:invoke")
	if err != nil {
		t.Fatal(err)
	}
	return &runner.Task{ID: 1, ExecutionARN: "arn:aws:states:us-east-1:1:execution:m:e", Resource: res, Input: jsonvalue.MustParse(params)}
}

func field(t *testing.T, out runner.Outcome, path ...string) any {
	t.Helper()
	if out.Failure != nil {
		t.Fatalf("failed: %v: %s", out.Failure.Name, out.Failure.Cause)
	}
	var v any = out.Output
	for _, p := range path {
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			t.Fatalf("no %s in %s", p, jsonvalue.String(out.Output))
		}
		v, _ = o.Get(p)
	}
	return v
}

func TestHTTPTask(t *testing.T) {
	t.Parallel()
	srv := serve(t, "127.0.0.1")
	r := &httptask.Runner{Outbound: allow(t, srv), Region: "eu-west-1", Connections: map[string]httptask.Connection{
		"arn:aws:events:us-east-1:1:connection/api/x": {Headers: map[string]string{"Authorization": "Bearer secret"}},
	}}
	tests := []struct {
		name, params string
		want         map[string]string // ResponseBody field → value
	}{
		{name: "a JSON body, headers and query parameters",
			params: `{"ApiEndpoint":"` + srv.URL + `/things?fixed=1","Method":"POST","Headers":{"X-Custom":"yes"},
				"QueryParameters":{"q":"a b"},"RequestBody":{"n":1.50,"s":"x"},
				"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/api/x"}}`,
			want: map[string]string{"method": "POST", "query": "fixed=1&q=a+b", "body": `{"n":1.50,"s":"x"}`,
				"contentType": "application/json; charset=UTF-8", "auth": "Bearer secret", "custom": "yes",
				"agent": "Amazon|StepFunctions|HttpInvoke|eu-west-1"}},
		{name: "URL_ENCODED with the default array format (INDICES)",
			params: `{"ApiEndpoint":"` + srv.URL + `","Method":"PUT","RequestBody":{"a":[1,2],"o":{"k":"v"}},"Transform":{"RequestBodyEncoding":"URL_ENCODED"}}`,
			want:   map[string]string{"body": "a%5B0%5D=1&a%5B1%5D=2&o%5Bk%5D=v", "contentType": "application/x-www-form-urlencoded"}},
		{name: "URL_ENCODED with BRACKETS",
			params: `{"ApiEndpoint":"` + srv.URL + `","Method":"POST","RequestBody":{"a":[1,2]},"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}}`,
			want:   map[string]string{"body": "a%5B%5D=1&a%5B%5D=2"}},
		{name: "URL_ENCODED with COMMAS",
			params: `{"ApiEndpoint":"` + srv.URL + `","Method":"POST","RequestBody":{"a":[1,2]},"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"COMMAS"}}}`,
			want:   map[string]string{"body": "a=1%2C2"}},
		{name: "URL_ENCODED with REPEAT, in the query too",
			params: `{"ApiEndpoint":"` + srv.URL + `","Method":"GET","QueryParameters":{"a":["x","y"]},"Transform":{"RequestEncodingOptions":{"ArrayFormat":"REPEAT"}}}`,
			want:   map[string]string{"query": "a=x&a=y", "method": "GET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := r.Run(context.Background(), task(t, tt.params))
			if sc := field(t, out, "StatusCode"); jsonvalue.String(sc) != "200" || field(t, out, "StatusText") != "OK" {
				t.Errorf("status %v", jsonvalue.String(out.Output))
			}
			for k, want := range tt.want {
				if got := field(t, out, "ResponseBody", k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if ct := field(t, out, "Headers", "content-type"); jsonvalue.String(ct) != `["application/json"]` {
				t.Errorf("headers %s", jsonvalue.String(field(t, out, "Headers")))
			}
		})
	}
	t.Run("a traced execution's trace goes on", func(t *testing.T) {
		t.Parallel()
		traced := task(t, `{"ApiEndpoint":"`+srv.URL+`","Method":"GET"}`)
		traced.TraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
		out := r.Run(context.Background(), traced)
		if got := field(t, out, "ResponseBody", "xray"); got != traced.TraceHeader {
			t.Errorf("X-Amzn-Trace-Id %q", got)
		}
		if got := field(t, out, "ResponseBody", "traceparent"); got != "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01" {
			t.Errorf("traceparent %q", got)
		}
		untraced := r.Run(context.Background(), task(t, `{"ApiEndpoint":"`+srv.URL+`","Method":"GET"}`))
		if got := field(t, untraced, "ResponseBody", "xray"); got != "" {
			t.Errorf("an untraced task sent X-Amzn-Trace-Id %q", got)
		}
	})
	t.Run("a body that is not JSON is a string", func(t *testing.T) {
		t.Parallel()
		out := r.Run(context.Background(), task(t, `{"ApiEndpoint":"`+srv.URL+`/text","Method":"GET"}`))
		if got := field(t, out, "ResponseBody"); got != "plain words" {
			t.Errorf("ResponseBody %v", got)
		}
	})
}

func TestHTTPTaskErrors(t *testing.T) {
	t.Parallel()
	srv := serve(t, "127.0.0.1")
	closed := httptest.NewServer(nethttp.NotFoundHandler())
	closed.Close()
	ok := &httptask.Runner{Outbound: allow(t, srv, closed)}
	tests := []struct {
		name   string
		r      *httptask.Runner
		params string
		err    string
		cause  string // a substring
	}{
		{name: "a status outside 2xx", r: ok, params: `{"ApiEndpoint":"` + srv.URL + `/missing","Method":"GET"}`,
			err: "States.Http.StatusCode.404", cause: `"ResponseBody":{"message":"no such thing"},"StatusCode":404,"StatusText":"Not Found"`},
		{name: "no server", r: ok, params: `{"ApiEndpoint":"` + closed.URL + `","Method":"GET"}`,
			err: "States.Http.Socket", cause: "connection refused"},
		{name: "an unknown method", r: ok, params: `{"ApiEndpoint":"` + srv.URL + `","Method":"FETCH"}`,
			err: "States.Runtime", cause: "'Method'"},
		{name: "no endpoint", r: ok, params: `{"Method":"GET"}`, err: "States.Runtime", cause: "'ApiEndpoint'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := tt.r.Run(context.Background(), task(t, tt.params))
			if out.Failure == nil || out.Failure.Name != tt.err || !strings.Contains(out.Failure.Cause, tt.cause) {
				t.Fatalf("outcome %+v, want %s with %q", out, tt.err, tt.cause)
			}
		})
	}
}

// TestOutbound: an HTTP Task reaches only the hosts its policy allows, never
// stepd's own address unless allowed, and its headers do not follow a
// redirect to another host.
func TestOutbound(t *testing.T) {
	t.Parallel()
	a, b, c := serve(t, "127.0.0.1"), serve(t, "127.0.0.2"), serve(t, "127.0.0.3")
	conn := map[string]httptask.Connection{"arn:aws:events:us-east-1:1:connection/api/x": {Headers: map[string]string{"Authorization": "Bearer secret"}}}
	r := &httptask.Runner{Outbound: allow(t, a, b), Connections: conn}
	call := func(r *httptask.Runner, endpoint string) runner.Outcome {
		return r.Run(context.Background(), task(t, `{"ApiEndpoint":"`+endpoint+`","Method":"POST","Headers":{"X-Custom":"yes"},"RequestBody":{"n":1},
			"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/api/x"}}`))
	}
	to := func(from *httptest.Server, target string) string {
		return from.URL + "/to?u=" + url.QueryEscape(target)
	}
	hostOf := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	socket := func(t *testing.T, out runner.Outcome, cause ...string) {
		t.Helper()
		if out.Failure == nil || out.Failure.Name != "States.Http.Socket" {
			t.Fatalf("outcome %+v, want States.Http.Socket", out)
		}
		for _, c := range cause {
			if !strings.Contains(out.Failure.Cause, c) {
				t.Errorf("cause %q does not say %q", out.Failure.Cause, c)
			}
		}
	}

	t.Run("a host not allowed", func(t *testing.T) {
		socket(t, call(r, c.URL+"/echo"), "stepd does not connect to "+hostOf(c), "not in http.allowed_hosts of stepd's configuration")
	})
	t.Run("a runner without a policy allows no host", func(t *testing.T) {
		socket(t, call(&httptask.Runner{}, a.URL+"/echo"), "stepd does not connect to "+hostOf(a))
	})
	t.Run("stepd's own address, through a name", func(t *testing.T) {
		p := allow(t, a)
		p.Hosts, _ = outbound.ParseHosts([]string{"localhost", "127.0.0.1"})
		p.Own = outbound.NewOwn(hostOf(a))
		_, port, _ := net.SplitHostPort(hostOf(a))
		socket(t, call(&httptask.Runner{Outbound: p}, "http://localhost:"+port+"/echo"),
			"it resolves to "+hostOf(a)+", where stepd itself serves", "set http.allow_own_address: true")
	})
	t.Run("a redirect to a host not allowed", func(t *testing.T) {
		socket(t, call(r, to(a, c.URL+"/echo")), "stepd does not follow the redirect from "+a.URL+"/to to "+c.URL+"/echo", "http.allowed_hosts")
	})
	t.Run("a redirect on the same host keeps the headers", func(t *testing.T) {
		out := call(r, to(a, a.URL+"/echo"))
		if field(t, out, "ResponseBody", "custom") != "yes" || field(t, out, "ResponseBody", "auth") != "Bearer secret" {
			t.Errorf("result %s", jsonvalue.String(out.Output))
		}
	})
	t.Run("a redirect to another host drops them", func(t *testing.T) {
		out := call(r, to(a, b.URL+"/echo"))
		body := field(t, out, "ResponseBody").(*jsonvalue.Object)
		for _, k := range []string{"custom", "auth"} {
			if v, _ := body.Get(k); v != "" {
				t.Errorf("%s arrived: %v", k, v)
			}
		}
		if v, _ := body.Get("body"); v != `{"n":1}` { // a 307 sends the body again
			t.Errorf("body %v", v)
		}
		if v, _ := body.Get("agent"); v != "Amazon|StepFunctions|HttpInvoke|us-east-1" {
			t.Errorf("User-Agent %v", v)
		}
	})
}

func BenchmarkHTTPTask(b *testing.B) {
	srv := serve(b, "127.0.0.1")
	r := &httptask.Runner{Outbound: allow(b, srv)}
	tk := task(b, `{"ApiEndpoint":"`+srv.URL+`/things","Method":"POST","Headers":{"X-Custom":"yes"},"RequestBody":{"n":1}}`)
	for b.Loop() {
		if out := r.Run(context.Background(), tk); out.Failure != nil {
			b.Fatal(out.Failure)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	r := &httptask.Runner{}
	for arn, ok := range map[string]bool{
		"arn:aws:states:::http:invoke":                  true,
		"arn:aws:states:::http:invoke.waitForTaskToken": false,
		"arn:aws:states:::http:get":                     false,
	} {
		res, err := asl.ParseResource(arn)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Check(res); (err == nil) != ok {
			t.Errorf("Check(%s) = %v", arn, err)
		}
	}
}
