package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// mapDefinition is an inline Map over its input whose iterations each wait
// a second, so that they are in flight together; maxConcurrency is the Map's
// own MaxConcurrency (0: none).
func mapDefinition(maxConcurrency int) string {
	return fmt.Sprintf(`{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":%d,
		"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}},"End":true}}}`, maxConcurrency)
}

// mapItems is an input of n items.
func mapItems(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(items, ",") + "]"
}

// inFlight is the most iterations a history shows running at once: started
// and not yet ended.
func inFlight(eventTypes []string) int {
	running, most := 0, 0
	for _, typ := range eventTypes {
		switch typ {
		case "MapIterationStarted":
			running++
			most = max(most, running)
		case "MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted":
			running--
		}
	}
	return most
}

// --max-inline-map-concurrency bounds the iterations of an inline Map that
// run at once under stepd run, whatever the Map's MaxConcurrency; the
// default is AWS's 40.
func TestRunInlineMapConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		env            map[string]string
		args           []string
		maxConcurrency int
		want           int
	}{
		{"default", nil, nil, 0, 40},
		{"flag", nil, []string{"--max-inline-map-concurrency", "3"}, 0, 3},
		{"over MaxConcurrency", nil, []string{"--max-inline-map-concurrency", "3"}, 10, 3},
		{"under MaxConcurrency", nil, []string{"--max-inline-map-concurrency", "3"}, 2, 2},
		{"environment", map[string]string{"STEPD_MAX_INLINE_MAP_CONCURRENCY": "5"}, nil, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := write(t, t.TempDir(), "map.json", mapDefinition(tt.maxConcurrency))
			args := append([]string{"run", "--json", "--history", "--time-scale", "0.001", "--input", mapItems(45)}, tt.args...)
			code, out, errOut := stepdEnv(t, tt.env, append(args, def)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var res struct {
				Status  string `json:"status"`
				History []struct {
					Type string `json:"type"`
				} `json:"history"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			var typs []string
			for _, e := range res.History {
				typs = append(typs, e.Type)
			}
			if got := inFlight(typs); res.Status != "SUCCEEDED" || got != tt.want {
				t.Errorf("%s with %d iterations at most in flight, want %d", res.Status, got, tt.want)
			}
		})
	}
}

// stepd serve honours --max-inline-map-concurrency too.
func TestServeInlineMapConcurrency(t *testing.T) {
	t.Parallel()
	s := serve(t, "--max-inline-map-concurrency", "3", "--time-scale", "0.001")
	arn := s.start(s.machine("map", "STANDARD", mapDefinition(0)), mapItems(10))
	if d := s.waitStatus(arn, types.ExecutionStatusSucceeded); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s: %v", d.Status, d.Cause)
	}
	var typs []string
	for _, e := range s.history(arn) {
		typs = append(typs, string(e.Type))
	}
	if got := inFlight(typs); got != 3 {
		t.Errorf("%d iterations at most in flight, want 3", got)
	}
}

// A --max-inline-map-concurrency that is not positive is a usage error.
func TestInlineMapConcurrencyMustBePositive(t *testing.T) {
	t.Parallel()
	def := write(t, t.TempDir(), "map.json", mapDefinition(0))
	for _, args := range [][]string{
		{"run", "--max-inline-map-concurrency", "0", def},
		{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--max-inline-map-concurrency", "-1"},
	} {
		code, _, errOut := stepd(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "--max-inline-map-concurrency must be positive") {
			t.Errorf("%s: exit %d, %q", args[0], code, errOut)
		}
	}
}

// stepd run takes the evaluation and payload limits of stepd serve: an
// expression past --eval-steps fails its state with
// States.QueryEvaluationError, a state output past --max-payload-bytes fails
// the execution with States.DataLimitExceeded, and a limit that is not
// positive is a usage error.
func TestRunLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	heavy := write(t, dir, "heavy.json", `{"QueryLanguage":"JSONata","StartAt":"Sum","States":{"Sum":{"Type":"Pass",
		"Output":"{% $sum($map([1..100000], function($v) { $v * 2 })) %}","End":true}}}`)
	big := write(t, dir, "big.json", `{"StartAt":"Big","States":{"Big":{"Type":"Pass","Parameters":{"s.$":"States.ArrayRange(1, 900, 1)"},"End":true}}}`)
	tests := []struct {
		name, def string
		args      []string
		status    string
		err       string
	}{
		{"defaults", heavy, nil, "SUCCEEDED", ""},
		{"eval-steps", heavy, []string{"--eval-steps", "1000"}, "FAILED", "States.QueryEvaluationError"},
		{"eval-bytes", heavy, []string{"--eval-bytes", "4096"}, "FAILED", "States.QueryEvaluationError"},
		{"max-payload-bytes", big, []string{"--max-payload-bytes", "1000"}, "FAILED", "States.DataLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := stepd(t, "", append(append([]string{"run", "--json"}, tt.args...), tt.def)...)
			var res struct{ Status, Error string }
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("exit %d, %q: %v (%s)", code, out, err, errOut)
			}
			if res.Status != tt.status || res.Error != tt.err {
				t.Errorf("%s %q, want %s %q", res.Status, res.Error, tt.status, tt.err)
			}
		})
	}
	for _, flag := range []string{"--eval-steps", "--eval-bytes", "--eval-time", "--max-payload-bytes", "--max-history-events"} {
		code, _, errOut := stepd(t, "", "run", flag, "0", heavy)
		if code != 2 || !strings.Contains(errOut, "must be positive") {
			t.Errorf("%s 0: exit %d, %q", flag, code, errOut)
		}
	}
}

// A negative --busy-starts is a usage error (0 is no limit).
func TestBusyStartsMustNotBeNegative(t *testing.T) {
	t.Parallel()
	code, _, errOut := stepd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--busy-starts", "-1")
	if code != 2 || !strings.Contains(errOut, "--busy-starts must be 0 (no limit) or positive, not -1") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
