package jsonpath

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// Get evaluates the path's segments against root, the value its root names (the
// caller supplies the input, the context object or the variable's value).
//
// A definite path returns the one value it names, or a *NotFoundError carrying
// Jayway's message when it names nothing (a missing property, a property of a
// non-object, an index of a non-array). An array index out of range is not an
// error: it reads as null, as AWS reads it (Jayway over Jackson's tree model
// returns null for a missing element); Lookup tells the two nulls apart.
//
// An indefinite path returns a []any of its matches in document order, empty
// when nothing matches; it never fails for missing data, as AWS returns [] for
// "$.items[*]" on an input without items. It fails with an *EvalError only when
// its evaluation would visit more than MaxSteps values.
//
// A path ending in a function returns the function applied to the value (or,
// for an indefinite path, the list) before it.
func (p *Path) Get(root any) (any, error) {
	v, _, err := p.Lookup(root)
	return v, err
}

// Lookup is Get that also reports whether a definite path reached a value:
// found is false when an array index was out of range (Get's null). AWS's
// intrinsic functions reject such an argument where a payload template field
// accepts it as null. For an indefinite path found is always true.
func (p *Path) Lookup(root any) (v any, found bool, err error) {
	return p.lookup(root, root, nil)
}

// GetWithin is Get under a budget: an indefinite path spends a step for each
// value it visits (in its filters' paths too) and a filter's regular
// expression a step for every 64 bytes it reads; the list it returns
// spends its items' bytes. Past the budget it fails with the budget's
// *budget.ExceededError. A nil budget is Get's own bound of MaxSteps.
func (p *Path) GetWithin(root any, b *budget.Budget) (any, error) {
	v, _, err := p.lookup(root, root, b)
	return v, err
}

// LookupWithin is Lookup under a budget, as GetWithin.
func (p *Path) LookupWithin(root any, b *budget.Budget) (v any, found bool, err error) {
	return p.lookup(root, root, b)
}

func (p *Path) lookup(root, doc any, b *budget.Budget) (any, bool, error) {
	if p.simple {
		return p.getSimple(root)
	}
	if p.fn != nil {
		var base any
		if p.definite {
			v, found, err := p.getDefinite(root, doc)
			if err != nil {
				return nil, false, err
			}
			if !found {
				return nil, false, nullElement(p.jayway(len(p.segs)))
			}
			base = v
		} else {
			list, err := p.collect(root, doc, b)
			if err != nil {
				return nil, false, err
			}
			base = list
		}
		v, err := p.fn.apply(base)
		return v, err == nil, err
	}
	if p.definite {
		return p.getDefinite(root, doc)
	}
	list, err := p.collect(root, doc, b)
	if err != nil {
		return nil, false, err
	}
	return list, true, nil
}

// jayway renders the root and the first n segments as Jayway names the place
// where evaluation stopped. Jayway sees every path rooted at $, whatever ASL
// root it had.
func (p *Path) jayway(n int) string {
	var b strings.Builder
	if p.root == rootCurrent {
		b.WriteByte('@')
	} else {
		b.WriteByte('$')
	}
	for i := range p.segs[:n] {
		b.WriteString(p.segs[i].fragment())
	}
	return b.String()
}

// getSimple walks a path of single fields and single indexes without
// allocating.
func (p *Path) getSimple(cur any) (any, bool, error) {
	last := len(p.segs) - 1
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.kind == segField {
			obj, ok := cur.(*jsonvalue.Object)
			if !ok {
				return nil, false, notAnObject(sg.fragment(), p.jayway(i), cur, false)
			}
			v, ok := obj.Get(sg.name)
			if !ok {
				if i == last {
					return nil, false, noResults(p)
				}
				return nil, false, missingProperty(p.jayway(i + 1))
			}
			cur = v
			continue
		}
		arr, ok := cur.([]any)
		if !ok {
			return nil, false, notAnArray(sg.fragment(), p.jayway(i), cur)
		}
		idx := sg.index
		if idx < 0 {
			idx += len(arr)
		}
		if idx < 0 || idx >= len(arr) {
			if i == last {
				return nil, false, nil
			}
			// Jayway goes on with a Java null.
			next := &p.segs[i+1]
			at := p.jayway(i + 1)
			if next.kind == segField {
				return nil, false, notAnObject(next.fragment(), at, nil, true)
			}
			return nil, false, nullElement(at)
		}
		cur = arr[idx]
	}
	return cur, true, nil
}

// getDefinite handles the definite paths that are not simple: those ending in
// a list of properties, which Jayway merges into one object.
func (p *Path) getDefinite(root, doc any) (any, bool, error) {
	n := len(p.segs)
	if n == 0 || p.segs[n-1].kind != segFields {
		head := &Path{src: p.src, root: p.root, segs: p.segs, simple: true, definite: true}
		return head.getSimple(root)
	}
	head := &Path{src: p.src, root: p.root, segs: p.segs[:n-1], simple: true, definite: true}
	v, found, err := head.getSimple(root)
	if err != nil {
		return nil, false, err
	}
	sg := &p.segs[n-1]
	if !found {
		return nil, false, notAnObject(sg.fragment(), p.jayway(n-1), nil, true)
	}
	obj, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, false, notAnObject(sg.fragment(), p.jayway(n-1), v, false)
	}
	out := jsonvalue.NewObject(len(sg.names))
	for _, k := range sg.names {
		if x, ok := obj.Get(k); ok {
			out.Set(k, x)
		}
	}
	return out, true, nil
}

// MaxSteps bounds the work of evaluating one indefinite path: each deep scan
// multiplies the values visited, so a path like "$..*..*..*..*" over a large
// document could otherwise run for hours. Past it Get fails with an *EvalError.
const MaxSteps = 1 << 22

// walker collects the matches of an indefinite path.
type walker struct {
	out []any
	b   *budget.Budget
}

// tired spends a step and reports whether the budget is spent.
func (w *walker) tired() bool { return w.b.Step() != nil }

// add appends a match, spending its bytes.
func (w *walker) add(v any) {
	if w.b.Items(1) == nil {
		w.out = append(w.out, v)
	}
}

// collect evaluates an indefinite path, ignoring branches that find nothing.
// Without a budget it runs under one of MaxSteps steps, its own.
func (p *Path) collect(root, doc any, b *budget.Budget) ([]any, error) {
	own := b == nil
	if own {
		b = budget.New(budget.Limits{Steps: MaxSteps}, nil)
	}
	w := &walker{out: []any{}, b: b}
	p.walk(p.segs, root, doc, w)
	if err := b.Err(); err != nil {
		if own {
			return nil, &EvalError{Msg: "evaluating " + p.src + " visits more than " + strconv.Itoa(MaxSteps) + " values"}
		}
		return nil, err
	}
	return w.out, nil
}

func (p *Path) walk(segs []segment, cur, doc any, w *walker) {
	if w.tired() {
		return
	}
	if len(segs) == 0 {
		w.add(cur)
		return
	}
	sg, rest := &segs[0], segs[1:]
	switch sg.kind {
	case segField:
		if obj, ok := cur.(*jsonvalue.Object); ok {
			if v, ok := obj.Get(sg.name); ok {
				p.walk(rest, v, doc, w)
			}
		}
	case segFields:
		obj, ok := cur.(*jsonvalue.Object)
		if !ok {
			return
		}
		if len(rest) == 0 {
			m := jsonvalue.NewObject(len(sg.names))
			for _, k := range sg.names {
				if v, ok := obj.Get(k); ok {
					m.Set(k, v)
				}
			}
			w.add(m)
			return
		}
		for _, k := range sg.names {
			if v, ok := obj.Get(k); ok {
				p.walk(rest, v, doc, w)
			}
		}
	case segIndex:
		p.index(sg.index, rest, cur, doc, w)
	case segIndexes:
		for _, i := range sg.indexes {
			p.index(i, rest, cur, doc, w)
		}
	case segSlice:
		arr, ok := cur.([]any)
		if !ok {
			return
		}
		from, to := sliceBounds(sg, len(arr))
		for i := from; i < to; i++ {
			p.walk(rest, arr[i], doc, w)
		}
	case segWildcard:
		switch x := cur.(type) {
		case []any:
			for _, v := range x {
				p.walk(rest, v, doc, w)
			}
		case *jsonvalue.Object:
			for _, v := range x.All() {
				p.walk(rest, v, doc, w)
			}
		}
	case segFilter:
		switch x := cur.(type) {
		case []any:
			for _, v := range x {
				if sg.filter.test(doc, v, w.b) {
					p.walk(rest, v, doc, w)
				}
			}
		case *jsonvalue.Object:
			if sg.filter.test(doc, x, w.b) {
				p.walk(rest, x, doc, w)
			}
		}
	case segScan:
		p.scan(rest, cur, doc, w)
	}
}

// scan applies segs at cur and then at every value below it, parents before
// children, as Jayway's ScanPathToken walks.
func (p *Path) scan(segs []segment, cur, doc any, w *walker) {
	if w.tired() {
		return
	}
	switch x := cur.(type) {
	case []any:
		p.walk(segs, cur, doc, w)
		for _, v := range x {
			p.scan(segs, v, doc, w)
		}
	case *jsonvalue.Object:
		p.walk(segs, cur, doc, w)
		for _, v := range x.All() {
			p.scan(segs, v, doc, w)
		}
	}
}

func (p *Path) index(i int, rest []segment, cur, doc any, w *walker) {
	arr, ok := cur.([]any)
	if !ok {
		return
	}
	if i < 0 {
		i += len(arr)
	}
	if i < 0 || i >= len(arr) {
		if len(rest) == 0 {
			w.add(nil) // Jayway over Jackson reads a missing element as null
		}
		return
	}
	p.walk(rest, arr[i], doc, w)
}

// sliceBounds applies Jayway's ArraySliceOperation rules to an array of n.
func sliceBounds(sg *segment, n int) (from, to int) {
	from, to = 0, n
	if sg.hasFrom {
		from = sg.from
		if from < 0 {
			from = max(0, n+from)
		}
	}
	if sg.hasTo {
		to = sg.to
		if to < 0 {
			to = n + to
		}
		to = min(n, to)
	}
	if from > n {
		from = n
	}
	if to < from {
		to = from
	}
	return from, to
}

// EvalError reports that a path function could not be applied (an aggregate
// of no numbers), or that an indefinite path needed more than MaxSteps.
type EvalError struct{ Msg string }

// Error returns the problem.
func (e *EvalError) Error() string { return e.Msg }

type function struct {
	name  string
	apply func(v any) (any, error)
}

var functions = map[string]*function{}

func init() {
	for _, f := range []*function{
		{"length", fnLength},
		{"size", fnLength},
		{"min", aggregate("min")},
		{"max", aggregate("max")},
		{"avg", aggregate("avg")},
		{"sum", aggregate("sum")},
		{"stddev", aggregate("stddev")},
		{"keys", fnKeys},
		{"first", fnEnd(true)},
		{"last", fnEnd(false)},
	} {
		functions[f.name] = f
	}
}

func fnLength(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		return jsonvalue.Int(int64(len(x))), nil
	case *jsonvalue.Object:
		return jsonvalue.Int(int64(x.Len())), nil
	case string:
		return jsonvalue.Int(int64(jsonvalue.UTF16Len(x))), nil
	}
	return nil, nil
}

func fnKeys(v any) (any, error) {
	obj, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, nil
	}
	keys := make([]any, obj.Len())
	for i, k := range obj.Keys() {
		keys[i] = k
	}
	return keys, nil
}

func fnEnd(first bool) func(any) (any, error) {
	return func(v any) (any, error) {
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return nil, nil
		}
		if first {
			return arr[0], nil
		}
		return arr[len(arr)-1], nil
	}
}

func aggregate(name string) func(any) (any, error) {
	return func(v any) (any, error) {
		arr, _ := v.([]any)
		var nums []float64
		for _, e := range arr {
			if f, ok := jsonvalue.ToFloat(e); ok {
				nums = append(nums, f)
			}
		}
		if len(nums) == 0 {
			return nil, &EvalError{Msg: "Aggregation function attempted to calculate value using empty array"}
		}
		var r float64
		switch name {
		case "min":
			r = slices.Min(nums)
		case "max":
			r = slices.Max(nums)
		case "sum", "avg", "stddev":
			sum, sq := 0.0, 0.0
			for _, f := range nums {
				sum += f
				sq += f * f
			}
			n := float64(len(nums))
			switch name {
			case "sum":
				r = sum
			case "avg":
				r = sum / n
			default:
				r = math.Sqrt(sq/n - (sum/n)*(sum/n))
			}
		}
		return javaDouble(r), nil
	}
}

// javaDouble writes f as Java's Double.toString does, which is how Jayway's
// Double results reach AWS's output: 3.0, 0.5, 1.0E7.
func javaDouble(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	if f == 0 {
		return jsonvalue.Number("0.0")
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return jsonvalue.Number(s)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return jsonvalue.Number(mant + "E" + strconv.Itoa(e))
}
