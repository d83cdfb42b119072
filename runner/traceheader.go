package runner

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
)

// TraceContext is a trace header's content: a trace ID (32 hex digits), the
// caller's span ID (16 hex digits) and whether the caller samples the trace.
type TraceContext struct {
	TraceID, ParentID string
	Sampled           bool
}

// ParseTraceHeader reads a trace header in X-Ray's format
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
// the form of StartExecution's traceHeader and of X-Amzn-Trace-Id) or in
// W3C's (traceparent, "00-<trace id>-<parent id>-<flags>"). A header
// without Sampled is sampled, as X-Ray's default rule records the first
// request of a trace.
func ParseTraceHeader(h string) (TraceContext, bool) {
	if h == "" {
		return TraceContext{}, false // most executions: asked at every step
	}
	var c TraceContext
	if parts := strings.Split(h, "-"); len(parts) == 4 && len(parts[0]) == 2 && len(parts[3]) == 2 {
		c = TraceContext{TraceID: parts[1], ParentID: parts[2], Sampled: parts[3] != "00"}
	} else {
		c.Sampled = true
		for _, kv := range strings.Split(h, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			switch k {
			case "Root":
				if p := strings.Split(v, "-"); len(p) == 3 && p[0] == "1" {
					c.TraceID = p[1] + p[2]
				}
			case "Parent":
				c.ParentID = v
			case "Sampled":
				c.Sampled = v != "0"
			}
		}
	}
	if !isHex(c.TraceID, 32) || !isHex(c.ParentID, 16) {
		return TraceContext{}, false
	}
	return c, true
}

func isHex(s string, n int) bool {
	if len(s) != n || strings.Trim(s, "0") == "" {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// XRay is the context in X-Ray's format, as X-Amzn-Trace-Id and Lambda's
// _X_AMZN_TRACE_ID carry it.
func (c TraceContext) XRay() string {
	s := "0"
	if c.Sampled {
		s = "1"
	}
	return "Root=1-" + c.TraceID[:8] + "-" + c.TraceID[8:] + ";Parent=" + c.ParentID + ";Sampled=" + s
}

// W3C is the context as W3C's traceparent header carries it.
func (c TraceContext) W3C() string {
	f := "00"
	if c.Sampled {
		f = "01"
	}
	return "00-" + c.TraceID + "-" + c.ParentID + "-" + f
}

// SetTraceHeaders adds a task's trace context to an HTTP request's headers:
// X-Amzn-Trace-Id (X-Ray's, as AWS's services read it) and traceparent
// (W3C's, as OpenTelemetry reads it). Headers the request has already are
// kept; an empty trace header adds nothing.
func SetTraceHeaders(h http.Header, traceHeader string) {
	c, ok := ParseTraceHeader(traceHeader)
	if !ok {
		return
	}
	if h.Get("X-Amzn-Trace-Id") == "" {
		h.Set("X-Amzn-Trace-Id", c.XRay())
	}
	if h.Get("Traceparent") == "" {
		h.Set("Traceparent", c.W3C())
	}
}

// TraceEnv is a task's trace context as a program's environment:
// _X_AMZN_TRACE_ID (X-Ray's, as Lambda sets it) and TRACEPARENT (W3C's, as
// OpenTelemetry's environment carrier reads it); none for an empty header.
func TraceEnv(traceHeader string) []string {
	c, ok := ParseTraceHeader(traceHeader)
	if !ok {
		return nil
	}
	return []string{"_X_AMZN_TRACE_ID=" + c.XRay(), "TRACEPARENT=" + c.W3C()}
}

type traceKey struct{}

// WithTraceHeader returns a context whose task calls carry the trace header
// (the engine sets it for a traced execution's task; "" adds nothing).
func WithTraceHeader(ctx context.Context, traceHeader string) context.Context {
	if traceHeader == "" {
		return ctx
	}
	return context.WithValue(ctx, traceKey{}, traceHeader)
}

// TraceHeaderFrom returns the trace header of the context's task, or "".
func TraceHeaderFrom(ctx context.Context) string {
	h, _ := ctx.Value(traceKey{}).(string)
	return h
}
