package lambda_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/lambda"
)

// need skips a test when an interpreter is missing, saying so.
func need(t *testing.T, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		t.Skipf("%s is not installed: skipping the %s handler tests", program, program)
	}
}

// logRecorder keeps the lines a Logger received.
type logRecorder struct {
	mu    sync.Mutex
	lines []lambda.LogLine
}

func (r *logRecorder) log(l lambda.LogLine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, l)
}

func (r *logRecorder) find(text string) (lambda.LogLine, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if strings.Contains(l.Text, text) {
			return l, true
		}
	}
	return lambda.LogLine{}, false
}

func pyHandler(handler string, log *logRecorder) *lambda.Handler {
	h := &lambda.Handler{Runtime: "python3", Handler: handler, Dir: filepath.Join("testdata", "py"), Env: []string{"STAGE=test"}}
	if log != nil {
		h.Logger = log.log
	}
	return h
}

func run(t *testing.T, fn lambda.Function, resource, input string) runner.Outcome {
	t.Helper()
	r := &lambda.Runner{Region: "us-east-1", Account: "123456789012", Functions: lambda.Registry{"fn": fn}}
	return r.Run(context.Background(), task(t, resource, input))
}

func output(t *testing.T, out runner.Outcome) map[string]any {
	t.Helper()
	if out.Failure != nil {
		t.Fatalf("failed: %s: %s", out.Failure.Name, out.Failure.Cause)
	}
	var m map[string]any
	if err := json.Unmarshal(jsonvalue.Marshal(out.Output), &m); err != nil {
		t.Fatalf("output %s: %v", jsonvalue.Marshal(out.Output), err)
	}
	return m
}

func TestPythonHandlerIsWarmAndHasLambdasContext(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	log := &logRecorder{}
	h := pyHandler("app.echo", log)
	t.Cleanup(func() { h.Close() })
	first := output(t, run(t, h, fnARN+"fn", `{"n":1}`))
	second := output(t, run(t, h, fnARN+"fn", `{"n":2}`))
	if first["calls"] != 1.0 || second["calls"] != 2.0 || first["pid"] != second["pid"] {
		t.Errorf("the second invocation did not reuse the warm worker: %v, %v", first, second)
	}
	if ev, _ := json.Marshal(second["event"]); string(ev) != `{"n":2}` {
		t.Errorf("event %s", ev)
	}
	if second["function_name"] != "fn" || second["remaining_ok"] != true || second["stage"] != "test" || second["task_root"] != true ||
		second["execution"] != "arn:aws:states:us-east-1:1:execution:m:e" || len(second["request_id"].(string)) != 36 ||
		second["arn"] != "arn:aws:lambda:us-east-1:123456789012:function:fn" {
		t.Errorf("context %v", second)
	}
	if l, ok := log.find("hello from fn"); !ok || l.ExecutionARN != "arn:aws:states:us-east-1:1:execution:m:e" || l.Stream != "stdout" || l.Function != "fn" {
		t.Errorf("print() did not reach the log tagged with the execution: %+v", log.lines)
	}
	if l, ok := log.find("to stderr"); !ok || l.Stream != "stderr" {
		t.Errorf("stderr line %+v", l)
	}
}

func TestPythonHandlerErrorsAsLambdaReportsThem(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	tests := []struct {
		name, handler, resource string
		errName                 string
		cause                   string // with <id> for the request ID; a prefix when it ends with *
	}{
		{name: "an exception, as the Python runtime writes it", handler: "handler.handler", resource: fnARN + "fn", errName: "Exception",
			cause: `{"errorMessage": "Some exception was raised.", "errorType": "Exception", "requestId": "<id>", "stackTrace": ["  File \"/var/task/handler.py\", line 2, in handler\n    raise Exception(\"Some exception was raised.\")\n"]}`},
		{name: "lambda:invoke re-encodes compactly", handler: "handler.handler", resource: "arn:aws:states:::lambda:invoke", errName: "Exception",
			cause: `{"errorMessage":"Some exception was raised.","errorType":"Exception","requestId":"<id>","stackTrace":["  File \"/var/task/handler.py\", line 2, in handler\n    raise Exception(\"Some exception was raised.\")\n"]}`},
		{name: "a custom exception without a message", handler: "app.custom", resource: fnARN + "fn", errName: "CustomException",
			cause: `{"errorMessage": "", "errorType": "CustomException", "requestId": "<id>", "stackTrace": ["  File \"/var/task/app.py\", line 32, in custom\n    raise CustomException()\n"]}`},
		{name: "a module that cannot be imported", handler: "broken.handler", resource: fnARN + "fn", errName: "Runtime.ImportModuleError",
			cause: `{"errorMessage": "Unable to import module 'broken': No module named 'no_such_module_anywhere'", "errorType": "Runtime.ImportModuleError", "requestId": "<id>", "stackTrace": []}`},
		{name: "a missing handler", handler: "app.nope", resource: fnARN + "fn", errName: "Runtime.HandlerNotFound",
			cause: `{"errorMessage": "Handler 'nope' missing on module 'app'", "errorType": "Runtime.HandlerNotFound", "requestId": "<id>", "stackTrace": []}`},
		{name: "a result that is not JSON", handler: "app.unserializable", resource: fnARN + "fn", errName: "Runtime.MarshalError",
			cause: `{"errorMessage": "Unable to marshal response: Object of type set is not JSON serializable", "errorType": "Runtime.MarshalError", "requestId": "<id>", "stackTrace": []}`},
		{name: "a worker that exits", handler: "app.crash", resource: fnARN + "fn", errName: "Runtime.ExitError",
			cause: `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 3"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := pyHandler(tt.handler, nil)
			t.Cleanup(func() { h.Close() })
			input := `{}`
			if strings.Contains(tt.resource, "lambda:invoke") {
				input = `{"FunctionName":"fn","Payload":{}}`
			}
			out := run(t, h, tt.resource, input)
			if out.Failure == nil || out.Failure.Name != tt.errName {
				t.Fatalf("outcome %+v, want %s", out, tt.errName)
			}
			var withID struct {
				RequestID string `json:"requestId"`
			}
			_ = json.Unmarshal([]byte(out.Failure.Cause), &withID)
			id := withID.RequestID
			if id == "" {
				if _, after, ok := strings.Cut(out.Failure.Cause, "RequestId: "); ok {
					id, _, _ = strings.Cut(after, " ")
				}
			}
			if want := strings.ReplaceAll(tt.cause, "<id>", id); out.Failure.Cause != want {
				t.Errorf("cause\n got %s\nwant %s", out.Failure.Cause, want)
			}
		})
	}
}

func TestHandlerTimeoutKillsTheWorkerAndTheNextOneIsFresh(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	h := pyHandler("app.sleep", nil)
	h.Timeout = 300 * time.Millisecond
	t.Cleanup(func() { h.Close() })
	out := run(t, h, fnARN+"fn", `{"seconds":30}`)
	if out.Failure == nil || out.Failure.Name != "Sandbox.Timedout" || !strings.Contains(out.Failure.Cause, "Task timed out after 0.30 seconds") {
		t.Fatalf("outcome %+v", out)
	}
	if n := h.Workers(); n != 0 {
		t.Errorf("%d workers alive after a timeout, want 0", n)
	}
	if got := output(t, run(t, h, fnARN+"fn", `{"seconds":0}`)); got["seconds"] != 0.0 {
		t.Errorf("after a timeout: %v", got)
	}
}

func TestHandlerConcurrencyBoundsTheWorkers(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	h := pyHandler("app.sleep", nil)
	h.Concurrency = 2
	t.Cleanup(func() { h.Close() })
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			output(t, run(t, h, fnARN+"fn", `{"seconds":0.05}`))
			if n := h.Workers(); n > 2 {
				t.Errorf("%d workers, limit 2", n)
			}
		}()
	}
	wg.Wait()
}

func TestHandlerCancelKillsTheWorker(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	h := pyHandler("app.sleep", nil)
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := &lambda.Runner{Functions: lambda.Registry{"fn": h}}
	start := time.Now()
	out := r.Run(ctx, task(t, fnARN+"fn", `{"seconds":30}`))
	if time.Since(start) > 10*time.Second || out.Failure == nil || out.Failure.Name != "States.Timeout" {
		t.Fatalf("outcome %+v after %v", out, time.Since(start))
	}
	if h.Workers() != 0 {
		t.Errorf("the cancelled worker is still alive")
	}
}

func nodeHandler(handler string, log *logRecorder) *lambda.Handler {
	h := &lambda.Handler{Runtime: "nodejs20.x", Handler: handler, Dir: filepath.Join("testdata", "node"), Env: []string{"STAGE=test"}}
	if log != nil {
		h.Logger = log.log
	}
	return h
}

func TestNodeHandler(t *testing.T) {
	need(t, "node")
	t.Parallel()
	log := &logRecorder{}
	h := nodeHandler("index.handler", log)
	t.Cleanup(func() { h.Close() })
	first := output(t, run(t, h, fnARN+"fn", `{"n":1}`))
	second := output(t, run(t, h, fnARN+"fn", `{"n":2}`))
	if first["calls"] != 1.0 || second["calls"] != 2.0 || first["pid"] != second["pid"] {
		t.Errorf("not warm: %v, %v", first, second)
	}
	if second["remainingOk"] != true || second["stage"] != "test" || second["execution"] != "arn:aws:states:us-east-1:1:execution:m:e" {
		t.Errorf("context %v", second)
	}
	if l, ok := log.find("hello from fn"); !ok || l.ExecutionARN == "" {
		t.Errorf("console.log did not reach the log: %+v", log.lines)
	}

	cb := nodeHandler("index.callback", nil)
	t.Cleanup(func() { cb.Close() })
	if got := output(t, run(t, cb, fnARN+"fn", `{"x":1}`)); got["via"] != "callback" {
		t.Errorf("callback handler: %v", got)
	}
	esm := nodeHandler("esm.handler", nil)
	t.Cleanup(func() { esm.Close() })
	if got := output(t, run(t, esm, fnARN+"fn", `{"x":1}`)); got["esm"] != true {
		t.Errorf("ES module handler: %v", got)
	}
}

func TestNodeHandlerErrors(t *testing.T) {
	need(t, "node")
	t.Parallel()
	h := nodeHandler("index.boom", nil)
	t.Cleanup(func() { h.Close() })
	out := run(t, h, fnARN+"fn", `{}`)
	if out.Failure == nil || out.Failure.Name != "Error" {
		t.Fatalf("outcome %+v", out)
	}
	var e struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Trace        []string `json:"trace"`
	}
	if err := json.Unmarshal([]byte(out.Failure.Cause), &e); err != nil {
		t.Fatalf("cause %s: %v", out.Failure.Cause, err)
	}
	if !strings.HasPrefix(out.Failure.Cause, `{"errorType":"Error","errorMessage":"boom","trace":["Error: boom",`) ||
		len(e.Trace) < 2 || !strings.Contains(e.Trace[1], "/var/task/index.js:") || strings.Contains(out.Failure.Cause, "bootstrap") {
		t.Errorf("cause %s", out.Failure.Cause)
	}
	s := nodeHandler("index.rejectString", nil)
	t.Cleanup(func() { s.Close() })
	if out := run(t, s, fnARN+"fn", `{}`); out.Failure == nil || out.Failure.Cause != `{"errorType":"string","errorMessage":"plain","trace":[]}` {
		t.Errorf("outcome %+v", out)
	}
	missing := nodeHandler("nope.handler", nil)
	t.Cleanup(func() { missing.Close() })
	if out := run(t, missing, fnARN+"fn", `{}`); out.Failure == nil || out.Failure.Name != "Runtime.ImportModuleError" {
		t.Errorf("outcome %+v", out)
	}
}

func TestHandlerReloadsChangedCode(t *testing.T) {
	need(t, "python3")
	t.Parallel()
	dir := t.TempDir()
	write := func(body string, mtime time.Time) {
		p := filepath.Join(dir, "fn.py")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	write("def handler(event, context):\n    return 1\n", time.Now().Add(-time.Hour))
	h := &lambda.Handler{Runtime: "python3", Handler: "fn.handler", Dir: dir}
	t.Cleanup(func() { h.Close() })
	if out := run(t, h, fnARN+"fn", `{}`); jsonvalue.String(out.Output) != "1" {
		t.Fatalf("outcome %+v", out)
	}
	write("def handler(event, context):\n    return 2\n", time.Now())
	if out := run(t, h, fnARN+"fn", `{}`); jsonvalue.String(out.Output) != "2" {
		t.Fatalf("after the edit: %+v", out)
	}
}

// TestHandlerTraceEnvironment: a traced task's invocation sees its trace in
// _X_AMZN_TRACE_ID, as in Lambda's runtimes, and the next invocation of the
// same warm worker, untraced, does not see it still.
func TestHandlerTraceEnvironment(t *testing.T) {
	t.Parallel()
	const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	for _, c := range []struct {
		program string
		h       func() *lambda.Handler
	}{
		{"python3", func() *lambda.Handler { return pyHandler("app.trace", nil) }},
		{"node", func() *lambda.Handler { return nodeHandler("index.handler", nil) }},
	} {
		t.Run(c.program, func(t *testing.T) {
			need(t, c.program)
			t.Parallel()
			h := c.h()
			t.Cleanup(func() { h.Close() })
			r := &lambda.Runner{Region: "us-east-1", Account: "123456789012", Functions: lambda.Registry{"fn": h}}
			traced := task(t, fnARN+"fn", `{}`)
			traced.TraceHeader = header
			first := output(t, r.Run(context.Background(), traced))
			second := output(t, r.Run(context.Background(), task(t, fnARN+"fn", `{}`)))
			if first["trace"] != header || second["trace"] != nil {
				t.Errorf("_X_AMZN_TRACE_ID: traced %v, then untraced %v", first["trace"], second["trace"])
			}
		})
	}
}
