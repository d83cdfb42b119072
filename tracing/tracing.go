// Package tracing exports OpenTelemetry traces of executions over OTLP/HTTP:
// a span per execution, with a span per state and per task inside it. It
// is off unless the standard OTEL_* variables name an endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); the
// exporter reads the rest of them (headers, timeout, protocol options). As on
// AWS, an execution is traced when its machine has tracing enabled (the
// policy, SetPolicy) or its caller passed a sampled trace header; its tasks
// and child executions carry its trace on (TraceHeader).
//
// A waiting execution holds no memory here either: an execution's trace
// and span IDs are derived from its ARN, so that its state and task spans
// are exported as they end, and the execution's own span once it ends,
// with its start time from the execution's row.
package tracing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
)

// MaxOpen bounds the state and task spans open at once (those of parked
// executions wait in memory); past it, new ones are not traced.
const MaxOpen = 100000

// Enabled reports whether the environment asks for traces.
func Enabled(lookupEnv func(string) (string, bool)) bool {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v, ok := lookupEnv(k); ok && v != "" {
			return true
		}
	}
	return false
}

// Tracer turns executions' events into spans. It is an engine.Observer.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	mu       sync.Mutex
	open     map[spanKey][]trace.Span
	nopen    int
	enabled  func(row *store.Execution) bool
}

var (
	_ engine.Observer   = (*Tracer)(nil)
	_ engine.TaskTracer = (*Tracer)(nil)
)

type spanKey struct{ execution, name string }

// New starts an OTLP/HTTP exporter configured by the OTEL_* variables.
// Call Shutdown to flush it.
func New(ctx context.Context, version string) (*Tracer, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", "stepd"), attribute.String("service.version", version)))
	if err != nil {
		res = resource.Default()
	}
	return NewWithExporter(exp, res), nil
}

// NewWithExporter traces into exp (tests).
func NewWithExporter(exp sdktrace.SpanExporter, res *resource.Resource) *Tracer {
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res), sdktrace.WithIDGenerator(ids{}))
	return &Tracer{provider: p, tracer: p.Tracer("github.com/stepd/stepd"), open: map[spanKey][]trace.Span{}}
}

// Shutdown flushes the spans and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

// executionContext is the span context of an execution's span, derived from
// its ARN, and the caller's span it continues, if any: the trace of a
// traceHeader (X-Ray's "Root=1-...;Parent=...", or W3C's traceparent) is
// the execution's trace.
func executionContext(arn, traceHeader string) (self, caller trace.SpanContext) {
	sum := sha256.Sum256([]byte(arn))
	var tid trace.TraceID
	var sid trace.SpanID
	copy(tid[:], sum[:16])
	copy(sid[:], sum[16:24])
	if c, ok := parseTraceHeader(traceHeader); ok {
		tid, caller = c.TraceID(), c
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}), caller
}

// TraceID is the trace ID of an execution's spans (hex).
func TraceID(executionARN, traceHeader string) string {
	self, _ := executionContext(executionARN, traceHeader)
	return self.TraceID().String()
}

// parseTraceHeader reads a traceHeader as a remote span context.
func parseTraceHeader(h string) (trace.SpanContext, bool) {
	c, ok := runner.ParseTraceHeader(h)
	if !ok {
		return trace.SpanContext{}, false
	}
	tid, err := trace.TraceIDFromHex(c.TraceID)
	if err != nil {
		return trace.SpanContext{}, false
	}
	sid, err := trace.SpanIDFromHex(c.ParentID)
	if err != nil {
		return trace.SpanContext{}, false
	}
	var flags trace.TraceFlags
	if c.Sampled {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true}), true
}

// SetPolicy sets how the tracer learns whether an execution's machine has
// tracing enabled (its tracingConfiguration, of the revision or version the
// execution runs); nil (the default) traces every execution.
func (t *Tracer) SetPolicy(enabled func(row *store.Execution) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.enabled = enabled
}

// Traced reports whether an execution is traced: as on AWS, when its
// machine has tracing enabled, or when its caller passed a trace header
// that samples the trace.
func (t *Tracer) Traced(row *store.Execution) bool {
	if c, ok := runner.ParseTraceHeader(row.TraceHeader); ok {
		return c.Sampled
	}
	t.mu.Lock()
	enabled := t.enabled
	t.mu.Unlock()
	return enabled == nil || enabled(row)
}

// TraceHeader implements engine.TaskTracer: a traced execution's tasks
// carry its trace, with the execution's span as their parent.
func (t *Tracer) TraceHeader(row *store.Execution) string {
	if !t.Traced(row) {
		return ""
	}
	self, _ := executionContext(row.ARN, row.TraceHeader)
	return runner.TraceContext{TraceID: self.TraceID().String(), ParentID: self.SpanID().String(), Sampled: true}.XRay()
}

// Events opens and ends spans for a committed step's events.
func (t *Tracer) Events(row *store.Execution, events []history.Event) {
	if !t.Traced(row) {
		return
	}
	self, _ := executionContext(row.ARN, row.TraceHeader)
	parent := trace.ContextWithRemoteSpanContext(context.Background(), self)
	for i := range events {
		ev := &events[i]
		switch ev.Type {
		case history.ExecutionSucceeded, history.ExecutionFailed, history.ExecutionAborted, history.ExecutionTimedOut:
			t.endExecution(row, ev)
		case history.TaskScheduled, history.LambdaFunctionScheduled, history.ActivityScheduled:
			t.start(parent, spanKey{row.ARN, "task"}, "task "+ev.Resource, ev.Timestamp,
				attribute.String("stepd.resource", ev.Resource), attribute.String("stepd.resource_type", ev.ResourceType))
		case history.TaskSucceeded, history.LambdaFunctionSucceeded, history.ActivitySucceeded:
			t.end(spanKey{row.ARN, "task"}, ev.Timestamp, "", "")
		case history.TaskFailed, history.TaskTimedOut, history.LambdaFunctionFailed, history.LambdaFunctionTimedOut,
			history.ActivityFailed, history.ActivityTimedOut, history.TaskStartFailed, history.TaskSubmitFailed,
			history.LambdaFunctionScheduleFailed, history.LambdaFunctionStartFailed, history.ActivityScheduleFailed:
			t.end(spanKey{row.ARN, "task"}, ev.Timestamp, ev.Error, ev.Cause)
		default:
			if name, ok := stateName(ev); ok {
				if entered(ev.Type) {
					t.start(parent, spanKey{row.ARN, "state " + name}, "state "+name, ev.Timestamp, attribute.String("stepd.state", name))
				} else {
					t.end(spanKey{row.ARN, "state " + name}, ev.Timestamp, "", "")
				}
			}
		}
	}
}

func (t *Tracer) start(parent context.Context, k spanKey, name string, at time.Time, attrs ...attribute.KeyValue) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nopen >= MaxOpen {
		return
	}
	_, span := t.tracer.Start(parent, name, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
	t.open[k] = append(t.open[k], span)
	t.nopen++
}

func (t *Tracer) end(k spanKey, at time.Time, errName, cause string) {
	t.mu.Lock()
	spans := t.open[k]
	if len(spans) == 0 {
		t.mu.Unlock()
		return
	}
	span := spans[0]
	if len(spans) == 1 {
		delete(t.open, k)
	} else {
		t.open[k] = spans[1:]
	}
	t.nopen--
	t.mu.Unlock()
	if errName != "" {
		span.SetStatus(codes.Error, errName)
		span.SetAttributes(attribute.String("stepd.error", errName), attribute.String("stepd.cause", cause))
	}
	span.End(trace.WithTimestamp(at))
}

// endExecution exports the execution's span, with its derived IDs, and ends
// what the execution left open.
func (t *Tracer) endExecution(row *store.Execution, ev *history.Event) {
	t.mu.Lock()
	for k, spans := range t.open {
		if k.execution == row.ARN {
			for _, s := range spans {
				s.End(trace.WithTimestamp(ev.Timestamp))
			}
			t.nopen -= len(spans)
			delete(t.open, k)
		}
	}
	t.mu.Unlock()
	sc, caller := executionContext(row.ARN, row.TraceHeader)
	ctx := context.Background()
	if caller.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, caller)
	}
	ctx = context.WithValue(ctx, fixedIDs{}, sc)
	start := row.StartTime
	if start.IsZero() {
		start = ev.Timestamp
	}
	_, span := t.tracer.Start(ctx, "execution "+row.Name, trace.WithTimestamp(start), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("stepd.execution_arn", row.ARN), attribute.String("stepd.state_machine_arn", row.MachineARN),
			attribute.String("stepd.status", row.Status)))
	if row.Error != "" {
		span.SetStatus(codes.Error, row.Error)
	}
	span.End(trace.WithTimestamp(ev.Timestamp))
}

func (t *Tracer) Committed(int, time.Duration, error) {}
func (t *Tracer) TimerFired(time.Duration)            {}

// stateName is the state an event enters or exits.
func stateName(ev *history.Event) (string, bool) {
	switch ev.Type {
	case history.ChoiceStateEntered, history.FailStateEntered, history.MapStateEntered, history.ParallelStateEntered,
		history.PassStateEntered, history.SucceedStateEntered, history.TaskStateEntered, history.WaitStateEntered,
		history.ChoiceStateExited, history.MapStateExited, history.ParallelStateExited, history.PassStateExited,
		history.SucceedStateExited, history.TaskStateExited, history.WaitStateExited:
		return ev.Name, ev.Name != ""
	}
	return "", false
}

func entered(t history.Type) bool {
	switch t {
	case history.ChoiceStateEntered, history.FailStateEntered, history.MapStateEntered, history.ParallelStateEntered,
		history.PassStateEntered, history.SucceedStateEntered, history.TaskStateEntered, history.WaitStateEntered:
		return true
	}
	return false
}

// fixedIDs is the context key of the span context an execution's span
// takes (its IDs derived from its ARN).
type fixedIDs struct{}

// ids gives random IDs, except to an execution's span.
type ids struct{}

func (ids) NewIDs(ctx context.Context) (tid trace.TraceID, sid trace.SpanID) {
	if sc, ok := ctx.Value(fixedIDs{}).(trace.SpanContext); ok {
		return sc.TraceID(), sc.SpanID()
	}
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	return tid, sid
}

func (ids) NewSpanID(ctx context.Context, _ trace.TraceID) (sid trace.SpanID) {
	if sc, ok := ctx.Value(fixedIDs{}).(trace.SpanContext); ok {
		return sc.SpanID() // an execution's span, in its caller's trace
	}
	_, _ = rand.Read(sid[:])
	return sid
}
