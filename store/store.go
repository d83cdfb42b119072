// Package store is the persistence seam of stepd: state machines, activities,
// tags, executions with their history, durable timers and tasks (dispatched
// Lambda calls, activity tasks, callback tokens).
//
// The engine changes an execution only through Apply, one Change per step: the
// execution's new row (guarded by its version), its new history events, the
// timers and tasks the step created or cancelled — all in one transaction, so a
// crash at any point loses nothing and repeats nothing. Apply takes many
// Changes at once so that a driver can commit them in one transaction (one
// fsync), and reports each Change's own outcome.
//
// Several stepd nodes may share one store (the postgres driver). Work that one
// node must do alone is claimed with leases: due timers (TimersClaim) and the
// pending task invocations a node runs (Task.Owner, held while the node's
// lease lives: NodeStart, NodeLease, TasksAdopt). An execution is advanced by
// one node at a time because every Change that updates it names the version it
// read. A store that tells nodes about each other's commits implements
// Notifier.
//
// Drivers: memory (Express executions and tests), sqlite (the embedded
// default), postgres (several nodes on one database). The suite in storetest
// runs every driver, so they cannot drift.
package store

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Sentinel errors. Drivers return them (possibly wrapped) so callers can branch
// with errors.Is.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a create met an existing name (state machine, activity,
	// execution name of a state machine).
	ErrExists = errors.New("already exists")
	// ErrConflict: a Change's precondition failed — the execution's version moved
	// on (another writer stepped it), or a task was no longer open; or a
	// version to publish is not the machine's current revision, or a version
	// to delete is routed to by an alias (*VersionInUseError).
	ErrConflict = errors.New("conflict")
	// ErrLimit: a machine has as many versions as VersionPublish allows.
	ErrLimit = errors.New("limit reached")
)

// VersionInUseError is VersionDelete's refusal of a version that aliases
// route to; it is ErrConflict for errors.Is.
type VersionInUseError struct {
	Aliases []string // the names of the aliases, by name
}

func (e *VersionInUseError) Error() string { return "version is routed to by aliases" }

// Is makes a VersionInUseError match ErrConflict.
func (e *VersionInUseError) Is(target error) bool { return target == ErrConflict }

// Store is implemented by each driver. All methods are safe for concurrent use.
type Store interface {
	StateMachineCreate(ctx context.Context, sm *StateMachine, def *Definition) error
	StateMachineGet(ctx context.Context, arn string) (*StateMachine, error)
	// StateMachineUpdate replaces the machine's mutable fields; a non-nil def
	// becomes its new current revision.
	StateMachineUpdate(ctx context.Context, sm *StateMachine, def *Definition) error
	// StateMachineDelete removes the machine and its tags, its versions and
	// its aliases (with theirs); its executions and their definitions stay
	// until they are deleted themselves.
	StateMachineDelete(ctx context.Context, arn string) error
	// StateMachineList lists machines by ARN, after the given ARN.
	StateMachineList(ctx context.Context, after string, limit int) ([]*StateMachine, error)
	DefinitionGet(ctx context.Context, revisionID string) (*Definition, error)

	// VersionPublish publishes the machine's current revision as a version:
	// v names the machine (MachineARN) and the revision it expects to be
	// current (RevisionID), with the version's Description, RoleARN, Logging,
	// Tracing and CreatedAt. If the machine's newest version has that
	// revision already, it is returned and nothing is published. Otherwise
	// the new version takes the next number the machine never used (numbers
	// of deleted versions are not reused) and is returned with its Version
	// and ARN (MachineARN:Version). ErrNotFound: no such machine;
	// ErrConflict: RevisionID is not the current revision; ErrLimit: the
	// machine has max versions already (max <= 0: no limit).
	VersionPublish(ctx context.Context, v *StateMachineVersion, max int) (*StateMachineVersion, error)
	VersionGet(ctx context.Context, arn string) (*StateMachineVersion, error)
	// VersionList lists a machine's versions newest first, those numbered
	// below before (0: from the newest).
	VersionList(ctx context.Context, machineARN string, before int64, limit int) ([]*StateMachineVersion, error)
	// VersionDelete deletes a version and its tags: ErrNotFound if there is
	// none, a *VersionInUseError if an alias routes to it.
	VersionDelete(ctx context.Context, arn string) error

	// AliasCreate creates an alias: ErrExists if the machine has one of that
	// name, ErrNotFound if the machine or a version it routes to does not
	// exist (checked in the same transaction, so no alias routes to a deleted
	// version).
	AliasCreate(ctx context.Context, a *Alias) error
	AliasGet(ctx context.Context, arn string) (*Alias, error)
	// AliasUpdate replaces an alias's description, routing and update time:
	// ErrNotFound if the alias or a version it routes to does not exist.
	AliasUpdate(ctx context.Context, a *Alias) error
	// AliasDelete deletes an alias and its tags (ErrNotFound if none).
	AliasDelete(ctx context.Context, arn string) error
	// AliasList lists a machine's aliases by name, after the given name.
	AliasList(ctx context.Context, machineARN, after string, limit int) ([]*Alias, error)

	ActivityCreate(ctx context.Context, a *Activity) error
	ActivityGet(ctx context.Context, arn string) (*Activity, error)
	ActivityDelete(ctx context.Context, arn string) error
	ActivityList(ctx context.Context, after string, limit int) ([]*Activity, error)

	// TagsSet adds or replaces tags of a resource.
	TagsSet(ctx context.Context, arn string, tags []Tag) error
	TagsRemove(ctx context.Context, arn string, keys []string) error
	TagsList(ctx context.Context, arn string) ([]Tag, error)

	ExecutionGet(ctx context.Context, arn string) (*Execution, error)
	ExecutionGetByID(ctx context.Context, id int64) (*Execution, error)
	// ExecutionFind returns a machine's execution by name.
	ExecutionFind(ctx context.Context, machineARN, name string) (*Execution, error)
	// ExecutionList lists executions newest first (start time, then ID).
	ExecutionList(ctx context.Context, q ExecutionQuery) ([]*Execution, error)
	// ExecutionRunning lists the IDs of running executions (for recovery).
	ExecutionRunning(ctx context.Context, afterID int64, limit int) ([]int64, error)
	// ExecutionRunningCount counts the running executions (every node's).
	ExecutionRunningCount(ctx context.Context) (int64, error)
	// ExecutionDelete removes an execution with its history, timers and tasks.
	ExecutionDelete(ctx context.Context, id int64) error
	// HistoryList returns the events of an execution that q selects, in its
	// order.
	HistoryList(ctx context.Context, q HistoryQuery) ([]Event, error)

	// Apply commits Changes, each atomically, and returns one error per Change
	// (nil, ErrConflict, ErrExists or another error). A driver commits them in as
	// few transactions as it can; a failed Change does not affect the others.
	Apply(ctx context.Context, changes []*Change) []error

	// TimersClaim claims up to c.Limit timers due at or before c.Now that no
	// claim holds (never claimed, or claimed with a lease that ended before
	// c.Now), earliest first, for c.Node. A claimed timer is claimed by no one
	// else until c.Now+c.Lease (or until its node starts again: NodeStart): the
	// claimer delivers it, and the step that takes it cancels it; if that never
	// happens, the timer is claimed again once the lease ends. Claims are
	// exclusive across every node sharing the store.
	TimersClaim(ctx context.Context, c TimerClaim) ([]Timer, error)
	// TimerNext returns the earliest time at which a timer can be claimed: its
	// due time, or the end of its claim's lease.
	TimerNext(ctx context.Context) (time.Time, bool, error)
	// TimerList lists every armed timer after the given one, by execution ID
	// and timer ID (for checks and recovery scans).
	TimerList(ctx context.Context, after TimerRef, limit int) ([]Timer, error)

	// NodeStart registers a node with a lease until the given time, and releases
	// what an earlier run of the same node left claimed: its pending tasks
	// (their Owner becomes "", so any node adopts them) and its timer claims
	// (claimable again at once): a node that starts is not running anything
	// yet, so its previous claims need not wait for their leases to end.
	NodeStart(ctx context.Context, node string, until time.Time) error
	// NodeLease extends (or, with a past time, ends) a node's lease.
	NodeLease(ctx context.Context, node string, until time.Time) error
	// TasksAdopt gives node up to limit pending invoke, callback, child and
	// maprun tasks whose owner holds no lease at now (no owner, an unknown node, or a lease that
	// ended), and returns them. A task is adopted by one node only.
	TasksAdopt(ctx context.Context, node string, now time.Time, limit int) ([]*Task, error)

	// TaskGet returns a task by its token.
	TaskGet(ctx context.Context, token string) (*Task, error)
	// TasksOpen lists tasks of kind that are in one of the statuses, by token,
	// after the given token (for recovery and expiry scans).
	TasksOpen(ctx context.Context, kind TaskKind, statuses []TaskStatus, after string, limit int) ([]*Task, error)
	// ActivityTasksScheduled lists the tokens of up to limit scheduled tasks
	// of an activity, those of the earliest started executions first (by
	// execution ID), and an execution's oldest first: a poller reads the
	// queue's head and loads only the task it takes (TaskGet). It claims
	// nothing: a claim is a guarded TaskUpdate (scheduled → started, with the
	// worker) in a Change, committed with the step that records the start, so
	// that the claim and the step share a transaction, and executions that
	// started first finish first.
	ActivityTasksScheduled(ctx context.Context, activityARN string, limit int) ([]string, error)

	// MapRunCreate creates a Map Run (ErrExists if its ARN is taken).
	MapRunCreate(ctx context.Context, r *MapRun) error
	MapRunGet(ctx context.Context, arn string) (*MapRun, error)
	// MapRunUpdate replaces a Map Run's mutable fields (everything but its
	// identity: ARN, execution, machine, state, token, child type, spec, start).
	MapRunUpdate(ctx context.Context, r *MapRun) error
	// MapRunConfigure changes the concurrency and tolerated failures of a
	// running Map Run (UpdateMapRun): only the fields c sets, and only while
	// the run is RUNNING (ErrConflict otherwise; ErrNotFound for no run).
	MapRunConfigure(ctx context.Context, arn string, c MapRunConfig) error
	// MapRunRedrive redrives a Map Run for its parent's redrive: in one
	// transaction, its failed, aborted and timed-out items become pending
	// again (without their child and outcome), and the run becomes RUNNING
	// under the parent's new task token, with RedriveCount counted and
	// RedriveTime at. ErrNotFound if there is no such run.
	MapRunRedrive(ctx context.Context, arn, token string, at time.Time) error
	// MapRunList lists an execution's Map Runs by ARN, after the given ARN.
	MapRunList(ctx context.Context, executionARN, after string, limit int) ([]*MapRun, error)
	// MapItemsAdd adds items to a Map Run; an item whose index the run has
	// already is left as it is (adding again after a crash is harmless).
	MapItemsAdd(ctx context.Context, runARN string, items []MapItem) error
	// MapItemsList lists a Map Run's items that q selects, by index.
	MapItemsList(ctx context.Context, q MapItemQuery) ([]MapItem, error)
	// MapItemCounts counts a Map Run's entries (child executions) and the
	// items they hold (MapItem.Items), by status.
	MapItemCounts(ctx context.Context, runARN string) (map[MapItemStatus]MapItemCount, error)

	// Close releases the store's resources.
	Close() error
}

// StateMachine is a state machine's current configuration.
type StateMachine struct {
	ARN         string
	Name        string
	Type        string // STANDARD or EXPRESS
	Status      string // ACTIVE or DELETING
	RoleARN     string
	RevisionID  string // the current definition's revision
	Description string
	Logging     string // LoggingConfiguration, JSON ("" for none)
	Tracing     string // TracingConfiguration, JSON ("" for none)
	Encryption  string // EncryptionConfiguration, JSON ("" for none)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// StateMachineVersion is a published, immutable version of a state machine:
// one revision of its definition with the role, logging and tracing it had.
type StateMachineVersion struct {
	ARN         string // MachineARN:Version
	MachineARN  string
	Version     int64
	RevisionID  string
	Description string
	RoleARN     string
	Logging     string
	Tracing     string
	CreatedAt   time.Time
}

// Alias is a state machine alias: a name that routes executions to one or
// two versions by weight.
type Alias struct {
	ARN         string // MachineARN:Name
	MachineARN  string
	Name        string
	Description string
	Routing     []Route
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Route is one version of an alias's routing, with its weight (0 to 100;
// an alias's weights sum to 100).
type Route struct {
	VersionARN string
	Weight     int
}

// Definition is one revision of a state machine: its definition, and the
// logging and tracing configurations it was made with (JSON, as
// StateMachine's), which DescribeStateMachineForExecution answers. Logging
// and Tracing are "" for a revision stored before they were kept.
type Definition struct {
	RevisionID string
	MachineARN string
	Text       string
	Logging    string
	Tracing    string
	CreatedAt  time.Time
}

// Activity is an activity: a queue of tasks for outside workers.
type Activity struct {
	ARN       string
	Name      string
	CreatedAt time.Time
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Execution is an execution's row: its summary, and the interpreter's state
// while it runs.
type Execution struct {
	ID         int64 // assigned by the store on create
	ARN        string
	MachineARN string
	Name       string
	RevisionID string // the definition revision it runs
	Status     string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Input      string // JSON
	Output     string // JSON, when SUCCEEDED
	HasOutput  bool
	Error      string
	Cause      string
	StartTime  time.Time
	StopTime   time.Time // zero while running
	// State is the interpreter's encoded state; empty once the execution ended.
	State []byte
	// Version counts the execution's committed steps; a Change that updates the
	// row must name the version it read.
	Version     int64
	LastEventID int64
	TraceHeader string
	// Parent is the task token of the states:startExecution task that started
	// this execution (a child execution), "" for none.
	Parent string
	// ParentWaits says whether and how the parent's task waits for this
	// execution's end: "" (it does not: request-response, .waitForTaskToken),
	// ".sync" or ".sync:2".
	ParentWaits string
	// MapRun and MapItem name the Map Run item this execution runs (a child
	// execution of a Distributed Map); MapRun is "" otherwise.
	MapRun  string
	MapItem int64
	// VersionARN is the version the execution runs, when it was started on
	// a version or an alias; AliasARN the alias, when it was started on one.
	VersionARN string
	AliasARN   string
	// RedriveCount counts the execution's redrives; RedriveTime is the last
	// one's, and RedriveToken its client token.
	RedriveCount int
	RedriveTime  time.Time
	RedriveToken string
}

// HistoryQuery selects events of one execution for HistoryList.
type HistoryQuery struct {
	ExecutionID int64
	// After continues a listing: only events after this event ID (before it,
	// with Reverse). 0 means the start (the end, with Reverse).
	After int64
	Limit int
	// Reverse lists newest first.
	Reverse bool
}

// TimerClaim asks TimersClaim for due timers.
type TimerClaim struct {
	Node  string // the claiming node, whose restart releases its claims
	Now   time.Time
	Lease time.Duration
	Limit int
}

// ExecutionQuery selects executions for ExecutionList.
type ExecutionQuery struct {
	MachineARN string // "" for all machines
	// MachinePrefix, when set, keeps to the executions of the machines whose
	// ARN starts with it (one account's).
	MachinePrefix string
	Status        string // "" for any status
	// MapRun, when set, keeps to the child executions of a Map Run.
	MapRun string
	// VersionARN and AliasARN, when set, keep to the executions started on
	// that version (directly or through an alias) or on that alias.
	VersionARN string
	AliasARN   string
	// Redriven, when set, keeps to the executions redriven at least once
	// ("REDRIVEN") or never ("NOT_REDRIVEN").
	Redriven string
	// After continues a listing: only executions after this position in the
	// order (newest first).
	After *ExecutionCursor
	Limit int
}

// ExecutionCursor is a position in the newest-first order of executions.
type ExecutionCursor struct {
	StartTime time.Time
	ID        int64
}

// Event is one history event, encoded as GetExecutionHistory returns it (with
// its data; the API layer drops inputs and outputs when asked).
type Event struct {
	ID   int64
	JSON []byte
}

// Timer is a durable timer: at Due, the engine delivers a TimerFired event for
// TimerID to the execution. Arming a timer that exists replaces it (and frees
// any claim on it).
type Timer struct {
	ExecutionID int64
	TimerID     int64
	Due         time.Time
}

// TimerRef names a timer to cancel.
type TimerRef struct {
	ExecutionID int64
	TimerID     int64
}

// TaskKind says how a task is carried out.
type TaskKind string

// The kinds of tasks.
const (
	// TaskInvoke is a call the engine makes itself (a Lambda function, an HTTP
	// request, a service integration): at least once, until its result is
	// committed.
	TaskInvoke TaskKind = "invoke"
	// TaskActivity waits in its activity's queue for a GetActivityTask worker.
	TaskActivity TaskKind = "activity"
	// TaskCallback is a .waitForTaskToken call: the engine makes the request,
	// then the task waits for SendTaskSuccess/Failure with its token.
	TaskCallback TaskKind = "callback"
	// TaskChild starts a child execution (states:startExecution, request-
	// response or .sync): pending until the child started; with .sync, then
	// waiting for the child's end, done once it ended and its end is to be
	// delivered, closed once the parent took it.
	TaskChild TaskKind = "child"
	// TaskMapRun runs a Distributed Map's Map Run: pending, owned by the node
	// whose coordinator runs it, until it ends.
	TaskMapRun TaskKind = "maprun"
)

// TaskStatus is where a task stands.
type TaskStatus string

// The task statuses.
const (
	TaskPending   TaskStatus = "pending"   // invoke, callback, child: the request is to be made
	TaskScheduled TaskStatus = "scheduled" // activity: waiting for a worker
	TaskStarted   TaskStatus = "started"   // activity: a worker has it
	TaskWaiting   TaskStatus = "waiting"   // callback: waiting for the token; child: for the child's end
	TaskDone      TaskStatus = "done"      // child: the child ended; its end is to be delivered (an outbox)
	TaskClosed    TaskStatus = "closed"    // answered, timed out, or cancelled
)

// Task is a task invocation with its token.
type Task struct {
	Token       string
	ExecutionID int64
	TaskID      int64
	Kind        TaskKind
	ActivityARN string
	Status      TaskStatus
	// Dispatch is the engine's encoded description of the call.
	Dispatch []byte
	// Owner is the node that runs a pending invoke or callback task.
	Owner  string
	Worker string
	// Child is the ARN of the child execution a child task started, once it
	// did.
	Child   string
	Created time.Time
	// ClosedReason says why a closed task closed ("succeeded", "failed",
	// "timed out", "cancelled").
	ClosedReason string
}

// Change is what one step of one execution changes, committed atomically.
type Change struct {
	// Execution is the execution's new row. With ExpectVersion 0 it is created
	// (ErrExists if the machine already has an execution of that name);
	// otherwise it replaces the row whose version is ExpectVersion (ErrConflict
	// if the version moved on). Its Version is the new version. Nil when the
	// change does not touch the execution row.
	Execution     *Execution
	ExpectVersion int64
	// SameStatus says that the row of ExpectVersion has Execution's status
	// already (a step that neither starts nor ends the execution), so that a
	// store may leave what is keyed by status as it is. A store that relies
	// on it checks it: a row of another status is ErrConflict.
	SameStatus bool
	// Events are appended to the execution's history.
	Events []Event
	// AddTimers and CancelTimers arm and cancel durable timers. A new
	// execution's timers and tasks name it with ExecutionID 0.
	AddTimers    []Timer
	CancelTimers []TimerRef
	// AddTasks creates tasks.
	AddTasks []*Task
	// TaskUpdates move tasks on, each guarded by the statuses it may be in.
	TaskUpdates []TaskUpdate
	// MapItemUpdates move Map Run items on, each guarded as TaskUpdates are.
	MapItemUpdates []MapItemUpdate
}

// TaskUpdate moves a task to a new status if it is in one of From; otherwise
// the Change fails with ErrConflict, unless the update is Optional (then it does
// nothing).
type TaskUpdate struct {
	Token        string
	From         []TaskStatus
	To           TaskStatus
	Worker       string // set when To is TaskStarted
	Child        string // set when not empty: the child execution a child task started
	ClosedReason string
	Optional     bool
}

// Notifier is implemented by a store that several nodes share: it tells each
// node about the commits of the others, so that they act at once instead of at
// their next poll. Notifications are hints: a node still polls, more slowly, and
// a lost notification delays work but loses none.
type Notifier interface {
	// Listen calls fn for each notification, from one goroutine, until ctx ends
	// (it returns nil then) or the connection fails (it returns the error; call
	// it again). ready, if not nil, is called once the listener is in place.
	Listen(ctx context.Context, ready func(), fn func(Notification)) error
	// Notify sends a notification to every listening node (this one too).
	Notify(ctx context.Context, n Notification) error
}

// NotificationKind says what a Notification is about.
type NotificationKind byte

// The kinds of notifications. A driver sends the first two itself when Apply
// commits the Change that causes them.
const (
	// NotifyTimer: a timer was armed, due at Due (the earliest of a commit's).
	// A driver may leave out timers due later than nodes poll anyway.
	NotifyTimer NotificationKind = 't'
	// NotifyActivity: an activity task was scheduled for ActivityARN.
	NotifyActivity NotificationKind = 'a'
	// NotifyCancel: the task Token was answered or cancelled; a node running its
	// request may stop it.
	NotifyCancel NotificationKind = 'c'
	// NotifyAdopt: a node stopped and released its tasks; others may adopt them.
	NotifyAdopt NotificationKind = 'n'
)

// Notification is a message from one node to the others.
type Notification struct {
	Kind        NotificationKind
	Due         time.Time // NotifyTimer
	ActivityARN string    // NotifyActivity
	Token       string    // NotifyCancel
}

// EncodeNotification returns a notification's text form (for drivers whose
// channels carry text).
func EncodeNotification(n Notification) string {
	switch n.Kind {
	case NotifyTimer:
		return "t" + strconv.FormatInt(n.Due.UnixMilli(), 10)
	case NotifyActivity:
		return "a" + n.ActivityARN
	case NotifyCancel:
		return "c" + n.Token
	}
	return string(rune(n.Kind))
}

// DecodeNotification reads EncodeNotification's form back; ok is false for
// text it does not know.
func DecodeNotification(s string) (n Notification, ok bool) {
	if s == "" {
		return n, false
	}
	n.Kind = NotificationKind(s[0])
	rest := s[1:]
	switch n.Kind {
	case NotifyTimer:
		ms, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return n, false
		}
		n.Due = time.UnixMilli(ms).UTC()
	case NotifyActivity:
		n.ActivityARN = rest
	case NotifyCancel:
		n.Token = rest
	case NotifyAdopt:
	default:
		return n, false
	}
	return n, true
}

// The reasons a task closes for (Task.ClosedReason).
const (
	ReasonSucceeded = "succeeded"
	ReasonFailed    = "failed"
	ReasonTimedOut  = "timed out"
	ReasonCancelled = "cancelled"
)

// OpenStatuses are the statuses of a task that is not closed.
var OpenStatuses = []TaskStatus{TaskPending, TaskScheduled, TaskStarted, TaskWaiting, TaskDone}

// TaskMove is the guarded transition of a task from one of the statuses from
// to to.
func TaskMove(token string, to TaskStatus, from ...TaskStatus) TaskUpdate {
	return TaskUpdate{Token: token, From: from, To: to}
}

// TaskStart is the guarded transition of a scheduled task to started by
// worker: an activity task's claim.
func TaskStart(token, worker string) TaskUpdate {
	return TaskUpdate{Token: token, From: []TaskStatus{TaskScheduled}, To: TaskStarted, Worker: worker}
}

// TaskClose is the guarded transition that closes a task in one of the
// statuses from, for reason.
func TaskClose(token, reason string, from ...TaskStatus) TaskUpdate {
	return TaskUpdate{Token: token, From: from, To: TaskClosed, ClosedReason: reason}
}

// MapRun is the run of a Distributed Map state: a child execution per item
// (or batch of items), at most MaxConcurrency at once. Its items are in the
// store (MapItem); the engine's coordinator on the node that owns the
// parent's task (Token) starts them, and answers that task when the run ends.
type MapRun struct {
	ARN          string
	ExecutionID  int64  // the parent execution
	ExecutionARN string // the parent execution
	// MachineARN is the Map Run's state machine, which its child executions
	// run: the parent's machine ARN, "/", the Map's label.
	MachineARN string
	StateName  string
	Token      string // the parent's task
	Status     string // RUNNING, SUCCEEDED, FAILED, ABORTED
	// MaxConcurrency bounds the children running at once (0: the engine's
	// most). UpdateMapRun changes it and the tolerated failures.
	MaxConcurrency             int
	ToleratedFailureCount      int64   // -1: not set
	ToleratedFailurePercentage float64 // -1: not set
	ChildType                  string  // STANDARD or EXPRESS
	// Spec is the engine's encoded description of the run (its items' source,
	// selector, batching, result writer, processor).
	Spec []byte
	// Loaded is set once every item is in the store, and Total counts them.
	Loaded bool
	Total  int64
	// Error and Cause say why a run failed.
	Error, Cause string
	StartTime    time.Time
	StopTime     time.Time // zero while it runs
	RedriveCount int
	RedriveTime  time.Time
}

// MapItemStatus is where a Map Run's item stands.
type MapItemStatus string

// The statuses of a Map Run's items.
const (
	MapItemPending   MapItemStatus = "pending"
	MapItemRunning   MapItemStatus = "running"
	MapItemSucceeded MapItemStatus = "succeeded"
	MapItemFailed    MapItemStatus = "failed"
	MapItemTimedOut  MapItemStatus = "timedOut"
	MapItemAborted   MapItemStatus = "aborted"
)

// MapItem is one item (or batch) of a Map Run, and the outcome of the child
// execution that runs it.
type MapItem struct {
	Index int64
	Input string // JSON text: the child's input
	// Items counts the Map's items the child's input holds: 1, or a batch's.
	Items  int64
	Status MapItemStatus
	Child  string // the child execution's ARN, once started
	// Output (SUCCEEDED), or Error and Cause, of the child.
	Output       string
	HasOutput    bool
	Error, Cause string
}

// MapItemCount counts a Map Run's entries of one status, and the items they
// hold.
type MapItemCount struct {
	Executions, Items int64
}

// MapItemQuery selects a Map Run's items for MapItemsList.
type MapItemQuery struct {
	Run      string
	Statuses []MapItemStatus // none: every status
	After    int64           // only items with a greater index; -1 for all
	Limit    int
}

// MapItemUpdate moves a Map Run's item to a new status if it is in one of
// From, setting the fields given (Child when not empty; Output, Error and
// Cause with Result); otherwise the Change fails with ErrConflict, unless the
// update is Optional.
type MapItemUpdate struct {
	Run          string
	Index        int64
	From         []MapItemStatus
	To           MapItemStatus
	Child        string
	Result       bool
	Output       string
	HasOutput    bool
	Error, Cause string
	Optional     bool
}

// MapRunConfig is what UpdateMapRun changes of a running Map Run; a nil
// field is left as it is.
type MapRunConfig struct {
	MaxConcurrency             *int
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}
