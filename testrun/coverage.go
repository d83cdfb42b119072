package testrun

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
)

// Coverage is what the cases exercised of their definitions: each state
// (entered), each Choice rule and Default (taken), each Retrier (it matched
// a failure) and each Catcher (it caught one). It is safe for concurrent
// use; cases of several test files that test one definition file add up.
type Coverage struct {
	mu   sync.Mutex
	defs map[string]*DefinitionCoverage
	keys []string
}

// DefinitionCoverage is the coverage of one definition file.
type DefinitionCoverage struct {
	Path  string
	Items []*Item
	index map[itemKey]*Item
}

// Item is one thing a definition's cases may exercise.
type Item struct {
	// Kind is "state", "choice" (a rule, or the Default), "retrier" or
	// "catcher".
	Kind string `json:"kind"`
	// State is the state's name, Location its JSON pointer in the
	// definition.
	State    string `json:"state"`
	Location string `json:"location"`
	// Index is the rule's, Retrier's or Catcher's index (-1 for a Choice's
	// Default; 0 for a state).
	Index int `json:"index"`
	// Detail says what it is: the rule's target, the errors a Retrier or
	// Catcher names.
	Detail string `json:"detail,omitempty"`
	// Hits counts how often the cases exercised it.
	Hits int `json:"hits"`
}

type itemKey struct {
	kind, location string
	index          int
}

// NewCoverage returns an empty coverage.
func NewCoverage() *Coverage { return &Coverage{defs: map[string]*DefinitionCoverage{}} }

// Add registers the definition of a test file, so that what its cases never
// exercised counts too.
func (c *Coverage) Add(f *File) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := defKey(f)
	if _, ok := c.defs[key]; ok {
		return
	}
	d := &DefinitionCoverage{Path: f.DefinitionPath, index: map[itemKey]*Item{}}
	add := func(it *Item) {
		d.Items = append(d.Items, it)
		d.index[itemKey{it.Kind, it.Location, it.Index}] = it
	}
	for _, g := range f.Definition.Graphs() {
		for _, st := range g.States {
			add(&Item{Kind: "state", State: st.Name, Location: st.Location})
			if st.Type == asl.TypeChoice {
				for i, r := range st.Choice.Choices {
					add(&Item{Kind: "choice", State: st.Name, Location: st.Location, Index: i, Detail: "→ " + r.Next.Name})
				}
				if st.Choice.Default != nil {
					add(&Item{Kind: "choice", State: st.Name, Location: st.Location, Index: -1, Detail: "Default → " + st.Choice.Default.Name})
				}
			}
			for i, r := range st.Retry {
				add(&Item{Kind: "retrier", State: st.Name, Location: st.Location, Index: i, Detail: strings.Join(r.ErrorEquals, ", ")})
			}
			for i, ct := range st.Catch {
				add(&Item{Kind: "catcher", State: st.Name, Location: st.Location, Index: i,
					Detail: strings.Join(ct.ErrorEquals, ", ") + " → " + ct.Next.Name})
			}
		}
	}
	c.defs[key] = d
	c.keys = append(c.keys, key)
}

func defKey(f *File) string {
	if abs, err := filepath.Abs(f.DefinitionPath); err == nil {
		return abs
	}
	return filepath.Clean(f.DefinitionPath)
}

func (c *Coverage) hit(f *File, kind string, st *asl.State, index int) {
	if c == nil || st == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.defs[defKey(f)]; d != nil {
		if it := d.index[itemKey{kind, st.Location, index}]; it != nil {
			it.Hits++
		}
	}
}

func (c *Coverage) stateEntered(f *File, st *asl.State)     { c.hit(f, "state", st, 0) }
func (c *Coverage) choice(f *File, st *asl.State, rule int) { c.hit(f, "choice", st, rule) }
func (c *Coverage) retrier(f *File, st *asl.State, i int)   { c.hit(f, "retrier", st, i) }
func (c *Coverage) catcher(f *File, st *asl.State, i int)   { c.hit(f, "catcher", st, i) }
func (c *Coverage) definitions() []*DefinitionCoverage {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := append([]string(nil), c.keys...)
	sort.Strings(keys)
	out := make([]*DefinitionCoverage, len(keys))
	for i, k := range keys {
		out[i] = c.defs[k]
	}
	return out
}

// Counts are covered and total items, by kind.
type Counts struct {
	Covered int `json:"covered"`
	Total   int `json:"total"`
}

// Percent is covered over total, 100 when there is nothing to cover.
func (n Counts) Percent() float64 {
	if n.Total == 0 {
		return 100
	}
	return float64(n.Covered) * 100 / float64(n.Total)
}

// Counts returns the definition's counts: all items, and by kind.
func (d *DefinitionCoverage) Counts() (all Counts, byKind map[string]Counts) {
	byKind = map[string]Counts{}
	for _, it := range d.Items {
		k := byKind[it.Kind]
		k.Total++
		all.Total++
		if it.Hits > 0 {
			k.Covered++
			all.Covered++
		}
		byKind[it.Kind] = k
	}
	return all, byKind
}

// Total returns the counts over every definition.
func (c *Coverage) Total() Counts {
	var t Counts
	for _, d := range c.definitions() {
		all, _ := d.Counts()
		t.Covered += all.Covered
		t.Total += all.Total
	}
	return t
}

var kinds = []struct{ kind, label string }{{"state", "states"}, {"choice", "Choice rules"}, {"retrier", "Retriers"}, {"catcher", "Catchers"}}

// Text is the report for people: a line per definition with its percentage
// and counts by kind, then what was not covered, then the total.
func (c *Coverage) Text() string {
	var b strings.Builder
	for _, d := range c.definitions() {
		all, byKind := d.Counts()
		fmt.Fprintf(&b, "coverage: %s: %.1f%% of %d", d.Path, all.Percent(), all.Total)
		sep := " ("
		for _, k := range kinds {
			n := byKind[k.kind]
			fmt.Fprintf(&b, "%s%s %d/%d", sep, k.label, n.Covered, n.Total)
			sep = ", "
		}
		b.WriteString(")\n")
		for _, it := range d.Items {
			if it.Hits == 0 {
				fmt.Fprintf(&b, "\tnot covered: %s\n", it.describe())
			}
		}
	}
	t := c.Total()
	fmt.Fprintf(&b, "coverage: %.1f%% of %d items\n", t.Percent(), t.Total)
	return b.String()
}

func (it *Item) describe() string {
	switch it.Kind {
	case "choice":
		if it.Index < 0 {
			return fmt.Sprintf("the Default of Choice state %q (%s)", it.State, it.Detail)
		}
		return fmt.Sprintf("rule #%d of Choice state %q (%s)", it.Index, it.State, it.Detail)
	case "retrier":
		return fmt.Sprintf("Retrier #%d of state %q (%s)", it.Index, it.State, it.Detail)
	case "catcher":
		return fmt.Sprintf("Catcher #%d of state %q (%s)", it.Index, it.State, it.Detail)
	}
	return fmt.Sprintf("state %q", it.State)
}

// JSON is the report for programs:
//
//	{"percent": 87.5, "covered": 7, "total": 8,
//	 "definitions": [{"path": ..., "percent", "covered", "total",
//	   "states": {"covered", "total"}, "choiceRules": ..., "retriers": ..., "catchers": ...,
//	   "items": [{"kind", "state", "location", "index", "detail", "hits"}]}]}
func (c *Coverage) JSON() []byte {
	top := jsonvalue.NewObject(4)
	t := c.Total()
	defs := []any{}
	for _, d := range c.definitions() {
		all, byKind := d.Counts()
		o := jsonvalue.NewObject(9)
		o.Set("path", d.Path)
		o.Set("percent", percentValue(all))
		o.Set("covered", jsonvalue.Int(int64(all.Covered)))
		o.Set("total", jsonvalue.Int(int64(all.Total)))
		for _, k := range []struct{ kind, key string }{{"state", "states"}, {"choice", "choiceRules"}, {"retrier", "retriers"}, {"catcher", "catchers"}} {
			n := byKind[k.kind]
			ko := jsonvalue.NewObject(2)
			ko.Set("covered", jsonvalue.Int(int64(n.Covered)))
			ko.Set("total", jsonvalue.Int(int64(n.Total)))
			o.Set(k.key, ko)
		}
		items := make([]any, len(d.Items))
		for i, it := range d.Items {
			io := jsonvalue.NewObject(6)
			io.Set("kind", it.Kind)
			io.Set("state", it.State)
			io.Set("location", it.Location)
			io.Set("index", jsonvalue.Int(int64(it.Index)))
			if it.Detail != "" {
				io.Set("detail", it.Detail)
			}
			io.Set("hits", jsonvalue.Int(int64(it.Hits)))
			items[i] = io
		}
		o.Set("items", items)
		defs = append(defs, o)
	}
	top.Set("percent", percentValue(t))
	top.Set("covered", jsonvalue.Int(int64(t.Covered)))
	top.Set("total", jsonvalue.Int(int64(t.Total)))
	top.Set("definitions", defs)
	return jsonvalue.AppendIndent(nil, top, "", "  ")
}

func percentValue(n Counts) jsonvalue.Number {
	return jsonvalue.Number(fmt.Sprintf("%.1f", n.Percent()))
}
