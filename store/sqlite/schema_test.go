package sqlite

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write schema.sql from the migrations")

// dumpSchema is the schema of the database at path as a script: every
// table's and index's SQL as SQLite keeps it, in the order they were made.
func dumpSchema(t *testing.T, path string, opts Options) string {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.w.QueryContext(context.Background(),
		`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name <> 'schema_migrations' ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	b.WriteString(schemaHeader)
	for rows.Next() {
		var sql string
		if err := rows.Scan(&sql); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n" + sql + ";\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := s.w.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if names, _ := filepath.Glob("migrations/*.sql"); versions != len(names) {
		t.Errorf("%d migrations recorded, want %d", versions, len(names))
	}
	return b.String()
}

const schemaHeader = `-- The schema that migrations/ make, as SQLite keeps it: a new database is
-- made with this script. Written by go test ./store/sqlite -run TestSchema -update;
-- do not edit: add a migration instead.
`

// A new database made with schema.sql is the one the migrations make.
func TestSchemaIsTheMigrations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	replayed := dumpSchema(t, filepath.Join(dir, "replayed.db"), Options{replay: true})
	if *update {
		if err := os.WriteFile("schema.sql", []byte(replayed), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if schema != replayed {
		t.Fatalf("schema.sql is not what the migrations make: go test ./store/sqlite -run TestSchema -update\n--- schema.sql\n%s\n--- migrations\n%s", schema, replayed)
	}
	if made := dumpSchema(t, filepath.Join(dir, "made.db"), Options{}); made != replayed {
		t.Fatalf("a database made with schema.sql differs from one the migrations make:\n--- made\n%s\n--- migrations\n%s", made, replayed)
	}
}

// upgraded makes a database of the schema of migration version, runs seed
// on it, and opens it again as stepd does, which applies the migrations
// after version; the store is closed when t ends.
func upgraded(t *testing.T, version int, seed string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stepd.db")
	old, err := Open(path, Options{replay: true, replayTo: version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.w.Exec(seed); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("upgrade from version %d: %v", version, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestTasksKeepTheirRowsThroughWithoutRowid: migration 11 remakes tasks as
// a WITHOUT ROWID table; the tasks of a database made before it are all
// there after it, and still found by the activity queue.
func TestTasksKeepTheirRowsThroughWithoutRowid(t *testing.T) {
	t.Parallel()
	s := upgraded(t, 10, `INSERT INTO tasks (token, execution_id, task_id, kind, activity_arn, status, dispatch, worker, created_ms, closed_reason, owner, child)
		VALUES ('t1', 7, 3, 'activity', 'arn:a', 'scheduled', x'7b7d', '', 1000, '', 'n1', ''),
		       ('t2', 8, 1, 'callback', '', 'started', x'7b7d', 'w', 2000, '', '', '')`)
	var withoutRowid int
	if err := s.w.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'tasks' AND sql LIKE '%WITHOUT ROWID'`).Scan(&withoutRowid); err != nil || withoutRowid != 1 {
		t.Fatalf("tasks is not WITHOUT ROWID after the upgrade (%v)", err)
	}
	for token, want := range map[string]string{"t1": "7 3 activity scheduled n1", "t2": "8 1 callback started "} {
		task, err := s.TaskGet(t.Context(), token)
		if err != nil {
			t.Fatalf("%s: %v", token, err)
		}
		if got := fmt.Sprintf("%d %d %s %s %s", task.ExecutionID, task.TaskID, task.Kind, task.Status, task.Owner); got != want {
			t.Errorf("%s: %s, want %s", token, got, want)
		}
	}
	queued, err := s.ActivityTasksScheduled(t.Context(), "arn:a", 10)
	if err != nil || len(queued) != 1 || queued[0] != "t1" {
		t.Fatalf("activity queue %v (%v), want [t1]", queued, err)
	}
}

// TestHistoryKeepsItsChunksThroughCommitOrder: migration 12 remakes history
// in the order chunks were written; the chunks of a database made before it
// are all there after it, read in event order, and new ones follow them.
func TestHistoryKeepsItsChunksThroughCommitOrder(t *testing.T) {
	t.Parallel()
	// Two executions' chunks, written interleaved and out of key order.
	s := upgraded(t, 11, `INSERT INTO history (execution_id, first_id, last_id, events) VALUES
		(2, 1, 2, 'b1'), (1, 3, 3, 'a2'), (1, 1, 2, 'a1'), (2, 3, 5, 'b2')`)
	if _, err := s.w.Exec(`INSERT INTO history (execution_id, first_id, last_id, events) VALUES (1, 4, 4, 'a3')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO history (execution_id, first_id, last_id, events) VALUES (1, 4, 4, 'again')`); err == nil {
		t.Error("a second chunk at the same first event was accepted")
	}
	for exec, want := range map[int]string{1: "a1 a2 a3", 2: "b1 b2"} {
		rows, err := s.r.Query(`SELECT events FROM history WHERE execution_id = ? AND last_id > 0 ORDER BY first_id`, exec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var ev string
			if err := rows.Scan(&ev); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev)
		}
		rows.Close()
		if strings.Join(got, " ") != want {
			t.Errorf("execution %d: chunks %v, want %s", exec, got, want)
		}
	}
}
