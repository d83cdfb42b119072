package main

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/metrics"
	"github.com/stepd/stepd/store"
)

// execLog logs, at info level, each execution's start and end (with its
// ARN, machine, status and duration), and at warn level each failed task.
type execLog struct{ log *slog.Logger }

var _ engine.Observer = execLog{}

func (l execLog) Events(row *store.Execution, events []history.Event) {
	for i := range events {
		ev := &events[i]
		switch ev.Type {
		case history.ExecutionStarted:
			l.log.Info("execution started", "execution", row.ARN, "machine", row.MachineARN)
		case history.ExecutionSucceeded, history.ExecutionFailed, history.ExecutionAborted, history.ExecutionTimedOut:
			attrs := []any{"execution", row.ARN, "machine", row.MachineARN, "status", row.Status}
			if !row.StopTime.IsZero() {
				attrs = append(attrs, "duration", row.StopTime.Sub(row.StartTime).String())
			}
			if row.Error != "" {
				attrs = append(attrs, "error", row.Error)
			}
			l.log.Info("execution ended", attrs...)
		case history.TaskFailed, history.TaskTimedOut, history.LambdaFunctionFailed, history.LambdaFunctionTimedOut,
			history.ActivityFailed, history.ActivityTimedOut, history.TaskStartFailed, history.TaskSubmitFailed,
			history.LambdaFunctionStartFailed, history.LambdaFunctionScheduleFailed, history.ActivityScheduleFailed:
			attrs := []any{"execution", row.ARN, "event", string(ev.Type)}
			if ev.Resource != "" { // the Activity... and LambdaFunction... events carry none, as on AWS
				attrs = append(attrs, "resource", ev.Resource)
			}
			l.log.Warn("task failed", append(attrs, "error", ev.Error, "cause", clipText(ev.Cause, 256))...)
		}
	}
}

func (execLog) Committed(int, time.Duration, error) {}
func (execLog) TimerFired(time.Duration)            {}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// observeRequests records each API call's latency in m and, with log set,
// logs every request once it is answered (--access-log).
func observeRequests(m *metrics.Metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		if action != "" && r.Method == http.MethodPost {
			m.API(clipText(action, 64), rec.status, d)
		}
		if log == nil {
			return
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", d.Round(time.Microsecond).String(), "remote", r.RemoteAddr}
		if action != "" {
			attrs = append(attrs, "action", clipText(action, 64))
		}
		log.Info("request", attrs...)
	})
}

// statusRecorder remembers a response's status code.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
