package service

import (
	"context"
	"errors"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/sfn"
)

// HTTPExchange is an HTTP Task's request and response, for TestState's
// TRACE inspection data (runner.HTTPExchange).
type HTTPExchange = runner.HTTPExchange

// TestStateTimeout is the longest a TestState call runs its state's task
// (AWS: five minutes); past it the task fails with States.Timeout.
const TestStateTimeout = 5 * time.Minute

// RunTestTask runs the task of a state that TestState runs without a mock,
// as an execution's task runs: with the service's runner (Lambda functions,
// HTTP Tasks, AWS services), or, for states:startExecution
// (request-response), by starting the execution on this service. It returns
// the task's outcome as the event the interpreter takes. A non-nil exchange
// records an HTTP Task's request and response. A non-empty account is the
// only account whose state machines the task may start (the caller's, when
// accounts are kept apart). Activities and the
// .sync and .waitForTaskToken patterns wait for something TestState does not
// wait for: the API refuses them without a mock.
func (s *Service) RunTestTask(ctx context.Context, executionARN, account string, d *interp.TaskDispatch, exchange *HTTPExchange) interp.Event {
	if exchange != nil {
		ctx = runner.WithHTTPExchange(ctx, exchange)
	}
	timeout := TestStateTimeout
	if t := time.Duration(d.TimeoutSeconds) * time.Second; t > 0 && t < timeout {
		timeout = t
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(f *aslerr.Failure) interp.Event {
		return interp.Event{Kind: interp.EventTaskFailed, TaskID: d.TaskID, Error: f.Name, Cause: f.Cause}
	}
	var out runner.Outcome
	switch {
	case sfn.IsStartExecution(d.Resource):
		req, f := sfn.ParseRequest(d.Input, d.Token)
		if f != nil {
			return fail(f)
		}
		if a, err := ParseARN(req.StateMachineARN, "stateMachine"); account != "" && err == nil && a.Account != account {
			return fail(sfn.ServiceFailure("StateMachineDoesNotExist", MachineNotFound(req.StateMachineARN).Message))
		}
		started, err := s.StartExecution(ctx, StartRequest{MachineARN: req.StateMachineARN, Name: req.Name, Input: req.Input, TraceHeader: req.TraceHeader})
		if err != nil {
			var se *engine.ServiceError
			if errors.As(err, &se) {
				return fail(sfn.ServiceFailure(se.Code, se.Message))
			}
			return fail(aslerr.New(aslerr.TaskFailed, err.Error()))
		}
		out = runner.Succeeded(sfn.StartResponse(&sfn.Execution{ARN: started.Row.ARN, Start: started.Row.StartTime}))
	case s.runner == nil:
		out = runner.Failed(aslerr.Runtime, "no task runner is configured")
	default:
		out = s.runner.Run(ctx, &runner.Task{ID: d.TaskID, ExecutionARN: executionARN, StateName: d.State,
			Resource: d.Resource, Input: d.Input, Token: d.Token, Timeout: timeout, Attempt: d.Attempt, Credentials: d.Credentials})
	}
	switch {
	case ctx.Err() != nil && out.Failure == nil:
		return fail(aslerr.New(aslerr.Timeout, ""))
	case out.Failure != nil:
		return fail(out.Failure)
	}
	return interp.Event{Kind: interp.EventTaskSucceeded, TaskID: d.TaskID, Output: out.Output}
}

// TestStateWaits reports whether a Task's resource waits for something
// TestState does not wait for without a mock: an activity worker, a .sync
// job, a task token.
func TestStateWaits(r asl.Resource) bool {
	return r.Kind == asl.ResourceActivity || r.Pattern != asl.PatternRequestResponse
}
