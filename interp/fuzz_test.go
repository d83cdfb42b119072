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
// execution ends, and that its history is well formed. It runs under the
// production limits: interp.DefaultLimits (25,000 history events, AWS's
// payload size, the inline Map's 40) and each evaluation under
// budget.Default on the wall clock. The source is no Yielder, so a step ends
// on its transition bound alone and an input replays the same steps.
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
		src := wallClockSource{newSource()}
		now := epoch
		var res interp.Result
		var queue []interp.Event
		var timers []interp.Timer
		ev := interp.Event{Kind: interp.EventStart}
		// As many steps as the history may have events: ample for an
		// execution to end (one still running after them passes, as before).
		for step := int64(0); step <= x.Limits.MaxHistoryEvents; step++ {
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
				if x.LastEventID > x.Limits.MaxHistoryEvents {
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

// wallClockSource is the test's seeded source with the wall clock that the
// evaluations' time budget is measured on (interp.Clock), as the engine's.
type wallClockSource struct{ *seededSource }

func (wallClockSource) Now() time.Time { return time.Now() }

var _ interp.Clock = wallClockSource{}
