package interp_test

import (
	"testing"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
)

// Reset keeps a result's room for a usual step, and lets go of a huge one's.
func TestResetBoundsWhatItKeeps(t *testing.T) {
	t.Parallel()
	var res interp.Result
	res.Events = make([]history.Event, 10, 64)
	res.Effects = make([]interp.Effect, 3, 16)
	res.Reset()
	if len(res.Events) != 0 || cap(res.Events) != 64 || len(res.Effects) != 0 || cap(res.Effects) != 16 {
		t.Errorf("a small result: events %d/%d, effects %d/%d", len(res.Events), cap(res.Events), len(res.Effects), cap(res.Effects))
	}
	res.Events = make([]history.Event, 30000)
	res.Reset()
	if cap(res.Events) != 0 {
		t.Errorf("the room of a 30,000-event step was kept: %d", cap(res.Events))
	}
}
