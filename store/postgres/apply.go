package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/internal/chunk"
	"github.com/stepd/stepd/store/internal/sqlrow"
)

// stmt is one statement of a Change, with what it must do for the Change to
// hold: touch exactly want rows (want < 0: any number), failing with onMiss
// otherwise.
type stmt struct {
	sql    string
	args   []any
	want   int64
	onMiss error
}

// Apply implements store.Store. The fast path pipelines the whole batch in one
// transaction and commits only if every guarded statement touched its row; a
// miss (a version that moved on, a name taken, a task no longer open) or an
// error sends the batch down the slow path, a savepoint per Change, which
// reports each Change's own outcome.
func (s *Store) Apply(ctx context.Context, changes []*store.Change) []error {
	errs := make([]error, len(changes))
	if err := s.assignIDs(ctx, changes); err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("postgres: %w", err)
		}
		return errs
	}
	plans := make([][]stmt, len(changes))
	for i, c := range changes {
		plans[i] = plan(c)
	}
	if s.applyFast(ctx, changes, plans) {
		return errs
	}
	return s.applySlow(ctx, changes, plans)
}

// assignIDs gives each new execution its ID from the sequence, so that its
// history, timers and tasks can name it in the same pipeline.
func (s *Store) assignIDs(ctx context.Context, changes []*store.Change) error {
	n := 0
	for _, c := range changes {
		if c.Execution != nil && c.ExpectVersion == 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, `SELECT nextval('executions_id_seq') FROM generate_series(1, $1)`, n)
	if err != nil {
		return err
	}
	ids, err := collect(rows, func(row sqlrow.Scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	})
	if err != nil {
		return err
	}
	if len(ids) != n {
		return errors.New("the sequence gave too few IDs")
	}
	for _, c := range changes {
		if c.Execution != nil && c.ExpectVersion == 0 {
			c.Execution.ID, ids = ids[0], ids[1:]
		}
	}
	return nil
}

// plan returns a Change's statements, in the order the other drivers apply
// them.
func plan(c *store.Change) []stmt {
	var out []stmt
	execID := int64(0)
	if x := c.Execution; x != nil {
		var output *string
		if x.HasOutput {
			output = &x.Output
		}
		var state []byte
		if len(x.State) > 0 {
			state = x.State
		}
		if c.ExpectVersion == 0 {
			out = append(out, stmt{sql: `INSERT INTO executions (id, arn, machine_arn, name, revision_id, status, input, output, error, cause, start_ms, stop_ms, state, version, last_event_id, trace_header, parent, parent_waits, map_run, map_item, version_arn, alias_arn, redrive_count, redrive_ms, redrive_token)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) ON CONFLICT DO NOTHING`,
				args: []any{x.ID, x.ARN, x.MachineARN, x.Name, x.RevisionID, x.Status, x.Input, output, x.Error, x.Cause, sqlrow.Millis(x.StartTime), sqlrow.Millis(x.StopTime),
					state, x.Version, x.LastEventID, x.TraceHeader, x.Parent, x.ParentWaits, x.MapRun, x.MapItem, x.VersionARN, x.AliasARN, x.RedriveCount, sqlrow.Millis(x.RedriveTime), x.RedriveToken},
				want: 1, onMiss: store.ErrExists})
		} else {
			out = append(out, stmt{sql: `UPDATE executions SET status = $1, output = $2, error = $3, cause = $4, stop_ms = $5, state = $6, version = $7, last_event_id = $8,
				redrive_count = $9, redrive_ms = $10, redrive_token = $11
				WHERE id = $12 AND version = $13`,
				args: []any{x.Status, output, x.Error, x.Cause, sqlrow.Millis(x.StopTime), state, x.Version, x.LastEventID,
					x.RedriveCount, sqlrow.Millis(x.RedriveTime), x.RedriveToken, x.ID, c.ExpectVersion},
				want: 1, onMiss: store.ErrConflict})
		}
		execID = x.ID
	}
	for _, u := range c.TaskUpdates {
		st := stmt{sql: `UPDATE tasks SET status = $1,
			worker = CASE WHEN $2 = '' THEN worker ELSE $2 END,
			closed_reason = CASE WHEN $3 = '' THEN closed_reason ELSE $3 END,
			child = CASE WHEN $6 = '' THEN child ELSE $6 END
			WHERE token = $4 AND status = ANY($5)`,
			args: []any{string(u.To), u.Worker, u.ClosedReason, u.Token, statusStrings(u.From), u.Child}, want: 1, onMiss: store.ErrConflict}
		if u.Optional {
			st.want = -1
		}
		out = append(out, st)
	}
	for _, u := range c.MapItemUpdates {
		from := make([]string, len(u.From))
		for i, st := range u.From {
			from[i] = string(st)
		}
		var output *string
		if u.HasOutput {
			output = &u.Output
		}
		st := stmt{sql: `UPDATE map_items SET status = $1,
			child = CASE WHEN $2 = '' THEN child ELSE $2 END,
			output = CASE WHEN $3 THEN $4 ELSE output END,
			error = CASE WHEN $3 THEN $5 ELSE error END,
			cause = CASE WHEN $3 THEN $6 ELSE cause END
			WHERE run = $7 AND idx = $8 AND status = ANY($9)`,
			args: []any{string(u.To), u.Child, u.Result, output, u.Error, u.Cause, u.Run, u.Index, from}, want: 1, onMiss: store.ErrConflict}
		if u.Optional {
			st.want = -1
		}
		out = append(out, st)
	}
	if len(c.Events) > 0 {
		out = append(out, stmt{sql: `INSERT INTO history (execution_id, first_id, last_id, events) VALUES ($1, $2, $3, $4)`,
			args: []any{execID, c.Events[0].ID, c.Events[len(c.Events)-1].ID, chunk.Encode(c.Events)}, want: -1})
	}
	or := func(id int64) int64 {
		if id == 0 {
			return execID
		}
		return id
	}
	if len(c.AddTimers) > 0 {
		execs, ids, dues := make([]int64, len(c.AddTimers)), make([]int64, len(c.AddTimers)), make([]int64, len(c.AddTimers))
		for i, t := range c.AddTimers {
			execs[i], ids[i], dues[i] = or(t.ExecutionID), t.TimerID, sqlrow.Millis(t.Due)
		}
		out = append(out, stmt{sql: `INSERT INTO timers (execution_id, timer_id, due_ms, claim_ms, owner)
			SELECT e, t, d, d, '' FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(e, t, d)
			ON CONFLICT (execution_id, timer_id) DO UPDATE SET due_ms = excluded.due_ms, claim_ms = excluded.claim_ms, owner = ''`,
			args: []any{execs, ids, dues}, want: -1})
	}
	if len(c.CancelTimers) > 0 {
		execs, ids := make([]int64, len(c.CancelTimers)), make([]int64, len(c.CancelTimers))
		for i, r := range c.CancelTimers {
			execs[i], ids[i] = or(r.ExecutionID), r.TimerID
		}
		out = append(out, stmt{sql: `DELETE FROM timers WHERE (execution_id, timer_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
			args: []any{execs, ids}, want: -1})
	}
	for _, t := range c.AddTasks {
		out = append(out, stmt{sql: `INSERT INTO tasks (token, execution_id, task_id, kind, activity_arn, status, dispatch, owner, worker, child, created_ms, closed_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
			args: []any{t.Token, or(t.ExecutionID), t.TaskID, string(t.Kind), t.ActivityARN, string(t.Status), t.Dispatch, t.Owner, t.Worker, t.Child, sqlrow.Millis(t.Created), t.ClosedReason},
			want: 1, onMiss: store.ErrExists})
	}
	return out
}

// notifications returns what the committed Changes tell other nodes: the
// earliest timer armed (if it is due soon), and the activities that got tasks.
func (s *Store) notifications(changes []*store.Change, ok func(i int) bool) []string {
	var earliest time.Time
	var out []string
	seen := map[string]bool{}
	for i, c := range changes {
		if !ok(i) {
			continue
		}
		for _, t := range c.AddTimers {
			if earliest.IsZero() || t.Due.Before(earliest) {
				earliest = t.Due
			}
		}
		for _, t := range c.AddTasks {
			if t.Kind == store.TaskActivity && !seen[t.ActivityARN] {
				seen[t.ActivityARN] = true
				out = append(out, store.EncodeNotification(store.Notification{Kind: store.NotifyActivity, ActivityARN: t.ActivityARN}))
			}
		}
	}
	// Nodes look for timers on their own at least every few seconds (engine
	// Options.Poll): only sooner ones are worth a notification, which costs
	// every listening node a wake-up and every notifying commit a lock.
	if !earliest.IsZero() && earliest.Before(time.Now().Add(notifyTimersWithin)) {
		out = append(out, store.EncodeNotification(store.Notification{Kind: store.NotifyTimer, Due: earliest}))
	}
	return out
}

// notifyTimersWithin: timers due later than this are not notified.
const notifyTimersWithin = 5 * time.Second

// applyFast applies every Change in one pipelined transaction and reports
// whether it committed. Changes to executions go in the order of their IDs, so
// that two nodes' batches lock rows in the same order and cannot deadlock.
func (s *Store) applyFast(ctx context.Context, changes []*store.Change, plans [][]stmt) bool {
	order := make([]int, len(changes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(execOf(changes[a]), execOf(changes[b])) })
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	b := &pgx.Batch{}
	var want []int64
	for _, i := range order {
		for _, st := range plans[i] {
			b.Queue(st.sql, st.args...)
			want = append(want, st.want)
		}
	}
	for _, n := range s.notifications(changes, func(int) bool { return true }) {
		b.Queue(`SELECT pg_notify($1, $2)`, s.channel, n)
		want = append(want, -1)
	}
	br := tx.SendBatch(ctx, b)
	ok := true
	for _, w := range want {
		tag, err := br.Exec()
		if err != nil || (w >= 0 && tag.RowsAffected() != w) {
			ok = false
			break
		}
	}
	if err := br.Close(); err != nil {
		ok = false
	}
	if !ok {
		return false
	}
	return tx.Commit(ctx) == nil
}

func execOf(c *store.Change) int64 {
	if c.Execution != nil {
		return c.Execution.ID
	}
	return 0
}

// applySlow applies the Changes one by one in one transaction, each under a
// savepoint that undoes it alone if it fails.
func (s *Store) applySlow(ctx context.Context, changes []*store.Change, plans [][]stmt) []error {
	errs := make([]error, len(changes))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("postgres: %w", err)
			}
		}
		s.unassign(changes, errs)
		return errs
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for i := range changes {
		if _, err := tx.Exec(ctx, `SAVEPOINT change`); err != nil {
			return fail(err)
		}
		errs[i] = s.applyOne(ctx, tx, plans[i])
		if errs[i] != nil {
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT change`); err != nil {
				return fail(err)
			}
		}
		if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT change`); err != nil {
			return fail(err)
		}
	}
	for _, n := range s.notifications(changes, func(i int) bool { return errs[i] == nil }) {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, n); err != nil {
			return fail(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(err)
	}
	s.unassign(changes, errs)
	return errs
}

// unassign takes back the IDs given to new executions that were not created.
func (s *Store) unassign(changes []*store.Change, errs []error) {
	for i, c := range changes {
		if errs[i] != nil && c.Execution != nil && c.ExpectVersion == 0 {
			c.Execution.ID = 0
		}
	}
}

// applyOne runs one Change's statements, pipelined, and returns its outcome.
func (s *Store) applyOne(ctx context.Context, tx pgx.Tx, plan []stmt) error {
	b := &pgx.Batch{}
	for _, st := range plan {
		b.Queue(st.sql, st.args...)
	}
	br := tx.SendBatch(ctx, b)
	var outcome error
	for _, st := range plan {
		tag, err := br.Exec()
		if err != nil {
			outcome = classify(err)
			break
		}
		if st.want >= 0 && tag.RowsAffected() != st.want {
			outcome = st.onMiss
			break
		}
	}
	if err := br.Close(); err != nil && outcome == nil {
		outcome = classify(err)
	}
	return outcome
}

// classify maps the errors that mean "someone else got there first" to the
// store's sentinels.
func classify(err error) error {
	switch pgCode(err) {
	case "23505":
		return store.ErrExists
	case "40001", "40P01": // serialization failure, deadlock: nothing was applied
		return store.ErrConflict
	}
	return err
}
