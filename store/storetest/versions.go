package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/store"
)

func version(sm *store.StateMachine, desc string) *store.StateMachineVersion {
	return &store.StateMachineVersion{MachineARN: sm.ARN, RevisionID: sm.RevisionID, Description: desc, RoleARN: sm.RoleARN, CreatedAt: t0}
}

func versionNumbers(vs []*store.StateMachineVersion) []int64 {
	var out []int64
	for _, v := range vs {
		out = append(out, v.Version)
	}
	return out
}

// revise gives a machine a new current revision.
func revise(t *testing.T, s store.Store, sm *store.StateMachine, rev string) {
	t.Helper()
	sm.RevisionID = rev
	must(t, s.StateMachineUpdate(ctx, sm, &store.Definition{RevisionID: rev, MachineARN: sm.ARN, Text: `{"StartAt":"B"}`, CreatedAt: t0}))
}

func testVersions(t *testing.T, s store.Store) {
	sm, def := machine("vm")
	must(t, s.StateMachineCreate(ctx, sm, def))
	_, err := s.VersionPublish(ctx, &store.StateMachineVersion{MachineARN: sm.ARN + "x", RevisionID: sm.RevisionID}, 0)
	wantErr(t, err, store.ErrNotFound)

	v1, err := s.VersionPublish(ctx, version(sm, "first"), 3)
	must(t, err)
	if v1.Version != 1 || v1.ARN != sm.ARN+":1" || v1.Description != "first" {
		t.Fatalf("first version: %+v", v1)
	}
	again, err := s.VersionPublish(ctx, version(sm, "other"), 3)
	must(t, err)
	if again.Version != 1 || again.Description != "first" {
		t.Fatalf("publishing the same revision again: %+v, want version 1 as it was", again)
	}
	_, err = s.VersionPublish(ctx, &store.StateMachineVersion{MachineARN: sm.ARN, RevisionID: "stale"}, 3)
	wantErr(t, err, store.ErrConflict)

	revise(t, s, sm, "vm-r2")
	v2, err := s.VersionPublish(ctx, version(sm, ""), 3)
	must(t, err)
	must(t, s.VersionDelete(ctx, v2.ARN))
	wantErr(t, s.VersionDelete(ctx, v2.ARN), store.ErrNotFound)
	v3, err := s.VersionPublish(ctx, version(sm, ""), 3)
	must(t, err)
	if v3.Version != 3 {
		t.Fatalf("after deleting version 2, the next is %d, want 3 (numbers are not reused)", v3.Version)
	}
	revise(t, s, sm, "vm-r3")
	v4, err := s.VersionPublish(ctx, version(sm, ""), 3)
	must(t, err)
	revise(t, s, sm, "vm-r4")
	_, err = s.VersionPublish(ctx, version(sm, ""), 3)
	wantErr(t, err, store.ErrLimit)

	got, err := s.VersionGet(ctx, v4.ARN)
	must(t, err)
	if got.RevisionID != "vm-r3" || got.RoleARN != sm.RoleARN || !got.CreatedAt.Equal(t0) {
		t.Fatalf("VersionGet: %+v", got)
	}
	list, err := s.VersionList(ctx, sm.ARN, 0, 10)
	must(t, err)
	if n := versionNumbers(list); !slices.Equal(n, []int64{4, 3, 1}) {
		t.Fatalf("VersionList: %v, want newest first [4 3 1]", n)
	}
	list, err = s.VersionList(ctx, sm.ARN, 4, 1)
	must(t, err)
	if n := versionNumbers(list); !slices.Equal(n, []int64{3}) {
		t.Fatalf("VersionList before 4, limit 1: %v, want [3]", n)
	}

	must(t, s.TagsSet(ctx, v1.ARN, []store.Tag{{Key: "k", Value: "v"}}))
	must(t, s.StateMachineDelete(ctx, sm.ARN))
	_, err = s.VersionGet(ctx, v1.ARN)
	wantErr(t, err, store.ErrNotFound)
	if tags, _ := s.TagsList(ctx, v1.ARN); len(tags) != 0 {
		t.Fatalf("a deleted machine's version kept its tags: %v", tags)
	}
	// A machine created again under the same name numbers from 1.
	sm, def = machine("vm")
	must(t, s.StateMachineCreate(ctx, sm, def))
	v, err := s.VersionPublish(ctx, version(sm, ""), 0)
	must(t, err)
	if v.Version != 1 {
		t.Fatalf("a new machine's first version is %d", v.Version)
	}
}

func testAliases(t *testing.T, s store.Store) {
	sm, def := machine("am")
	must(t, s.StateMachineCreate(ctx, sm, def))
	v1, err := s.VersionPublish(ctx, version(sm, ""), 0)
	must(t, err)
	revise(t, s, sm, "am-r2")
	v2, err := s.VersionPublish(ctx, version(sm, ""), 0)
	must(t, err)

	a := &store.Alias{ARN: sm.ARN + ":prod", MachineARN: sm.ARN, Name: "prod", Description: "d",
		Routing: []store.Route{{VersionARN: v1.ARN, Weight: 90}, {VersionARN: v2.ARN, Weight: 10}}, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.AliasCreate(ctx, a))
	wantErr(t, s.AliasCreate(ctx, a), store.ErrExists)
	bad := *a
	bad.ARN, bad.Name, bad.Routing = sm.ARN+":bad", "bad", []store.Route{{VersionARN: sm.ARN + ":9", Weight: 100}}
	wantErr(t, s.AliasCreate(ctx, &bad), store.ErrNotFound)
	if _, err := s.AliasGet(ctx, bad.ARN); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an alias to a missing version was created: %v", err)
	}
	b := &store.Alias{ARN: sm.ARN + ":beta", MachineARN: sm.ARN, Name: "beta", Routing: []store.Route{{VersionARN: v2.ARN, Weight: 100}}, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.AliasCreate(ctx, b))

	got, err := s.AliasGet(ctx, a.ARN)
	must(t, err)
	if got.Name != "prod" || got.Description != "d" || !slices.Equal(got.Routing, a.Routing) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("AliasGet: %+v", got)
	}
	var in *store.VersionInUseError
	err = s.VersionDelete(ctx, v2.ARN)
	if !errors.As(err, &in) || !errors.Is(err, store.ErrConflict) || !slices.Equal(in.Aliases, []string{"beta", "prod"}) {
		t.Fatalf("deleting a routed version: %v, want VersionInUseError [beta prod]", err)
	}

	later := t0.Add(time.Hour)
	a.Description, a.Routing, a.UpdatedAt = "", []store.Route{{VersionARN: v1.ARN, Weight: 100}}, later
	must(t, s.AliasUpdate(ctx, a))
	got, err = s.AliasGet(ctx, a.ARN)
	must(t, err)
	if got.Description != "" || len(got.Routing) != 1 || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("after AliasUpdate: %+v", got)
	}
	a.Routing = []store.Route{{VersionARN: sm.ARN + ":7", Weight: 100}}
	wantErr(t, s.AliasUpdate(ctx, a), store.ErrNotFound)
	wantErr(t, s.AliasUpdate(ctx, &store.Alias{ARN: sm.ARN + ":none", MachineARN: sm.ARN}), store.ErrNotFound)

	list, err := s.AliasList(ctx, sm.ARN, "", 10)
	must(t, err)
	if len(list) != 2 || list[0].Name != "beta" || list[1].Name != "prod" {
		t.Fatalf("AliasList: %+v", list)
	}
	list, err = s.AliasList(ctx, sm.ARN, "beta", 10)
	must(t, err)
	if len(list) != 1 || list[0].Name != "prod" {
		t.Fatalf("AliasList after beta: %+v", list)
	}

	must(t, s.AliasDelete(ctx, b.ARN))
	wantErr(t, s.AliasDelete(ctx, b.ARN), store.ErrNotFound)
	must(t, s.VersionDelete(ctx, v2.ARN))

	must(t, s.TagsSet(ctx, a.ARN, []store.Tag{{Key: "k", Value: "v"}}))
	must(t, s.StateMachineDelete(ctx, sm.ARN))
	if _, err := s.AliasGet(ctx, a.ARN); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted machine's alias remains: %v", err)
	}
	if tags, _ := s.TagsList(ctx, a.ARN); len(tags) != 0 {
		t.Fatalf("a deleted machine's alias kept its tags: %v", tags)
	}
}

// testVersionPublishIsExclusive publishes from many goroutines at once, each
// after its own revision: no number is taken twice.
func testVersionPublishIsExclusive(t *testing.T, s store.Store) {
	sm, def := machine("pm")
	must(t, s.StateMachineCreate(ctx, sm, def))
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				mu.Lock()
				c := *sm
				c.RevisionID = fmt.Sprintf("pm-%d-%d", i, j)
				err := s.StateMachineUpdate(ctx, &c, &store.Definition{RevisionID: c.RevisionID, MachineARN: c.ARN, Text: "{}", CreatedAt: t0})
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				v, err := s.VersionPublish(ctx, version(&c, ""), 0)
				if errors.Is(err, store.ErrConflict) {
					continue // another goroutine revised the machine in between
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[v.Version] && v.RevisionID != c.RevisionID {
					t.Errorf("version %d published twice", v.Version)
				}
				seen[v.Version] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	list, err := s.VersionList(ctx, sm.ARN, 0, 1000)
	must(t, err)
	revs := map[string]bool{}
	for i, v := range list {
		if i > 0 && v.Version >= list[i-1].Version {
			t.Fatalf("versions out of order: %v", versionNumbers(list))
		}
		if revs[v.RevisionID] {
			t.Fatalf("revision %s published twice", v.RevisionID)
		}
		revs[v.RevisionID] = true
	}
}

func testExecutionVersionAndAlias(t *testing.T, s store.Store) {
	vARN, aARN := machineARN+":1", machineARN+":prod"
	plain := create(t, s, newExec("plain", t0))
	onVersion := newExec("onversion", t0.Add(time.Second))
	onVersion.VersionARN = vARN
	create(t, s, onVersion)
	onAlias := newExec("onalias", t0.Add(2*time.Second))
	onAlias.VersionARN, onAlias.AliasARN = vARN, aARN
	create(t, s, onAlias)

	got, err := s.ExecutionGet(ctx, onAlias.ARN)
	must(t, err)
	if got.VersionARN != vARN || got.AliasARN != aARN {
		t.Fatalf("ExecutionGet: version %q alias %q", got.VersionARN, got.AliasARN)
	}
	for _, tc := range []struct {
		q    store.ExecutionQuery
		want []string
	}{
		{store.ExecutionQuery{MachineARN: machineARN}, []string{"onalias", "onversion", "plain"}},
		{store.ExecutionQuery{MachineARN: machineARN, VersionARN: vARN}, []string{"onalias", "onversion"}},
		{store.ExecutionQuery{MachineARN: machineARN, AliasARN: aARN}, []string{"onalias"}},
	} {
		list, err := s.ExecutionList(ctx, tc.q)
		must(t, err)
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
			if x.Name == "onversion" && x.VersionARN != vARN {
				t.Errorf("ExecutionList lost the version: %+v", x)
			}
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("ExecutionList(%+v) = %v, want %v", tc.q, names, tc.want)
		}
	}
	// A redrive is counted on the row, with its time and client token, and
	// the redrive filter sees it.
	next := *plain
	next.Version, next.RedriveCount, next.RedriveTime, next.RedriveToken = plain.Version+1, 1, t0.Add(time.Minute), "tok"
	must(t, s.Apply(ctx, []*store.Change{{Execution: &next, ExpectVersion: plain.Version}})[0])
	got, err = s.ExecutionGet(ctx, plain.ARN)
	must(t, err)
	if got.RedriveCount != 1 || !got.RedriveTime.Equal(t0.Add(time.Minute)) || got.RedriveToken != "tok" {
		t.Fatalf("redrive fields: %+v", got)
	}
	for filter, want := range map[string][]string{"REDRIVEN": {"plain"}, "NOT_REDRIVEN": {"onalias", "onversion"}} {
		list, err := s.ExecutionList(ctx, store.ExecutionQuery{MachineARN: machineARN, Redriven: filter})
		must(t, err)
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("ExecutionList(Redriven: %s) = %v, want %v", filter, names, want)
		}
	}
}
