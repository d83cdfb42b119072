package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/store"
)

// DefaultRedriveWindow is how long after its end an execution may be
// redriven, as on AWS (14 days).
const DefaultRedriveWindow = 14 * 24 * time.Hour

// NotRedrivable is the refusal of a redrive, with the reason
// DescribeExecution gives as redriveStatusReason.
type NotRedrivable struct{ Reason string }

func (r *NotRedrivable) Error() string { return r.Reason }

// Redrivable reports whether an execution can be redriven now, within window
// of its end, and if not, why: in the words of AWS's redriveStatusReason
// where AWS documents one (DescribeExecution's API reference), stepd's own
// for what AWS does not.
func (e *Engine) Redrivable(row *store.Execution, window time.Duration) (bool, string) {
	switch row.Status {
	case string(interp.StatusFailed), string(interp.StatusTimedOut), string(interp.StatusAborted):
	default:
		return false, fmt.Sprintf("Execution is %s and cannot be redriven", row.Status)
	}
	switch {
	case isExpressARN(row.ARN): // the execution's kind, whichever engine asks (a .sync parent's, for its child)
		return false, "Express executions cannot be redriven"
	case row.MapRun != "":
		return false, "Child executions of a Map Run are redriven with the execution that started the Map Run"
	case window > 0 && e.clock.Now().Sub(row.StopTime) > window:
		return false, "Execution redrivable period exceeded"
	case len(row.State) == 0:
		return false, "Execution ended without the state a redrive needs"
	case e.limits.MaxHistoryEvents > 0 && row.LastEventID >= e.limits.MaxHistoryEvents-1:
		return false, "Execution history event limit exceeded"
	}
	return true, ""
}

// RedriveExecution redrives an ended execution (interp.Redrive) in one
// commit, guarded by the row's version: the new RUNNING row with its redrive
// counted, ExecutionRedriven and the first events of the states that run
// again, and their tasks and timers. A crash before the commit leaves the
// execution as it was; after it, the tasks are pending and run when the node
// starts (or another adopts them), as after any step. A redrive with the
// client token of the execution's last redrive answers the execution as it
// is (idempotent); a redrive that loses a race to another is refused as
// for a running execution. Refusals are *NotRedrivable.
func (e *Engine) RedriveExecution(ctx context.Context, arn, token string, window time.Duration) (*store.Execution, error) {
	if e.stopping.Load() {
		return nil, ErrStopping
	}
	got, err := e.store.ExecutionGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExecutionDoesNotExist
	}
	if err != nil {
		return nil, err
	}
	row, err := e.store.ExecutionGetByID(ctx, got.ID) // with its state
	if err != nil {
		return nil, err
	}
	if token != "" && row.RedriveCount > 0 && row.RedriveToken == token {
		return row, nil
	}
	if ok, reason := e.Redrivable(row, window); !ok {
		return nil, &NotRedrivable{Reason: reason}
	}
	def, err := e.defs.Definition(ctx, row.RevisionID)
	if err != nil {
		return nil, err
	}
	x, err := interp.UnmarshalExecution(row.State)
	if err != nil {
		return nil, &NotRedrivable{Reason: "Execution ended without the state a redrive needs"}
	}
	now := e.clock.Now()
	var res interp.Result
	src := &stepSource{Source: e.src, deadline: time.Now().Add(e.stepTime), activities: e.activityExists}
	if err := interp.Redrive(def, x, row.LastEventID, now, src, &res); err != nil {
		return nil, err
	}
	prev := *row
	prev.StopTime, prev.Error, prev.Cause, prev.Output, prev.HasOutput = time.Time{}, "", "", "", false
	prev.RedriveCount++
	prev.RedriveTime, prev.RedriveToken = now, token
	change, err := e.change(&prev, x, &res)
	if err != nil {
		return nil, err
	}
	if err := e.commitWait(change); err != nil {
		if errors.Is(err, store.ErrConflict) {
			now, gerr := e.store.ExecutionGetByID(ctx, row.ID)
			if gerr == nil && token != "" && now.RedriveToken == token {
				return now, nil
			}
			return nil, &NotRedrivable{Reason: "Execution is RUNNING and cannot be redriven"}
		}
		return nil, err
	}
	e.after(change.Execution, x, &res)
	return change.Execution, nil
}
