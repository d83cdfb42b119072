package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/postgres/pgtest"
	"github.com/stepd/stepd/store/sqlite"
)

// passChoice10 is a 10-state machine of Pass and Choice states.
const passChoice10 = `{"StartAt":"S0","States":{
	"S0":{"Type":"Pass","Parameters":{"n.$":"$.n","tag":"a"},"Next":"C1"},
	"C1":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"S2"}],"Default":"S3"},
	"S2":{"Type":"Pass","Result":"big","ResultPath":"$.size","Next":"S4"},
	"S3":{"Type":"Pass","Result":"small","ResultPath":"$.size","Next":"S4"},
	"S4":{"Type":"Pass","Parameters":{"n.$":"$.n","size.$":"$.size","step":4},"Next":"C5"},
	"C5":{"Type":"Choice","Choices":[{"Variable":"$.size","StringEquals":"big","Next":"S6"}],"Default":"S7"},
	"S6":{"Type":"Pass","ResultPath":"$.seen","Next":"S8"},
	"S7":{"Type":"Pass","ResultPath":"$.seen","Next":"S8"},
	"S8":{"Type":"Pass","Parameters":{"done":true,"n.$":"$.n"},"Next":"S9"},
	"S9":{"Type":"Succeed"}}}`

// BenchmarkDurableExecutions starts executions of a 10-state Pass/Choice
// machine from many goroutines on a SQLite store (synchronous FULL, the
// default) and reports executions per second and the start-to-end latency.
// Such a machine ends in the commit that starts it.
func BenchmarkDurableExecutions(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL", "postgres"} {
		b.Run("sync="+mode, func(b *testing.B) {
			e, env := benchEngine(b, mode, nil)
			sm := env.machine(passChoice10)
			benchClients(b, func(i int64) error {
				row, _, err := e.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: fmt.Sprint("e", i), Input: `{"n":7}`})
				if err == nil && row.Status != "SUCCEEDED" {
					err = fmt.Errorf("status %s", row.Status)
				}
				return err
			})
		})
	}
}

// BenchmarkTaskExecutions runs executions of a machine of two Task states
// whose runner answers at once, from start to end, and reports executions per
// second and the latency: each task is a commit that dispatches it and one
// that takes its result.
func BenchmarkTaskExecutions(b *testing.B) {
	for _, mode := range []string{"NORMAL", "postgres"} {
		b.Run("sync="+mode, func(b *testing.B) {
			e, env := benchEngine(b, mode, echo)
			sm := env.machine(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + lambda + `","Next":"B"},
				"B":{"Type":"Task","Resource":"` + lambda + `","End":true}}}`)
			benchClients(b, func(i int64) error {
				row, err := e.StartExecutionWait(context.Background(), engine.StartRequest{Machine: sm, Name: fmt.Sprint("e", i), Input: `{"n":7}`})
				if err == nil && row.Status != "SUCCEEDED" {
					err = fmt.Errorf("status %s: %s %s", row.Status, row.Error, row.Cause)
				}
				return err
			})
		})
	}
}

// benchEngine starts an engine on a new store: SQLite with that synchronous
// mode, or "postgres".
func benchEngine(b *testing.B, mode string, run runner.RunnerFunc) (*engine.Engine, *env) {
	return benchEngineWith(b, mode, run, engine.Options{})
}

// benchEngineWith is benchEngine with more options (its Store and Runner
// are set here).
func benchEngineWith(b *testing.B, mode string, run runner.RunnerFunc, opts engine.Options) (*engine.Engine, *env) {
	var s store.Store
	if mode == "postgres" {
		s = pgtest.Open(b)
	} else {
		sq, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Synchronous: mode})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sq.Close() })
		s = sq
	}
	opts.Store = s
	if run != nil {
		opts.Runner = run
	}
	e := engine.New(opts)
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Stop)
	return e, &env{t: b, store: s, engine: e}
}

// benchClients calls run b.N times from 64 goroutines and reports the calls
// per second as executions/s, and their latency.
func benchClients(b *testing.B, run func(i int64) error) {
	const clients = 64
	var next atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := run(i); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkActivityWorkflows is the activity path below the API: b.N
// workflows of 10 sequential activity tasks on SQLite (FULL, the default),
// all started at once, answered by 8 pollers (PollActivity, AnswerTask).
// It reports workflows per second, and the median and 99th percentile of a
// workflow's start-to-end latency against the round's length: the earliest
// started finish first.
func BenchmarkActivityWorkflows(b *testing.B) {
	// busy-starts as stepd serve's default (2 x CPUs) and off.
	for _, busy := range []int{2 * runtime.GOMAXPROCS(0), 0} {
		b.Run(fmt.Sprint("busy-starts=", busy), func(b *testing.B) { benchActivityWorkflows(b, busy) })
	}
}

// BenchmarkActivityWorkflowAlone is one workflow of 10 activity tasks at a
// time on SQLite FULL, answered by 2 pollers: the latency of a lone
// workflow, in which the poller that is not answering waits, and is handed
// the next task in the commit that schedules it.
func BenchmarkActivityWorkflowAlone(b *testing.B) {
	const tasks, pollers = 10, 2
	e, env := benchEngine(b, "FULL", nil)
	act := "arn:aws:states:us-east-1:123456789012:activity:alone"
	sm := env.machine(activityChain(act, tasks))
	ctx, cancel := context.WithCancel(context.Background())
	workers := benchPollers(ctx, b, e, act, pollers, func(string) (any, func()) { return jsonvalue.MustParse(`{}`), nil })
	defer workers.Wait()
	defer cancel()
	b.ResetTimer()
	for i := range b.N {
		row, _, err := e.StartExecution(ctx, engine.StartRequest{Machine: sm, Name: fmt.Sprint("alone", i), Input: `{}`})
		if err != nil {
			b.Fatal(err)
		}
		if end, err := e.WaitFinished(ctx, row.ID); err != nil || end.Status != "SUCCEEDED" {
			b.Fatalf("workflow %d: %v %v", i, end, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/workflow")
}

// benchPollers runs n pollers of act until ctx ends: each answers a task
// with the output answer makes of its input, then calls the func answer
// returned with it (if any).
func benchPollers(ctx context.Context, b *testing.B, e *engine.Engine, act string, n int, answer func(input string) (any, func())) *sync.WaitGroup {
	var workers sync.WaitGroup
	for w := range n {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for ctx.Err() == nil {
				task, err := e.PollActivity(ctx, act, fmt.Sprint("w", w))
				if err != nil || task == nil {
					continue
				}
				out, answered := answer(task.Input)
				if err := e.AnswerTask(ctx, task.Token, engine.TaskAnswer{Output: out}); err != nil {
					if ctx.Err() == nil {
						b.Error(err)
					}
					return
				}
				if answered != nil {
					answered()
				}
			}
		}()
	}
	return &workers
}

// activityChain is a machine of n activity tasks of act in a row.
func activityChain(act string, n int) string {
	var def strings.Builder
	def.WriteString(`{"StartAt":"A0","States":{`)
	for i := range n {
		next := fmt.Sprintf(`"Next":"A%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&def, `%s"A%d":{"Type":"Task","Resource":%q,%s}`, map[bool]string{true: "", false: ","}[i == 0], i, act, next)
	}
	def.WriteString(`}}`)
	return def.String()
}

func benchActivityWorkflows(b *testing.B, busyStarts int) {
	const tasks, pollers = 10, 8
	e, env := benchEngineWith(b, "FULL", nil, engine.Options{BusyStarts: busyStarts})
	act := "arn:aws:states:us-east-1:123456789012:activity:bench"
	sm := env.machine(activityChain(act, tasks))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start, end := make([]time.Time, b.N), make([]time.Time, b.N)
	var left sync.WaitGroup
	left.Add(b.N)
	b.ResetTimer()
	workers := benchPollers(ctx, b, e, act, pollers, func(input string) (any, func()) {
		var in struct{ I, K int }
		if err := json.Unmarshal([]byte(input), &in); err != nil {
			b.Error(err)
		}
		out, _ := jsonvalue.Parse([]byte(fmt.Sprintf(`{"i":%d,"k":%d}`, in.I, in.K+1)))
		if in.K+1 < tasks {
			return out, nil
		}
		return out, func() { end[in.I] = time.Now(); left.Done() }
	})
	var next atomic.Int64
	var starters sync.WaitGroup
	for range 64 {
		starters.Add(1)
		go func() {
			defer starters.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				start[i] = time.Now()
				if _, _, err := e.StartExecution(ctx, engine.StartRequest{Machine: sm, Name: fmt.Sprint("w", i), Input: fmt.Sprintf(`{"i":%d,"k":0}`, i)}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	starters.Wait()
	left.Wait()
	b.StopTimer()
	cancel()
	workers.Wait()
	lat := make([]time.Duration, b.N)
	first, last := start[0], end[0]
	for i := range b.N {
		lat[i] = end[i].Sub(start[i])
		if start[i].Before(first) {
			first = start[i]
		}
		if end[i].After(last) {
			last = end[i]
		}
	}
	slices.Sort(lat)
	round := last.Sub(first)
	b.ReportMetric(float64(b.N)/round.Seconds(), "workflows/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(round.Microseconds())/1000, "round-ms")
	b.ReportMetric(100*float64(lat[len(lat)/2])/float64(round), "p50-%-of-round")
	if b.N >= 10 {
		// First started, first done: the latency of the executions at each
		// tenth of the start order rises with it, rather than all ending last.
		order := make([]int, b.N)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int { return start[x].Compare(start[y]) })
		var tenths []time.Duration
		for d := range 10 {
			i := order[d*b.N/10]
			tenths = append(tenths, end[i].Sub(start[i]).Round(time.Millisecond))
		}
		b.Logf("latency by start order (each tenth): %v", tenths)
	}
}

// BenchmarkInlineMap runs an inline Map of 1,000 Pass items, the map
// workload below the API, one execution at a time on SQLite (FULL), from
// StartExecution to its end.
func BenchmarkInlineMap(b *testing.B) {
	e, env := benchEngine(b, "FULL", nil)
	sm := env.machine(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":0,
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	input := `{"items":[` + strings.Join(items, ",") + `]}`
	n := 0
	for b.Loop() {
		n++
		row, _, err := e.StartExecution(context.Background(), engine.StartRequest{Machine: sm, Name: fmt.Sprint("m", n), Input: input})
		if err != nil {
			b.Fatal(err)
		}
		if end := env.wait(row); end.Status != "SUCCEEDED" {
			b.Fatalf("status %s", end.Status)
		}
	}
	b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "items/s")
}
