package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/store"
)

// ExecutionLogSink receives the log events of executions whose machines have
// a loggingConfiguration with a level other than OFF: for each, the log
// group's ARN (the configuration's destination) and the event in the format
// Step Functions writes to CloudWatch Logs. Write is called from one
// goroutine at a time, in the order the events were committed.
type ExecutionLogSink interface {
	Write(logGroupARN string, event []byte)
}

// SlogSink writes execution log events to a logger, one record each (the
// default sink of stepd serve).
type SlogSink struct{ Log *slog.Logger }

// Write logs the event as an "execution log" record.
func (s SlogSink) Write(group string, event []byte) {
	s.Log.Info("execution log", "log_group", group, "event", string(event))
}

// logLevels are the event types each level logs (AWS's "Log levels" table);
// ALL logs every event.
var logLevels = map[string]map[string]bool{
	"FATAL": set("ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"),
	"ERROR": set("ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut",
		"FailStateEntered", "EvaluationFailed",
		"LambdaFunctionFailed", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed", "LambdaFunctionTimedOut",
		"ActivityFailed", "ActivityScheduleFailed", "ActivityTimedOut",
		"MapStateAborted", "MapStateFailed", "MapIterationAborted", "MapIterationFailed", "MapRunAborted", "MapRunFailed",
		"ParallelStateAborted", "ParallelStateFailed",
		"TaskFailed", "TaskStartFailed", "TaskStateAborted", "TaskSubmitFailed", "TaskTimedOut", "WaitStateAborted"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// logging is a machine's stored loggingConfiguration.
type logging struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
	Destinations         []struct {
		CloudWatchLogsLogGroup *struct {
			LogGroupArn string `json:"logGroupArn"`
		} `json:"cloudWatchLogsLogGroup"`
	} `json:"destinations"`
}

// LogDestinationChecker is an ExecutionLogSink that can tell, when a state
// machine's logging is set up, whether its log group exists (a CloudWatch
// Logs endpoint can; a file cannot): found is false only when it surely does
// not.
type LogDestinationChecker interface {
	CheckDestination(ctx context.Context, logGroupARN string) (found bool, err error)
}

// CheckLogDestination refuses a logging configuration (stored form) whose log
// group the sink knows not to exist, as AWS refuses it at CreateStateMachine
// and UpdateStateMachine ("Log Destination not found."). A sink that cannot
// tell, or cannot be reached (logged), lets it pass.
func (s *Service) CheckLogDestination(ctx context.Context, stored string) error {
	checker, ok := s.logSink.(LogDestinationChecker)
	if !ok || stored == "" {
		return nil
	}
	var cfg logging
	if json.Unmarshal([]byte(stored), &cfg) != nil || cfg.Level == "" || cfg.Level == "OFF" ||
		len(cfg.Destinations) == 0 || cfg.Destinations[0].CloudWatchLogsLogGroup == nil {
		return nil
	}
	// A call of the API's; an endpoint slow to answer must not hold it.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	found, err := checker.CheckDestination(ctx, cfg.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn)
	if err != nil {
		s.log.Warn("could not check the log destination", "log_group", cfg.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn, "err", err)
		return nil
	}
	if !found {
		return serviceError("InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
	}
	return nil
}

// logBatch is one committed change's events, on their way to the sink.
type logBatch struct {
	x      *store.Execution
	events []store.Event
}

// committed hands a committed change's events to the log writer; when the
// writer falls behind by a whole queue, the batch is dropped (and counted in
// the log), so that logging never holds up commits.
func (s *Service) committed(x *store.Execution, events []store.Event) {
	select {
	case s.logQueue <- logBatch{x: x, events: events}:
	default:
		if n := s.logDropped.Add(1); n == 1 || n%1000 == 0 {
			s.log.Warn("execution logs are behind; events dropped", "dropped", n)
		}
	}
}

// writeLogs runs until ctx ends, writing the log events of each batch that
// its machine's loggingConfiguration asks for.
func (s *Service) writeLogs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			for { // what the engines committed before they stopped
				select {
				case b := <-s.logQueue:
					s.writeBatch(context.Background(), b)
				default:
					return
				}
			}
		case b := <-s.logQueue:
			s.writeBatch(ctx, b)
		}
	}
}

func (s *Service) writeBatch(ctx context.Context, b logBatch) {
	sm, err := s.Machine(ctx, b.x.MachineARN)
	if err != nil || sm.Logging == "" {
		return // a Distributed Map's child, or a machine deleted since
	}
	var cfg logging
	if json.Unmarshal([]byte(sm.Logging), &cfg) != nil || cfg.Level == "" || cfg.Level == "OFF" ||
		len(cfg.Destinations) == 0 || cfg.Destinations[0].CloudWatchLogsLogGroup == nil {
		return
	}
	group := cfg.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn
	only := logLevels[cfg.Level]
	for _, ev := range b.events {
		if out, ok := logEvent(b.x.ARN, ev.JSON, only, cfg.IncludeExecutionData); ok {
			s.logSink.Write(group, out)
		}
	}
}

// logEvent turns a history event (GetExecutionHistory's shape) into a log
// event in Step Functions' CloudWatch Logs format: id, type, details,
// previous_event_id, event_timestamp (milliseconds), execution_arn and
// redrive_count, the numbers as strings. Without execution data, the
// details lose input, output and assigned variables.
func logEvent(executionARN string, raw []byte, only map[string]bool, withData bool) ([]byte, bool) {
	v, err := jsonvalue.Parse(raw)
	if err != nil {
		return nil, false
	}
	ev, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, false
	}
	typ, _ := ev.Get("type")
	name, _ := typ.(string)
	if only != nil && !only[name] {
		return nil, false
	}
	out := jsonvalue.NewObject(7)
	id, _ := ev.Get("id")
	prev, _ := ev.Get("previousEventId")
	out.Set("id", jsonvalue.String(id))
	out.Set("type", name)
	details := jsonvalue.NewObject(0)
	for i := 0; i < ev.Len(); i++ {
		k, val := ev.At(i)
		if d, ok := val.(*jsonvalue.Object); ok && strings.HasSuffix(k, "EventDetails") {
			details = d
			if !withData {
				details = jsonvalue.NewObject(d.Len())
				for j := 0; j < d.Len(); j++ {
					dk, dv := d.At(j)
					switch dk {
					case "input", "inputDetails", "output", "outputDetails", "parameters", "assignedVariables", "assignedVariablesDetails":
						continue
					}
					details.Set(dk, dv)
				}
			}
		}
	}
	out.Set("details", details)
	out.Set("previous_event_id", jsonvalue.String(prev))
	ts, _ := ev.Get("timestamp")
	secs, _ := jsonvalue.ToFloat(ts)
	out.Set("event_timestamp", strconv.FormatInt(int64(math.Round(secs*1000)), 10))
	out.Set("execution_arn", executionARN)
	out.Set("redrive_count", "0")
	return jsonvalue.Append(nil, out), true
}
