package interp

import (
	"slices"
	"strconv"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/jsonvalue"
)

// parallel starts (or restarts) every branch of a Parallel state.
func (s *stepper) parallel(p *Path) {
	st := p.state
	input, err := s.effectiveInput(p)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	p.Effective = input
	s.emit(p, history.Event{Type: history.ParallelStateStarted})
	branches := st.Parallel.Branches
	p.Phase = PhaseChildren
	p.ResultBytes = 1
	p.Results = make([]any, len(branches))
	p.Remaining = len(branches)
	p.Children = make([]int64, 0, len(branches))
	for i, g := range branches {
		s.startChild(p, g, i, input, p.LastEventID)
	}
	if len(branches) == 0 {
		s.childrenDone(p)
	}
}

// startChild starts a branch or iteration path on graph g.
func (s *stepper) startChild(p *Path, g *asl.Graph, index int, input any, prevEvent int64) *Path {
	c := &Path{ID: s.nextID(), Parent: p.ID, Graph: g.ID, Index: index, LastEventID: prevEvent, Detached: p.Detached}
	if p.state.Type == asl.TypeMap && p.state.Map.Mode == asl.MapDistributed {
		c.Detached = true
	}
	s.x.Paths[c.ID] = c
	p.Children = append(p.Children, c.ID)
	s.goTo(c, g.StartAt, input)
	return c
}

// mapState starts (or restarts) a Map state's iterations.
func (s *stepper) mapState(p *Path) {
	st := p.state
	m := st.Map
	env := s.envFor(p, p.Input)
	input := p.Input
	if st.QueryLanguage == asl.JSONPath {
		var err error
		if input, err = st.InputPath.Apply(env, p.Input); err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		env.Input = input
	}
	p.Effective = input
	maxConc, err := s.mapInt(env, m.MaxConcurrency, st.QueryLanguage)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	if m.Mode == asl.MapDistributed {
		s.mapRun(p, env, input, maxConc)
		return
	}
	items, err := s.mapItems(env, st, input)
	if err == nil {
		// Items computed by an expression (Items, a JSONata range) are a payload
		// like any other.
		err = s.checkSize(items)
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.emit(p, history.Event{Type: history.MapStateStarted, Length: len(items)})
	if err := s.checkTolerance(env, st); err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	p.Failures = 0
	p.ResultBytes = 1 // the brackets, with each result's comma
	p.Phase = PhaseChildren
	p.Items = items
	p.NextItem = 0
	p.MaxConcurrency = int(maxConc)
	p.Results = make([]any, len(items))
	p.Remaining = len(items)
	p.Children = p.Children[:0]
	if len(items) == 0 {
		s.childrenDone(p)
		return
	}
	s.startIterations(p)
}

// mapItems evaluates ItemsPath (or Items) to the array to iterate over.
func (s *stepper) mapItems(env *asl.Env, st *asl.State, input any) ([]any, error) {
	m := st.Map
	v := input
	var err error
	switch {
	case m.Items != nil:
		if v, err = m.Items.Eval(env); err != nil {
			return nil, err
		}
		if _, ok := v.([]any); !ok {
			if e := m.Items.Expr(); e != nil {
				return nil, asl.UnexpectedType(e, "Items", "array", v)
			}
		}
	case m.ItemsPath != nil:
		if v, err = m.ItemsPath.Apply(env, input); err != nil {
			return nil, err
		}
	}
	items, ok := v.([]any)
	if !ok {
		name := aslerr.Runtime
		if st.QueryLanguage == asl.JSONata {
			name = aslerr.QueryEvaluationError
		}
		return nil, aslerr.Newf(name, "Map state input must be an array but was: %s", jsonvalue.String(v))
	}
	return items, nil
}

// mapInt evaluates MaxConcurrency(Path): a non-negative integer.
func (s *stepper) mapInt(env *asl.Env, f *asl.Field, ql asl.QueryLanguage) (int64, error) {
	if f == nil {
		return 0, nil
	}
	n, v, err := integerField(env, f, ql)
	if err != nil && err != errNotInteger {
		return 0, err
	}
	if _, isString := v.(string); err == nil && n >= 0 && (ql == asl.JSONata || !f.IsPath || isIntegerLiteral(v) || isString) {
		return n, nil
	}
	if ql == asl.JSONata {
		return 0, asl.UnexpectedType(f.Expr, f.Name, "integer", v)
	}
	return 0, aslerr.Newf(aslerr.Runtime, "The %s field refers to value %s which is not a valid integer: %s",
		f.Name, strconv.Quote(valueText(v)), f.Expr.String())
}

// valueText renders a value the way AWS quotes it in these causes: strings bare,
// everything else as JSON.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonvalue.String(v)
}

// checkTolerance validates ToleratedFailureCount and ToleratedFailurePercentage.
func (s *stepper) checkTolerance(env *asl.Env, st *asl.State) error {
	m := st.Map
	if f := m.ToleratedFailureCount; f != nil {
		n, v, err := integerField(env, f, st.QueryLanguage)
		if err != nil && err != errNotInteger {
			return err
		}
		if err == errNotInteger {
			return aslerr.Newf(aslerr.Runtime, "The %s field refers to value %s which is not a valid integer: %s",
				f.Name, strconv.Quote(valueText(v)), f.Expr.String())
		}
		if n < 0 {
			return aslerr.New(aslerr.Runtime, "ToleratedFailureCount cannot be negative.")
		}
	}
	if f := m.ToleratedFailurePercentage; f != nil {
		v, err := f.Expr.Eval(env)
		if err != nil {
			if f.IsPath {
				return invalidPath(f, err)
			}
			return err
		}
		pct, ok := toFloat(v, f.IsPath && st.QueryLanguage == asl.JSONPath)
		if !ok {
			if st.QueryLanguage == asl.JSONata {
				return asl.UnexpectedType(f.Expr, f.Name, "number", v)
			}
			return aslerr.Newf(aslerr.Runtime, "The %s field refers to value %s which is not a valid float: %s",
				f.Name, strconv.Quote(valueText(v)), f.Expr.String())
		}
		if pct < 0 || pct > 100 {
			return aslerr.New(aslerr.Runtime, "ToleratedFailurePercentage must be between 0 and 100.")
		}
	}
	return nil
}

// startIterations starts iterations until MaxConcurrency are running (for an
// inline Map, at most Limits.MaxInlineMapConcurrency, whatever MaxConcurrency
// says, as on AWS).
func (s *stepper) startIterations(p *Path) {
	st := p.state
	m := st.Map
	max := p.MaxConcurrency
	if inline := s.x.Limits.inlineMapConcurrency(); m.Mode != asl.MapDistributed && (max == 0 || max > inline) {
		max = inline
	}
	if p.NextItem == 0 && m.Mode != asl.MapDistributed {
		// An inline iteration's four events or more are this step's if its
		// states take no time: room for them at once, rather than growing
		// the step's events (large structs) time after time, which was a
		// fifth of a 1,000-item Map's CPU. Capped, for Maps whose items
		// wait.
		s.res.Events = slices.Grow(s.res.Events, 4*min(len(p.Items), 4096))
	}
	for p.NextItem < len(p.Items) && (max == 0 || len(p.Children) < max) {
		i := p.NextItem
		p.NextItem++
		item := p.Items[i]
		input := item
		if m.ItemSelector != nil {
			env := s.envFor(p, p.Effective)
			s.ctx.MapItem = &asl.MapItem{Index: i, Value: item}
			v, err := m.ItemSelector.Eval(env)
			if err != nil {
				s.abortChildren(p)
				s.fail(p, s.stateFailure(p, err))
				return
			}
			input = v
		}
		ev := p.LastEventID
		if m.Mode != asl.MapDistributed {
			ev = s.emit(p, history.Event{Type: history.MapIterationStarted, Name: st.Name, Index: i})
		}
		s.startChild(p, m.Processor, i, input, ev)
	}
}

// childSucceeded records a branch's or iteration's output. The results
// together are a payload: past the quota the state fails at once, before they
// grow further.
func (s *stepper) childSucceeded(p *Path, c *Path, output any) {
	s.dropChild(p, c)
	p.Results[c.Index] = output
	p.Remaining--
	if max := s.x.Limits.MaxPayloadBytes; max > 0 {
		p.ResultBytes += jsonvalue.Size(output) + 1
		if p.ResultBytes > max {
			p.LastEventID = c.LastEventID
			s.abortChildren(p)
			p.Items, p.Results = nil, nil
			s.fail(p, aslerr.Newf(aslerr.DataLimitExceeded,
				"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", p.StateName))
			return
		}
	}
	if p.state.Type == asl.TypeMap {
		if p.state.Map.Mode != asl.MapDistributed {
			p.LastEventID = c.LastEventID
			s.emit(p, history.Event{Type: history.MapIterationSucceeded, Name: p.StateName, Index: c.Index})
			if p.NextItem < len(p.Items) {
				// AWS points the next MapIterationStarted back at the last
				// event of the iteration that ended, not at its
				// MapIterationSucceeded.
				p.LastEventID = c.LastEventID
			}
		}
		s.startIterations(p)
	}
	if p.Remaining == 0 {
		if p.state.Type == asl.TypeParallel {
			// The Parallel's end points back at the last event of the
			// branch that ended last, as AWS records it.
			p.LastEventID = c.LastEventID
		}
		s.childrenDone(p)
	}
}

// childFailed fails a Parallel or Map state because a branch or iteration failed:
// the others are aborted, and the state's Retry and Catch decide.
func (s *stepper) childFailed(p *Path, c *Path, f *aslerr.Failure) {
	s.dropChild(p, c)
	if p.state.Type == asl.TypeMap && p.state.Map.Mode == asl.MapDistributed {
		s.iterationFailed(p, c, f)
		return
	}
	// The state whose failure ended the branch or iteration never exited:
	// AWS records it aborted (a Task's TaskStateAborted after its TaskFailed),
	// and the Parallel or Map state's own events follow the failure itself.
	last := c.LastEventID
	if c.state != nil && c.state.Type == asl.TypeTask {
		s.emit(c, history.Event{Type: history.TaskStateAborted})
	}
	p.LastEventID = last
	if p.state.Type == asl.TypeMap {
		s.emit(p, history.Event{Type: history.MapIterationFailed, Name: p.StateName, Index: c.Index})
	}
	s.abortChildren(p)
	p.Items, p.Results = nil, nil
	s.failFrom(p, f, true)
}

// iterationFailed counts a failed child execution of a Distributed Map: within
// the tolerated failures the Map goes on (the item's result is the error), past
// them the Map Run fails with States.ExceedToleratedFailureThreshold.
func (s *stepper) iterationFailed(p *Path, c *Path, f *aslerr.Failure) {
	p.Failures++
	p.Results[c.Index] = errorOutput(f)
	p.Remaining--
	if s.tolerated(p) {
		s.startIterations(p)
		if p.Remaining == 0 {
			s.childrenDone(p)
		}
		return
	}
	s.abortChildren(p)
	p.Items, p.Results = nil, nil
	s.emit(p, history.Event{Type: history.MapRunFailed})
	s.failFrom(p, aslerr.New(aslerr.ExceedToleratedFailureThreshold,
		"The specified tolerated failure threshold for the Map Run has been exceeded."), true)
}

// tolerated reports whether a Distributed Map's failures so far stay within its
// ToleratedFailureCount and ToleratedFailurePercentage (by default none are
// tolerated).
func (s *stepper) tolerated(p *Path) bool {
	m := p.state.Map
	env := s.envFor(p, p.Effective)
	limited, ok := false, false
	if f := m.ToleratedFailureCount; f != nil {
		limited = true
		if n, _, err := integerField(env, f, p.state.QueryLanguage); err == nil && int64(p.Failures) <= n {
			ok = true
		}
	}
	if f := m.ToleratedFailurePercentage; f != nil {
		limited = true
		if v, err := f.Expr.Eval(env); err == nil {
			if pct, isNum := toFloat(v, f.IsPath && p.state.QueryLanguage == asl.JSONPath); isNum && len(p.Items) > 0 &&
				float64(p.Failures)*100/float64(len(p.Items)) <= pct {
				ok = true
			}
		}
	}
	return limited && ok
}

// abortChildren stops every running child of p. As on AWS, the state each
// child is blocked in is recorded aborted on the child (TaskStateAborted,
// WaitStateAborted, and for a Parallel or Map its own children first, then
// ParallelStateAborted or MapStateAborted), and an inline Map's iteration then
// gets MapIterationAborted.
func (s *stepper) abortChildren(p *Path) {
	for _, id := range p.Children {
		c := s.x.Paths[id]
		if c == nil {
			continue
		}
		s.abortState(c)
		if p.state.Type == asl.TypeMap && p.state.Map.Mode != asl.MapDistributed {
			s.emit(p, history.Event{Type: history.MapIterationAborted, Name: p.StateName, Index: c.Index})
		}
		s.abort(c)
	}
	p.Children = p.Children[:0]
}

// abortedType names the event of a state aborted while it waits, by
// asl.StateType; the states that never wait have none.
var abortedType = [...]history.Type{
	asl.TypeTask: history.TaskStateAborted, asl.TypeWait: history.WaitStateAborted,
	asl.TypeParallel: history.ParallelStateAborted, asl.TypeMap: history.MapStateAborted,
}

// abortState records the abort of the state c is blocked in: a Task waiting
// for its result or its next attempt, a Wait, a Parallel or Map waiting for
// its children (which are aborted first). A path about to enter or leave a
// state is between states and records nothing.
func (s *stepper) abortState(c *Path) {
	st := c.state
	if st == nil || int(st.Type) >= len(abortedType) || abortedType[st.Type] == "" {
		return
	}
	switch c.Phase {
	case PhaseTask, PhaseRetry, PhaseWait:
	case PhaseChildren:
		s.abortChildren(c)
	default:
		return
	}
	s.emit(c, history.Event{Type: abortedType[st.Type]})
}

func (s *stepper) dropChild(p *Path, c *Path) {
	for i, id := range p.Children {
		if id == c.ID {
			p.Children = append(p.Children[:i], p.Children[i+1:]...)
			return
		}
	}
}

// childrenDone completes a Parallel or Map state whose children all succeeded.
func (s *stepper) childrenDone(p *Path) {
	// AWS's MapStateExited and ParallelStateExited point back past
	// MapStateSucceeded (and MapRunSucceeded) or ParallelStateSucceeded, at
	// the event before them, as its recordings show.
	before := p.LastEventID
	if p.state.Type == asl.TypeMap {
		if p.state.Map.Mode == asl.MapDistributed {
			s.emit(p, history.Event{Type: history.MapRunSucceeded})
		}
		s.emit(p, history.Event{Type: history.MapStateSucceeded})
	} else {
		s.emit(p, history.Event{Type: history.ParallelStateSucceeded})
	}
	p.LastEventID = before
	results := p.Results
	p.Results, p.Items, p.Children = nil, nil, nil
	out, assigned, err := s.resultOutput(p, results)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	s.complete(p, out, assigned)
}
