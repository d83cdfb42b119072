package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// invokeOptions are the lambda:invoke integration's Invoke parameters besides
// the function and its payload.
type invokeOptions struct {
	invocationType string // "", RequestResponse, Event or DryRun
	logType        string // "", None or Tail
	clientContext  string // base64 JSON, or ""
}

// optionsOf reads InvocationType, LogType and ClientContext, refusing values
// the Invoke API refuses, in its words.
func optionsOf(params *jsonvalue.Object) (invokeOptions, *runner.Outcome) {
	var o invokeOptions
	enum := func(field, member string, allowed ...string) (string, *runner.Outcome) {
		v, ok := params.Get(field)
		if !ok || v == nil {
			return "", nil
		}
		s, _ := v.(string)
		for _, a := range allowed {
			if s == a {
				return s, nil
			}
		}
		out := apiFailure("ValidationException", fmt.Sprintf(
			"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			jsonText(v), member, strings.Join(allowed, ", ")), http.StatusBadRequest, runner.RequestID())
		return "", &out
	}
	var failed *runner.Outcome
	if o.invocationType, failed = enum("InvocationType", "invocationType", "Event", "RequestResponse", "DryRun"); failed != nil {
		return o, failed
	}
	if o.logType, failed = enum("LogType", "logType", "None", "Tail"); failed != nil {
		return o, failed
	}
	if v, ok := params.Get("ClientContext"); ok && v != nil {
		s, _ := v.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		var obj map[string]any
		if err != nil || json.Unmarshal(b, &obj) != nil {
			out := apiFailure("InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.", http.StatusBadRequest, runner.RequestID())
			return o, &out
		}
		o.clientContext = s
	}
	return o, nil
}

// jsonText is a value as an error message shows it: a string as it is.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonvalue.String(v)
}

// maxAsync bounds the Event invocations of local functions running at once;
// past it an Event invocation is refused as Lambda refuses one it throttles.
const maxAsync = 256

// asyncSlots are the places of the Event invocations running.
var asyncSlots = make(chan struct{}, maxAsync)

// invokeLocalAsync answers an Event or DryRun invocation of a local function
// as Lambda does: a DryRun checks that the function can be invoked and does
// not run it (204); an Event runs it in the background, once, within its own
// timeout (or Lambda's longest, 15 minutes), and answers at once (202). The
// function's output goes to stepd's log; its result is dropped, as Lambda
// drops an asynchronous invocation's result without a destination.
func (r *Runner) invokeLocalAsync(ctx context.Context, fn Function, inv *Invocation) runner.Outcome {
	status := http.StatusNoContent
	if inv.InvocationType == "Event" {
		select {
		case asyncSlots <- struct{}{}:
		default:
			return apiFailure("TooManyRequestsException", "Rate Exceeded.", http.StatusTooManyRequests, inv.RequestID)
		}
		status = http.StatusAccepted
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
		go func() {
			defer func() { <-asyncSlots }()
			defer cancel()
			_, _ = fn.Invoke(bg, inv)
		}()
	}
	return runner.Succeeded(invokeResult("", &Response{Status: status}, inv.RequestID, inv.Task.TraceHeader, time.Now()))
}

// traceOf is the X-Amzn-Trace-Id of an invocation: its execution's trace when
// it is traced, otherwise a new unsampled one.
func traceOf(traceHeader string, now time.Time) string {
	if c, ok := runner.ParseTraceHeader(traceHeader); ok {
		return c.XRay()
	}
	return "Root=1-" + fmt.Sprintf("%08x", now.Unix()) + "-" + randomHex(12) + ";Parent=" + randomHex(8) + ";Sampled=0"
}

// addHeader adds a header to a lambda:invoke result's SdkHttpMetadata.
func addHeader(result *jsonvalue.Object, name, value string) {
	meta, _ := result.Get("SdkHttpMetadata")
	m, _ := meta.(*jsonvalue.Object)
	if m == nil {
		return
	}
	if all, _ := m.Get("AllHttpHeaders"); all != nil {
		all.(*jsonvalue.Object).Set(name, []any{value})
	}
	if last, _ := m.Get("HttpHeaders"); last != nil {
		last.(*jsonvalue.Object).Set(name, value)
	}
}

// maxTail is how much of an invocation's log LogType Tail returns: its last
// 4 KB, as Lambda's.
const maxTail = 4 << 10

// logTail keeps the end of one invocation's log lines.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

// Write keeps the last of what is written (it implements io.Writer, for a
// program's standard error).
func (l *logTail) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	if over := len(l.buf) - 2*maxTail; over > 0 {
		l.buf = append(l.buf[:0], l.buf[over:]...)
	}
	return len(b), nil
}

func (l *logTail) line(text string) {
	l.Write([]byte(text + "\n"))
}

// result is LogResult: the invocation's log between Lambda's START, END and
// REPORT lines, its last 4 KB, in base64.
func (l *logTail) result(requestID string, took time.Duration) string {
	l.mu.Lock()
	body := string(l.buf)
	l.mu.Unlock()
	ms := float64(took.Microseconds()) / 1000
	text := "START RequestId: " + requestID + " Version: $LATEST\n" + body +
		"END RequestId: " + requestID + "\n" +
		fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\t\n",
			requestID, ms, int64(ms)+1)
	if len(text) > maxTail {
		text = text[len(text)-maxTail:]
	}
	return base64.StdEncoding.EncodeToString([]byte(text))
}

// apiCause is the cause of a failure the Lambda API answered, in the words of
// the AWS SDK for Java (v1) that Step Functions' Lambda integration reports
// (AWS's recording of a function not found, LocalStack's
// test_no_such_function_catch).
func apiCause(code, message string, status int, requestID string) string {
	return fmt.Sprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", message, status, code, requestID)
}

// apiFailure fails a task with a Lambda API error: Lambda.<code>, apiCause.
func apiFailure(code, message string, status int, requestID string) runner.Outcome {
	return runner.Failed("Lambda."+code, apiCause(code, message, status, requestID))
}
