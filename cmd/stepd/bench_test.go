package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepd/stepd/bench"
)

// TestBenchAgainstAnEndpoint runs every workload of stepd bench, small,
// against a stepd serve: those that need the server's process or its
// configuration say so and are skipped, the others report their figures in
// the JSON report.
func TestBenchAgainstAnEndpoint(t *testing.T) {
	s := serve(t)
	report := filepath.Join(t.TempDir(), "report.json")
	code, out, errOut := stepd(t, "", "bench", "--endpoint", *s.client.Options().BaseEndpoint, "--runs", "2", "-n", "20",
		"--clients", "4", "--pollers", "3", "--items", "50", "--repeat", "2", "--activity-tasks", "3", "--json", report)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var r benchReport
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if want := "GOGC=" + os.Getenv("GOGC"); os.Getenv("GOGC") == "" && r.ClientGC != "GOGC=400" || os.Getenv("GOGC") != "" && r.ClientGC != want {
		t.Errorf("clientGC %q", r.ClientGC)
	}
	if len(r.Results) != len(bench.Workloads) {
		t.Fatalf("%d results, want %d", len(r.Results), len(bench.Workloads))
	}
	want := map[string]string{"chain": "p50_ms", "concurrent": "executions_per_s", "map": "items_per_s",
		"activities": "workflows_per_s", "express-sync": "p50_ms"}
	for _, res := range r.Results {
		switch res.Workload {
		case "callbacks", "parked", "cold-start":
			if res.Skipped == "" || !strings.Contains(out, res.Workload) {
				t.Errorf("%s: not skipped with --endpoint: %+v", res.Workload, res)
			}
			continue
		}
		if len(res.Runs) != 2 || res.Median[want[res.Workload]] <= 0 {
			t.Errorf("%s: %+v", res.Workload, res)
		}
	}
}

// TestBenchRefusesUnknownWorkloads: a workload's name is checked.
func TestBenchRefusesUnknownWorkloads(t *testing.T) {
	if code, _, errOut := stepd(t, "", "bench", "--workload", "chain,nope"); code != 2 || !strings.Contains(errOut, "nope") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestPprofOnLoopbackOnly: profiles are never served beyond loopback.
func TestPprofOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "example.com:6060", "nonsense"} {
		if ln, err := servePprof(addr); err == nil {
			ln.Close()
			t.Errorf("--pprof %s accepted", addr)
		}
	}
	ln, err := servePprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
