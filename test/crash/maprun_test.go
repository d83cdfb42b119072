//go:build crash

package crash

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

// TestCrashMapRun kills the server with SIGKILL, again and again, in the
// middle of a Distributed Map of 10,000 items with STANDARD children, and
// checks that no item was lost and none ran twice to completion: the Map's
// output holds every item's result in order, and the run has exactly one
// child per item, each SUCCEEDED.
func TestCrashMapRun(t *testing.T) {
	const items = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "stepd.log"))
	must(t, err)
	defer logf.Close()
	addr := stepdtest.FreeAddr(t)
	srv := &stepdtest.Process{Name: "stepd", Bin: stepdtest.Build(t), Addr: addr, Log: logf,
		Args: []string{"serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--time-scale", "0.01", "--sync", "NORMAL"}}
	must(t, srv.Start())
	defer srv.Stop()
	c := &stepdtest.Client{Nodes: []*stepdtest.Process{srv}, HTTP: &http.Client{Timeout: 90 * time.Second}, Pause: 50 * time.Millisecond}

	def := `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":500,
	  "ItemSelector":{"n.$":"$$.Map.Item.Value"},
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Nap","States":{
	    "Nap":{"Type":"Wait","Seconds":1,"Next":"Double"},
	    "Double":{"Type":"Pass","Parameters":{"n.$":"$.n","twice.$":"States.MathAdd($.n, $.n)"},"End":true}}},"End":true}}}`
	var sm struct{ StateMachineArn string }
	must(t, c.Call(ctx, "CreateStateMachine", map[string]any{"name": "fan", "definition": def, "roleArn": "arn:aws:iam::123456789012:role/r"}, &sm))
	list := make([]int, items)
	for i := range list {
		list[i] = i
	}
	input, _ := json.Marshal(map[string]any{"items": list})
	var x struct{ ExecutionArn string }
	must(t, c.Call(ctx, "StartExecution", map[string]any{"stateMachineArn": sm.StateMachineArn, "name": "fan-out", "input": string(input)}, &x))

	// Kill and restart while the run goes on, until it ended.
	kills := 0
	var d struct{ Status, Output, Error, Cause string }
	for {
		must(t, c.Call(ctx, "DescribeExecution", map[string]any{"executionArn": x.ExecutionArn}, &d))
		if d.Status != "RUNNING" {
			break
		}
		if kills < 6 {
			select {
			case <-ctx.Done():
				t.Fatal("the run did not end")
			case <-time.After(time.Duration(300+rand.IntN(1500)) * time.Millisecond):
			}
			srv.Kill()
			kills++
			if err := srv.Start(); err != nil {
				t.Fatalf("%v\n%s", err, stepdtest.Tail(logf.Name(), 80))
			}
			continue
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the run did not end\n%s", stepdtest.Tail(logf.Name(), 40))
		case <-time.After(200 * time.Millisecond): // polling the API as a client does
		}
	}
	t.Logf("killed and restarted the server %d times during the run", kills)
	if d.Status != "SUCCEEDED" {
		t.Fatalf("the execution ended %s: %s %s", d.Status, d.Error, d.Cause)
	}
	var out []struct{ N, Twice int }
	must(t, json.Unmarshal([]byte(d.Output), &out))
	if len(out) != items {
		t.Fatalf("%d results, want %d", len(out), items)
	}
	for i, r := range out {
		if r.N != i || r.Twice != 2*i {
			t.Fatalf("result %d is %+v", i, r)
		}
	}

	var runs struct{ MapRuns []struct{ MapRunArn string } }
	must(t, c.Call(ctx, "ListMapRuns", map[string]any{"executionArn": x.ExecutionArn}, &runs))
	if len(runs.MapRuns) != 1 {
		t.Fatalf("%d map runs", len(runs.MapRuns))
	}
	run := runs.MapRuns[0].MapRunArn
	var mr struct {
		Status                      string
		ItemCounts, ExecutionCounts struct{ Succeeded, Failed, Running, Pending, Total int }
	}
	must(t, c.Call(ctx, "DescribeMapRun", map[string]any{"mapRunArn": run}, &mr))
	if mr.Status != "SUCCEEDED" || mr.ItemCounts.Succeeded != items || mr.ItemCounts.Total != items || mr.ExecutionCounts.Succeeded != items || mr.ExecutionCounts.Total != items {
		t.Errorf("the Map Run: %+v", mr)
	}
	children, succeeded := 0, 0
	seen := map[string]bool{}
	token := ""
	for {
		in := map[string]any{"mapRunArn": run, "maxResults": 1000}
		if token != "" {
			in["nextToken"] = token
		}
		var page struct {
			Executions []struct{ Name, Status string }
			NextToken  string
		}
		must(t, c.Call(ctx, "ListExecutions", in, &page))
		for _, e := range page.Executions {
			if seen[e.Name] {
				t.Fatalf("child %s listed twice", e.Name)
			}
			seen[e.Name] = true
			children++
			if e.Status == "SUCCEEDED" {
				succeeded++
			}
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	if children != items || succeeded != items {
		t.Errorf("%d children, %d succeeded; want one child per item (%d), each succeeded", children, succeeded, items)
	}
	srv.Stop()
	stepdtest.CheckStore(t, srv.Bin, "--data", filepath.Join(dir, "data"))
}
