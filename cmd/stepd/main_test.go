package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stepd runs the command line in-process and returns its exit code and output.
func stepd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = Main(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// write creates a file under dir and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunSongLyricsExample(t *testing.T) {
	t.Parallel()
	code, out, errOut := stepd(t, "", "run", "--config", "../../examples/song-lyrics/stepd.yaml",
		"--input", `{"name":"PSY"}`, "../../examples/song-lyrics/definition.asl.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil || got["lyrics"] != "oh oh oh oh oh pan gangnam style" {
		t.Fatalf("output %q (%v)", out, err)
	}
}

func TestRunJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := write(t, dir, "ok.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"n":1.50},"End":true}}}`)
	fail := write(t, dir, "fail.yaml", "StartAt: F\nStates:\n  F:\n    Type: Fail\n    Error: Oops\n    Cause: it broke\n")

	code, out, _ := stepd(t, "", "run", "--json", "--history", ok)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var res struct {
		Status  string            `json:"status"`
		Output  json.RawMessage   `json:"output"`
		Error   *string           `json:"error"`
		History []json.RawMessage `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if res.Status != "SUCCEEDED" || string(res.Output) != `{"n":1.50}` || res.Error != nil || len(res.History) != 4 {
		t.Errorf("got %s", out)
	}
	var first struct {
		Type    string `json:"type"`
		ID      int    `json:"id"`
		Details struct {
			Input string `json:"input"`
		} `json:"executionStartedEventDetails"`
	}
	if err := json.Unmarshal(res.History[0], &first); err != nil || first.Type != "ExecutionStarted" || first.ID != 1 || first.Details.Input != "{}" {
		t.Errorf("first event %s", res.History[0])
	}

	code, out, _ = stepd(t, "", "run", "--json", fail)
	if code != 1 || !strings.Contains(out, `"status":"FAILED"`) || !strings.Contains(out, `"output":null`) ||
		!strings.Contains(out, `"error":"Oops"`) || !strings.Contains(out, `"cause":"it broke"`) {
		t.Errorf("a failed execution: exit %d, %s", code, out)
	}

	// A null output is told apart from none: its text, as DescribeExecution's.
	null := write(t, dir, "null.json", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":null,"End":true}}}`)
	code, out, _ = stepd(t, "", "run", "--json", null)
	if code != 0 || !strings.Contains(out, `"output":"null"`) {
		t.Errorf("a null output: exit %d, %s", code, out)
	}
}

func TestRunUsageAndDefinitionErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := write(t, dir, "good.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	bad := write(t, dir, "bad.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nowhere"}}}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no definition", []string{"run"}, "exactly one DEFINITION"},
		{"missing file", []string{"run", filepath.Join(dir, "nope.json")}, "no such file"},
		{"invalid definition", []string{"run", bad}, "MISSING_TRANSITION_TARGET"},
		{"input not JSON", []string{"run", "--input", "{nope", good}, "not valid JSON"},
		{"both inputs", []string{"run", "--input", "{}", "--input-file", good, good}, "not both"},
		{"unknown flag", []string{"run", "--bogus", good}, "bogus"},
		{"unknown command", []string{"fly"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := stepd(t, "", tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

func TestRunInputFromStdinAndFlagsAfterTheDefinition(t *testing.T) {
	t.Parallel()
	def := write(t, t.TempDir(), "d.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}}`)
	code, out, errOut := stepd(t, `{"a":[1,2]}`, "run", def, "--input-file", "-")
	if code != 0 || strings.Join(strings.Fields(out), "") != "[1,2]" {
		t.Errorf("exit %d, out %q, err %q", code, out, errOut)
	}
}

func TestRunTimeScaleShortensWaits(t *testing.T) {
	t.Parallel()
	// An hour's wait at 1/100000 takes 36 ms; without scaling the test would
	// run into its context deadline instead.
	def := write(t, t.TempDir(), "w.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	code, out, errOut := stepd(t, "", "run", "--json", "--history", "--time-scale", "0.00001", def)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		History []struct {
			Type      string  `json:"type"`
			Timestamp float64 `json:"timestamp"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	entered, exited := res.History[1], res.History[2]
	if entered.Type != "WaitStateEntered" || exited.Type != "WaitStateExited" {
		t.Fatalf("history %+v", res.History)
	}
	// The execution's own clock shows the full hour.
	if d := exited.Timestamp - entered.Timestamp; d < 3600 || d > 3601 {
		t.Errorf("the wait took %.3f s on the execution's clock, want 3600", d)
	}
}

// stepd run runs nested executions of the machines --machine names (and of
// the definition itself, the machine "local"), with every pattern.
func TestRunNestedExecutions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	child := write(t, dir, "child.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`)
	fast := write(t, dir, "fast.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"express","End":true}}}`)
	parent := write(t, dir, "parent.json", `{"StartAt":"Sync","States":{
		"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n.$":"$.n"}},"ResultSelector":{"out.$":"$.Output"},"ResultPath":"$.sync","Next":"Express"},
		"Express":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:fast"},"ResultSelector":{"out.$":"$.Output"},"ResultPath":"$.express","Next":"Fire"},
		"Fire":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n":0}},"ResultSelector":{"started.$":"States.ArrayLength(States.StringSplit($.ExecutionArn, ':'))"},"ResultPath":"$.fire","End":true}}}`)
	code, out, errOut := stepd(t, "", "run", "--time-scale", "0.001", "--machine", "child="+child, "--express-machine", "fast="+fast,
		"--input", `{"n":21}`, parent)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if b, _ := json.Marshal(got); string(b) != `{"express":{"out":"express"},"fire":{"started":8},"n":21,"sync":{"out":{"doubled":42}}}` {
		t.Errorf("output %s", b)
	}
	code, _, errOut = stepd(t, "", "run", "--machine", "child", parent)
	if code != 2 || !strings.Contains(errOut, "NAME=FILE") {
		t.Errorf("a bad --machine: exit %d: %s", code, errOut)
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := write(t, dir, "good.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	bad := write(t, dir, "bad.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nowhere"}}}`)
	if code, out, errOut := stepd(t, "", "lint", good); code != 0 || out != "" {
		t.Errorf("valid file: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ := stepd(t, "", "lint", good, bad)
	if code != 1 || !strings.HasPrefix(out, bad+": /States/P/Next: MISSING_TRANSITION_TARGET: ") {
		t.Errorf("invalid file: exit %d, out %q", code, out)
	}
	code, out, _ = stepd(t, "", "lint", "--format", "json", bad)
	var report []struct {
		File        string `json:"file"`
		Valid       bool   `json:"valid"`
		Diagnostics []struct {
			Code     string `json:"code"`
			Location string `json:"location"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != 1 || len(report) != 1 || report[0].Valid ||
		report[0].Diagnostics[0].Location != "/States/P/Next" {
		t.Errorf("json report: exit %d, %s (%v)", code, out, err)
	}
	if code, _, _ := stepd(t, "", "lint", "--type", "BATCH", good); code != 2 {
		t.Errorf("bad --type: exit %d, want 2", code)
	}
}

// stepd lint reports the resources stepd serve refuses at CreateStateMachine,
// with the same code and message: a warning, or an error with --strict.
func TestLintUnrunnableResources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := write(t, dir, "ecs.json", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{},"Next":"B"},`+
		`"B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true}}}`)
	want := def + ": /States/A/Resource: SCHEMA_VALIDATION_FAILED: the resource arn:aws:states:::ecs:runTask.sync is not supported by this stepd"
	if code, out, _ := stepd(t, "", "lint", def); code != 0 || out != want+" (warning)\n" {
		t.Errorf("default: exit %d, out %q", code, out)
	}
	if code, out, _ := stepd(t, "", "lint", "--strict", def); code != 1 || out != want+"\n" {
		t.Errorf("--strict: exit %d, out %q", code, out)
	}
	if code, _, errOut := stepd(t, "", "lint", "--config", filepath.Join(dir, "missing.yaml"), def); code != 2 {
		t.Errorf("a missing --config: exit %d: %s", code, errOut)
	}
}
