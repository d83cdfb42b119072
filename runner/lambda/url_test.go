package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/runner/lambda"
	"github.com/stepd/stepd/runner/outbound"
)

func TestURLFunction(t *testing.T) {
	t.Parallel()
	var execution atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		execution.Store(r.Header.Get("Stepd-Execution-Arn") + " " + r.Header.Get("Lambda-Function-Name"))
		switch r.URL.Path {
		case "/echo":
			w.Write(body)
		case "/raise":
			w.WriteHeader(500)
			w.Write([]byte(`{"errorType":"ValueError","errorMessage":"bad value"}`))
		case "/broken":
			w.WriteHeader(502)
			w.Write([]byte(`<html>bad gateway</html>`))
		case "/busy":
			w.WriteHeader(429)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
	}))
	t.Cleanup(srv.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, path, input string
		output            string
		errName, cause    string // cause: a prefix
	}{
		{name: "the response body is the result", path: "/echo", input: `{"a":[1,2.50]}`, output: `{"a":[1,2.50]}`},
		{name: "Lambda's error shape is a function error", path: "/raise", input: `{}`, errName: "ValueError", cause: `{"errorType":"ValueError","errorMessage":"bad value"}`},
		{name: "another non-2xx answer is a service error", path: "/broken", input: `{}`, errName: "Lambda.ServiceException", cause: "The function URL " + srv.URL + "/broken answered 502 Bad Gateway: <html>"},
		{name: "429 is throttling", path: "/busy", input: `{}`, errName: "Lambda.TooManyRequestsException"},
		{name: "the function's timeout", path: "/slow", input: `{}`, errName: "Sandbox.Timedout", cause: `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := &lambda.URL{URL: srv.URL + tt.path, Timeout: 300 * time.Millisecond}
			out := run(t, fn, fnARN+"fn", tt.input)
			if tt.errName == "" {
				if out.Failure != nil || jsonvalue.String(out.Output) != tt.output {
					t.Fatalf("outcome %+v", out)
				}
				return
			}
			if out.Failure == nil || out.Failure.Name != tt.errName || !strings.HasPrefix(out.Failure.Cause, tt.cause) {
				t.Fatalf("outcome %+v, want %s: %s", out, tt.errName, tt.cause)
			}
		})
	}
	if got := execution.Load(); got != "arn:aws:states:us-east-1:1:execution:m:e fn" {
		t.Errorf("request headers: %v", got)
	}
	out := run(t, &lambda.URL{URL: closed.URL}, fnARN+"fn", `{}`)
	if out.Failure == nil || out.Failure.Name != "Lambda.SdkClientException" {
		t.Errorf("unreachable server: %+v", out)
	}
}

// TestURLFunctionOutbound: a url function reaches its own host only, and not
// stepd's address unless allowed.
func TestURLFunctionOutbound(t *testing.T) {
	t.Parallel()
	listen := func(ip string) *httptest.Server {
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Skipf("cannot listen on %s (a second loopback address plays another host): %v", ip, err)
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if to := r.URL.Query().Get("to"); to != "" {
				http.Redirect(w, r, to, http.StatusTemporaryRedirect)
				return
			}
			io.Copy(w, r.Body)
		}))
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := listen("127.0.0.1"), listen("127.0.0.2")
	hostA := strings.TrimPrefix(a.URL, "http://")
	_, port, _ := net.SplitHostPort(hostA)
	refused := func(t *testing.T, fn lambda.Function, cause ...string) {
		t.Helper()
		out := run(t, fn, fnARN+"fn", `{"n":1}`)
		if out.Failure == nil || out.Failure.Name != "Lambda.SdkClientException" || !strings.HasPrefix(out.Failure.Cause, "Unable to execute HTTP request: stepd does not ") {
			t.Fatalf("outcome %+v, want a refusal", out)
		}
		for _, c := range cause {
			if !strings.Contains(out.Failure.Cause, c) {
				t.Errorf("cause %q does not say %q", out.Failure.Cause, c)
			}
		}
	}
	ok := func(t *testing.T, fn lambda.Function) {
		t.Helper()
		if out := run(t, fn, fnARN+"fn", `{"n":1}`); out.Failure != nil || jsonvalue.String(out.Output) != `{"n":1}` {
			t.Fatalf("outcome %+v", out)
		}
	}
	t.Run("a redirect on its host", func(t *testing.T) {
		ok(t, &lambda.URL{URL: a.URL + "/?to=" + url.QueryEscape(a.URL+"/echo")})
	})
	t.Run("a redirect to another host", func(t *testing.T) {
		refused(t, &lambda.URL{URL: a.URL + "/?to=" + url.QueryEscape(b.URL+"/echo")},
			"stepd does not follow the redirect from "+a.URL+"/ to "+b.URL+"/echo: the host is not in the function's url")
	})
	own := func(allow bool) *outbound.Policy {
		p, err := lambda.HostPolicy("http://localhost:" + port)
		if err != nil {
			t.Fatal(err)
		}
		p.Own, p.AllowOwn, p.OwnSetting = outbound.NewOwn(hostA), allow, "http.allow_own_address"
		return p
	}
	t.Run("stepd's own address", func(t *testing.T) {
		refused(t, &lambda.URL{URL: "http://localhost:" + port, Outbound: own(false)},
			"stepd does not connect to localhost:"+port+": it resolves to "+hostA+", where stepd itself serves; set http.allow_own_address: true")
	})
	t.Run("stepd's own address, allowed", func(t *testing.T) {
		ok(t, &lambda.URL{URL: "http://localhost:" + port, Outbound: own(true)})
	})
}

func TestLimitBoundsConcurrentInvocations(t *testing.T) {
	t.Parallel()
	var running, most atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release
		running.Add(-1)
		w.Write([]byte(`1`))
	}))
	t.Cleanup(srv.Close)
	fn := lambda.Limit(&lambda.URL{URL: srv.URL}, 2)
	done := make(chan struct{})
	for range 5 {
		go func() { run(t, fn, fnARN+"fn", `{}`); done <- struct{}{} }()
	}
	<-entered
	<-entered
	select {
	case <-entered:
		t.Fatal("a third invocation ran while two were running")
	case <-time.After(100 * time.Millisecond): // the limit holds: nothing may arrive
	}
	go func() {
		for range 3 {
			<-entered
		}
	}()
	for range 5 {
		release <- struct{}{}
	}
	for range 5 {
		<-done
	}
	if most.Load() != 2 {
		t.Errorf("at most %d ran at once, want 2", most.Load())
	}
}

// TestEndpointAgainstMoto invokes functions through a real Lambda Invoke API:
// moto's, which echoes the event when it runs without Docker.
func TestEndpointAgainstMoto(t *testing.T) {
	endpoint := mototest.Endpoint(t)
	t.Parallel()
	ctx := context.Background()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/moto-api/config", strings.NewReader(`{"lambda":{"use_docker":false}}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	// moto checks that the function's role exists.
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"lambda"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[]}`}}
	iam, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	iam.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	iam.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	if resp, err := http.DefaultClient.Do(iam); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	client := awslambda.New(awslambda.Options{
		Region: "us-east-1", BaseEndpoint: awsv2.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	name := fmt.Sprintf("remote-echo-%d", time.Now().UnixNano()) // the moto server outlives one run of the test
	_, err := client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: awsv2.String(name), Runtime: types.RuntimePython312, Handler: awsv2.String("app.handler"),
		Role: awsv2.String("arn:aws:iam::123456789012:role/lambda"), Code: &types.FunctionCode{ZipFile: zipped(t)},
	})
	if err != nil {
		t.Fatalf("create the function in moto: %v", err)
	}
	api := lambda.Endpoint{URL: endpoint, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	fn := api
	fn.Name = name
	out := run(t, &fn, fnARN+"fn", `{"hello":"moto"}`)
	if out.Failure != nil || jsonvalue.String(out.Output) != `{"hello":"moto"}` {
		t.Fatalf("outcome %+v", out)
	}
	// An Event invocation is the endpoint's to queue: its 202, no payload.
	out = run(t, &fn, "arn:aws:states:::lambda:invoke", `{"FunctionName":"`+fnARN+`fn","InvocationType":"Event","Payload":{}}`)
	if out.Failure != nil || jsonvalue.String(dig(out.Output, "StatusCode")) != "202" || dig(out.Output, "Payload") != "" {
		t.Errorf("an Event invocation through the endpoint: %+v", out)
	}
	out = run(t, &api, fnARN+"missing", `{}`)
	if out.Failure == nil || out.Failure.Name != "Lambda.ResourceNotFoundException" || !strings.Contains(out.Failure.Cause, "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ") {
		t.Errorf("a function the endpoint lacks: %+v", out)
	}
}

// zipped is a zip file with one small handler, as CreateFunction wants.
func zipped(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	f, err := z.Create("app.py")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("def handler(event, context):\n    return event\n"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dig is the value at a path of object fields in v; nil where there is none.
func dig(v any, path ...string) any {
	for _, k := range path {
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return nil
		}
		v, _ = o.Get(k)
	}
	return v
}
