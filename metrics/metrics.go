// Package metrics serves stepd's metrics in the Prometheus text format: the
// CloudWatch metrics Step Functions publishes, by their names and with the
// state machine as a label (ExecutionsStarted, ExecutionTime, ...), and the
// engine's own (stepd_*). A Metrics is an engine.Observer; cmd/stepd serves
// its Handler on /metrics.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/store"
)

// Metrics counts what the engines and the API do. Create it with New.
type Metrics struct {
	reg *prometheus.Registry
	// byEvent maps a history event type to the counter it adds one to.
	byEvent       map[history.Type]*prometheus.CounterVec
	executionTime *prometheus.HistogramVec
	commitSeconds prometheus.Histogram
	commitBatch   prometheus.Histogram
	commitErrors  prometheus.Counter
	timerLateness prometheus.Histogram
	apiSeconds    *prometheus.HistogramVec
	// times are the ...Time histograms of each kind of task.
	times [numKinds]taskTimes

	// mu guards the tasks this process saw scheduled and not yet closed, by
	// execution ARN and then by the ID of the task's last event (scheduled,
	// started, submitted): each next event names it as its PreviousEventID.
	mu    sync.Mutex
	open  map[string]map[int64]openTask
	nopen int
}

// MaxOpenTasks bounds the open tasks a Metrics remembers for the ...Time
// histograms; a task scheduled beyond it is counted but not timed.
const MaxOpenTasks = 100_000

// kind is a kind of task, as the CloudWatch metrics group them.
type kind int

const (
	activity kind = iota
	lambdaFunction
	serviceIntegration
	numKinds
)

// taskTimes are a kind of task's CloudWatch ...Time metrics, in
// milliseconds: ScheduleTime from scheduled to started, RunTime from started
// to closed, Time from scheduled to closed.
type taskTimes struct{ schedule, run, total *prometheus.HistogramVec }

// openTask is a task scheduled and not yet closed.
type openTask struct {
	kind               kind
	scheduled, started time.Time
}

// taskEvent is what an event does to a task: schedule it, start it, move
// it on (its next event names this one), or close it.
type taskEvent int

const (
	scheduled taskEvent = iota + 1
	started
	moved
	closed
)

// taskEvents are the events of tasks' lives, by kind.
var taskEvents = map[history.Type]struct {
	kind kind
	does taskEvent
}{
	history.ActivityScheduled:            {activity, scheduled},
	history.ActivityStarted:              {activity, started},
	history.ActivitySucceeded:            {activity, closed},
	history.ActivityFailed:               {activity, closed},
	history.ActivityTimedOut:             {activity, closed},
	history.ActivityScheduleFailed:       {activity, closed},
	history.LambdaFunctionScheduled:      {lambdaFunction, scheduled},
	history.LambdaFunctionStarted:        {lambdaFunction, started},
	history.LambdaFunctionSucceeded:      {lambdaFunction, closed},
	history.LambdaFunctionFailed:         {lambdaFunction, closed},
	history.LambdaFunctionTimedOut:       {lambdaFunction, closed},
	history.LambdaFunctionScheduleFailed: {lambdaFunction, closed},
	history.LambdaFunctionStartFailed:    {lambdaFunction, closed},
	history.TaskScheduled:                {serviceIntegration, scheduled},
	history.TaskStarted:                  {serviceIntegration, started},
	history.TaskSubmitted:                {serviceIntegration, moved},
	history.TaskSucceeded:                {serviceIntegration, closed},
	history.TaskFailed:                   {serviceIntegration, closed},
	history.TaskTimedOut:                 {serviceIntegration, closed},
	history.TaskStartFailed:              {serviceIntegration, closed},
	history.TaskSubmitFailed:             {serviceIntegration, closed},
}

var _ engine.Observer = (*Metrics)(nil)

// counters are the CloudWatch metrics Step Functions publishes that count
// history events, by the event each counts.
var counters = []struct {
	event      history.Type
	name, help string
}{
	{history.ExecutionStarted, "ExecutionsStarted", "executions started"},
	{history.ExecutionSucceeded, "ExecutionsSucceeded", "executions that succeeded"},
	{history.ExecutionFailed, "ExecutionsFailed", "executions that failed"},
	{history.ExecutionAborted, "ExecutionsAborted", "executions stopped (StopExecution)"},
	{history.ExecutionTimedOut, "ExecutionsTimedOut", "executions that timed out (TimeoutSeconds)"},
	{history.ExecutionRedriven, "ExecutionsRedriven", "executions redriven"},
	{history.ActivityScheduled, "ActivitiesScheduled", "activity tasks scheduled"},
	{history.ActivityStarted, "ActivitiesStarted", "activity tasks a worker took"},
	{history.ActivitySucceeded, "ActivitiesSucceeded", "activity tasks that succeeded"},
	{history.ActivityFailed, "ActivitiesFailed", "activity tasks that failed"},
	{history.ActivityTimedOut, "ActivitiesTimedOut", "activity tasks that timed out (or missed a heartbeat)"},
	{history.LambdaFunctionScheduled, "LambdaFunctionsScheduled", "Lambda functions scheduled (Resource: a function ARN)"},
	{history.LambdaFunctionStarted, "LambdaFunctionsStarted", "Lambda functions started"},
	{history.LambdaFunctionSucceeded, "LambdaFunctionsSucceeded", "Lambda functions that succeeded"},
	{history.LambdaFunctionFailed, "LambdaFunctionsFailed", "Lambda functions that failed"},
	{history.LambdaFunctionTimedOut, "LambdaFunctionsTimedOut", "Lambda functions that timed out"},
	{history.TaskScheduled, "ServiceIntegrationsScheduled", "service integration tasks scheduled (lambda:invoke, sqs, http:invoke, ...)"},
	{history.TaskStarted, "ServiceIntegrationsStarted", "service integration tasks started"},
	{history.TaskSucceeded, "ServiceIntegrationsSucceeded", "service integration tasks that succeeded"},
	{history.TaskFailed, "ServiceIntegrationsFailed", "service integration tasks that failed"},
	{history.TaskTimedOut, "ServiceIntegrationsTimedOut", "service integration tasks that timed out"},
}

// New returns the metrics, with Go's runtime and the process's metrics
// beside them.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), byEvent: map[history.Type]*prometheus.CounterVec{}}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range counters {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: c.name, Help: "Step Functions' " + c.name + ": " + c.help + "."}, []string{"state_machine"})
		m.reg.MustRegister(v)
		m.byEvent[c.event] = v
	}
	throttled := prometheus.NewCounter(prometheus.CounterOpts{Name: "ExecutionThrottled",
		Help: "Step Functions' ExecutionThrottled: StateTransition events throttled. stepd does not throttle: always 0."})
	m.executionTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ExecutionTime",
		Help:    "Step Functions' ExecutionTime: milliseconds from an execution's start to its end.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 12)}, []string{"state_machine"})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "stepd_commit_seconds",
		Help: "How long one store transaction (a batch of steps) took to commit.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)})
	m.commitBatch = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "stepd_commit_batch_size",
		Help: "Steps committed in one store transaction.", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
	m.commitErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "stepd_commit_errors_total",
		Help: "Store transactions that failed (a conflict with another node, the database away)."})
	m.timerLateness = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "stepd_timer_lateness_seconds",
		Help: "How late timers (Wait, retry intervals, timeouts) fired after their due time.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)})
	m.apiSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "stepd_api_request_seconds",
		Help: "How long API calls took to answer, by action and HTTP status code.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)},
		[]string{"action", "code"})
	m.reg.MustRegister(throttled, m.executionTime, m.commitSeconds, m.commitBatch, m.commitErrors, m.timerLateness, m.apiSeconds)
	m.open = map[string]map[int64]openTask{}
	for k, c := range [numKinds]struct{ prefix, what string }{
		activity:           {"Activity", "activity tasks"},
		lambdaFunction:     {"LambdaFunction", "Lambda functions"},
		serviceIntegration: {"ServiceIntegration", "service integration tasks"},
	} {
		hist := func(name, help string) *prometheus.HistogramVec {
			v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: c.prefix + name,
				Help:    "Step Functions' " + c.prefix + name + ": milliseconds " + help + ", of " + c.what + ".",
				Buckets: prometheus.ExponentialBuckets(1, 4, 12)}, []string{"state_machine"})
			m.reg.MustRegister(v)
			return v
		}
		m.times[k] = taskTimes{
			schedule: hist("ScheduleTime", "from scheduled to started"),
			run:      hist("RunTime", "from started to closed"),
			total:    hist("Time", "from scheduled to closed"),
		}
	}
	return m
}

// Engine adds the gauges of an engine's load (engine.Stats), labelled
// engine=name: its work queue's depth, running tasks, lease renewals and
// the starts it held back.
func (m *Metrics) Engine(name string, stats func() engine.Stats) {
	labels := prometheus.Labels{"engine": name}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stepd_work_queue_depth", ConstLabels: labels,
			Help: "Steps waiting for a shard of the engine."}, func() float64 { return float64(stats().QueueDepth) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stepd_running_tasks", ConstLabels: labels,
			Help: "Task invocations (and Map Runs) running on this node."}, func() float64 { return float64(stats().RunningTasks) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "stepd_lease_renewals_total", ConstLabels: labels,
			Help: "Renewals of this node's lease."}, func() float64 { return float64(stats().LeaseRenewals) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "stepd_lease_renewal_errors_total", ConstLabels: labels,
			Help: "Renewals of this node's lease that failed."}, func() float64 { return float64(stats().LeaseRenewalErrors) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stepd_starts_waiting", ConstLabels: labels,
			Help: "New executions waiting for the busy node to admit them (--busy-starts)."}, func() float64 { return float64(stats().StartsWaiting) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "stepd_starts_held_total", ConstLabels: labels,
			Help: "New executions that waited for the busy node to admit them (--busy-starts)."}, func() float64 { return float64(stats().StartsHeld) }),
	)
}

// Parked adds the gauge of the executions parked in an engine's store,
// labelled engine=name: count counts its RUNNING executions (every node's,
// for a shared database), of which all but the few being stepped at that
// moment are parked, a row each and no memory. A scrape reads the count at
// most every parkedEvery (a count of a million rows is not free).
func (m *Metrics) Parked(name string, count func(context.Context) (int64, error)) {
	var mu sync.Mutex
	var last time.Time
	var n float64
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stepd_parked_executions", ConstLabels: prometheus.Labels{"engine": name},
		Help: "RUNNING executions in the engine's store (every node's): parked, but for those being stepped."}, func() float64 {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) >= parkedEvery {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if c, err := count(ctx); err == nil {
				n, last = float64(c), time.Now()
			}
		}
		return n
	}))
}

// parkedEvery is how often Parked's gauge counts again.
const parkedEvery = 5 * time.Second

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Events counts a committed step's events.
func (m *Metrics) Events(row *store.Execution, events []history.Event) {
	for i := range events {
		ev := &events[i]
		if te, ok := taskEvents[ev.Type]; ok {
			m.task(row, ev, te.kind, te.does)
		}
		c, ok := m.byEvent[ev.Type]
		if !ok {
			continue
		}
		c.WithLabelValues(row.MachineARN).Inc()
		switch ev.Type {
		case history.ExecutionSucceeded, history.ExecutionFailed, history.ExecutionAborted, history.ExecutionTimedOut:
			if !row.StopTime.IsZero() && !row.StartTime.IsZero() {
				m.executionTime.WithLabelValues(row.MachineARN).Observe(millis(row.StopTime.Sub(row.StartTime)))
			}
			m.mu.Lock()
			m.nopen -= len(m.open[row.ARN]) // what the execution left open is never closed
			delete(m.open, row.ARN)
			m.mu.Unlock()
		}
	}
}

// task follows a task's event: a task seen scheduled and closed by this
// process is timed when it closes. A task scheduled before the process
// started, or whose events another node committed, is not.
func (m *Metrics) task(row *store.Execution, ev *history.Event, k kind, does taskEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if does == scheduled {
		if m.nopen >= MaxOpenTasks {
			return
		}
		tasks := m.open[row.ARN]
		if tasks == nil {
			tasks = map[int64]openTask{}
			m.open[row.ARN] = tasks
		}
		tasks[ev.ID] = openTask{kind: k, scheduled: ev.Timestamp}
		m.nopen++
		return
	}
	tasks := m.open[row.ARN]
	t, ok := tasks[ev.PreviousEventID]
	if !ok || t.kind != k {
		return
	}
	delete(tasks, ev.PreviousEventID)
	switch does {
	case started, moved:
		if does == started {
			t.started = ev.Timestamp
		}
		tasks[ev.ID] = t
		return
	}
	m.nopen--
	if len(tasks) == 0 {
		delete(m.open, row.ARN)
	}
	times := m.times[k]
	times.total.WithLabelValues(row.MachineARN).Observe(millis(ev.Timestamp.Sub(t.scheduled)))
	if !t.started.IsZero() {
		times.schedule.WithLabelValues(row.MachineARN).Observe(millis(t.started.Sub(t.scheduled)))
		times.run.WithLabelValues(row.MachineARN).Observe(millis(ev.Timestamp.Sub(t.started)))
	}
}

// millis is d in milliseconds, as CloudWatch's Step Functions metrics count
// time.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Committed records a store transaction.
func (m *Metrics) Committed(n int, d time.Duration, err error) {
	m.commitSeconds.Observe(d.Seconds())
	m.commitBatch.Observe(float64(n))
	if err != nil {
		m.commitErrors.Inc()
	}
}

// TimerFired records a timer's lateness.
func (m *Metrics) TimerFired(late time.Duration) { m.timerLateness.Observe(late.Seconds()) }

// API records an API call: its action, HTTP status code and duration.
func (m *Metrics) API(action string, code int, d time.Duration) {
	m.apiSeconds.WithLabelValues(action, strconv.Itoa(code)).Observe(d.Seconds())
}
