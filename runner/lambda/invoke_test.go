package lambda_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/lambda"
)

// LogType Tail returns the invocation's log, its last 4 KB between Lambda's
// START, END and REPORT lines, in LogResult and X-Amz-Log-Result.
func TestInvokeLogTail(t *testing.T) {
	t.Parallel()
	r := &lambda.Runner{Functions: lambda.Registry{"talk": sh(`echo "hello from the function" >&2; echo '{"ok":true}'`)}}
	out := r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"talk","LogType":"Tail"}`))
	if out.Failure != nil {
		t.Fatalf("%+v", out.Failure)
	}
	enc, _ := dig(out.Output, "LogResult").(string)
	log, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || !strings.HasPrefix(string(log), "START RequestId: ") || !strings.Contains(string(log), "hello from the function\nEND RequestId: ") ||
		!strings.Contains(string(log), "\nREPORT RequestId: ") {
		t.Errorf("LogResult %q (%v)", log, err)
	}
	if h := dig(out.Output, "SdkHttpMetadata", "HttpHeaders", "X-Amz-Log-Result"); h != enc {
		t.Errorf("X-Amz-Log-Result %v, LogResult %v", h, enc)
	}
	// Without it, no log.
	out = r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"talk","LogType":"None"}`))
	if out.Failure != nil || dig(out.Output, "LogResult") != nil {
		t.Errorf("LogType None: %+v", out)
	}
}

// InvocationType Event answers at once (202, no payload) and runs the function
// in the background; DryRun (204) does not run it.
func TestInvokeEventAndDryRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	// Each run appends its payload: what ran, and how often, is in the file.
	r := &lambda.Runner{Functions: lambda.Registry{"later": sh(`p=$(cat); sleep 0.3; echo "$p" >> ` + mark)}}
	dry := r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"later","InvocationType":"DryRun","Payload":{"n":1}}`))
	if dry.Failure != nil || jsonvalue.String(dig(dry.Output, "StatusCode")) != "204" || dig(dry.Output, "Payload") != "" {
		t.Fatalf("DryRun: %+v", dry)
	}
	began := time.Now()
	ev := r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"later","InvocationType":"Event","Payload":{"n":2}}`))
	if ev.Failure != nil || jsonvalue.String(dig(ev.Output, "StatusCode")) != "202" || dig(ev.Output, "Payload") != "" || dig(ev.Output, "ExecutedVersion") != nil {
		t.Fatalf("Event: %+v", ev)
	}
	if took := time.Since(began); took > 250*time.Millisecond {
		t.Errorf("the Event invocation waited %v for the function", took)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(mark)
		if err == nil && string(b) != "" {
			// The Event ran, with its payload; had the DryRun run, its line
			// would be there too by now (both sleep alike).
			time.Sleep(500 * time.Millisecond)
			if b, _ = os.ReadFile(mark); string(b) != "{\"n\":2}\n" {
				t.Fatalf("runs %q, want the Event's alone", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Event invocation did not run: %q, %v", b, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Values the Invoke API refuses fail as Lambda refuses them; a ClientContext
// reaches the function decoded.
func TestInvokeOptionsChecked(t *testing.T) {
	t.Parallel()
	r := &lambda.Runner{Functions: lambda.Registry{"ctx": sh(`printf '%s' "$STEPD_CLIENT_CONTEXT"`)}}
	for _, c := range []struct{ params, errName string }{
		{`{"FunctionName":"ctx","InvocationType":"Later"}`, "Lambda.ValidationException"},
		{`{"FunctionName":"ctx","LogType":"All"}`, "Lambda.ValidationException"},
		{`{"FunctionName":"ctx","ClientContext":"not base64!"}`, "Lambda.InvalidRequestContentException"},
	} {
		out := r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", c.params))
		if out.Failure == nil || out.Failure.Name != c.errName {
			t.Errorf("%s: %+v, want %s", c.params, out, c.errName)
		}
	}
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	out := r.Run(context.Background(), task(t, "arn:aws:states:::lambda:invoke", `{"FunctionName":"ctx","ClientContext":"`+cc+`"}`))
	if out.Failure != nil || jsonvalue.String(dig(out.Output, "Payload")) != `{"custom":{"k":"v"}}` {
		t.Errorf("ClientContext: %+v", out)
	}
}

// A handler sees the ClientContext as its runtime gives it (Python's
// context.client_context, Node's context.clientContext), and LogType Tail
// returns what it printed.
func TestHandlerClientContextAndLogTail(t *testing.T) {
	t.Parallel()
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"},"env":{"e":1}}`))
	for _, c := range []struct {
		program string
		h       func() *lambda.Handler
		want    string
	}{
		{"python3", func() *lambda.Handler { return pyHandler("app.client_context", nil) }, `{"custom":{"k":"v"},"env":{"e":1},"client":null}`},
		{"node", func() *lambda.Handler { return nodeHandler("index.clientContext", nil) }, `{"custom":{"k":"v"},"env":{"e":1}}`},
	} {
		t.Run(c.program, func(t *testing.T) {
			need(t, c.program)
			h := c.h()
			t.Cleanup(func() { h.Close() })
			out := run(t, h, "arn:aws:states:::lambda:invoke", `{"FunctionName":"fn","ClientContext":"`+cc+`"}`)
			if out.Failure != nil || jsonvalue.String(dig(out.Output, "Payload")) != c.want {
				t.Errorf("%+v, want the Payload %s", out, c.want)
			}
		})
	}
	need(t, "python3")
	h := pyHandler("app.echo", nil)
	t.Cleanup(func() { h.Close() })
	out := run(t, h, "arn:aws:states:::lambda:invoke", `{"FunctionName":"fn","LogType":"Tail"}`)
	enc, _ := dig(out.Output, "LogResult").(string)
	log, _ := base64.StdEncoding.DecodeString(enc)
	if out.Failure != nil || !strings.Contains(string(log), "hello from fn\n") || !strings.Contains(string(log), "to stderr\n") {
		t.Errorf("LogResult %q: %+v", log, out)
	}
}
