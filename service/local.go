package service

import (
	"context"
	"fmt"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/store"
)

// LocalMachine is a state machine of a local run.
type LocalMachine struct {
	Name       string
	Definition string // JSON or YAML
	Type       string // STANDARD (default) or EXPRESS
}

// LocalOptions configure RunLocal.
type LocalOptions struct {
	// Store and ExpressStore hold the run's machines and executions (memory
	// stores, for a run that leaves nothing behind). Required.
	Store, ExpressStore store.Store
	// Runner runs the executions' tasks.
	Runner runner.Runner
	// TimeScale multiplies every wait: 1 (or 0) is real time, 0.01 makes a
	// 90-second Wait take 0.9 s; the execution still sees the full wait.
	TimeScale float64
	// Limits are the executions' quotas; zero means AWS's.
	Limits interp.Limits
	// Region, Account and RoleArn make the machines' ARNs; defaults
	// us-east-1, 123456789012 and a role named stepd.
	Region, Account, RoleArn string
	// Name names the execution; "" for a UUID.
	Name string
	// Machines are the other state machines that the execution's nested
	// executions (states:startExecution) may start.
	Machines []LocalMachine
	// Source gives task tokens and random numbers; nil means crypto/rand.
	Source interp.Source
	// MockConfig and TestCase run the execution as test case TestCase of
	// the machine's entry in Step Functions Local's mock configuration
	// (Options.MockConfig); its nested executions may name test cases too.
	MockConfig *mock.Config
	TestCase   string
	// ItemReader and ResultWriter read Distributed Maps' items and write
	// their results (Options.ItemReader, Options.ResultWriter).
	ItemReader   runner.ItemReader
	ResultWriter runner.ResultWriter
}

// LocalResult is a finished local execution: its row and its history, as the
// store keeps them.
type LocalResult struct {
	Execution *store.Execution
	History   []store.Event
}

// RunLocal runs one execution of the machine m, start to end, on a service of
// its own over the given stores: real (or scaled) timers, real task
// invocations, and child executions of opts.Machines (and of m itself). It
// returns when the execution ends, or with an error when ctx ends first.
func RunLocal(ctx context.Context, m LocalMachine, input string, opts LocalOptions) (*LocalResult, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.RoleArn == "" {
		opts.RoleArn = "arn:aws:iam::" + opts.Account + ":role/stepd"
	}
	if m.Name == "" {
		m.Name = "local"
	}
	s := New(Options{Store: opts.Store, ExpressStore: opts.ExpressStore, Runner: opts.Runner,
		Clock: engine.NewScaledClock(opts.TimeScale), Source: opts.Source, Limits: opts.Limits, Shards: 4, MockConfig: opts.MockConfig,
		ItemReader: opts.ItemReader, ResultWriter: opts.ResultWriter})
	arns := map[string]string{}
	for _, lm := range append([]LocalMachine{m}, opts.Machines...) {
		arn, err := s.createLocal(ctx, lm, opts)
		if err != nil {
			return nil, err
		}
		arns[lm.Name] = arn
	}
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	defer s.StopWithin(0)
	// The run's own execution is kept with its history whatever its type (an
	// EXPRESS machine's children run on the EXPRESS engine, as they would on
	// stepd serve).
	target := arns[m.Name]
	if opts.TestCase != "" {
		target += "#" + opts.TestCase
	}
	_, _, er, err := s.check(ctx, StartRequest{MachineARN: target, Name: opts.Name, Input: input})
	if err != nil {
		return nil, err
	}
	row, err := s.standard.StartExecutionWait(ctx, er)
	if err != nil {
		return nil, err
	}
	res := &LocalResult{Execution: row}
	if res.History, err = opts.Store.HistoryList(ctx, store.HistoryQuery{ExecutionID: row.ID, Limit: 1 << 30}); err != nil {
		return nil, err
	}
	return res, nil
}

// createLocal validates a local machine's definition and creates the machine.
func (s *Service) createLocal(ctx context.Context, m LocalMachine, opts LocalOptions) (string, error) {
	if m.Type == "" {
		m.Type = TypeStandard
	}
	if !ValidName(m.Name) {
		return "", fmt.Errorf("state machine %q: the name is not valid", m.Name)
	}
	if _, err := asl.Parse([]byte(m.Definition), asl.ParseOptions{Type: m.Type}); err != nil {
		return "", fmt.Errorf("state machine %s: invalid definition: %w", m.Name, err)
	}
	arn := "arn:aws:states:" + opts.Region + ":" + opts.Account + ":stateMachine:" + m.Name
	now := time.Now()
	rev := "local-" + m.Name
	sm := &store.StateMachine{ARN: arn, Name: m.Name, Type: m.Type, Status: "ACTIVE", RoleARN: opts.RoleArn, RevisionID: rev,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.StateMachineCreate(ctx, sm, &store.Definition{RevisionID: rev, MachineARN: arn, Text: m.Definition, CreatedAt: now}); err != nil {
		return "", fmt.Errorf("state machine %s: %w", m.Name, err)
	}
	return arn, nil
}
