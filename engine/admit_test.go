package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A node that is not busy admits every start at once; one that is admits
// its slots' worth, and the next start waits for a slot, or for its
// context or the engine to end.
func TestAdmission(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	unlimited := newAdmission(0)
	unlimited.stepped(time.Now())
	for range 3 {
		if _, err := unlimited.enter(context.Background(), stop); err != nil {
			t.Fatal(err)
		}
	}

	a := newAdmission(1)
	idle := []func(){}
	for range 3 {
		leave, err := a.enter(context.Background(), stop)
		if err != nil {
			t.Fatalf("idle node: %v", err)
		}
		idle = append(idle, leave)
	}
	a.stepped(time.Now())
	leave, err := a.enter(context.Background(), stop)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range idle { // leaving unheld slots frees nothing (nor blocks)
		l()
	}
	if n := a.held.Load(); n != 0 {
		t.Errorf("%d starts counted as held before any waited", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.enter(ctx, stop); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second start while busy and the slot held: %v, want it to wait until its deadline", err)
	}
	if a.held.Load() != 1 || a.waiting.Load() != 0 {
		t.Errorf("after one start waited and gave up: held %d, waiting %d; want 1, 0", a.held.Load(), a.waiting.Load())
	}
	got := make(chan error, 1)
	go func() {
		l, err := a.enter(context.Background(), stop)
		if err == nil {
			l()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("admitted (%v) while the slot was held", err)
	case <-time.After(10 * time.Millisecond):
	}
	leave()
	if err := <-got; err != nil {
		t.Fatalf("after the slot was left: %v", err)
	}
	hold, _ := a.enter(context.Background(), stop)
	go func() { time.Sleep(5 * time.Millisecond); close(stop) }()
	if _, err := a.enter(context.Background(), stop); !errors.Is(err, ErrStopping) {
		t.Fatalf("engine stopping: %v, want ErrStopping", err)
	}
	hold()

	// busyFor after the last step, the node is idle again.
	b := newAdmission(1)
	b.stepped(time.Now().Add(-busyFor - time.Millisecond))
	l1, _ := b.enter(context.Background(), stop)
	l2, err := b.enter(context.Background(), stop)
	if err != nil {
		t.Fatalf("node idle for busyFor: %v", err)
	}
	l1()
	l2()
}
