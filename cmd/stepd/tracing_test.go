package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/stepd/stepd/tracing"
)

// TestTracesToAnOTLPCollector runs an execution with OTEL_* set and receives
// its spans in an in-process OTLP/HTTP collector: the execution's span, with
// its states' spans inside it, in one trace.
func TestTracesToAnOTLPCollector(t *testing.T) {
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
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")

	s := serve(t)
	m := s.machine("traced", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":0,"End":true}}}`)
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

	mu.Lock()
	defer mu.Unlock()
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
