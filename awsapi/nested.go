package awsapi

import (
	"context"
	"errors"
	"strings"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/store"
)

// NestedStart is a StartExecution that a Task state asks for
// (arn:aws:states:::states:startExecution): the same request as the API
// action's, checked the same way, and the invocation that asks for it.
type NestedStart struct {
	StateMachineARN string
	Name            string // "" is refused: the caller names the execution, so that asking again finds it
	Input           string // JSON text
	TraceHeader     string
	// Parent names the task invocation that starts the execution; it is
	// kept on the execution. An execution of the same machine and name with
	// the same Parent is the one an earlier delivery of the invocation
	// started: asking again returns it instead of ExecutionAlreadyExists.
	Parent string
}

// Nested is an execution a Task state started.
type Nested struct {
	Row *store.Execution
	// Created is false when the execution existed: an earlier delivery of the
	// same invocation started it, or one of that name and input was running.
	Created bool
	// Express is set for an EXPRESS machine's execution.
	Express bool
	// Wait returns the execution's final row once it ends, or ctx's error
	// first. Call it once.
	Wait func(ctx context.Context) (*store.Execution, error)
}

// StartNested starts an execution for a Task state. Its errors are the API's
// (ErrorCode tells their code and message).
func (h *Handler) StartNested(ctx context.Context, in NestedStart) (*Nested, error) {
	req := startExecutionInput{StateMachineArn: &in.StateMachineARN, Name: &in.Name, Input: &in.Input}
	if in.TraceHeader != "" {
		req.TraceHeader = &in.TraceHeader
	}
	if h.authenticate != nil && in.Parent != "" {
		// Accounts are apart: a Task starts only its own account's machines.
		ctx = withAccount(ctx, arnAccount(in.Parent))
	}
	sm, start, err := h.checkStart(ctx, &req)
	if err != nil {
		return nil, err
	}
	start.Parent = in.Parent
	eng, err := h.engineFor(ctx, sm)
	if err != nil {
		return nil, err
	}
	n := &Nested{Express: sm.Type == typeExpressM}
	n.Row, n.Created, n.Wait, err = eng.StartExecutionWatch(ctx, start)
	if errors.Is(err, engine.ErrExecutionExists) && in.Parent != "" {
		st := h.store
		if n.Express && h.expressStore != nil {
			st = h.expressStore
		}
		if row, ferr := st.ExecutionFind(ctx, sm.ARN, start.Name); ferr == nil && row.Parent == in.Parent {
			n.Row, n.Created = row, false
			n.Wait = func(ctx context.Context) (*store.Execution, error) {
				if row.Status != string(interp.StatusRunning) {
					return row, nil
				}
				return eng.WaitFinished(ctx, row.ID)
			}
			return n, nil
		}
	}
	if err != nil {
		return nil, engineError(err, eng.ExecutionARN(sm.ARN, start.Name))
	}
	return n, nil
}

// StopNested stops an execution a Task state started, when the Task no
// longer waits for it; one that ended or is gone is left as it is.
func (h *Handler) StopNested(ctx context.Context, executionARN, errName, cause string) error {
	eng := h.std
	if strings.Contains(executionARN, ":"+typeExpress+":") {
		eng = h.express
	}
	if eng == nil {
		return nil
	}
	_, err := eng.StopExecution(ctx, executionARN, errName, cause)
	if errors.Is(err, engine.ErrExecutionDoesNotExist) {
		return nil
	}
	return err
}

// ErrorCode returns the AWS error code and message of an error the handler's
// methods return; ok is false for an error of stepd's own (a failing store).
func ErrorCode(err error) (code, message string, ok bool) {
	var e *apiError
	if errors.As(err, &e) {
		return e.code, e.message, true
	}
	return "", "", false
}
