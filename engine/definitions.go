package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/store"
)

// DefinitionSource resolves a definition revision to its parsed form.
type DefinitionSource interface {
	Definition(ctx context.Context, revisionID string) (*asl.Definition, error)
}

// StoreDefinitions returns a DefinitionSource that reads revisions from a store
// and keeps them parsed. Revisions never change, so the cache never goes stale.
func StoreDefinitions(s store.Store) DefinitionSource {
	return &definitionCache{store: s, parsed: map[string]*asl.Definition{}}
}

type definitionCache struct {
	store  store.Store
	mu     sync.RWMutex
	parsed map[string]*asl.Definition
}

func (c *definitionCache) Definition(ctx context.Context, revisionID string) (*asl.Definition, error) {
	c.mu.RLock()
	def := c.parsed[revisionID]
	c.mu.RUnlock()
	if def != nil {
		return def, nil
	}
	if parent, graph, ok := SplitMapRevision(revisionID); ok {
		// A Distributed Map's children run its ItemProcessor.
		whole, err := c.Definition(ctx, parent)
		if err != nil {
			return nil, err
		}
		if def, err = whole.Sub(graph); err != nil {
			return nil, fmt.Errorf("definition %s: %w", revisionID, err)
		}
	} else {
		d, err := c.store.DefinitionGet(ctx, revisionID)
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", revisionID, err)
		}
		if def, err = validate.Parse([]byte(d.Text), validate.Options{}); err != nil {
			return nil, fmt.Errorf("definition %s: %w", revisionID, err)
		}
	}
	c.mu.Lock()
	c.parsed[revisionID] = def
	c.mu.Unlock()
	return def, nil
}

// MapRevision names the definition a Distributed Map's children run: the
// ItemProcessor graph of the parent's revision.
func MapRevision(parent string, graph int) string { return parent + "#map:" + strconv.Itoa(graph) }

// SplitMapRevision reads MapRevision's form back.
func SplitMapRevision(rev string) (parent string, graph int, ok bool) {
	i := strings.LastIndex(rev, "#map:")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rev[i+len("#map:"):])
	return rev[:i], n, err == nil
}
