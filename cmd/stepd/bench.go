package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepd/stepd/bench"
	"github.com/stepd/stepd/internal/serveproc"
)

// benchGOGC is the benchmark process's GOGC when the environment sets none.
const benchGOGC = 400

// benchCommand is "stepd bench": the standard workloads (package bench)
// against a stepd it starts itself, on a fresh data directory for each
// workload, or against the one --endpoint names, through the public API with
// the AWS SDK for Go v2. It prints each run's figures and their medians, and
// writes a JSON report with --json.
func benchCommand(ctx context.Context, args []string, io *streams) error {
	// The benchmark's clients (the AWS SDK for Go) allocate much: at Go's
	// default GOGC they spent a tenth of a core on collection, taken from
	// the stepd under test when both share a small machine. Unless GOGC is
	// set, this process collects at 400; the stepd it starts keeps the
	// environment's setting.
	clientGC := "GOGC=" + strconv.Itoa(benchGOGC)
	if v, ok := io.lookupEnv("GOGC"); !ok || v == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(benchGOGC))
	} else {
		clientGC = "GOGC=" + v
	}
	fs := newFlagSet("stepd bench", "stepd bench [flags]\n\nRun stepd's standard workloads through the API and report their figures (docs/performance.md).", io)
	endpoint := fs.String("endpoint", "", "run against this stepd (`URL`) instead of one started for each workload")
	var workloads listFlag
	fs.Var(&workloads, "workload", "the `workloads` to run, comma-separated or repeated (default all): "+workloadNames())
	runs := fs.Int("runs", 3, "runs of each workload; the report gives each run and the medians")
	jsonOut := fs.String("json", "", "write the JSON report to this `file` (- for standard output)")
	n := fs.Int("n", 1000, "executions or workflows of the concurrent, activities, callbacks and parked workloads")
	clients := fs.Int("clients", 64, "concurrent API clients starting executions")
	pollers := fs.Int("pollers", 8, "activity workers (activities) and token answerers (callbacks)")
	items := fs.Int("items", 1000, "items of the map workload")
	repeat := fs.Int("repeat", 20, "samples of the latency workloads (chain, map, cold-start at least 20; express-sync x10)")
	activity := fs.Int("activity-tasks", 10, "activity tasks per workflow")
	syncMode := fs.String("sync", "FULL", "--sync of the stepd the benchmark starts")
	pprofAddr := fs.String("pprof", "", "--pprof of the stepd the benchmark starts (a loopback `address`), to profile it under a workload")
	serveArgs := fs.String("serve-args", "", "more `flags` for the stepd the benchmark starts (space-separated)")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if len(workloads) == 0 {
		for _, w := range bench.Workloads {
			workloads = append(workloads, w.Name)
		}
	}
	var chosen []bench.Workload
	for _, name := range workloads {
		w, ok := bench.Lookup(name)
		if !ok {
			return usageErr("--workload %s: not one of %s", name, workloadNames())
		}
		chosen = append(chosen, w)
	}
	if *runs < 1 || *n < 1 || *clients < 1 || *pollers < 1 || *items < 0 || *repeat < 1 || *activity < 1 {
		return usageErr("--runs, -n, --clients, --pollers, --repeat and --activity-tasks must be positive")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	params := bench.Params{N: *n, Clients: *clients, Pollers: *pollers, Items: *items, Repeat: *repeat, Activity: *activity}
	report := benchReport{Started: time.Now().UTC(), Endpoint: *endpoint, Sync: *syncMode, Params: params, LoadBefore: loadAverage(), ClientGC: clientGC}
	if *endpoint != "" {
		report.Sync = ""
	}
	for _, w := range chosen {
		res := benchResult{Workload: w.Name, About: w.About}
		for run := 1; run <= *runs; run++ {
			figs, err := benchRun(ctx, w, params, benchServer{exe: exe, endpoint: *endpoint, sync: *syncMode, pprof: *pprofAddr, extra: strings.Fields(*serveArgs), log: io.err})
			if errors.Is(err, bench.ErrUnavailable) {
				res.Skipped = err.Error()
				fmt.Fprintf(io.out, "%-12s skipped: %v\n", w.Name, err)
				break
			}
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", w.Name, run, err)
			}
			fmt.Fprintf(io.out, "%-12s run %d  %s\n", w.Name, run, figs)
			res.Runs = append(res.Runs, figs)
		}
		if len(res.Runs) > 0 {
			res.Median = bench.Median(res.Runs)
			fmt.Fprintf(io.out, "%-12s median %s\n", w.Name, res.Median)
		}
		report.Results = append(report.Results, res)
	}
	report.LoadAfter = loadAverage()
	fmt.Fprintf(io.out, "load average before %s, after %s\n", report.LoadBefore, report.LoadAfter)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(report, "", "  ")
		b = append(b, '\n')
		if *jsonOut == "-" {
			_, err = io.out.Write(b)
			return err
		}
		return os.WriteFile(*jsonOut, b, 0o644)
	}
	return nil
}

// benchReport is stepd bench's JSON report.
type benchReport struct {
	Started    time.Time     `json:"started"`
	Endpoint   string        `json:"endpoint,omitempty"`
	Sync       string        `json:"sync,omitempty"`
	Params     bench.Params  `json:"params"`
	LoadBefore string        `json:"loadBefore"`
	LoadAfter  string        `json:"loadAfter"`
	ClientGC   string        `json:"clientGC"` // the benchmark process's GOGC
	Results    []benchResult `json:"results"`
}

type benchResult struct {
	Workload string          `json:"workload"`
	About    string          `json:"about"`
	Runs     []bench.Figures `json:"runs,omitempty"`
	Median   bench.Figures   `json:"median,omitempty"`
	Skipped  string          `json:"skipped,omitempty"`
}

func workloadNames() string {
	names := make([]string, len(bench.Workloads))
	for i, w := range bench.Workloads {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}

// loadAverage is the machine's load average (1, 5 and 15 minutes).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// benchServer is how a workload's stepd is found or started.
type benchServer struct {
	exe, endpoint, sync, pprof string
	extra                      []string
	log                        interface{ Write([]byte) (int, error) }
}

// benchRun runs a workload once, against a fresh stepd unless an endpoint
// is given.
func benchRun(ctx context.Context, w bench.Workload, p bench.Params, s benchServer) (bench.Figures, error) {
	t := &bench.Target{}
	if s.endpoint != "" {
		t.Client = bench.NewClient(s.endpoint, p.Clients+p.Pollers)
		return w.Run(ctx, t, p)
	}
	dir, err := os.MkdirTemp("", "stepd-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// The callback workload's function: a url function calling back here.
	var handler atomic.Pointer[http.Handler]
	cb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer cb.Close()
	go http.Serve(cb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	config := filepath.Join(dir, "stepd.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf("functions:\n  stepd-bench-callback:\n    url: http://%s/callback\n    concurrency: 64\n", cb.Addr())), 0o644); err != nil {
		return nil, err
	}
	addr, err := serveproc.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--sync", s.sync, "--config", config, "--log-level", "warn"}
	if s.pprof != "" {
		args = append(args, "--pprof", s.pprof)
	}
	args = append(args, s.extra...)
	proc := &serveproc.Process{Bin: s.exe, Args: args, Out: s.log, Ready: "http://" + addr + "/readyz", DieWithParent: true}
	if w.Name != "cold-start" {
		if err := proc.Start(ctx, 30*time.Second); err != nil {
			return nil, fmt.Errorf("start stepd: %w", err)
		}
		defer proc.Stop(30 * time.Second)
	}
	t.Client = bench.NewClient("http://"+addr, p.Clients+p.Pollers)
	t.RSS = func() (int64, error) { return rss(proc.Pid()) }
	t.CallbackFunction = "stepd-bench-callback"
	t.SetCallbackHandler = func(h http.Handler) { handler.Store(&h) }
	t.ColdStart = func(ctx context.Context) (time.Duration, error) {
		return coldStart(ctx, s.exe, s.sync, filepath.Join(dir, "cold"), s.log)
	}
	return w.Run(ctx, t, p)
}

// coldStart execs stepd serve on a fresh data directory below dir and
// returns the time to its first 200 from /readyz; then stops it.
func coldStart(ctx context.Context, exe, sync, dir string, log interface{ Write([]byte) (int, error) }) (time.Duration, error) {
	addr, err := serveproc.FreeAddr()
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	data, err := os.MkdirTemp(dir, "")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(data)
	data = filepath.Join(data, "data") // does not exist yet: serve creates it
	cmd := exec.CommandContext(ctx, exe, "serve", "--addr", addr, "--data", data, "--sync", sync, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = serveproc.ProcAttr(true)
	probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/readyz"
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = serveproc.Terminate(cmd.Process)
		_ = cmd.Wait()
	}()
	for time.Since(began) < 30*time.Second {
		if resp, err := probe.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(began), nil
			}
		}
		time.Sleep(200 * time.Microsecond) // another process's port gives no other signal
	}
	return 0, fmt.Errorf("%s not ready within 30s", url)
}

// rss is a process's resident set size in bytes.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}
