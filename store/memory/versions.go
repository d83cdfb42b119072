package memory

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/stepd/stepd/store"
)

func cloneAlias(a *store.Alias) *store.Alias {
	c := *a
	c.Routing = slices.Clone(a.Routing)
	return &c
}

// VersionPublish implements store.Store.
func (s *Store) VersionPublish(_ context.Context, v *store.StateMachineVersion, max int) (*store.StateMachineVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, ok := s.machines[v.MachineARN]
	if !ok {
		return nil, store.ErrNotFound
	}
	if sm.RevisionID != v.RevisionID {
		return nil, store.ErrConflict
	}
	var latest *store.StateMachineVersion
	count := 0
	for _, o := range s.versions {
		if o.MachineARN == v.MachineARN {
			count++
			if latest == nil || o.Version > latest.Version {
				latest = o
			}
		}
	}
	if latest != nil && latest.RevisionID == v.RevisionID {
		return clone(latest), nil
	}
	if max > 0 && count >= max {
		return nil, store.ErrLimit
	}
	nv := clone(v)
	s.published[v.MachineARN]++
	nv.Version = s.published[v.MachineARN]
	nv.ARN = v.MachineARN + ":" + strconv.FormatInt(nv.Version, 10)
	s.versions[nv.ARN] = nv
	return clone(nv), nil
}

// VersionGet implements store.Store.
func (s *Store) VersionGet(_ context.Context, arn string) (*store.StateMachineVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versions[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(v), nil
}

// VersionList implements store.Store.
func (s *Store) VersionList(_ context.Context, machineARN string, before int64, limit int) ([]*store.StateMachineVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.StateMachineVersion
	for _, v := range s.versions {
		if v.MachineARN == machineARN && (before <= 0 || v.Version < before) {
			out = append(out, clone(v))
		}
	}
	slices.SortFunc(out, func(a, b *store.StateMachineVersion) int { return cmp.Compare(b.Version, a.Version) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// VersionDelete implements store.Store.
func (s *Store) VersionDelete(_ context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.versions[arn]; !ok {
		return store.ErrNotFound
	}
	var names []string
	for _, a := range s.aliases {
		for _, r := range a.Routing {
			if r.VersionARN == arn {
				names = append(names, a.Name)
				break
			}
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return &store.VersionInUseError{Aliases: names}
	}
	delete(s.versions, arn)
	delete(s.tags, arn)
	return nil
}

func (s *Store) routesExist(a *store.Alias) bool {
	for _, r := range a.Routing {
		if v, ok := s.versions[r.VersionARN]; !ok || v.MachineARN != a.MachineARN {
			return false
		}
	}
	return true
}

// AliasCreate implements store.Store.
func (s *Store) AliasCreate(_ context.Context, a *store.Alias) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.machines[a.MachineARN]; !ok {
		return store.ErrNotFound
	}
	if _, ok := s.aliases[a.ARN]; ok {
		return store.ErrExists
	}
	if !s.routesExist(a) {
		return store.ErrNotFound
	}
	s.aliases[a.ARN] = cloneAlias(a)
	return nil
}

// AliasGet implements store.Store.
func (s *Store) AliasGet(_ context.Context, arn string) (*store.Alias, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.aliases[arn]
	if !ok {
		return nil, store.ErrNotFound
	}
	return cloneAlias(a), nil
}

// AliasUpdate implements store.Store.
func (s *Store) AliasUpdate(_ context.Context, a *store.Alias) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.aliases[a.ARN]
	if !ok || !s.routesExist(a) {
		return store.ErrNotFound
	}
	n := cloneAlias(old)
	n.Description, n.Routing, n.UpdatedAt = a.Description, slices.Clone(a.Routing), a.UpdatedAt
	s.aliases[a.ARN] = n
	return nil
}

// AliasDelete implements store.Store.
func (s *Store) AliasDelete(_ context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.aliases[arn]; !ok {
		return store.ErrNotFound
	}
	delete(s.aliases, arn)
	delete(s.tags, arn)
	return nil
}

// AliasList implements store.Store.
func (s *Store) AliasList(_ context.Context, machineARN, after string, limit int) ([]*store.Alias, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Alias
	for _, a := range s.aliases {
		if a.MachineARN == machineARN && a.Name > after {
			out = append(out, cloneAlias(a))
		}
	}
	slices.SortFunc(out, func(a, b *store.Alias) int { return cmp.Compare(a.Name, b.Name) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// MapRunRedrive implements store.Store.
func (s *Store) MapRunRedrive(_ context.Context, arn, token string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.mapRuns[arn]
	if !ok {
		return store.ErrNotFound
	}
	next := cloneMapRun(r)
	next.Token, next.Status, next.Error, next.Cause, next.StopTime = token, "RUNNING", "", "", time.Time{}
	next.RedriveCount++
	next.RedriveTime = at
	s.mapRuns[arn] = next
	for _, it := range s.mapItems[arn] {
		switch it.Status {
		case store.MapItemFailed, store.MapItemAborted, store.MapItemTimedOut:
			it.Status, it.Child, it.Output, it.HasOutput, it.Error, it.Cause = store.MapItemPending, "", "", false, "", ""
		}
	}
	return nil
}
