// Package service is stepd's Step Functions service beneath its API: the
// registry of state machines that executions start from, the two engines that
// run them (STANDARD executions durable in the store, EXPRESS executions in
// memory), and the routing between the engines by machine type, execution ARN
// and task token. The API (awsapi) and the engine's own child executions
// (states:startExecution) both start executions here, so a child is checked
// and routed exactly as StartExecution is.
//
// Nothing guesses which engine owns what: an EXPRESS execution's ARN says so
// (arn:...:express:...), and so does a task token (the EXPRESS engine's carry
// the prefix ExpressTokenPrefix).
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/runner/sfn"
	"github.com/stepd/stepd/store"
)

// ExpressTokenPrefix starts the task tokens of the EXPRESS engine.
const ExpressTokenPrefix = "x."

// The state machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// Options configure a Service.
type Options struct {
	// Observer is told what both engines do (metrics, logs); nil: nothing.
	Observer engine.Observer
	// Store is durable: state machines, definitions, activities, tags,
	// STANDARD executions and their history. Required.
	Store store.Store
	// ExpressStore keeps EXPRESS executions (an in-memory store: they are
	// forgotten when they end). Nil refuses EXPRESS executions.
	ExpressStore store.Store
	// Runner runs task invocations (not activities or child executions).
	Runner runner.Runner
	// Clock is the engines' time; nil means the wall clock.
	Clock engine.Clock
	// Source gives task tokens and random numbers; nil means crypto/rand.
	Source interp.Source
	// Limits are the executions' quotas; zero means AWS's.
	Limits interp.Limits
	// Logger receives the engines' log; nil discards it.
	Logger *slog.Logger
	// Node, Lease and Poll are the STANDARD engine's (engine.Options).
	Node  string
	Lease time.Duration
	Poll  time.Duration
	// Shards is how many executions each engine advances at once.
	Shards int
	// BusyStarts is how many new executions each engine makes at once while
	// it runs steps of executions already started (engine.Options); 0: no
	// limit.
	BusyStarts int
	// ItemReader and ResultWriter read Distributed Maps' items and write their
	// results (S3); nil fails a Map that has one.
	ItemReader   runner.ItemReader
	ResultWriter runner.ResultWriter
	// MockConfig, when set, is Step Functions Local's mock configuration:
	// an execution started on "<machine ARN>#<test case>" runs that test
	// case (mock.go).
	MockConfig *mock.Config
	// RedriveWindow is how long after its end an execution may be redriven
	// (0: AWS's 14 days).
	RedriveWindow time.Duration
	// MaxVersions is the most versions a state machine may have (0: AWS's
	// 1,000; negative: no limit).
	MaxVersions int
	// MachineTTL is how long a start may use a state machine read before, so
	// that another node's update or deletion is seen within it (default 1s;
	// this service's own changes are seen at once through MachineChanged).
	MachineTTL time.Duration
	// ExecutionLogs receives the log events of machines whose
	// loggingConfiguration's level is not OFF; nil writes them to Logger.
	ExecutionLogs ExecutionLogSink
}

// Service is the Step Functions service of one stepd node. Create it with
// New, then Start it.
type Service struct {
	store        store.Store
	expressStore store.Store
	standard     *engine.Engine
	express      *engine.Engine
	maxPayload   int
	machines     machineCache
	runner       runner.Runner // TestState's tasks (teststate.go)
	mockConfig   *mock.Config  // mock.go
	mocks        *mock.Mocks
	defs         engine.DefinitionSource
	maxVersions  int
	redrive      time.Duration
	random       interp.Source // routes starts on aliases
	tracing      tracingCache  // tracing.go

	// Execution logs (logs.go): committed events wait in logQueue for the
	// writer, which sends what the machines' loggingConfiguration asks for
	// to logSink.
	log        *slog.Logger
	logSink    ExecutionLogSink
	logQueue   chan logBatch
	logDropped atomic.Int64
	logStop    context.CancelFunc
	logDone    chan struct{}
}

var _ engine.Children = (*Service)(nil)

// New returns a service and its engines; nothing runs until Start.
func New(opts Options) *Service {
	if opts.Limits == (interp.Limits{}) {
		opts.Limits = interp.DefaultLimits
	}
	if opts.MachineTTL <= 0 {
		opts.MachineTTL = time.Second
	}
	s := &Service{store: opts.Store, expressStore: opts.ExpressStore, maxPayload: opts.Limits.MaxPayloadBytes, runner: opts.Runner}
	s.machines.ttl = opts.MachineTTL
	s.maxVersions = opts.MaxVersions
	if s.maxVersions == 0 {
		s.maxVersions = DefaultMaxVersions
	}
	s.redrive = opts.RedriveWindow
	if s.redrive <= 0 {
		s.redrive = engine.DefaultRedriveWindow
	}
	s.random = opts.Source
	if s.random == nil {
		s.random = engine.CryptoSource{}
	}
	s.log = opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.logSink = opts.ExecutionLogs
	if s.logSink == nil {
		s.logSink = SlogSink{Log: s.log}
	}
	s.logQueue = make(chan logBatch, 4096)
	if opts.MockConfig != nil {
		s.mockConfig, s.mocks = opts.MockConfig, mock.NewMocks()
	}
	defs := engine.StoreDefinitions(opts.Store)
	s.defs = defs
	s.standard = engine.New(engine.Options{Store: opts.Store, Definitions: defs, Runner: opts.Runner, Clock: opts.Clock,
		Source: opts.Source, Limits: opts.Limits, Logger: opts.Logger, Node: opts.Node, Lease: opts.Lease, Poll: opts.Poll,
		Shards: opts.Shards, Children: s, ItemReader: opts.ItemReader, ResultWriter: opts.ResultWriter, Mocks: s.mocks,
		Committed: s.committed, Observer: opts.Observer, CheckActivities: true, BusyStarts: opts.BusyStarts})
	if opts.ExpressStore != nil {
		s.express = engine.New(engine.Options{Store: opts.ExpressStore, Definitions: defs, Runner: opts.Runner, Clock: opts.Clock,
			Source: opts.Source, Limits: opts.Limits, Logger: opts.Logger, Shards: opts.Shards, ForgetFinished: true,
			ExecutionPrefix: "express", TokenPrefix: ExpressTokenPrefix, Children: s, ItemReader: opts.ItemReader, ResultWriter: opts.ResultWriter, Mocks: s.mocks,
			Committed: s.committed, Observer: opts.Observer, BusyStarts: opts.BusyStarts})
	}
	return s
}

// Start starts the engines: EXPRESS first, which has nothing to resume, so
// that the STANDARD engine's resumed tasks can start EXPRESS children.
func (s *Service) Start(ctx context.Context) error {
	if s.logStop == nil {
		logCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.logStop, s.logDone = stop, make(chan struct{})
		go func() { defer close(s.logDone); s.writeLogs(logCtx) }()
	}
	engines := s.engines()
	for i := len(engines) - 1; i >= 0; i-- {
		if err := engines[i].Start(ctx); err != nil {
			s.Stop()
			return fmt.Errorf("start engine: %w", err)
		}
	}
	return nil
}

// Stop stops the engines gracefully, at once (engine.Engine.Stop). It is safe
// to call more than once.
func (s *Service) Stop() { s.StopWithin(10 * time.Second) }

// StopWithin is Stop with the grace period for running task invocations.
func (s *Service) StopWithin(grace time.Duration) {
	var wg sync.WaitGroup
	for _, e := range s.engines() {
		wg.Add(1)
		go func() { defer wg.Done(); e.StopWithin(grace) }()
	}
	wg.Wait()
	if s.logStop != nil {
		s.logStop()
		<-s.logDone
	}
}

func (s *Service) engines() []*engine.Engine {
	if s.express == nil {
		return []*engine.Engine{s.standard}
	}
	return []*engine.Engine{s.standard, s.express}
}

// Store is the durable store.
func (s *Service) Store() store.Store { return s.store }

// Standard is the STANDARD engine.
func (s *Service) Standard() *engine.Engine { return s.standard }

// Express is the EXPRESS engine, nil when EXPRESS executions are refused.
func (s *Service) Express() *engine.Engine { return s.express }

// MaxPayloadBytes is the largest execution input the service accepts.
func (s *Service) MaxPayloadBytes() int { return s.maxPayload }

// Errors, in the words of the Step Functions API.

func serviceError(code, format string, args ...any) *engine.ServiceError {
	return &engine.ServiceError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MaxQuoted is how many characters of a value a message quotes: a longer
// value is cut (Clip), so that a 7 MiB name is not echoed back whole. AWS
// echoes a value whole (its recordings quote a nextToken of 3,097
// characters and a routing configuration of 420), and so does stepd up to
// this bound.
const MaxQuoted = 4096

// Clip shortens s to max characters, marking the cut with "...".
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// MachineNotFound is StateMachineDoesNotExist for arn.
func MachineNotFound(arn string) *engine.ServiceError {
	return serviceError("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", Clip(arn, MaxQuoted))
}

// InvalidArn is InvalidArn for the reason given.
func InvalidArn(reason string) *engine.ServiceError {
	return serviceError("InvalidArn", "Invalid Arn: '%s'", Clip(reason, 2*MaxQuoted))
}

// InvalidName is InvalidName for name.
func InvalidName(name string) *engine.ServiceError {
	return serviceError("InvalidName", "Invalid Name: '%s'", Clip(name, MaxQuoted))
}

// InvalidInput is InvalidExecutionInput for the reason given.
func InvalidInput(reason string) *engine.ServiceError {
	return serviceError("InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'", Clip(reason, 2*MaxQuoted))
}

// TypeNotSupported is StateMachineTypeNotSupported.
func TypeNotSupported() *engine.ServiceError {
	return serviceError("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
}

// ExecutionExists is ExecutionAlreadyExists for arn.
func ExecutionExists(arn string) *engine.ServiceError {
	return serviceError("ExecutionAlreadyExists", "Execution Already Exists: '%s'", Clip(arn, MaxQuoted))
}

// StartRequest asks for an execution.
type StartRequest struct {
	MachineARN  string
	Name        string // "" for a UUID
	Input       string // JSON text; "" means {}
	TraceHeader string
	// Parent and ParentWaits link a child execution to its parent's task
	// (engine.StartRequest).
	Parent      string
	ParentWaits string
}

// Started is an execution a start started, or found.
type Started struct {
	Row *store.Execution
	// Created is false when an execution of that name and input was running
	// already (StartExecution's idempotency).
	Created bool
	// Express is set for an EXPRESS machine's execution.
	Express bool
	// Engine runs it.
	Engine *engine.Engine
}

// check applies StartExecution's checks to a request and returns the machine
// and the engine's request, and the engine that runs the machine's executions.
func (s *Service) check(ctx context.Context, req StartRequest) (*store.StateMachine, *engine.Engine, engine.StartRequest, error) {
	var er engine.StartRequest
	machineARN, tc, err := s.testCase(req.MachineARN)
	if err != nil {
		return nil, nil, er, err
	}
	req.MachineARN = machineARN
	if _, err := ParseARN(req.MachineARN, "stateMachine"); err != nil {
		return nil, nil, er, err
	}
	if req.Name != "" && !ValidName(req.Name) {
		return nil, nil, er, InvalidName(req.Name)
	}
	if req.Input == "" {
		req.Input = "{}"
	}
	if err := CheckInput(req.Input, s.maxPayload); err != nil {
		return nil, nil, er, err
	}
	sm, versionARN, aliasARN, err := s.machineFor(ctx, req.MachineARN)
	if err != nil {
		return nil, nil, er, err
	}
	if tc != nil {
		if err := s.checkTestCase(ctx, sm, tc); err != nil {
			return nil, nil, er, err
		}
	}
	eng := s.standard
	if sm.Type == TypeExpress {
		if eng = s.express; eng == nil {
			return nil, nil, er, TypeNotSupported()
		}
	}
	er = engine.StartRequest{Machine: sm, Name: req.Name, Input: req.Input, TraceHeader: req.TraceHeader,
		Parent: req.Parent, ParentWaits: req.ParentWaits, TestCase: tc, VersionARN: versionARN, AliasARN: aliasARN}
	return sm, eng, er, nil
}

// StartExecution starts an execution of a machine, on the engine of its type,
// after StartExecution's checks. Refusals are *engine.ServiceError values.
func (s *Service) StartExecution(ctx context.Context, req StartRequest) (*Started, error) {
	sm, eng, er, err := s.check(ctx, req)
	if err != nil {
		return nil, err
	}
	row, created, err := eng.StartExecution(ctx, er)
	if err != nil {
		return nil, startError(err, eng, sm, er)
	}
	return &Started{Row: row, Created: created, Express: sm.Type == TypeExpress, Engine: eng}, nil
}

// StartSyncExecution starts an EXPRESS execution and waits until it ends, or
// ctx does, and returns its final row.
func (s *Service) StartSyncExecution(ctx context.Context, req StartRequest) (*store.Execution, error) {
	sm, eng, er, err := s.check(ctx, req)
	if err != nil {
		return nil, err
	}
	if sm.Type != TypeExpress {
		return nil, TypeNotSupported()
	}
	row, err := eng.StartExecutionWait(ctx, er)
	if err != nil {
		return nil, startError(err, eng, sm, er)
	}
	return row, nil
}

func startError(err error, eng *engine.Engine, sm *store.StateMachine, er engine.StartRequest) error {
	if errors.Is(err, engine.ErrExecutionExists) {
		return ExecutionExists(eng.ExecutionARN(sm.ARN, er.Name))
	}
	return err
}

// engineOfARN returns the engine that owns an execution ARN.
func (s *Service) engineOfARN(arn string) *engine.Engine {
	if s.express != nil && IsExpressARN(arn) {
		return s.express
	}
	return s.standard
}

// engineOfToken returns the engine that owns a task token.
func (s *Service) engineOfToken(token string) *engine.Engine {
	if s.express != nil && s.express.Owns(token) {
		return s.express
	}
	return s.standard
}

// RedriveExecution redrives an ended STANDARD execution
// (engine.Engine.RedriveExecution) within the service's redrive window.
func (s *Service) RedriveExecution(ctx context.Context, arn, clientToken string) (*store.Execution, error) {
	return s.engineOfARN(arn).RedriveExecution(ctx, arn, clientToken, s.redrive)
}

// Redrivable reports whether an execution can be redriven, and why not.
func (s *Service) Redrivable(row *store.Execution) (bool, string) {
	return s.engineOfARN(row.ARN).Redrivable(row, s.redrive)
}

// StopExecution stops a running execution (engine.Engine.StopExecution), on
// the engine its ARN names.
func (s *Service) StopExecution(ctx context.Context, arn, errName, cause string) (*store.Execution, error) {
	return s.engineOfARN(arn).StopExecution(ctx, arn, errName, cause)
}

// AnswerTask answers a task token (engine.Engine.AnswerTask), on the engine
// the token names.
func (s *Service) AnswerTask(ctx context.Context, token string, a engine.TaskAnswer) error {
	return s.engineOfToken(token).AnswerTask(ctx, token, a)
}

// TaskExecution returns the ARN of the execution a task token belongs to,
// from the store of the engine the token names; store.ErrNotFound when none
// is known.
func (s *Service) TaskExecution(ctx context.Context, token string) (string, error) {
	st := s.store
	if s.engineOfToken(token) == s.express {
		st = s.expressStore
	}
	t, err := st.TaskGet(ctx, token)
	if err != nil {
		return "", err
	}
	x, err := st.ExecutionGetByID(ctx, t.ExecutionID)
	if err != nil {
		return "", err
	}
	return x.ARN, nil
}

// PollActivity hands an activity task to a worker (engine.Engine.PollActivity).
// Activities are STANDARD's alone: EXPRESS machines cannot use them.
func (s *Service) PollActivity(ctx context.Context, activityARN, worker string) (*engine.ActivityTask, error) {
	return s.standard.PollActivity(ctx, activityARN, worker)
}

// StartChild implements engine.Children: the child is started as
// StartExecution starts an execution; a second delivery of the same task
// finds the child the first one started.
func (s *Service) StartChild(ctx context.Context, req engine.ChildStart) (*engine.ChildStarted, error) {
	// Accounts are apart: a task starts its own account's machines only.
	if machine, err := ParseARN(req.StateMachineARN, "stateMachine"); err == nil && req.ParentExecution != "" {
		if parent, err := ParseARN(req.ParentExecution, "execution", "express"); err == nil && parent.Account != machine.Account {
			return nil, MachineNotFound(req.StateMachineARN)
		}
	}
	sm, eng, er, err := s.check(ctx, StartRequest{MachineARN: req.StateMachineARN, Name: req.Name, Input: req.Input,
		TraceHeader: req.TraceHeader, Parent: req.ParentToken, ParentWaits: req.ParentWaits})
	if err != nil {
		return nil, err
	}
	row, created, err := eng.StartExecution(ctx, er)
	switch {
	case errors.Is(err, engine.ErrExecutionExists):
		st := s.store
		if eng == s.express {
			st = s.expressStore
		}
		existing, ferr := st.ExecutionFind(ctx, sm.ARN, er.Name)
		// The name a task without a Name gets derives from its unguessable
		// token: an execution of that name is the one an earlier delivery (of
		// this stepd or an older one) started.
		if ferr == nil && (existing.Parent == req.ParentToken || er.Name == sfn.NameFor(req.ParentToken)) {
			return &engine.ChildStarted{Row: existing, Engine: eng, Watch: existing.Parent != req.ParentToken}, nil
		}
		return nil, ExecutionExists(eng.ExecutionARN(sm.ARN, er.Name))
	case err != nil:
		return nil, err
	}
	// An execution found by StartExecution's idempotency is someone else's
	// child, if anyone's: it will not report its end to this task.
	watch := !created && row.Parent != req.ParentToken
	return &engine.ChildStarted{Row: row, Created: created, Engine: eng, Watch: watch}, nil
}

// StopChild implements engine.Children.
func (s *Service) StopChild(ctx context.Context, arn string) error {
	_, err := s.StopExecution(ctx, arn, "", "")
	if errors.Is(err, engine.ErrExecutionDoesNotExist) {
		return nil
	}
	return err
}

// ChildEnded implements engine.Children.
func (s *Service) ChildEnded(ctx context.Context, child *store.Execution) {
	s.engineOfToken(child.Parent).DeliverChildEnd(ctx, child)
}

// StartMapChild implements engine.Children: a Map Run's child starts on
// the engine of the run's child type; when that is not the run's own engine
// (an EXPRESS child), the item moves to running first, in the run's store.
func (s *Service) StartMapChild(ctx context.Context, c engine.MapChildStart) error {
	eng := s.standard
	if c.Run.ChildType == TypeExpress {
		if eng = s.express; eng == nil {
			return TypeNotSupported()
		}
	}
	if sm, err := s.Machine(ctx, c.Parent.MachineARN); err == nil {
		c.RoleARN = sm.RoleARN
	}
	if eng != c.Coordinator {
		if err := c.Coordinator.MoveMapItem(ctx, store.MapItemUpdate{Run: c.Run.ARN, Index: c.Item.Index,
			From: []store.MapItemStatus{store.MapItemPending}, To: store.MapItemRunning}); err != nil {
			return err
		}
	}
	_, err := eng.StartMapChild(ctx, c)
	return err
}

// MapChildEnded implements engine.Children: the end goes to the engine whose
// store holds the child's run.
func (s *Service) MapChildEnded(ctx context.Context, child *store.Execution) {
	eng := s.standard
	if _, err := s.store.MapRunGet(ctx, child.MapRun); err != nil && s.express != nil {
		eng = s.express
	}
	_ = eng.RecordMapChildEnd(ctx, child)
}

// IsExpressARN reports whether an execution ARN is an EXPRESS execution's
// (arn:<partition>:states:<region>:<account>:express:...).
func IsExpressARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 7)
	return len(parts) == 7 && parts[5] == "express"
}

// ARN is a parsed Step Functions ARN:
// arn:<partition>:states:<region>:<account>:<type>:<resource>.
type ARN struct {
	Partition, Region, Account string
	Type                       string
	Resource                   string // everything after "<type>:"
}

// ParseARN parses a Step Functions ARN and checks its resource type is one of
// types, with AWS's messages: "Invalid ARN prefix: <arn>" for what is not a
// Step Functions ARN, "Resource type not valid in this context: <type>" for
// the wrong kind of resource (both InvalidArn).
func ParseARN(s string, types ...string) (ARN, error) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[1] == "" || parts[2] != "states" || parts[6] == "" {
		return ARN{}, InvalidArn("Invalid ARN prefix: " + s)
	}
	a := ARN{Partition: parts[1], Region: parts[3], Account: parts[4], Type: parts[5], Resource: parts[6]}
	for _, t := range types {
		if a.Type == t {
			return a, nil
		}
	}
	return a, InvalidArn("Resource type not valid in this context: " + strings.ToLower(a.Type))
}

// CheckInput checks an execution input: JSON text of at most max bytes (AWS:
// 256 KiB).
func CheckInput(s string, max int) error {
	switch {
	case len(s) > max:
		return InvalidInput("The input is " + strconv.Itoa(len(s)) + " bytes, more than the maximum of " + strconv.Itoa(max) + " bytes")
	case strings.TrimSpace(s) == "":
		return InvalidInput("Invalid execution input.")
	}
	if _, err := jsonvalue.ParseString(s); err != nil {
		// In the words of AWS's parser ("Unrecognized token 'not': was
		// expecting ..."), without its location, as AWS answers.
		msg, _, _ := asl.JSONSyntaxMessage([]byte(s), err)
		return InvalidInput(msg)
	}
	return nil
}
