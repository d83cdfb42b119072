//go:build hostile

package hostile

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Executions that try to grow without bound: a Map over a million items, a
// Map whose iterations would write far more history than the cap, and an
// execution that runs without ever waiting. Each meets its bound, the node's
// memory stays small, and the node answers others meanwhile.

// start starts an execution and returns its ARN.
func (n *node) start(t *testing.T, machine, input string) string {
	t.Helper()
	var out struct{ ExecutionArn string }
	if err := n.call(t, "StartExecution", map[string]any{"stateMachineArn": machine, "input": input}, &out); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return out.ExecutionArn
}

type description struct {
	Status, Error, Cause string
}

// waitEnd waits for an execution to end and describes it.
func (n *node) waitEnd(t *testing.T, arn string, within time.Duration) description {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var d description
		if err := n.call(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d); err != nil {
			t.Fatal(err)
		}
		if d.Status != "RUNNING" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still runs after %v", arn, within)
		}
		time.Sleep(50 * time.Millisecond) // polling another process's API
	}
}

// historyLength counts an execution's history events.
func (n *node) historyLength(t *testing.T, arn string) int {
	t.Helper()
	count, token := 0, ""
	for {
		in := map[string]any{"executionArn": arn, "maxResults": 1000, "includeExecutionData": false}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Events    []struct{ ID int64 }
			NextToken string
		}
		if err := n.call(t, "GetExecutionHistory", in, &out); err != nil {
			t.Fatal(err)
		}
		count += len(out.Events)
		if token = out.NextToken; token == "" {
			return count
		}
	}
}

// answersFast checks that the node answers a cheap call quickly.
func (n *node) answersFast(t *testing.T, what string) {
	t.Helper()
	began := time.Now()
	if err := n.call(t, "ListStateMachines", map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("%s: ListStateMachines took %v", what, took)
	}
}

const maxRSSMB = 300

func TestMillionItemMap(t *testing.T) {
	n := serve(t)
	sm := n.createMachine(t, "million", "STANDARD", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
		"Items":"{% [1..1000000] %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	arn := n.start(t, sm, `{}`)
	d := n.waitEnd(t, arn, time.Minute)
	if d.Status != "FAILED" || (d.Error != "States.DataLimitExceeded" && d.Error != "States.QueryEvaluationError") {
		t.Errorf("%+v", d)
	}
	if got := n.historyLength(t, arn); got > 10 {
		t.Errorf("%d history events for a Map that should fail before its first iteration", got)
	}
	if rss := rssMB(n.Pid()); rss > maxRSSMB {
		t.Errorf("RSS %.0f MB, over %d MB", rss, maxRSSMB)
	}
	n.answersFast(t, "after the million-item Map")
}

func TestMapPastTheHistoryCap(t *testing.T) {
	n := serve(t)
	sm := n.createMachine(t, "past-the-cap", "STANDARD", `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	items := make([]string, 40000)
	for i := range items {
		items[i] = fmt.Sprint(i % 10)
	}
	arn := n.start(t, sm, "["+strings.Join(items, ",")+"]")
	n.answersFast(t, "while the Map runs")
	d := n.waitEnd(t, arn, 2*time.Minute)
	if d.Status != "FAILED" || !strings.Contains(d.Cause, "maximum number of history events (25000)") {
		t.Errorf("%+v", d)
	}
	if got := n.historyLength(t, arn); got != 25000 {
		t.Errorf("%d history events, want the cap of 25000", got)
	}
	if rss := rssMB(n.Pid()); rss > maxRSSMB {
		t.Errorf("RSS %.0f MB, over %d MB", rss, maxRSSMB)
	}
}

// spinning never waits: a loop of Pass and Choice states, each pass costly.
const spinning = `{"QueryLanguage":"JSONata","StartAt":"Init","States":{
		"Init":{"Type":"Pass","Assign":{"i":0},"Next":"Work"},
		"Work":{"Type":"Pass","Assign":{"i":"{% $i + 1 %}","s":"{% $sum([1..20000]) %}"},"Next":"Again"},
		"Again":{"Type":"Choice","Choices":[{"Condition":"{% $i < 100000000 %}","Next":"Work"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`

// An execution that never waits (a loop of Pass and Choice states, each pass
// costly) is stepped in short steps: StopExecution answers within a second,
// and after a restart nothing of it runs.
func TestStopANeverWaitingExecution(t *testing.T) {
	n := serve(t)
	sm := n.createMachine(t, "spins", "STANDARD", spinning)
	arn := n.start(t, sm, `{}`)
	time.Sleep(500 * time.Millisecond) // let it run
	n.answersFast(t, "while it runs")
	began := time.Now()
	if err := n.call(t, "StopExecution", map[string]any{"executionArn": arn}, nil); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("StopExecution took %v", took)
	}
	if d := n.waitEnd(t, arn, 10*time.Second); d.Status != "ABORTED" && d.Status != "FAILED" {
		t.Errorf("%+v", d)
	}
	n.Stop()
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	cpu := cpuSeconds(n.Pid())
	time.Sleep(2 * time.Second) // measuring what the process does while idle
	if used := cpuSeconds(n.Pid()) - cpu; used > 0.5 {
		t.Errorf("the restarted node used %.2f s of CPU in 2 s idle", used)
	}
	n.answersFast(t, "after the restart")
}

// cpuSeconds is the CPU time a process used, user and system.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	var utime, stime float64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	return (utime + stime) / 100 // clock ticks
}

// A graceful shutdown (SIGTERM) while executions are being evaluated and
// never wait: some spend each pass on a looping JSONata expression until its
// time budget ends it (and Catch sends them round again), others run a loop
// of costly Pass and Choice states. stepd exits within a second or so,
// without failing them: after a restart they are still running.
func TestShutdownWhileEvaluating(t *testing.T) {
	n := serve(t)
	spins := n.createMachine(t, "spins", "STANDARD", spinning)
	loops := n.createMachine(t, "loops-again", "STANDARD", `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{
		"Loop":{"Type":"Map","Items":"{% `+loop+` %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Loop"}],"End":true}}}`)
	var arns []string
	for range 4 {
		arns = append(arns, n.start(t, spins, `{}`), n.start(t, loops, `{}`))
	}
	// Until each has been stepped a few times: then a step is being
	// evaluated whenever the signal comes.
	began := time.Now()
	deadline := began.Add(30 * time.Second)
	for _, arn := range arns {
		for n.historyLength(t, arn) < 6 {
			if time.Now().After(deadline) {
				t.Fatalf("%s has not run", arn)
			}
			time.Sleep(50 * time.Millisecond) // polling another process's API
		}
	}
	t.Logf("all running after %v", time.Since(began))
	cpu := cpuSeconds(n.Pid())
	time.Sleep(200 * time.Millisecond) // measuring that it is busy
	busy := cpuSeconds(n.Pid()) - cpu

	// The issue asks for a second; 3 s allows for a loaded machine (CI runs
	// the suites side by side), while a shutdown that waited for a step's
	// 10,000 transitions, for the executions to end (they never do) or for
	// Stop's one-minute grace would take far longer.
	const bound = 3 * time.Second
	began = time.Now()
	n.Stop()
	took := time.Since(began)
	t.Logf("stopped in %v, busy for %.2f s of CPU in the 0.2 s before", took, busy)
	if took > bound {
		t.Errorf("SIGTERM while evaluating: stepd took %v to exit, over %v", took, bound)
	}

	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := map[string]int{}
	for _, arn := range arns {
		stopped[arn] = n.historyLength(t, arn)
	}
	// The restarted node takes its executions up again at once (a node
	// releases its own claims when it starts), not after the lease.
	deadline = time.Now().Add(15 * time.Second)
	for _, arn := range arns {
		for n.historyLength(t, arn) <= stopped[arn] {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not run again after the restart (%d events still)", arn, stopped[arn])
			}
			time.Sleep(50 * time.Millisecond) // polling another process's API
		}
	}
	for _, arn := range arns {
		var d description
		if err := n.call(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d); err != nil {
			t.Fatal(err)
		}
		if d.Status != "RUNNING" {
			t.Errorf("%s after the restart: %+v, want it still running", arn, d)
		}
	}
	n.answersFast(t, "after the restart")
	began = time.Now()
	n.Stop()
	if took := time.Since(began); took > bound {
		t.Errorf("SIGTERM after the restart, the executions running again: stepd took %v to exit, over %v", took, bound)
	}
}
