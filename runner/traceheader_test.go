package runner

import (
	"net/http"
	"testing"
)

func TestParseTraceHeader(t *testing.T) {
	for _, c := range []struct {
		in   string
		want TraceContext
		ok   bool
	}{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
			TraceContext{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
			TraceContext{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", // no decision: sampled
			TraceContext{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true}, true},
		{"00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
			TraceContext{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true}, true},
		{"00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00",
			TraceContext{"5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false}, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", TraceContext{}, false}, // no parent
		{"00-00000000000000000000000000000000-53995c3f42cd8ad8-01", TraceContext{}, false},
		{"Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8", TraceContext{}, false},
		{"", TraceContext{}, false},
		{"anything", TraceContext{}, false},
	} {
		got, ok := ParseTraceHeader(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseTraceHeader(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok {
			if back, _ := ParseTraceHeader(got.XRay()); back != got {
				t.Errorf("XRay() %q does not read back", got.XRay())
			}
			if back, _ := ParseTraceHeader(got.W3C()); back != got {
				t.Errorf("W3C() %q does not read back", got.W3C())
			}
		}
	}
	h := http.Header{"Traceparent": {"kept"}}
	SetTraceHeaders(h, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if h.Get("Traceparent") != "kept" || h.Get("X-Amzn-Trace-Id") != "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" {
		t.Errorf("SetTraceHeaders: %v", h)
	}
	if env := TraceEnv(""); env != nil {
		t.Errorf("TraceEnv of no header: %v", env)
	}
}
