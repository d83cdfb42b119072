package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/sqlite"
)

// mapMachine is a machine whose Distributed Map runs processor on each item
// of $.items, with the Map's fields extra.
func mapMachine(childType, extra, processor string) string {
	return `{"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemsPath":"$.items",` + extra +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + childType + `"},` + processor + `},"End":true}}}`
}

// failOdd fails the children of odd items.
const failOdd = `"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"Odd"}],"Default":"Even"},` +
	`"Odd":{"Type":"Fail","Error":"Odd","Cause":"an odd item"},"Even":{"Type":"Pass","End":true}}`

func items(n int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"i":%d,"n":%d}`, i, i%2)
	}
	b.WriteString(`]}`)
	return b.String()
}

// mapRunOf returns the Map Run of an execution, once it is in the store.
func (e *env) mapRunOf(x *store.Execution) *store.MapRun {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		runs, err := e.store.MapRunList(context.Background(), x.ARN, "", 10)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(runs) > 0 {
			return runs[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no Map Run of %s", x.ARN)
		}
		time.Sleep(5 * time.Millisecond) // the coordinator creates it after the Map state's commit
	}
}

// waitRunning waits until a Map Run has n children running, as the store
// counts them.
func (e *env) waitRunning(run string, n int64) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		counts, err := e.store.MapItemCounts(context.Background(), run)
		if err != nil {
			e.t.Fatal(err)
		}
		if counts[store.MapItemRunning].Executions == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d children running, want %d", counts[store.MapItemRunning].Executions, n)
		}
		time.Sleep(5 * time.Millisecond) // the coordinator starts children in the background
	}
}

// A Map Run's children, STANDARD (durable, each with its history) and
// EXPRESS (in memory), give the Map their outputs in item order.
func TestMapRunChildren(t *testing.T) {
	for _, typ := range []string{"STANDARD", "EXPRESS"} {
		t.Run(typ, func(t *testing.T) {
			drivers(t, func(t *testing.T, e *env) {
				sm := e.machine("fan", "STANDARD", mapMachine(typ, `"Label":"L",`, `"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"got.$":"$.i"},"End":true}}`))
				end := e.wait(e.startExecution(sm, items(25)))
				want := make([]string, 25)
				for i := range want {
					want[i] = fmt.Sprintf(`{"got":%d}`, i)
				}
				if end.Status != "SUCCEEDED" || end.Output != "["+strings.Join(want, ",")+"]" {
					t.Fatalf("%s %s %s", end.Status, end.Output, end.Cause)
				}
				run := e.mapRunOf(end)
				counts, err := e.store.MapItemCounts(context.Background(), run.ARN)
				if err != nil {
					t.Fatal(err)
				}
				if run.Status != "SUCCEEDED" || counts[store.MapItemSucceeded].Executions != 25 || run.ChildType != typ {
					t.Errorf("run %s %+v", run.Status, counts)
				}
				children, err := e.store.ExecutionList(context.Background(), store.ExecutionQuery{MapRun: run.ARN, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if typ == "STANDARD" {
					if len(children) != 25 || children[0].MachineARN != sm+"/L" ||
						!strings.HasPrefix(children[0].ARN, "arn:aws:states:us-east-1:123456789012:execution:fan/L:") {
						t.Fatalf("%d children, %+v", len(children), children[0])
					}
					if got := e.historyTypes(children[0]); got != "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded" {
						t.Errorf("a child's history %s", got)
					}
				} else if len(children) != 0 {
					t.Errorf("%d EXPRESS children in the durable store", len(children))
				}
			})
		})
	}
}

// Without a Label, a Map state's runs have one label, a UUID of the state,
// as on AWS: every run's machine is the same.
func TestMapRunDefaultLabel(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		sm := e.machine("nolabel", "STANDARD", mapMachine("STANDARD", "", `"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}`))
		first, second := e.mapRunOf(e.wait(e.startExecution(sm, items(1)))), e.mapRunOf(e.wait(e.startExecution(sm, items(1))))
		label := strings.TrimPrefix(first.MachineARN, sm+"/")
		if first.MachineARN != second.MachineARN || len(label) != 36 || label[14] != '3' || first.ARN == second.ARN ||
			!strings.HasPrefix(first.ARN, "arn:aws:states:us-east-1:123456789012:mapRun:nolabel/"+label+":") {
			t.Errorf("runs %s (%s) and %s (%s)", first.ARN, first.MachineARN, second.ARN, second.MachineARN)
		}
	})
}

// Tolerated failures: a run fails once its failed children pass the count or
// the percentage; within them it succeeds, with the failures' Error and
// Cause in its output. The ...Path forms resolving to invalid values fail
// the Map state as AWS does.
func TestMapRunTolerance(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		cases := []struct {
			name, extra, input string
			status, err        string
		}{
			{"none tolerated", ``, items(10), "FAILED", "States.ExceedToleratedFailureThreshold"},
			{"count within", `"ToleratedFailureCount":5,`, items(10), "SUCCEEDED", ""},
			{"count passed", `"ToleratedFailureCount":4,`, items(10), "FAILED", "States.ExceedToleratedFailureThreshold"},
			{"percentage within", `"ToleratedFailurePercentage":50,`, items(10), "SUCCEEDED", ""},
			{"percentage passed", `"ToleratedFailurePercentage":40,`, items(10), "FAILED", "States.ExceedToleratedFailureThreshold"},
			{"count path", `"ToleratedFailureCountPath":"$.tol",`, `{"tol":5,` + items(10)[1:], "SUCCEEDED", ""},
			{"count path not an integer", `"ToleratedFailureCountPath":"$.tol",`, `{"tol":"five",` + items(10)[1:], "FAILED", "States.Runtime"},
			{"percentage path", `"ToleratedFailurePercentagePath":"$.tol",`, `{"tol":50,` + items(10)[1:], "SUCCEEDED", ""},
			{"percentage path over 100", `"ToleratedFailurePercentagePath":"$.tol",`, `{"tol":150,` + items(10)[1:], "FAILED", "States.Runtime"},
			{"percentage path missing", `"ToleratedFailurePercentagePath":"$.nope",`, items(10), "FAILED", "States.Runtime"},
		}
		for i, c := range cases {
			sm := e.machine(fmt.Sprint("tol", i), "STANDARD", mapMachine("STANDARD", c.extra, failOdd))
			end := e.wait(e.startExecution(sm, c.input))
			if end.Status != c.status || end.Error != c.err {
				t.Errorf("%s: %s %s %s", c.name, end.Status, end.Error, end.Cause)
				continue
			}
			if c.status == "SUCCEEDED" && !strings.Contains(end.Output, `{"Error":"Odd","Cause":"an odd item"}`) {
				t.Errorf("%s: output %s", c.name, end.Output)
			}
			if c.err == "States.Runtime" && !strings.Contains(end.Cause, "ToleratedFailure") && !strings.Contains(end.Cause, "Invalid path '$.nope'") {
				t.Errorf("%s: cause %s", c.name, end.Cause)
			}
			if c.err == "States.ExceedToleratedFailureThreshold" {
				if run := e.mapRunOf(end); run.Status != "FAILED" || run.Error != c.err {
					t.Errorf("%s: run %s %s", c.name, run.Status, run.Error)
				}
				if got := e.historyTypes(end); !strings.Contains(got, "MapRunStarted MapRunFailed MapStateFailed") {
					t.Errorf("%s: history %s", c.name, got)
				}
			}
		}
	})
}

// MaxConcurrency holds: while any child's task runs, the store counts no
// more children running than the run allows.
func TestMapRunMaxConcurrency(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		var most, seen atomic.Int64
		var run atomic.Pointer[string]
		f := runner.RunnerFunc(func(ctx context.Context, task *runner.Task) runner.Outcome {
			seen.Add(1)
			if arn := run.Load(); arn != nil {
				counts, err := e.store.MapItemCounts(ctx, *arn)
				if err == nil {
					for n := counts[store.MapItemRunning].Executions; n > most.Load(); {
						if most.CompareAndSwap(most.Load(), n) {
							break
						}
					}
				}
			}
			time.Sleep(2 * time.Millisecond) // a task that takes a little while, so that children overlap
			return runner.Succeeded(task.Input)
		})
		e.run.Store(&f)
		sm := e.machine("conc", "STANDARD", mapMachine("STANDARD", `"MaxConcurrency":3,`,
			`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}`))
		x := e.startExecution(sm, items(40))
		r := e.mapRunOf(x)
		run.Store(&r.ARN)
		end := e.wait(x)
		if end.Status != "SUCCEEDED" {
			t.Fatalf("%s %s", end.Status, end.Cause)
		}
		if most.Load() > 3 || most.Load() < 1 || seen.Load() < 40 {
			t.Errorf("at most %d children running of 3 allowed, %d tasks", most.Load(), seen.Load())
		}
	})
}

// UpdateMapRun raises a running run's concurrency, and the coordinator
// starts the children at once; stopping the parent then aborts the run and
// its running children, and the parent's history closes the run.
func TestMapRunUpdateThenStop(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		sm := e.machine("upd", "STANDARD", mapMachine("STANDARD", `"MaxConcurrency":1,`,
			`"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}`))
		x := e.startExecution(sm, items(6))
		run := e.mapRunOf(x)
		e.waitRunning(run.ARN, 1)
		conc := 4
		if err := e.svc.UpdateMapRun(context.Background(), run.ARN, store.MapRunConfig{MaxConcurrency: &conc}); err != nil {
			t.Fatal(err)
		}
		e.waitRunning(run.ARN, 4)
		if _, err := e.svc.StopExecution(context.Background(), x.ARN, "", ""); err != nil {
			t.Fatal(err)
		}
		end := e.wait(x)
		deadline := time.Now().Add(30 * time.Second)
		for {
			r, err := e.svc.MapRun(context.Background(), run.ARN)
			if err != nil {
				t.Fatal(err)
			}
			counts, err := e.store.MapItemCounts(context.Background(), run.ARN)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status == "ABORTED" && counts[store.MapItemRunning].Executions == 0 {
				if counts[store.MapItemAborted].Executions != 4 || counts[store.MapItemPending].Executions != 2 {
					t.Errorf("counts %+v", counts)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s, counts %+v", r.Status, counts)
			}
			time.Sleep(5 * time.Millisecond) // the run aborts in the background
		}
		if got := e.historyTypes(end); end.Status != "ABORTED" || !strings.HasSuffix(got, "MapRunStarted MapRunAborted ExecutionAborted") {
			t.Errorf("%s: %s", end.Status, got)
		}
		if err := e.svc.UpdateMapRun(context.Background(), run.ARN, store.MapRunConfig{MaxConcurrency: &conc}); err == nil {
			t.Error("an aborted run was updated")
		}
	})
}

// A crash in the middle of a run: the node starts again, its coordinator
// goes on where the store says, the children that were running finish, and
// every item runs once to its end.
func TestMapRunContinuesAfterACrash(t *testing.T) {
	drivers(t, func(t *testing.T, e *env) {
		sm := e.machine("crash", "STANDARD", mapMachine("STANDARD", `"MaxConcurrency":2,`,
			`"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":500,"Next":"P"},"P":{"Type":"Pass","Parameters":{"got.$":"$.i"},"End":true}}`))
		x := e.startExecution(sm, items(6))
		run := e.mapRunOf(x)
		e.waitRunning(run.ARN, 2)
		before, err := e.store.ExecutionList(context.Background(), store.ExecutionQuery{MapRun: run.ARN, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		e.stop()
		e.start()
		end := e.wait(x)
		if end.Status != "SUCCEEDED" || end.Output != `[{"got":0},{"got":1},{"got":2},{"got":3},{"got":4},{"got":5}]` {
			t.Fatalf("%s %s %s", end.Status, end.Output, end.Cause)
		}
		after, err := e.store.ExecutionList(context.Background(), store.ExecutionQuery{MapRun: run.ARN, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 6 {
			t.Fatalf("%d children for 6 items", len(after))
		}
		byARN := map[string]*store.Execution{}
		for _, c := range after {
			byARN[c.ARN] = c
			if c.Status != "SUCCEEDED" {
				t.Errorf("child %s %s", c.ARN, c.Status)
			}
		}
		for _, c := range before {
			if byARN[c.ARN] == nil {
				t.Errorf("the child %s running before the crash is gone", c.ARN)
			}
		}
	})
}

// BenchmarkMapRunStandardChildren runs a Map Run of 1,000 and of 10,000
// STANDARD children (a Pass state each, durable with their histories) on
// SQLite, and reports children/s from the parent's start to its end.
func BenchmarkMapRunStandardChildren(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := range b.N {
				path := filepath.Join(b.TempDir(), "stepd.db")
				e := newEnv(b, func() store.Store {
					st, err := sqlite.Open(path, sqlite.Options{Synchronous: "NORMAL"})
					if err != nil {
						b.Fatal(err)
					}
					return st
				})
				sm := e.machine(fmt.Sprint("bench", i), "STANDARD", mapMachine("STANDARD", "", `"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}`))
				input := items(n)
				began := time.Now()
				end := e.wait(e.startExecution(sm, input))
				took := time.Since(began)
				if end.Status != "SUCCEEDED" {
					b.Fatalf("%s %s", end.Status, end.Cause)
				}
				b.ReportMetric(float64(n)/took.Seconds(), "children/s")
				e.stop()
			}
		})
	}
}
