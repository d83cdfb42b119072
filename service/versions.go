package service

import (
	"context"
	"errors"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/store"
)

// DefaultMaxVersions is AWS's quota of versions per state machine.
const DefaultMaxVersions = 1000

// MaxVersions is the most versions a state machine may have.
func (s *Service) MaxVersions() int { return s.maxVersions }

// SplitQualified splits a state machine ARN into the machine's own ARN and
// its qualifier: "" for an unqualified ARN, a version number ("12") or an
// alias name ("PROD"). An alias name always has a character other than a
// digit, so the two cannot be confused.
func SplitQualified(arn string) (machineARN, qualifier string) {
	a, err := ParseARN(arn, "stateMachine")
	if err != nil {
		return arn, ""
	}
	name, q, ok := strings.Cut(a.Resource, ":")
	if !ok {
		return arn, ""
	}
	return strings.TrimSuffix(arn, a.Resource) + name, q
}

// IsVersionQualifier reports whether a qualifier is a version number.
func IsVersionQualifier(q string) bool {
	if q == "" {
		return false
	}
	for _, r := range q {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Route picks the version of an alias an execution starts on: the first
// route with the probability of its weight (in percent), by r.
func Route(routes []store.Route, r asl.Random) string {
	if len(routes) == 0 {
		return ""
	}
	x := r.Float64() * 100
	for _, rt := range routes {
		if x < float64(rt.Weight) {
			return rt.VersionARN
		}
		x -= float64(rt.Weight)
	}
	return routes[len(routes)-1].VersionARN
}

// machineFor resolves the ARN an execution is started on: a machine's own,
// a version's or an alias's (routed by weight). It returns the machine as the
// execution runs it (for a version, with the version's revision and role),
// and the version and alias ARNs to record on the execution.
func (s *Service) machineFor(ctx context.Context, arn string) (sm *store.StateMachine, versionARN, aliasARN string, err error) {
	base, q := SplitQualified(arn)
	if q == "" {
		sm, err = s.Machine(ctx, arn)
		return sm, "", "", err
	}
	versionARN = arn
	if !IsVersionQualifier(q) {
		a, err := s.store.AliasGet(ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", "", MachineNotFound(arn)
		}
		if err != nil {
			return nil, "", "", err
		}
		aliasARN, versionARN = arn, Route(a.Routing, s.random)
	}
	v, err := s.store.VersionGet(ctx, versionARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", "", MachineNotFound(arn)
	}
	if err != nil {
		return nil, "", "", err
	}
	current, err := s.Machine(ctx, base)
	if err != nil {
		return nil, "", "", MachineNotFound(arn)
	}
	c := *current
	c.RevisionID, c.RoleARN, c.Logging, c.Tracing = v.RevisionID, v.RoleARN, v.Logging, v.Tracing
	return &c, versionARN, aliasARN, nil
}
