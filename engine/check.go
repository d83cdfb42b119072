package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/store"
)

// Violation is one broken invariant of a store: the execution it concerns
// (its ARN, or "" for one that does not exist), and what is wrong.
type Violation struct {
	Execution string
	Problem   string
}

func (v Violation) String() string {
	if v.Execution == "" {
		return v.Problem
	}
	return v.Execution + ": " + v.Problem
}

// Check reads a whole store and reports the invariants the engine keeps that
// do not hold, like bbolt's tx.Check:
//
//   - every RUNNING execution's state decodes;
//   - every waiting path has what will wake it: a Wait or retry its timer, a
//     task its open task (and its timeout and heartbeat timers), a .sync child
//     its child; a runnable path a continuation timer;
//   - no open task or armed timer belongs to an ended execution, or to none;
//   - history IDs run 1, 2, 3, ... up to the execution's last event ID, and
//     each event's previousEventId points back to an earlier event.
//
// It is meant for a store at rest (after a test, before an upgrade): work in
// flight (a task whose outcome is being committed) can look broken for a
// moment. It reads everything, so its cost grows with the store.
func Check(ctx context.Context, s store.Store) ([]Violation, error) {
	c := &checker{s: s, ctx: ctx, timers: map[store.TimerRef]bool{}, tasks: map[string]*store.Task{}, running: map[int64]*store.Execution{}}
	if err := c.load(); err != nil {
		return nil, err
	}
	if err := c.executions(); err != nil {
		return nil, err
	}
	c.orphans()
	return c.found, nil
}

type checker struct {
	s       store.Store
	ctx     context.Context
	found   []Violation
	timers  map[store.TimerRef]bool
	tasks   map[string]*store.Task // open tasks, by token
	running map[int64]*store.Execution
	// ended caches the ARN and status of executions looked up for orphans.
	ended map[int64][2]string
}

func (c *checker) add(arn, format string, args ...any) {
	c.found = append(c.found, Violation{Execution: arn, Problem: fmt.Sprintf(format, args...)})
}

// load reads every armed timer and every open task.
func (c *checker) load() error {
	after := store.TimerRef{}
	for {
		page, err := c.s.TimerList(c.ctx, after, 1000)
		if err != nil {
			return fmt.Errorf("list timers: %w", err)
		}
		for _, t := range page {
			ref := store.TimerRef{ExecutionID: t.ExecutionID, TimerID: t.TimerID}
			c.timers[ref] = true
			after = ref
		}
		if len(page) < 1000 {
			break
		}
	}
	for _, kind := range []store.TaskKind{store.TaskInvoke, store.TaskActivity, store.TaskCallback, store.TaskChild, store.TaskMapRun} {
		after := ""
		for {
			page, err := c.s.TasksOpen(c.ctx, kind, store.OpenStatuses, after, 1000)
			if err != nil {
				return fmt.Errorf("list tasks: %w", err)
			}
			for _, t := range page {
				c.tasks[t.Token] = t
				after = t.Token
			}
			if len(page) < 1000 {
				break
			}
		}
	}
	return nil
}

// executions checks every execution's history, and every running one's state.
func (c *checker) executions() error {
	var cursor *store.ExecutionCursor
	for {
		page, err := c.s.ExecutionList(c.ctx, store.ExecutionQuery{After: cursor, Limit: 500})
		if err != nil {
			return fmt.Errorf("list executions: %w", err)
		}
		for _, row := range page {
			if err := c.history(row); err != nil {
				return err
			}
			if row.Status == string(interp.StatusRunning) {
				if err := c.state(row); err != nil {
					return err
				}
			}
			cursor = &store.ExecutionCursor{StartTime: row.StartTime, ID: row.ID}
		}
		if len(page) < 500 {
			return nil
		}
	}
}

func (c *checker) history(row *store.Execution) error {
	var next int64 = 1
	for {
		page, err := c.s.HistoryList(c.ctx, store.HistoryQuery{ExecutionID: row.ID, After: next - 1, Limit: 1000})
		if err != nil {
			return fmt.Errorf("history of %s: %w", row.ARN, err)
		}
		for _, ev := range page {
			if ev.ID != next {
				c.add(row.ARN, "history event %d where %d was due", ev.ID, next)
				return nil
			}
			var e struct {
				ID       int64 `json:"id"`
				Previous int64 `json:"previousEventId"`
			}
			if err := json.Unmarshal(ev.JSON, &e); err != nil || e.ID != ev.ID {
				c.add(row.ARN, "history event %d does not decode (or names another ID): %v", ev.ID, err)
			} else if e.Previous < 0 || e.Previous >= e.ID {
				c.add(row.ARN, "history event %d points back to %d", e.ID, e.Previous)
			}
			next++
		}
		if len(page) < 1000 {
			break
		}
	}
	if next-1 != row.LastEventID {
		c.add(row.ARN, "the history has %d events, the execution's last event is %d", next-1, row.LastEventID)
	}
	return nil
}

func (c *checker) state(summary *store.Execution) error {
	row, err := c.s.ExecutionGetByID(c.ctx, summary.ID)
	if err != nil {
		return fmt.Errorf("execution %s: %w", summary.ARN, err)
	}
	c.running[row.ID] = row
	x, err := interp.UnmarshalExecution(row.State)
	if err != nil {
		c.add(row.ARN, "its state does not decode: %v", err)
		return nil
	}
	timer := func(what string, id int64) {
		if id != 0 && !c.timers[store.TimerRef{ExecutionID: row.ID, TimerID: id}] {
			c.add(row.ARN, "%s timer %d is not armed", what, id)
		}
	}
	timer("its TimeoutSeconds", x.TimeoutTimer)
	timer("its continuation", x.ContinueTimer)
	for _, id := range sortedPaths(x) {
		p := x.Paths[id]
		switch p.Phase {
		case interp.PhaseWait, interp.PhaseRetry:
			if p.TimerID == 0 {
				c.add(row.ARN, "path %d waits in %s with no timer", p.ID, p.StateName)
			}
			timer(fmt.Sprintf("path %d's", p.ID), p.TimerID)
		case interp.PhaseTask:
			timer(fmt.Sprintf("path %d's task timeout", p.ID), p.TimeoutTimer)
			timer(fmt.Sprintf("path %d's heartbeat", p.ID), p.HeartbeatTimer)
			t := c.tasks[p.TaskToken]
			if t == nil {
				c.add(row.ARN, "path %d waits in %s for a task that is not open", p.ID, p.StateName)
				continue
			}
			if t.ExecutionID != row.ID {
				c.add(row.ARN, "path %d's task belongs to execution %d", p.ID, t.ExecutionID)
			}
			if t.Kind == store.TaskChild && t.Status == store.TaskWaiting {
				if err := c.child(row, t); err != nil {
					return err
				}
			}
		case interp.PhaseEnter, interp.PhaseExit:
			if x.ContinueTimer == 0 {
				c.add(row.ARN, "path %d is runnable in %s, and nothing continues it", p.ID, p.StateName)
			}
		}
	}
	return nil
}

// child checks that a .sync task that waits has a child that runs.
func (c *checker) child(parent *store.Execution, t *store.Task) error {
	if t.Child == "" {
		c.add(parent.ARN, "a .sync task waits for a child it does not name")
		return nil
	}
	if isExpressARN(t.Child) {
		return nil // in memory, on the node that started it
	}
	child, err := c.s.ExecutionGet(c.ctx, t.Child)
	switch {
	case err != nil:
		c.add(parent.ARN, "a .sync task waits for %s, which does not exist (%v)", t.Child, err)
	case child.Status != string(interp.StatusRunning):
		c.add(parent.ARN, "a .sync task waits for %s, which ended %s", t.Child, child.Status)
	}
	return nil
}

// orphans reports timers and open tasks of executions that ended or do not
// exist.
func (c *checker) orphans() {
	c.ended = map[int64][2]string{}
	status := func(id int64) (string, string) {
		if row := c.running[id]; row != nil {
			return row.ARN, row.Status
		}
		if known, ok := c.ended[id]; ok {
			return known[0], known[1]
		}
		known := [2]string{"", "missing"}
		if row, err := c.s.ExecutionGetByID(c.ctx, id); err == nil {
			known = [2]string{row.ARN, row.Status}
		}
		c.ended[id] = known
		return known[0], known[1]
	}
	for ref := range c.timers {
		if arn, st := status(ref.ExecutionID); st != string(interp.StatusRunning) {
			c.add(arn, "timer %d is armed for an execution that is %s (execution %d)", ref.TimerID, st, ref.ExecutionID)
		}
	}
	for _, t := range c.tasks {
		if arn, st := status(t.ExecutionID); st != string(interp.StatusRunning) {
			c.add(arn, "a %s task is %s for an execution that is %s (execution %d)", t.Kind, t.Status, st, t.ExecutionID)
		}
	}
}

func sortedPaths(x *interp.Execution) []int64 { return slices.Sorted(maps.Keys(x.Paths)) }
