package jsonata

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// evaluator holds the state of one evaluation.
type evaluator struct {
	ctx        context.Context
	done       <-chan struct{}
	env        *Env
	vars       map[string]any
	depth      int
	maxDepth   int
	maxLength  int
	ticks      uint32
	budget     *budget.Budget // nil: no bound but the depth and the context
	own        budget.Budget  // the budget of Config.Timeout
	timeout    time.Duration  // reported in D1012
	now        time.Time
	nowSet     bool
	clock      func() time.Time
	random     func() float64
	calls      []Call
	frames     []frame
	callChunk  int
	frameChunk int
	root       frame // binds $ to the input
	rootVals   [1]any
}

// site is the call site of a function: its name and position, which
// jsonata-js adds to the errors raised by the call.
type site struct {
	token string
	pos   int
	known bool
}

// newCall returns a Call for a function invocation. Calls are carved from
// blocks to save an allocation per call; none is ever reused.
func (ev *evaluator) newCall(env *frame, input any) *Call {
	if len(ev.calls) == 0 {
		ev.callChunk = min(max(2*ev.callChunk, 4), 64)
		ev.calls = make([]Call, ev.callChunk)
	}
	c := &ev.calls[0]
	ev.calls = ev.calls[1:]
	c.ev, c.env, c.input = ev, env, input
	return c
}

// newFrame returns an empty frame, carved from blocks like Calls.
func (ev *evaluator) newFrame(parent *frame) *frame {
	if len(ev.frames) == 0 {
		ev.frameChunk = min(max(2*ev.frameChunk, 4), 64)
		ev.frames = make([]frame, ev.frameChunk)
	}
	f := &ev.frames[0]
	ev.frames = ev.frames[1:]
	f.parent = parent
	return f
}

func (ev *evaluator) enter() error {
	ev.depth++
	if ev.depth > ev.maxDepth {
		e := newError("D1011", float64(ev.maxDepth))
		return e
	}
	if err := ev.budget.Step(); err != nil {
		return err
	}
	ev.ticks++
	if ev.ticks&1023 == 0 {
		return ev.checkContext()
	}
	return nil
}

// alloc spends the bytes of n items the evaluation is about to build.
func (ev *evaluator) alloc(n int) error { return ev.budget.Items(n) }

func (ev *evaluator) checkContext() error {
	if ev.done != nil {
		select {
		case <-ev.done:
			if ev.ctx.Err() == context.DeadlineExceeded {
				return newError("D1012", float64(ev.timeout.Milliseconds()))
			}
			return ev.ctx.Err()
		default:
		}
	}
	return nil
}

// lookup finds a variable: bindings made by the expression, then the
// evaluation's variables, then the environment's functions, then the
// built-ins.
func (ev *evaluator) lookup(env *frame, name string) any {
	return ev.lookupVariable(env, name, builtins[name])
}

// lookupVariable is lookup with the built-in of that name (nil for none)
// already found, as the parser records it on variables.
func (ev *evaluator) lookupVariable(env *frame, name string, builtin *function) any {
	if v, ok := env.lookup(name); ok {
		return v
	}
	if v, ok := ev.vars[name]; ok {
		return v
	}
	if f, ok := ev.env.funcs[name]; ok {
		if f == nil {
			return Undefined // disabled
		}
		return f
	}
	if builtin != nil {
		return builtin
	}
	return Undefined
}

func (ev *evaluator) eval(expr *node, input any, env *frame) (any, error) {
	if err := ev.enter(); err != nil {
		return nil, err
	}
	result, err := ev.evalNode(expr, input, env)
	if err != nil {
		ev.depth--
		return nil, err
	}
	for _, p := range expr.predicate {
		result, err = ev.filter(p.expr, result, env)
		if err != nil {
			ev.depth--
			return nil, err
		}
	}
	if expr.group != nil && expr.typ != nodePath {
		result, err = ev.group(expr.group.pairs, expr.group.pos, result, env)
		if err != nil {
			ev.depth--
			return nil, err
		}
	}
	if s, ok := result.(*seq); ok && s.sequence {
		if expr.keepArray {
			s.keepSingleton = true
		}
		switch len(s.vals) {
		case 0:
			result = Undefined
		case 1:
			if !s.keepSingleton {
				result = s.vals[0]
			}
		}
	}
	ev.depth--
	return result, nil
}

func (ev *evaluator) evalNode(expr *node, input any, env *frame) (any, error) {
	switch expr.typ {
	case nodePath:
		return ev.evalPath(expr, input, env)
	case nodeBinary:
		return ev.evalBinary(expr, input, env)
	case nodeUnary:
		return ev.evalUnary(expr, input, env)
	case nodeName:
		v := lookupField(input, expr.str)
		if sq, ok := v.(*seq); ok {
			if err := ev.alloc(len(sq.vals)); err != nil {
				return nil, err
			}
		}
		return v, nil
	case nodeString, nodeNumber, nodeValue:
		return expr.value, nil
	case nodeWildcard:
		return evalWildcard(input), nil
	case nodeDescendant:
		return evalDescendants(input), nil
	case nodeParent:
		v, _ := env.lookup(expr.slot.label)
		return v, nil
	case nodeCondition:
		cond, err := ev.eval(expr.cond, input, env)
		if err != nil {
			return nil, err
		}
		b, _, err := toBoolean(cond)
		if err != nil {
			return nil, err
		}
		if b {
			return ev.eval(expr.then, input, env)
		}
		if expr.els != nil {
			return ev.eval(expr.els, input, env)
		}
		return Undefined, nil
	case nodeBlock:
		fr := env
		if expr.needsFrame {
			fr = ev.newFrame(env)
		}
		var result any = Undefined
		for _, e := range expr.exprs {
			var err error
			result, err = ev.eval(e, input, fr)
			if err != nil {
				return nil, err
			}
		}
		return result, nil
	case nodeBind:
		v, err := ev.eval(expr.rhs, input, env)
		if err != nil {
			return nil, err
		}
		env.bind(expr.lhs.str, v)
		return v, nil
	case nodeRegex:
		return expr.re.fn, nil
	case nodeFunction:
		return ev.evalFunction(expr, input, env, nil)
	case nodeVariable:
		if expr.str == "" {
			if s, ok := input.(*seq); ok && s.outerWrapper && len(s.vals) > 0 {
				return s.vals[0], nil
			}
			return input, nil
		}
		return ev.lookupVariable(env, expr.str, expr.builtin), nil
	case nodeLambda:
		return &lambda{params: expr.params, body: expr.body, sig: expr.sig, input: input, env: env, thunk: expr.thunk}, nil
	case nodePartial:
		return ev.evalPartial(expr, input, env)
	case nodeApply:
		return ev.evalApply(expr, input, env)
	case nodeTransform:
		return ev.transformer(expr, env), nil
	}
	return Undefined, nil
}

// lookupField is $lookup: the value of a field of an object, or of every
// object in an array, flattened into a sequence.
func lookupField(input any, key string) any {
	switch x := input.(type) {
	case *jsonvalue.Object:
		if v, ok := x.Get(key); ok {
			return v
		}
		return Undefined
	case []any, *seq:
		vals, _ := arrayVals(x)
		result := newSeq(len(vals))
		for _, item := range vals {
			res := lookupField(item, key)
			switch r := res.(type) {
			case undefinedType:
			case []any:
				result.vals = append(result.vals, r...)
			case *seq:
				result.vals = append(result.vals, r.vals...)
			default:
				result.vals = append(result.vals, res)
			}
		}
		return result
	}
	return Undefined
}

func evalWildcard(input any) any {
	if s, ok := input.(*seq); ok && s.outerWrapper && len(s.vals) > 0 {
		input = s.vals[0]
	}
	vals := []any{}
	sequence := true
	add := func(v any) {
		if arr, ok := arrayVals(v); ok {
			vals = flattenInto(vals, arr)
			sequence = false // fn.append returns a plain array
		} else {
			vals = append(vals, v)
		}
	}
	switch x := input.(type) {
	case *jsonvalue.Object:
		for i := 0; i < x.Len(); i++ {
			_, v := x.At(i)
			add(v)
		}
	case []any, *seq:
		items, _ := arrayVals(x)
		for _, v := range items {
			add(v)
		}
	}
	if sequence {
		return &seq{vals: vals, sequence: true}
	}
	return vals
}

func flattenInto(dst []any, arr []any) []any {
	for _, e := range arr {
		if inner, ok := arrayVals(e); ok {
			dst = flattenInto(dst, inner)
		} else {
			dst = append(dst, e)
		}
	}
	return dst
}

func evalDescendants(input any) any {
	if IsUndefined(input) {
		return Undefined
	}
	var results []any
	var recurse func(v any)
	recurse = func(v any) {
		switch x := v.(type) {
		case []any, *seq:
			items, _ := arrayVals(x)
			for _, e := range items {
				recurse(e)
			}
			return
		}
		results = append(results, v)
		if o, ok := v.(*jsonvalue.Object); ok {
			for i := 0; i < o.Len(); i++ {
				_, e := o.At(i)
				recurse(e)
			}
		}
	}
	recurse(input)
	if len(results) == 1 {
		return results[0]
	}
	return &seq{vals: results, sequence: true}
}

// evalPath evaluates a location path step by step. jsonata-js makes every
// step's input a sequence; here a value that is not an array stands for the
// sequence of that one value, which saves an allocation per step.
func (ev *evaluator) evalPath(expr *node, input any, env *frame) (any, error) {
	cur := input
	// single: cur is one item even if it is an array
	single := !(isArray(input) && expr.steps[0].typ != nodeVariable)
	var resultSeq any = Undefined
	isTuple := false
	var tuples tupleStream
	haveTuples := false
	last := len(expr.steps) - 1
	var one [1]any
	for i, step := range expr.steps {
		if step.tuple {
			isTuple = true
		}
		var items []any
		if vals, ok := arrayVals(cur); ok && !single {
			items = vals
		} else if !IsUndefined(cur) || single {
			one[0] = cur
			items = one[:]
		}
		var err error
		switch {
		case i == 0 && step.consarray:
			in := cur
			if single {
				in = seqOf(cur)
			}
			resultSeq, err = ev.eval(step, in, env)
		case isTuple:
			tuples, err = ev.evalTupleStep(step, items, tuples, haveTuples, env)
			haveTuples = true
		default:
			resultSeq, err = ev.evalStep(step, items, env, i == last, expr.keepSingletonArray)
		}
		if err != nil {
			return nil, err
		}
		if !isTuple {
			if IsUndefined(resultSeq) {
				break
			}
			if vals, ok := arrayVals(resultSeq); ok && len(vals) == 0 {
				break
			}
		}
		if !step.hasFocus {
			cur, single = resultSeq, false
		}
	}
	if isTuple {
		if expr.tuple {
			resultSeq = tuples
		} else {
			s := newSeq(len(tuples))
			for _, t := range tuples {
				s.vals = append(s.vals, t.at)
			}
			resultSeq = s
		}
	}
	if expr.keepSingletonArray {
		switch s := resultSeq.(type) {
		case *seq:
			if s.cons && !s.sequence {
				resultSeq = &seq{vals: []any{s}, sequence: true, keepSingleton: true}
			} else {
				s.keepSingleton = true
			}
		case []any:
		case undefinedType:
			resultSeq = newSeq(0)
		default:
			resultSeq = &seq{vals: []any{s}, sequence: true, keepSingleton: true}
		}
	}
	if expr.group != nil {
		var in any = resultSeq
		if isTuple {
			in = tuples
		}
		return ev.group(expr.group.pairs, expr.group.pos, in, env)
	}
	return resultSeq, nil
}

// evalStep evaluates a step for each item and flattens the results. A
// single result that is not an array is returned as it is (it stands for
// the sequence of itself), and no result as Undefined.
func (ev *evaluator) evalStep(expr *node, items []any, env *frame, lastStep, keepSingleton bool) (any, error) {
	if expr.typ == nodeSort {
		result, err := ev.evalSort(expr, seqOfItems(items), env)
		if err != nil {
			return nil, err
		}
		if expr.stages != nil {
			return ev.evalStages(expr.stages, result, env)
		}
		return result, nil
	}
	var out *seq
	var first any = Undefined
	count := 0
	for _, item := range items {
		res, err := ev.eval(expr, item, env)
		if err != nil {
			return nil, err
		}
		for _, st := range expr.stages {
			res, err = ev.filter(st.expr, res, env)
			if err != nil {
				return nil, err
			}
		}
		if IsUndefined(res) {
			continue
		}
		count++
		if count == 1 {
			first = res
			continue
		}
		if count == 2 {
			out = newSeq(len(items))
			if err := ev.alloc(flatLen(first)); err != nil {
				return nil, err
			}
			out.vals = appendFlat(out.vals, first)
		}
		if err := ev.alloc(flatLen(res)); err != nil {
			return nil, err
		}
		out.vals = appendFlat(out.vals, res)
	}
	switch count {
	case 0:
		return Undefined, nil
	case 1:
		switch r := first.(type) {
		case []any:
			if len(r) == 0 && !lastStep {
				return Undefined, nil // the flattened sequence is empty
			}
			return r, nil
		case *seq:
			if r.cons {
				if lastStep {
					return r, nil
				}
				return seqOf(r), nil
			}
			if !keepSingleton {
				return r, nil
			}
			return &seq{vals: r.vals, sequence: true}, nil
		}
		if keepSingleton {
			return seqOf(first), nil
		}
		return first, nil
	}
	return out, nil
}

// seqOfItems is the input of a sort step: the items as an array value. It
// copies them, since items may be the path's one-item buffer, which then
// stays on the stack for the steps that do not sort.
func seqOfItems(items []any) any {
	return &seq{vals: slices.Clone(items), sequence: true}
}

// appendFlat adds a step's result to the path's sequence: arrays are
// flattened one level, unless built by a constructor at the end of a path.
// flatLen is the number of items appendFlat adds for res.
func flatLen(res any) int {
	switch r := res.(type) {
	case []any:
		return len(r)
	case *seq:
		if !r.cons {
			return len(r.vals)
		}
	}
	return 1
}

func appendFlat(dst []any, res any) []any {
	switch r := res.(type) {
	case []any:
		return append(dst, r...)
	case *seq:
		if r.cons {
			return append(dst, r)
		}
		return append(dst, r.vals...)
	}
	return append(dst, res)
}

func (ev *evaluator) evalStages(stages []*stage, input any, env *frame) (any, error) {
	result := input
	for _, st := range stages {
		switch st.kind {
		case stageFilter:
			var err error
			result, err = ev.filter(st.expr, result, env)
			if err != nil {
				return nil, err
			}
		case stageIndex:
			if ts, ok := result.(tupleStream); ok {
				for i, t := range ts {
					t.set(st.index, float64(i))
				}
			}
		}
	}
	return result, nil
}

func (ev *evaluator) evalTupleStep(expr *node, items []any, tuples tupleStream, haveTuples bool, env *frame) (tupleStream, error) {
	if expr.typ == nodeSort {
		var result tupleStream
		if haveTuples {
			sorted, err := ev.evalSort(expr, tuples, env)
			if err != nil {
				return nil, err
			}
			result = sorted.(tupleStream)
		} else {
			sorted, err := ev.evalSort(expr, seqOfItems(items), env)
			if err != nil {
				return nil, err
			}
			vals, _ := arrayVals(sorted)
			result = make(tupleStream, 0, len(vals))
			for i, v := range vals {
				t := &tuple{at: v}
				if expr.hasIndex {
					t.set(expr.index, float64(i))
				}
				result = append(result, t)
			}
		}
		if expr.stages != nil {
			r, err := ev.evalStages(expr.stages, result, env)
			if err != nil {
				return nil, err
			}
			result = r.(tupleStream)
		}
		return result, nil
	}
	if !haveTuples {
		tuples = make(tupleStream, len(items))
		for i, item := range items {
			tuples[i] = &tuple{at: item}
		}
	}
	result := make(tupleStream, 0, len(tuples))
	extra := 0
	if expr.hasFocus {
		extra++
	}
	if expr.hasIndex {
		extra++
	}
	if expr.ancestor != nil {
		extra++
	}
	for _, t := range tuples {
		stepEnv := frameFromTuple(env, t)
		res, err := ev.eval(expr, t.at, stepEnv)
		if err != nil {
			return nil, err
		}
		if IsUndefined(res) {
			continue
		}
		if ts, ok := res.(tupleStream); ok {
			for _, rt := range ts {
				nt := t.copyWith(len(rt.names))
				nt.at = rt.at
				for i, n := range rt.names {
					nt.set(n, rt.vals[i])
				}
				result = append(result, nt)
			}
			continue
		}
		vals, ok := arrayVals(res)
		if !ok {
			vals = []any{res}
		}
		for bb, v := range vals {
			nt := t.copyWith(extra)
			if expr.focus != "" {
				nt.set(expr.focus, v)
				nt.at = t.at
			} else {
				nt.at = v
			}
			if expr.index != "" {
				nt.set(expr.index, float64(bb))
			}
			if expr.ancestor != nil {
				nt.set(expr.ancestor.label, t.at)
			}
			result = append(result, nt)
		}
	}
	if expr.stages != nil {
		r, err := ev.evalStages(expr.stages, result, env)
		if err != nil {
			return nil, err
		}
		result = r.(tupleStream)
	}
	return result, nil
}

// filter applies a predicate to a value: a number selects by index (negative
// from the end), another expression keeps the items for which it is true or
// whose index it lists.
func (ev *evaluator) filter(pred *node, input any, env *frame) (any, error) {
	if ts, ok := input.(tupleStream); ok {
		return ev.filterTuples(pred, ts, env)
	}
	vals, ok := arrayVals(input)
	if !ok {
		vals = []any{input}
	}
	if pred.typ == nodeNumber {
		index := floorIndex(pred.value.(float64), len(vals))
		if index >= 0 && index < len(vals) {
			item := vals[index]
			if !IsUndefined(item) {
				if isArray(item) {
					return item, nil
				}
				return seqOf(item), nil
			}
		}
		return newSeq(0), nil
	}
	results := newSeq(0)
	for index, item := range vals {
		res, err := ev.eval(pred, item, env)
		if err != nil {
			return nil, err
		}
		keep, err := predicateSelects(res, index, len(vals))
		if err != nil {
			return nil, err
		}
		if IsUndefined(item) {
			// jsonata-js can select undefined here, which leaves holes in
			// arrays; undefined has no item to select
			continue
		}
		if err := ev.alloc(keep); err != nil {
			return nil, err
		}
		for ; keep > 0; keep-- {
			results.vals = append(results.vals, item)
		}
	}
	return results, nil
}

// predicateSelects says how many times the item at index is selected by a
// predicate's value: numbers are indexes, anything else a boolean.
func predicateSelects(res any, index, n int) (int, error) {
	if isNumber(res) {
		f, ok, err := numeric(res)
		if err != nil {
			return 0, err
		}
		if ok {
			if floorIndex(f, n) == index {
				return 1, nil
			}
			return 0, nil
		}
	}
	if vals, ok := arrayVals(res); ok {
		allNumbers, err := isArrayOfNumbers(res)
		if err != nil {
			return 0, err
		}
		if allNumbers {
			k := 0
			for _, v := range vals {
				f, _ := toFloat(v)
				if floorIndex(f, n) == index {
					k++
				}
			}
			return k, nil
		}
	}
	b, _, err := toBoolean(res)
	if err != nil {
		return 0, err
	}
	if b {
		return 1, nil
	}
	return 0, nil
}

func floorIndex(f float64, n int) int {
	f = math.Floor(f)
	if f < 0 {
		f += float64(n)
	}
	if f < -1 || f > float64(n) {
		return -1
	}
	return int(f)
}

func (ev *evaluator) filterTuples(pred *node, ts tupleStream, env *frame) (any, error) {
	if pred.typ == nodeNumber {
		index := floorIndex(pred.value.(float64), len(ts))
		if index >= 0 && index < len(ts) {
			return tupleStream{ts[index]}, nil
		}
		return tupleStream{}, nil
	}
	results := tupleStream{}
	for index, t := range ts {
		res, err := ev.eval(pred, t.at, frameFromTuple(env, t))
		if err != nil {
			return nil, err
		}
		keep, err := predicateSelects(res, index, len(ts))
		if err != nil {
			return nil, err
		}
		for ; keep > 0; keep-- {
			results = append(results, t)
		}
	}
	return results, nil
}

func (ev *evaluator) evalBinary(expr *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	op := expr.str
	if op == "and" || op == "or" {
		l, _, err := toBoolean(lhs)
		if err == nil {
			if op == "and" && !l || op == "or" && l {
				return l, nil
			}
			var rhs any
			rhs, err = ev.eval(expr.rhs, input, env)
			if err == nil {
				var r bool
				r, _, err = toBoolean(rhs)
				if err == nil {
					return r, nil
				}
			}
		}
		return nil, annotate(err, expr.pos, op)
	}
	rhs, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	var result any
	switch op {
	case "+", "-", "*", "/", "%":
		result, err = arithmetic(lhs, rhs, op)
	case "=":
		result = !IsUndefined(lhs) && !IsUndefined(rhs) && deepEqual(lhs, rhs)
	case "!=":
		result = !IsUndefined(lhs) && !IsUndefined(rhs) && !deepEqual(lhs, rhs)
	case "<", "<=", ">", ">=":
		result, err = compareValues(lhs, rhs, op)
	case "&":
		result, err = concatStrings(lhs, rhs)
		if s, ok := result.(string); ok && err == nil {
			err = ev.checkString(len(s))
			if err == nil {
				err = ev.budget.Alloc(len(s))
			}
		}
	case "..":
		result, err = ev.rangeValues(lhs, rhs)
	case "in":
		result = includes(lhs, rhs)
	}
	if err != nil {
		return nil, annotate(err, expr.pos, op)
	}
	return result, nil
}

// annotate sets the position and token of an operator's error, as
// jsonata-js does.
func annotate(err error, pos int, tok string) error {
	if e, ok := err.(*Error); ok {
		e.setPos(pos)
		e.setToken(tok)
	}
	return err
}

func arithmetic(lhs, rhs any, op string) (any, error) {
	var l, r float64
	if !IsUndefined(lhs) {
		f, ok, err := numeric(lhs)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, newError("T2001", lhs)
		}
		l = f
	}
	if !IsUndefined(rhs) {
		f, ok, err := numeric(rhs)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, newError("T2002", rhs)
		}
		r = f
	}
	if IsUndefined(lhs) || IsUndefined(rhs) {
		return Undefined, nil
	}
	switch op {
	case "+":
		return l + r, nil
	case "-":
		return l - r, nil
	case "*":
		return l * r, nil
	case "/":
		return l / r, nil
	}
	return math.Mod(l, r), nil
}

func compareValues(lhs, rhs any, op string) (any, error) {
	lt, rt := comparableType(lhs), comparableType(rhs)
	if lt == 0 || rt == 0 {
		v := rhs
		if lt == 0 || lt == 'u' {
			v = lhs
		}
		if lt == 's' || lt == 'n' {
			v = rhs
		}
		return nil, newError("T2010", v)
	}
	if lt == 'u' || rt == 'u' {
		return Undefined, nil
	}
	if lt != rt {
		e := newError("T2009", lhs)
		e.Value2 = rhs
		return nil, e
	}
	var c int
	if lt == 's' {
		c = compareStrings(lhs.(string), rhs.(string))
	} else {
		l, _ := toFloat(lhs)
		r, _ := toFloat(rhs)
		if math.IsNaN(l) || math.IsNaN(r) {
			return false, nil
		}
		switch {
		case l < r:
			c = -1
		case l > r:
			c = 1
		}
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// comparableType is 's', 'n', 'u' (undefined) or 0 for values that cannot be
// compared.
func comparableType(v any) byte {
	switch v.(type) {
	case string:
		return 's'
	case float64, jsonvalue.Number, int, int64:
		return 'n'
	case undefinedType:
		return 'u'
	}
	return 0
}

func concatStrings(lhs, rhs any) (any, error) {
	l, r := "", ""
	var err error
	if !IsUndefined(lhs) {
		if l, err = stringOf(lhs); err != nil {
			return nil, err
		}
	}
	if !IsUndefined(rhs) {
		if r, err = stringOf(rhs); err != nil {
			return nil, err
		}
	}
	return l + r, nil
}

func (ev *evaluator) rangeValues(lhs, rhs any) (any, error) {
	maxLength := ev.maxLength
	var lo, hi float64
	if !IsUndefined(lhs) {
		f, ok := toFloat(lhs)
		if !ok || !isInteger(f) {
			return nil, newError("T2003", lhs)
		}
		lo = f
	}
	if !IsUndefined(rhs) {
		f, ok := toFloat(rhs)
		if !ok || !isInteger(f) {
			return nil, newError("T2004", rhs)
		}
		hi = f
	}
	if IsUndefined(lhs) || IsUndefined(rhs) || lo > hi {
		return Undefined, nil
	}
	size := hi - lo + 1
	if size > 1e7 {
		return nil, newError("D2014", size)
	}
	if size > float64(maxLength) {
		return nil, newError("D2015", float64(maxLength))
	}
	if err := ev.budget.Alloc(int(size) * (budget.ItemBytes + 8)); err != nil { // an item and its boxed number
		return nil, err
	}
	vals := make([]any, int(size))
	for i := range vals {
		vals[i] = lo + float64(i)
	}
	return &seq{vals: vals, sequence: true}, nil
}

func includes(lhs, rhs any) bool {
	if IsUndefined(lhs) || IsUndefined(rhs) {
		return false
	}
	vals, ok := arrayVals(rhs)
	if !ok {
		return sameRef(rhs, lhs)
	}
	for _, v := range vals {
		if sameRef(v, lhs) {
			return true
		}
	}
	return false
}

func (ev *evaluator) evalUnary(expr *node, input any, env *frame) (any, error) {
	switch expr.str {
	case "-":
		v, err := ev.eval(expr.expr, input, env)
		if err != nil {
			return nil, err
		}
		if IsUndefined(v) {
			return Undefined, nil
		}
		f, ok, err := numeric(v)
		if err != nil {
			return nil, err
		}
		if !ok {
			e := errAt("D1002", expr.pos, "-")
			e.Value = v
			return nil, e
		}
		return -f, nil
	case "[":
		result := make([]any, 0, len(expr.exprs))
		for _, item := range expr.exprs {
			v, err := ev.eval(item, input, env)
			if err != nil {
				return nil, err
			}
			if IsUndefined(v) {
				continue
			}
			if item.typ == nodeUnary && item.str == "[" {
				if err := ev.alloc(1); err != nil {
					return nil, err
				}
				result = append(result, plain(v))
				continue
			}
			if vals, ok := arrayVals(v); ok {
				if len(expr.exprs) == 1 {
					// arrays are immutable: share the items
					result = plainVals(vals)
					continue
				}
				if err := ev.alloc(len(vals)); err != nil {
					return nil, err
				}
				for _, e := range vals {
					result = append(result, plain(e))
				}
				continue
			}
			if err := ev.alloc(1); err != nil {
				return nil, err
			}
			result = append(result, plain(v))
		}
		if len(result) > ev.maxLength {
			return nil, newError("D2015", float64(ev.maxLength))
		}
		if expr.consarray {
			return &seq{vals: result, cons: true}, nil
		}
		return result, nil
	case "{":
		return ev.group(expr.pairs, expr.pos, input, env)
	}
	return Undefined, nil
}

// checkString fails with D2016 when a string of n bytes would exceed the
// length limit.
func (ev *evaluator) checkString(n int) error {
	if n > ev.maxLength {
		return newError("D2016", float64(ev.maxLength))
	}
	return nil
}

// group evaluates an object constructor: on its own, on the context value;
// after a path, grouping the path's items by the keys.
func (ev *evaluator) group(pairs [][2]*node, pos int, input any, env *frame) (any, error) {
	ts, reduce := input.(tupleStream)
	type entry struct {
		exprIndex int
		first     any
		items     []any
		tuples    []*tuple
		n         int
	}
	var keys []string
	groups := make(map[string]*entry, len(pairs))
	var items []any
	if !reduce {
		var ok bool
		items, ok = arrayVals(input)
		if !ok {
			items = []any{input}
		}
		if len(items) == 0 {
			items = []any{Undefined}
		}
	}
	if !reduce && len(items) == 1 {
		return ev.construct(pairs, pos, items[0], env)
	}
	n := len(items)
	if reduce {
		n = len(ts)
	}
	for i := 0; i < n; i++ {
		var item any
		var t *tuple
		ctx, env2 := any(nil), env
		if reduce {
			t = ts[i]
			ctx, env2 = t.at, frameFromTuple(env, t)
		} else {
			item = items[i]
			ctx = item
		}
		for pairIndex, pair := range pairs {
			k, ok, err := ev.objectKey(pair[0], pos, ctx, env2)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			g, exists := groups[k]
			if exists {
				if g.exprIndex != pairIndex {
					e := errAt("D1009", pos, Undefined)
					e.Value = k
					return nil, e
				}
			} else {
				g = &entry{exprIndex: pairIndex}
				groups[k] = g
				keys = append(keys, k)
			}
			if reduce {
				g.tuples = append(g.tuples, t)
				continue
			}
			// fn.append: the first item as it is, then a flattened array
			switch g.n {
			case 0:
				g.first = item
			case 1:
				g.items = appendFlat1(appendFlat1(nil, g.first), item)
			default:
				g.items = appendFlat1(g.items, item)
			}
			g.n++
		}
	}
	if err := ev.alloc(len(keys)); err != nil {
		return nil, err
	}
	result := jsonvalue.NewObject(len(keys))
	for _, k := range keys {
		g := groups[k]
		var ctx any
		env2 := env
		if reduce {
			t := reduceTuples(g.tuples)
			ctx = t.at
			env2 = frameFromTuple(env, t)
		} else if g.items != nil {
			ctx = g.items
		} else {
			ctx = g.first
		}
		v, err := ev.eval(pairs[g.exprIndex][1], ctx, env2)
		if err != nil {
			return nil, err
		}
		if !IsUndefined(v) {
			result.Set(k, plain(v))
		}
	}
	return result, nil
}

// construct is group for a single item: every key is evaluated, then every
// value, with that item as the context.
func (ev *evaluator) construct(pairs [][2]*node, pos int, item any, env *frame) (any, error) {
	var keyBuf [8]string
	var idxBuf [8]int
	keys, idx := keyBuf[:0], idxBuf[:0]
	for pairIndex, pair := range pairs {
		k, ok, err := ev.objectKey(pair[0], pos, item, env)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, prev := range keys {
			if prev == k {
				e := errAt("D1009", pos, Undefined)
				e.Value = k
				return nil, e
			}
		}
		keys = append(keys, k)
		idx = append(idx, pairIndex)
	}
	if err := ev.alloc(len(keys)); err != nil {
		return nil, err
	}
	result := jsonvalue.NewObject(len(keys))
	for i, k := range keys {
		v, err := ev.eval(pairs[idx[i]][1], item, env)
		if err != nil {
			return nil, err
		}
		if !IsUndefined(v) {
			result.Set(k, plain(v))
		}
	}
	return result, nil
}

// objectKey evaluates a key of an object constructor at pos: ok is false
// when it is undefined, and any value but a string is error T1003.
func (ev *evaluator) objectKey(expr *node, pos int, input any, env *frame) (k string, ok bool, err error) {
	key, err := ev.eval(expr, input, env)
	if err != nil || IsUndefined(key) {
		return "", false, err
	}
	k, ok = key.(string)
	if !ok {
		e := errAt("T1003", pos, Undefined)
		e.Value = key
		return "", false, e
	}
	return k, true, nil
}

// appendFlat1 appends v to dst, flattening v one level if it is an array (as
// Array.prototype.concat does).
func appendFlat1(dst []any, v any) []any {
	if vals, ok := arrayVals(v); ok {
		return append(dst, vals...)
	}
	return append(dst, v)
}

// reduceTuples merges the tuples of a group: each binding becomes the
// concatenation of its values.
func reduceTuples(ts []*tuple) *tuple {
	if len(ts) == 1 {
		return ts[0]
	}
	r := ts[0].copyWith(0)
	for _, t := range ts[1:] {
		r.at = jsAppend(r.at, t.at)
		for i, name := range t.names {
			cur, _ := r.get(name)
			r.set(name, jsAppend(cur, t.vals[i]))
		}
	}
	return r
}

// jsAppend is fn.append: undefined is ignored, otherwise both sides are
// concatenated into a new plain array.
func jsAppend(a, b any) any {
	if IsUndefined(a) {
		return b
	}
	if IsUndefined(b) {
		return a
	}
	av, aok := arrayVals(a)
	bv, bok := arrayVals(b)
	if !aok {
		av = []any{a}
	}
	if !bok {
		bv = []any{b}
	}
	out := make([]any, 0, len(av)+len(bv))
	out = append(out, av...)
	return append(out, bv...)
}

// evalSort sorts a sequence by the order-by terms, evaluating each term once
// per item.
func (ev *evaluator) evalSort(expr *node, input any, env *frame) (any, error) {
	ts, isTuple := input.(tupleStream)
	var vals []any
	n := len(ts)
	if !isTuple {
		vals, _ = arrayVals(input)
		n = len(vals)
	}
	if n <= 1 {
		return input, nil
	}
	nt := len(expr.terms)
	keys := make([]any, n*nt)
	for i := 0; i < n; i++ {
		ctx, env2 := any(nil), env
		if isTuple {
			ctx, env2 = ts[i].at, frameFromTuple(env, ts[i])
		} else {
			ctx = vals[i]
		}
		for j, term := range expr.terms {
			k, err := ev.eval(term.expr, ctx, env2)
			if err != nil {
				return nil, err
			}
			keys[i*nt+j] = k
		}
	}
	swap := func(a, b int) (bool, error) {
		comp := 0
		for j := 0; comp == 0 && j < nt; j++ {
			aa, bb := keys[a*nt+j], keys[b*nt+j]
			if IsUndefined(aa) {
				if !IsUndefined(bb) {
					comp = 1
				}
				continue
			}
			if IsUndefined(bb) {
				comp = -1
				continue
			}
			at, bt := comparableType(aa), comparableType(bb)
			if at == 0 || bt == 0 {
				v := bb
				if at == 0 {
					v = aa
				}
				e := errAt("T2008", expr.pos, Undefined)
				e.Value = v
				return false, e
			}
			if at != bt {
				e := errAt("T2007", expr.pos, Undefined)
				e.Value = aa
				e.Value2 = bb
				return false, e
			}
			var c int
			if at == 's' {
				c = compareStrings(aa.(string), bb.(string))
			} else {
				x, _ := toFloat(aa)
				y, _ := toFloat(bb)
				switch {
				case x < y:
					c = -1
				case x > y:
					c = 1
				}
			}
			if c == 0 {
				continue
			}
			comp = c
			if expr.terms[j].descending {
				comp = -comp
			}
		}
		return comp == 1, nil
	}
	order, err := mergeSort(n, swap)
	if err != nil {
		return nil, err
	}
	if isTuple {
		out := make(tupleStream, n)
		for i, k := range order {
			out[i] = ts[k]
		}
		return out, nil
	}
	out := make([]any, n)
	for i, k := range order {
		out[i] = vals[k]
	}
	return out, nil
}

// mergeSort sorts the indexes 0..n-1 as jsonata-js's $sort does: a stable
// merge sort that takes the right item first when swap(left, right) is true.
func mergeSort(n int, swap func(a, b int) (bool, error)) ([]int, error) {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	tmp := make([]int, n)
	var sortRange func(lo, hi int) error
	sortRange = func(lo, hi int) error {
		if hi-lo <= 1 {
			return nil
		}
		mid := lo + (hi-lo)/2
		if err := sortRange(lo, mid); err != nil {
			return err
		}
		if err := sortRange(mid, hi); err != nil {
			return err
		}
		i, j, k := lo, mid, lo
		for i < mid && j < hi {
			s, err := swap(idx[i], idx[j])
			if err != nil {
				return err
			}
			if s {
				tmp[k] = idx[j]
				j++
			} else {
				tmp[k] = idx[i]
				i++
			}
			k++
		}
		k += copy(tmp[k:], idx[i:mid])
		copy(tmp[k:], idx[j:hi])
		copy(idx[lo:hi], tmp[lo:hi])
		return nil
	}
	return idx, sortRange(0, n)
}

func (ev *evaluator) evalApply(expr *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if expr.rhs.typ == nodeFunction {
		return ev.evalFunction(expr.rhs, input, env, &lhs)
	}
	fn, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(fn) {
		e := errAt("T2006", expr.pos, Undefined)
		e.Value = fn
		return nil, e
	}
	if isFunction(lhs) {
		chain, err := ev.eval(chainAST, nil, env)
		if err != nil {
			return nil, err
		}
		return ev.apply(chain, []any{lhs, fn}, nil, env, site{})
	}
	return ev.apply(fn, []any{lhs}, nil, env, site{})
}

func (ev *evaluator) evalFunction(expr *node, input any, env *frame, applyTo *any) (any, error) {
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	procName := expr.procedure.str
	if expr.procedure.typ == nodePath {
		procName = expr.procedure.steps[0].str
		if IsUndefined(proc) && truthy(ev.lookup(env, procName)) {
			return nil, errAt("T1005", expr.pos, procName)
		}
	}
	n := len(expr.args)
	if applyTo != nil {
		n++
	}
	args := make([]any, 0, n)
	if applyTo != nil {
		args = append(args, *applyTo)
	}
	for _, a := range expr.args {
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	result, err := ev.apply(proc, args, input, env, site{token: procName, pos: expr.pos, known: true})
	if err != nil {
		if e, ok := err.(*Error); ok {
			if !e.hasPos {
				e.setPos(expr.pos)
			}
			if e.Token == "" && procName != "" {
				e.setToken(procName)
			}
		}
		return nil, err
	}
	return result, nil
}

// apply calls a function, running the tail calls it returns (thunks) in a
// loop so that tail recursion does not grow the stack.
func (ev *evaluator) apply(proc any, args []any, input any, env *frame, s site) (any, error) {
	result, err := ev.applyInner(proc, args, input, env, s)
	for err == nil {
		l, ok := result.(*lambda)
		if !ok || !l.thunk {
			break
		}
		call := l.body
		var next any
		next, err = ev.eval(call.procedure, l.input, l.env)
		if err != nil {
			return nil, err
		}
		s2 := site{pos: call.procedure.pos, known: true}
		if call.procedure.typ == nodeVariable {
			s2.token = call.procedure.str
		}
		nargs := make([]any, 0, len(call.args))
		for _, a := range call.args {
			var v any
			v, err = ev.eval(a, l.input, l.env)
			if err != nil {
				return nil, err
			}
			nargs = append(nargs, v)
		}
		result, err = ev.applyInner(next, nargs, input, env, s2)
	}
	if err != nil {
		return nil, err
	}
	return result, nil
}

// built is what a function's result costs, in items: the items of an array
// or an object, a string's bytes by sixteen. Functions mostly build their
// results; the few that return an argument as it is are counted as well.
func built(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case *seq:
		return len(x.vals)
	case *jsonvalue.Object:
		return x.Len()
	case string:
		return len(x) / budget.ItemBytes
	}
	return 0
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame, s site) (result any, err error) {
	switch p := proc.(type) {
	case *lambda:
		if p.sig != nil {
			args, err = p.sig.validate(args, input)
		}
		if err == nil {
			result, err = ev.applyProcedure(p, args)
		}
	case *function:
		if p.sig != nil {
			args, err = p.sig.validate(args, input)
		}
		if err == nil {
			err = ev.budget.Step()
		}
		if err == nil {
			result, err = p.impl(ev.newCall(env, input), args)
		}
		if err == nil && !p.charges {
			err = ev.alloc(built(result))
		}
		if err != nil && !s.known {
			s = site{token: p.name, known: true}
		}
	default:
		err = newError("T1006", Undefined)
	}
	if err != nil {
		if !truthy(proc) {
			return nil, err
		}
		if e, ok := err.(*Error); ok && s.known {
			if e.Token == "" && s.token != "" {
				e.setToken(s.token)
			}
			if s.pos != 0 {
				e.setPos(s.pos)
			}
		}
		return nil, err
	}
	return result, nil
}

func (ev *evaluator) applyProcedure(l *lambda, args []any) (any, error) {
	vals := make([]any, len(l.params))
	for i := range vals {
		if i < len(args) {
			vals[i] = args[i]
		} else {
			vals[i] = Undefined
		}
	}
	fr := ev.newFrame(l.env)
	fr.names, fr.vals, fr.shared = l.params, vals, true
	if l.native != nil {
		nargs := make([]any, len(l.nativeParams))
		for i, name := range l.nativeParams {
			nargs[i], _ = fr.lookup(name)
		}
		f := l.native
		// jsonata-js calls a partially applied built-in without checking its
		// signature; the built-ins here check their arguments' types
		// themselves. A custom function's signature is always checked.
		if f.sig != nil && f.custom {
			var err error
			nargs, err = f.sig.validate(trimUndefined(nargs), Undefined)
			if err != nil {
				return nil, err
			}
		}
		return f.impl(ev.newCall(fr, Undefined), nargs)
	}
	return ev.eval(l.body, l.input, fr)
}

// trimUndefined drops trailing undefined arguments, so that a partially
// applied built-in sees the arguments that were given.
func trimUndefined(args []any) []any {
	for len(args) > 0 && IsUndefined(args[len(args)-1]) {
		args = args[:len(args)-1]
	}
	return args
}

// hole marks a '?' argument of a partial application.
type hole struct{}

func (ev *evaluator) evalPartial(expr *node, input any, env *frame) (any, error) {
	args := make([]any, 0, len(expr.args))
	for _, a := range expr.args {
		if a.typ == nodeOperator && a.str == "?" {
			args = append(args, hole{})
			continue
		}
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	procName := expr.procedure.str
	if expr.procedure.typ == nodePath {
		procName = expr.procedure.steps[0].str
		if IsUndefined(proc) && truthy(ev.lookup(env, procName)) {
			return nil, errAt("T1007", expr.pos, procName)
		}
	}
	switch p := proc.(type) {
	case *lambda:
		return partialApply(p, args, env), nil
	case *function:
		names := make([]string, p.params)
		for i := range names {
			if i < len(nativeParamNames) {
				names[i] = nativeParamNames[i]
			} else {
				names[i] = " " + strconv.Itoa(i)
			}
		}
		native := &lambda{params: names, native: p, nativeParams: names}
		return partialApply(native, args, env), nil
	}
	return nil, errAt("T1008", expr.pos, procName)
}

// nativeParamNames name the parameters of a partially applied Go function
// (names no expression can write); more are made as needed.
var nativeParamNames = []string{" 0", " 1", " 2", " 3", " 4", " 5", " 6", " 7"}

func partialApply(p *lambda, args []any, env *frame) *lambda {
	penv := p.env
	if penv == nil {
		penv = env
	}
	fr := &frame{parent: penv}
	var unbound []string
	for i, param := range p.params {
		var arg any = Undefined
		if i < len(args) {
			arg = args[i]
		}
		if _, ok := arg.(hole); ok {
			unbound = append(unbound, param)
		} else {
			fr.bind(param, arg)
		}
	}
	return &lambda{input: p.input, env: fr, params: unbound, body: p.body, native: p.native, nativeParams: p.nativeParams}
}

var chainAST = mustParse("function($f, $g) { function($x){ $g($f($x)) } }")

func mustParse(src string) *node {
	n, err := parse(src)
	if err != nil {
		panic(err)
	}
	return n
}
