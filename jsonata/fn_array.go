package jsonata

import (
	"math"

	"github.com/stepd/stepd/jsonvalue"
)

func init() {
	define("map", "<af>", 2, fnMap)
	define("filter", "<af>", 2, fnFilter)
	define("single", "<af?>", 2, fnSingle)
	define("reduce", "<afj?:j>", 3, fnReduce)
	define("sift", "<o-f?:o>", 2, fnSift)
	define("zip", "<a+>", 0, fnZip)
	builtins["zip"].params = 1
	define("keys", "<x-:a<s>>", 1, func(c *Call, a []any) (any, error) { return keysOf(a[0]), nil })
	define("lookup", "<x-s:x>", 2, func(c *Call, a []any) (any, error) {
		k, _ := arg(a, 1).(string)
		return lookupField(a[0], k), nil
	})
	define("append", "<xx:a>", 2, func(c *Call, a []any) (any, error) { return jsAppend(a[0], arg(a, 1)), nil })
	define("exists", "<x:b>", 1, func(c *Call, a []any) (any, error) { return !IsUndefined(a[0]), nil })
	define("spread", "<x-:a<o>>", 1, func(c *Call, a []any) (any, error) { return spread(a[0]), nil })
	define("merge", "<a<o>:o>", 1, fnMerge)
	define("reverse", "<a:a>", 1, func(c *Call, a []any) (any, error) {
		vals, ok := arrayVals(a[0])
		if !ok {
			return Undefined, nil
		}
		if len(vals) <= 1 {
			return a[0], nil
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[len(vals)-1-i] = v
		}
		return out, nil
	})
	define("each", "<o-f:a>", 2, fnEach)
	define("error", "<s?:x>", 1, func(c *Call, a []any) (any, error) {
		msg, _ := a[0].(string)
		if msg == "" {
			msg = "$error() function evaluated"
		}
		e := newError("D3137", Undefined)
		e.Message = msg
		return nil, e
	})
	define("assert", "<bs?:x>", 2, func(c *Call, a []any) (any, error) {
		if b, _ := a[0].(bool); !b {
			msg, _ := arg(a, 1).(string)
			if msg == "" {
				msg = "$assert() statement failed"
			}
			e := newError("D3141", Undefined)
			e.Message = msg
			return nil, e
		}
		return Undefined, nil
	})
	define("type", "<x:s>", 1, fnType)
	define("sort", "<af?:a>", 2, fnSort)
	define("shuffle", "<a:a>", 1, fnShuffle)
	define("distinct", "<x:x>", 1, fnDistinct)
	define("clone", "<(oa)-:o>", 1, func(c *Call, a []any) (any, error) {
		if IsUndefined(a[0]) {
			return Undefined, nil
		}
		return deepCopy(a[0]), nil
	})
	define("eval", "<sx?:x>", 2, fnEval)
}

// hofArgs are the arguments a higher-order function passes its function:
// the value, then the index (or key) and the whole array (or object) if the
// function takes them.
func hofArgs(fn any, v, pos, whole any) []any {
	n := arityOf(fn)
	switch {
	case n >= 3:
		return []any{v, pos, whole}
	case n == 2:
		return []any{v, pos}
	}
	return []any{v}
}

func fnMap(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	result := newSeq(len(vals))
	for i, v := range vals {
		res, err := c.ev.apply(a[1], hofArgs(a[1], v, float64(i), a[0]), nil, c.env, site{})
		if err != nil {
			return nil, err
		}
		if !IsUndefined(res) {
			result.vals = append(result.vals, res)
		}
	}
	return result, nil
}

func fnFilter(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	result := newSeq(0)
	for i, v := range vals {
		res, err := c.ev.apply(a[1], hofArgs(a[1], v, float64(i), a[0]), nil, c.env, site{})
		if err != nil {
			return nil, err
		}
		b, _, err := toBoolean(res)
		if err != nil {
			return nil, err
		}
		if b {
			result.vals = append(result.vals, v)
		}
	}
	return result, nil
}

func fnSingle(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	fn := arg(a, 1)
	found := false
	var result any = Undefined
	for i, v := range vals {
		positive := true
		if !IsUndefined(fn) {
			res, err := c.ev.apply(fn, hofArgs(fn, v, float64(i), a[0]), nil, c.env, site{})
			if err != nil {
				return nil, err
			}
			b, _, err := toBoolean(res)
			if err != nil {
				return nil, err
			}
			positive = b
		}
		if positive {
			if found {
				e := newError("D3138", Undefined)
				e.Index = i
				return nil, e
			}
			result = v
			found = true
		}
	}
	if !found {
		return nil, newError("D3139", Undefined)
	}
	return result, nil
}

func fnReduce(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	fn := a[1]
	arity := arityOf(fn)
	if arity < 2 {
		e := newError("D3050", Undefined)
		e.Index = 1
		return nil, e
	}
	init := arg(a, 2)
	var result any
	index := 0
	if IsUndefined(init) && len(vals) > 0 {
		result = vals[0]
		index = 1
	} else {
		result = init
	}
	for ; index < len(vals); index++ {
		args := []any{result, vals[index]}
		if arity >= 3 {
			args = append(args, float64(index))
		}
		if arity >= 4 {
			args = append(args, a[0])
		}
		var err error
		result, err = c.ev.apply(fn, args, nil, c.env, site{})
		if err != nil {
			return nil, err
		}
	}
	return result, nil
}

func fnSift(c *Call, a []any) (any, error) {
	o, ok := a[0].(*jsonvalue.Object)
	if !ok {
		return Undefined, nil
	}
	fn := arg(a, 1)
	result := jsonvalue.NewObject(0)
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		res, err := c.ev.apply(fn, hofArgs(fn, v, k, o), nil, c.env, site{})
		if err != nil {
			return nil, err
		}
		b, _, err := toBoolean(res)
		if err != nil {
			return nil, err
		}
		if b {
			result.Set(k, v)
		}
	}
	if result.Len() == 0 {
		return Undefined, nil
	}
	return result, nil
}

func fnZip(c *Call, a []any) (any, error) {
	length := math.MaxInt
	arrays := make([][]any, len(a))
	for i, v := range a {
		vals, ok := arrayVals(v)
		if !ok {
			length = 0
		}
		arrays[i] = vals
		length = min(length, len(vals))
	}
	if len(a) == 0 {
		length = 0
	}
	result := make([]any, 0, length)
	for i := 0; i < length; i++ {
		t := make([]any, len(arrays))
		for j := range arrays {
			t[j] = arrays[j][i]
		}
		result = append(result, t)
	}
	return result, nil
}

func keysOf(v any) any {
	result := newSeq(0)
	switch x := v.(type) {
	case []any, *seq:
		vals, _ := arrayVals(x)
		seen := map[string]bool{}
		for _, item := range vals {
			ks, _ := arrayVals(keysOf(item))
			for _, k := range ks {
				s := k.(string)
				if !seen[s] {
					seen[s] = true
					result.vals = append(result.vals, s)
				}
			}
		}
	case *jsonvalue.Object:
		for _, k := range x.Keys() {
			result.vals = append(result.vals, k)
		}
	}
	return result
}

func spread(v any) any {
	switch x := v.(type) {
	case []any, *seq:
		vals, _ := arrayVals(x)
		var result any = newSeq(0)
		for _, item := range vals {
			result = jsAppend(result, spread(item))
		}
		return result
	case *jsonvalue.Object:
		result := newSeq(x.Len())
		for i := 0; i < x.Len(); i++ {
			k, val := x.At(i)
			o := jsonvalue.NewObject(1)
			o.Set(k, val)
			result.vals = append(result.vals, o)
		}
		return result
	}
	return v
}

func fnMerge(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	result := jsonvalue.NewObject(0)
	for _, v := range vals {
		if o, ok := v.(*jsonvalue.Object); ok {
			for i := 0; i < o.Len(); i++ {
				k, val := o.At(i)
				result.Set(k, val)
			}
		}
	}
	return result, nil
}

func fnEach(c *Call, a []any) (any, error) {
	result := newSeq(0)
	o, ok := a[0].(*jsonvalue.Object)
	if !ok {
		return result, nil
	}
	fn := arg(a, 1)
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		res, err := c.ev.apply(fn, hofArgs(fn, v, k, o), nil, c.env, site{})
		if err != nil {
			return nil, err
		}
		if !IsUndefined(res) {
			result.vals = append(result.vals, res)
		}
	}
	return result, nil
}

func fnType(c *Call, a []any) (any, error) {
	v := a[0]
	switch v.(type) {
	case undefinedType:
		return Undefined, nil
	case nil:
		return "null", nil
	case string:
		return "string", nil
	case bool:
		return "boolean", nil
	case []any, *seq:
		return "array", nil
	}
	if isNumber(v) {
		_, ok, err := numeric(v)
		if err != nil {
			return nil, err
		}
		if ok {
			return "number", nil
		}
		return "object", nil
	}
	if isFunction(v) {
		return "function", nil
	}
	return "object", nil
}

func fnSort(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	if len(vals) <= 1 {
		return a[0], nil
	}
	fn := arg(a, 1)
	var swap func(i, j int) (bool, error)
	if IsUndefined(fn) {
		nums, err := isArrayOfNumbers(vals)
		if err != nil {
			return nil, err
		}
		if nums {
			fs := make([]float64, len(vals))
			for i, v := range vals {
				fs[i], _ = toFloat(v)
			}
			swap = func(i, j int) (bool, error) { return fs[i] > fs[j], nil }
		} else if isArrayOfStrings(vals) {
			swap = func(i, j int) (bool, error) {
				return compareStrings(vals[i].(string), vals[j].(string)) > 0, nil
			}
		} else {
			e := newError("D3070", Undefined)
			e.Index = 1
			return nil, e
		}
	} else {
		swap = func(i, j int) (bool, error) {
			res, err := c.ev.apply(fn, []any{vals[i], vals[j]}, nil, c.env, site{})
			if err != nil {
				return false, err
			}
			return truthy(res), nil
		}
	}
	order, err := mergeSort(len(vals), swap)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(vals))
	for i, k := range order {
		out[i] = vals[k]
	}
	return out, nil
}

func fnShuffle(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	if len(vals) <= 1 {
		return a[0], nil
	}
	if c.ev.random == nil {
		return nil, newError("U2002", Undefined)
	}
	result := make([]any, len(vals))
	for i := range vals {
		j := int(math.Floor(c.Random() * float64(i+1)))
		if i != j {
			result[i] = result[j]
		}
		result[j] = vals[i]
	}
	return result, nil
}

func fnDistinct(c *Call, a []any) (any, error) {
	v := a[0]
	if IsUndefined(v) {
		return Undefined, nil
	}
	vals, ok := arrayVals(v)
	if !ok || len(vals) <= 1 {
		return v, nil
	}
	out := make([]any, 0, len(vals))
	// strings and numbers by value in a map; anything else by deep equality
	seenStr := map[string]bool{}
	seenNum := map[float64]bool{}
	for _, e := range vals {
		switch x := e.(type) {
		case string:
			if seenStr[x] {
				continue
			}
			seenStr[x] = true
		case float64, jsonvalue.Number, int, int64:
			f, _ := toFloat(x)
			if seenNum[f] {
				continue
			}
			seenNum[f] = true
		default:
			dup := false
			for _, r := range out {
				if err := c.ev.budget.Step(); err != nil {
					return nil, err
				}
				if deepEqual(e, r) {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
		}
		out = append(out, e)
	}
	if isSequence(v) {
		return &seq{vals: out, sequence: true}, nil
	}
	return out, nil
}

// deepCopy copies arrays and objects so that the copy can be changed (by a
// transform) without changing the original.
func deepCopy(v any) any {
	switch x := v.(type) {
	case []any, *seq:
		vals, _ := arrayVals(x)
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = deepCopy(e)
		}
		return out
	case *jsonvalue.Object:
		o := jsonvalue.NewObject(x.Len())
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			o.Set(k, deepCopy(e))
		}
		return o
	}
	return v
}

func fnEval(c *Call, a []any) (any, error) {
	src, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	input := c.input
	if focus := arg(a, 1); !IsUndefined(focus) {
		input = focus
		if vals, ok := focus.([]any); ok {
			input = &seq{vals: []any{vals}, sequence: true, outerWrapper: true}
		}
	}
	ast, err := parse(src)
	if err != nil {
		return nil, newError("D3120", asJSONataError(err).message())
	}
	result, err := c.ev.eval(ast, input, c.env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, newError("D3121", e.message())
		}
		return nil, err
	}
	return result, nil
}
