package service

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/stepd/stepd/store"
)

// A Distributed Map's run (a Map Run) is the STANDARD engine's (engine's
// maprun.go); these are the API's views of it: its record and counts, the
// runs of an execution, its children, and UpdateMapRun.

// ErrMapRunEnded is UpdateMapRun's refusal of a run that is no longer
// RUNNING.
var ErrMapRunEnded = errors.New("the Map Run has ended")

// MapRun returns a Map Run by ARN, from the store of the engine that runs it
// (the durable store; the EXPRESS store for a run of an EXPRESS parent);
// store.ErrNotFound when none is known.
func (s *Service) MapRun(ctx context.Context, arn string) (*store.MapRun, error) {
	run, err := s.store.MapRunGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) && s.expressStore != nil {
		return s.expressStore.MapRunGet(ctx, arn)
	}
	return run, err
}

// MapRunStore is the store that holds a Map Run: its items and, for STANDARD
// children, its child executions.
func (s *Service) MapRunStore(ctx context.Context, arn string) (store.Store, *store.MapRun, error) {
	run, err := s.store.MapRunGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) && s.expressStore != nil {
		run, err = s.expressStore.MapRunGet(ctx, arn)
		return s.expressStore, run, err
	}
	return s.store, run, err
}

// MapRuns returns every Map Run of an execution, newest first (start time,
// then ARN), as ListMapRuns lists them.
func (s *Service) MapRuns(ctx context.Context, executionARN string) ([]*store.MapRun, error) {
	st := s.store
	if IsExpressARN(executionARN) && s.expressStore != nil {
		st = s.expressStore
	}
	var all []*store.MapRun
	after := ""
	for {
		runs, err := st.MapRunList(ctx, executionARN, after, 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, runs...)
		if len(runs) < 1000 {
			break
		}
		after = runs[len(runs)-1].ARN
	}
	slices.SortFunc(all, func(a, b *store.MapRun) int {
		if c := b.StartTime.Compare(a.StartTime); c != 0 {
			return c
		}
		return cmp.Compare(b.ARN, a.ARN)
	})
	return all, nil
}

// MapRunCounts returns a Map Run's counts of child executions and of items,
// by status.
func (s *Service) MapRunCounts(ctx context.Context, arn string) (map[store.MapItemStatus]store.MapItemCount, error) {
	st, _, err := s.MapRunStore(ctx, arn)
	if err != nil {
		return nil, err
	}
	return st.MapItemCounts(ctx, arn)
}

// UpdateMapRun changes a running Map Run's concurrency and tolerated
// failures (store.MapRunConfigure), and wakes its coordinator to apply them:
// at once when it runs on this node, within its poll otherwise.
// store.ErrNotFound for no run; ErrMapRunEnded once it ended.
func (s *Service) UpdateMapRun(ctx context.Context, arn string, c store.MapRunConfig) error {
	st, _, err := s.MapRunStore(ctx, arn)
	if err != nil {
		return err
	}
	if err := st.MapRunConfigure(ctx, arn, c); errors.Is(err, store.ErrConflict) {
		return ErrMapRunEnded
	} else if err != nil {
		return err
	}
	for _, e := range s.engines() {
		e.WakeMapRun(arn)
	}
	return nil
}

// ExpressStore is the EXPRESS engine's store (nil when EXPRESS executions
// are refused): a Map Run's EXPRESS children are there while they run.
func (s *Service) ExpressStore() store.Store { return s.expressStore }
