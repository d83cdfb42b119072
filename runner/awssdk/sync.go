package awssdk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// jobSpec is an optimized integration that starts a job and, with .sync,
// polls it until it ends: athena:startQueryExecution, glue:startJobRun.
type jobSpec struct {
	service, action string // "athena", "startQueryExecution"
	model           string // the table's service: "athena", "glue"
	poll            string // the action that reads the job: "getQueryExecution"
	// pollInput is the poll's parameters from the start's input and result.
	pollInput func(in, started *jsonvalue.Object) *jsonvalue.Object
	state     []string // the path of the job's state in the poll's result
	result    []string // the path of the .sync result in the poll's result; nil: all of it
	succeeded string
	failed    []string
}

var jobs = []jobSpec{
	{service: "athena", action: "startQueryExecution", model: "athena", poll: "getQueryExecution",
		pollInput: func(_, started *jsonvalue.Object) *jsonvalue.Object {
			id, _ := started.Get("QueryExecutionId")
			return jsonvalue.NewObject(1).With("QueryExecutionId", id)
		},
		state: []string{"QueryExecution", "Status", "State"}, succeeded: "SUCCEEDED", failed: []string{"FAILED", "CANCELLED"}},
	{service: "glue", action: "startJobRun", model: "glue", poll: "getJobRun",
		pollInput: func(in, started *jsonvalue.Object) *jsonvalue.Object {
			name, _ := in.Get("JobName")
			id, _ := started.Get("JobRunId")
			return jsonvalue.NewObject(2).With("JobName", name).With("RunId", id)
		},
		state: []string{"JobRun", "JobRunState"}, result: []string{"JobRun"}, succeeded: "SUCCEEDED",
		failed: []string{"FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}},
}

// jobPollInterval is how often a .sync job is read.
var jobPollInterval = time.Second

// Job runs an optimized job integration. It implements runner.Runner.
type Job struct {
	spec   jobSpec
	client *Generic
}

var _ runner.Runner = (*Job)(nil)

// Check reports whether the resource is the integration's action in
// request-response or .sync.
func (r *Job) Check(res asl.Resource) error {
	if res.Action != r.spec.action {
		return fmt.Errorf("the resource %s is not supported: the optimized %s integration offers %s (use arn:aws:states:::aws-sdk:%s:%s for other actions)",
			res.ARN, res.Service, r.spec.action, r.spec.model, res.Action)
	}
	if res.Pattern != asl.PatternRequestResponse && res.Pattern != asl.PatternSync {
		return fmt.Errorf("the resource %s is not supported: %s:%s runs as request-response or .sync", res.ARN, res.Service, res.Action)
	}
	return nil
}

// Run starts the job and, with .sync, waits for its end, reading it every
// jobPollInterval: its final description is the result; a job that failed
// fails the task with States.TaskFailed, the description as the cause.
func (r *Job) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	if err := r.Check(t.Resource); err != nil {
		return runner.Failed("States.Runtime", err.Error())
	}
	in, _ := t.Input.(*jsonvalue.Object)
	if in == nil {
		in = jsonvalue.NewObject(0)
	}
	out := r.client.invoke(ctx, r.spec.action, in)
	if out.Failure != nil || t.Resource.Pattern != asl.PatternSync {
		return out
	}
	started, _ := out.Output.(*jsonvalue.Object)
	if started == nil {
		started = jsonvalue.NewObject(0)
	}
	tick := time.NewTicker(jobPollInterval)
	defer tick.Stop()
	for {
		got := r.client.invoke(ctx, r.spec.poll, r.spec.pollInput(in, started))
		if got.Failure != nil {
			return got
		}
		state, _ := path(got.Output, r.spec.state).(string)
		result := got.Output
		if r.spec.result != nil {
			result = path(got.Output, r.spec.result)
		}
		switch {
		case state == r.spec.succeeded:
			return runner.Succeeded(result)
		case slices.Contains(r.spec.failed, state):
			return runner.Failed("States.TaskFailed", jsonvalue.String(result))
		}
		select {
		case <-ctx.Done():
			return runner.Failed("States.Timeout", "")
		case <-tick.C:
		}
	}
}

func path(v any, keys []string) any {
	for _, k := range keys {
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return nil
		}
		v, _ = o.Get(k)
	}
	return v
}
