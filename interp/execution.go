package interp

import (
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Status is an execution's status, as DescribeExecution reports it.
type Status string

// The execution statuses.
const (
	StatusRunning   Status = "RUNNING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// Limits are the service quotas an execution runs under.
type Limits struct {
	// MaxPayloadBytes caps a state's input, output and a task's result
	// (AWS: 256 KiB). Larger data fails with States.DataLimitExceeded.
	MaxPayloadBytes int
	// MaxHistoryEvents caps the history (AWS: 25,000 events). The cap holds
	// inside a step: an event past it is never appended, the execution fails
	// instead.
	MaxHistoryEvents int64
	// MaxInlineMapConcurrency caps the iterations an inline Map runs at once,
	// whatever its MaxConcurrency (AWS: 40). 0 means 40.
	MaxInlineMapConcurrency int `json:",omitempty"`
	// MaxStepTransitions caps the transitions (a state entered or left) one
	// Step makes; past it, and when the Source says so (Yielder), the step
	// ends and the rest of the work continues in a step of its own, at once,
	// so that one execution's long run of Pass and Choice states never holds
	// up others, or a stop. 0 means DefaultStepTransitions.
	MaxStepTransitions int `json:",omitempty"`
	// Eval is the budget of each evaluation of an expression (a JSONata
	// expression, an indefinite JSONPath, an intrinsic function call): the
	// steps, bytes and time it may spend before it fails its state with
	// States.QueryEvaluationError (JSONata) or States.Runtime, which Retry
	// and Catch see as any other error of the state. Its zero fields are
	// budget.Default's. The time is measured on the Source's Clock.
	Eval budget.Limits `json:",omitzero"`
}

// DefaultLimits are AWS's quotas.
var DefaultLimits = Limits{MaxPayloadBytes: 256 * 1024, MaxHistoryEvents: 25000}

// The defaults of the limits whose zero value means "the default".
const (
	DefaultInlineMapConcurrency = 40
	DefaultStepTransitions      = 10000
)

func (l Limits) inlineMapConcurrency() int {
	if l.MaxInlineMapConcurrency > 0 {
		return l.MaxInlineMapConcurrency
	}
	return DefaultInlineMapConcurrency
}

func (l Limits) stepTransitions() int {
	if l.MaxStepTransitions > 0 {
		return l.MaxStepTransitions
	}
	return DefaultStepTransitions
}

// Clock is a Source that reads a wall clock: the time budget of each
// evaluation (Limits.Eval.Time) is measured on it, every few thousand steps
// of the evaluation. With a Source that is no Clock, only the steps and the
// bytes bound an evaluation. The interpreter reads no clock of its own.
type Clock interface {
	Now() time.Time
}

// clockOf is the clock of a Source, or nil.
func clockOf(src any) func() time.Time {
	if c, ok := src.(Clock); ok {
		return c.Now
	}
	return nil
}

// Yielder is a Source that can tell a Step it has run long enough (a wall
// clock's deadline, for a step's time): Step asks between transitions, and
// when Yield reports true it ends the step and continues in another, as past
// Limits.MaxStepTransitions.
type Yielder interface {
	Yield() bool
}

// Execution is the whole progress of one execution. The interpreter changes it in
// place in Step; between steps it is plain data that the engine persists.
type Execution struct {
	Info   *asl.ExecutionInfo
	Limits Limits

	Status    Status
	Output    any // when SUCCEEDED
	Error     string
	Cause     string
	StartTime time.Time
	StopTime  time.Time

	LastEventID int64
	// NextID numbers paths, tasks and timers; each ID is used once.
	NextID int64
	// Paths are the active paths by ID; the root path has ID RootPathID.
	Paths map[int64]*Path
	// TimeoutTimer is the machine-level TimeoutSeconds timer, or 0.
	TimeoutTimer int64
	// ContinueTimer is armed, due at once, by a step that yielded: when it
	// fires, the paths that were still runnable (Resume, in turn order) go on
	// where they were, as if the step had not ended.
	ContinueTimer int64
	Resume        []int64
	// Redrive is set when the execution ended FAILED, TIMED_OUT or ABORTED:
	// its encoded state to resume from (redrive.go). It is not part of the
	// encoding of a running execution.
	Redrive []byte
}

// RootPathID is the ID of an execution's top-level path.
const RootPathID = 1

// Phase is what a path is doing.
type Phase uint8

// The phases of a path.
const (
	// PhaseEnter: the path is about to enter State with Input.
	PhaseEnter Phase = iota
	// PhaseExit: State is done; the path is about to leave it with Output.
	PhaseExit
	// PhaseWait: a Wait state's timer is armed.
	PhaseWait
	// PhaseTask: a task is dispatched; the path waits for its result.
	PhaseTask
	// PhaseRetry: a retry interval's timer is armed.
	PhaseRetry
	// PhaseChildren: a Parallel or Map state waits for its branches or iterations.
	PhaseChildren
)

// Path is one thread of an execution: the root, a Parallel branch or a Map
// iteration.
type Path struct {
	ID     int64
	Parent int64 // 0 for the root
	Graph  int   // the asl.Graph the path runs
	Index  int   // branch or iteration index within the parent

	StateName string
	Phase     Phase
	Input     any // the current state's raw input
	Effective any // the state's effective input (after InputPath and Parameters)
	Output    any // PhaseExit: the state's output
	// Next is where PhaseExit leads; nil means the state's own Next (or the end
	// of the path). A Choice's pick and a Catch's target are set here.
	NextState string

	EnteredEventID int64
	EnteredTime    time.Time
	LastEventID    int64 // the path's last history event, previousEventId of its next

	Attempts []int // retries done per Retrier of the current state
	Retries  int   // $$.State.RetryCount

	TaskID           int64 // the dispatched task; 0 when none
	TaskToken        string
	TaskStarted      bool
	TimerID          int64 // Wait or Retry timer
	TimeoutTimer     int64 // the task's TimeoutSeconds timer
	HeartbeatTimer   int64
	HeartbeatSeconds int64

	// Parallel and Map: the children and their results.
	Children  []int64 // active child path IDs
	Results   []any
	Remaining int // children not yet finished
	// Map only.
	Items          []any
	NextItem       int
	MaxConcurrency int
	// Failures counts the failed iterations of a Distributed Map, which may
	// tolerate some.
	Failures int
	// ResultBytes is the encoded size of the results so far, bounded by the
	// payload quota.
	ResultBytes int
	// MapRun is the ARN of the Map Run a Distributed Map waits for.
	MapRun string
	// Detached is set on the iterations of a Distributed Map (and everything
	// under them): they run as child executions, whose events are not part of
	// the parent's history.
	Detached bool

	// Vars are the variables the path's own scope holds: the top level's for the
	// root, a branch's or an iteration's own for the others.
	Vars *jsonvalue.Object
	// Assigned are the variables the current state assigned, for its exit event.
	Assigned *jsonvalue.Object

	state *asl.State // resolved StateName
}

// State returns the path's current state.
func (p *Path) State() *asl.State { return p.state }

// Event is something that happened to an execution from outside the
// interpreter.
type Event struct {
	Kind EventKind
	// TaskID names the task for task events; TimerID the timer for TimerFired.
	TaskID  int64
	TimerID int64
	// Output is a task's result (TaskSucceeded) or submission output
	// (TaskSubmitted).
	Output any
	// Error and Cause describe a failure (TaskFailed, Stop); ErrorNull and
	// CauseNull say that a TaskFailed's was not given (aslerr.Failure).
	Error                string
	Cause                string
	ErrorNull, CauseNull bool
	// WorkerName is the activity worker that took the task (TaskStarted).
	WorkerName string
}

// EventKind classifies events.
type EventKind uint8

// The kinds of events.
const (
	// EventStart starts the execution.
	EventStart EventKind = iota + 1
	// EventTaskStarted: an activity worker took the task.
	EventTaskStarted
	// EventTaskSubmitted: a .waitForTaskToken or .sync task's request went
	// through; the task now waits for its token or job.
	EventTaskSubmitted
	// EventTaskSucceeded: the task returned Output.
	EventTaskSucceeded
	// EventTaskFailed: the task failed with Error and Cause.
	EventTaskFailed
	// EventTaskHeartbeat: the task sent a heartbeat.
	EventTaskHeartbeat
	// EventTimerFired: the timer TimerID is due.
	EventTimerFired
	// EventStop: StopExecution, with an optional Error and Cause.
	EventStop
	// EventFail: the engine fails the execution with Error and Cause (a step
	// of it could not run); its tasks and timers are cancelled as at a stop.
	EventFail
)

// Effect is work the outside world must do after Step's changes are committed.
type Effect struct {
	Kind EffectKind
	// Task is set for EffectInvokeTask and EffectCancelTask.
	Task *TaskDispatch
	// Timer is set for EffectArmTimer and EffectCancelTimer.
	Timer Timer
}

// EffectKind classifies effects.
type EffectKind uint8

// The kinds of effects.
const (
	// EffectInvokeTask: run the task and feed its outcome back as events.
	EffectInvokeTask EffectKind = iota + 1
	// EffectCancelTask: the task's result is no longer wanted (timed out,
	// sibling branch failed, execution ended); stop it if possible.
	EffectCancelTask
	// EffectArmTimer: deliver EventTimerFired for Timer.ID at Timer.Due.
	EffectArmTimer
	// EffectCancelTimer: the timer will be ignored; it may be dropped.
	EffectCancelTimer
	// EffectFinish: the execution ended; its Status, Output, Error and Cause are
	// final.
	EffectFinish
)

// TimerKind says what a timer is for.
type TimerKind uint8

// The kinds of timers.
const (
	TimerWait TimerKind = iota + 1
	TimerRetry
	TimerTaskTimeout
	TimerHeartbeat
	TimerExecutionTimeout
	// TimerContinue continues a step that yielded.
	TimerContinue
)

// Timer is a durable timer.
type Timer struct {
	ID   int64
	Kind TimerKind
	Due  time.Time
}

// TaskDispatch is a task to run.
type TaskDispatch struct {
	TaskID   int64
	PathID   int64
	State    string
	Resource asl.Resource
	// Input is the task's effective input: the Parameters' (or Arguments') value.
	Input any
	// Token is the task token ($$.Task.Token); every task has one, so that
	// activities and callbacks can answer with it.
	Token            string
	TimeoutSeconds   int64
	HeartbeatSeconds int64
	// Attempt counts from 0 for the first try.
	Attempt int
	// Credentials are the task's evaluated Credentials, if any.
	Credentials any
	// MapRun is set for a Distributed Map's run (Resource is then empty):
	// the run to start, or, in EffectCancelTask, the run to abort.
	MapRun *MapRunSpec
}
