package sqlite_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/sqlite"
	"github.com/stepd/stepd/store/storetest"
)

// openTemp opens a store in a fresh directory, with NORMAL sync (the
// tests' durability is not power loss's), closed when tb ends.
func openTemp(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(filepath.Join(tb.TempDir(), "stepd.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return openTemp(t)
	})
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepd.db")
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ActivityCreate(t.Context(), &store.Activity{ARN: "arn:a", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.ActivityGet(t.Context(), "arn:a"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

// TestNewerSchemaIsRefused: a stepd older than its database's schema stops.
func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepd.db")
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlite.ExecForTest(s, `INSERT INTO schema_migrations (version, applied_ms) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := sqlite.Open(path, sqlite.Options{}); err == nil {
		t.Fatal("a database of a newer schema was opened")
	}
}

// BenchmarkApply commits batches of 16 Changes, as the engine's committer
// does under load: each starts an execution with its first history chunk and
// a timer, or steps one (a version-guarded update, a chunk, the timer
// cancelled and a task added).
func BenchmarkApply(b *testing.B) {
	s := openTemp(b)
	const batch = 16
	event := store.Event{JSON: []byte(`{"type":"PassStateExited","stateExitedEventDetails":{"name":"S","output":"{\"n\":1}"}}`)}
	chunk := func(first int64) []store.Event {
		evs := make([]store.Event, 4)
		for i := range evs {
			evs[i] = event
			evs[i].ID = first + int64(i)
		}
		return evs
	}
	n := 0
	for b.Loop() {
		starts := make([]*store.Execution, batch)
		changes := make([]*store.Change, batch)
		for i := range changes {
			n++
			x := &store.Execution{ARN: fmt.Sprint("arn:x:", n), MachineARN: "arn:m", Name: fmt.Sprint(n), RevisionID: "r",
				Status: "RUNNING", Input: `{"n":1}`, State: make([]byte, 200), Version: 1, LastEventID: 4}
			starts[i] = x
			changes[i] = &store.Change{Execution: x, Events: chunk(1), AddTimers: []store.Timer{{TimerID: 1, Due: time.UnixMilli(int64(n))}}}
		}
		for _, err := range s.Apply(b.Context(), changes) {
			if err != nil {
				b.Fatal(err)
			}
		}
		for i, x := range starts {
			step := *x
			step.Version, step.LastEventID = 2, 8
			changes[i] = &store.Change{Execution: &step, ExpectVersion: 1, SameStatus: true, Events: chunk(5),
				CancelTimers: []store.TimerRef{{ExecutionID: x.ID, TimerID: 1}},
				AddTasks:     []*store.Task{{Token: x.ARN, TaskID: 1, Kind: store.TaskInvoke, Status: store.TaskPending, Dispatch: make([]byte, 100)}}}
		}
		for _, err := range s.Apply(b.Context(), changes) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// A guarded update moves from any of its statuses, however many it lists:
// up to six go through the prepared statement, more through one compiled
// for them.
func TestTaskUpdateFromStatuses(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := t.Context()
	many := []store.TaskStatus{store.TaskPending, store.TaskWaiting, store.TaskDone, store.TaskClosed, store.TaskStarted, store.TaskPending, store.TaskScheduled}
	for i, from := range [][]store.TaskStatus{{store.TaskScheduled}, many[1:], many, nil} {
		x := &store.Execution{ARN: fmt.Sprint("arn:x:", i), MachineARN: "arn:m", Name: fmt.Sprint(i), RevisionID: "r", Status: "RUNNING", Input: "{}", Version: 1}
		task := &store.Task{Token: x.ARN, TaskID: 1, Kind: store.TaskActivity, ActivityARN: "arn:a", Status: store.TaskScheduled, Dispatch: []byte("{}")}
		if err := s.Apply(ctx, []*store.Change{{Execution: x, AddTasks: []*store.Task{task}}})[0]; err != nil {
			t.Fatal(err)
		}
		err := s.Apply(ctx, []*store.Change{{TaskUpdates: []store.TaskUpdate{store.TaskMove(x.ARN, store.TaskStarted, from...)}}})[0]
		got, gerr := s.TaskGet(ctx, x.ARN)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if moves := len(from) > 0 && from[len(from)-1] == store.TaskScheduled; moves {
			if err != nil || got.Status != store.TaskStarted {
				t.Errorf("from %v: %v, status %s; want started", from, err, got.Status)
			}
		} else if err != store.ErrConflict || got.Status != store.TaskScheduled {
			t.Errorf("from %v: %v, status %s; want a conflict and scheduled", from, err, got.Status)
		}
	}
}

// A step that says it keeps the status updates the row, and is refused if
// the row's status is not the one it names.
func TestSameStatusStep(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := t.Context()
	x := &store.Execution{ARN: "arn:x", MachineARN: "arn:m", Name: "x", RevisionID: "r", Status: "RUNNING", Input: "{}", Version: 1, LastEventID: 1}
	if err := s.Apply(ctx, []*store.Change{{Execution: x}})[0]; err != nil {
		t.Fatal(err)
	}
	step := *x
	step.Version, step.LastEventID = 2, 3
	if err := s.Apply(ctx, []*store.Change{{Execution: &step, ExpectVersion: 1, SameStatus: true}})[0]; err != nil {
		t.Fatal(err)
	}
	wrong := step
	wrong.Version, wrong.Status = 3, "SUCCEEDED"
	if err := s.Apply(ctx, []*store.Change{{Execution: &wrong, ExpectVersion: 2, SameStatus: true}})[0]; err != store.ErrConflict {
		t.Errorf("a status change said to keep the status: %v, want a conflict", err)
	}
	got, err := s.ExecutionGetByID(ctx, x.ID)
	if err != nil || got.Version != 2 || got.LastEventID != 3 || got.Status != "RUNNING" {
		t.Fatalf("%+v %v", got, err)
	}
}

// BenchmarkApplyTaskUpdates commits the activity path's changes in batches
// of 16, as the committer does: a version-guarded step of an execution with a
// history chunk and a guarded task update (a worker takes its scheduled
// task, then answers it).
func BenchmarkApplyTaskUpdates(b *testing.B) {
	s := openTemp(b)
	const batch = 16
	event := store.Event{JSON: []byte(`{"type":"ActivityStarted","activityStartedEventDetails":{"workerName":"w"}}`)}
	n := 0
	apply := func(changes []*store.Change) {
		for _, err := range s.Apply(b.Context(), changes) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		b.StopTimer()
		xs := make([]*store.Execution, batch)
		changes := make([]*store.Change, batch)
		for i := range changes {
			n++
			x := &store.Execution{ARN: fmt.Sprint("arn:x:", n), MachineARN: "arn:m", Name: fmt.Sprint(n), RevisionID: "r",
				Status: "RUNNING", Input: `{"n":1}`, State: make([]byte, 200), Version: 1, LastEventID: 1}
			xs[i] = x
			changes[i] = &store.Change{Execution: x, Events: []store.Event{{ID: 1, JSON: event.JSON}},
				AddTasks: []*store.Task{{Token: x.ARN, TaskID: 1, Kind: store.TaskActivity, ActivityARN: "arn:a", Status: store.TaskScheduled, Dispatch: make([]byte, 100)}}}
		}
		apply(changes)
		b.StartTimer()
		for _, to := range []store.TaskStatus{store.TaskStarted, store.TaskClosed} {
			for i, x := range xs {
				x.Version++
				x.LastEventID++
				step := *x
				from := store.TaskScheduled
				if to == store.TaskClosed {
					from = store.TaskStarted
				}
				changes[i] = &store.Change{Execution: &step, ExpectVersion: x.Version - 1, SameStatus: true, Events: []store.Event{{ID: x.LastEventID, JSON: event.JSON}},
					TaskUpdates: []store.TaskUpdate{store.TaskClose(x.ARN, store.ReasonSucceeded, from)}}
				if to == store.TaskStarted {
					changes[i].TaskUpdates = []store.TaskUpdate{store.TaskStart(x.ARN, "worker")}
				}
			}
			apply(changes)
		}
	}
}

// BenchmarkReads runs the reads of the activity path (a task by token, an
// execution by ID, the head of an activity's queue and the task a poller
// takes from it) from 4 goroutines, on
// 1,000 executions with a scheduled activity task each.
func BenchmarkReads(b *testing.B) {
	s := openTemp(b)
	const n = 1000
	var changes []*store.Change
	for i := range n {
		x := &store.Execution{ARN: fmt.Sprint("arn:x:", i), MachineARN: "arn:m", Name: fmt.Sprint(i), RevisionID: "r",
			Status: "RUNNING", Input: `{"n":1}`, State: make([]byte, 200), Version: 1, LastEventID: 4}
		changes = append(changes, &store.Change{Execution: x, AddTasks: []*store.Task{{Token: fmt.Sprint("tok", i), TaskID: 1,
			Kind: store.TaskActivity, ActivityARN: "arn:act", Status: store.TaskScheduled, Dispatch: make([]byte, 100), Created: time.UnixMilli(int64(i))}}})
	}
	for _, err := range s.Apply(b.Context(), changes) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(2)
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := i.Add(1) % n
			t, err := s.TaskGet(b.Context(), fmt.Sprint("tok", k))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ExecutionGetByID(b.Context(), t.ExecutionID); err != nil {
				b.Fatal(err)
			}
			list, err := s.ActivityTasksScheduled(b.Context(), "arn:act", 8)
			if err != nil || len(list) != 8 {
				b.Fatal(list, err)
			}
			if _, err := s.TaskGet(b.Context(), list[0]); err != nil { // the task a poller takes
				b.Fatal(err)
			}
		}
	})
}

// TestRevisionConfigurationsMigration upgrades a database from before
// migration 0007: its revisions read with no logging or tracing, and new
// revisions keep theirs.
func TestRevisionConfigurationsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepd.db")
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	sm := &store.StateMachine{ARN: arn, Name: "m", Type: "STANDARD", Status: "ACTIVE", RevisionID: "r1"}
	if err := s.StateMachineCreate(t.Context(), sm, &store.Definition{RevisionID: "r1", MachineARN: arn, Text: "{}", Logging: `{"level":"ALL"}`}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE definitions DROP COLUMN logging`, `ALTER TABLE definitions DROP COLUMN tracing`,
		`DELETE FROM schema_migrations WHERE version >= 7`} {
		if err := sqlite.ExecForTest(s, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if d, err := s.DefinitionGet(t.Context(), "r1"); err != nil || d.Text != "{}" || d.Logging != "" || d.Tracing != "" {
		t.Fatalf("old revision after the upgrade: %+v, %v", d, err)
	}
	sm.RevisionID = "r2"
	if err := s.StateMachineUpdate(t.Context(), sm, &store.Definition{RevisionID: "r2", MachineARN: arn, Text: "{}", Tracing: `{"enabled":true}`}); err != nil {
		t.Fatal(err)
	}
	if d, err := s.DefinitionGet(t.Context(), "r2"); err != nil || d.Tracing != `{"enabled":true}` {
		t.Fatalf("new revision: %+v, %v", d, err)
	}
}

// BenchmarkOpenNew opens a store on a fresh directory, FULL sync, and closes
// it: the store's share of stepd serve's cold start.
func BenchmarkOpenNew(b *testing.B) {
	dir := b.TempDir()
	for i := range b.N {
		s, err := sqlite.Open(filepath.Join(dir, strconv.Itoa(i), "stepd.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// TestNewDatabaseIsBuiltAside: a new database is made beside its path and
// linked into place in WAL mode; what a crash left beside it long ago is
// removed, what another stepd is building now is left alone.
func TestNewDatabaseIsBuiltAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepd.db")
	stale, fresh := path+".new-0123456789abcdef", path+".new-fedcba9876543210"
	for _, name := range []string{stale, fresh} {
		if err := os.WriteFile(name, []byte("half a database"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the crash's leftover %s is still there (%v)", stale, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("another stepd's database in progress was removed: %v", err)
	}
	if names, _ := filepath.Glob(path + ".new-*"); len(names) != 1 {
		t.Errorf("beside the database: %v, want only %s", names, fresh)
	}
	header := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, header); err != nil {
		t.Fatal(err)
	}
	if string(header[:16]) != "SQLite format 3\x00" || header[18] != 2 || header[19] != 2 {
		t.Fatalf("header %q: want an SQLite database in WAL mode (bytes 18 and 19 = 2)", header)
	}
	if err := s.ActivityCreate(t.Context(), &store.Activity{ARN: "arn:a", Name: "a"}); err != nil {
		t.Fatal(err)
	}
}

// TestNewDatabaseRace: stores opened at once on the same new path all open
// the one database (the link does not replace one made in the meantime).
func TestNewDatabaseRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepd.db")
	const n = 4
	stores := make([]*sqlite.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = sqlite.Open(path, sqlite.Options{})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("store %d: %v", i, errs[i])
		}
		defer stores[i].Close()
	}
	for i := range n {
		if err := stores[i].ActivityCreate(t.Context(), &store.Activity{ARN: fmt.Sprintf("arn:%d", i), Name: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		for j := range n {
			if _, err := stores[i].ActivityGet(t.Context(), fmt.Sprintf("arn:%d", j)); err != nil {
				t.Fatalf("store %d does not see store %d's activity: they opened different databases (%v)", i, j, err)
			}
		}
	}
}
