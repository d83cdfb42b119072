package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/sfn"
	"github.com/stepd/stepd/store"
)

// invoke runs a task invocation (or the request part of a callback task) of
// the execution in the background and feeds its outcome back to it.
func (e *Engine) invoke(row *store.Execution, d *interp.TaskDispatch, kind store.TaskKind) {
	execID, execARN := row.ID, row.ARN
	trace := ""
	if e.tracer != nil {
		trace = e.tracer.TraceHeader(row)
	}
	// Cancelled by a step (the execution no longer waits for the task) with
	// runner.ErrCancelled as the cause; by the engine's stop with another.
	ctx, cancelCause := context.WithCancelCause(e.taskCtx)
	cancel := func() { cancelCause(runner.ErrCancelled) }
	e.mu.Lock()
	e.running[d.Token] = cancel
	e.mu.Unlock()
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		defer func() {
			e.mu.Lock()
			delete(e.running, d.Token)
			e.mu.Unlock()
			cancel()
		}()
		if d.IsMapRun() {
			if j := e.runMapRun(ctx, execID, execARN, d); j != nil {
				_ = e.deliverRetrying(ctx, j, execARN, "deliver a map run's end")
			}
			return
		}
		if sfn.IsStartExecution(d.Resource) {
			j, after, child := e.startChild(ctx, execARN, d, kind, trace)
			if j != nil {
				j.execID = execID
				if err := e.deliverRetrying(ctx, j, execARN, "deliver a child's start"); err == nil && after != nil {
					after()
				}
			}
			if errors.Is(context.Cause(ctx), runner.ErrCancelled) && sfn.Waits(d.Resource) != "" {
				// The parent stopped waiting while the child started.
				e.stopChild(child)
			}
			return
		}
		task := &runner.Task{
			ID: d.TaskID, ExecutionARN: execARN, StateName: d.State, Resource: d.Resource, Input: d.Input, Token: d.Token,
			Timeout: time.Duration(d.TimeoutSeconds) * time.Second, Heartbeat: time.Duration(d.HeartbeatSeconds) * time.Second,
			Attempt: d.Attempt, Credentials: d.Credentials, TraceHeader: trace,
		}
		out := e.run(ctx, task)
		if ctx.Err() != nil {
			// Cancelled: the step that cancelled it closed the task, or the engine is
			// stopping and the task stays pending for the next start.
			return
		}
		j := &job{execID: execID, internal: true}
		switch {
		case out.Failure != nil:
			j.event = interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: out.Failure.Name, Cause: out.Failure.Cause}
			j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonFailed, store.TaskPending)}
		case kind == store.TaskCallback || out.Pending:
			j.event = interp.Event{Kind: interp.EventTaskSubmitted, TaskID: d.TaskID, Output: out.Output}
			j.tasks = []store.TaskUpdate{store.TaskMove(d.Token, store.TaskWaiting, store.TaskPending)}
		default:
			j.event = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: out.Output}
			j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonSucceeded, store.TaskPending)}
		}
		// The outcome must reach the store: a task left pending while its node
		// lives is run by no one else.
		_ = e.deliverRetrying(ctx, j, execARN, "deliver task outcome")
	}()
}

// run runs a task with the engine's runner; a runner that panics fails the
// task with States.Runtime (the panic and its stack in the log, not in the
// cause), never the node.
func (e *Engine) run(ctx context.Context, task *runner.Task) (out runner.Outcome) {
	if e.runner == nil {
		return runner.Failed(aslerr.Runtime, "no task runner is configured")
	}
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("a task runner panicked: the task fails", "execution", task.ExecutionARN, "state", task.StateName,
				"resource", task.Resource.ARN, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out = runner.Failed(aslerr.Runtime, "The task's runner failed: an internal error of stepd (its log has the details)")
		}
	}()
	return e.runner.Run(runner.WithTraceHeader(ctx, task.TraceHeader), task)
}

// cancelRunning cancels a task's invocation if it runs on this node, with
// runner.ErrCancelled as the cause, and reports whether it did.
func (e *Engine) cancelRunning(token string) bool {
	e.mu.Lock()
	cancel := e.running[token]
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return cancel != nil
}

// adopt runs the pending invocations that no live node owns: a dead node's, or
// what an earlier run of this node left (NodeStart released them). The store
// hands each to one node.
func (e *Engine) adopt(ctx context.Context) error {
	for {
		tasks, err := e.store.TasksAdopt(ctx, e.node, time.Now(), 500)
		if err != nil {
			return fmt.Errorf("adopt tasks: %w", err)
		}
		for _, t := range tasks {
			e.mu.Lock()
			_, running := e.running[t.Token]
			_, child := e.childTasks[t.Token]
			e.mu.Unlock()
			if running || child {
				// Ours, still running (or its child runs here): the node's lease
				// had lapsed (the database was away), not the node.
				continue
			}
			d, err := decodeDispatch(t)
			if err != nil {
				e.log.Error("adopt task", "token", t.Token, "err", err)
				continue
			}
			row, err := e.store.ExecutionGetByID(ctx, t.ExecutionID)
			if err != nil {
				e.log.Error("adopt task", "token", t.Token, "err", err)
				continue
			}
			if !e.mocked(t.ExecutionID, row.ARN, d) {
				e.invoke(row, d, t.Kind)
			}
		}
		if len(tasks) > 0 {
			e.log.Info("adopted task invocations no live node owned", "tasks", len(tasks))
		}
		if len(tasks) < 500 {
			return e.deliverDoneChildren(ctx)
		}
	}
}

// leases renews the node's lease and adopts orphaned tasks: every third of the
// lease, and when another node says it stopped.
func (e *Engine) leases() {
	defer e.wg.Done()
	tick := time.NewTicker(e.lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-tick.C:
			if err := e.store.NodeLease(e.ctx, e.node, time.Now().Add(e.lease)); err != nil && e.ctx.Err() == nil {
				e.renewalErrors.Add(1)
				e.log.Warn("renew the node's lease", "err", err)
			} else if err == nil {
				e.renewals.Add(1)
			}
		case <-e.wakeAdopt:
		}
		if e.stopping.Load() {
			continue
		}
		if err := e.adopt(e.ctx); err != nil && e.ctx.Err() == nil {
			e.log.Warn("adopt tasks", "err", err)
		}
	}
}

// listen takes the other nodes' notifications until the engine stops,
// listening again after a failure.
func (e *Engine) listen(ready chan struct{}) {
	defer e.wg.Done()
	var once sync.Once
	for attempt := 1; ; attempt++ {
		err := e.notifier.Listen(e.ctx, func() {
			once.Do(func() { close(ready) })
			// Notifications may have been missed while not listening.
			wake(e.wakeTimers)
			wake(e.wakeAdopt)
			e.activityArrivedAll()
		}, e.notified)
		if e.ctx.Err() != nil {
			return
		}
		e.log.Warn("listen for other nodes", "attempt", attempt, "err", err)
		select {
		case <-e.ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt)*time.Second, e.poll)):
		}
	}
}

// notified acts on a notification from a node.
func (e *Engine) notified(n store.Notification) {
	switch n.Kind {
	case store.NotifyTimer:
		e.timerArmed(n.Due)
	case store.NotifyActivity:
		e.activityArrived(n.ActivityARN)
	case store.NotifyCancel:
		e.cancelRunning(n.Token)
	case store.NotifyAdopt:
		wake(e.wakeAdopt)
	}
}

// wake signals a channel of one without blocking.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// TaskAnswer is how SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat
// answer a task token.
type TaskAnswer struct {
	Output any    // SendTaskSuccess
	Error  string // SendTaskFailure
	Cause  string
	// NoError and NoCause: SendTaskFailure gave none (a Catch sees null).
	NoError, NoCause bool
	Heartbeat        bool // SendTaskHeartbeat
	Failed           bool
}

// AnswerTask applies a task token's answer to its execution. It returns
// ErrInvalidToken for a token stepd never gave out to an activity or callback,
// ErrTaskDoesNotExist when none is known, and ErrTaskTimedOut when the task is
// closed already (answered, timed out, or its execution ended).
func (e *Engine) AnswerTask(ctx context.Context, token string, a TaskAnswer) error {
	e.mu.Lock()
	h := e.handoffs[token]
	e.mu.Unlock()
	if h != nil && h.started {
		// A task a worker of this node took: answered without reading it
		// back. If the guarded update fails (the task timed out, or its
		// execution ended), the answer goes the uncached way, which names
		// why.
		err := e.deliverWait(ctx, answerJob(h.execID, h.taskID, token, store.TaskStarted, activityOpen, a))
		if !errors.Is(err, errDropped) {
			if err == nil && !a.Heartbeat {
				e.forgetHandoff(token)
			}
			return err
		}
		e.forgetHandoff(token)
	}
	t, err := e.store.TaskGet(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return ErrTaskDoesNotExist
	}
	if err != nil {
		return err
	}
	if t.Kind == store.TaskInvoke || t.Kind == store.TaskChild || t.Kind == store.TaskMapRun {
		return ErrInvalidToken
	}
	open := activityOpen
	if t.Kind == store.TaskCallback {
		// The token can come back before the request reported (an SQS consumer can
		// be faster than SendMessage's answer).
		open = []store.TaskStatus{store.TaskPending, store.TaskWaiting}
	}
	if !containsStatus(open, t.Status) {
		return ErrTaskTimedOut
	}
	err = e.deliverWait(ctx, answerJob(t.ExecutionID, t.TaskID, token, t.Status, open, a))
	if errors.Is(err, errDropped) {
		return ErrTaskTimedOut
	}
	if err == nil && !a.Heartbeat && t.Kind == store.TaskCallback {
		// The request of a callback task may still be running: it is not needed.
		if !e.cancelRunning(token) && e.notifier != nil && t.Status == store.TaskPending {
			_ = e.notifier.Notify(ctx, store.Notification{Kind: store.NotifyCancel, Token: token})
		}
	}
	return err
}

// activityOpen are the statuses in which an activity task takes an answer.
var activityOpen = []store.TaskStatus{store.TaskScheduled, store.TaskStarted}

// answerJob is the step of an answer to the task (token) of an execution,
// guarded on the task's being in one of the open statuses; a heartbeat keeps
// its status.
func answerJob(execID, taskID int64, token string, status store.TaskStatus, open []store.TaskStatus, a TaskAnswer) *job {
	j := &job{execID: execID}
	switch {
	case a.Heartbeat:
		j.event = interp.Event{Kind: interp.EventTaskHeartbeat, TaskID: taskID}
		j.tasks = []store.TaskUpdate{store.TaskMove(token, status, open...)}
	case a.Failed:
		j.event = interp.Event{Kind: interp.EventTaskFailed, TaskID: taskID, Error: a.Error, Cause: a.Cause, ErrorNull: a.NoError, CauseNull: a.NoCause}
		j.tasks = []store.TaskUpdate{store.TaskClose(token, store.ReasonFailed, open...)}
	default:
		j.event = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: taskID, Output: a.Output}
		j.tasks = []store.TaskUpdate{store.TaskClose(token, store.ReasonSucceeded, open...)}
	}
	return j
}

// ActivityTask is a task handed to an activity worker.
type ActivityTask struct {
	Token string
	Input string // JSON
}

// PollActivity waits up to the context's deadline for a task of the activity
// and hands it to worker: exactly one poller, on any node, gets each task. The
// task's ActivityStarted step is committed before it returns, so the worker's
// answer cannot overtake it. It returns nil when none came.
func (e *Engine) PollActivity(ctx context.Context, activityARN, worker string) (*ActivityTask, error) {
	var poll <-chan time.Time
	if e.notifier != nil {
		// Notifications are hints: look now and then anyway.
		t := time.NewTicker(e.poll)
		defer t.Stop()
		poll = t.C
	}
	for {
		// Register before looking, so that a task arriving in between wakes us.
		wake := e.activityWaiter(activityARN)
		task, err := e.claimActivity(ctx, activityARN, worker)
		switch {
		case err == nil && task != nil:
			return task, nil
		case ctx.Err() != nil:
			return nil, nil // the poll ended: no task for this poller
		case err != nil:
			return nil, err
		}
		p := e.addPoller(activityARN, worker)
		select {
		case t := <-p.got: // a step took it
			if t != nil {
				return t, nil
			}
			continue
		case <-wake:
		case <-poll:
		case <-ctx.Done():
		case <-e.ctx.Done():
		}
		if !e.removePoller(p) {
			// A step took it meanwhile: its commit decides. A task it
			// hands over is this poller's even if the poll ended: it is
			// started for this worker.
			select {
			case t := <-p.got:
				if t != nil {
					return t, nil
				}
			case <-e.ctx.Done():
				return nil, nil
			}
		}
		if ctx.Err() != nil || e.ctx.Err() != nil {
			return nil, nil
		}
	}
}

// claimLook is how many more scheduled tasks than this node is claiming a
// poller reads to find one to claim.
const claimLook = 8

// A handoff is what a poller and an answer need of an activity task that
// this node scheduled (or handed to a worker): the node keeps it after the
// step that schedules the task commits, so that GetActivityTask and
// SendTaskSuccess need not read the task back (two reads of the store an
// activity, a tenth of the server's CPU under the activities workload). It
// is only a cache: every claim and answer is still a guarded update that
// the store checks, one that fails goes the uncached way, and a task
// scheduled on another node, or before a restart, is read from the store.
type handoff struct {
	execID, taskID int64
	input          string // the task's input (JSON), until a worker has it
	started        bool   // a worker of this node has it (and input is "")
}

// The cache's bounds: entries of tasks that are cancelled (timed out,
// stopped) are dropped, but those claimed or answered through another node
// stay until evicted. An input larger than maxHandoffInput is not kept.
const (
	maxHandoffs     = 1 << 14
	maxHandoffBytes = 32 << 20
	maxHandoffInput = 64 << 10
	handoffOverhead = 96 // bytes an entry costs besides its input, roughly
)

// remember keeps the handoff of an activity task, evicting others as the
// bounds need (any: a missing entry costs a read).
func (e *Engine) remember(token string, h *handoff) {
	size := int64(len(token) + len(h.input) + handoffOverhead)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropHandoff(token)
	for t := range e.handoffs {
		if len(e.handoffs) < maxHandoffs && e.handoffBytes+size <= maxHandoffBytes {
			break
		}
		e.dropHandoff(t)
	}
	e.handoffs[token] = h
	e.handoffBytes += size
}

// rememberScheduled keeps the handoff of an activity task just scheduled.
func (e *Engine) rememberScheduled(token string, execID, taskID int64, input any) {
	in := jsonvalue.Marshal(input)
	if len(in) > maxHandoffInput {
		return
	}
	e.remember(token, &handoff{execID: execID, taskID: taskID, input: string(in)})
}

// forgetHandoff drops the handoff of an activity task.
func (e *Engine) forgetHandoff(token string) {
	e.mu.Lock()
	e.dropHandoff(token)
	e.mu.Unlock()
}

// dropHandoff is forgetHandoff with e.mu held.
func (e *Engine) dropHandoff(token string) {
	if h, ok := e.handoffs[token]; ok {
		e.handoffBytes -= int64(len(token) + len(h.input) + handoffOverhead)
		delete(e.handoffs, token)
	}
}

// claimActivity claims the first scheduled task of the activity that no
// other poller of this node is claiming, and returns it; nil when there is
// none. The claim (the task moved from scheduled to started, with the worker)
// commits in the same change as the ActivityStarted step, through the
// committer, so concurrent claims and answers share one transaction (one
// fsync) and the worker is told of the task only once both are durable. A
// claim that another poller (of any node) won, or whose execution ended, is
// dropped, and the next task is tried.
func (e *Engine) claimActivity(ctx context.Context, activityARN, worker string) (*ActivityTask, error) {
	for {
		e.mu.Lock()
		look := len(e.claiming) + claimLook
		e.mu.Unlock()
		list, err := e.store.ActivityTasksScheduled(ctx, activityARN, look)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			return nil, err
		}
		token := ""
		var h *handoff
		e.mu.Lock()
		for _, c := range list {
			if _, busy := e.claiming[c]; !busy {
				token = c
				e.claiming[token] = struct{}{}
				if h = e.handoffs[token]; h != nil && h.started {
					h = nil
				}
				break
			}
		}
		e.mu.Unlock()
		if token == "" {
			return nil, nil
		}
		var undecodable error
		if h == nil {
			// Not scheduled here (or evicted): the task from the store.
			t, err := e.store.TaskGet(ctx, token)
			if err != nil || t.Status != store.TaskScheduled {
				e.unclaim(token)
				switch {
				case err == nil || errors.Is(err, store.ErrNotFound):
					continue // taken or ended since it was listed: the next one
				case ctx.Err() != nil:
					return nil, nil
				}
				return nil, err
			}
			h = &handoff{execID: t.ExecutionID, taskID: t.TaskID}
			d, err := decodeDispatch(t)
			if undecodable = err; err == nil {
				h.input = string(jsonvalue.Marshal(d.Input))
			}
		}
		started := &job{execID: h.execID, event: interp.Event{Kind: interp.EventTaskStarted, TaskID: h.taskID, WorkerName: worker},
			tasks: []store.TaskUpdate{store.TaskStart(token, worker)}, internal: true}
		err = e.deliverWait(context.WithoutCancel(ctx), started)
		e.unclaim(token)
		switch {
		case errors.Is(err, errDropped):
			e.forgetHandoff(token)
			continue // claimed elsewhere, or its execution ended: the next one
		case err != nil:
			e.forgetHandoff(token)
			return nil, err
		case undecodable != nil:
			return nil, undecodable
		}
		e.remember(token, &handoff{execID: h.execID, taskID: h.taskID, started: true})
		return &ActivityTask{Token: token, Input: h.input}, nil
	}
}

// unclaim ends this node's claiming of a task (claimActivity).
func (e *Engine) unclaim(token string) {
	e.mu.Lock()
	delete(e.claiming, token)
	e.mu.Unlock()
}

// activityWaiter returns a channel closed when a task of the activity arrives.
func (e *Engine) activityWaiter(arn string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := e.activity[arn]
	if ch == nil {
		ch = make(chan struct{})
		e.activity[arn] = ch
	}
	return ch
}

// activityArrivedAll wakes the pollers of every activity.
func (e *Engine) activityArrivedAll() {
	e.mu.Lock()
	all := e.activity
	e.activity = map[string]chan struct{}{}
	e.mu.Unlock()
	for _, ch := range all {
		close(ch)
	}
}

// activityArrived wakes the pollers of an activity.
func (e *Engine) activityArrived(arn string) {
	e.mu.Lock()
	ch := e.activity[arn]
	delete(e.activity, arn)
	e.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// activitiesSeen remembers, for a second, the activities found to exist: a
// read of the store at every GetActivityTask poll was a twentieth of the
// server's CPU under the activities workload, and at every activity task
// scheduled it would be as much again. DeleteActivity forgets the activity
// at once on its own node; another node may take up to activitySeenFor to
// see the deletion.
type activitiesSeen struct {
	seen sync.Map // ARN → time.Time until which it is known to exist
	n    atomic.Int64
}

const (
	activitySeenFor   = time.Second
	maxActivitiesSeen = 4096
)

// KnownActivity reports whether the activity was seen to exist less than
// activitySeenFor ago (SawActivity).
func (e *Engine) KnownActivity(arn string) bool { return e.activitiesSeen.known(arn, time.Now()) }

// SawActivity records that the activity exists.
func (e *Engine) SawActivity(arn string) { e.activitiesSeen.saw(arn, time.Now()) }

// ForgetActivity forgets that the activity exists (DeleteActivity).
func (e *Engine) ForgetActivity(arn string) { e.activitiesSeen.forget(arn) }

func (a *activitiesSeen) known(arn string, now time.Time) bool {
	until, ok := a.seen.Load(arn)
	return ok && now.Before(until.(time.Time))
}

// saw records that the activity exists. Past maxActivitiesSeen activities
// it starts again from none (a missing entry costs a read).
func (a *activitiesSeen) saw(arn string, now time.Time) {
	if _, had := a.seen.Swap(arn, now.Add(activitySeenFor)); !had && a.n.Add(1) > maxActivitiesSeen {
		a.seen.Clear()
		a.n.Store(0)
	}
}

func (a *activitiesSeen) forget(arn string) {
	if _, had := a.seen.LoadAndDelete(arn); had {
		a.n.Add(-1)
	}
}

// activityExists reports whether the activity a Task of the execution names
// exists, from the store (an execution whose mock test case answers its
// tasks needs none; a store that cannot answer is not taken for a no).
func (e *Engine) activityExists(executionARN, activityARN string) bool {
	if !e.checkActivities || e.mocks != nil && e.mocks.Bound(executionARN) || e.KnownActivity(activityARN) {
		return true // not asked to; a mock answers; or seen lately
	}
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	if _, err := e.store.ActivityGet(ctx, activityARN); errors.Is(err, store.ErrNotFound) {
		return false
	}
	e.SawActivity(activityARN)
	return true
}

// A waitingPoller is a GetActivityTask of this node waiting for a task of
// its activity. A step that schedules a task of the activity hands it the
// task in the step's own commit (handActivities): the task is written
// started, for the poller's worker, with its ActivityStarted event, so that
// the activity costs one commit fewer than a claim after the scheduling
// (the fsync of the claim was half of a lone workflow's time). Whoever
// takes a poller off the list sends on got exactly once: its task, or nil
// (look again).
type waitingPoller struct {
	arn, worker string
	got         chan *ActivityTask // buffered: the send never waits
}

// handedTask is an activity task a step hands to a waiting poller.
type handedTask struct {
	poller *waitingPoller
	token  string
	taskID int64
	input  string
}

// addPoller lists a poller as waiting for a task of arn.
func (e *Engine) addPoller(arn, worker string) *waitingPoller {
	p := &waitingPoller{arn: arn, worker: worker, got: make(chan *ActivityTask, 1)}
	e.mu.Lock()
	e.pollers[arn] = append(e.pollers[arn], p)
	e.pollersWaiting.Add(1)
	e.mu.Unlock()
	return p
}

// removePoller takes a poller off the list; false when a step took it
// first (and will send on its got).
func (e *Engine) removePoller(p *waitingPoller) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.pollers[p.arn]
	for i, q := range list {
		if q == p {
			list = append(list[:i], list[i+1:]...)
			if len(list) == 0 {
				delete(e.pollers, p.arn)
			} else {
				e.pollers[p.arn] = list
			}
			e.pollersWaiting.Add(-1)
			return true
		}
	}
	return false
}

// takePoller takes the longest-waiting poller of arn off the list; nil
// when none waits.
func (e *Engine) takePoller(arn string) *waitingPoller {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.pollers[arn]
	if len(list) == 0 {
		return nil
	}
	p := list[0]
	list[0] = nil
	e.pollersWaiting.Add(-1)
	if list = list[1:]; len(list) == 0 {
		delete(e.pollers, arn)
	} else {
		e.pollers[arn] = list
	}
	return p
}

// handActivities hands the activity tasks a step schedules to this node's
// waiting pollers, one each: the step goes on with their ActivityStarted
// events, so that they commit with it. The caller marks the tasks started
// (startHanded), gives the pollers their tasks after the commit
// (afterHanded), or sends them back to look again if it fails (unhand).
// (A task the step also cancels is not among its effects: Step drops it.)
// Executions with mock test cases are left to their mocks.
func (e *Engine) handActivities(def *asl.Definition, x *interp.Execution, now time.Time, src interp.Source, res *interp.Result) ([]handedTask, error) {
	if e.pollersWaiting.Load() == 0 || e.mocks != nil || x.Status != interp.StatusRunning {
		return nil, nil // under load, pollers seldom wait: the common case costs a load
	}
	// The dispatches first: the steps below add to res.Effects.
	var dispatched []*interp.TaskDispatch
	for _, eff := range res.Effects {
		if eff.Kind == interp.EffectInvokeTask && taskKind(eff.Task) == store.TaskActivity {
			dispatched = append(dispatched, eff.Task)
		}
	}
	var out []handedTask
	none := "" // an activity no poller of this node waits for: a large Map's many dispatches take the lock once
	for _, d := range dispatched {
		if d.Resource.ARN == none {
			continue
		}
		p := e.takePoller(d.Resource.ARN)
		if p == nil {
			none = d.Resource.ARN
			continue
		}
		events := len(res.Events)
		if err := stepContained(def, x, interp.Event{Kind: interp.EventTaskStarted, TaskID: d.TaskID, WorkerName: p.worker}, now, src, res); err != nil {
			p.got <- nil
			return out, err
		}
		if len(res.Events) == events {
			p.got <- nil // not started (cannot happen to a task just scheduled)
			continue
		}
		out = append(out, handedTask{poller: p, token: d.Token, taskID: d.TaskID, input: string(jsonvalue.Marshal(d.Input))})
	}
	return out, nil
}

// stepContained is interp.Step with a panic returned as an error: a poller
// taken off the list must still be answered.
func stepContained(def *asl.Definition, x *interp.Execution, ev interp.Event, now time.Time, src interp.Source, res *interp.Result) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the step panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return interp.Step(def, x, ev, now, src, res)
}

// startHanded writes the handed tasks as started by their pollers' workers.
func startHanded(c *store.Change, handed []handedTask) {
	for _, h := range handed {
		for _, t := range c.AddTasks {
			if t.Token == h.token {
				t.Status, t.Worker = store.TaskStarted, h.poller.worker
			}
		}
	}
}

// unhand sends the pollers of a step that did not commit back to look again.
func unhand(handed []handedTask) {
	for _, h := range handed {
		h.poller.got <- nil
	}
}

func isHanded(handed []handedTask, token string) bool {
	for _, h := range handed {
		if h.token == token {
			return true
		}
	}
	return false
}
