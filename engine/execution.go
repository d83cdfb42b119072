package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/runner/sfn"
	"github.com/stepd/stepd/store"
)

// StartRequest asks for a new execution.
type StartRequest struct {
	Machine     *store.StateMachine
	Name        string // "" for a UUID
	Input       string // JSON text; "" means {}
	TraceHeader string
	// Parent is the task token of the states:startExecution task that starts
	// this execution (a child), and ParentWaits how that task waits for its end
	// (store.Execution.ParentWaits).
	Parent      string
	ParentWaits string
	// MapRun and MapItem name the Map Run item a child of a Distributed Map
	// runs (store.Execution.MapRun).
	MapRun  string
	MapItem int64
	// TestCase, when set, is the mock test case whose mocked responses
	// answer the execution's tasks (Options.Mocks).
	TestCase *mock.TestCase
	// VersionARN and AliasARN are the version and alias the execution was
	// started on (store.Execution.VersionARN); Machine then carries the
	// version's revision and role. $$.StateMachine.Id is the ARN it was
	// started with: the alias's, the version's, or the machine's.
	VersionARN string
	AliasARN   string
}

// StartExecution creates an execution and runs its first step in the same
// commit: a state machine of Pass and Choice states is done before the call
// returns. created is false when an execution of that name was already running
// with the same input (AWS's idempotent StartExecution); ErrExecutionExists when
// the name is taken otherwise.
func (e *Engine) StartExecution(ctx context.Context, req StartRequest) (row *store.Execution, created bool, err error) {
	return e.start(ctx, req, nil)
}

// StartExecutionWait starts an execution as StartExecution does, waits until
// it ends, or ctx does, and returns its final row (StartSyncExecution). It
// cannot miss the end, even on a ForgetFinished engine: the wait begins before
// the first step's effects run.
func (e *Engine) StartExecutionWait(ctx context.Context, req StartRequest) (*store.Execution, error) {
	_, _, wait, err := e.StartExecutionWatch(ctx, req)
	if err != nil {
		return nil, err
	}
	return wait(ctx)
}

// StartExecutionWatch starts an execution as StartExecution does and returns,
// with its row, a wait for its end that cannot miss it, even on a
// ForgetFinished engine: wait returns the final row once the execution ends,
// or ctx's error first. Call wait once; one that is never called costs a
// buffered channel until the execution ends.
func (e *Engine) StartExecutionWatch(ctx context.Context, req StartRequest) (row *store.Execution, created bool, wait func(context.Context) (*store.Execution, error), err error) {
	ch := make(chan *store.Execution, 1)
	row, created, err = e.start(ctx, req, ch)
	if err != nil {
		return nil, false, nil, err
	}
	id := row.ID
	if !created {
		// An execution of that name and input was already running: wait for it.
		return row, false, func(ctx context.Context) (*store.Execution, error) { return e.WaitFinished(ctx, id) }, nil
	}
	return row, true, func(ctx context.Context) (*store.Execution, error) {
		select {
		case end := <-ch:
			return end, nil
		case <-ctx.Done():
			e.unwait(id, ch)
			return nil, ctx.Err()
		}
	}, nil
}

// start is StartExecution; a non-nil wait receives the execution's final row.
func (e *Engine) start(ctx context.Context, req StartRequest, wait chan *store.Execution) (row *store.Execution, created bool, err error) {
	if e.stopping.Load() {
		return nil, false, ErrStopping
	}
	if req.Parent == "" && req.MapRun == "" {
		leave, err := e.admit.enter(ctx, e.stopCh)
		if err != nil {
			return nil, false, err
		}
		defer leave()
	}
	def, err := e.defs.Definition(ctx, req.Machine.RevisionID)
	if err != nil {
		return nil, false, err
	}
	if req.Input == "" {
		req.Input = "{}"
	}
	input, err := jsonvalue.ParseString(req.Input)
	if err != nil {
		return nil, false, fmt.Errorf("the input is not valid JSON: %w", err)
	}
	if req.Name == "" {
		req.Name = e.src.UUID()
	}
	now := e.clock.Now()
	arn := e.ExecutionARN(req.Machine.ARN, req.Name)
	machineID := req.Machine.ARN
	switch {
	case req.AliasARN != "":
		machineID = req.AliasARN
	case req.VersionARN != "":
		machineID = req.VersionARN
	}
	info := asl.NewExecutionInfo(asl.ExecutionInfo{
		ID: arn, Name: req.Name, RoleArn: req.Machine.RoleARN, StartTime: asl.FormatTime(now), Input: input,
		StateMachineID: machineID, StateMachineName: req.Machine.Name,
	})
	// A mock test case is bound before the first step, which may already
	// reach a task it answers (an activity it answers need not exist).
	bound := false
	if req.TestCase != nil {
		if e.mocks == nil {
			return nil, false, errors.New("this engine has no mock configuration")
		}
		if bound, err = e.mocks.Bind(arn, req.TestCase); err != nil {
			return nil, false, err
		}
	}
	unbound := func(err error) (*store.Execution, bool, error) {
		if bound {
			e.mocks.Ended(arn)
		}
		return nil, false, err
	}
	x := interp.NewExecution(info, e.limits, now)
	var res interp.Result
	src := &stepSource{Source: e.src, deadline: time.Now().Add(e.stepTime), activities: e.activityExists}
	if err := e.firstStep(def, x, now, src, &res); err != nil {
		return unbound(err)
	}
	row = &store.Execution{
		ARN: arn, MachineARN: req.Machine.ARN, Name: req.Name, RevisionID: req.Machine.RevisionID,
		Input: req.Input, StartTime: now, TraceHeader: req.TraceHeader, Parent: req.Parent, ParentWaits: req.ParentWaits,
		MapRun: req.MapRun, MapItem: req.MapItem, VersionARN: req.VersionARN, AliasARN: req.AliasARN,
	}
	handed, err := e.handActivities(def, x, now, src, &res)
	if err != nil {
		unhand(handed)
		return unbound(err)
	}
	change, err := e.change(row, x, &res)
	if err != nil {
		unhand(handed)
		return unbound(err)
	}
	startHanded(change, handed)
	change.ExpectVersion = 0
	err = e.commitWait(change)
	if err != nil {
		unhand(handed)
	}
	if err != nil && bound {
		e.mocks.Ended(arn)
	}
	if errors.Is(err, store.ErrExists) {
		existing, ferr := e.store.ExecutionFind(ctx, req.Machine.ARN, req.Name)
		if ferr != nil {
			return nil, false, ErrExecutionExists
		}
		prev, _ := jsonvalue.ParseString(existing.Input)
		if existing.Status == string(interp.StatusRunning) && jsonvalue.Equal(prev, input) {
			return existing, false, nil
		}
		return nil, false, ErrExecutionExists
	}
	if err != nil {
		return nil, false, err
	}
	row = change.Execution
	if wait != nil {
		e.addWaiter(row.ID, wait)
	}
	e.afterHanded(row, x, &res, handed)
	return row, true, nil
}

// firstStep starts an execution. A panic in the interpreter is contained to
// it: the execution is created failed, with States.Runtime (the panic and its
// stack in the log).
func (e *Engine) firstStep(def *asl.Definition, x *interp.Execution, now time.Time, src interp.Source, res *interp.Result) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("the first step of an execution panicked: it fails", "execution", x.Info.ID,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			input := x.Info.Input
			*x = interp.Execution{Info: x.Info, Status: interp.StatusFailed, Error: aslerr.Runtime, StopTime: now, StartTime: now, LastEventID: 2,
				Cause: "stepd could not run a step of this execution: an internal error (stepd's log has its details)"}
			res.Reset()
			res.Events = append(res.Events,
				history.Event{Type: history.ExecutionStarted, ID: 1, Timestamp: now, Input: input, HasInput: true, RoleArn: x.Info.RoleArn},
				history.Event{Type: history.ExecutionFailed, ID: 2, PreviousEventID: 1, Timestamp: now, Error: x.Error, Cause: x.Cause})
			err = nil
		}
	}()
	return interp.Step(def, x, interp.Event{Kind: interp.EventStart}, now, src, res)
}

// StopExecution aborts a running execution. It returns the execution's row;
// stopping an execution that already ended changes nothing.
func (e *Engine) StopExecution(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	row, err := e.store.ExecutionGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExecutionDoesNotExist
	}
	if err != nil {
		return nil, err
	}
	if row.Status == string(interp.StatusRunning) {
		err := e.deliverWait(ctx, &job{execID: row.ID, event: interp.Event{Kind: interp.EventStop, Error: errName, Cause: cause}})
		if err != nil && !errors.Is(err, errDropped) {
			return nil, err
		}
	}
	return e.store.ExecutionGetByID(ctx, row.ID)
}

// change builds the store change of a step: the execution's new row, history,
// and the timers and tasks of its effects.
func (e *Engine) change(prev *store.Execution, x *interp.Execution, res *interp.Result) (*store.Change, error) {
	row := *prev
	row.Version = prev.Version + 1
	row.Status = string(x.Status)
	row.LastEventID = x.LastEventID
	c := &store.Change{Execution: &row, ExpectVersion: prev.Version, SameStatus: row.Status == prev.Status}
	if row.MapRun != "" && !e.forget && prev.Version == 0 {
		// A Map Run's child: its item runs from this commit on.
		c.MapItemUpdates = append(c.MapItemUpdates, store.MapItemUpdate{Run: row.MapRun, Index: row.MapItem,
			From: []store.MapItemStatus{store.MapItemPending}, To: store.MapItemRunning, Child: row.ARN})
	}
	if x.Status == interp.StatusRunning {
		state, err := x.MarshalBinary()
		if err != nil {
			return nil, err
		}
		row.State = state
	} else {
		// An execution that did not succeed keeps the state a redrive
		// resumes from (interp.Execution.Redrive).
		row.State = x.Redrive
		row.StopTime = x.StopTime
		row.Error, row.Cause = x.Error, x.Cause
		if x.Status == interp.StatusSucceeded {
			row.Output, row.HasOutput = jsonvalue.String(x.Output), true
		}
		if row.MapRun != "" && !e.forget {
			// The item's outcome, in the child's own commit.
			c.MapItemUpdates = append(c.MapItemUpdates, mapItemEnd(&row))
		}
		if row.ParentWaits != "" && e.Owns(row.Parent) {
			// The outbox of the child's end: the parent's task, done in this
			// commit, is delivered after it (or, after a crash, by recovery).
			c.TaskUpdates = append(c.TaskUpdates, store.TaskUpdate{Token: row.Parent,
				From: []store.TaskStatus{store.TaskPending, store.TaskWaiting}, To: store.TaskDone, Optional: true})
		}
	}
	c.Events = encodeEvents(res.Events)
	for _, eff := range res.Effects {
		switch eff.Kind {
		case interp.EffectInvokeTask:
			t, err := newTask(eff.Task, prev.ID, e.node, e.clock.Now())
			if err != nil {
				return nil, err
			}
			c.AddTasks = append(c.AddTasks, t)
		case interp.EffectCancelTask:
			u := store.TaskClose(eff.Task.Token, store.ReasonCancelled, store.OpenStatuses...)
			u.Optional = true
			c.TaskUpdates = append(c.TaskUpdates, u)
		case interp.EffectArmTimer:
			c.AddTimers = append(c.AddTimers, store.Timer{ExecutionID: prev.ID, TimerID: eff.Timer.ID, Due: e.clock.Schedule(eff.Timer.Due)})
		case interp.EffectCancelTimer:
			c.CancelTimers = append(c.CancelTimers, store.TimerRef{ExecutionID: prev.ID, TimerID: eff.Timer.ID})
		}
	}
	return c, nil
}

// encodeEvents encodes a step's events into one buffer, each event a slice
// of it capped at its end: encoding each into a buffer of its own grew
// thousands of small buffers a step for a large Map (a quarter of the map
// workload's CPU went to growing them).
func encodeEvents(events []history.Event) []store.Event {
	out := make([]store.Event, len(events))
	buf := make([]byte, 0, 192*len(events))
	for i := range events {
		ev := &events[i]
		start := len(buf)
		buf = ev.AppendJSON(buf, history.EncodeOptions{})
		out[i] = store.Event{ID: ev.ID, JSON: buf[start:len(buf):len(buf)]}
	}
	return out
}

// after carries out a committed step's effects.
func (e *Engine) after(row *store.Execution, x *interp.Execution, res *interp.Result) {
	e.afterHanded(row, x, res, nil)
}

// afterHanded is after for a step that handed activity tasks to waiting
// pollers (handActivities): they get their tasks.
func (e *Engine) afterHanded(row *store.Execution, x *interp.Execution, res *interp.Result, handed []handedTask) {
	for _, h := range handed {
		e.remember(h.token, &handoff{execID: row.ID, taskID: h.taskID, started: true})
		h.poller.got <- &ActivityTask{Token: h.token, Input: h.input}
	}
	if e.obs != nil && len(res.Events) > 0 {
		e.obs.Events(row, res.Events)
	}
	var earliest time.Time
	for _, eff := range res.Effects {
		switch eff.Kind {
		case interp.EffectInvokeTask:
			d := eff.Task
			if e.mocked(row.ID, row.ARN, d) {
				continue
			}
			switch taskKind(d) {
			case store.TaskActivity:
				if isHanded(handed, d.Token) {
					continue // given to its poller above
				}
				e.rememberScheduled(d.Token, row.ID, d.TaskID, d.Input)
				e.activityArrived(d.Resource.ARN)
			default:
				e.invoke(row, d, taskKind(d))
			}
		case interp.EffectCancelTask:
			e.forgetHandoff(eff.Task.Token)
			if eff.Task.MapRun != nil {
				// The Map no longer waits: its run aborts, wherever its coordinator is.
				if !e.cancelRunning(eff.Task.Token) && e.notifier != nil {
					_ = e.notifier.Notify(e.ctx, store.Notification{Kind: store.NotifyCancel, Token: eff.Task.Token})
				}
				e.abortMapRun(eff.Task.MapRun.ARN)
				continue
			}
			if sfn.IsStartExecution(eff.Task.Resource) && sfn.Waits(eff.Task.Resource) != "" {
				// The parent no longer waits: neither should its child run on.
				e.cancelChild(eff.Task.Token)
				continue
			}
			if !e.cancelRunning(eff.Task.Token) && e.notifier != nil {
				// It may run on another node (one that adopted it).
				_ = e.notifier.Notify(e.ctx, store.Notification{Kind: store.NotifyCancel, Token: eff.Task.Token})
			}
		case interp.EffectArmTimer:
			if due := e.clock.Schedule(eff.Timer.Due); earliest.IsZero() || due.Before(earliest) {
				earliest = due
			}
		}
	}
	if !earliest.IsZero() {
		e.timerArmed(earliest)
	}
	if x.Status != interp.StatusRunning {
		if e.mocks != nil {
			e.mocks.Ended(row.ARN)
		}
		e.childEnded(row)
		e.mapChildEnded(row)
		e.finished(row)
		if e.forget {
			if err := e.store.ExecutionDelete(context.WithoutCancel(e.ctx), row.ID); err != nil {
				e.log.Warn("forget execution", "execution", row.ARN, "err", err)
			}
		}
	}
}

// execCache keeps recently stepped executions decoded, with the row they were
// read at. A shard owns its cache.
type execCache struct {
	max   int
	items map[int64]*cachedExec
	order []int64 // insertion order, for eviction
}

type cachedExec struct {
	row *store.Execution
	x   *interp.Execution
}

func newExecCache(max int) *execCache {
	return &execCache{max: max, items: map[int64]*cachedExec{}}
}

// load returns the execution, decoded, from the cache or (fresh) the store.
func (c *execCache) load(e *Engine, id int64) (ce *cachedExec, fresh bool, err error) {
	if ce, ok := c.items[id]; ok {
		return ce, false, nil
	}
	row, err := e.store.ExecutionGetByID(e.ctx, id)
	if err != nil {
		return nil, false, err
	}
	ce = &cachedExec{row: row}
	if row.Status == string(interp.StatusRunning) {
		if ce.x, err = interp.UnmarshalExecution(row.State); err != nil {
			return nil, false, &brokenError{fmt.Errorf("execution %s: %w", row.ARN, err)}
		}
		row.State = nil // the decoded form is what the cache keeps
		if len(c.order) >= c.max {
			c.drop(c.order[0])
		}
		c.items[id] = ce
		c.order = append(c.order, id)
	}
	return ce, true, nil
}

func (c *execCache) drop(id int64) {
	if _, ok := c.items[id]; !ok {
		return
	}
	delete(c.items, id)
	for i, v := range c.order {
		if v == id {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

// dispatchRecord is a task's dispatch as stored: what running it again needs.
type dispatchRecord struct {
	TaskID      int64              `json:"task"`
	PathID      int64              `json:"path"`
	State       string             `json:"state"`
	Resource    string             `json:"resource"`
	Input       json.RawMessage    `json:"input"`
	Timeout     int64              `json:"timeout,omitempty"`
	Heartbeat   int64              `json:"heartbeat,omitempty"`
	Attempt     int                `json:"attempt,omitempty"`
	Credentials json.RawMessage    `json:"credentials,omitempty"`
	MapRun      *interp.MapRunSpec `json:"mapRun,omitempty"`
}

func newTask(d *interp.TaskDispatch, execID int64, node string, now time.Time) (*store.Task, error) {
	rec := dispatchRecord{
		TaskID: d.TaskID, PathID: d.PathID, State: d.State, Resource: d.Resource.ARN, Input: jsonvalue.Marshal(d.Input),
		Timeout: d.TimeoutSeconds, Heartbeat: d.HeartbeatSeconds, Attempt: d.Attempt, MapRun: d.MapRun,
	}
	if d.Credentials != nil {
		rec.Credentials = jsonvalue.Marshal(d.Credentials)
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	kind := taskKind(d)
	t := &store.Task{Token: d.Token, ExecutionID: execID, TaskID: d.TaskID, Kind: kind, Status: store.TaskPending, Dispatch: data, Owner: node, Created: now}
	if kind == store.TaskActivity {
		t.Owner = ""
		t.ActivityARN = d.Resource.ARN
		t.Status = store.TaskScheduled
	}
	return t, nil
}

// decodeDispatch reads a stored dispatch back.
func decodeDispatch(t *store.Task) (*interp.TaskDispatch, error) {
	var rec dispatchRecord
	if err := json.Unmarshal(t.Dispatch, &rec); err != nil {
		return nil, fmt.Errorf("task %s: %w", t.Token, err)
	}
	if rec.MapRun != nil {
		return &interp.TaskDispatch{TaskID: rec.TaskID, PathID: rec.PathID, State: rec.State, Token: t.Token, MapRun: rec.MapRun}, nil
	}
	res, err := asl.ParseResource(rec.Resource)
	if err != nil {
		return nil, err
	}
	input, err := jsonvalue.Parse(rec.Input)
	if err != nil {
		return nil, err
	}
	d := &interp.TaskDispatch{TaskID: rec.TaskID, PathID: rec.PathID, State: rec.State, Resource: res, Input: input,
		Token: t.Token, TimeoutSeconds: rec.Timeout, HeartbeatSeconds: rec.Heartbeat, Attempt: rec.Attempt}
	if len(rec.Credentials) > 0 {
		if d.Credentials, err = jsonvalue.Parse(rec.Credentials); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// taskKind says how a dispatched task is carried out.
func taskKind(d *interp.TaskDispatch) store.TaskKind {
	switch {
	case d.MapRun != nil:
		return store.TaskMapRun
	case d.Resource.Kind == asl.ResourceActivity:
		return store.TaskActivity
	case d.Resource.Pattern == asl.PatternWaitForTaskToken:
		return store.TaskCallback
	case sfn.IsStartExecution(d.Resource):
		return store.TaskChild
	}
	return store.TaskInvoke
}
