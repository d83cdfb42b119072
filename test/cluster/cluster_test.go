//go:build cluster

// Package cluster runs several real stepd processes on one PostgreSQL database
// and kills one with SIGKILL while they work: the others must finish its work,
// losing and doubling nothing. Run it with
//
//	STEPD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test go test -tags cluster ./test/cluster/
//
// (make cluster). It also holds the multi-node benchmarks (-throughput,
// -parked N).
package cluster

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/store/postgres/pgtest"
	"github.com/stepd/stepd/test/internal/stepdtest"
)

const (
	nodes = 3
	lease = 3 * time.Second
)

// scale shrinks (or grows) TestKillOneOfThree's 5,000 executions.
var (
	scale    = flag.Float64("scale", 1, "multiply the number of executions by this")
	logLevel = flag.String("log-level", "info", "the nodes' log level")
)

// cluster is the nodes, and a client that spreads requests over the live ones.
type cluster struct {
	*stepdtest.Client
	url    string // the database
	schema string // stepd's schema in it
}

// startCluster builds stepd and starts n nodes on a new schema of the test
// database.
func startCluster(t testing.TB, n int, extra ...string) *cluster {
	url, schema := pgtest.Schema(t)
	dir := t.TempDir()
	bin, cfg := stepdtest.Build(t), stepdtest.Config(t)
	c := &cluster{url: url, schema: schema, Client: &stepdtest.Client{Pause: 20 * time.Millisecond,
		HTTP: &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}}
	for i := range n {
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("node%d.log", i)))
		must(t, err)
		t.Cleanup(func() { logf.Close() })
		nd := &stepdtest.Process{Name: fmt.Sprint("node", i), Bin: bin, Addr: stepdtest.FreeAddr(t), Log: logf}
		nd.Args = append([]string{"serve", "--addr", nd.Addr, "--store", url, "--pg-schema", schema, "--node", nd.Name,
			"--lease", lease.String(), "--pg-max-conns", "8", "--config", cfg, "--log-level", *logLevel}, extra...)
		must(t, nd.Start())
		t.Cleanup(nd.Stop)
		c.Nodes = append(c.Nodes, nd)
	}
	return c
}

// TestKillOneOfThree runs 5,000 executions (Waits, Lambda functions, activity
// tasks) on three nodes sharing one database, and kills one node with SIGKILL
// while they run. It does not come back: the two others must take over its
// timers, its task invocations and its executions. Every execution must end
// with the right output and a history without a lost or doubled event, and no
// activity task may be handed to two workers.
func TestKillOneOfThree(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	c := startCluster(t, nodes, "--time-scale", "0.01")
	load := &stepdtest.Load{Client: c.Client, Name: "cluster", ActivityTimeout: 6000, Poll: 50 * time.Millisecond,
		Waits: int(2500 * *scale), Functions: int(500 * *scale), Activities: int(2000 * *scale)}
	load.Create(t, ctx)

	// Activity workers: take tasks from any node, answer n+1 to any node, and
	// record every token handed out.
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	var workers sync.WaitGroup
	var handedMu sync.Mutex
	handed := map[string]string{} // token → worker
	for w := range 8 {
		worker := fmt.Sprint("w", w)
		workers.Go(func() {
			load.Work(t, workCtx, worker, func(token string) {
				handedMu.Lock()
				defer handedMu.Unlock()
				if other, ok := handed[token]; ok {
					t.Errorf("activity task handed to %s and again to %s", other, worker)
				}
				handed[token] = worker
			})
		})
	}

	// The killer: SIGKILL one node once a third of the executions started.
	var startedCount atomic.Int64
	total := load.Waits + load.Functions + load.Activities
	victim := c.Nodes[1]
	killed := make(chan time.Time, 1)
	go func() {
		for startedCount.Load() < int64(total/3) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond) // waiting for the starters' count: no signal to wait on
		}
		victim.Kill()
		killed <- time.Now()
	}()

	began := time.Now()
	all := load.Start(t, ctx, 24, func() { startedCount.Add(1) })
	killedAt := <-killed
	t.Logf("started %d executions in %v; killed %s after %v", len(all), time.Since(began).Round(time.Millisecond), victim.Name, killedAt.Sub(began).Round(time.Millisecond))

	// Every execution ends, right.
	events := load.Check(t, ctx, all)
	t.Logf("all %d executions ended right in %v (%d history events checked, %d activity tasks handed out)",
		len(all), time.Since(began).Round(time.Millisecond), events, len(handed))
	stopWork()
	workers.Wait()
	for _, n := range c.Nodes {
		n.Stop()
	}
	stepdtest.CheckStore(t, c.Nodes[0].Bin, "--store", c.url, "--pg-schema", c.schema)
	for _, n := range c.Nodes {
		if n != victim {
			b, _ := os.ReadFile(n.Log.Name())
			t.Logf("%s adopted orphaned invocations %d times", n.Name, strings.Count(string(b), "adopted task invocations"))
		}
	}
	if t.Failed() {
		for _, n := range c.Nodes {
			t.Logf("%s's log ends:\n%s", n.Name, stepdtest.Tail(n.Log.Name(), 30))
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
