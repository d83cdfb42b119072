package service

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/stepd/stepd/store"
)

// tracingCache remembers whether each revision (or version) an execution
// ran has tracing enabled: both are immutable, so an answer holds until
// the cache is full and starts again.
type tracingCache struct {
	mu sync.Mutex
	m  map[tracingKey]bool
}

type tracingKey struct{ revision, version string }

const tracingCacheSize = 4096

// TracingEnabled reports whether the execution's state machine has tracing
// enabled (tracingConfiguration.enabled), as the execution started on it:
// the version's configuration for an execution of a version, the
// revision's otherwise (the machine's current one for a revision stored
// before revisions kept it). tracing.Tracer asks it (SetPolicy).
func (s *Service) TracingEnabled(row *store.Execution) bool {
	key := tracingKey{row.RevisionID, row.VersionARN}
	c := &s.tracing
	c.mu.Lock()
	on, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return on
	}
	on = s.tracingOf(context.Background(), row)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= tracingCacheSize {
		c.m = map[tracingKey]bool{}
	}
	c.m[key] = on
	c.mu.Unlock()
	return on
}

func (s *Service) tracingOf(ctx context.Context, row *store.Execution) bool {
	config := ""
	if row.VersionARN != "" {
		if v, err := s.store.VersionGet(ctx, row.VersionARN); err == nil {
			config = v.Tracing
		}
	}
	if config == "" && row.RevisionID != "" {
		if def, err := s.store.DefinitionGet(ctx, row.RevisionID); err == nil {
			config = def.Tracing
		}
	}
	if config == "" {
		if sm, err := s.Machine(ctx, row.MachineARN); err == nil {
			config = sm.Tracing
		}
	}
	var c struct {
		Enabled bool `json:"enabled"`
	}
	return json.Unmarshal([]byte(config), &c) == nil && c.Enabled
}
