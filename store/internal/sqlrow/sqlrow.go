// Package sqlrow is what the SQL drivers (store/sqlite and store/postgres)
// share about the rows of the tables they both create: the column lists, the
// scans of those rows into store's types, and timestamps as milliseconds since
// the epoch. The SQL around them stays in each driver, in its dialect.
package sqlrow

import (
	"errors"
	"time"

	"github.com/stepd/stepd/store"
)

// Millis is t as the drivers store it: milliseconds since the epoch, 0 for
// the zero time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time is the time Millis stored: UTC, and the zero time for 0.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Scanner is one row: a *sql.Row, *sql.Rows, pgx.Row or pgx.Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result set, *sql.Rows or pgx.Rows.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect scans every row of rows with scan. The caller closes rows.
func Collect[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// String scans a row of one text column (for Collect).
func String(row Scanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// The columns each scan of a Reader reads, in its order.
const (
	MachineColumns   = `arn, name, type, status, role_arn, revision_id, description, logging, tracing, created_ms, updated_ms, encryption`
	ActivityColumns  = `arn, name, created_ms`
	ExecutionColumns = `id, arn, machine_arn, name, revision_id, status, input, output, error, cause, start_ms, stop_ms, version, last_event_id, trace_header, parent, parent_waits, map_run, map_item, version_arn, alias_arn, redrive_count, redrive_ms, redrive_token`
	MapRunColumns    = `arn, execution_id, execution_arn, machine_arn, state_name, token, status, max_concurrency, tolerated_count, tolerated_percent, ` +
		`child_type, spec, loaded, total, error, cause, start_ms, stop_ms, redrive_count, redrive_ms`
	VersionColumns = `arn, machine_arn, version, revision_id, description, role_arn, logging, tracing, created_ms`
	AliasColumns   = `arn, machine_arn, name, description, created_ms, updated_ms`
	MapItemColumns = `idx, input, items, status, child, output, error, cause`
	TaskColumns    = `token, execution_id, task_id, kind, activity_arn, status, dispatch, owner, worker, child, created_ms, closed_reason`
)

// Reader scans rows into store's types. A scan of no row is store.ErrNotFound.
type Reader struct {
	// NoRows is the driver's error for a query that found no row
	// (sql.ErrNoRows, pgx.ErrNoRows).
	NoRows error
}

func (r Reader) scan(row Scanner, dest ...any) error {
	err := row.Scan(dest...)
	if err != nil && errors.Is(err, r.NoRows) {
		return store.ErrNotFound
	}
	return err
}

// Machine scans MachineColumns.
func (r Reader) Machine(row Scanner) (*store.StateMachine, error) {
	var sm store.StateMachine
	var created, updated int64
	if err := r.scan(row, &sm.ARN, &sm.Name, &sm.Type, &sm.Status, &sm.RoleARN, &sm.RevisionID, &sm.Description, &sm.Logging, &sm.Tracing, &created, &updated, &sm.Encryption); err != nil {
		return nil, err
	}
	sm.CreatedAt, sm.UpdatedAt = Time(created), Time(updated)
	return &sm, nil
}

// Version scans VersionColumns.
func (r Reader) Version(row Scanner) (*store.StateMachineVersion, error) {
	var v store.StateMachineVersion
	var created int64
	if err := r.scan(row, &v.ARN, &v.MachineARN, &v.Version, &v.RevisionID, &v.Description, &v.RoleARN, &v.Logging, &v.Tracing, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = Time(created)
	return &v, nil
}

// Alias scans AliasColumns: an alias without its routing.
func (r Reader) Alias(row Scanner) (*store.Alias, error) {
	var a store.Alias
	var created, updated int64
	if err := r.scan(row, &a.ARN, &a.MachineARN, &a.Name, &a.Description, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = Time(created), Time(updated)
	return &a, nil
}

// Route scans an alias route's version_arn and weight.
func (r Reader) Route(row Scanner) (store.Route, error) {
	var rt store.Route
	err := r.scan(row, &rt.VersionARN, &rt.Weight)
	return rt, err
}

// Activity scans ActivityColumns.
func (r Reader) Activity(row Scanner) (*store.Activity, error) {
	var a store.Activity
	var created int64
	if err := r.scan(row, &a.ARN, &a.Name, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = Time(created)
	return &a, nil
}

// Execution scans ExecutionColumns: an execution without its state.
func (r Reader) Execution(row Scanner) (*store.Execution, error) { return r.execution(row, false) }

// ExecutionState scans ExecutionColumns and then the state column.
func (r Reader) ExecutionState(row Scanner) (*store.Execution, error) { return r.execution(row, true) }

func (r Reader) execution(row Scanner, withState bool) (*store.Execution, error) {
	var x store.Execution
	var output *string
	var start, stop, redrive int64
	dest := []any{&x.ID, &x.ARN, &x.MachineARN, &x.Name, &x.RevisionID, &x.Status, &x.Input, &output, &x.Error, &x.Cause,
		&start, &stop, &x.Version, &x.LastEventID, &x.TraceHeader, &x.Parent, &x.ParentWaits, &x.MapRun, &x.MapItem, &x.VersionARN, &x.AliasARN, &x.RedriveCount, &redrive, &x.RedriveToken}
	if withState {
		dest = append(dest, &x.State)
	}
	if err := r.scan(row, dest...); err != nil {
		return nil, err
	}
	if output != nil {
		x.Output, x.HasOutput = *output, true
	}
	x.StartTime, x.StopTime, x.RedriveTime = Time(start), Time(stop), Time(redrive)
	return &x, nil
}

// Task scans TaskColumns.
func (r Reader) Task(row Scanner) (*store.Task, error) {
	var t store.Task
	var created int64
	var kind, status string
	if err := r.scan(row, &t.Token, &t.ExecutionID, &t.TaskID, &kind, &t.ActivityARN, &status, &t.Dispatch, &t.Owner, &t.Worker, &t.Child, &created, &t.ClosedReason); err != nil {
		return nil, err
	}
	t.Kind, t.Status = store.TaskKind(kind), store.TaskStatus(status)
	t.Created = Time(created)
	return &t, nil
}

// MapRun scans MapRunColumns.
func (r Reader) MapRun(row Scanner) (*store.MapRun, error) {
	var m store.MapRun
	var start, stop, redrive int64
	if err := r.scan(row, &m.ARN, &m.ExecutionID, &m.ExecutionARN, &m.MachineARN, &m.StateName, &m.Token, &m.Status, &m.MaxConcurrency,
		&m.ToleratedFailureCount, &m.ToleratedFailurePercentage, &m.ChildType, &m.Spec, &m.Loaded, &m.Total, &m.Error, &m.Cause,
		&start, &stop, &m.RedriveCount, &redrive); err != nil {
		return nil, err
	}
	m.StartTime, m.StopTime, m.RedriveTime = Time(start), Time(stop), Time(redrive)
	return &m, nil
}

// MapItem scans MapItemColumns.
func (r Reader) MapItem(row Scanner) (store.MapItem, error) {
	var it store.MapItem
	var status string
	var output *string
	if err := r.scan(row, &it.Index, &it.Input, &it.Items, &status, &it.Child, &output, &it.Error, &it.Cause); err != nil {
		return it, err
	}
	it.Status = store.MapItemStatus(status)
	if output != nil {
		it.Output, it.HasOutput = *output, true
	}
	return it, nil
}

// MapRunValues are a Map Run's values in MapRunColumns' order.
func MapRunValues(m *store.MapRun) []any {
	return []any{m.ARN, m.ExecutionID, m.ExecutionARN, m.MachineARN, m.StateName, m.Token, m.Status, m.MaxConcurrency,
		m.ToleratedFailureCount, m.ToleratedFailurePercentage, m.ChildType, m.Spec, m.Loaded, m.Total, m.Error, m.Cause,
		Millis(m.StartTime), Millis(m.StopTime), m.RedriveCount, Millis(m.RedriveTime)}
}
