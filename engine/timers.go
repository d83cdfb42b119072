package engine

import (
	"errors"
	"math"
	"time"

	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/store"
)

// maxFiring bounds the timers a node delivers at once: the rest stay unclaimed
// for other nodes (or for later).
const maxFiring = 2000

// timers fires durable timers: it sleeps until the earliest can be claimed (or
// a step arms an earlier one, here or, with a notifying store, on another
// node), claims the due ones, and delivers a TimerFired event for each; the
// step that takes it deletes the timer in its own commit. A claim lasts the
// node's lease: a timer whose delivery never committed is claimed again then.
func (e *Engine) timers() {
	defer e.wg.Done()
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	maxIdle := time.Hour
	if e.notifier != nil {
		maxIdle = e.poll
	}
	for {
		if e.stopping.Load() {
			return
		}
		// While looking, any newly armed timer wakes the loop.
		e.nextWake.Store(math.MaxInt64)
		next, ok, err := e.store.TimerNext(e.ctx)
		wait, reach := maxIdle, false
		switch {
		case err != nil:
			if e.ctx.Err() != nil {
				return
			}
			e.log.Warn("timers", "err", err)
			wait = time.Second
		case ok:
			if w := e.clock.Real(next); w <= wait {
				wait, reach = w, true
			}
		}
		if wait > 0 {
			e.nextWake.Store(time.Now().Add(wait).UnixNano())
			idle.Reset(wait)
			select {
			case <-e.ctx.Done():
				return
			case <-e.wakeTimers:
				continue
			case <-idle.C:
			}
		}
		e.nextWake.Store(0)
		limit := maxFiring - int(e.inFlight.Load())
		if limit <= 0 {
			e.waitFiring()
			continue
		}
		// A scaled clock (stepd run) reaches a due time only when it waited for
		// it: claim as of then, and move the clock to the due times claimed (not
		// to next itself, which may be the end of a claim's lease).
		at := e.clock.Now()
		if reach && next.After(at) {
			at = next
		}
		due, err := e.store.TimersClaim(e.ctx, store.TimerClaim{Node: e.node, Now: at, Lease: e.lease, Limit: limit})
		if err != nil {
			if e.ctx.Err() == nil {
				e.log.Warn("claim timers", "err", err)
			}
			continue
		}
		fired := 0
		for _, t := range due {
			ref := store.TimerRef{ExecutionID: t.ExecutionID, TimerID: t.TimerID}
			if _, busy := e.firing.LoadOrStore(ref, struct{}{}); busy {
				continue
			}
			fired++
			if e.obs != nil {
				e.obs.TimerFired(max(0, at.Sub(t.Due)))
			}
			e.inFlight.Add(1)
			e.clock.Reach(t.Due)
			go e.fire(ref)
		}
		if fired == 0 && len(due) > 0 {
			// Every claimed timer is being delivered already: wait for a step.
			e.waitFiring()
		}
	}
}

// waitFiring waits for a timer's delivery to end (or a short while).
func (e *Engine) waitFiring() {
	select {
	case <-e.ctx.Done():
	case <-e.wakeTimers:
	case <-time.After(10 * time.Millisecond):
	}
}

// timerArmed wakes the timer loop if a timer armed due at due (here or on
// another node) is earlier than the loop's next look.
func (e *Engine) timerArmed(due time.Time) {
	if next := e.nextWake.Load(); next != 0 && e.clock.Real(due) < time.Duration(next-time.Now().UnixNano()) {
		wake(e.wakeTimers)
	}
}

// fire delivers one timer and forgets it once its step is done.
func (e *Engine) fire(ref store.TimerRef) {
	defer func() {
		e.firing.Delete(ref)
		if e.inFlight.Add(-1) == maxFiring-1 {
			wake(e.wakeTimers) // the loop waits for room
		}
	}()
	err := e.deliverWait(e.ctx, &job{
		execID:   ref.ExecutionID,
		event:    interp.Event{Kind: interp.EventTimerFired, TimerID: ref.TimerID},
		timers:   []store.TimerRef{ref},
		internal: true,
	})
	if err != nil && !errors.Is(err, ErrStopping) {
		e.log.Debug("fire timer", "execution", ref.ExecutionID, "timer", ref.TimerID, "err", err)
		if errors.Is(err, ErrExecutionDoesNotExist) {
			_ = e.commitWait(&store.Change{CancelTimers: []store.TimerRef{ref}})
		}
	}
}
