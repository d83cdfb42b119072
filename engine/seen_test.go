package engine

import (
	"fmt"
	"testing"
	"time"
)

// The activities found (by polls, by tasks scheduled) are known for activitySeenFor, forgotten on
// DeleteActivity, and never more than maxActivitiesSeen.
func TestActivitiesSeen(t *testing.T) {
	t.Parallel()
	var a activitiesSeen
	now := time.Now()
	a.saw("arn:a", now)
	if !a.known("arn:a", now.Add(activitySeenFor/2)) || a.known("arn:a", now.Add(activitySeenFor)) || a.known("arn:b", now) {
		t.Error("known outside what was seen, or not within")
	}
	a.forget("arn:a")
	if a.known("arn:a", now) {
		t.Error("known after forget")
	}
	for i := range 3 * maxActivitiesSeen {
		a.saw(fmt.Sprint("arn:", i%(maxActivitiesSeen+10)), now)
		if n := a.n.Load(); n > maxActivitiesSeen || n < 0 {
			t.Fatalf("%d activities counted", n)
		}
	}
	held := 0
	a.seen.Range(func(any, any) bool { held++; return true })
	if held > maxActivitiesSeen || int64(held) != a.n.Load() {
		t.Errorf("%d held, %d counted", held, a.n.Load())
	}
}
