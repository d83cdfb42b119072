package engine

import (
	"context"
	"sync/atomic"
	"time"
)

// admission holds back a burst of new executions while the node runs the
// steps of executions already started, so that those finish first: the
// steps that start new executions (the first step, run by the caller of
// StartExecution, and its commit) are then at most Options.BusyStarts at a
// time, and the CPU they would take goes to the running ones. A node with
// nothing else to do admits every start at once, as fast as it can commit
// them.
//
// Without it, a burst of 1,000 StartExecution calls from 64 clients took
// the node's CPU for as long as they lasted, and the running executions'
// activity tasks waited: the executions that started first did not finish
// much earlier than the round's middle (docs/performance.md).
type admission struct {
	slots chan struct{} // nil: no limit
	// busyUntil is when (Unix ns) the node stops counting as busy: a step
	// of a running execution makes it busy for busyFor.
	busyUntil atomic.Int64
	// waiting is the starts waiting for a slot now; held counts those that
	// waited (Stats).
	waiting, held atomic.Int64
}

// busyFor is how long a step of a running execution keeps the node busy.
const busyFor = 50 * time.Millisecond

func newAdmission(n int) *admission {
	a := &admission{}
	if n > 0 {
		a.slots = make(chan struct{}, n)
	}
	return a
}

// stepped tells the admission that a running execution stepped at now.
func (a *admission) stepped(now time.Time) {
	if a.slots == nil {
		return
	}
	until := now.Add(busyFor).UnixNano()
	// Concurrent steps store nearly the same time: no need to keep the
	// latest of them exactly.
	if a.busyUntil.Load() < until-int64(time.Millisecond) {
		a.busyUntil.Store(until)
	}
}

// enter admits a new execution: at once if the node is not busy, else when
// a slot is free. leave must be called when its first step has committed
// (or failed). It fails when ctx or the engine ends first.
func (a *admission) enter(ctx context.Context, stop <-chan struct{}) (leave func(), err error) {
	if a.slots == nil || time.Now().UnixNano() >= a.busyUntil.Load() {
		return func() {}, nil
	}
	leave = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return leave, nil
	default:
	}
	a.held.Add(1)
	a.waiting.Add(1)
	defer a.waiting.Add(-1)
	select {
	case a.slots <- struct{}{}:
		return leave, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-stop:
		return nil, ErrStopping
	}
}
