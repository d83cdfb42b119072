package interp_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// FuzzStep runs any definition that parses on any input to its end (tasks echo
// their input, timers fire in order) and requires that nothing panics, that the
// execution ends, and that its history is well formed.
func FuzzStep(f *testing.F) {
	f.Add([]byte(chain(3)), []byte(`{"n":1}`))
	f.Add([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}},"End":true}}}`), []byte(`[1,2,3]`))
	// Seeds: the conformance corpus's definitions and inputs, where present.
	shared := filepath.Join("..", "..", "shared")
	if d := os.Getenv("STEPD_SHARED"); d != "" {
		shared = d
	}
	cases, _ := filepath.Glob(filepath.Join(shared, "conformance", "cases", "*.json"))
	for i, path := range cases {
		if i%5 != 0 {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var c struct {
			Definition json.RawMessage `json:"definition"`
			Input      json.RawMessage `json:"input"`
		}
		if json.Unmarshal(b, &c) == nil && len(c.Definition) > 0 {
			f.Add([]byte(c.Definition), []byte(c.Input))
		}
	}
	f.Fuzz(func(t *testing.T, defText, input []byte) {
		def, err := validate.Parse(defText, validate.Options{})
		if err != nil {
			return
		}
		in, err := jsonvalue.Parse(input)
		if err != nil {
			return
		}
		x := newExecution(in)
		x.Limits.MaxHistoryEvents = 2000
		src := newSource()
		now := epoch
		var res interp.Result
		var queue []interp.Event
		var timers []interp.Timer
		ev := interp.Event{Kind: interp.EventStart}
		for step := 0; step < 5000; step++ {
			res.Reset()
			if err := interp.Step(def, x, ev, now, src, &res); err != nil {
				t.Fatalf("Step: %v", err)
			}
			for _, e := range res.Effects {
				switch e.Kind {
				case interp.EffectInvokeTask:
					queue = append(queue, interp.Event{Kind: interp.EventTaskSucceeded, TaskID: e.Task.TaskID, Output: e.Task.Input})
				case interp.EffectArmTimer:
					timers = append(timers, e.Timer)
				}
			}
			if x.Status != interp.StatusRunning {
				if x.LastEventID > 2000 {
					t.Fatalf("%d history events past the limit", x.LastEventID)
				}
				return
			}
			switch {
			case len(queue) > 0:
				ev, queue = queue[0], queue[1:]
			case len(timers) > 0:
				next := 0
				for i, tm := range timers {
					if tm.Due.Before(timers[next].Due) {
						next = i
					}
				}
				tm := timers[next]
				timers = append(timers[:next], timers[next+1:]...)
				if tm.Due.After(now) {
					now = tm.Due
				}
				ev = interp.Event{Kind: interp.EventTimerFired, TimerID: tm.ID}
			default:
				t.Fatalf("the execution waits for nothing")
			}
			now = now.Add(time.Millisecond)
		}
	})
}
