package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/store"
)

// A Distributed Map's run (a Map Run) is a task of its Map state, of kind
// maprun: pending, and so owned by a node, while it runs. The node that owns
// it runs its coordinator, the one goroutine of the run: it creates the run's
// record and its items (reading an ItemReader's as they stream), starts a
// child execution per item up to MaxConcurrency, and, as the children end,
// starts the next, until every item ended or the failures pass the tolerated
// threshold; then it writes the results (ResultWriter) and answers the Map
// state's task. The store holds everything it knows: an item moves from
// pending to running in its child's creation commit, and to its outcome in
// the child's final commit (an EXPRESS child's end is recorded by its
// parent's engine), so a coordinator that starts again after a crash (the task
// adopted) goes on where the store says.

// maxMapConcurrency bounds a Map Run's children at once when the Map gives no
// MaxConcurrency, as AWS does (10,000).
const maxMapConcurrency = 10000

// mapPoll is how often a coordinator looks at its run's items without being
// woken (children that end on another node wake it only so).
const mapPoll = time.Second

// runMapRun runs a Map Run to its end and returns the job that answers the Map
// state's task; nil when the engine stops (the task stays pending, to go on at
// the next start) or the parent no longer waits.
func (e *Engine) runMapRun(ctx context.Context, execID int64, execARN string, d *interp.TaskDispatch) *job {
	spec := d.MapRun
	fail := func(f *aslerr.Failure) *job {
		return &job{execID: execID, internal: true,
			event: interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: f.Name, Cause: f.Cause},
			tasks: []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonFailed, store.TaskPending)}}
	}
	if e.children == nil {
		return fail(aslerr.New(aslerr.Runtime, "a Distributed Map's children need the service that starts executions: this engine has none"))
	}
	parent, err := e.store.ExecutionGetByID(ctx, execID)
	if err != nil {
		return nil
	}
	def, err := e.defs.Definition(ctx, parent.RevisionID)
	if err != nil {
		return fail(aslerr.New(aslerr.Runtime, err.Error()))
	}
	st := mapState(def, spec)
	if st == nil {
		return fail(aslerr.Newf(aslerr.Runtime, "no Map state %q in the definition", spec.State))
	}
	run, err := e.mapRunRecord(ctx, parent, d)
	if err != nil {
		e.log.Warn("map run", "run", spec.ARN, "err", err)
		return nil
	}
	wake := e.mapRunWaiter(run.ARN)
	defer e.mapRunDone(run.ARN)
	if run.Status == "RUNNING" && !run.Loaded {
		if f := e.loadMapItems(ctx, run, spec, st, parent); f != nil {
			if ctx.Err() != nil {
				return nil
			}
			e.endMapRun(ctx, run, "FAILED", f)
			return fail(f)
		}
	}
	if run.Status == "RUNNING" && run.ChildType == "EXPRESS" {
		// EXPRESS children live in memory: those this node ran before it
		// started again are gone, and run again (at least once).
		if err := e.restartLostChildren(ctx, run); err != nil {
			return nil
		}
	}
	rev := MapRevision(parent.RevisionID, spec.Graph)
	for {
		if run.Status != "RUNNING" {
			return e.mapRunOutcome(ctx, run, spec, d, execID)
		}
		counts, err := e.store.MapItemCounts(ctx, run.ARN)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			e.log.Warn("map run", "run", run.ARN, "err", err)
		} else if f := mapRunFailure(run, counts); f != nil {
			e.stopMapChildren(ctx, run)
			e.endMapRun(ctx, run, "FAILED", f)
			continue
		} else if counts[store.MapItemPending].Executions == 0 && counts[store.MapItemRunning].Executions == 0 {
			e.endMapRun(ctx, run, "SUCCEEDED", nil)
			continue
		} else if err := e.startMapChildren(ctx, run, rev, parent, counts); err != nil && ctx.Err() == nil {
			e.log.Warn("map run: start children", "run", run.ARN, "err", err)
		}
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), runner.ErrCancelled) {
				e.abortMapRun(run.ARN)
			}
			return nil
		case <-e.stopCh:
			return nil
		case <-wake:
		case <-time.After(mapPoll):
		}
		// UpdateMapRun may have changed its concurrency or tolerance.
		if fresh, err := e.store.MapRunGet(ctx, run.ARN); err == nil {
			run = fresh
		}
	}
}

// mapState finds a Map Run's Map state in the parent's definition.
func mapState(def *asl.Definition, spec *interp.MapRunSpec) *asl.State {
	g := def.Graph(spec.StateGraph)
	if g == nil {
		return nil
	}
	st := g.State(spec.State)
	if st == nil || st.Type != asl.TypeMap || st.Map.Processor == nil || st.Map.Processor.ID != spec.Graph {
		return nil
	}
	return st
}

// mapRunRecord returns the run's record, created the first time.
func (e *Engine) mapRunRecord(ctx context.Context, parent *store.Execution, d *interp.TaskDispatch) (*store.MapRun, error) {
	spec := d.MapRun
	if run, err := e.store.MapRunGet(ctx, spec.ARN); err == nil {
		return run, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	encoded, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	// 0 (no MaxConcurrency) is kept as it is, as DescribeMapRun shows it:
	// the coordinator reads it as the most (mapRunConcurrency).
	run := &store.MapRun{ARN: spec.ARN, ExecutionID: parent.ID, ExecutionARN: parent.ARN, MachineARN: spec.MachineARN,
		StateName: spec.State, Token: d.Token, Status: "RUNNING", MaxConcurrency: max(spec.MaxConcurrency, 0),
		ToleratedFailureCount: spec.ToleratedFailureCount, ToleratedFailurePercentage: spec.ToleratedFailurePercentage,
		ChildType: spec.ExecutionType, Spec: encoded, StartTime: e.clock.Now()}
	if err := e.store.MapRunCreate(ctx, run); errors.Is(err, store.ErrExists) {
		return e.store.MapRunGet(ctx, spec.ARN)
	} else if err != nil {
		return nil, err
	}
	return run, nil
}

// loadMapItems puts the run's items in the store: those that came with the
// state's input, or an ItemReader's, shaped (ItemSelector, batches) as they
// stream. A second load after a crash reads again and keeps what is stored.
func (e *Engine) loadMapItems(ctx context.Context, run *store.MapRun, spec *interp.MapRunSpec, st *asl.State, parent *store.Execution) *aslerr.Failure {
	var n int64
	batch := make([]store.MapItem, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := e.store.MapItemsAdd(ctx, run.ARN, batch)
		batch = batch[:0]
		return err
	}
	add := func(input any) error {
		it := store.MapItem{Index: n, Input: string(jsonvalue.Marshal(input)), Status: store.MapItemPending, Items: 1}
		if o, ok := input.(*jsonvalue.Object); ok && spec.Shape.Batch {
			if items, ok := o.Get("Items"); ok {
				list, _ := items.([]any)
				it.Items = int64(len(list))
			}
		}
		n++
		batch = append(batch, it)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}
	var err error
	if spec.Reader == nil {
		var inputs []any
		if v, perr := jsonvalue.Parse(spec.Inputs); perr != nil {
			err = perr
		} else {
			inputs, _ = v.([]any)
		}
		for _, in := range inputs {
			if err = add(in); err != nil {
				break
			}
		}
	} else {
		err = e.readMapItems(ctx, spec, st, parent, add)
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		var f *aslerr.Failure
		if errors.As(err, &f) {
			return f
		}
		return aslerr.New(aslerr.ItemReaderFailed, err.Error())
	}
	run.Loaded, run.Total = true, n
	if err := e.store.MapRunUpdate(ctx, run); err != nil {
		return aslerr.New(aslerr.Runtime, err.Error())
	}
	return nil
}

// readMapItems streams an ItemReader's items through the Map's shaper.
func (e *Engine) readMapItems(ctx context.Context, spec *interp.MapRunSpec, st *asl.State, parent *store.Execution, add func(any) error) error {
	if e.items == nil {
		return aslerr.New(aslerr.ItemReaderFailed, "this stepd has no ItemReader: configure the S3 endpoint of the AWS integrations")
	}
	res, err := asl.ParseResource(spec.Reader.Resource)
	if err != nil {
		return aslerr.New(aslerr.ItemReaderFailed, err.Error())
	}
	r := runner.ItemRead{Resource: res, InputType: spec.Reader.InputType, CSVHeaderLocation: spec.Reader.CSVHeaderLocation,
		CSVHeaders: spec.Reader.CSVHeaders, CSVDelimiter: spec.Reader.CSVDelimiter, ManifestType: spec.Reader.ManifestType,
		MaxItems: spec.Reader.MaxItems}
	if len(spec.Reader.Arguments) > 0 {
		if r.Arguments, err = jsonvalue.Parse(spec.Reader.Arguments); err != nil {
			return err
		}
	}
	info, err := parentInfo(parent)
	if err != nil {
		return err
	}
	shaper, err := interp.NewMapShaper(st, info, &spec.Shape, e.src, e.clock.Now())
	if err != nil {
		return err
	}
	if err := e.items.ReadItems(ctx, r, func(item any) error { return shaper.Add(item, add) }); err != nil {
		return err
	}
	return shaper.Flush(add)
}

// parentInfo rebuilds the parent execution's $$.Execution for the
// ItemSelector: the parts its row has.
func parentInfo(parent *store.Execution) (*asl.ExecutionInfo, error) {
	input, err := jsonvalue.ParseString(parent.Input)
	if err != nil {
		return nil, err
	}
	return asl.NewExecutionInfo(asl.ExecutionInfo{ID: parent.ARN, Name: parent.Name, StartTime: asl.FormatTime(parent.StartTime),
		Input: input, StateMachineID: parent.MachineARN, StateMachineName: machineName(parent.MachineARN)}), nil
}

// machineName returns the name part of a state machine ARN.
func machineName(arn string) string {
	if _, name, ok := strings.Cut(arn, ":stateMachine:"); ok {
		return name
	}
	return arn
}

// restartLostChildren sets back to pending the running items of a run whose
// EXPRESS children this node lost.
func (e *Engine) restartLostChildren(ctx context.Context, run *store.MapRun) error {
	after := int64(-1)
	for {
		items, err := e.store.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, Statuses: []store.MapItemStatus{store.MapItemRunning}, After: after, Limit: 500})
		if err != nil {
			return err
		}
		var c store.Change
		for _, it := range items {
			after = it.Index
			c.MapItemUpdates = append(c.MapItemUpdates, store.MapItemUpdate{Run: run.ARN, Index: it.Index,
				From: []store.MapItemStatus{store.MapItemRunning}, To: store.MapItemPending, Optional: true})
		}
		if len(c.MapItemUpdates) > 0 {
			if err := e.commitWait(&c); err != nil {
				return err
			}
		}
		if len(items) < 500 {
			return nil
		}
	}
}

// startMapChildren starts children for pending items, up to the run's
// concurrency.
func (e *Engine) startMapChildren(ctx context.Context, run *store.MapRun, rev string, parent *store.Execution, counts map[store.MapItemStatus]store.MapItemCount) error {
	free := int64(mapRunConcurrency(run)) - counts[store.MapItemRunning].Executions
	if free <= 0 || counts[store.MapItemPending].Executions == 0 {
		return nil
	}
	items, err := e.store.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, Statuses: []store.MapItemStatus{store.MapItemPending},
		After: -1, Limit: int(min(free, 1000))})
	if err != nil {
		return err
	}
	var tc *mock.TestCase
	if e.mocks != nil {
		tc = e.mocks.TestCaseOf(parent.ARN)
	}
	for _, it := range items {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err := e.children.StartMapChild(ctx, MapChildStart{Run: run, Item: it, Revision: rev,
			Name: mapChildName(run.ARN, it.Index), Parent: parent, Coordinator: e, TestCase: tc})
		if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, ErrExecutionExists) {
			return err
		}
	}
	return nil
}

// mapRunConcurrency is how many children of a run may run at once: its
// MaxConcurrency, or when that is 0 (none given, or UpdateMapRun's 0) the
// most, as on AWS.
func mapRunConcurrency(run *store.MapRun) int {
	if run.MaxConcurrency <= 0 || run.MaxConcurrency > maxMapConcurrency {
		return maxMapConcurrency
	}
	return run.MaxConcurrency
}

// mapChildName names the child of a run's item: a UUID derived from both, so
// that starting it again finds the same name.
func mapChildName(runARN string, index int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "stepd map run %s item %d", runARN, index))
	return runner.UUID([16]byte(sum[:16]))
}

// mapRunFailure reports the failure of a run whose failures passed its
// tolerance: by default none is tolerated.
func mapRunFailure(run *store.MapRun, counts map[store.MapItemStatus]store.MapItemCount) *aslerr.Failure {
	failed := counts[store.MapItemFailed].Executions + counts[store.MapItemTimedOut].Executions + counts[store.MapItemAborted].Executions
	if runner.Tolerated(failed, run.Total, run.ToleratedFailureCount, run.ToleratedFailurePercentage) {
		return nil
	}
	return runner.ExceededTolerance()
}

// endMapRun records a run's end.
func (e *Engine) endMapRun(ctx context.Context, run *store.MapRun, status string, f *aslerr.Failure) {
	run.Status, run.StopTime = status, e.clock.Now()
	if f != nil {
		run.Error, run.Cause = f.Name, f.Cause
	}
	if err := e.store.MapRunUpdate(ctx, run); err != nil && ctx.Err() == nil {
		e.log.Warn("map run: record its end", "run", run.ARN, "err", err)
	}
}

// mapRunOutcome is the job that answers a run's task once the run ended: its
// failure, or its result (the children's outputs, or what the ResultWriter
// wrote).
func (e *Engine) mapRunOutcome(ctx context.Context, run *store.MapRun, spec *interp.MapRunSpec, d *interp.TaskDispatch, execID int64) *job {
	j := &job{execID: execID, internal: true}
	if run.Status != "SUCCEEDED" {
		name, cause := run.Error, run.Cause
		if name == "" {
			name = aslerr.Runtime
		}
		j.event = interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: name, Cause: cause}
		j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonFailed, store.TaskPending)}
		return j
	}
	out, f := e.mapRunResult(ctx, run, spec)
	if f != nil {
		j.event = interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: f.Name, Cause: f.Cause}
		j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonFailed, store.TaskPending)}
		return j
	}
	j.event = interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: out}
	j.tasks = []store.TaskUpdate{store.TaskClose(d.Token, store.ReasonSucceeded, store.TaskPending)}
	return j
}

// mapRunResult is a succeeded run's result: what its ResultWriter returns, or
// the children's outputs in item order (a failed, tolerated child's entry is
// its Error and Cause), within the payload quota.
func (e *Engine) mapRunResult(ctx context.Context, run *store.MapRun, spec *interp.MapRunSpec) (any, *aslerr.Failure) {
	results := func(yield func(runner.MapResult) error) error {
		after := int64(-1)
		for {
			items, err := e.store.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, After: after, Limit: 1000})
			if err != nil {
				return err
			}
			for _, it := range items {
				after = it.Index
				if err := yield(mapResult(run, it)); err != nil {
					return err
				}
			}
			if len(items) < 1000 {
				return nil
			}
		}
	}
	if w := spec.Writer; w != nil && w.Resource != "" {
		if e.results == nil {
			return nil, aslerr.New(aslerr.ResultWriterFailed, "this stepd has no ResultWriter: configure the S3 endpoint of the AWS integrations")
		}
		res, err := asl.ParseResource(w.Resource)
		if err != nil {
			return nil, aslerr.New(aslerr.ResultWriterFailed, err.Error())
		}
		rw := runner.ResultWrite{Resource: res, OutputType: w.OutputType, Transformation: w.Transformation, MapRunARN: run.ARN}
		if len(w.Arguments) > 0 {
			if rw.Arguments, err = jsonvalue.Parse(w.Arguments); err != nil {
				return nil, aslerr.New(aslerr.ResultWriterFailed, err.Error())
			}
		}
		written := results
		if run.ChildType != "EXPRESS" {
			// The files give each child's start and stop, which its row
			// has (EXPRESS children are gone by now).
			written = func(yield func(runner.MapResult) error) error {
				return results(func(r runner.MapResult) error {
					if r.ExecutionARN != "" {
						if x, err := e.store.ExecutionGet(ctx, r.ExecutionARN); err == nil {
							r.Start, r.Stop = x.StartTime, x.StopTime
						}
					}
					return yield(r)
				})
			}
		}
		details, err := e.results.WriteResults(ctx, rw, written)
		if err != nil {
			var f *aslerr.Failure
			if errors.As(err, &f) {
				return nil, f
			}
			return nil, aslerr.New(aslerr.ResultWriterFailed, err.Error())
		}
		return details, nil
	}
	transformation := "COMPACT"
	if w := spec.Writer; w != nil && w.Transformation != "" {
		transformation = w.Transformation
	}
	var out []any
	size := 2
	max := e.limits.MaxPayloadBytes
	err := results(func(r runner.MapResult) error {
		v, err := r.Transform(transformation)
		if err != nil {
			return err
		}
		for _, x := range v {
			if size += jsonvalue.Size(x) + 1; max > 0 && size > max {
				return aslerr.Newf(aslerr.DataLimitExceeded,
					"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", run.StateName)
			}
			out = append(out, x)
		}
		return nil
	})
	if err != nil {
		var f *aslerr.Failure
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, aslerr.New(aslerr.Runtime, err.Error())
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// mapResult is an item's outcome as the result writers see it.
func mapResult(run *store.MapRun, it store.MapItem) runner.MapResult {
	r := runner.MapResult{ExecutionARN: it.Child, StateMachineARN: run.MachineARN, Input: it.Input, Error: it.Error, Cause: it.Cause,
		Name: mapChildName(run.ARN, it.Index)}
	switch it.Status {
	case store.MapItemSucceeded:
		r.Status, r.Output = "SUCCEEDED", it.Output
	case store.MapItemFailed:
		r.Status = "FAILED"
	case store.MapItemTimedOut:
		r.Status = "TIMED_OUT"
	case store.MapItemAborted:
		r.Status = "ABORTED"
	default:
		r.Status = "PENDING"
	}
	return r
}

// stopMapChildren stops a run's running children.
func (e *Engine) stopMapChildren(ctx context.Context, run *store.MapRun) {
	after := int64(-1)
	for {
		items, err := e.store.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, Statuses: []store.MapItemStatus{store.MapItemRunning}, After: after, Limit: 500})
		if err != nil {
			return
		}
		for _, it := range items {
			after = it.Index
			if it.Child != "" {
				if err := e.children.StopChild(ctx, it.Child); err != nil {
					e.log.Warn("map run: stop a child", "child", it.Child, "err", err)
				}
			}
		}
		if len(items) < 500 {
			return
		}
	}
}

// abortMapRun aborts a run whose parent no longer waits for it: its children
// are stopped and it is ABORTED. It runs in the background, on whichever node
// committed the parent's step, so that a run whose coordinator is not running
// (its node died) is aborted too.
func (e *Engine) abortMapRun(arn string) {
	if arn == "" || e.children == nil {
		return
	}
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), time.Minute)
		defer cancel()
		run, err := e.store.MapRunGet(ctx, arn)
		if err != nil || run.Status != "RUNNING" {
			return
		}
		e.endMapRun(ctx, run, "ABORTED", nil)
		e.stopMapChildren(ctx, run)
	}()
}

// mapRunWaiter registers the coordinator of a run to be woken when one of its
// children ends here.
func (e *Engine) mapRunWaiter(arn string) chan struct{} {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	e.mapRuns[arn] = ch
	e.mu.Unlock()
	return ch
}

func (e *Engine) mapRunDone(arn string) {
	e.mu.Lock()
	delete(e.mapRuns, arn)
	e.mu.Unlock()
}

// WakeMapRun wakes a run's coordinator if it runs on this engine, so that it
// reads the run again at once (UpdateMapRun changed it); a coordinator on
// another node reads it at its next poll (within a second).
func (e *Engine) WakeMapRun(arn string) { e.wakeMapRun(arn) }

// wakeMapRun wakes a run's coordinator if it runs here.
func (e *Engine) wakeMapRun(arn string) {
	e.mu.Lock()
	ch := e.mapRuns[arn]
	e.mu.Unlock()
	if ch != nil {
		wake(ch)
	}
}

// mapItemEnd is the move of a child's item to its outcome.
func mapItemEnd(child *store.Execution) store.MapItemUpdate {
	u := store.MapItemUpdate{Run: child.MapRun, Index: child.MapItem, From: []store.MapItemStatus{store.MapItemRunning},
		Result: true, Error: child.Error, Cause: child.Cause, Optional: true}
	switch interp.Status(child.Status) {
	case interp.StatusSucceeded:
		u.To, u.Output, u.HasOutput = store.MapItemSucceeded, child.Output, true
	case interp.StatusTimedOut:
		u.To = store.MapItemTimedOut
	case interp.StatusAborted:
		u.To = store.MapItemAborted
	default:
		u.To = store.MapItemFailed
	}
	return u
}

// RecordMapChildEnd records the end of a Map Run's child that ran on another
// engine (an EXPRESS child of a run in this engine's store), and wakes the
// run's coordinator.
func (e *Engine) RecordMapChildEnd(ctx context.Context, child *store.Execution) error {
	if err := e.commitWait(&store.Change{MapItemUpdates: []store.MapItemUpdate{mapItemEnd(child)}}); err != nil {
		return err
	}
	e.wakeMapRun(child.MapRun)
	return nil
}

// mapChildEnded hands a finished child's end to its run: the item moved in
// the child's own commit when the run is in this engine's store; otherwise
// the other engine records it.
func (e *Engine) mapChildEnded(row *store.Execution) {
	if row.MapRun == "" {
		return
	}
	if !e.forget {
		e.wakeMapRun(row.MapRun)
		return
	}
	if e.children == nil {
		return
	}
	end := *row
	e.tasksWG.Add(1)
	go func() {
		defer e.tasksWG.Done()
		e.children.MapChildEnded(e.ctx, &end)
	}()
}

// MapChildStart asks for the child execution of a Map Run's item.
type MapChildStart struct {
	Run      *store.MapRun
	Item     store.MapItem
	Revision string // the definition the child runs (MapRevision)
	RoleARN  string
	Name     string
	Parent   *store.Execution
	// Coordinator is the engine of the run's store.
	Coordinator *Engine
	// TestCase is the parent's mock test case, which the child runs too.
	TestCase *mock.TestCase
}

// MoveMapItem moves a Map Run's item in this engine's store (the move of an
// item whose child runs on another engine).
func (e *Engine) MoveMapItem(ctx context.Context, u store.MapItemUpdate) error {
	return e.commitWait(&store.Change{MapItemUpdates: []store.MapItemUpdate{u}})
}

// StartMapChild starts the child of a Map Run's item on this engine: the
// item moves from pending to running in the child's creation commit
// (store.ErrConflict if it was not pending), unless the run is in another
// engine's store (an EXPRESS child), whose caller moved the item itself.
func (e *Engine) StartMapChild(ctx context.Context, c MapChildStart) (*store.Execution, error) {
	sm := &store.StateMachine{ARN: c.Run.MachineARN, Name: machineName(c.Run.MachineARN), Type: c.Run.ChildType,
		RoleARN: c.RoleARN, RevisionID: c.Revision}
	row, _, err := e.start(ctx, StartRequest{Machine: sm, Name: c.Name, Input: c.Item.Input, MapRun: c.Run.ARN, MapItem: c.Item.Index,
		TestCase: c.TestCase}, nil)
	return row, err
}
