package engine

import (
	"time"

	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/store"
)

// Observer is told what the engine did, for metrics, traces and logs. The
// engine calls it after the fact (a step's events once they are committed),
// on its own goroutines and concurrently: an Observer must be safe for
// concurrent use, quick, and never block; it must not keep row or events
// beyond the call, nor change them. With no Observer (Options.Observer
// nil), the engine does no work for observing.
type Observer interface {
	// Events reports the history events a committed step appended to the
	// execution row (in order; row is the execution after the step).
	Events(row *store.Execution, events []history.Event)
	// Committed reports one store transaction of n changes, which took d
	// and failed with err (nil: it committed).
	Committed(n int, d time.Duration, err error)
	// TimerFired reports a timer delivered late after its due time.
	TimerFired(late time.Duration)
}

// TaskTracer is an Observer that traces executions: TraceHeader is the trace
// context (X-Ray's format) that a traced execution's task invocations and
// child executions carry, "" for an execution it does not trace.
type TaskTracer interface {
	TraceHeader(row *store.Execution) string
}

// taskTracer is the observer among o that traces tasks, or nil.
func taskTracer(o Observer) TaskTracer {
	switch t := o.(type) {
	case TaskTracer:
		return t
	case multiObserver:
		for _, o := range t {
			if tt := taskTracer(o); tt != nil {
				return tt
			}
		}
	}
	return nil
}

// Observers tells each of os what the engine does; nil entries are skipped.
// It returns nil when none is left, so that the engine does no work.
func Observers(os ...Observer) Observer {
	var m multiObserver
	for _, o := range os {
		if o != nil {
			m = append(m, o)
		}
	}
	switch len(m) {
	case 0:
		return nil
	case 1:
		return m[0]
	}
	return m
}

type multiObserver []Observer

func (m multiObserver) Events(row *store.Execution, events []history.Event) {
	for _, o := range m {
		o.Events(row, events)
	}
}

func (m multiObserver) Committed(n int, d time.Duration, err error) {
	for _, o := range m {
		o.Committed(n, d, err)
	}
}

func (m multiObserver) TimerFired(late time.Duration) {
	for _, o := range m {
		o.TimerFired(late)
	}
}

// Stats is a snapshot of an engine's load, for metrics.
type Stats struct {
	// QueueDepth is the steps waiting in the shards' queues.
	QueueDepth int
	// RunningTasks is the task invocations (and Map Runs) running on this
	// node.
	RunningTasks int
	// LeaseRenewals and LeaseRenewalErrors count the node's lease renewals
	// since it started, and those that failed.
	LeaseRenewals, LeaseRenewalErrors int64
	// StartsWaiting is the new executions waiting now for the node to admit
	// them (Options.BusyStarts); StartsHeld counts those that waited.
	StartsWaiting, StartsHeld int64
}

// Stats returns the engine's load now. It is safe to call at any time.
func (e *Engine) Stats() Stats {
	st := Stats{LeaseRenewals: e.renewals.Load(), LeaseRenewalErrors: e.renewalErrors.Load(),
		StartsWaiting: e.admit.waiting.Load(), StartsHeld: e.admit.held.Load()}
	for _, ch := range e.shards {
		st.QueueDepth += len(ch)
	}
	e.mu.Lock()
	st.RunningTasks = len(e.running)
	e.mu.Unlock()
	return st
}
