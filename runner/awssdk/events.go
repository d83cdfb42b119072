package awssdk

import (
	"context"
	"fmt"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// PutEvents runs the optimized EventBridge integration,
// arn:aws:states:::events:putEvents (request-response and
// .waitForTaskToken): EventBridge's PutEvents, with the execution's and its
// state machine's ARNs appended to each entry's Resources, failing with
// EventBridge.FailedEntry when the response counts a failed entry, as AWS
// documents. It implements runner.Runner.
type PutEvents struct {
	events *Generic
}

var _ runner.Runner = (*PutEvents)(nil)

// Check reports whether the resource is events:putEvents in a pattern AWS
// offers.
func (r *PutEvents) Check(res asl.Resource) error {
	if res.Action != "putEvents" {
		return fmt.Errorf("the resource %s is not supported: the optimized events integration offers putEvents (use arn:aws:states:::aws-sdk:eventbridge:%s for other actions)",
			res.ARN, res.Action)
	}
	if res.Pattern != asl.PatternRequestResponse && res.Pattern != asl.PatternWaitForTaskToken {
		return fmt.Errorf("the resource %s is not supported: events:putEvents runs as request-response or .waitForTaskToken", res.ARN)
	}
	return nil
}

// Run puts the events.
func (r *PutEvents) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	if err := r.Check(t.Resource); err != nil {
		return runner.Failed("States.Runtime", err.Error())
	}
	in, ok := t.Input.(*jsonvalue.Object)
	if !ok {
		return runner.Failed("States.Runtime", "The parameters must be an object")
	}
	if entries, ok := in.Get("Entries"); ok {
		list, ok := entries.([]any)
		if !ok {
			return runner.Failed("States.Runtime", "The field 'Entries' must be an array")
		}
		added := make([]any, len(list))
		for i, e := range list {
			o, ok := e.(*jsonvalue.Object)
			if !ok {
				return runner.Failed("States.Runtime", fmt.Sprintf("The field 'Entries[%d]' must be an object", i))
			}
			var resources []any
			if prev, ok := o.Get("Resources"); ok {
				resources, _ = prev.([]any)
			}
			resources = append(append([]any{}, resources...), t.ExecutionARN, stateMachineARN(t.ExecutionARN))
			added[i] = o.With("Resources", resources)
		}
		in = in.With("Entries", added)
	}
	out := r.events.invoke(ctx, "putEvents", in)
	if out.Failure != nil {
		return out
	}
	if o, ok := out.Output.(*jsonvalue.Object); ok {
		if n, _ := o.Get("FailedEntryCount"); n != nil && jsonvalue.String(n) != "0" {
			return runner.Failed("EventBridge.FailedEntry", jsonvalue.String(o))
		}
	}
	return out
}

// stateMachineARN is the state machine of an execution ARN
// (arn:aws:states:r:a:execution:m:e is arn:aws:states:r:a:stateMachine:m).
func stateMachineARN(execution string) string {
	parts := strings.Split(execution, ":")
	if len(parts) < 7 || parts[5] != "execution" {
		return execution
	}
	parts[5] = "stateMachine"
	return strings.Join(parts[:7], ":")
}
