package jsonata

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/stepd/stepd/jsonvalue"
)

type undefinedType struct{}

// Undefined is JSONata's undefined: the absence of a value, as opposed to nil,
// which is JSON null. Evaluate returns it when an expression selects nothing;
// pass it as the input to evaluate an expression with no input document.
// Custom functions receive it for arguments that have no value and return it to
// return nothing. It never appears inside an array or an object.
var Undefined any = undefinedType{}

// IsUndefined reports whether v is Undefined.
func IsUndefined(v any) bool {
	_, ok := v.(undefinedType)
	return ok
}

// seq is an array that carries jsonata-js's flags: a sequence (the result of a
// path, which collapses to its only item), an array built by a constructor that
// must not be flattened (cons), a sequence that keeps a singleton ([] suffix),
// or the wrapper of an input array. A plain JSON array is a []any.
type seq struct {
	vals          []any
	sequence      bool
	cons          bool
	keepSingleton bool
	outerWrapper  bool
}

func newSeq(capacity int) *seq {
	return &seq{vals: make([]any, 0, capacity), sequence: true}
}

func seqOf(v any) *seq {
	return &seq{vals: []any{v}, sequence: true}
}

// arrayVals returns the items of v when v is an array of either kind.
func arrayVals(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case *seq:
		return a.vals, true
	}
	return nil, false
}

func isArray(v any) bool {
	switch v.(type) {
	case []any, *seq:
		return true
	}
	return false
}

func isSequence(v any) bool {
	s, ok := v.(*seq)
	return ok && s.sequence
}

// plain converts v to a JSON value, as it is kept inside an array or object:
// flagged arrays become []any, recursively for their items (items of plain
// arrays and objects are already plain).
func plain(v any) any {
	s, ok := v.(*seq)
	if !ok {
		return v
	}
	return plainVals(s.vals)
}

func plainVals(vals []any) []any {
	for i, e := range vals {
		if _, ok := e.(*seq); ok {
			out := make([]any, len(vals))
			copy(out, vals[:i])
			for j := i; j < len(vals); j++ {
				out[j] = plain(vals[j])
			}
			return out
		}
	}
	if vals == nil {
		return []any{}
	}
	return vals
}

// jsonOf converts v to a JSON value: flagged arrays anywhere inside arrays
// become []any. Objects need no look: values are made plain when they are
// put in one.
func jsonOf(v any) any {
	switch x := v.(type) {
	case *seq:
		return cleanArray(x.vals)
	case []any:
		return cleanArray(x)
	}
	return v
}

// cleanArray returns vals with the flagged arrays in it (at any depth of
// arrays) made plain, copying only if there are any.
func cleanArray(vals []any) []any {
	var out []any
	for i, e := range vals {
		var c any
		switch x := e.(type) {
		case *seq:
			c = cleanArray(x.vals)
		case []any:
			ca := cleanArray(x)
			if len(ca) > 0 && len(x) > 0 && &ca[0] == &x[0] {
				continue
			}
			c = ca
		default:
			continue
		}
		if out == nil {
			out = make([]any, len(vals))
			copy(out, vals)
		}
		out[i] = c
	}
	if out != nil {
		return out
	}
	if vals == nil {
		return []any{}
	}
	return vals
}

// sameRef reports whether a and b are the same value in JavaScript's ===
// sense: primitives by value, arrays, objects and functions by identity.
func sameRef(a, b any) bool {
	switch x := a.(type) {
	case undefinedType:
		return IsUndefined(b)
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64, jsonvalue.Number, int, int64:
		fb, ok := toFloat(b)
		if !ok {
			return false
		}
		fa, _ := toFloat(a)
		return fa == fb
	case []any:
		y, ok := arrayVals(b)
		return ok && len(x) == len(y) && unsafe.SliceData(x) == unsafe.SliceData(y)
	case *seq:
		y, ok := arrayVals(b)
		return ok && len(x.vals) == len(y) && unsafe.SliceData(x.vals) == unsafe.SliceData(y)
	case *jsonvalue.Object:
		y, ok := b.(*jsonvalue.Object)
		return ok && x == y
	}
	if isFunction(a) {
		return funcIdentity(a) == funcIdentity(b)
	}
	return false
}

// deepEqual is jsonata-js's isDeepEqual, used by = and $distinct.
//
// It is not jsonvalue.Equal, which would change what = means: JSONata
// compares numbers as float64s (9007199254740993 = 9007199254740992 is true,
// as in JavaScript; jsonvalue.Equal compares such numbers exactly), its
// sequences (*seq) are arrays, undefined equals undefined, and a function
// equals itself (jsonvalue.Equal knows none of these three).
func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := toFloat(b)
		return ok && x == y
	case jsonvalue.Number, int, int64:
		fa, _ := toFloat(a)
		fb, ok := toFloat(b)
		return ok && fa == fb
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	case undefinedType:
		return IsUndefined(b)
	case []any, *seq:
		xv, _ := arrayVals(a)
		yv, ok := arrayVals(b)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if !deepEqual(xv[i], yv[i]) {
				return false
			}
		}
		return true
	case *jsonvalue.Object:
		y, ok := b.(*jsonvalue.Object)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if x.Len() != y.Len() {
			return false
		}
		for i := 0; i < x.Len(); i++ {
			k, v := x.At(i)
			w, ok := y.Get(k)
			if !ok || !deepEqual(v, w) {
				return false
			}
		}
		return true
	}
	return sameRef(a, b)
}

// toFloat returns the value of a number of any representation.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case jsonvalue.Number:
		return numberValue(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// numberValue parses a JSON number literal. Literals of at most 15 digits
// without an exponent are computed exactly as mantissa / 10^k (both exact in
// a float64, so the one rounding is the correct one); others go to strconv.
func numberValue(n jsonvalue.Number) float64 {
	s := string(n)
	if len(s) == 0 || len(s) > 17 {
		return n.Float64()
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i = 1
	}
	var mant int64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + int64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			return n.Float64()
		}
	}
	if digits == 0 || digits > 15 {
		return n.Float64()
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16}

// isNumber reports whether v is a JavaScript number.
func isNumber(v any) bool {
	switch v.(type) {
	case float64, jsonvalue.Number, int, int64:
		return true
	}
	return false
}

// numeric is jsonata-js's isNumeric: v is a finite number. An infinite number
// is error D1001; NaN is not numeric.
func numeric(v any) (float64, bool, error) {
	f, ok := toFloat(v)
	if !ok {
		return 0, false, nil
	}
	if math.IsNaN(f) {
		return 0, false, nil
	}
	if math.IsInf(f, 0) {
		return 0, false, newError("D1001", f)
	}
	return f, true, nil
}

func isInteger(f float64) bool {
	return !math.IsInf(f, 0) && f == math.Trunc(f)
}

// isArrayOfNumbers is true for arrays whose items are all finite numbers
// (including the empty array).
func isArrayOfNumbers(v any) (bool, error) {
	vals, ok := arrayVals(v)
	if !ok {
		return false, nil
	}
	for _, e := range vals {
		_, ok, err := numeric(e)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func isArrayOfStrings(v any) bool {
	vals, ok := arrayVals(v)
	if !ok {
		return false
	}
	for _, e := range vals {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// toBoolean is $boolean: the effective boolean value of v; ok is false for
// undefined.
func toBoolean(v any) (b bool, ok bool, err error) {
	switch x := v.(type) {
	case undefinedType:
		return false, false, nil
	case nil:
		return false, true, nil
	case bool:
		return x, true, nil
	case string:
		return x != "", true, nil
	case float64:
		if math.IsInf(x, 0) {
			return false, true, newError("D1001", x)
		}
		return x != 0 && !math.IsNaN(x), true, nil
	case jsonvalue.Number, int, int64:
		f, _ := toFloat(x)
		return f != 0, true, nil
	case *jsonvalue.Object:
		return x.Len() > 0, true, nil
	case []any, *seq:
		vals, _ := arrayVals(v)
		switch len(vals) {
		case 0:
			return false, true, nil
		case 1:
			b, _, err := toBoolean(vals[0])
			return b, true, err
		}
		for _, e := range vals {
			b, _, err := toBoolean(e)
			if err != nil {
				return false, true, err
			}
			if b {
				return true, true, nil
			}
		}
		return false, true, nil
	}
	return false, true, nil
}

// truthy is JavaScript's truthiness, used where jsonata-js tests a value with
// a plain if (the $sort comparator).
func truthy(v any) bool {
	switch x := v.(type) {
	case undefinedType, nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64, jsonvalue.Number, int, int64:
		f, _ := toFloat(x)
		return f != 0 && !math.IsNaN(f)
	}
	return true
}

// typeSymbol is the signature symbol of a value.
func typeSymbol(v any) byte {
	switch v.(type) {
	case string:
		return 's'
	case float64, jsonvalue.Number, int, int64:
		return 'n'
	case bool:
		return 'b'
	case nil:
		return 'l'
	case []any, *seq:
		return 'a'
	case *jsonvalue.Object:
		return 'o'
	case undefinedType:
		return 'm'
	}
	if isFunction(v) {
		return 'f'
	}
	return 'm'
}

// compareStrings compares as JavaScript does, by UTF-16 code units.
func compareStrings(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < 0xEE && b[i] < 0xEE {
				if a[i] < b[i] {
					return -1
				}
				return 1
			}
			return compareUTF16(a[i:], b[i:])
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Units(ra), utf16Units(rb)
			for i := 0; i < len(ua) && i < len(ub); i++ {
				if ua[i] != ub[i] {
					if ua[i] < ub[i] {
						return -1
					}
					return 1
				}
			}
			if len(ua) < len(ub) {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func utf16Units(r rune) []uint16 {
	if r >= 0x10000 {
		r1, r2 := utf16.EncodeRune(r)
		return []uint16{uint16(r1), uint16(r2)}
	}
	return []uint16{uint16(r)}
}

// formatNumber writes f as JavaScript's String(f).
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(jsonvalue.AppendFloat(nil, f))
}

// toPrecision15 is Number(f.toPrecision(15)), which $string applies to
// non-integers to hide floating point noise.
func toPrecision15(f float64) float64 {
	if f == math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// stringLength is the number of code points, as jsonata-js counts.
func stringLength(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}
