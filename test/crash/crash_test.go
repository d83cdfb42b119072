//go:build crash

// Package crash kills a real stepd server with SIGKILL, again and again, while
// it runs a thousand executions, and checks that nothing was lost or done twice.
// Run it with: go test -tags crash ./test/crash/ (make crash).
package crash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

const (
	minKills = 5
	maxKills = 8
)

func TestCrash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "stepd.log"))
	must(t, err)
	defer logf.Close()
	addr := stepdtest.FreeAddr(t)
	srv := &stepdtest.Process{Name: "stepd", Bin: stepdtest.Build(t), Addr: addr, Log: logf,
		Args: []string{"serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--config", stepdtest.Config(t), "--time-scale", "0.01", "--sync", "NORMAL"}}
	must(t, srv.Start())
	defer srv.Stop()
	c := &stepdtest.Client{Nodes: []*stepdtest.Process{srv}, HTTP: &http.Client{Timeout: 90 * time.Second}, Pause: 50 * time.Millisecond}
	load := &stepdtest.Load{Client: c, Name: "crash", Waits: 400, Functions: 300, Activities: 300, ActivityTimeout: 1000, Poll: 100 * time.Millisecond}
	load.Create(t, ctx)

	// Activity workers: take tasks and answer n+1.
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	var workers sync.WaitGroup
	for w := range 6 {
		workers.Go(func() { load.Work(t, workCtx, fmt.Sprint("w", w), nil) })
	}

	// The killer: SIGKILL at random moments, restart at once.
	killCtx, stopKilling := context.WithCancel(ctx)
	var killer sync.WaitGroup
	var kills atomic.Int32
	var slowest atomic.Int64 // the longest restart to ready
	killer.Go(func() {
		for killCtx.Err() == nil && kills.Load() < maxKills {
			select {
			case <-killCtx.Done():
				return
			case <-time.After(time.Duration(500+rand.IntN(2500)) * time.Millisecond):
			}
			srv.Kill()
			kills.Add(1)
			began := time.Now()
			if err := srv.Start(); err != nil {
				t.Errorf("%v\n%s\n%s", err, stepdtest.DataSizes(filepath.Join(dir, "data")), stepdtest.Tail(logf.Name(), 120))
				return
			}
			slowest.Store(max(slowest.Load(), int64(time.Since(began))))
		}
	})
	defer func() { stopKilling(); killer.Wait() }() // before srv.Stop

	// Start every execution (named, so a retried start is idempotent).
	all := load.Start(t, ctx, 16, nil)

	// Let the killer go on until the load is well under way and it killed enough.
	for kills.Load() < minKills {
		if ctx.Err() != nil {
			t.Fatal("timed out before the server was killed enough times")
		}
		time.Sleep(100 * time.Millisecond) // waiting for the killer's count: no signal to wait on
	}
	stopKilling()
	killer.Wait()
	t.Logf("killed and restarted the server %d times; the slowest restart was ready in %v", kills.Load(), time.Duration(slowest.Load()).Round(time.Millisecond))

	// Every execution ends, right, and the store at rest holds every
	// invariant.
	load.Check(t, ctx, all)
	stopWork()
	workers.Wait()
	srv.Stop()
	stepdtest.CheckStore(t, srv.Bin, "--data", filepath.Join(dir, "data"))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
