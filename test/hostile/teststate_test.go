//go:build hostile

package hostile

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestState runs a Task for real when it has no mock: it must go through the
// same outbound rules as an execution's tasks, and its other work must stay
// bounded.

// testState calls TestState and returns its answer.
func (n *node) testState(t *testing.T, req map[string]any) (map[string]any, error) {
	t.Helper()
	var out map[string]any
	err := n.call(t, "TestState", req, &out)
	return out, err
}

// TestTestStateSSRF aims TestState's HTTP Task at stepd's own API to delete a
// state machine: refused as an execution's would be; the machine survives.
func TestTestStateSSRF(t *testing.T) {
	n := serve(t, config(t, `http: {allowed_hosts: ["*"]}`)...)
	victim := n.createMachine(t, "victim", "STANDARD", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	var state map[string]any
	var def map[string]any
	_ = json.Unmarshal([]byte(attacker), &def)
	state = def["States"].(map[string]any)["Call"].(map[string]any)
	text, _ := json.Marshal(state)
	in, _ := json.Marshal(deleteVia("http://"+n.Addr, victim))
	out, err := n.testState(t, map[string]any{"definition": string(text), "input": string(in), "roleArn": role})
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != "FAILED" || out["error"] != "States.Http.Socket" || !strings.Contains(out["cause"].(string), "where stepd itself serves") {
		t.Errorf("TestState through stepd's own address: %v", out)
	}
	if err := n.call(t, "DescribeStateMachine", map[string]any{"stateMachineArn": victim}, nil); err != nil {
		t.Fatalf("the victim is gone: %v", err)
	}
}

// TestTestStateWaitsAreFree: a TestState of a Wait of a year answers at once,
// and many TestState calls at once with the largest mocks AWS allows are all
// answered while the server goes on answering others.
func TestTestStateWaitsAreFree(t *testing.T) {
	n := serve(t)
	began := time.Now()
	out, err := n.testState(t, map[string]any{"definition": `{"Type":"Wait","Seconds":31536000,"End":true}`})
	if err != nil || out["status"] != "SUCCEEDED" || time.Since(began) > 5*time.Second {
		t.Fatalf("a year's Wait: %v %v after %s", out, err, time.Since(began))
	}
	items := make([]int, 60000) // a mocked Map result of about 256 KiB
	mock, _ := json.Marshal(items)
	m := `{"Type":"Map","ItemsPath":"$","ItemSelector":{"i.$":"$$.Map.Item.Index","all.$":"$"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := n.testState(t, map[string]any{"definition": m, "input": string(mock), "inspectionLevel": "TRACE",
				"mock": map[string]any{"result": string(mock)}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !strings.Contains(err.Error(), "Validation") && !strings.Contains(err.Error(), "DataLimitExceeded") {
			t.Errorf("a big mocked Map: %v", err)
		}
	}
	if err := n.call(t, "ListStateMachines", map[string]any{}, nil); err != nil {
		t.Fatalf("the server stopped answering: %v", err)
	}
	if mb := rssMB(n.Pid()); mb > 1500 {
		t.Errorf("resident memory %.0f MB after the attack", mb)
	}
}
