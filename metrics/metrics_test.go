package metrics_test

import (
	"testing"
	"time"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/metrics"
	"github.com/stepd/stepd/store"
)

// BenchmarkEvents is the observer's cost on the engine's hot path: one
// step of a Task state's end (four events, two of them counted).
func BenchmarkEvents(b *testing.B) {
	m := metrics.New()
	row := &store.Execution{ARN: "arn:aws:states:us-east-1:123456789012:execution:m:e", MachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m",
		StartTime: time.Unix(0, 0), StopTime: time.Unix(1, 0), Status: "SUCCEEDED"}
	events := []history.Event{{Type: history.TaskSucceeded}, {Type: history.TaskStateExited}, {Type: history.PassStateEntered}, {Type: history.ExecutionSucceeded}}
	b.ReportAllocs()
	for b.Loop() {
		m.Events(row, events)
	}
}
