// Package sqlite is the embedded store driver, on SQLite in WAL mode.
//
// It uses modernc.org/sqlite, a translation of SQLite to pure Go: stepd stays one
// static binary that cross-compiles without a C toolchain, at some cost in speed
// against the cgo driver, which Apply's batching more than recovers: every
// Change in a batch shares one transaction and one fsync.
//
// Writes go through one connection (SQLite has one writer); reads use a pool of
// their own, which WAL lets run beside the writer.
package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/internal/chunk"
	"github.com/stepd/stepd/store/internal/sqlrow"
)

//go:embed migrations/*.sql
var migrations embed.FS

// schema is the database the migrations make, as one script: a new database
// is made with it rather than by replaying them, since each ALTER TABLE in
// them has SQLite parse the whole schema again (making a new database took 6
// to 11 ms, most of a cold start's store). TestSchemaIsTheMigrations keeps it
// equal to the migrations; go test ./store/sqlite -run TestSchema -update
// writes it again after a new migration.
//
//go:embed schema.sql
var schema string

// Options configure Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (the default) makes
	// every commit durable against power loss; "NORMAL" against a crash of the
	// process only, and is faster.
	Synchronous string
	// ReadConns is the size of the read pool (default 4).
	ReadConns int

	// replay makes a new database by applying every migration, as an old
	// one is upgraded, rather than with schema (for its test); replayTo,
	// when set, stops it after that migration (for upgrade tests).
	replay   bool
	replayTo int
}

// Store is the SQLite store.Store.
type Store struct {
	w      *sql.DB // the one writer
	r      *sql.DB // readers
	writes *writeStmts
	// reads are the readers' statements, prepared once each (by query text):
	// preparing a statement on every read was a sixth of stepd's CPU under
	// the activities workload.
	reads sync.Map // string → *sql.Stmt
}

// prepared returns the readers' statement of query, preparing it on first
// use.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// query runs a read with the readers' prepared statement of query.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return s.r.QueryRowContext(ctx, query, args...) // reports the error through Scan
	}
	return st.QueryRowContext(ctx, args...)
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and migrates it.
func Open(path string, opts Options) (*Store, error) {
	if opts.Synchronous == "" {
		opts.Synchronous = "FULL"
	}
	switch opts.Synchronous {
	case "FULL", "NORMAL", "OFF", "EXTRA":
	default:
		return nil, fmt.Errorf("sqlite: unknown synchronous mode %q", opts.Synchronous)
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	// The page cache is per connection: the writer's holds what steps touch;
	// the readers' (API reads) are smaller, so that memory stays bounded
	// however large the database grows (16 MiB + 4 × 4 MiB by default).
	dsn := func(cacheKiB int) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+opts.Synchronous+")")
		q.Add("_pragma", "foreign_keys(OFF)")
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(cacheKiB)+")")
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	if !opts.replay {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := create(path); err != nil {
				return nil, err
			}
		}
	}
	w, err := sql.Open("sqlite", dsn(16000))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn(4000))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	s := &Store{w: w, r: r}
	if err := migrate(context.Background(), w, opts); err != nil {
		s.Close()
		return nil, err
	}
	if s.writes, err = prepareWrites(context.Background(), w); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.reads.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// create makes the new database path: built beside it (as
// path.new-<random>) without a journal or syncs, then synced once and linked
// into place, so that a crash leaves no database or a whole one. Made in
// place, in WAL mode with FULL sync, a new database took eight fsyncs and a
// rollback journal's file made and removed (BenchmarkOpenNew: 4.4 to 4.7 ms,
// now 2.8 to 3.4). The link does not replace a database that another stepd
// made in the meantime: that one is used. Where the file system has no hard
// links, the database is made in place (by migrate) as before.
func create(path string) error {
	removeStaleAsides(path)
	var tag [8]byte
	_, _ = rand.Read(tag[:])
	aside := path + ".new-" + hex.EncodeToString(tag[:])
	defer os.Remove(aside)
	db, err := sql.Open("sqlite", "file:"+aside+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return fmt.Errorf("sqlite: create: %w", err)
	}
	db.SetMaxOpenConns(1)
	err = migrate(context.Background(), db, Options{})
	if err == nil {
		// Written into the header: every connection opens it in WAL mode.
		_, err = db.Exec(`PRAGMA journal_mode=WAL`)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(aside)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	switch err := os.Link(aside, path); {
	case err == nil:
		if err := syncFile(filepath.Dir(path)); err != nil {
			return fmt.Errorf("sqlite: create %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
		// Another stepd made it first.
	default:
		// No hard links here: Open makes it in place.
	}
	return nil
}

// staleAside is how old a database being built beside its path must be to
// be a crash's leftover rather than another stepd's work in progress.
const staleAside = 10 * time.Minute

// removeStaleAsides removes what crashes left of databases built beside
// path.
func removeStaleAsides(path string) {
	names, _ := filepath.Glob(path + ".new-*")
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > staleAside {
			os.Remove(name)
		}
	}
}

// syncFile fsyncs the file or directory at path.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// migrate applies the embedded migrations newer than the database's schema,
// in the order of their numbers, in one transaction; a new database gets
// schema instead, unless opts.replay.
func migrate(ctx context.Context, db *sql.DB, opts Options) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	versions := make([]int, len(names))
	latest := 0
	for i, name := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: the name must start with its number", filepath.Base(name))
		}
		versions[i], latest = v, max(latest, v)
	}
	if opts.replay && opts.replayTo > 0 {
		latest = min(latest, opts.replayTo)
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if have > latest {
		return fmt.Errorf("sqlite: the database's schema (version %d) is newer than this stepd's (%d): upgrade stepd", have, latest)
	}
	if have == latest {
		return nil
	}
	// The pending migrations apply in one transaction: an upgrade leaves the
	// database at the old version or the new one, never between, and a new
	// database is made with one commit rather than one per migration
	// (opening a new database took 8 to 11 ms, now 5.5 to 7.5).
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	if have == 0 && !opts.replay {
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("sqlite: schema: %w", err)
		}
		have = latest
		for _, version := range versions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("sqlite: schema: %w", err)
			}
		}
	}
	for i, name := range names {
		base, version := filepath.Base(name), versions[i]
		if version <= have || version > latest {
			continue
		}
		text, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(text)); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// read scans rows into store's types; no row is store.ErrNotFound.
var read = sqlrow.Reader{NoRows: sql.ErrNoRows}

// collect scans every row with scan, and closes rows.
func collect[T any](rows *sql.Rows, scan func(sqlrow.Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return sqlrow.Collect(rows, scan)
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(ctx context.Context, sm *store.StateMachine, def *store.Definition) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO state_machines (arn, name, type, status, role_arn, revision_id, description, logging, tracing, created_ms, updated_ms, encryption)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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

func insertDefinition(ctx context.Context, tx *sql.Tx, def *store.Definition) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO definitions (revision_id, machine_arn, text, logging, tracing, created_ms) VALUES (?, ?, ?, ?, ?, ?)`,
		def.RevisionID, def.MachineARN, def.Text, def.Logging, def.Tracing, sqlrow.Millis(def.CreatedAt))
	return err
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// StateMachineGet implements store.Store.
func (s *Store) StateMachineGet(ctx context.Context, arn string) (*store.StateMachine, error) {
	return read.Machine(s.queryRow(ctx, `SELECT `+sqlrow.MachineColumns+` FROM state_machines WHERE arn = ?`, arn))
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(ctx context.Context, sm *store.StateMachine, def *store.Definition) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE state_machines SET type = ?, status = ?, role_arn = ?, revision_id = ?, description = ?, logging = ?, tracing = ?, updated_ms = ?, encryption = ? WHERE arn = ?`,
			sm.Type, sm.Status, sm.RoleARN, sm.RevisionID, sm.Description, sm.Logging, sm.Tracing, sqlrow.Millis(sm.UpdatedAt), sm.Encryption, sm.ARN)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn)
		return err
	})
}

// StateMachineDelete implements store.Store.
func (s *Store) StateMachineDelete(ctx context.Context, arn string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM state_machines WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		for _, q := range []string{
			`DELETE FROM tags WHERE resource_arn = ?1 OR resource_arn IN (SELECT arn FROM machine_versions WHERE machine_arn = ?1)
				OR resource_arn IN (SELECT arn FROM machine_aliases WHERE machine_arn = ?1)`,
			`DELETE FROM alias_routes WHERE alias_arn IN (SELECT arn FROM machine_aliases WHERE machine_arn = ?1)`,
			`DELETE FROM machine_aliases WHERE machine_arn = ?1`,
			`DELETE FROM machine_versions WHERE machine_arn = ?1`,
		} {
			if _, err := tx.ExecContext(ctx, q, arn); err != nil {
				return err
			}
		}
		return nil
	})
}

// StateMachineList implements store.Store.
func (s *Store) StateMachineList(ctx context.Context, after string, limit int) ([]*store.StateMachine, error) {
	rows, err := s.query(ctx, `SELECT `+sqlrow.MachineColumns+` FROM state_machines WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Machine)
}

// DefinitionGet implements store.Store.
func (s *Store) DefinitionGet(ctx context.Context, revisionID string) (*store.Definition, error) {
	var d store.Definition
	var created int64
	err := s.queryRow(ctx, `SELECT revision_id, machine_arn, text, logging, tracing, created_ms FROM definitions WHERE revision_id = ?`, revisionID).
		Scan(&d.RevisionID, &d.MachineARN, &d.Text, &d.Logging, &d.Tracing, &created)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err := s.w.ExecContext(ctx, `INSERT INTO activities (arn, name, created_ms) VALUES (?, ?, ?)`, a.ARN, a.Name, sqlrow.Millis(a.CreatedAt))
	if isUnique(err) {
		return store.ErrExists
	}
	return err
}

// ActivityGet implements store.Store.
func (s *Store) ActivityGet(ctx context.Context, arn string) (*store.Activity, error) {
	return read.Activity(s.queryRow(ctx, `SELECT `+sqlrow.ActivityColumns+` FROM activities WHERE arn = ?`, arn))
}

// ActivityDelete implements store.Store.
func (s *Store) ActivityDelete(ctx context.Context, arn string) error {
	return s.deleteWithTags(ctx, "activities", arn)
}

// ActivityList implements store.Store.
func (s *Store) ActivityList(ctx context.Context, after string, limit int) ([]*store.Activity, error) {
	rows, err := s.query(ctx, `SELECT `+sqlrow.ActivityColumns+` FROM activities WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Activity)
}

// TagsSet implements store.Store.
func (s *Store) TagsSet(ctx context.Context, arn string, tags []store.Tag) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
				ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, t.Key, t.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// TagsRemove implements store.Store.
func (s *Store) TagsRemove(ctx context.Context, arn string, keys []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`, arn, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// TagsList implements store.Store.
func (s *Store) TagsList(ctx context.Context, arn string) ([]store.Tag, error) {
	rows, err := s.query(ctx, `SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key`, arn)
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
	return read.ExecutionState(s.queryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE arn = ?`, arn))
}

// ExecutionGetByID implements store.Store.
func (s *Store) ExecutionGetByID(ctx context.Context, id int64) (*store.Execution, error) {
	return read.ExecutionState(s.queryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE id = ?`, id))
}

// ExecutionFind implements store.Store.
func (s *Store) ExecutionFind(ctx context.Context, machineARN, name string) (*store.Execution, error) {
	return read.ExecutionState(s.queryRow(ctx, `SELECT `+sqlrow.ExecutionColumns+`, state FROM executions WHERE machine_arn = ? AND name = ?`, machineARN, name))
}

// ExecutionList implements store.Store.
func (s *Store) ExecutionList(ctx context.Context, q store.ExecutionQuery) ([]*store.Execution, error) {
	var where []string
	var args []any
	if q.MachineARN != "" {
		where = append(where, "machine_arn = ?")
		args = append(args, q.MachineARN)
	}
	if q.MachinePrefix != "" {
		// A range rather than LIKE: exact for any characters (columns compare
		// bytewise), and indexable.
		where = append(where, "machine_arn >= ? AND machine_arn < ?")
		args = append(args, q.MachinePrefix, prefixEnd(q.MachinePrefix))
	}
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.MapRun != "" {
		where = append(where, "map_run = ?")
		args = append(args, q.MapRun)
	}
	if q.VersionARN != "" {
		where = append(where, "version_arn = ?")
		args = append(args, q.VersionARN)
	}
	if q.AliasARN != "" {
		where = append(where, "alias_arn = ?")
		args = append(args, q.AliasARN)
	}
	switch q.Redriven {
	case "REDRIVEN":
		where = append(where, "redrive_count > 0")
	case "NOT_REDRIVEN":
		where = append(where, "redrive_count = 0")
	}
	if q.After != nil {
		where = append(where, "(start_ms < ? OR (start_ms = ? AND id < ?))")
		args = append(args, sqlrow.Millis(q.After.StartTime), sqlrow.Millis(q.After.StartTime), q.After.ID)
	}
	query := `SELECT ` + sqlrow.ExecutionColumns + ` FROM executions`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY start_ms DESC, id DESC"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Execution)
}

// ExecutionRunningCount implements store.Store.
func (s *Store) ExecutionRunningCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM executions WHERE status = 'RUNNING'`).Scan(&n)
	return n, err
}

// ExecutionRunning implements store.Store.
func (s *Store) ExecutionRunning(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM executions WHERE status = 'RUNNING' AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row sqlrow.Scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	})
}

// ExecutionDelete implements store.Store.
func (s *Store) ExecutionDelete(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM executions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		for _, table := range []string{"history", "timers", "tasks"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE execution_id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// HistoryList implements store.Store.
func (s *Store) HistoryList(ctx context.Context, q store.HistoryQuery) ([]store.Event, error) {
	executionID, from, limit, reverse := q.ExecutionID, q.After, q.Limit, q.Reverse
	var rows *sql.Rows
	var err error
	if reverse {
		before := from
		if before == 0 {
			before = 1<<62 - 1
		}
		rows, err = s.query(ctx, `SELECT events FROM history WHERE execution_id = ? AND first_id < ? ORDER BY first_id DESC`, executionID, before)
	} else {
		rows, err = s.query(ctx, `SELECT events FROM history WHERE execution_id = ? AND last_id > ? ORDER BY first_id`, executionID, from)
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
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	return out, rows.Err()
}

// TimersClaim implements store.Store.
func (s *Store) TimersClaim(ctx context.Context, c store.TimerClaim) ([]store.Timer, error) {
	var out []store.Timer
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE timers SET claim_ms = ?, owner = ?
			WHERE (execution_id, timer_id) IN (SELECT execution_id, timer_id FROM timers WHERE claim_ms <= ? ORDER BY claim_ms, timer_id LIMIT ?)
			RETURNING execution_id, timer_id, due_ms`, c.Now.Add(c.Lease).UnixMilli(), c.Node, c.Now.UnixMilli(), c.Limit)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row sqlrow.Scanner) (store.Timer, error) {
			var t store.Timer
			var due int64
			err := row.Scan(&t.ExecutionID, &t.TimerID, &due)
			t.Due = sqlrow.Time(due)
			return t, err
		})
		return err
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
	var due sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MIN(claim_ms) FROM timers`).Scan(&due); err != nil {
		return time.Time{}, false, err
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	return sqlrow.Time(due.Int64), true, nil
}

// TimerList implements store.Store.
func (s *Store) TimerList(ctx context.Context, after store.TimerRef, limit int) ([]store.Timer, error) {
	rows, err := s.query(ctx, `SELECT execution_id, timer_id, due_ms FROM timers
		WHERE (execution_id, timer_id) > (?, ?) ORDER BY execution_id, timer_id LIMIT ?`, after.ExecutionID, after.TimerID, limit)
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := nodeLease(ctx, tx, node, until); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET owner = '' WHERE owner = ? AND status = 'pending'`, node); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE timers SET claim_ms = due_ms, owner = '' WHERE owner = ?`, node)
		return err
	})
}

// NodeLease implements store.Store.
func (s *Store) NodeLease(ctx context.Context, node string, until time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return nodeLease(ctx, tx, node, until) })
}

func nodeLease(ctx context.Context, tx *sql.Tx, node string, until time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO nodes (id, lease_ms) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET lease_ms = excluded.lease_ms`,
		node, until.UnixMilli())
	return err
}

// TasksAdopt implements store.Store.
func (s *Store) TasksAdopt(ctx context.Context, node string, now time.Time, limit int) ([]*store.Task, error) {
	var out []*store.Task
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE tasks SET owner = ?
			WHERE token IN (SELECT token FROM tasks WHERE status = 'pending' AND kind IN ('invoke', 'callback', 'child', 'maprun')
				AND owner NOT IN (SELECT id FROM nodes WHERE lease_ms >= ?) ORDER BY token LIMIT ?)
			RETURNING `+sqlrow.TaskColumns, node, now.UnixMilli(), limit)
		if err != nil {
			return err
		}
		out, err = collect(rows, read.Task)
		return err
	})
	slices.SortFunc(out, func(a, b *store.Task) int { return strings.Compare(a.Token, b.Token) })
	return out, err
}

// TaskGet implements store.Store.
func (s *Store) TaskGet(ctx context.Context, token string) (*store.Task, error) {
	return read.Task(s.queryRow(ctx, `SELECT `+sqlrow.TaskColumns+` FROM tasks WHERE token = ?`, token))
}

// TasksOpen implements store.Store.
func (s *Store) TasksOpen(ctx context.Context, kind store.TaskKind, statuses []store.TaskStatus, after string, limit int) ([]*store.Task, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := []any{kind}
	marks := make([]string, len(statuses))
	// tasks_open holds the tasks that are not closed; SQLite uses it only for
	// a query that says so in those words.
	open := " AND status <> 'closed'"
	for i, st := range statuses {
		marks[i] = "?"
		args = append(args, st)
		if st == store.TaskClosed {
			open = ""
		}
	}
	args = append(args, after, limit)
	rows, err := s.query(ctx, `SELECT `+sqlrow.TaskColumns+` FROM tasks WHERE kind = ? AND status IN (`+strings.Join(marks, ",")+`)`+open+` AND token > ? ORDER BY token LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.Task)
}

// ActivityTasksScheduled implements store.Store.
func (s *Store) ActivityTasksScheduled(ctx context.Context, activityARN string, limit int) ([]string, error) {
	// The limit is in the text: a bound LIMIT that changes between runs
	// makes SQLite prepare the statement again at every run (a sixth of
	// GetActivityTask's CPU). Pollers use a few limits, each prepared once.
	// Tokens only, from tasks_activity_queue alone: reading whole rows was
	// half of GetActivityTask's CPU.
	rows, err := s.query(ctx, `SELECT token FROM tasks
		WHERE activity_arn = ? AND status = 'scheduled' ORDER BY execution_id, created_ms, token LIMIT `+strconv.Itoa(max(limit, 0)), activityARN)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrow.String)
}

// Apply implements store.Store: one transaction for the whole batch. The
// Changes are applied straight; only if one fails is the batch rolled back and
// applied again with a savepoint per Change, so that the failed Change is
// undone alone. (Under a savepoint SQLite copies each page a Change touches
// to its statement journal, and a Change seldom fails.)
func (s *Store) Apply(ctx context.Context, changes []*store.Change) []error {
	err := s.applyAll(ctx, changes)
	switch {
	case err == nil:
		return make([]error, len(changes))
	case len(changes) == 1:
		return []error{err}
	}
	return s.applyEach(ctx, changes)
}

// applyAll applies every Change in one transaction and commits it if all of
// them hold; otherwise it rolls back and returns the first error.
func (s *Store) applyAll(ctx context.Context, changes []*store.Change) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	w := s.writes.in(ctx, tx)
	for _, c := range changes {
		if err := w.apply(ctx, tx, c); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// applyEach applies the Changes in one transaction, each under a savepoint
// that undoes it alone if it fails, and returns each one's outcome.
func (s *Store) applyEach(ctx context.Context, changes []*store.Change) []error {
	errs := make([]error, len(changes))
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("sqlite: begin: %w", err)
		}
		return errs
	}
	w := s.writes.in(ctx, tx)
	for i, c := range changes {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT change`); err != nil {
			errs[i] = err
			continue
		}
		if err := w.apply(ctx, tx, c); err != nil {
			errs[i] = err
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO change`); rerr != nil {
				errs[i] = errors.Join(err, rerr)
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE change`); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
	}
	return errs
}

// writeStmts are the statements that apply a Change, compiled once on the
// writer's connection when the store opens: SQLite would otherwise compile
// each one again at every use (a tenth of stepd's CPU under the activities
// workload, when the guarded task updates were compiled each time).
type writeStmts struct {
	createExec, updateExec, appendHistory, armTimer, cancelTimer, addTask *sql.Stmt
	updateTask, updateMapItem                                             *sql.Stmt
	// stepExec is updateExec without the status, for a step that keeps it:
	// SQLite rewrites the entry of every index on a column an UPDATE sets,
	// changed or not, and executions_running is on status (a page more in
	// nearly every commit).
	stepExec *sql.Stmt
}

// A guarded update's statement takes the statuses it moves from as a list
// of fromSlots parameters, after its other ones: there are six task
// statuses and six item statuses, so any list of distinct ones fits, padded
// with its first (guarded). A longer list is compiled at its use.
const fromSlots = 6

// The guarded updates' statements up to their list of statuses, and how
// many parameters come before it.
const (
	updateTaskArgs    = 5
	updateMapItemArgs = 8
)

const updateTaskSQL = `UPDATE tasks SET status = ?1,
			worker = CASE WHEN ?2 = '' THEN worker ELSE ?2 END,
			closed_reason = CASE WHEN ?3 = '' THEN closed_reason ELSE ?3 END,
			child = CASE WHEN ?5 = '' THEN child ELSE ?5 END
			WHERE token = ?4 AND status IN (`

const updateMapItemSQL = `UPDATE map_items SET status = ?1,
			child = CASE WHEN ?2 = '' THEN child ELSE ?2 END,
			output = CASE WHEN ?3 THEN ?4 ELSE output END,
			error = CASE WHEN ?3 THEN ?5 ELSE error END,
			cause = CASE WHEN ?3 THEN ?6 ELSE cause END
			WHERE run = ?7 AND idx = ?8 AND status IN (`

// inList is "?first, ..." for n parameters, closed by ")".
func inList(first, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = "?" + strconv.Itoa(first+i)
	}
	return strings.Join(marks, ",") + ")"
}

// guarded runs a guarded update: st, prepared with fromSlots statuses after
// args, with from padded to them by its first ("", which no row has, for
// none); a longer from runs text (st's, to its list) compiled for it. It
// returns how many rows moved.
func guarded[S ~string](ctx context.Context, tx *sql.Tx, st *sql.Stmt, text string, args []any, from []S) (int64, error) {
	var pad S
	if len(from) > 0 {
		pad = from[0]
	}
	for i := range max(len(from), fromSlots) {
		if i < len(from) {
			args = append(args, from[i])
		} else {
			args = append(args, pad)
		}
	}
	var res sql.Result
	var err error
	if len(from) <= fromSlots {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = tx.ExecContext(ctx, text+inList(len(args)-len(from)+1, len(from)), args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// stepColumns are what a step sets of an execution's row (parameters 1 to
// 10); updateExec and stepExec take the same parameters, then the row's ID,
// its expected version and its status (11 to 13).
const stepColumns = `output = ?1, error = ?2, cause = ?3, stop_ms = ?4, state = ?5, version = ?6, last_event_id = ?7,
			redrive_count = ?8, redrive_ms = ?9, redrive_token = ?10`

func prepareWrites(ctx context.Context, db *sql.DB) (*writeStmts, error) {
	var w writeStmts
	for _, st := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.createExec, `INSERT INTO executions (arn, machine_arn, name, revision_id, status, input, output, error, cause, start_ms, stop_ms, state, version, last_event_id, trace_header, parent, parent_waits, map_run, map_item, version_arn, alias_arn, redrive_count, redrive_ms, redrive_token)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`},
		{&w.updateExec, `UPDATE executions SET ` + stepColumns + `, status = ?13 WHERE id = ?11 AND version = ?12`},
		{&w.stepExec, `UPDATE executions SET ` + stepColumns + ` WHERE id = ?11 AND version = ?12 AND status = ?13`},
		{&w.appendHistory, `INSERT INTO history (execution_id, first_id, last_id, events) VALUES (?, ?, ?, ?)`},
		{&w.armTimer, `INSERT OR REPLACE INTO timers (execution_id, timer_id, due_ms, claim_ms, owner) VALUES (?, ?, ?, ?, '')`},
		{&w.cancelTimer, `DELETE FROM timers WHERE execution_id = ? AND timer_id = ?`},
		{&w.addTask, `INSERT INTO tasks (token, execution_id, task_id, kind, activity_arn, status, dispatch, owner, worker, child, created_ms, closed_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updateTask, updateTaskSQL + inList(updateTaskArgs+1, fromSlots)},
		{&w.updateMapItem, updateMapItemSQL + inList(updateMapItemArgs+1, fromSlots)},
	} {
		var err error
		if *st.dst, err = db.PrepareContext(ctx, st.query); err != nil {
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
	}
	return &w, nil
}

// in returns the statements bound to tx.
func (w *writeStmts) in(ctx context.Context, tx *sql.Tx) *writeStmts {
	return &writeStmts{
		createExec: tx.StmtContext(ctx, w.createExec), updateExec: tx.StmtContext(ctx, w.updateExec),
		appendHistory: tx.StmtContext(ctx, w.appendHistory), armTimer: tx.StmtContext(ctx, w.armTimer),
		cancelTimer: tx.StmtContext(ctx, w.cancelTimer), addTask: tx.StmtContext(ctx, w.addTask),
		updateTask: tx.StmtContext(ctx, w.updateTask), updateMapItem: tx.StmtContext(ctx, w.updateMapItem),
		stepExec: tx.StmtContext(ctx, w.stepExec),
	}
}

// apply applies one Change in tx; w are the statements bound to tx.
func (w *writeStmts) apply(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	execID := int64(0)
	if x := c.Execution; x != nil {
		var output any
		if x.HasOutput {
			output = x.Output
		}
		var state any
		if len(x.State) > 0 {
			state = x.State
		}
		if c.ExpectVersion == 0 {
			err := w.createExec.QueryRowContext(ctx,
				x.ARN, x.MachineARN, x.Name, x.RevisionID, x.Status, x.Input, output, x.Error, x.Cause, sqlrow.Millis(x.StartTime), sqlrow.Millis(x.StopTime),
				state, x.Version, x.LastEventID, x.TraceHeader, x.Parent, x.ParentWaits, x.MapRun, x.MapItem, x.VersionARN, x.AliasARN, x.RedriveCount, sqlrow.Millis(x.RedriveTime), x.RedriveToken).Scan(&x.ID)
			if isUnique(err) {
				return store.ErrExists
			}
			if err != nil {
				return err
			}
		} else {
			st := w.updateExec
			if c.SameStatus {
				st = w.stepExec
			}
			res, err := st.ExecContext(ctx, output, x.Error, x.Cause, sqlrow.Millis(x.StopTime), state, x.Version, x.LastEventID,
				x.RedriveCount, sqlrow.Millis(x.RedriveTime), x.RedriveToken, x.ID, c.ExpectVersion, x.Status)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return store.ErrConflict
			}
		}
		execID = x.ID
	}
	for _, u := range c.TaskUpdates {
		n, err := guarded(ctx, tx, w.updateTask, updateTaskSQL, []any{u.To, u.Worker, u.ClosedReason, u.Token, u.Child}, u.From)
		if err != nil {
			return err
		}
		if n == 0 && !u.Optional {
			return store.ErrConflict
		}
	}
	for _, u := range c.MapItemUpdates {
		n, err := guarded(ctx, tx, w.updateMapItem, updateMapItemSQL,
			[]any{u.To, u.Child, u.Result, nullable(u.Output, u.HasOutput), u.Error, u.Cause, u.Run, u.Index}, u.From)
		if err != nil {
			return err
		}
		if n == 0 && !u.Optional {
			return store.ErrConflict
		}
	}
	if len(c.Events) > 0 {
		if _, err := w.appendHistory.ExecContext(ctx,
			execID, c.Events[0].ID, c.Events[len(c.Events)-1].ID, chunk.Encode(c.Events)); err != nil {
			return err
		}
	}
	for _, t := range c.AddTimers {
		id := t.ExecutionID
		if id == 0 {
			id = execID
		}
		if _, err := w.armTimer.ExecContext(ctx, id, t.TimerID, sqlrow.Millis(t.Due), sqlrow.Millis(t.Due)); err != nil {
			return err
		}
	}
	for _, r := range c.CancelTimers {
		id := r.ExecutionID
		if id == 0 {
			id = execID
		}
		if _, err := w.cancelTimer.ExecContext(ctx, id, r.TimerID); err != nil {
			return err
		}
	}
	for _, t := range c.AddTasks {
		id := t.ExecutionID
		if id == 0 {
			id = execID
		}
		_, err := w.addTask.ExecContext(ctx, t.Token, id, t.TaskID, t.Kind, t.ActivityARN, t.Status, t.Dispatch, t.Owner, t.Worker, t.Child, sqlrow.Millis(t.Created), t.ClosedReason)
		if isUnique(err) {
			return store.ErrExists
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd returns the least string greater than every string that starts
// with prefix (prefix with its last byte below 0xff incremented, shorter
// ones dropped); "\xff..." has none, and gets a string above any ARN.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\xff\xff\xff\xff"
}

// nullable is a value for a nullable column: nil unless set.
func nullable(v string, set bool) any {
	if !set {
		return nil
	}
	return v
}

// MapRunCreate implements store.Store.
func (s *Store) MapRunCreate(ctx context.Context, r *store.MapRun) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO map_runs (`+sqlrow.MapRunColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sqlrow.MapRunValues(r)...)
		if isUnique(err) {
			return store.ErrExists
		}
		return err
	})
}

// MapRunGet implements store.Store.
func (s *Store) MapRunGet(ctx context.Context, arn string) (*store.MapRun, error) {
	return read.MapRun(s.queryRow(ctx, `SELECT `+sqlrow.MapRunColumns+` FROM map_runs WHERE arn = ?`, arn))
}

// MapRunUpdate implements store.Store.
func (s *Store) MapRunUpdate(ctx context.Context, r *store.MapRun) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE map_runs SET status = ?, max_concurrency = ?, tolerated_count = ?, tolerated_percent = ?,
			loaded = ?, total = ?, error = ?, cause = ?, stop_ms = ?, redrive_count = ?, redrive_ms = ? WHERE arn = ?`,
			r.Status, r.MaxConcurrency, r.ToleratedFailureCount, r.ToleratedFailurePercentage, r.Loaded, r.Total, r.Error, r.Cause,
			sqlrow.Millis(r.StopTime), r.RedriveCount, sqlrow.Millis(r.RedriveTime), r.ARN)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// MapRunConfigure implements store.Store.
func (s *Store) MapRunConfigure(ctx context.Context, arn string, c store.MapRunConfig) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE map_runs SET max_concurrency = COALESCE(?, max_concurrency),
			tolerated_count = COALESCE(?, tolerated_count), tolerated_percent = COALESCE(?, tolerated_percent)
			WHERE arn = ? AND status = 'RUNNING'`, c.MaxConcurrency, c.ToleratedFailureCount, c.ToleratedFailurePercentage, arn)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM map_runs WHERE arn = ?`, arn).Scan(&status); errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		return store.ErrConflict
	})
}

// MapRunList implements store.Store.
func (s *Store) MapRunList(ctx context.Context, executionARN, after string, limit int) ([]*store.MapRun, error) {
	rows, err := s.query(ctx, `SELECT `+sqlrow.MapRunColumns+` FROM map_runs WHERE execution_arn = ? AND arn > ? ORDER BY arn LIMIT ?`,
		executionARN, after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.MapRun)
}

// MapItemsAdd implements store.Store.
func (s *Store) MapItemsAdd(ctx context.Context, runARN string, items []store.MapItem) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO map_items (run, idx, input, items, status, child, output, error, cause)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, idx) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, it := range items {
			if _, err := stmt.ExecContext(ctx, runARN, it.Index, it.Input, max(it.Items, 1), it.Status, it.Child, nullable(it.Output, it.HasOutput), it.Error, it.Cause); err != nil {
				return err
			}
		}
		return nil
	})
}

// MapItemsList implements store.Store.
func (s *Store) MapItemsList(ctx context.Context, q store.MapItemQuery) ([]store.MapItem, error) {
	query := `SELECT ` + sqlrow.MapItemColumns + ` FROM map_items WHERE run = ? AND idx > ?`
	args := []any{q.Run, q.After}
	if len(q.Statuses) > 0 {
		marks := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			marks[i] = "?"
			args = append(args, st)
		}
		query += ` AND status IN (` + strings.Join(marks, ",") + `)`
	}
	query += ` ORDER BY idx`
	if q.Limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, read.MapItem)
}

// MapItemCounts implements store.Store.
func (s *Store) MapItemCounts(ctx context.Context, runARN string) (map[store.MapItemStatus]store.MapItemCount, error) {
	rows, err := s.query(ctx, `SELECT status, COUNT(*), SUM(items) FROM map_items WHERE run = ? GROUP BY status`, runARN)
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
