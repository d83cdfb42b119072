package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/store"
)

// TestStopWhileStepping stops the engine again and again while executions
// that never wait commit step after step: Stop returns at once every time.
// A change queued for the committer as it stops used to be left unanswered,
// and its shard, and Stop, waited for it forever.
func TestStopWhileStepping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.engine.StopWithin(0) // the rounds below run engines of their own
	sm := e.machine(`{"QueryLanguage":"JSONata","StartAt":"Work","States":{
		"Work":{"Type":"Pass","Assign":{"i":"{% $exists($i) ? $i + 1 : 0 %}"},"Next":"Again"},
		"Again":{"Type":"Choice","Choices":[{"Condition":"{% $i < 1000000000 %}","Next":"Work"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`)
	for round := range 5 {
		commits := make(chan struct{}, 1)
		eng := engine.New(engine.Options{Store: e.store, Clock: engine.NewScaledClock(0.001), Shards: 8,
			StepTime: time.Millisecond, // many short steps: many commits
			Committed: func(*store.Execution, []store.Event) {
				select {
				case commits <- struct{}{}:
				default:
				}
			}})
		if err := eng.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			name := fmt.Sprintf("r%d-%d", round, i)
			if _, _, err := eng.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: name, Input: `{}`}); err != nil {
				t.Fatal(err)
			}
		}
		for range 50 {
			select {
			case <-commits:
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: the executions do not step", round)
			}
		}
		stopped := make(chan struct{})
		began := time.Now()
		go func() { eng.StopWithin(0); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(20 * time.Second): // generous: a loaded machine; a hang is forever
			t.Fatalf("round %d: Stop has not returned after %v", round, time.Since(began))
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("round %d: Stop took %v", round, took)
		}
	}
	// The executions still run (in the store): its invariants are checked in
	// the env's cleanup.
}
