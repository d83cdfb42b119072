package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/stepd/stepd/auth"
	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/console"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/metrics"
	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/itemio"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/runner/outbound"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/memory"
	"github.com/stepd/stepd/tracing"
)

// serveCommand is "stepd serve": the Step Functions API on one port, STANDARD
// executions durable in SQLite, EXPRESS executions in memory.
func serveCommand(ctx context.Context, args []string, io *streams) error {
	began := time.Now()
	// Little that starting allocates is garbage before it is ready: the
	// collection that came in every start (at the runtime's 4 MB) only
	// competed with it. Until then the heap may grow to five times what is
	// live, rather than twice, which a start that recovers much work still
	// bounds.
	gcPercent := debug.SetGCPercent(-1)
	if gcPercent >= 0 {
		debug.SetGCPercent(max(gcPercent, 400))
	}
	restoreGC := sync.OnceFunc(func() { debug.SetGCPercent(gcPercent) })
	defer restoreGC()
	fs := newFlagSet("stepd serve", "stepd serve [flags]\n\nServe the Step Functions API (AWS JSON 1.0) for the AWS CLI and SDKs (--endpoint-url).", io)
	addr := fs.String("addr", "127.0.0.1:8083", "listen `address`")
	dataDir := fs.String("data", "stepd-data", "`directory` of the SQLite database")
	configFile := fs.String("config", "", "configuration `file`")
	timeScale := fs.Float64("time-scale", 1, "multiply every timer by `F` (0.01 makes a 90 s Wait take 0.9 s; histories show the shortened waits)")
	syncMode := fs.String("sync", "FULL", "SQLite synchronous mode: FULL (durable against power loss) or NORMAL (against crashes of stepd)")
	region := fs.String("region", "us-east-1", "region in the ARNs stepd makes")
	account := fs.String("account", "123456789012", "account ID in the ARNs stepd makes")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "log format: text (logfmt) or json (one object a line)")
	traceAll := fs.Bool("trace-all", false, "with OTEL_* variables set, trace every execution (default: as AWS, those whose machine has tracingConfiguration enabled or whose caller passed a trace header)")
	accessLog := fs.Bool("access-log", false, "log every HTTP request (method, path, API action, status, duration) at info level")
	lf := addLimitFlags(fs.FlagSet)
	redriveWindow := fs.Duration("redrive-window", engine.DefaultRedriveWindow, "how long after its end an execution may be redriven (AWS: 14 days, 336h)")
	maxVersions := fs.Int("max-versions", service.DefaultMaxVersions, "most versions a state machine may have (AWS: 1000; negative: no limit)")
	busyStarts := fs.Int("busy-starts", 2*runtime.GOMAXPROCS(0), "while the node runs steps of executions already started, make at most `N` new executions at once, so that those finish first (0: no limit)")
	pprofAddr := fs.String("pprof", "", "serve Go's profiles (net/http/pprof) on this loopback `address` (127.0.0.1:6060)")
	execLogs := fs.String("execution-logs", "", "write the execution logs that machines' loggingConfiguration asks for to this `file`, a JSON object a line (default: stepd's log)")
	execLogsEndpoint := fs.String("execution-logs-endpoint", "", "send the execution logs to the CloudWatch Logs endpoint at `URL` (AWS's: https://logs.<region>.amazonaws.com; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	mockConfig := fs.String("mock-config", "", "Step Functions Local's mock configuration `file`: executions started on <machine ARN>#<test case> run that test case")
	sf := addStoreFlags(fs.FlagSet)
	srvFlags := addServerFlags(fs.FlagSet)
	tf := addTaskFlags(fs.FlagSet)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *busyStarts < 0 {
		return usageErr("--busy-starts must be 0 (no limit) or positive, not %d", *busyStarts)
	}
	log, err := newLogger(io.err, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	var observers []engine.Observer
	var tracer *tracing.Tracer
	if tracing.Enabled(io.lookupEnv) {
		tracer, err = tracing.New(ctx, version)
		if err != nil {
			return usageErr("tracing (OTEL_* variables): %v", err)
		}
		defer func() {
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tracer.Shutdown(shut); err != nil {
				log.Warn("flush traces", "err", err)
			}
		}()
		observers = append(observers, tracer)
		log.Info("exporting traces over OTLP/HTTP (OTEL_* variables)", "all_executions", *traceAll)
	}
	for _, n := range sfnLocalNotices {
		if v, ok := io.lookupEnv(n.env); ok && v != "" {
			log.Info("Step Functions Local setting not used", "env", n.env, "why", n.notice)
		}
	}

	if *pprofAddr != "" {
		ln, err := servePprof(*pprofAddr)
		if err != nil {
			return err
		}
		defer ln.Close()
		log.Info("serving profiles", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	}
	var mocks *mock.Config
	if *mockConfig != "" {
		var err error
		if mocks, err = mock.Load(*mockConfig); err != nil {
			return usageErr("%v", err)
		}
	}
	own := outbound.NewOwn(*addr) // HTTP Tasks may not call stepd's API; exact once it listens
	topts, err := tf.options(taskOptions{Region: *region, Account: *account, Log: log, Own: own})
	if err != nil {
		return err
	}
	tasks, err := loadTasks(*configFile, topts)
	if err != nil {
		return usageErr("%v", err)
	}
	defer tasks.Close()
	acc, err := srvFlags.access(tasks.cfg, *region)
	if err != nil {
		return err
	}
	router := tasks.router
	durable, dbPath, err := sf.open(ctx, *dataDir, *syncMode)
	if err != nil {
		return err
	}
	defer durable.Close()
	clock := engine.Clock(engine.WallClock{})
	if *timeScale != 1 {
		clock = engine.CompressedClock{Scale: *timeScale}
	}
	limits, err := lf.limits()
	if err != nil {
		return err
	}
	var logSink service.ExecutionLogSink
	if *execLogs != "" && *execLogsEndpoint != "" {
		return usageErr("--execution-logs and --execution-logs-endpoint are exclusive")
	}
	if *execLogsEndpoint != "" {
		logSink = &awssdk.CloudWatchLogs{Endpoint: awssdk.Endpoint{URL: *execLogsEndpoint, Region: *region},
			OnError: func(err error) { log.Warn("execution log not delivered", "err", err) }}
	}
	if *execLogs != "" {
		f, err := os.OpenFile(*execLogs, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return usageErr("--execution-logs: %v", err)
		}
		defer f.Close()
		logSink = &fileLogSink{w: f}
	}
	stats := metrics.New()
	expressStore := memory.New()
	svc := service.New(service.Options{Observer: engine.Observers(append(observers, stats, execLog{log})...), Store: durable, ExpressStore: expressStore, Runner: router, Clock: clock, Logger: log,
		Node: sf.nodeName(*addr), Lease: *sf.lease, Limits: limits, MockConfig: mocks, MaxVersions: *maxVersions, RedriveWindow: *redriveWindow,
		ItemReader: tasks.items, ResultWriter: tasks.items, ExecutionLogs: logSink, BusyStarts: *busyStarts})
	check := tasks.Check
	if mocks != nil {
		// A test server: a resource only its mocks answer is fine, as in Step
		// Functions Local; an execution without a test case that reaches a
		// resource stepd cannot run fails there.
		check = nil
	}
	if tracer != nil && !*traceAll {
		tracer.SetPolicy(svc.TracingEnabled)
	}
	stats.Engine("standard", svc.Standard().Stats)
	stats.Parked("standard", durable.ExecutionRunningCount)
	if x := svc.Express(); x != nil {
		stats.Engine("express", x.Stats)
		stats.Parked("express", expressStore.ExecutionRunningCount)
	}
	apiOpts := awsapi.Options{Service: svc, Region: *region, Account: *account, Logger: log, CheckResource: check, CheckMap: itemio.Check}
	acc.options(&apiOpts, srvFlags)
	api := awsapi.New(apiOpts)
	opened := time.Since(began)
	if err := svc.Start(ctx); err != nil {
		return err
	}

	ln, err := srvFlags.listen(*addr, acc)
	if err != nil {
		svc.Stop()
		return err
	}
	own.Set(ln.Addr())
	if ready, ok := ctx.Value(serviceReadyKey{}).(func(*service.Service)); ok {
		ready(svc) // an in-process test's hook: it waits on the engines' signals
	}
	// One port: API calls (POST / with X-Amz-Target) go to the API; the
	// console's sessions are under /auth/; GET and HEAD go to the web console;
	// anything else gets the API's own answer.
	web := acc.pages(console.New())
	logins := acc.pages(acc.sessions)
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case auth.Match(r):
			logins.ServeHTTP(w, r)
		case !api.Match(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			web.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
	// /metrics names state machines: without authentication, only for this
	// machine's hosts (and --allowed-host), as the console.
	probes := &health{store: durable, metrics: acc.pages(stats.Handler())}
	probes.ready.Store(true)
	var top http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !probes.serve(w, r) {
			routes.ServeHTTP(w, r)
		}
	})
	var reqLog *slog.Logger
	if *accessLog {
		reqLog = log
	}
	top = observeRequests(stats, reqLog, top)
	srv, err := srvFlags.server(top)
	if err != nil {
		ln.Close()
		svc.Stop()
		return err
	}
	log.Info("stepd serving the Step Functions API", "addr", ln.Addr().String(), "scheme", srvFlags.scheme(),
		"auth", acc.describe(), "data", dbPath, "store_opened_in", opened.Round(time.Millisecond), "ready_in", time.Since(began).Round(time.Millisecond))
	restoreGC()
	served := make(chan error, 1)
	go func() { served <- srvFlags.serve(srv, ln) }()

	select {
	case err := <-served:
		svc.Stop()
		return err
	case <-ctx.Done():
	}
	// Graceful stop: no new connections; long polls end; steps in flight finish
	// and commit; running tasks get a grace period, then stay pending for the
	// next start.
	log.Info("stopping")
	probes.ready.Store(false)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); svc.Stop() }()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("shutdown", "err", err)
	}
	wg.Wait()
	log.Info("stopped")
	return nil
}

// limitFlags are the execution limits that stepd serve and stepd run share.
type limitFlags struct {
	maxPayload, inlineMap            *int
	maxHistory, evalSteps, evalBytes *int64
	evalTime                         *time.Duration
}

func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	return &limitFlags{
		maxPayload: fs.Int("max-payload-bytes", interp.DefaultLimits.MaxPayloadBytes, "largest execution input, state output or task result (AWS: 262144)"),
		maxHistory: fs.Int64("max-history-events", interp.DefaultLimits.MaxHistoryEvents, "most history events an execution may have (AWS: 25000)"),
		evalSteps:  fs.Int64("eval-steps", budget.Default.Steps, "most steps one evaluation of an expression (JSONata, JSONPath, intrinsic) may take"),
		evalBytes:  fs.Int64("eval-bytes", budget.Default.Bytes, "most bytes one evaluation of an expression may build"),
		evalTime:   fs.Duration("eval-time", budget.Default.Time, "longest one evaluation of an expression may run (keep it well under 1s: StopExecution waits for it)"),
		inlineMap: fs.Int("max-inline-map-concurrency", interp.DefaultInlineMapConcurrency,
			"most iterations an inline Map runs at once, whatever its MaxConcurrency (AWS: 40)"),
	}
}

// limits are the flags' limits; each must be positive (0 would mean the
// interpreter's default, and a negative value nothing at all).
func (f *limitFlags) limits() (interp.Limits, error) {
	switch {
	case *f.maxPayload <= 0 || *f.maxHistory <= 0:
		return interp.Limits{}, usageErr("--max-payload-bytes and --max-history-events must be positive")
	case *f.evalSteps <= 0 || *f.evalBytes <= 0 || *f.evalTime <= 0:
		return interp.Limits{}, usageErr("--eval-steps, --eval-bytes and --eval-time must be positive")
	case *f.inlineMap <= 0:
		return interp.Limits{}, usageErr("--max-inline-map-concurrency must be positive, not %d", *f.inlineMap)
	}
	return interp.Limits{MaxPayloadBytes: *f.maxPayload, MaxHistoryEvents: *f.maxHistory, MaxInlineMapConcurrency: *f.inlineMap,
		Eval: budget.Limits{Steps: *f.evalSteps, Bytes: *f.evalBytes, Time: *f.evalTime}}, nil
}

// serviceReadyKey is the context key of a func(*service.Service) that
// serveCommand calls once its service runs and it listens (in-process
// tests).
type serviceReadyKey struct{}

// newLogger is the server's logger: --log-level and --log-format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format: %q is neither text nor json", format)
}

// fileLogSink writes execution log events as JSON lines: the event in
// CloudWatch Logs' Step Functions format, with its log group as "log_group".
type fileLogSink struct{ w io.Writer }

func (s *fileLogSink) Write(group string, event []byte) {
	line := make([]byte, 0, len(event)+len(group)+16)
	line = append(line, `{"log_group":`...)
	line = jsonvalue.AppendString(line, group)
	line = append(line, ',')
	line = append(line, event[1:]...) // the event's own members
	line = append(line, '\n')
	_, _ = s.w.Write(line)
}
