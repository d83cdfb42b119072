package engine

import (
	"context"
	"fmt"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/memory"
)

// LocalOptions configure RunLocal.
type LocalOptions struct {
	// Runner runs the execution's tasks.
	Runner runner.Runner
	// TimeScale multiplies every wait: 1 (or 0) is real time, 0.01 makes a
	// 90-second Wait take 0.9 s; the execution still sees the full wait.
	TimeScale float64
	// Limits are the execution's quotas; zero means AWS's.
	Limits interp.Limits
	// Name, StateMachineARN and RoleArn identify the execution in its context
	// object and history; defaults are filled in.
	Name            string
	StateMachineARN string
	RoleArn         string
	// Source gives task tokens and random numbers; nil means crypto/rand.
	Source interp.Source
}

// LocalResult is a finished local execution: its row and its history, as the
// store keeps them.
type LocalResult struct {
	Execution *store.Execution
	History   []store.Event
}

// RunLocal runs one execution of def in memory, start to end, with the engine
// on a memory store: real (or scaled) timers and real task invocations. It
// returns when the execution ends, or with an error when ctx ends first.
func RunLocal(ctx context.Context, def *asl.Definition, input string, opts LocalOptions) (*LocalResult, error) {
	if opts.StateMachineARN == "" {
		opts.StateMachineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:local"
	}
	if opts.RoleArn == "" {
		opts.RoleArn = "arn:aws:iam::123456789012:role/stepd"
	}
	st := memory.New()
	e := New(Options{
		Store: st, Definitions: staticDefinitions{"local": def}, Runner: opts.Runner,
		Clock: NewScaledClock(opts.TimeScale), Source: opts.Source, Limits: opts.Limits, Shards: 1,
	})
	if err := e.Start(ctx); err != nil {
		return nil, err
	}
	defer e.StopWithin(0)
	machine := &store.StateMachine{ARN: opts.StateMachineARN, Name: machineName(opts.StateMachineARN), Type: "STANDARD",
		RoleARN: opts.RoleArn, RevisionID: "local"}
	row, _, err := e.StartExecution(ctx, StartRequest{Machine: machine, Name: opts.Name, Input: input})
	if err != nil {
		return nil, err
	}
	if row, err = e.WaitFinished(ctx, row.ID); err != nil {
		return nil, err
	}
	events, err := st.HistoryList(ctx, store.HistoryQuery{ExecutionID: row.ID, Limit: 1<<30})
	if err != nil {
		return nil, err
	}
	return &LocalResult{Execution: row, History: events}, nil
}

// staticDefinitions serves definitions held in memory.
type staticDefinitions map[string]*asl.Definition

func (s staticDefinitions) Definition(_ context.Context, rev string) (*asl.Definition, error) {
	if d := s[rev]; d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("definition %s: %w", rev, store.ErrNotFound)
}

// machineName returns the name part of a state machine ARN.
func machineName(arn string) string {
	const marker = ":stateMachine:"
	for i := len(arn) - len(marker); i >= 0; i-- {
		if arn[i:i+len(marker)] == marker {
			return arn[i+len(marker):]
		}
	}
	return arn
}
