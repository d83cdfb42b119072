package service

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stepd/stepd/store"
)

// machineCache keeps the state machines that executions start from for a
// moment (ttl), so that a StartExecution does not read its machine from the
// store each time. This service's own changes drop the entry at once
// (MachineChanged); other nodes' are seen within ttl (AWS too warns that
// executions started right after an update may use the previous definition).
type machineCache struct {
	ttl time.Duration
	mu  sync.Mutex
	gen uint64 // counts invalidations, so that a read that raced one is not kept
	m   map[string]cachedMachine
}

type cachedMachine struct {
	sm *store.StateMachine // shared: never modified
	at time.Time
}

// Machine returns the state machine an execution starts from, or
// StateMachineDoesNotExist. The machine is shared: callers must not modify it.
func (s *Service) Machine(ctx context.Context, arn string) (*store.StateMachine, error) {
	c := &s.machines
	c.mu.Lock()
	hit, ok := c.m[arn]
	gen := c.gen
	c.mu.Unlock()
	if ok && time.Since(hit.at) < c.ttl {
		return hit.sm, nil
	}
	sm, err := s.store.StateMachineGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, MachineNotFound(arn)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) > 10000 {
			c.m = map[string]cachedMachine{}
		}
		c.m[arn] = cachedMachine{sm: sm, at: time.Now()}
	}
	c.mu.Unlock()
	return sm, nil
}

// MachineChanged drops a machine from the cache after it was updated or
// deleted, so that the next start reads it again.
func (s *Service) MachineChanged(arn string) {
	c := &s.machines
	c.mu.Lock()
	c.gen++
	delete(c.m, arn)
	c.mu.Unlock()
}

// ValidName reports whether s is a valid name for a state machine, an
// execution or an activity: 1 to 80 characters of valid UTF-8, none of them
// white space, brackets < > { } [ ], wildcards ? *, the specials " # % \ ^ |
// ~ ` $ & , ; : /, or control characters (U+0000-001F, U+007F-009F), as on
// AWS. Beyond AWS, format characters (Unicode's Cf: bidirectional overrides
// and isolates, zero-width spaces and joiners, the BOM) and U+FFFD (what
// invalid UTF-8 decodes to) are refused too, so that a name cannot look like
// another one.
func ValidName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 80 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r <= 0x1f || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune(`<>{}[]?*"#%\^|~`+"`"+`$&,;:/`, r) ||
			r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}
