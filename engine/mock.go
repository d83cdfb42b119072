package engine

import (
	"context"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
)

// mocked answers a task from the execution's mock test case (Options.Mocks),
// and reports whether it did. The answer arrives as the events Step
// Functions Local records for the task's kind, in one step: an activity is
// started by no worker but answered (ActivityStarted, then its end); a task
// that waits for a token or a job (.waitForTaskToken, .sync, .sync:2) is
// submitted, then ends; any other task just ends. A mocked task never calls
// its resource, starts a child execution or waits in an activity's queue.
func (e *Engine) mocked(execID int64, execARN string, d *interp.TaskDispatch) bool {
	if e.mocks == nil {
		return false
	}
	out, ok := e.mocks.Mock(&runner.Task{ID: d.TaskID, ExecutionARN: execARN, StateName: d.State, Resource: d.Resource,
		Input: d.Input, Token: d.Token, Attempt: d.Attempt})
	if !ok {
		return false
	}
	end := interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: out.Output}
	reason := store.ReasonSucceeded
	if out.Failure != nil {
		end = interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: out.Failure.Name, Cause: out.Failure.Cause}
		reason = store.ReasonFailed
	}
	j := &job{execID: execID, internal: true, event: end}
	switch {
	case d.Resource.Kind == asl.ResourceActivity:
		j.event, j.next = interp.Event{Kind: interp.EventTaskStarted, TaskID: d.TaskID}, []interp.Event{end}
		j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, reason, store.TaskScheduled, store.TaskStarted)}
	case d.Resource.Pattern != asl.PatternRequestResponse:
		j.event = interp.Event{Kind: interp.EventTaskSubmitted, TaskID: d.TaskID, Output: jsonvalue.NewObject(0)}
		j.next = []interp.Event{end}
		j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, reason, store.TaskPending, store.TaskWaiting)}
	default:
		j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, reason, store.TaskPending)}
	}
	// Delivered from a goroutine: mocked is called from a shard's step.
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		ctx, cancel := context.WithTimeout(e.taskCtx, time.Minute)
		defer cancel()
		_ = e.deliverRetrying(ctx, j, execARN, "deliver a mocked task's answer")
	}()
	return true
}
