// Package memory is the in-memory store driver: Express executions, and tests.
// Nothing survives the process.
package memory

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/store"
)

// Store is an in-memory store.Store.
type Store struct {
	mu         sync.Mutex
	machines   map[string]*store.StateMachine
	defs       map[string]*store.Definition
	activities map[string]*store.Activity
	tags       map[string]map[string]string
	execs      map[int64]*store.Execution
	execByARN  map[string]int64
	execByName map[[2]string]int64
	history    map[int64][]store.Event
	timers     map[store.TimerRef]*timer
	tasks      map[string]*store.Task
	nodes      map[string]time.Time // node → end of its lease
	mapRuns    map[string]*store.MapRun
	mapItems   map[string]map[int64]*store.MapItem // run ARN → index → item
	versions   map[string]*store.StateMachineVersion
	published  map[string]int64 // machine ARN → versions it ever published
	aliases    map[string]*store.Alias
	nextID     int64
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		machines: map[string]*store.StateMachine{}, defs: map[string]*store.Definition{},
		activities: map[string]*store.Activity{}, tags: map[string]map[string]string{},
		execs: map[int64]*store.Execution{}, execByARN: map[string]int64{}, execByName: map[[2]string]int64{},
		history: map[int64][]store.Event{}, timers: map[store.TimerRef]*timer{}, tasks: map[string]*store.Task{},
		nodes: map[string]time.Time{}, mapRuns: map[string]*store.MapRun{}, mapItems: map[string]map[int64]*store.MapItem{},
		versions: map[string]*store.StateMachineVersion{}, published: map[string]int64{}, aliases: map[string]*store.Alias{},
	}
}

// Close does nothing.
func (s *Store) Close() error { return nil }

func clone[T any](v *T) *T {
	c := *v
	return &c
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(_ context.Context, sm *store.StateMachine, def *store.Definition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.machines[sm.ARN]; ok {
		return store.ErrExists
	}
	s.machines[sm.ARN] = clone(sm)
	s.defs[def.RevisionID] = clone(def)
	return nil
}

// StateMachineGet implements store.Store.
func (s *Store) StateMachineGet(_ context.Context, arn string) (*store.StateMachine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, ok := s.machines[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(sm), nil
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(_ context.Context, sm *store.StateMachine, def *store.Definition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.machines[sm.ARN]; !ok {
		return store.ErrNotFound
	}
	s.machines[sm.ARN] = clone(sm)
	if def != nil {
		s.defs[def.RevisionID] = clone(def)
	}
	return nil
}

// StateMachineDelete implements store.Store.
func (s *Store) StateMachineDelete(_ context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.machines[arn]; !ok {
		return store.ErrNotFound
	}
	delete(s.machines, arn)
	delete(s.tags, arn)
	delete(s.published, arn)
	for varn, v := range s.versions {
		if v.MachineARN == arn {
			delete(s.versions, varn)
			delete(s.tags, varn)
		}
	}
	for aarn, a := range s.aliases {
		if a.MachineARN == arn {
			delete(s.aliases, aarn)
			delete(s.tags, aarn)
		}
	}
	return nil
}

// StateMachineList implements store.Store.
func (s *Store) StateMachineList(_ context.Context, after string, limit int) ([]*store.StateMachine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.StateMachine
	for arn, sm := range s.machines {
		if arn > after {
			out = append(out, clone(sm))
		}
	}
	slices.SortFunc(out, func(a, b *store.StateMachine) int { return cmp.Compare(a.ARN, b.ARN) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DefinitionGet implements store.Store.
func (s *Store) DefinitionGet(_ context.Context, revisionID string) (*store.Definition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.defs[revisionID]
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(d), nil
}

// ActivityCreate implements store.Store.
func (s *Store) ActivityCreate(_ context.Context, a *store.Activity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.activities[a.ARN]; ok {
		return store.ErrExists
	}
	s.activities[a.ARN] = clone(a)
	return nil
}

// ActivityGet implements store.Store.
func (s *Store) ActivityGet(_ context.Context, arn string) (*store.Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(a), nil
}

// ActivityDelete implements store.Store.
func (s *Store) ActivityDelete(_ context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.activities[arn]; !ok {
		return store.ErrNotFound
	}
	delete(s.activities, arn)
	delete(s.tags, arn)
	return nil
}

// ActivityList implements store.Store.
func (s *Store) ActivityList(_ context.Context, after string, limit int) ([]*store.Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Activity
	for arn, a := range s.activities {
		if arn > after {
			out = append(out, clone(a))
		}
	}
	slices.SortFunc(out, func(a, b *store.Activity) int { return cmp.Compare(a.ARN, b.ARN) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// TagsSet implements store.Store.
func (s *Store) TagsSet(_ context.Context, arn string, tags []store.Tag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.tags[arn]
	if m == nil {
		m = map[string]string{}
		s.tags[arn] = m
	}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return nil
}

// TagsRemove implements store.Store.
func (s *Store) TagsRemove(_ context.Context, arn string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.tags[arn], k)
	}
	return nil
}

// TagsList implements store.Store.
func (s *Store) TagsList(_ context.Context, arn string) ([]store.Tag, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Tag{}
	for k, v := range s.tags[arn] {
		out = append(out, store.Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b store.Tag) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// ExecutionGet implements store.Store.
func (s *Store) ExecutionGet(_ context.Context, arn string) (*store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.execByARN[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return cloneExec(s.execs[id]), nil
}

// ExecutionGetByID implements store.Store.
func (s *Store) ExecutionGetByID(_ context.Context, id int64) (*store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.execs[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return cloneExec(x), nil
}

// ExecutionFind implements store.Store.
func (s *Store) ExecutionFind(_ context.Context, machineARN, name string) (*store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.execByName[[2]string{machineARN, name}]
	if !ok {
		return nil, store.ErrNotFound
	}
	return cloneExec(s.execs[id]), nil
}

func cloneExec(x *store.Execution) *store.Execution {
	c := *x
	c.State = slices.Clone(x.State)
	return &c
}

// newerFirst orders executions newest first: by start time, then ID.
func newerFirst(a, b *store.Execution) int {
	if c := b.StartTime.Compare(a.StartTime); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// ExecutionList implements store.Store.
func (s *Store) ExecutionList(_ context.Context, q store.ExecutionQuery) ([]*store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Execution
	for _, x := range s.execs {
		if q.MachineARN != "" && x.MachineARN != q.MachineARN || q.Status != "" && x.Status != q.Status ||
			!strings.HasPrefix(x.MachineARN, q.MachinePrefix) || q.MapRun != "" && x.MapRun != q.MapRun ||
			q.VersionARN != "" && x.VersionARN != q.VersionARN || q.AliasARN != "" && x.AliasARN != q.AliasARN ||
			q.Redriven == "REDRIVEN" && x.RedriveCount == 0 || q.Redriven == "NOT_REDRIVEN" && x.RedriveCount > 0 {
			continue
		}
		if q.After != nil && newerFirst(&store.Execution{StartTime: q.After.StartTime, ID: q.After.ID}, x) >= 0 {
			continue
		}
		c := *x
		c.State = nil // listings leave out the state: no need to copy it
		out = append(out, &c)
	}
	slices.SortFunc(out, newerFirst)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// ExecutionRunning implements store.Store.
func (s *Store) ExecutionRunning(_ context.Context, afterID int64, limit int) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id, x := range s.execs {
		if id > afterID && x.Status == "RUNNING" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// ExecutionRunningCount implements store.Store.
func (s *Store) ExecutionRunningCount(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, x := range s.execs {
		if x.Status == "RUNNING" {
			n++
		}
	}
	return n, nil
}

// ExecutionDelete implements store.Store.
func (s *Store) ExecutionDelete(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.execs[id]
	if !ok {
		return store.ErrNotFound
	}
	delete(s.execs, id)
	delete(s.execByARN, x.ARN)
	delete(s.execByName, [2]string{x.MachineARN, x.Name})
	delete(s.history, id)
	for r := range s.timers {
		if r.ExecutionID == id {
			delete(s.timers, r)
		}
	}
	for tok, t := range s.tasks {
		if t.ExecutionID == id {
			delete(s.tasks, tok)
		}
	}
	return nil
}

// HistoryList implements store.Store.
func (s *Store) HistoryList(_ context.Context, q store.HistoryQuery) ([]store.Event, error) {
	executionID, from, limit, reverse := q.ExecutionID, q.After, q.Limit, q.Reverse
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.history[executionID]
	var out []store.Event
	if reverse {
		for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
			if from == 0 || all[i].ID < from {
				out = append(out, all[i])
			}
		}
		return out, nil
	}
	i := sort.Search(len(all), func(i int) bool { return all[i].ID > from })
	for ; i < len(all) && len(out) < limit; i++ {
		out = append(out, all[i])
	}
	return out, nil
}

// Apply implements store.Store: each change is checked in full, then applied,
// so a failed change leaves nothing behind.
func (s *Store) Apply(_ context.Context, changes []*store.Change) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(changes))
	for i, c := range changes {
		errs[i] = s.apply(c)
	}
	return errs
}

func (s *Store) apply(c *store.Change) error {
	x := c.Execution
	execID := int64(0)
	if x != nil {
		if c.ExpectVersion == 0 {
			if _, ok := s.execByName[[2]string{x.MachineARN, x.Name}]; ok {
				return store.ErrExists
			}
			if _, ok := s.execByARN[x.ARN]; ok {
				return store.ErrExists
			}
		} else {
			cur, ok := s.execs[x.ID]
			if !ok || cur.Version != c.ExpectVersion {
				return store.ErrConflict
			}
			execID = x.ID
		}
	}
	for _, u := range c.TaskUpdates {
		t, ok := s.tasks[u.Token]
		if !u.Optional && (!ok || !slices.Contains(u.From, t.Status)) {
			return store.ErrConflict
		}
	}
	for _, t := range c.AddTasks {
		if _, ok := s.tasks[t.Token]; ok {
			return store.ErrExists
		}
	}
	for _, u := range c.MapItemUpdates {
		it := s.mapItems[u.Run][u.Index]
		if !u.Optional && (it == nil || !slices.Contains(u.From, it.Status)) {
			return store.ErrConflict
		}
	}
	// Every check passed: apply.
	if x != nil {
		if c.ExpectVersion == 0 {
			s.nextID++
			x.ID = s.nextID
			execID = x.ID
			s.execByARN[x.ARN] = x.ID
			s.execByName[[2]string{x.MachineARN, x.Name}] = x.ID
		}
		s.execs[x.ID] = cloneExec(x)
	}
	if len(c.Events) > 0 {
		s.history[execID] = append(s.history[execID], c.Events...)
	}
	for _, t := range c.AddTimers {
		if t.ExecutionID == 0 {
			t.ExecutionID = execID
		}
		s.timers[store.TimerRef{ExecutionID: t.ExecutionID, TimerID: t.TimerID}] = &timer{due: t.Due, claimable: t.Due}
	}
	for _, r := range c.CancelTimers {
		if r.ExecutionID == 0 {
			r.ExecutionID = execID
		}
		delete(s.timers, r)
	}
	for _, t := range c.AddTasks {
		t := clone(t)
		if t.ExecutionID == 0 {
			t.ExecutionID = execID
		}
		s.tasks[t.Token] = t
	}
	for _, u := range c.MapItemUpdates {
		it := s.mapItems[u.Run][u.Index]
		if it == nil || !slices.Contains(u.From, it.Status) {
			continue // an Optional update that does not apply
		}
		it.Status = u.To
		if u.Child != "" {
			it.Child = u.Child
		}
		if u.Result {
			it.Output, it.HasOutput, it.Error, it.Cause = u.Output, u.HasOutput, u.Error, u.Cause
		}
	}
	for _, u := range c.TaskUpdates {
		t := s.tasks[u.Token]
		if t == nil || !slices.Contains(u.From, t.Status) {
			continue // an Optional update that does not apply
		}
		t.Status = u.To
		if u.Worker != "" {
			t.Worker = u.Worker
		}
		if u.Child != "" {
			t.Child = u.Child
		}
		if u.ClosedReason != "" {
			t.ClosedReason = u.ClosedReason
		}
	}
	return nil
}

// timer is an armed timer: due at due, claimable from claimable (due, or the
// end of a claim's lease), claimed by owner.
type timer struct {
	due, claimable time.Time
	owner          string
}

// TimersClaim implements store.Store.
func (s *Store) TimersClaim(_ context.Context, c store.TimerClaim) ([]store.Timer, error) {
	now, lease, limit := c.Now, c.Lease, c.Limit
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Timer
	for r, t := range s.timers {
		if !t.due.After(now) && !t.claimable.After(now) {
			out = append(out, store.Timer{ExecutionID: r.ExecutionID, TimerID: r.TimerID, Due: t.due})
		}
	}
	slices.SortFunc(out, func(a, b store.Timer) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.TimerID, b.TimerID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	for _, t := range out {
		armed := s.timers[store.TimerRef{ExecutionID: t.ExecutionID, TimerID: t.TimerID}]
		armed.claimable, armed.owner = now.Add(lease), c.Node
	}
	return out, nil
}

// TimerList implements store.Store.
func (s *Store) TimerList(_ context.Context, after store.TimerRef, limit int) ([]store.Timer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Timer
	for r, t := range s.timers {
		if r.ExecutionID > after.ExecutionID || r.ExecutionID == after.ExecutionID && r.TimerID > after.TimerID {
			out = append(out, store.Timer{ExecutionID: r.ExecutionID, TimerID: r.TimerID, Due: t.due})
		}
	}
	slices.SortFunc(out, func(a, b store.Timer) int {
		if c := cmp.Compare(a.ExecutionID, b.ExecutionID); c != 0 {
			return c
		}
		return cmp.Compare(a.TimerID, b.TimerID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// TimerNext implements store.Store.
func (s *Store) TimerNext(_ context.Context) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	found := false
	for _, t := range s.timers {
		if !found || t.claimable.Before(next) {
			next, found = t.claimable, true
		}
	}
	return next, found, nil
}

// NodeStart implements store.Store.
func (s *Store) NodeStart(_ context.Context, node string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes[node] = until
	for _, t := range s.tasks {
		if t.Owner == node && t.Status == store.TaskPending {
			t.Owner = ""
		}
	}
	for _, t := range s.timers {
		if t.owner == node {
			t.claimable, t.owner = t.due, ""
		}
	}
	return nil
}

// NodeLease implements store.Store.
func (s *Store) NodeLease(_ context.Context, node string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes[node] = until
	return nil
}

// TasksAdopt implements store.Store.
func (s *Store) TasksAdopt(_ context.Context, node string, now time.Time, limit int) ([]*store.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Task
	for _, t := range s.tasks {
		if t.Status != store.TaskPending || (t.Kind != store.TaskInvoke && t.Kind != store.TaskCallback && t.Kind != store.TaskChild && t.Kind != store.TaskMapRun) {
			continue
		}
		if until, ok := s.nodes[t.Owner]; ok && !until.Before(now) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *store.Task) int { return cmp.Compare(a.Token, b.Token) })
	if len(out) > limit {
		out = out[:limit]
	}
	for i, t := range out {
		t.Owner = node
		out[i] = clone(t)
	}
	return out, nil
}

// TaskGet implements store.Store.
func (s *Store) TaskGet(_ context.Context, token string) (*store.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[token]
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(t), nil
}

// TasksOpen implements store.Store.
func (s *Store) TasksOpen(_ context.Context, kind store.TaskKind, statuses []store.TaskStatus, after string, limit int) ([]*store.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Task
	for tok, t := range s.tasks {
		if tok > after && t.Kind == kind && slices.Contains(statuses, t.Status) {
			out = append(out, clone(t))
		}
	}
	slices.SortFunc(out, func(a, b *store.Task) int { return cmp.Compare(a.Token, b.Token) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ActivityTasksScheduled implements store.Store.
func (s *Store) ActivityTasksScheduled(_ context.Context, activityARN string, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Task
	for _, t := range s.tasks {
		if t.Kind == store.TaskActivity && t.ActivityARN == activityARN && t.Status == store.TaskScheduled {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *store.Task) int {
		if c := cmp.Compare(a.ExecutionID, b.ExecutionID); c != 0 {
			return c
		}
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	out = out[:min(limit, len(out))]
	tokens := make([]string, len(out))
	for i, t := range out {
		tokens[i] = t.Token
	}
	return tokens, nil
}

// MapRunCreate implements store.Store.
func (s *Store) MapRunCreate(_ context.Context, r *store.MapRun) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mapRuns[r.ARN]; ok {
		return store.ErrExists
	}
	s.mapRuns[r.ARN] = cloneMapRun(r)
	s.mapItems[r.ARN] = map[int64]*store.MapItem{}
	return nil
}

func cloneMapRun(r *store.MapRun) *store.MapRun {
	c := *r
	c.Spec = slices.Clone(r.Spec)
	return &c
}

// MapRunGet implements store.Store.
func (s *Store) MapRunGet(_ context.Context, arn string) (*store.MapRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.mapRuns[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return cloneMapRun(r), nil
}

// MapRunUpdate implements store.Store.
func (s *Store) MapRunUpdate(_ context.Context, r *store.MapRun) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.mapRuns[r.ARN]
	if !ok {
		return store.ErrNotFound
	}
	next := cloneMapRun(r)
	next.ExecutionID, next.ExecutionARN, next.MachineARN, next.StateName, next.Token = cur.ExecutionID, cur.ExecutionARN, cur.MachineARN, cur.StateName, cur.Token
	next.ChildType, next.Spec, next.StartTime = cur.ChildType, cur.Spec, cur.StartTime
	s.mapRuns[r.ARN] = next
	return nil
}

// MapRunConfigure implements store.Store.
func (s *Store) MapRunConfigure(_ context.Context, arn string, c store.MapRunConfig) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.mapRuns[arn]
	if !ok {
		return store.ErrNotFound
	}
	if cur.Status != "RUNNING" {
		return store.ErrConflict
	}
	next := cloneMapRun(cur)
	if c.MaxConcurrency != nil {
		next.MaxConcurrency = *c.MaxConcurrency
	}
	if c.ToleratedFailureCount != nil {
		next.ToleratedFailureCount = *c.ToleratedFailureCount
	}
	if c.ToleratedFailurePercentage != nil {
		next.ToleratedFailurePercentage = *c.ToleratedFailurePercentage
	}
	s.mapRuns[arn] = next
	return nil
}

// MapRunList implements store.Store.
func (s *Store) MapRunList(_ context.Context, executionARN, after string, limit int) ([]*store.MapRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.MapRun
	for arn, r := range s.mapRuns {
		if r.ExecutionARN == executionARN && arn > after {
			out = append(out, cloneMapRun(r))
		}
	}
	slices.SortFunc(out, func(a, b *store.MapRun) int { return cmp.Compare(a.ARN, b.ARN) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// MapItemsAdd implements store.Store.
func (s *Store) MapItemsAdd(_ context.Context, runARN string, items []store.MapItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mapItems[runARN]
	if !ok {
		return store.ErrNotFound
	}
	for _, it := range items {
		if _, ok := m[it.Index]; !ok {
			c := it
			c.Items = max(c.Items, 1)
			m[it.Index] = &c
		}
	}
	return nil
}

// MapItemsList implements store.Store.
func (s *Store) MapItemsList(_ context.Context, q store.MapItemQuery) ([]store.MapItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.MapItem
	for i, it := range s.mapItems[q.Run] {
		if i > q.After && (len(q.Statuses) == 0 || slices.Contains(q.Statuses, it.Status)) {
			out = append(out, *it)
		}
	}
	slices.SortFunc(out, func(a, b store.MapItem) int { return cmp.Compare(a.Index, b.Index) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// MapItemCounts implements store.Store.
func (s *Store) MapItemCounts(_ context.Context, runARN string) (map[store.MapItemStatus]store.MapItemCount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[store.MapItemStatus]store.MapItemCount{}
	for _, it := range s.mapItems[runARN] {
		c := out[it.Status]
		c.Executions++
		c.Items += it.Items
		out[it.Status] = c
	}
	return out, nil
}
