package service_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/memory"
)

// logSink keeps what it is given.
type logSink struct {
	mu     sync.Mutex
	groups []string
	events []map[string]any
}

func (s *logSink) Write(group string, event []byte) {
	var m map[string]any
	if err := json.Unmarshal(event, &m); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups = append(s.groups, group)
	s.events = append(s.events, m)
}

// A machine's loggingConfiguration is honoured: its level picks the events
// (ALL, ERROR, FATAL; OFF none), includeExecutionData whether input and
// output are in them, and they go to its log group in the CloudWatch Logs
// format of Step Functions.
func TestExecutionLogs(t *testing.T) {
	t.Parallel()
	const group = "arn:aws:logs:us-east-1:123456789012:log-group:flows:*"
	logging := func(level string, data bool) string {
		b, _ := json.Marshal(map[string]any{"level": level, "includeExecutionData": data,
			"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": group}}}})
		return string(b)
	}
	const def = `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"E","Cause":"c"}}}`
	for _, c := range []struct {
		name, logging string
		types         []string
		data          bool
	}{
		{"ALL with data", logging("ALL", true), []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"}, true},
		{"ALL without data", logging("ALL", false), []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"}, false},
		{"ERROR", logging("ERROR", false), []string{"FailStateEntered", "ExecutionFailed"}, false},
		{"FATAL", logging("FATAL", false), []string{"ExecutionFailed"}, false},
		{"OFF", `{"level":"OFF","includeExecutionData":false}`, nil, false},
		{"none", "", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := memory.New()
			sink := &logSink{}
			svc := service.New(service.Options{Store: st, Clock: engine.NewScaledClock(0.001), ExecutionLogs: sink})
			if err := svc.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			arn := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
			now := time.Now()
			if err := st.StateMachineCreate(context.Background(), &store.StateMachine{ARN: arn, Name: "m", Type: "STANDARD", Status: "ACTIVE",
				RoleARN: "arn:aws:iam::123456789012:role/r", RevisionID: "m-1", Logging: c.logging, CreatedAt: now, UpdatedAt: now},
				&store.Definition{RevisionID: "m-1", MachineARN: arn, Text: def, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			started, err := svc.StartExecution(context.Background(), service.StartRequest{MachineARN: arn, Input: `{"secret":1}`})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := svc.Standard().WaitFinished(ctx, started.Row.ID); err != nil {
				t.Fatal(err)
			}
			svc.Stop() // the writer drains what was committed
			var types []string
			for i, e := range sink.events {
				types = append(types, e["type"].(string))
				if sink.groups[i] != group || e["execution_arn"] != started.Row.ARN || e["redrive_count"] != "0" {
					t.Errorf("event %d: %s %v", i, sink.groups[i], e)
				}
				for _, k := range []string{"id", "previous_event_id", "event_timestamp"} {
					if _, ok := e[k].(string); !ok {
						t.Errorf("event %d: %s is not a string: %v", i, k, e)
					}
				}
				d, _ := e["details"].(map[string]any)
				_, hasInput := d["input"]
				if e["type"] == "ExecutionStarted" && hasInput != c.data {
					t.Errorf("ExecutionStarted details %v: input logged %v, want %v", d, hasInput, c.data)
				}
				if e["type"] == "ExecutionFailed" && (d["error"] != "E" || d["cause"] != "c") {
					t.Errorf("ExecutionFailed details %v", d)
				}
			}
			if len(types) != len(c.types) {
				t.Fatalf("logged %v, want %v", types, c.types)
			}
			for i := range types {
				if types[i] != c.types[i] {
					t.Fatalf("logged %v, want %v", types, c.types)
				}
			}
		})
	}
}
