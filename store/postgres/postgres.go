// Package postgres is the store driver for several stepd nodes sharing one
// PostgreSQL database (or a PostgreSQL-compatible one), on pgx.
//
// Work that one node must do alone is claimed with FOR UPDATE SKIP LOCKED:
// due timers (TimersClaim) and orphaned task invocations (TasksAdopt), so
// claimers never wait for each other and never take the same row. An activity
// task is claimed by a guarded update (scheduled to started) in the Change of
// the step that records its start. An execution's row carries a version that
// every update names, so of two nodes that stepped the same execution, one
// commits and the other gets store.ErrConflict and reloads.
//
// Apply sends a whole batch of Changes in one pipeline, inside one
// transaction, and checks the rows each guarded statement touched before it
// commits: one round trip and one commit for many steps. If any Change's
// precondition failed, it rolls back and applies the batch again one Change at
// a time under savepoints, to report each Change's own outcome.
//
// The store notifies (store.Notifier) through LISTEN/NOTIFY on a channel of
// the schema's own, from inside the committing transaction: timers armed and
// activity tasks queued reach the other nodes when, and only if, they commit.
package postgres

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/internal/chunk"
	"github.com/stepd/stepd/store/internal/sqlrow"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure Open.
type Options struct {
	// Schema is the schema stepd's tables live in; it is created if missing.
	// "" means the connection's search_path (normally public).
	Schema string
	// MaxConns and MinConns size the connection pool; 0 keeps pgxpool's
	// defaults or the URL's pool_max_conns and pool_min_conns.
	MaxConns int32
	MinConns int32
}

// Store is the PostgreSQL store.Store.
type Store struct {
	pool    *pgxpool.Pool
	schema  string
	channel string // the LISTEN/NOTIFY channel
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Notifier = (*Store)(nil)
)

// Open connects to the database at url (postgres://user@host:port/db?...),
// applies the migrations it has not seen, and returns the store.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = opts.Schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	if opts.Schema != "" {
		if _, err := pool.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{opts.Schema}.Sanitize()); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: create schema: %w", err)
		}
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s.schema, s.channel = schema, "stepd_"+schema
	if err := s.migrate(ctx, schema); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Schema returns the schema of stepd's tables.
func (s *Store) Schema() string { return s.schema }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// migrate applies the embedded migrations the database has not seen, in the
// order of their numbers, under an advisory lock (nodes starting together
// migrate once). A database migrated by a newer stepd is refused.
func (s *Store) migrate(ctx context.Context, schema string) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	latest := 0
	type migration struct {
		version int
		name    string
	}
	var all []migration
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("postgres: migration %s: the name must start with its number", base)
		}
		all = append(all, migration{v, name})
		latest = max(latest, v)
	}
	h := fnv.New64a()
	h.Write([]byte("stepd migrate " + schema))
	lock := int64(h.Sum64())
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lock); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if have > latest {
			return fmt.Errorf("postgres: the database's schema (version %d) is newer than this stepd's (%d): upgrade stepd", have, latest)
		}
		for _, m := range all {
			if m.version <= have {
				continue
			}
			text, err := migrations.ReadFile(m.name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(text)); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", path.Base(m.name), err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)`, m.version, time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", path.Base(m.name), err)
			}
		}
		return nil
	})
}

// pgCode returns the SQLSTATE of a PostgreSQL error, "" for other errors.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUnique(err error) bool { return pgCode(err) == "23505" }

// read scans rows into store's types; no row is store.ErrNotFound.
var read = sqlrow.Reader{NoRows: pgx.ErrNoRows}

// collect scans every row with scan, and closes rows.
func collect[T any](rows pgx.Rows, scan func(sqlrow.Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlrow.Collect(rows, scan)
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(ctx context.Context, sm *store.StateMachine, def *store.Definition) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO state_machines (arn, name, type, status, role_arn, revision_id, description, logging, tracing, created_ms, updated_ms, encryption)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			sm.ARN, sm.Name, sm.Type, sm.Status, sm.RoleARN, sm.RevisionID, sm.Description, sm.Logging, sm.Tracing, sqlrow.Millis(sm.CreatedAt), sqlrow.Millis(sm.UpdatedAt), sm.Encryption)
		if isUnique(err) {
			return store.ErrExists
		}
		if err != nil {
			return err
		}
		return insertDefinition(ctx, tx, def)
	})
}

func insertDefinition(ctx context.Context, tx pgx.Tx, def *store.Definition) error {
	_, err := tx.Exec(ctx, `INSERT INTO definitions (revision_id, machine_arn, text, logging, tracing, created_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		def.RevisionID, def.MachineARN, def.Text, def.Logging, def.Tracing, sqlrow.Millis(def.CreatedAt))
	return err
}

// StateMachineGet implements store.Store.
func (s *Store) StateMachineGet(ctx context.Context, arn string) (*store.StateMachine, error) {
	return read.Machine(s.pool.QueryRow(ctx, `SELECT `+sqlrow.MachineColumns+` FROM state_machines WHERE arn = $1`, arn))
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(ctx context.Context, sm *store.StateMachine, def *store.Definition) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE state_machines SET type = $1, status = $2, role_arn = $3, revision_id = $4, description = $5, logging = $6, tracing = $7, updated_ms = $8, encryption = $9 WHERE arn = $10`,
			sm.Type, sm.Status, sm.RoleARN, sm.RevisionID, sm.Description, sm.Logging, sm.Tracing, sqlrow.Millis(sm.UpdatedAt), sm.Encryption, sm.ARN)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		if def != nil {
			return insertDefinition(ctx, tx, def)
		}
		return nil
	})
}

// deleteWithTags deletes a resource row and its tags.
func (s *Store) deleteWithTags(ctx context.Context, table, arn string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE arn = $1`, arn)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		_, err = tx.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1`, arn)
		return err
	})
}

// StateMachineDelete implements store.Store.
func (s *Store) StateMachineDelete(ctx context.Context, arn string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM state_machines WHERE arn = $1`, arn)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		for _, q := range []string{
			`DELETE FROM tags WHERE resource_arn = $1 OR resource_arn IN (SELECT arn FROM machine_versions WHERE machine_arn = $1)
				OR resource_arn IN (SELECT arn FROM machine_aliases WHERE machine_arn = $1)`,
			`DELETE FROM alias_routes WHERE alias_arn IN (SELECT arn FROM machine_aliases WHERE machine_arn = $1)`,
			`DELETE FROM machine_aliases WHERE machine_arn = $1`,
			`DELETE FROM machine_versions WHERE machine_arn = $1`,
		} {
			if _, err := tx.Exec(ctx, q, arn); err != nil {
				return err
			}
		}
		return nil
	})
}

// StateMachineList implements store.Store.
func (s *Store) StateMachineList(ctx context.Context, after string, limit int) ([]*store.StateMachine, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.MachineColumns+` FROM state_machines WHERE arn > $1 ORDER BY arn LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Machine)
}

// DefinitionGet implements store.Store.
func (s *Store) DefinitionGet(ctx context.Context, revisionID string) (*store.Definition, error) {
	var d store.Definition
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT revision_id, machine_arn, text, logging, tracing, created_ms FROM definitions WHERE revision_id = $1`, revisionID).
		Scan(&d.RevisionID, &d.MachineARN, &d.Text, &d.Logging, &d.Tracing, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.CreatedAt = sqlrow.Time(created)
	return &d, nil
}

// ActivityCreate implements store.Store.
func (s *Store) ActivityCreate(ctx context.Context, a *store.Activity) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO activities (arn, name, created_ms) VALUES ($1, $2, $3)`, a.ARN, a.Name, sqlrow.Millis(a.CreatedAt))
	if isUnique(err) {
		return store.ErrExists
	}
	return err
}

// ActivityGet implements store.Store.
func (s *Store) ActivityGet(ctx context.Context, arn string) (*store.Activity, error) {
	return read.Activity(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ActivityColumns+` FROM activities WHERE arn = $1`, arn))
}

// ActivityDelete implements store.Store.
func (s *Store) ActivityDelete(ctx context.Context, arn string) error {
	return s.deleteWithTags(ctx, "activities", arn)
}

// ActivityList implements store.Store.
func (s *Store) ActivityList(ctx context.Context, after string, limit int) ([]*store.Activity, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.ActivityColumns+` FROM activities WHERE arn > $1 ORDER BY arn LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Activity)
}

// TagsSet implements store.Store.
func (s *Store) TagsSet(ctx context.Context, arn string, tags []store.Tag) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, t := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO tags (resource_arn, key, value) VALUES ($1, $2, $3)
				ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, t.Key, t.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// TagsRemove implements store.Store.
func (s *Store) TagsRemove(ctx context.Context, arn string, keys []string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2)`, arn, keys)
	return err
}

// TagsList implements store.Store.
func (s *Store) TagsList(ctx context.Context, arn string) ([]store.Tag, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM tags WHERE resource_arn = $1 ORDER BY key`, arn)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(row sqlrow.Scanner) (store.Tag, error) {
		var t store.Tag
		err := row.Scan(&t.Key, &t.Value)
		return t, err
	})
	if out == nil && err == nil {
		out = []store.Tag{}
	}
	return out, err
}

// ExecutionGet implements store.Store.
func (s *Store) ExecutionGet(ctx context.Context, arn string) (*store.Execution, error) {
	return read.ExecutionState(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE arn = $1`, arn))
}

// ExecutionGetByID implements store.Store.
func (s *Store) ExecutionGetByID(ctx context.Context, id int64) (*store.Execution, error) {
	return read.ExecutionState(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE id = $1`, id))
}

// ExecutionFind implements store.Store.
func (s *Store) ExecutionFind(ctx context.Context, machineARN, name string) (*store.Execution, error) {
	return read.ExecutionState(s.pool.QueryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE machine_arn = $1 AND name = $2`, machineARN, name))
}

// ExecutionList implements store.Store.
func (s *Store) ExecutionList(ctx context.Context, q store.ExecutionQuery) ([]*store.Execution, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.MachineARN != "" {
		where = append(where, "machine_arn = "+arg(q.MachineARN))
	}
	if q.MachinePrefix != "" {
		// starts_with rather than LIKE or a range: exact for any characters,
		// under any collation.
		where = append(where, "starts_with(machine_arn, "+arg(q.MachinePrefix)+")")
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(q.Status))
	}
	if q.MapRun != "" {
		where = append(where, "map_run = "+arg(q.MapRun))
	}
	if q.VersionARN != "" {
		where = append(where, "version_arn = "+arg(q.VersionARN))
	}
	if q.AliasARN != "" {
		where = append(where, "alias_arn = "+arg(q.AliasARN))
	}
	switch q.Redriven {
	case "REDRIVEN":
		where = append(where, "redrive_count > 0")
	case "NOT_REDRIVEN":
		where = append(where, "redrive_count = 0")
	}
	if q.After != nil {
		start := arg(sqlrow.Millis(q.After.StartTime))
		where = append(where, "(start_ms < "+start+" OR (start_ms = "+start+" AND id < "+arg(q.After.ID)+"))")
	}
	query := `SELECT ` + sqlrow.ExecutionColumns + ` FROM executions`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY start_ms DESC, id DESC"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Execution)
}

// ExecutionRunning implements store.Store.
func (s *Store) ExecutionRunning(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM executions WHERE status = 'RUNNING' AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row sqlrow.Scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	})
}

// ExecutionRunningCount implements store.Store.
func (s *Store) ExecutionRunningCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM executions WHERE status = 'RUNNING'`).Scan(&n)
	return n, err
}

// ExecutionDelete implements store.Store.
func (s *Store) ExecutionDelete(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM executions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		for _, table := range []string{"history", "timers", "tasks"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE execution_id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// HistoryList implements store.Store.
func (s *Store) HistoryList(ctx context.Context, q store.HistoryQuery) ([]store.Event, error) {
	executionID, from, limit, reverse := q.ExecutionID, q.After, q.Limit, q.Reverse
	var rows pgx.Rows
	var err error
	if reverse {
		before := from
		if before == 0 {
			before = 1<<62 - 1
		}
		rows, err = s.pool.Query(ctx, `SELECT events FROM history WHERE execution_id = $1 AND first_id < $2 ORDER BY first_id DESC`, executionID, before)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT events FROM history WHERE execution_id = $1 AND last_id > $2 ORDER BY first_id`, executionID, from)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() && len(out) < limit {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			return nil, err
		}
		if out, err = chunk.Append(out, blob, from, limit, reverse); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}
	return out, rows.Err()
}

// TimersClaim implements store.Store.
func (s *Store) TimersClaim(ctx context.Context, c store.TimerClaim) ([]store.Timer, error) {
	rows, err := s.pool.Query(ctx, `UPDATE timers t SET claim_ms = $1, owner = $4
		FROM (SELECT execution_id, timer_id FROM timers WHERE claim_ms <= $2 ORDER BY claim_ms LIMIT $3 FOR UPDATE SKIP LOCKED) c
		WHERE t.execution_id = c.execution_id AND t.timer_id = c.timer_id
		RETURNING t.execution_id, t.timer_id, t.due_ms`, c.Now.Add(c.Lease).UnixMilli(), c.Now.UnixMilli(), c.Limit, c.Node)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(row sqlrow.Scanner) (store.Timer, error) {
		var t store.Timer
		var due int64
		err := row.Scan(&t.ExecutionID, &t.TimerID, &due)
		t.Due = sqlrow.Time(due)
		return t, err
	})
	slices.SortFunc(out, func(a, b store.Timer) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.TimerID, b.TimerID)
	})
	return out, err
}

// TimerNext implements store.Store.
func (s *Store) TimerNext(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	if err := s.pool.QueryRow(ctx, `SELECT MIN(claim_ms) FROM timers`).Scan(&next); err != nil {
		return time.Time{}, false, err
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return sqlrow.Time(*next), true, nil
}

// TimerList implements store.Store.
func (s *Store) TimerList(ctx context.Context, after store.TimerRef, limit int) ([]store.Timer, error) {
	rows, err := s.pool.Query(ctx, `SELECT execution_id, timer_id, due_ms FROM timers
		WHERE (execution_id, timer_id) > ($1, $2) ORDER BY execution_id, timer_id LIMIT $3`, after.ExecutionID, after.TimerID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row sqlrow.Scanner) (store.Timer, error) {
		var t store.Timer
		var due int64
		err := row.Scan(&t.ExecutionID, &t.TimerID, &due)
		t.Due = sqlrow.Time(due)
		return t, err
	})
}

// NodeStart implements store.Store.
func (s *Store) NodeStart(ctx context.Context, node string, until time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := nodeLease(ctx, tx, node, until); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET owner = '' WHERE owner = $1 AND status = 'pending'`, node); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE timers SET claim_ms = due_ms, owner = '' WHERE owner = $1`, node)
		return err
	})
}

// NodeLease implements store.Store.
func (s *Store) NodeLease(ctx context.Context, node string, until time.Time) error {
	return nodeLease(ctx, s.pool, node, until)
}

func nodeLease(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, node string, until time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO nodes (id, lease_ms) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET lease_ms = excluded.lease_ms`,
		node, until.UnixMilli())
	return err
}

// TasksAdopt implements store.Store.
func (s *Store) TasksAdopt(ctx context.Context, node string, now time.Time, limit int) ([]*store.Task, error) {
	rows, err := s.pool.Query(ctx, `UPDATE tasks t SET owner = $1
		FROM (SELECT token FROM tasks WHERE status = 'pending' AND kind IN ('invoke', 'callback', 'child', 'maprun')
			AND owner NOT IN (SELECT id FROM nodes WHERE lease_ms >= $2) ORDER BY token LIMIT $3 FOR UPDATE SKIP LOCKED) c
		WHERE t.token = c.token
		RETURNING t.token, t.execution_id, t.task_id, t.kind, t.activity_arn, t.status, t.dispatch, t.owner, t.worker, t.child, t.created_ms, t.closed_reason`,
		node, now.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, read.Task)
	slices.SortFunc(out, func(a, b *store.Task) int { return strings.Compare(a.Token, b.Token) })
	return out, err
}

// TaskGet implements store.Store.
func (s *Store) TaskGet(ctx context.Context, token string) (*store.Task, error) {
	return read.Task(s.pool.QueryRow(ctx, `SELECT `+sqlrow.TaskColumns+` FROM tasks WHERE token = $1`, token))
}

// TasksOpen implements store.Store.
func (s *Store) TasksOpen(ctx context.Context, kind store.TaskKind, statuses []store.TaskStatus, after string, limit int) ([]*store.Task, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.TaskColumns+` FROM tasks WHERE kind = $1 AND status = ANY($2) AND token > $3 ORDER BY token LIMIT $4`,
		string(kind), statusStrings(statuses), after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Task)
}

func statusStrings(list []store.TaskStatus) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

// ActivityTasksScheduled implements store.Store.
func (s *Store) ActivityTasksScheduled(ctx context.Context, activityARN string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT token FROM tasks
		WHERE activity_arn = $1 AND status = 'scheduled' ORDER BY execution_id, created_ms, token LIMIT $2`, activityARN, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrow.String)
}

// MapRunCreate implements store.Store.
func (s *Store) MapRunCreate(ctx context.Context, r *store.MapRun) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO map_runs (`+sqlrow.MapRunColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, sqlrow.MapRunValues(r)...)
	if isUnique(err) {
		return store.ErrExists
	}
	return err
}

// MapRunGet implements store.Store.
func (s *Store) MapRunGet(ctx context.Context, arn string) (*store.MapRun, error) {
	return read.MapRun(s.pool.QueryRow(ctx, `SELECT `+sqlrow.MapRunColumns+` FROM map_runs WHERE arn = $1`, arn))
}

// MapRunUpdate implements store.Store.
func (s *Store) MapRunUpdate(ctx context.Context, r *store.MapRun) error {
	tag, err := s.pool.Exec(ctx, `UPDATE map_runs SET status = $1, max_concurrency = $2, tolerated_count = $3, tolerated_percent = $4,
		loaded = $5, total = $6, error = $7, cause = $8, stop_ms = $9, redrive_count = $10, redrive_ms = $11 WHERE arn = $12`,
		r.Status, r.MaxConcurrency, r.ToleratedFailureCount, r.ToleratedFailurePercentage, r.Loaded, r.Total, r.Error, r.Cause,
		sqlrow.Millis(r.StopTime), r.RedriveCount, sqlrow.Millis(r.RedriveTime), r.ARN)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// MapRunConfigure implements store.Store.
func (s *Store) MapRunConfigure(ctx context.Context, arn string, c store.MapRunConfig) error {
	var status string
	// One statement: the update, guarded, and the run's status either way.
	err := s.pool.QueryRow(ctx, `WITH u AS (UPDATE map_runs SET max_concurrency = COALESCE($1, max_concurrency),
			tolerated_count = COALESCE($2, tolerated_count), tolerated_percent = COALESCE($3, tolerated_percent)
			WHERE arn = $4 AND status = 'RUNNING' RETURNING status)
		SELECT COALESCE((SELECT status FROM u), (SELECT status FROM map_runs WHERE arn = $4), '')`,
		c.MaxConcurrency, c.ToleratedFailureCount, c.ToleratedFailurePercentage, arn).Scan(&status)
	switch {
	case err != nil:
		return err
	case status == "":
		return store.ErrNotFound
	case status != "RUNNING":
		return store.ErrConflict
	}
	return nil
}

// MapRunList implements store.Store.
func (s *Store) MapRunList(ctx context.Context, executionARN, after string, limit int) ([]*store.MapRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.MapRunColumns+` FROM map_runs WHERE execution_arn = $1 AND arn > $2 ORDER BY arn LIMIT $3`,
		executionARN, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.MapRun)
}

// MapItemsAdd implements store.Store: one statement per thousand items.
func (s *Store) MapItemsAdd(ctx context.Context, runARN string, items []store.MapItem) error {
	for len(items) > 0 {
		n := min(len(items), 1000)
		idx, inputs, counts, statuses := make([]int64, n), make([]string, n), make([]int64, n), make([]string, n)
		for i, it := range items[:n] {
			idx[i], inputs[i], counts[i], statuses[i] = it.Index, it.Input, max(it.Items, 1), string(it.Status)
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO map_items (run, idx, input, items, status)
			SELECT $1, i, inp, c, st FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) AS u(i, inp, c, st)
			ON CONFLICT (run, idx) DO NOTHING`, runARN, idx, inputs, counts, statuses); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// MapItemsList implements store.Store.
func (s *Store) MapItemsList(ctx context.Context, q store.MapItemQuery) ([]store.MapItem, error) {
	query := `SELECT ` + sqlrow.MapItemColumns + ` FROM map_items WHERE run = $1 AND idx > $2`
	args := []any{q.Run, q.After}
	if len(q.Statuses) > 0 {
		st := make([]string, len(q.Statuses))
		for i, v := range q.Statuses {
			st[i] = string(v)
		}
		args = append(args, st)
		query += ` AND status = ANY($3)`
	}
	query += ` ORDER BY idx`
	if q.Limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.MapItem)
}

// MapItemCounts implements store.Store.
func (s *Store) MapItemCounts(ctx context.Context, runARN string) (map[store.MapItemStatus]store.MapItemCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT status, COUNT(*), SUM(items)::bigint FROM map_items WHERE run = $1 GROUP BY status`, runARN)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[store.MapItemStatus]store.MapItemCount{}
	for rows.Next() {
		var st string
		var c store.MapItemCount
		if err := rows.Scan(&st, &c.Executions, &c.Items); err != nil {
			return nil, err
		}
		out[store.MapItemStatus(st)] = c
	}
	return out, rows.Err()
}
