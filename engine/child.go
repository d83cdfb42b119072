package engine

import (
	"context"
	"errors"
	"time"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner/sfn"
	"github.com/stepd/stepd/store"
)

// Children is the seam between an engine and the layer that knows every state
// machine and both engines (package service): the engine starts the child
// executions of states:startExecution tasks through it, and hands it the ends
// of children whose parents live on another engine.
type Children interface {
	// StartChild starts the execution a task asks for, checked as
	// StartExecution checks it, on the engine of its machine's type; or it
	// returns the one an earlier delivery of the same task started (its Parent
	// is the task's token). A refusal is a *ServiceError.
	StartChild(ctx context.Context, req ChildStart) (*ChildStarted, error)
	// StopChild stops a running child execution whose parent no longer waits
	// for it; one that ended or is gone is left as it is.
	StopChild(ctx context.Context, executionARN string) error
	// ChildEnded hands the end of a child whose parent's task belongs to
	// another engine to that engine (Engine.DeliverChildEnd).
	ChildEnded(ctx context.Context, child *store.Execution)
	// StartMapChild starts the child execution of a Map Run's item, on the
	// engine of the run's child type; the item is running once it returns
	// (store.ErrConflict when it was not pending any more).
	StartMapChild(ctx context.Context, c MapChildStart) error
	// MapChildEnded records the end of a Map Run's child that ran on another
	// engine than its run's (Engine.RecordMapChildEnd).
	MapChildEnded(ctx context.Context, child *store.Execution)
}

// ChildStart asks for a child execution.
type ChildStart struct {
	sfn.Request
	// ParentExecution is the ARN of the parent execution; ParentToken is the
	// token of its task; ParentWaits is how it waits for the child's end
	// (sfn.Waits).
	ParentExecution string
	ParentToken     string
	ParentWaits     string
}

// ChildStarted is a child execution StartChild started or found.
type ChildStarted struct {
	Row *store.Execution
	// Created is false when the child existed: an earlier delivery of the
	// same task started it.
	Created bool
	// Engine runs the child.
	Engine *Engine
	// Watch is set for a child that will not report its end to the task:
	// one an older stepd started, or an execution of that name and input that
	// was running already (StartExecution's idempotency). The parent's engine
	// watches it.
	Watch bool
}

// ServiceError is a refusal of the Step Functions API, by its code
// (ExecutionAlreadyExists, StateMachineDoesNotExist, InvalidExecutionInput,
// ...) and message, as the API answers it and as a states:startExecution task
// fails with it (StepFunctions.<Code>Exception).
type ServiceError struct {
	Code, Message string
}

func (e *ServiceError) Error() string { return e.Code + ": " + e.Message }

// childTask is what the engine keeps in memory of a child task it is starting:
// a child's end that arrives before the task recorded the start waits here, so
// that the parent's history has the start before the end. For a child on
// another engine (an EXPRESS child of a STANDARD parent) it stays until the end
// is delivered: its task stays pending, and must not be adopted while the
// child runs here.
type childTask struct {
	submitted bool
	ended     *store.Execution
}

// Owns reports whether a task token is one of this engine's: tokens carry the
// engine's TokenPrefix, which ends with '.'; an engine without one owns the
// tokens without a prefix (task tokens are base64url, which has no '.').
func (e *Engine) Owns(token string) bool {
	if e.tokenPrefix != "" {
		return len(token) > len(e.tokenPrefix) && token[:len(e.tokenPrefix)] == e.tokenPrefix
	}
	for i := 0; i < len(token); i++ {
		if token[i] == '.' {
			return false
		}
	}
	return true
}

// startChild runs a states:startExecution task: it starts the child and
// returns the job that records the start on the parent's task (nil when there
// is none to record), what to do once that job committed, and the child's
// ARN. Nothing waits for the child: with .sync, the child's end comes back
// through DeliverChildEnd.
func (e *Engine) startChild(ctx context.Context, execARN string, d *interp.TaskDispatch, kind store.TaskKind, trace string) (j *job, after func(), childARN string) {
	waits := sfn.Waits(d.Resource)
	req, fail := sfn.ParseRequest(d.Input, d.Token)
	if fail != nil {
		return failedJob(d, fail), nil, ""
	}
	if req.TraceHeader == "" {
		req.TraceHeader = trace // a traced parent's child is in its trace
	}
	if e.children == nil {
		return failedJob(d, aslerr.New(aslerr.Runtime, "nested executions ("+d.Resource.ARN+") need the state machines they start: this engine has none")), nil, ""
	}
	if waits != "" {
		e.mu.Lock()
		e.childTasks[d.Token] = &childTask{}
		e.mu.Unlock()
	}
	forget := func() {
		e.mu.Lock()
		delete(e.childTasks, d.Token)
		e.mu.Unlock()
	}
	started, err := e.children.StartChild(ctx, ChildStart{Request: req, ParentExecution: execARN, ParentToken: d.Token, ParentWaits: waits})
	if err != nil {
		forget()
		if ctx.Err() != nil || errors.Is(err, ErrStopping) {
			// The task stays pending, to run again when the engine starts.
			return nil, nil, ""
		}
		var se *ServiceError
		if errors.As(err, &se) {
			return failedJob(d, sfn.ServiceFailure(se.Code, se.Message)), nil, ""
		}
		return failedJob(d, aslerr.New(aslerr.Runtime, err.Error())), nil, ""
	}
	child := started.Row
	if ctx.Err() != nil {
		// The parent stopped waiting while the child started.
		forget()
		return nil, nil, child.ARN
	}
	response := sfn.StartResponse(e.describeChild(child))
	j = &job{internal: true}
	switch {
	case kind == store.TaskCallback:
		j.event = interp.Event{Kind: interp.EventTaskSubmitted, TaskID: d.TaskID, Output: response}
		j.tasks = []store.TaskUpdate{withChild(store.TaskMove(d.Token, store.TaskWaiting, store.TaskPending), child.ARN)}
		return j, nil, child.ARN
	case waits == "":
		j.event = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: response}
		j.tasks = []store.TaskUpdate{withChild(store.TaskClose(d.Token, store.ReasonSucceeded, store.TaskPending), child.ARN)}
		return j, nil, child.ARN
	}
	j.event = interp.Event{Kind: interp.EventTaskSubmitted, TaskID: d.TaskID, Output: response}
	if started.Engine == e && !started.Watch {
		// The child's end moves the task to done in the child's own commit: the
		// store is the outbox, and nothing here needs to remember the child.
		forget()
		if child.Status != string(interp.StatusRunning) {
			// It ended in its first step: the delivery of its end records the
			// start too.
			return nil, nil, child.ARN
		}
		j.tasks = []store.TaskUpdate{withChild(store.TaskMove(d.Token, store.TaskWaiting, store.TaskPending), child.ARN)}
		return j, nil, child.ARN
	}
	// A child on another engine (or of an older stepd) reports its end to this
	// process; the task stays pending, this node's to run again if it dies.
	j.tasks = []store.TaskUpdate{withChild(store.TaskMove(d.Token, store.TaskPending, store.TaskPending), child.ARN)}
	return j, func() {
		e.mu.Lock()
		ct := e.childTasks[d.Token]
		var ended *store.Execution
		if ct != nil {
			ct.submitted = true
			ended, ct.ended = ct.ended, nil
		}
		e.mu.Unlock()
		if ended == nil && child.Status != string(interp.StatusRunning) {
			ended = child
		}
		switch {
		case ended != nil:
			e.deliverChildEnd(d.Token, ended)
		case started.Watch:
			e.watchChild(d.Token, child, started.Engine)
		}
	}, child.ARN
}

// runsHere reports whether an execution ARN is of this engine's kind
// (STANDARD or EXPRESS).
func (e *Engine) runsHere(arn string) bool { return isExpressARN(arn) == (e.prefix != "execution") }

func withChild(u store.TaskUpdate, arn string) store.TaskUpdate {
	u.Child = arn
	return u
}

// failedJob fails a task before it started anything.
func failedJob(d *interp.TaskDispatch, f *aslerr.Failure) *job {
	return &job{internal: true,
		event: interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: f.Name, Cause: f.Cause},
		tasks: []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonFailed, store.TaskPending)}}
}

// describeChild is a child's row as the integration describes executions,
// with the redrive status DescribeExecution would give it as it ends (the
// redrive window has not begun).
func (e *Engine) describeChild(row *store.Execution) *sfn.Execution {
	x := &sfn.Execution{ARN: row.ARN, MachineARN: row.MachineARN, Name: row.Name, Status: row.Status,
		Input: row.Input, Output: row.Output, HasOutput: row.HasOutput, Error: row.Error, Cause: row.Cause,
		Start: row.StartTime, Stop: row.StopTime, TraceHeader: row.TraceHeader, Standard: !isExpressARN(row.ARN),
		RedriveCount: row.RedriveCount}
	if x.Standard && row.Status != string(interp.StatusRunning) {
		x.Redrivable, x.RedriveReason = e.Redrivable(row, 0)
	}
	return x
}

// isExpressARN reports whether an execution ARN is an EXPRESS execution's
// (arn:aws:states:<region>:<account>:express:...).
func isExpressARN(arn string) bool {
	colons := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			colons++
			if colons == 5 {
				return len(arn) >= i+9 && arn[i+1:i+9] == "express:"
			}
		}
	}
	return false
}

// DeliverChildEnd delivers the end of a child execution (one whose Parent is a
// token of this engine's and whose ParentWaits is set) to its parent's task,
// once: the task's guarded transition makes a second delivery a no-op. It
// returns once the parent took it, or it no longer applies.
func (e *Engine) DeliverChildEnd(ctx context.Context, child *store.Execution) {
	e.deliverChildEnd(child.Parent, child)
}

// deliverChildEnd delivers the end of child to the task token.
func (e *Engine) deliverChildEnd(token string, child *store.Execution) {
	e.mu.Lock()
	if ct := e.childTasks[token]; ct != nil && !e.runsHere(child.ARN) {
		if !ct.submitted {
			// The start is not recorded yet: it delivers the end once it is.
			ct.ended = child
			e.mu.Unlock()
			return
		}
		delete(e.childTasks, token)
	}
	e.mu.Unlock()
	t, err := e.store.TaskGet(e.ctx, token)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && e.ctx.Err() == nil {
			e.log.Warn("deliver a child's end", "child", child.ARN, "err", err)
		}
		return
	}
	if t.Status == store.TaskClosed {
		return
	}
	// The parent's own dispatch says how it waits (the child may be another's:
	// ChildStarted.Watch).
	d, err := decodeDispatch(t)
	if err != nil {
		e.log.Error("deliver a child's end", "child", child.ARN, "err", err)
		return
	}
	waits := sfn.Waits(d.Resource)
	x := e.describeChild(child)
	output, fail := sfn.Result(x, waits)
	j := &job{execID: t.ExecutionID, internal: true}
	reason := store.ReasonSucceeded
	if fail != nil {
		reason = store.ReasonFailed
		j.event = interp.Event{Kind: interp.EventTaskFailed, TaskID: t.TaskID, Error: fail.Name, Cause: fail.Cause}
	} else {
		j.event = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: t.TaskID, Output: output}
	}
	switch {
	case t.Status == store.TaskDone && t.Child == "":
		// The child ended before its start was recorded (a child that ends in
		// its first step): record the start first.
		start := j.event
		j.event = interp.Event{Kind: interp.EventTaskSubmitted, TaskID: t.TaskID, Output: sfn.StartResponse(x)}
		j.next = []interp.Event{start}
		j.tasks = []store.TaskUpdate{store.TaskClose(token, reason, store.TaskDone)}
	case isExpressARN(child.ARN) || t.Kind != store.TaskChild:
		j.tasks = []store.TaskUpdate{store.TaskClose(token, reason, store.TaskPending, store.TaskWaiting)}
	default:
		j.tasks = []store.TaskUpdate{store.TaskClose(token, reason, store.TaskWaiting, store.TaskDone)}
	}
	_ = e.deliverRetrying(e.ctx, j, child.ARN, "deliver a child's end")
}

// deliverRetrying delivers a job until its commit goes through, it no longer
// applies, or the engine stops: an outcome of work done outside the
// execution must reach the store (the database may be away for a while). It
// returns nil once the job committed.
func (e *Engine) deliverRetrying(ctx context.Context, j *job, what, msg string) error {
	for attempt := 1; ; attempt++ {
		err := e.deliverWait(ctx, j)
		if err == nil || errors.Is(err, errDropped) || errors.Is(err, ErrStopping) || errors.Is(err, ErrExecutionDoesNotExist) || ctx.Err() != nil {
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			return err
		}
		e.log.Warn(msg, "execution", what, "attempt", attempt, "err", err)
		select {
		case <-time.After(min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// childEnded sends a finished child's end where its parent waits: to this
// engine's own task (the child's final commit moved it to done), or through
// the Children seam to the other engine.
func (e *Engine) childEnded(row *store.Execution) {
	if row.Parent == "" || row.ParentWaits == "" {
		return
	}
	end := *row
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		if e.Owns(end.Parent) {
			e.deliverChildEnd(end.Parent, &end)
		} else if e.children != nil {
			e.children.ChildEnded(e.ctx, &end)
		}
	}()
}

// stopChild stops a child whose parent no longer waits for it, in the
// background.
func (e *Engine) stopChild(arn string) {
	if e.children == nil || arn == "" {
		return
	}
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 30*time.Second)
		defer cancel()
		if err := e.children.StopChild(ctx, arn); err != nil {
			e.log.Warn("stop a child execution", "child", arn, "err", err)
		}
	}()
}

// cancelChild stops the child of a .sync task the execution no longer waits
// for: the one its task recorded, or, while the start is still running, the
// one the start makes (it stops it itself once it sees its context cancelled).
func (e *Engine) cancelChild(token string) {
	if e.cancelRunning(token) {
		return
	}
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		t, err := e.store.TaskGet(e.ctx, token)
		if err != nil {
			return
		}
		e.mu.Lock()
		delete(e.childTasks, token)
		e.mu.Unlock()
		e.stopChild(t.Child)
	}()
}

// deliverDoneChildren delivers the ends of children that the store holds as
// done (the outbox), which a crash kept from being delivered.
func (e *Engine) deliverDoneChildren(ctx context.Context) error {
	after := ""
	for {
		tasks, err := e.store.TasksOpen(ctx, store.TaskChild, []store.TaskStatus{store.TaskDone}, after, 500)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			after = t.Token
			child, err := e.doneChild(ctx, t)
			if err != nil {
				e.log.Warn("deliver a child's end", "task", t.Token[:min(8, len(t.Token))], "err", err)
				continue
			}
			e.deliverChildEnd(t.Token, child)
		}
		if len(tasks) < 500 {
			return nil
		}
	}
}

// doneChild returns the child of a done task: the one it recorded, or, when
// the child ended before its start was recorded, the one its request names
// (a done task's child runs on this engine).
func (e *Engine) doneChild(ctx context.Context, t *store.Task) (*store.Execution, error) {
	if t.Child != "" {
		return e.store.ExecutionGet(ctx, t.Child)
	}
	d, err := decodeDispatch(t)
	if err != nil {
		return nil, err
	}
	req, fail := sfn.ParseRequest(d.Input, t.Token)
	if fail != nil {
		return nil, fail
	}
	return e.store.ExecutionFind(ctx, req.StateMachineARN, req.Name)
}

// watchChild waits for the end of a child that does not report its end to
// the task (ChildStarted.Watch), on the engine that runs it, and delivers it
// to the task token. Such children are rare (one found by StartExecution's
// idempotency, or an older stepd's across an upgrade), so each gets a
// goroutine.
func (e *Engine) watchChild(token string, child *store.Execution, on *Engine) {
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		row, err := on.WaitFinished(e.taskCtx, child.ID)
		if err != nil {
			return
		}
		e.deliverChildEnd(token, row)
	}()
}
