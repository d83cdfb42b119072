package jsonata

import (
	"slices"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

var transformSignature, _ = parseSignature("<(oa):o>")

// transformer evaluates | pattern | update, delete | to a function that
// returns a changed copy of its argument.
//
// jsonata-js deep-copies the argument with $clone, evaluates the pattern on
// the copy and changes the objects it selects in place. Here, with the
// built-in $clone, the pattern is evaluated on the argument itself and only
// the selected objects and their ancestors are copied; everything else is
// shared, which is what immutable values allow. The result is the same.
func (ev *evaluator) transformer(expr *node, env *frame) *function {
	return &function{name: "", sig: transformSignature, arity: 1, params: 1, impl: func(c *Call, args []any) (any, error) {
		obj := arg(args, 0)
		if IsUndefined(obj) {
			return Undefined, nil
		}
		cloneFn := ev.lookup(env, "clone")
		if !isFunction(cloneFn) {
			return nil, errAt("T2013", expr.pos, Undefined)
		}
		if cloneFn == builtins["clone"] {
			matches, err := ev.eval(expr.pattern, obj, env)
			if err != nil {
				return nil, err
			}
			if IsUndefined(matches) {
				return obj, nil
			}
			vals, ok := arrayVals(matches)
			if !ok {
				vals = []any{matches}
			}
			tc := transformCopy{selected: map[*jsonvalue.Object]bool{}, copies: map[*jsonvalue.Object]*jsonvalue.Object{}}
			for _, m := range vals {
				if o, ok := m.(*jsonvalue.Object); ok {
					tc.selected[o] = true
				}
			}
			result, _ := tc.copy(obj)
			if !tc.shared {
				return result, ev.applyTransform(expr, vals, tc.copies, env)
			}
			// an object is reachable twice: copy it all, as jsonata-js does
		}
		result, err := ev.apply(cloneFn, []any{obj}, nil, env, site{})
		if err != nil {
			return nil, err
		}
		// only a copy made here may be changed in place
		result = deepCopy(result)
		matches, err := ev.eval(expr.pattern, result, env)
		if err != nil {
			return nil, err
		}
		if IsUndefined(matches) {
			return result, nil
		}
		vals, ok := arrayVals(matches)
		if !ok {
			vals = []any{matches}
		}
		return result, ev.applyTransform(expr, vals, nil, env)
	}}
}

// applyTransform applies the update and delete clauses to each match. With
// copies, a match is changed through its copy, and not at all if it has none
// (it is not part of the result); without, matches are changed in place.
func (ev *evaluator) applyTransform(expr *node, matches []any, copies map[*jsonvalue.Object]*jsonvalue.Object, env *frame) error {
	// A constant list of names to delete can be deleted once the update is
	// evaluated but before it is merged, with the same result, so that
	// objects do not grow first.
	var early []string
	if expr.del != nil && isConstantStrings(expr.del) {
		d, err := ev.eval(expr.del, Undefined, env)
		if err != nil {
			return err
		}
		names, ok := arrayVals(d)
		if !ok {
			names = []any{d}
		}
		if isArrayOfStrings(names) {
			for _, n := range names {
				early = append(early, n.(string))
			}
		}
	}
	for _, m := range matches {
		match, isObj := m.(*jsonvalue.Object)
		if isObj && copies != nil {
			match, isObj = copies[match]
		}
		var ctx any = m
		if isObj {
			ctx = match
		}
		update, err := ev.eval(expr.update, ctx, env)
		if err != nil {
			return err
		}
		if isObj {
			for _, n := range early {
				match.Delete(n)
			}
		}
		if !IsUndefined(update) {
			u, ok := update.(*jsonvalue.Object)
			if !ok {
				e := errAt("T2011", expr.update.pos, Undefined)
				e.Value = update
				return e
			}
			if isObj {
				for i := 0; i < u.Len(); i++ {
					k, v := u.At(i)
					if early != nil && slices.Contains(early, k) {
						continue
					}
					match.Set(k, plain(v))
				}
			}
		}
		if expr.del == nil || early != nil {
			continue
		}
		deletions, err := ev.eval(expr.del, ctx, env)
		if err != nil {
			return err
		}
		if IsUndefined(deletions) {
			continue
		}
		names, ok := arrayVals(deletions)
		if !ok {
			names = []any{deletions}
		}
		if !isArrayOfStrings(names) {
			e := errAt("T2012", expr.del.pos, Undefined)
			e.Value = deletions
			return e
		}
		if isObj {
			for _, n := range names {
				match.Delete(n.(string))
			}
		}
	}
	return nil
}

// isConstantStrings reports whether n is a string literal or an array of
// string literals.
func isConstantStrings(n *node) bool {
	switch n.typ {
	case nodeString:
		return n.predicate == nil && n.group == nil
	case nodeUnary:
		if n.str != "[" || n.predicate != nil || n.group != nil {
			return false
		}
		for _, e := range n.exprs {
			if e.typ != nodeString || e.predicate != nil || e.group != nil {
				return false
			}
		}
		return true
	}
	return false
}

// transformCopy copies the objects a transform changes and their ancestors.
type transformCopy struct {
	selected map[*jsonvalue.Object]bool
	copies   map[*jsonvalue.Object]*jsonvalue.Object
	shared   bool // a selected object was met twice
}

// copy returns v with the selected objects and their ancestors copied, and
// whether it copied anything.
func (tc *transformCopy) copy(v any) (any, bool) {
	switch x := v.(type) {
	case *jsonvalue.Object:
		var vals []any
		for i := 0; i < x.Len(); i++ {
			_, e := x.At(i)
			ne, changed := tc.copy(e)
			if changed {
				if vals == nil {
					vals = make([]any, x.Len())
					for j := 0; j < x.Len(); j++ {
						_, vals[j] = x.At(j)
					}
				}
				vals[i] = ne
			}
		}
		if vals == nil && !tc.selected[x] {
			return x, false
		}
		if _, seen := tc.copies[x]; seen {
			tc.shared = true
		}
		c := jsonvalue.NewObject(x.Len() + 2)
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if vals != nil {
				e = vals[i]
			}
			c.Set(k, e)
		}
		tc.copies[x] = c
		return c, true
	case []any, *seq:
		items, _ := arrayVals(x)
		var out []any
		for i, e := range items {
			ne, changed := tc.copy(e)
			if changed {
				if out == nil {
					out = make([]any, len(items))
					copy(out, items)
				}
				out[i] = ne
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// newRegexFunction makes the value of a regular expression literal: a
// function that returns the first match in a string, as an object with
// match, start, end, groups and a next function for the following match.
func newRegexFunction(re *regexLiteral) *function {
	return &function{arity: 2, params: 2, re: re, impl: func(c *Call, args []any) (any, error) {
		s := jsString(arg(args, 0)) // RegExp.prototype.exec converts its argument
		if err := c.ev.regexSteps(s); err != nil {
			return nil, err
		}
		locs, err := re.matches(s, -1)
		if err != nil && len(locs) == 0 {
			// the error is about a later match; report it when asked for
			locs = re.allMatches(s, -1)
		}
		return matchObject(re, s, locs, 0), nil
	}}
}

// jsString is JavaScript's String(v).
func jsString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case undefinedType:
		return "undefined"
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any, *seq:
		vals, _ := arrayVals(x)
		parts := make([]string, len(vals))
		for i, e := range vals {
			if !IsUndefined(e) && e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	case *jsonvalue.Object:
		return "[object Object]"
	}
	if f, ok := toFloat(v); ok {
		return formatJSNumber(f)
	}
	return ""
}

func matchObject(re *regexLiteral, s string, locs [][]int, k int) any {
	if k >= len(locs) {
		return Undefined
	}
	loc := locs[k]
	o := jsonvalue.NewObject(5)
	o.Set("match", s[loc[0]:loc[1]])
	o.Set("start", float64(utf16Index(s, loc[0])))
	o.Set("end", float64(utf16Index(s, loc[1])))
	groups := make([]any, 0, len(loc)/2-1)
	for g := 2; g < len(loc); g += 2 {
		if loc[g] < 0 {
			groups = append(groups, nil)
		} else {
			groups = append(groups, s[loc[g]:loc[g+1]])
		}
	}
	o.Set("groups", groups)
	o.Set("next", &function{arity: 0, params: 0, impl: func(c *Call, args []any) (any, error) {
		if loc[1] >= len(s) {
			return Undefined, nil
		}
		if loc[0] == loc[1] || (k+1 < len(locs) && locs[k+1][0] == locs[k+1][1]) {
			return nil, newError("D1004", re.source)
		}
		return matchObject(re, s, locs, k+1), nil
	}})
	return o
}
