// Package runner is the seam between the engine and the outside work of Task
// states: a Runner carries out one task invocation, and a Router picks the runner
// for a Task's Resource. Each kind of work (Lambda functions, activities, HTTP,
// nested executions, AWS service integrations) lives in its own subpackage and
// plugs in here, so adding one touches nothing else.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
)

// Task is one invocation of a Task state's resource.
type Task struct {
	ID           int64 // unique within the execution; with the execution ARN, an idempotency key
	ExecutionARN string
	StateName    string
	Resource     asl.Resource
	Input        any    // the effective input (Parameters or Arguments)
	Token        string // the task token ($$.Task.Token)
	Timeout      time.Duration
	Heartbeat    time.Duration
	Attempt      int
	Credentials  any
	// TraceHeader is the trace context the task's calls carry, in X-Ray's
	// format (ParseTraceHeader reads it), when its execution is traced; ""
	// when it is not.
	TraceHeader string
}

// ErrCancelled is the cause (context.Cause) of a task's context when the
// execution no longer waits for the task: its state timed out, the execution
// stopped or failed, or a Parallel branch failed. A runner that started work
// of its own outside stepd's reach (a nested execution) should stop it then.
// When the engine stops instead, the cause is different: the task stays
// pending, and the engine's next start runs it again.
var ErrCancelled = errors.New("the execution no longer waits for this task")

// IdempotencyKey identifies the invocation across retries of the delivery
// (not across Retry attempts, which are new invocations): a function that must
// not act twice can de-duplicate on it.
func (t *Task) IdempotencyKey() string {
	return fmt.Sprintf("%s/%d", t.ExecutionARN, t.ID)
}

// Outcome is how an invocation ended, as far as the runner knows.
type Outcome struct {
	// Output is the task's result when it succeeded.
	Output any
	// Failure is set when it failed.
	Failure *aslerr.Failure
	// Pending means the runner handed the task on (to an activity worker, or to
	// whoever holds its token) and its outcome will arrive later through the task
	// token.
	Pending bool
}

// Succeeded returns the outcome of a task that returned output.
func Succeeded(output any) Outcome { return Outcome{Output: output} }

// Failed returns the outcome of a task that failed.
func Failed(name, cause string) Outcome { return Outcome{Failure: aslerr.New(name, cause)} }

// Runner carries out task invocations. Run is called from many goroutines at
// once; it must return when ctx is done (the task timed out, the execution
// stopped), and it should honour the task's Timeout itself only where it can do
// better than the engine's timer.
type Runner interface {
	Run(ctx context.Context, t *Task) Outcome
}

// Checker is a Runner that can tell, when a state machine is made, whether
// it can run a Task's resource: Check returns an error that names the
// resource when it cannot.
type Checker interface {
	Check(res asl.Resource) error
}

// RunnerFunc adapts a function to a Runner.
type RunnerFunc func(ctx context.Context, t *Task) Outcome

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, t *Task) Outcome { return f(ctx, t) }

// Router picks the runner for a resource: Lambda functions (an ARN, or the
// lambda:invoke integration) and service integrations by service name ("sqs",
// "aws-sdk:s3", "http", ...). Activities wait for workers and child
// executions are the engine's: neither has a runner.
type Router struct {
	Lambda       Runner
	Integrations map[string]Runner
}

// Runner returns the runner for a resource, or an error naming the resource
// when stepd cannot run it.
func (r *Router) Runner(res asl.Resource) (Runner, error) {
	var run Runner
	switch {
	case res.IsLambdaInvoke():
		run = r.Lambda
	case res.Kind == asl.ResourceIntegration:
		run = r.Integrations[res.Service]
	}
	if run == nil {
		return nil, fmt.Errorf("the resource %s is not supported by this stepd", res.ARN)
	}
	return run, nil
}

// Run runs a task with the runner for its resource; a resource without one
// fails the task as AWS fails a task it cannot start.
func (r *Router) Run(ctx context.Context, t *Task) Outcome {
	run, err := r.Runner(t.Resource)
	if err != nil {
		return Failed(aslerr.Runtime, err.Error())
	}
	return run.Run(ctx, t)
}

// RequestID returns a request ID as AWS makes them: a random UUID.
func RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return UUID(b)
}

// UUID formats 16 bytes as a version 4 UUID (setting its version and variant
// bits): with random bytes, a random UUID; with a hash, a name derived from
// what was hashed.
func UUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
