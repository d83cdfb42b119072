package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// Command is a function implemented by a program: the event is JSON on its
// standard input, the result JSON on its standard output. A non-zero exit is a
// function error; if the program printed {"errorType", "errorMessage"} on
// standard output, that is the error, otherwise stepd reports Runtime.ExitError
// as Lambda does for a crashed runtime. Standard error goes to Log.
type Command struct {
	Args []string // the program and its arguments
	Dir  string   // working directory; empty: stepd's
	Env  []string // extra environment, KEY=VALUE
	// Timeout kills the program after this long (Lambda's function timeout);
	// zero means only the task's own timeout applies.
	Timeout time.Duration
	// Logger receives the program's standard error, line by line, tagged with
	// the invocation's execution. When it is nil, Log receives it as it is.
	Logger Logger
	// Log receives the program's standard error when Logger is nil; nil sends
	// it to stepd's standard error.
	Log io.Writer
}

var _ Function = (*Command)(nil)

// Invoke runs the program once.
func (c *Command) Invoke(ctx context.Context, inv *Invocation) (*Response, error) {
	if len(c.Args) == 0 {
		return nil, errors.New("the function has no command")
	}
	ctx, cancel := withTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Env = append(cmd.Env,
		"AWS_LAMBDA_FUNCTION_NAME="+inv.FunctionName,
		"AWS_LAMBDA_REQUEST_ID="+inv.RequestID,
	)
	if inv.ClientContext != "" {
		if cc, err := base64.StdEncoding.DecodeString(inv.ClientContext); err == nil {
			cmd.Env = append(cmd.Env, "STEPD_CLIENT_CONTEXT="+string(cc)) // the ClientContext, decoded
		}
	}
	if inv.Task != nil {
		cmd.Env = append(cmd.Env, "STEPD_EXECUTION_ARN="+inv.Task.ExecutionARN, "STEPD_IDEMPOTENCY_KEY="+inv.Task.IdempotencyKey())
		cmd.Env = append(cmd.Env, runner.TraceEnv(inv.Task.TraceHeader)...)
	}
	// Kill the whole process group on cancel, so a shell's children go too.
	cmd.SysProcAttr = groupAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	cmd.WaitDelay = time.Second
	cmd.Stdin = bytes.NewReader(inv.Payload)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	logw := c.Log
	if logw == nil {
		logw = os.Stderr
	}
	if c.Logger != nil {
		lw := newLineWriter(c.Logger, "stderr", tagsOf(inv))
		defer lw.Flush()
		logw = lw
	} else if inv.tail != nil {
		logw = io.MultiWriter(logw, inv.tail)
	}
	cmd.Stderr = logw
	err := cmd.Run()
	if err == nil {
		return &Response{Payload: stdout.Bytes()}, nil
	}
	if ctx.Err() != nil {
		return interrupted(ctx, inv, c.Timeout)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, fmt.Errorf("start %s: %w", c.Args[0], err)
	}
	if isErrorShape(stdout.Bytes()) {
		return &Response{Payload: bytes.TrimSpace(stdout.Bytes()), FunctionError: "Unhandled"}, nil
	}
	return exitError(inv, exit.Error()), nil
}

// withTimeout bounds ctx by a function's own timeout, when it has one.
func withTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, timeout)
}

// interrupted is the answer of an invocation its context cut off: Lambda's
// Sandbox.Timedout when the function's own timeout ran out, the context's
// error otherwise.
func interrupted(ctx context.Context, inv *Invocation, timeout time.Duration) (*Response, error) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && timeout > 0 {
		return timedOut(inv, timeout), nil
	}
	return nil, ctx.Err()
}

// timedOut is Lambda's error for a function that ran past its timeout.
func timedOut(inv *Invocation, d time.Duration) *Response {
	return runtimeError(inv, "Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", d.Seconds()))
}

// exitError is Lambda's error for a runtime that exited during an invocation.
func exitError(inv *Invocation, status string) *Response {
	return runtimeError(inv, "Runtime.ExitError", "Runtime exited with error: "+status)
}

// runtimeError is an error Lambda's runtime reports for an invocation, as the
// function's error payload.
func runtimeError(inv *Invocation, errorType, message string) *Response {
	o := jsonvalue.NewObject(2)
	o.Set("errorType", errorType)
	o.Set("errorMessage", "RequestId: "+inv.RequestID+" Error: "+message)
	return &Response{Payload: jsonvalue.Marshal(o), FunctionError: "Unhandled"}
}
