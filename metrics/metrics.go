// Package metrics serves stepd's metrics in the Prometheus text format: the
// CloudWatch metrics Step Functions publishes, by their names and with the
// state machine as a label (ExecutionsStarted, ExecutionTime, ...), and the
// engine's own (stepd_*). A Metrics is an engine.Observer; cmd/stepd serves
// its Handler on /metrics.
package metrics

import (
	"net/http"
	"strconv"
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
	return m
}

// Engine adds the gauges of an engine's load (engine.Stats), labelled
// engine=name: its work queue's depth, running tasks and lease renewals.
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
	)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Events counts a committed step's events.
func (m *Metrics) Events(row *store.Execution, events []history.Event) {
	for i := range events {
		ev := &events[i]
		c, ok := m.byEvent[ev.Type]
		if !ok {
			continue
		}
		c.WithLabelValues(row.MachineARN).Inc()
		switch ev.Type {
		case history.ExecutionSucceeded, history.ExecutionFailed, history.ExecutionAborted, history.ExecutionTimedOut:
			if !row.StopTime.IsZero() && !row.StartTime.IsZero() {
				m.executionTime.WithLabelValues(row.MachineARN).Observe(float64(row.StopTime.Sub(row.StartTime)) / float64(time.Millisecond))
			}
		}
	}
}

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
