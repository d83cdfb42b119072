package engine

import (
	"fmt"
	"strings"
	"testing"
)

// The handoff cache stays within its bounds, by entries and by bytes, and
// keeps no input too large.
func TestHandoffBounds(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	for i := range maxHandoffs + 10 {
		e.rememberScheduled(fmt.Sprint("tok", i), 1, int64(i), "x")
	}
	if n := len(e.handoffs); n != maxHandoffs {
		t.Errorf("%d entries, want %d", n, maxHandoffs)
	}
	if h := e.handoffs[fmt.Sprint("tok", maxHandoffs+9)]; h == nil || h.input != `"x"` {
		t.Errorf("the newest entry %+v", h)
	}
	big := strings.Repeat("y", maxHandoffInput/2)
	for i := range 2 * maxHandoffBytes / len(big) {
		e.rememberScheduled(fmt.Sprint("big", i), 1, int64(i), big)
	}
	if e.handoffBytes > maxHandoffBytes {
		t.Errorf("%d bytes held, bound %d", e.handoffBytes, maxHandoffBytes)
	}
	e.rememberScheduled("huge", 1, 1, strings.Repeat("z", maxHandoffInput+1))
	if e.handoffs["huge"] != nil {
		t.Error("an input above maxHandoffInput was kept")
	}
	for t := range e.handoffs {
		e.forgetHandoff(t)
	}
	if e.handoffBytes != 0 {
		t.Errorf("%d bytes held with no entries", e.handoffBytes)
	}
}
