package lambda_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/lambda"
)

func sh(script string) *lambda.Command {
	return &lambda.Command{Args: []string{"sh", "-c", script}, Log: &strings.Builder{}}
}

func newRunner() *lambda.Runner {
	return &lambda.Runner{Region: "us-east-1", Account: "123456789012", Functions: lambda.Registry{
		"echo":    sh("cat"),
		"empty":   sh("true"),
		"raise":   sh(`printf '{"errorType": "ValueError", "errorMessage": "bad value"}'; exit 1`),
		"crash":   sh("echo oops >&2; exit 3"),
		"slow":    &lambda.Command{Args: []string{"sleep", "30"}, Timeout: 200 * time.Millisecond},
		"garbage": sh("echo not json"),
	}}
}

func task(t testing.TB, resource string, input string) *runner.Task {
	t.Helper()
	r, err := asl.ParseResource(resource)
	if err != nil {
		t.Fatal(err)
	}
	return &runner.Task{ID: 1, ExecutionARN: "arn:aws:states:us-east-1:1:execution:m:e", Resource: r, Input: jsonvalue.MustParse(input)}
}

const fnARN = "arn:aws:lambda:eu-west-1:999999999999:function:"

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		input    string
		output   string // JSON, for success
		errName  string
		cause    string // exact cause, or a prefix ending in "*"
	}{
		{name: "function ARN returns its result", resource: fnARN + "echo", input: `{"a":[1,2.50]}`, output: `{"a":[1,2.50]}`},
		{name: "any region, account and qualifier", resource: fnARN + "echo:live", input: `"x"`, output: `"x"`},
		{name: "empty output is null", resource: fnARN + "empty", input: `{}`, output: `null`},
		{name: "function error keeps the payload as written", resource: fnARN + "raise", input: `{}`,
			errName: "ValueError", cause: `{"errorType": "ValueError", "errorMessage": "bad value"}`},
		{name: "lambda:invoke error is re-encoded compactly", resource: "arn:aws:states:::lambda:invoke", input: `{"FunctionName":"raise"}`,
			errName: "ValueError", cause: `{"errorType":"ValueError","errorMessage":"bad value"}`},
		{name: "a crash is Runtime.ExitError", resource: fnARN + "crash", input: `{}`,
			errName: "Runtime.ExitError", cause: `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: *`},
		{name: "an unknown function", resource: fnARN + "nope", input: `{}`,
			errName: "Lambda.ResourceNotFoundException", cause: "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope *"},
		{name: "lambda:invoke needs FunctionName", resource: "arn:aws:states:::lambda:invoke", input: `{}`,
			errName: "Lambda.InvalidParameterValueException"},
		{name: "the function's own timeout", resource: fnARN + "slow", input: `{}`,
			errName: "Sandbox.Timedout", cause: `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: *`},
		{name: "output that is not JSON", resource: fnARN + "garbage", input: `{}`, errName: "Lambda.InvalidResponse"},
	}
	r := newRunner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := r.Run(context.Background(), task(t, tt.resource, tt.input))
			if tt.errName == "" {
				if out.Failure != nil {
					t.Fatalf("failed: %v", out.Failure)
				}
				if got := jsonvalue.String(out.Output); got != tt.output {
					t.Errorf("output %s, want %s", got, tt.output)
				}
				return
			}
			if out.Failure == nil || out.Failure.Name != tt.errName {
				t.Fatalf("outcome %+v, want error %s", out, tt.errName)
			}
			if want, prefix := strings.CutSuffix(tt.cause, "*"); prefix && !strings.HasPrefix(out.Failure.Cause, want) ||
				!prefix && tt.cause != "" && out.Failure.Cause != tt.cause {
				t.Errorf("cause %q, want %q", out.Failure.Cause, tt.cause)
			}
		})
	}
}

// A Runner without Region and Account names a missing function with the
// defaults that complete its ARN elsewhere.
func TestNotFoundWithDefaults(t *testing.T) {
	t.Parallel()
	out := (&lambda.Runner{}).Run(context.Background(), task(t, fnARN+"nope", `{}`))
	if want := "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope "; out.Failure == nil || !strings.HasPrefix(out.Failure.Cause, want) {
		t.Errorf("outcome %+v, want a cause starting %q", out, want)
	}
}

// The lambda:invoke integration sends its Payload as AWS's recordings show
// (LocalStack's test_invoke_json_values and test_invoke): a string as the
// JSON text it holds, null or none as no payload (the function gets {}).
func TestLambdaInvokePayload(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ params, want string }{
		{`{"FunctionName":"echo","Payload":"\"HelloWorld\""}`, `"HelloWorld"`},
		{`{"FunctionName":"echo","Payload":"0.0"}`, `0.0`},
		{`{"FunctionName":"echo","Payload":"[]"}`, `[]`},
		{`{"FunctionName":"echo","Payload":null}`, `{}`},
		{`{"FunctionName":"echo"}`, `{}`},
		{`{"FunctionName":"echo","Payload":{"a":"b"}}`, `{"a":"b"}`},
		{`{"FunctionName":"echo","Payload":true}`, `true`},
	} {
		out := newRunner().Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", c.params))
		if out.Failure != nil {
			t.Errorf("%s: %+v", c.params, out.Failure)
			continue
		}
		if p := dig(out.Output, "Payload"); jsonvalue.String(p) != c.want {
			t.Errorf("%s: the function got %s, want %s", c.params, jsonvalue.String(p), c.want)
		}
	}
	out := newRunner().Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"echo","Payload":"not json"}`))
	if out.Failure == nil || out.Failure.Name != "Lambda.InvalidRequestContentException" {
		t.Errorf("a Payload string that is not JSON: %+v", out)
	}
}

func TestLambdaInvokeResultShape(t *testing.T) {
	t.Parallel()
	out := newRunner().Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"arn:aws:lambda:us-east-1:1:function:echo:3","Payload":{"k":"v"}}`))
	o, ok := out.Output.(*jsonvalue.Object)
	if out.Failure != nil || !ok {
		t.Fatalf("outcome %+v", out)
	}
	if p, _ := o.Get("Payload"); jsonvalue.String(p) != `{"k":"v"}` {
		t.Errorf("Payload %s", jsonvalue.String(p))
	}
	if sc, _ := o.Get("StatusCode"); jsonvalue.String(sc) != "200" {
		t.Errorf("StatusCode %v", sc)
	}
	for _, k := range []string{"ExecutedVersion", "SdkHttpMetadata", "SdkResponseMetadata"} {
		if !o.Has(k) {
			t.Errorf("no %s in %s", k, jsonvalue.String(o))
		}
	}
	// The headers Lambda answers Invoke with, as AWS recorded them: every
	// value (AllHttpHeaders) and the last (HttpHeaders) of each.
	for _, h := range []string{"Connection", "Content-Length", "Content-Type", "Date", "X-Amz-Executed-Version",
		"x-amzn-Remapped-Content-Length", "x-amzn-RequestId", "X-Amzn-Trace-Id"} {
		last, _ := dig(o, "SdkHttpMetadata", "HttpHeaders", h).(string)
		all := dig(o, "SdkHttpMetadata", "AllHttpHeaders", h)
		if last == "" || jsonvalue.String(all) != jsonvalue.String([]any{last}) {
			t.Errorf("header %s: %q, all %s", h, last, jsonvalue.String(all))
		}
	}
	if n := dig(o, "SdkHttpMetadata", "HttpHeaders", "Content-Length"); n != "9" { // {"k":"v"}, echoed by cat
		t.Errorf("Content-Length %v, want the payload's 9 bytes", n)
	}
	if id := dig(o, "SdkHttpMetadata", "HttpHeaders", "x-amzn-RequestId"); id != dig(o, "SdkResponseMetadata", "RequestId") {
		t.Errorf("request IDs %v and %v differ", id, dig(o, "SdkResponseMetadata", "RequestId"))
	}
}

// signalWriter closes started on the first write.
type signalWriter struct {
	once    sync.Once
	started chan struct{}
}

func (w *signalWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	return len(b), nil
}

func TestCancelKillsTheProcess(t *testing.T) {
	t.Parallel()
	log := &signalWriter{started: make(chan struct{})}
	r := &lambda.Runner{Functions: lambda.Registry{
		"sleeper": &lambda.Command{Args: []string{"sh", "-c", "echo started >&2; sleep 30"}, Log: log},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runner.Outcome)
	go func() { done <- r.Run(ctx, task(t, fnARN+"sleeper", `{}`)) }()
	<-log.started
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled: the process was not killed")
	}
}
