// Package engine drives executions: it applies events to them with the
// interpreter, commits each step to the store in one transaction, and carries
// out the step's effects after the commit — invoking tasks, arming timers,
// queueing activity tasks, waking whoever waits for the end.
//
// An execution is data, not a goroutine: between events it is a row in the
// store (a waiting execution holds no goroutine and no memory). Events for one
// execution are applied one at a time by the shard that owns it; a version on
// the row makes a stale writer's commit fail, so a conflict (another node, a
// crash and restart) is reloaded and retried, never applied twice. An event
// that no longer applies (a timer that fired already, the result of a task
// that was answered) changes nothing: the interpreter ignores it.
//
// Task invocations are at least once: a task is written as pending, owned by
// the node that dispatched it, in the same commit as the step that dispatched
// it; run after the commit; and closed in the same commit as the step that
// takes its result. The node holds a lease in the store that it renews while it
// lives. A crash in between leaves the task pending; once its node's lease
// ends (at once when the same node starts again), any node adopts it and runs
// it again, with the same idempotency key (its token).
//
// Several engines (nodes) may share one store. Due timers are claimed with a
// lease, so each is delivered by one node (and if that node dies, by another
// once the lease ends); activity tasks are claimed by exactly one worker. A
// store that implements store.Notifier wakes the other nodes at once when a
// commit arms a timer or queues an activity task; they also poll, slowly.
package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/store"
)

// Errors the engine returns for the API to map to AWS's errors.
var (
	ErrExecutionDoesNotExist = errors.New("execution does not exist")
	ErrExecutionExists       = errors.New("execution already exists")
	ErrTaskDoesNotExist      = errors.New("task does not exist")
	ErrTaskTimedOut          = errors.New("task timed out")
	ErrInvalidToken          = errors.New("invalid token")
	ErrStopping              = errors.New("the engine is stopping")
)

// Options configure an Engine.
type Options struct {
	// Store holds executions. Required.
	Store store.Store
	// Definitions resolves definition revisions; nil means Store's.
	Definitions DefinitionSource
	// Runner runs task invocations (not activities, which wait for workers).
	Runner runner.Runner
	// Clock is the engine's time; nil means the wall clock.
	Clock Clock
	// Source gives task tokens and random numbers; nil means crypto/rand.
	Source interp.Source
	// Limits are the executions' quotas; zero means AWS's.
	Limits interp.Limits
	// Shards is how many executions advance at once (default 128).
	Shards int
	// ForgetFinished deletes an execution from the store when it ends (Express).
	ForgetFinished bool
	// CheckActivities fails a Task of an activity the store does not hold
	// (States.Runtime, before it is scheduled), as AWS does; off, such a task
	// waits for a worker.
	CheckActivities bool
	// ExecutionPrefix is the resource type in execution ARNs: "execution"
	// (default) or "express".
	ExecutionPrefix string
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// Node names this engine among the nodes sharing the store (default
	// "local"). It must be unique among the running nodes and should stay the
	// same across restarts: a node that starts again runs at once what its last
	// run left in flight.
	Node string
	// Lease is how long a node's claims last without renewal (default 30s): a
	// dead node's task invocations run elsewhere this long after it died, and a
	// claimed timer that was not delivered is claimed again after it.
	Lease time.Duration
	// Poll is how often a node looks for work other nodes may have left when the
	// store notifies (default 5s; with a store that does not notify, timers are
	// found by their due time and nothing else is polled).
	Poll time.Duration
	// Children starts the child executions of states:startExecution tasks and
	// routes the ends of children whose parents are another engine's; nil fails
	// such tasks.
	Children Children
	// Mocks, when set, answers the tasks of executions started with a mock
	// test case (Step Functions Local's mock configuration) in place of
	// their resources (mock.go).
	Mocks *mock.Mocks
	// TokenPrefix starts every task token this engine makes, so that a token
	// says which engine owns it; it must end with '.'. "" (the STANDARD
	// engine's) gives tokens without a prefix.
	TokenPrefix string
	// ItemReader reads Distributed Maps' ItemReaders and ResultWriter writes
	// their ResultWriters; nil fails a Map that has one.
	ItemReader   runner.ItemReader
	ResultWriter runner.ResultWriter
	// StepTime is how long one step may run before it yields the rest of its
	// work to a step of its own (default 100ms): a stop, or another execution
	// of the shard, waits at most this long for it.
	StepTime time.Duration
	// Committed, when set, is told of every committed change that appended
	// history events, with the execution's row, in commit order. It runs in
	// the committer: it must not block (hand the events on).
	Committed func(x *store.Execution, events []store.Event)
	// Observer is told of committed steps, commits and timers (observe.go);
	// nil: nothing is observed.
	Observer Observer
	// BusyStarts is how many new executions started through the API (not
	// children) are made at once while the node runs steps of executions
	// already started (admit.go); 0: no limit.
	BusyStarts int
}

// Engine drives executions. Create it with New, then Start it.
type Engine struct {
	store  store.Store
	defs   DefinitionSource
	runner runner.Runner
	clock  Clock
	src    interp.Source
	limits interp.Limits
	log    *slog.Logger
	// committed is Options.Committed.
	committed func(*store.Execution, []store.Event)
	obs       Observer   // nil: none
	tracer    TaskTracer // the observer that traces tasks, if any (taskTracer)
	forget    bool
	// checkActivities: Options.CheckActivities.
	checkActivities bool
	prefix          string

	// renewals and renewalErrors count the node's lease renewals (Stats).
	renewals, renewalErrors atomic.Int64

	admit *admission

	seed   maphash.Seed
	shards []chan *job
	commit chan *commitReq
	// committerDone is closed when the committer has returned: a request it
	// did not take by then is never answered (commitWait).
	committerDone chan struct{}

	ctx      context.Context // the engine's lifetime: cancelled by Stop
	cancel   context.CancelFunc
	taskCtx  context.Context // running invocations: cancelled after the grace period
	taskStop context.CancelFunc
	wg       sync.WaitGroup // shards, committer, timer loop
	tasksWG  sync.WaitGroup // running invocations
	stopping atomic.Bool
	stopOnce sync.Once

	node     string
	lease    time.Duration
	poll     time.Duration
	notifier store.Notifier // nil: no other node shares the store
	children Children
	// tokenPrefix starts the engine's task tokens (Owns).
	tokenPrefix string
	stepTime    time.Duration
	items       runner.ItemReader
	results     runner.ResultWriter
	// stopCh is closed when the engine begins to stop: Map Run coordinators,
	// which only wait, end at once (their tasks stay pending).
	stopCh chan struct{}

	wakeTimers chan struct{}
	wakeAdopt  chan struct{}
	nextWake   atomic.Int64 // when the timer loop wakes (Unix ns); 0 while it works, MaxInt64 while it looks
	firing     sync.Map     // store.TimerRef → struct{}: timers being delivered
	inFlight   atomic.Int64 // timers being delivered

	mu             sync.Mutex
	running        map[string]context.CancelFunc     // token → cancel of a running invocation
	waiters        map[int64][]chan *store.Execution // execution ID → waiting for its end
	activity       map[string]chan struct{}          // activity ARN → closed when a task arrives
	claiming       map[string]struct{}               // tokens of the activity tasks this node's pollers are claiming
	pollers        map[string][]*waitingPoller       // activity ARN → this node's pollers waiting for a task, longest first
	pollersWaiting atomic.Int64                      // how many pollers lists, read without e.mu
	activitiesSeen activitiesSeen                    // activities known to exist, for a second
	handoffs       map[string]*handoff               // activity tasks scheduled or started here (a cache: see handoff)
	handoffBytes   int64                             // what handoffs holds, roughly
	// childTasks are the .sync child tasks being started here, and those whose
	// child runs on another engine (see childTask).
	childTasks map[string]*childTask
	// mapRuns wakes the coordinators of the Map Runs running here.
	mapRuns map[string]chan struct{}
	// mocks answers the tasks of executions run with a mock test case.
	mocks *mock.Mocks
}

// New returns an engine; it does nothing until Start.
func New(opts Options) *Engine {
	if opts.Definitions == nil {
		opts.Definitions = StoreDefinitions(opts.Store)
	}
	if opts.Clock == nil {
		opts.Clock = WallClock{}
	}
	if opts.Source == nil {
		opts.Source = CryptoSource{}
	}
	if opts.Limits == (interp.Limits{}) {
		opts.Limits = interp.DefaultLimits
	}
	if opts.Shards <= 0 {
		opts.Shards = 128
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ExecutionPrefix == "" {
		opts.ExecutionPrefix = "execution"
	}
	if opts.Node == "" {
		opts.Node = "local"
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.StepTime <= 0 {
		opts.StepTime = 100 * time.Millisecond
	}
	e := &Engine{
		store: opts.Store, defs: opts.Definitions, runner: opts.Runner, clock: opts.Clock, src: opts.Source,
		limits: opts.Limits, log: opts.Logger, committed: opts.Committed, forget: opts.ForgetFinished, checkActivities: opts.CheckActivities, prefix: opts.ExecutionPrefix,
		node: opts.Node, lease: opts.Lease, poll: opts.Poll, children: opts.Children, tokenPrefix: opts.TokenPrefix, stepTime: opts.StepTime,
		items: opts.ItemReader, results: opts.ResultWriter, stopCh: make(chan struct{}), mapRuns: map[string]chan struct{}{},
		seed: maphash.MakeSeed(), commit: make(chan *commitReq, 1024), committerDone: make(chan struct{}), wakeTimers: make(chan struct{}, 1), wakeAdopt: make(chan struct{}, 1),
		running: map[string]context.CancelFunc{}, waiters: map[int64][]chan *store.Execution{}, activity: map[string]chan struct{}{},
		claiming: map[string]struct{}{}, handoffs: map[string]*handoff{}, pollers: map[string][]*waitingPoller{},
		childTasks: map[string]*childTask{}, mocks: opts.Mocks, obs: opts.Observer, tracer: taskTracer(opts.Observer),
		admit: newAdmission(opts.BusyStarts),
	}
	if opts.TokenPrefix != "" {
		e.src = prefixedTokens{Source: opts.Source, prefix: opts.TokenPrefix}
	}
	e.notifier, _ = opts.Store.(store.Notifier)
	e.shards = make([]chan *job, opts.Shards)
	for i := range e.shards {
		e.shards[i] = make(chan *job, 64)
	}
	return e
}

// Start runs the engine: its shards, committer and timers; it registers the
// node's lease and runs again what a previous run of the node (or a dead node)
// left in flight. It returns once the engine runs.
func (e *Engine) Start(ctx context.Context) error {
	e.ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	e.taskCtx, e.taskStop = context.WithCancel(context.WithoutCancel(ctx))
	e.wg.Add(1)
	go e.committer()
	for _, ch := range e.shards {
		e.wg.Add(1)
		go e.shard(ch)
	}
	if err := e.store.NodeStart(ctx, e.node, time.Now().Add(e.lease)); err != nil {
		e.Stop()
		return fmt.Errorf("node lease: %w", err)
	}
	if e.notifier != nil {
		ready := make(chan struct{})
		e.wg.Add(1)
		go e.listen(ready)
		select { // notifications from here on are not missed (a failure is logged, and polling covers it)
		case <-ready:
		case <-time.After(5 * time.Second):
		}
	}
	if err := e.adopt(ctx); err != nil {
		e.Stop()
		return err
	}
	e.wg.Add(2)
	go e.leases()
	go e.timers()
	return nil
}

// Stop stops the engine gracefully: it stops taking new work and timers,
// finishes the steps in flight, gives running task invocations a grace period
// to report, then cancels them (they stay pending in the store and run again at
// the next Start). It is safe to call more than once.
func (e *Engine) Stop() { e.StopWithin(10 * time.Second) }

// StopWithin is Stop with the grace period for running invocations.
func (e *Engine) StopWithin(grace time.Duration) {
	e.stopOnce.Do(func() {
		if e.cancel == nil {
			return
		}
		e.stopping.Store(true)
		close(e.stopCh)
		done := make(chan struct{})
		go func() { e.tasksWG.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
		}
		e.taskStop()
		<-done
		e.cancel()
		e.wg.Wait()
		// What is still pending is the node's to run again when it starts; other
		// nodes may take it over now.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.store.NodeLease(ctx, e.node, time.Time{}); err != nil {
			e.log.Warn("end the node's lease", "err", err)
		}
		if e.notifier != nil {
			_ = e.notifier.Notify(ctx, store.Notification{Kind: store.NotifyAdopt})
		}
	})
}

// job is one event to apply to one execution.
type job struct {
	execID int64
	event  interp.Event
	// next are events applied after event, in the same step.
	next []interp.Event
	// Extra parts of the step's change: a task closed or moved on, a fired
	// timer removed. A task update that no longer applies drops the job (the
	// task was answered or cancelled meanwhile).
	tasks  []store.TaskUpdate
	timers []store.TimerRef
	done   chan error // nil: nobody waits
	// internal: the job carries the engine's own work (a task's outcome, a
	// timer), taken while the engine stops too.
	internal bool
}

// deliver hands a job to the shard that owns its execution. While the engine
// stops, it refuses jobs someone waits for (new API work), but not others.
func (e *Engine) deliver(j *job) error {
	if e.stopping.Load() && j.done != nil && !j.internal {
		return ErrStopping
	}
	ch := e.shards[maphash.Comparable(e.seed, j.execID)%uint64(len(e.shards))]
	select {
	case ch <- j:
		return nil
	case <-e.ctx.Done():
		return ErrStopping
	}
}

// deliverWait delivers a job and waits for its commit.
func (e *Engine) deliverWait(ctx context.Context, j *job) error {
	j.done = make(chan error, 1)
	if err := e.deliver(j); err != nil {
		return err
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return ErrStopping
	}
}

// shard applies the jobs of the executions it owns, one at a time, keeping
// recently used executions decoded.
func (e *Engine) shard(ch chan *job) {
	defer e.wg.Done()
	cache := newExecCache(64)
	var res interp.Result
	src := &stepSource{Source: e.src, activities: e.activityExists}
	for {
		select {
		case <-e.ctx.Done():
			return
		case j := <-ch:
			err := e.applyContained(cache, &res, src, j)
			if err != nil && j.done == nil && !errors.Is(err, errDropped) {
				e.log.Warn("apply event", "execution", j.execID, "event", j.event.Kind, "err", err)
			}
			if j.done != nil {
				j.done <- err
			}
		}
	}
}

// errDropped: the job no longer applies (its task was answered or cancelled,
// its execution ended).
var errDropped = errors.New("event no longer applies")

// brokenError is a failure to step an execution that stepping it again
// would meet again: its state does not decode, its definition is gone or no
// longer parses, the interpreter refuses or panics. Such an execution is
// failed, not retried (a poison pill would be retried at every delivery, and
// after every restart).
type brokenError struct{ err error }

func (e *brokenError) Error() string { return e.err.Error() }
func (e *brokenError) Unwrap() error { return e.err }

// applyContained is apply, with its failures contained to the job's
// execution: a panic while stepping it, or a broken execution, fails that
// execution with States.Runtime (the details in the log) and never the node.
func (e *Engine) applyContained(cache *execCache, res *interp.Result, src *stepSource, j *job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			cache.drop(j.execID)
			e.log.Error("a step panicked: the execution fails", "execution", j.execID, "event", j.event.Kind,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = e.failExecution(j.execID, "stepd could not run a step of this execution: an internal error (stepd's log has its details)")
		}
	}()
	err = e.apply(cache, res, src, j)
	var broken *brokenError
	if errors.As(err, &broken) {
		cache.drop(j.execID)
		e.log.Error("a broken execution fails", "execution", j.execID, "err", err)
		err = e.failExecution(j.execID, "stepd could not run a step of this execution: "+broken.Error())
	}
	return err
}

// failExecution fails a running execution that cannot be stepped, with
// States.Runtime and cause: through the interpreter when its state still
// decodes (which cancels its timers and tasks and stops its children), or,
// when even that fails, by ending its row with an ExecutionFailed event.
func (e *Engine) failExecution(id int64, cause string) (err error) {
	row, err := e.store.ExecutionGetByID(e.ctx, id)
	if err != nil {
		return err
	}
	if row.Status != string(interp.StatusRunning) {
		return errDropped
	}
	now := e.clock.Now()
	var res interp.Result
	x, derr := interp.UnmarshalExecution(row.State)
	def, _ := e.defs.Definition(e.ctx, row.RevisionID)
	minimal := derr != nil || def == nil || !stepsSafely(def, x, interp.Event{Kind: interp.EventFail, Error: aslerr.Runtime, Cause: cause}, now, e.src, &res)
	if minimal {
		x = &interp.Execution{Status: interp.StatusFailed, Error: aslerr.Runtime, Cause: cause, StopTime: now, LastEventID: row.LastEventID + 1}
		res.Reset()
		res.Events = append(res.Events, history.Event{Type: history.ExecutionFailed, ID: x.LastEventID, PreviousEventID: row.LastEventID,
			Timestamp: now, Error: x.Error, Cause: x.Cause})
	}
	change, err := e.change(row, x, &res)
	if err != nil {
		return err
	}
	if minimal {
		// Its state does not say what it armed: the store does.
		if err := e.leftovers(id, change); err != nil {
			return err
		}
	}
	if err := e.commitWait(change); err != nil {
		return err
	}
	e.after(change.Execution, x, &res)
	return nil
}

// leftovers adds to change the cancellation of every timer and open task of
// an execution, found by listing the store (slow, for a broken execution
// alone).
func (e *Engine) leftovers(id int64, change *store.Change) error {
	after := store.TimerRef{ExecutionID: id}
	for {
		page, err := e.store.TimerList(e.ctx, after, 500)
		if err != nil {
			return err
		}
		for _, t := range page {
			if t.ExecutionID != id {
				return e.openTasksOf(id, change)
			}
			after = store.TimerRef{ExecutionID: id, TimerID: t.TimerID}
			change.CancelTimers = append(change.CancelTimers, after)
		}
		if len(page) < 500 {
			return e.openTasksOf(id, change)
		}
	}
}

func (e *Engine) openTasksOf(id int64, change *store.Change) error {
	for _, kind := range []store.TaskKind{store.TaskInvoke, store.TaskActivity, store.TaskCallback, store.TaskChild} {
		after := ""
		for {
			page, err := e.store.TasksOpen(e.ctx, kind, store.OpenStatuses, after, 500)
			if err != nil {
				return err
			}
			for _, t := range page {
				after = t.Token
				if t.ExecutionID == id {
					u := store.TaskClose(t.Token, store.ReasonCancelled, store.OpenStatuses...)
					u.Optional = true
					change.TaskUpdates = append(change.TaskUpdates, u)
				}
			}
			if len(page) < 500 {
				break
			}
		}
	}
	return nil
}

// stepsSafely steps an execution, and reports false if the step failed or
// panicked.
func stepsSafely(def *asl.Definition, x *interp.Execution, ev interp.Event, now time.Time, src interp.Source, res *interp.Result) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	res.Reset()
	return interp.Step(def, x, ev, now, src, res) == nil && res.Applied
}

// apply loads the job's execution, steps it, commits, and carries out the
// effects, retrying on a version conflict (another node stepped the execution,
// or this shard's cached copy is stale).
func (e *Engine) apply(cache *execCache, res *interp.Result, src *stepSource, j *job) error {
	for attempt := 0; ; attempt++ {
		if attempt == 30 {
			return fmt.Errorf("execution %d: too many conflicts", j.execID)
		}
		if attempt >= 3 {
			// Nodes racing for one execution: let the other finish.
			select {
			case <-time.After(time.Duration(attempt) * time.Millisecond * time.Duration(1+rand.IntN(8))):
			case <-e.ctx.Done():
				return ErrStopping
			}
		}
		ce, fresh, err := cache.load(e, j.execID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrExecutionDoesNotExist
		}
		if err != nil {
			return err
		}
		if ce.row.Status != string(interp.StatusRunning) {
			// The execution ended; close what the job would have closed.
			if len(j.tasks) > 0 || len(j.timers) > 0 {
				e.commitWait(&store.Change{TaskUpdates: optional(j.tasks), CancelTimers: j.timers})
			}
			return errDropped
		}
		def, err := e.defs.Definition(e.ctx, ce.row.RevisionID)
		if err != nil {
			var invalid *asl.DefinitionError
			if errors.Is(err, store.ErrNotFound) || errors.As(err, &invalid) {
				return &brokenError{err}
			}
			return err
		}
		res.Reset()
		now := e.clock.Now()
		began := time.Now()
		e.admit.stepped(began)
		src.deadline = began.Add(e.stepTime)
		err = interp.Step(def, ce.x, j.event, now, src, res)
		for _, ev := range j.next {
			if err != nil || !res.Applied {
				break
			}
			err = interp.Step(def, ce.x, ev, now, src, res)
		}
		if err != nil {
			cache.drop(j.execID)
			return &brokenError{err}
		}
		if !res.Applied {
			// The event no longer applies (the timer fired, the task was answered):
			// nothing changes. A cached copy may be stale, though: a timer this
			// node does not know of may be another node's new one. Only what was
			// read after the event came is trusted to ignore it.
			if !fresh {
				cache.drop(j.execID)
				continue
			}
			if len(j.tasks) > 0 || len(j.timers) > 0 {
				err := e.commitWait(&store.Change{TaskUpdates: j.tasks, CancelTimers: j.timers})
				if errors.Is(err, store.ErrConflict) {
					if err := e.checkTasks(j); err != nil {
						return err
					}
					continue
				}
				return err
			}
			return nil
		}
		handed, err := e.handActivities(def, ce.x, now, src, res)
		if err != nil {
			unhand(handed)
			cache.drop(j.execID)
			return &brokenError{err}
		}
		change, err := e.change(ce.row, ce.x, res)
		if err != nil {
			unhand(handed)
			cache.drop(j.execID)
			return err
		}
		startHanded(change, handed)
		change.TaskUpdates = append(change.TaskUpdates, j.tasks...)
		change.CancelTimers = append(change.CancelTimers, j.timers...)
		if err := e.commitWait(change); err != nil {
			unhand(handed)
			cache.drop(j.execID)
			if errors.Is(err, store.ErrConflict) {
				if err := e.checkTasks(j); err != nil {
					return err
				}
				e.log.Debug("conflict: reload and retry", "execution", j.execID, "event", j.event.Kind, "attempt", attempt+1)
				continue
			}
			return err
		}
		ce.row = change.Execution
		e.afterHanded(ce.row, ce.x, res, handed)
		if ce.row.Status != string(interp.StatusRunning) {
			cache.drop(j.execID)
		}
		return nil
	}
}

// checkTasks drops a job whose task updates no longer apply. The commit
// guards each update by the statuses it moves the task from, so this runs
// only once a commit failed with a conflict, to tell a task that moved on
// (drop the job) from a stale execution (reload and retry).
func (e *Engine) checkTasks(j *job) error {
	for _, u := range j.tasks {
		if u.Optional {
			continue
		}
		t, err := e.store.TaskGet(e.ctx, u.Token)
		if err != nil || !containsStatus(u.From, t.Status) {
			return errDropped
		}
	}
	return nil
}

func containsStatus(list []store.TaskStatus, s store.TaskStatus) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func optional(us []store.TaskUpdate) []store.TaskUpdate {
	out := make([]store.TaskUpdate, len(us))
	for i, u := range us {
		u.Optional = true
		out[i] = u
	}
	return out
}

// commitReq is one Change waiting for the committer.
type commitReq struct {
	change *store.Change
	done   chan error
}

// commitWait commits a change through the committer and waits for it. Once
// the engine stops, a change the committer did not take is not committed
// and the answer is ErrStopping.
func (e *Engine) commitWait(c *store.Change) error {
	req := &commitReq{change: c, done: make(chan error, 1)}
	select {
	case e.commit <- req:
	case <-e.ctx.Done():
		return ErrStopping
	}
	// The queue is buffered, so the send above may succeed after the
	// committer has returned (or just before, while it sees the stop): it
	// would never answer, and the step, its shard and Stop would wait
	// forever. The committer answers what it takes before it returns.
	select {
	case err := <-req.done:
		return err
	case <-e.committerDone:
		select {
		case err := <-req.done:
			return err
		default:
			return ErrStopping
		}
	}
}

// committer commits changes in batches: whatever is waiting goes into one
// transaction, so concurrent steps share one fsync.
func (e *Engine) committer() {
	defer e.wg.Done()
	defer close(e.committerDone)
	const maxBatch = 256
	batch := make([]*commitReq, 0, maxBatch)
	changes := make([]*store.Change, 0, maxBatch)
	for {
		select {
		case <-e.ctx.Done():
			return
		case req := <-e.commit:
			batch = append(batch[:0], req)
		drain:
			for len(batch) < maxBatch {
				select {
				case r := <-e.commit:
					batch = append(batch, r)
				default:
					break drain
				}
			}
			changes = changes[:0]
			for _, r := range batch {
				changes = append(changes, r.change)
			}
			var start time.Time
			if e.obs != nil {
				start = time.Now()
			}
			errs := e.applyBatch(changes)
			if e.committed != nil {
				for i, c := range changes {
					if errs[i] == nil && c.Execution != nil && len(c.Events) > 0 {
						e.committed(c.Execution, c.Events)
					}
				}
			}
			if e.obs != nil {
				var err error
				for _, x := range errs {
					if x != nil {
						err = x
						break
					}
				}
				e.obs.Committed(len(changes), time.Since(start), err)
			}
			for i, r := range batch {
				r.done <- errs[i]
			}
		}
	}
}

// applyBatch applies a batch of changes; a panic in the store's driver
// becomes every change's error, not the node's end.
func (e *Engine) applyBatch(changes []*store.Change) (errs []error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("the store panicked applying changes", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			errs = make([]error, len(changes))
			for i := range errs {
				errs[i] = fmt.Errorf("store: %v", r)
			}
		}
	}()
	return e.store.Apply(context.WithoutCancel(e.ctx), changes)
}

// ExecutionARN returns the ARN of an execution of a state machine.
func (e *Engine) ExecutionARN(machineARN, name string) string {
	arn := ExecutionARN(machineARN, name)
	if e.prefix != "execution" {
		arn = ExpressARN(machineARN, name, e.src.UUID())
	}
	return arn
}

// WaitFinished waits until the execution ends, or ctx does, and returns its
// row. The end is handed to the waiter with the final row, so waiting works
// with ForgetFinished too, provided the wait begins before the end; a
// forgotten execution that ended before is ErrNotFound (StartExecutionWait
// cannot miss the end).
func (e *Engine) WaitFinished(ctx context.Context, id int64) (*store.Execution, error) {
	ch := make(chan *store.Execution, 1)
	e.addWaiter(id, ch)
	defer e.unwait(id, ch)
	row, err := e.store.ExecutionGetByID(ctx, id)
	if err != nil {
		select {
		case end := <-ch: // ended and forgotten since the wait began
			return end, nil
		default:
			return nil, err
		}
	}
	if row.Status != string(interp.StatusRunning) {
		return row, nil
	}
	var poll <-chan time.Time
	if e.notifier != nil {
		// Another node may end it: look now and then.
		t := time.NewTicker(time.Second)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case end := <-ch:
			return end, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-poll:
			if row, err := e.store.ExecutionGetByID(ctx, id); err == nil && row.Status != string(interp.StatusRunning) {
				return row, nil
			}
		}
	}
}

// addWaiter registers ch to receive the execution's final row.
func (e *Engine) addWaiter(id int64, ch chan *store.Execution) {
	e.mu.Lock()
	e.waiters[id] = append(e.waiters[id], ch)
	e.mu.Unlock()
}

func (e *Engine) unwait(id int64, ch chan *store.Execution) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.waiters[id]
	for i, c := range list {
		if c == ch {
			e.waiters[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(e.waiters[id]) == 0 {
		delete(e.waiters, id)
	}
}

// finished hands an ended execution's row to whoever waits for it. It runs
// before a ForgetFinished engine deletes the row.
func (e *Engine) finished(row *store.Execution) {
	e.mu.Lock()
	list := e.waiters[row.ID]
	delete(e.waiters, row.ID)
	e.mu.Unlock()
	for _, ch := range list {
		end := *row
		ch <- &end // buffered: each waiter is sent one row
	}
}
