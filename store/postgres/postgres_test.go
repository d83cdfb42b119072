package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/postgres"
	"github.com/stepd/stepd/store/postgres/pgtest"
	"github.com/stepd/stepd/store/storetest"
)

func TestStore(t *testing.T) {
	pgtest.URL(t)
	storetest.Exercise(t, func(t *testing.T) store.Store { return pgtest.Open(t) })
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ActivityCreate(ctx, &store.Activity{ARN: "arn:a", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.ActivityGet(ctx, "arn:a"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

// TestNotifications: a commit that arms a timer or queues an activity task
// notifies every listener, and Notify reaches them too.
func TestNotifications(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := make(chan store.Notification, 16)
	ready := make(chan struct{})
	listenCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Listen(listenCtx, func() { close(ready) }, func(n store.Notification) { got <- n }) }()
	<-ready

	due := time.Now().Add(time.Second).Truncate(time.Millisecond).UTC()
	x := &store.Execution{ARN: "arn:x", MachineARN: "arn:m", Name: "x", RevisionID: "r", Status: "RUNNING", Input: "{}", Version: 1}
	errs := a.Apply(ctx, []*store.Change{{Execution: x,
		AddTimers: []store.Timer{{TimerID: 1, Due: due.Add(time.Second)}, {TimerID: 2, Due: due}},
		AddTasks:  []*store.Task{{Token: "t", TaskID: 1, Kind: store.TaskActivity, ActivityARN: "arn:act", Status: store.TaskScheduled, Dispatch: []byte("{}")}}}})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if err := a.Notify(ctx, store.Notification{Kind: store.NotifyCancel, Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	want := map[store.NotificationKind]bool{store.NotifyTimer: true, store.NotifyActivity: true, store.NotifyCancel: true}
	for len(want) > 0 {
		select {
		case n := <-got:
			switch n.Kind {
			case store.NotifyTimer:
				if !n.Due.Equal(due) {
					t.Errorf("timer notification due %v, want the earliest %v", n.Due, due)
				}
			case store.NotifyActivity:
				if n.ActivityARN != "arn:act" {
					t.Errorf("activity %q", n.ActivityARN)
				}
			case store.NotifyCancel:
				if n.Token != "tok" {
					t.Errorf("token %q", n.Token)
				}
			}
			delete(want, n.Kind)
		case <-ctx.Done():
			t.Fatalf("notifications missing: %v", want)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Listen after its context ended: %v", err)
	}
}

// TestNewerSchemaIsRefused: a stepd older than its database's schema stops.
func TestNewerSchemaIsRefused(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.ExecForTest(ctx, s, `INSERT INTO schema_migrations (version, applied_ms) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := postgres.Open(ctx, url, postgres.Options{Schema: schema}); err == nil {
		t.Fatal("a database of a newer schema was opened")
	}
}

// TestRevisionConfigurationsMigration upgrades a database from before
// migration 0006: its revisions read with no logging or tracing.
func TestRevisionConfigurationsMigration(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	sm := &store.StateMachine{ARN: arn, Name: "m", Type: "STANDARD", Status: "ACTIVE", RevisionID: "r1"}
	if err := s.StateMachineCreate(ctx, sm, &store.Definition{RevisionID: "r1", MachineARN: arn, Text: "{}", Logging: `{"level":"ALL"}`}); err != nil {
		t.Fatal(err)
	}
	if err := postgres.ExecForTest(ctx, s, `ALTER TABLE definitions DROP COLUMN logging, DROP COLUMN tracing; DELETE FROM schema_migrations WHERE version >= 6`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if d, err := s.DefinitionGet(ctx, "r1"); err != nil || d.Text != "{}" || d.Logging != "" || d.Tracing != "" {
		t.Fatalf("old revision after the upgrade: %+v, %v", d, err)
	}
}
