package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/stepd/stepd/tracing"
)

// TestTracesToAnOTLPCollector runs an execution with OTEL_* set and receives
// its spans in an in-process OTLP/HTTP collector: the execution's span, with
// its states' spans inside it, in one trace.
func TestTracesToAnOTLPCollector(t *testing.T) {
	collected := otlpCollector(t)

	s := serve(t)
	m := s.tracedMachine("traced", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":0,"End":true}}}`)
	arn := s.start(m, `{}`)
	s.waitStatus(arn, types.ExecutionStatusSucceeded)
	// An execution started with X-Ray's traceHeader continues the caller's trace.
	out, err := s.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(m), Name: aws.String("called"),
		TraceHeader: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")})
	if err != nil {
		t.Fatal(err)
	}
	s.waitStatus(*out.ExecutionArn, types.ExecutionStatusSucceeded)
	s.stop() // flushes the exporter

	spans := collected()
	byName := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byName[sp.Name] = sp
	}
	ex := byName["execution "+arn[len(arn)-36:]]
	if ex == nil {
		t.Fatalf("no execution span among %d spans: %v", len(spans), byName)
	}
	if got := hex.EncodeToString(ex.TraceId); got != tracing.TraceID(arn, "") {
		t.Errorf("trace ID %s, want %s", got, tracing.TraceID(arn, ""))
	}
	if called := byName["execution called"]; called == nil {
		t.Errorf("no span of the execution with a traceHeader")
	} else if hex.EncodeToString(called.TraceId) != "5759e988bd862e3fe1be46a994272793" || hex.EncodeToString(called.ParentSpanId) != "53995c3f42cd8ad8" {
		t.Errorf("traceHeader not continued: trace %x, parent %x", called.TraceId, called.ParentSpanId)
	}
	for _, name := range []string{"state P", "state W"} {
		var sp *tracepb.Span
		for _, x := range spans {
			if x.Name == name && string(x.TraceId) == string(ex.TraceId) {
				sp = x
			}
		}
		if sp == nil {
			t.Errorf("no span %q", name)
			continue
		}
		if hex.EncodeToString(sp.TraceId) != hex.EncodeToString(ex.TraceId) || hex.EncodeToString(sp.ParentSpanId) != hex.EncodeToString(ex.SpanId) {
			t.Errorf("%s is not inside the execution's span", name)
		}
		if sp.EndTimeUnixNano < sp.StartTimeUnixNano || sp.StartTimeUnixNano < ex.StartTimeUnixNano {
			t.Errorf("%s: times %d..%d, execution from %d", name, sp.StartTimeUnixNano, sp.EndTimeUnixNano, ex.StartTimeUnixNano)
		}
	}
}

// otlpCollector serves OTLP/HTTP in-process for the test, points the OTEL_*
// variables at it, and returns what it received so far.
func otlpCollector(t *testing.T) func() []*tracepb.Span {
	var mu sync.Mutex
	var spans []*tracepb.Span
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(b)
	}))
	t.Cleanup(collector.Close)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")
	return func() []*tracepb.Span {
		mu.Lock()
		defer mu.Unlock()
		return append([]*tracepb.Span(nil), spans...)
	}
}

// tracedMachine creates a STANDARD machine with tracing enabled.
func (s *server) tracedMachine(name, definition string) string {
	s.t.Helper()
	out, err := s.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name),
		Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		TracingConfiguration: &types.TracingConfiguration{Enabled: true}})
	if err != nil {
		s.t.Fatalf("create %s: %v", name, err)
	}
	return *out.StateMachineArn
}

// TestTracingPerMachineAndPropagated: with OTEL_* set, an execution is
// traced as on AWS: when its machine has tracing enabled, or when its
// caller passed a trace header (the X-Amzn-Trace-Id header winning over the
// body's traceHeader). A traced execution's trace goes on: into a url
// function's request (X-Amzn-Trace-Id and traceparent), a command
// function's environment (_X_AMZN_TRACE_ID and TRACEPARENT), and its child
// executions, whose spans are in the parent's trace.
func TestTracingPerMachineAndPropagated(t *testing.T) {
	collected := otlpCollector(t)
	var mu sync.Mutex
	var urlHeaders []http.Header
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		urlHeaders = append(urlHeaders, r.Header.Clone())
		mu.Unlock()
		io.WriteString(w, `{"ok":true}`)
	}))
	defer fn.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "stepd.yaml")
	if err := os.WriteFile(config, []byte(`functions:
  probe:
    url: `+fn.URL+`
  env:
    command: ["sh", "-c", "cat >/dev/null; printf '{\"xray\":\"%s\",\"w3c\":\"%s\"}' \"$_X_AMZN_TRACE_ID\" \"$TRACEPARENT\""]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, "--config", config)
	ctx := context.Background()
	child := s.machine("child", "STANDARD", `{"StartAt":"C","States":{"C":{"Type":"Pass","End":true}}}`)
	parent := s.tracedMachine("parent", `{"StartAt":"Url","States":{
		"Url":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:probe","ResultPath":null,"Next":"Env"},
		"Env":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"env"},"OutputPath":"$.Payload","Next":"Child"},
		"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
			"Parameters":{"StateMachineArn":"`+child+`","Name":"kid"},"ResultPath":"$.child","End":true}}}`)
	untraced := s.start(child, `{}`) // no tracing, no header: no spans
	x := s.start(parent, `{}`)
	done := s.waitStatus(x, types.ExecutionStatusSucceeded)

	self := tracing.TraceID(x, "")
	var out struct{ XRay, W3C string }
	if err := json.Unmarshal([]byte(aws.ToString(done.Output)), &out); err != nil {
		t.Fatalf("output %s: %v", aws.ToString(done.Output), err)
	}
	root := "Root=1-" + self[:8] + "-" + self[8:] + ";Parent="
	if !strings.HasPrefix(out.XRay, root) || !strings.HasSuffix(out.XRay, ";Sampled=1") {
		t.Errorf("command's _X_AMZN_TRACE_ID %q, want the execution's trace %s...", out.XRay, root)
	}
	if !strings.HasPrefix(out.W3C, "00-"+self+"-") || !strings.HasSuffix(out.W3C, "-01") {
		t.Errorf("command's TRACEPARENT %q, want trace %s", out.W3C, self)
	}
	mu.Lock()
	if len(urlHeaders) != 1 || !strings.HasPrefix(urlHeaders[0].Get("X-Amzn-Trace-Id"), root) ||
		!strings.HasPrefix(urlHeaders[0].Get("Traceparent"), "00-"+self+"-") {
		t.Errorf("url function's headers: %v", urlHeaders)
	}
	mu.Unlock()
	kid := strings.Replace(child, ":stateMachine:", ":execution:", 1) + ":kid"
	k, err := s.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(kid)})
	if err != nil || !strings.HasPrefix(aws.ToString(k.TraceHeader), root) {
		t.Errorf("child's traceHeader %q (%v), want the parent's trace", aws.ToString(k.TraceHeader), err)
	}

	// The header wins over the body, on a machine without tracing.
	started, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(child), Name: aws.String("headed"),
		TraceHeader: aws.String("Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=1")},
		func(o *sfn.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"))
		})
	if err != nil {
		t.Fatal(err)
	}
	headed := s.waitStatus(*started.ExecutionArn, types.ExecutionStatusSucceeded)
	if got := aws.ToString(headed.TraceHeader); !strings.HasPrefix(got, "Root=1-5759e988-") {
		t.Errorf("traceHeader %q: the X-Amzn-Trace-Id header should win", got)
	}
	s.waitStatus(untraced, types.ExecutionStatusSucceeded)
	s.stop() // flushes the exporter

	byName := map[string]*tracepb.Span{}
	for _, sp := range collected() {
		byName[sp.Name] = sp
	}
	if sp := byName["execution "+untraced[len(untraced)-36:]]; sp != nil {
		t.Errorf("an execution of a machine without tracing, started without a trace header, was traced")
	}
	p, c := byName["execution "+x[len(x)-36:]], byName["execution kid"]
	switch {
	case p == nil || c == nil:
		t.Errorf("no span of the parent (%v) or of its child (%v)", p != nil, c != nil)
	case hex.EncodeToString(c.TraceId) != self || string(c.ParentSpanId) != string(p.SpanId):
		t.Errorf("the child's span is not in its parent's: trace %x, parent span %x", c.TraceId, c.ParentSpanId)
	}
	task := byName["task arn:aws:lambda:us-east-1:123456789012:function:probe"]
	if task == nil || p == nil || hex.EncodeToString(task.TraceId) != self || string(task.ParentSpanId) != string(p.SpanId) {
		t.Errorf("the url function's task span is not inside the parent's span: %v", task)
	}
	if h := byName["execution headed"]; h == nil || hex.EncodeToString(h.TraceId) != "5759e988bd862e3fe1be46a994272793" {
		t.Errorf("no span of the execution started with an X-Amzn-Trace-Id header in its trace")
	}
}

// TestNoTracingUnlessConfigured: without the OTEL_* variables nothing is
// traced, and a task's calls carry no trace context, even when the machine
// has tracing enabled.
func TestNoTracingUnlessConfigured(t *testing.T) {
	if tracing.Enabled(func(string) (string, bool) { return "", false }) {
		t.Fatal("tracing is on without OTEL_* variables")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	got := make(chan http.Header, 1)
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		io.WriteString(w, `{}`)
	}))
	defer fn.Close()
	config := filepath.Join(t.TempDir(), "stepd.yaml")
	if err := os.WriteFile(config, []byte("functions:\n  probe:\n    url: "+fn.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, "--config", config)
	m := s.tracedMachine("traced", `{"StartAt":"Url","States":{"Url":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:probe","End":true}}}`)
	s.waitStatus(s.start(m, `{}`), types.ExecutionStatusSucceeded)
	if h := <-got; h.Get("X-Amzn-Trace-Id") != "" || h.Get("Traceparent") != "" {
		t.Errorf("an untraced stepd sent trace headers: %v", h)
	}
}
