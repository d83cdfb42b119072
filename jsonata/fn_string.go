package jsonata

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

func init() {
	define("string", "<x-b?:s>", 1, fnString)
	builtins["string"].params = 2
	define("substring", "<s-nn?:s>", 3, fnSubstring)
	define("substringBefore", "<s-s:s>", 2, fnSubstringBefore)
	define("substringAfter", "<s-s:s>", 2, fnSubstringAfter)
	define("lowercase", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		if s, ok := a[0].(string); ok {
			return strings.ToLower(s), nil
		}
		return Undefined, nil
	})
	define("uppercase", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		if s, ok := a[0].(string); ok {
			return strings.ToUpper(s), nil
		}
		return Undefined, nil
	})
	define("length", "<s-:n>", 1, func(c *Call, a []any) (any, error) {
		if s, ok := a[0].(string); ok {
			return float64(stringLength(s)), nil
		}
		return Undefined, nil
	})
	define("trim", "<s-:s>", 1, fnTrim)
	define("pad", "<s-ns?:s>", 3, fnPad)
	define("match", "<s-f<s:o>n?:a<o>>", 3, fnMatch)
	define("contains", "<s-(sf):b>", 2, fnContains)
	define("replace", "<s-(sf)(sf)n?:s>", 4, fnReplace)
	define("split", "<s-(sf)n?:a<s>>", 3, fnSplit)
	define("join", "<a<s>s?:s>", 2, fnJoin)
	for _, name := range []string{"pad", "replace", "join"} {
		builtins[name].charges = true // they spend their strings' bytes before they build them
	}
	define("base64encode", "<s-:s>", 1, fnBase64Encode)
	define("base64decode", "<s-:s>", 1, fnBase64Decode)
	define("encodeUrlComponent", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		return encodeURI(a[0], "encodeUrlComponent", uriUnreservedComponent)
	})
	define("encodeUrl", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		return encodeURI(a[0], "encodeUrl", uriUnreservedFull)
	})
	define("decodeUrlComponent", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		return decodeURI(a[0], "decodeUrlComponent", "")
	})
	define("decodeUrl", "<s-:s>", 1, func(c *Call, a []any) (any, error) {
		return decodeURI(a[0], "decodeUrl", ";/?:@&=+$,#")
	})
}

// arg returns argument i, or Undefined.
func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined
}

// stringOf is $string without prettifying, also used by the & operator.
func stringOf(v any) (string, error) {
	return stringify(v, false)
}

func stringify(v any, pretty bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", newError("D3001", x)
		}
	case *lambda, *function:
		return "", nil
	case *seq:
		if x.outerWrapper && len(x.vals) > 0 {
			v = x.vals[0]
		}
	}
	indent := ""
	if pretty {
		indent = "  "
	}
	b, err := stringifyJSON(nil, v, indent, true)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func fnString(c *Call, a []any) (any, error) {
	if IsUndefined(a[0]) {
		return Undefined, nil
	}
	pretty, _ := arg(a, 1).(bool)
	return stringify(a[0], pretty)
}

// jsSlice is the range String.prototype.slice(start, end) selects from n
// characters.
func jsSlice(n int, start, end float64) (int, int) {
	rel := func(f float64) int {
		if math.IsNaN(f) {
			return 0
		}
		f = math.Trunc(f)
		if f < 0 {
			f += float64(n)
			if f < 0 {
				return 0
			}
			return int(f)
		}
		if f > float64(n) {
			return n
		}
		return int(f)
	}
	s, e := rel(start), rel(end)
	if e < s {
		e = s
	}
	return s, e
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// codePointSlice returns characters [from, to) of s, counted in code points.
func codePointSlice(s string, from, to int) string {
	if isASCII(s) {
		return s[from:to]
	}
	i, start := 0, len(s)
	for pos := range s {
		if i == from {
			start = pos
		}
		if i == to {
			return s[start:pos]
		}
		i++
	}
	if from >= i {
		return ""
	}
	return s[start:]
}

func fnSubstring(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	start, ok := toFloat(arg(a, 1))
	if !ok {
		start = math.NaN() // JavaScript computes on with NaN
	}
	n := stringLength(str)
	if float64(n)+start < 0 {
		start = 0
	}
	if length := arg(a, 2); !IsUndefined(length) {
		l, _ := toFloat(length)
		if l <= 0 {
			return "", nil
		}
		end := start + l
		if start < 0 {
			end = float64(n) + start + l
		}
		s, e := jsSlice(n, start, end)
		return codePointSlice(str, s, e), nil
	}
	s, e := jsSlice(n, start, float64(n))
	return codePointSlice(str, s, e), nil
}

func fnSubstringBefore(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	chars, _ := a[1].(string)
	if IsUndefined(a[1]) {
		chars = "undefined"
	}
	if i := strings.Index(str, chars); i >= 0 {
		return str[:i], nil
	}
	return str, nil
}

func fnSubstringAfter(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	chars, _ := a[1].(string)
	if IsUndefined(a[1]) {
		chars = "undefined"
	}
	if i := strings.Index(str, chars); i >= 0 {
		return str[i+len(chars):], nil
	}
	return str, nil
}

func fnTrim(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(str); i++ {
		ch := str[i]
		if ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(ch)
	}
	if space {
		b.WriteByte(' ')
	}
	r := b.String()
	r = strings.TrimPrefix(r, " ")
	r = strings.TrimSuffix(r, " ")
	return r, nil
}

func fnPad(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	w, _ := toFloat(arg(a, 1))
	char, _ := arg(a, 2).(string)
	if char == "" {
		char = " "
	}
	width := math.Trunc(w)
	if math.Abs(width)*float64(len(char)) > float64(c.ev.maxLength) {
		return nil, newError("D2016", float64(c.ev.maxLength))
	}
	padLength := int(math.Abs(width)) - stringLength(str)
	if padLength <= 0 {
		return str, nil
	}
	if err := c.ev.budget.Alloc(len(str) + padLength*len(char)); err != nil {
		return nil, err
	}
	padding := strings.Repeat(char, padLength)
	if utf16Len(char) > 1 {
		padding = codePointSlice(padding, 0, min(padLength, stringLength(padding)))
	}
	if width > 0 {
		return str + padding, nil
	}
	return padding + str, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// matchInfo is a match found by a matcher, with byte offsets into the string.
type matchInfo struct {
	match      string
	start, end int
	groups     []any // strings, or Undefined for groups that did not match
}

// matchAll runs a matcher over s: a regular expression literal directly,
// any other function through jsonata-js's matcher protocol (an object with
// match, start, end, groups and next). limit < 0 means no limit.
func (c *Call) matchAll(matcher any, s string, limit int) ([]matchInfo, error) {
	if f, ok := matcher.(*function); ok && f.re != nil {
		if err := c.ev.regexSteps(s); err != nil {
			return nil, err
		}
		locs, err := f.re.matches(s, limit)
		if err != nil {
			return nil, err
		}
		out := make([]matchInfo, len(locs))
		for i, loc := range locs {
			m := matchInfo{match: s[loc[0]:loc[1]], start: loc[0], end: loc[1], groups: make([]any, 0, len(loc)/2-1)}
			for g := 2; g < len(loc); g += 2 {
				if loc[g] < 0 {
					m.groups = append(m.groups, Undefined)
				} else {
					m.groups = append(m.groups, s[loc[g]:loc[g+1]])
				}
			}
			out[i] = m
		}
		return out, nil
	}
	if limit == 0 {
		return nil, nil
	}
	res, err := c.evaluateMatcher(matcher, s)
	if err != nil {
		return nil, err
	}
	var out []matchInfo
	for !IsUndefined(res) && (limit < 0 || len(out) < limit) {
		o, _ := res.(*jsonvalue.Object)
		m := matchInfo{}
		if o != nil {
			v, _ := o.Get("match")
			m.match, _ = v.(string)
			v, _ = o.Get("start")
			f, _ := toFloat(v)
			m.start = byteIndex(s, int(f))
			v, _ = o.Get("end")
			f, _ = toFloat(v)
			m.end = byteIndex(s, int(f))
			v, _ = o.Get("groups")
			if g, ok := arrayVals(v); ok {
				m.groups = g
			}
		}
		out = append(out, m)
		var next any = Undefined
		if o != nil {
			next, _ = o.Get("next")
		}
		res, err = c.evaluateMatcher(next, Undefined)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Call) evaluateMatcher(matcher any, s any) (any, error) {
	res, err := c.ev.apply(matcher, []any{s}, nil, c.env, site{})
	if err != nil {
		return nil, err
	}
	if truthy(res) {
		o, ok := res.(*jsonvalue.Object)
		good := false
		if ok {
			if v, ok := o.Get("start"); ok && isNumber(v) {
				good = true
			}
			if v, ok := o.Get("groups"); ok && isArray(v) {
				good = true
			}
			if v, ok := o.Get("next"); ok && isFunction(v) {
				good = true
			}
		}
		if !good {
			return nil, newError("T1010", Undefined)
		}
	}
	return res, nil
}

func fnContains(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok || IsUndefined(arg(a, 1)) {
		return Undefined, nil
	}
	if tok, ok := a[1].(string); ok {
		return strings.Contains(str, tok), nil
	}
	if f, ok := a[1].(*function); ok && f.re != nil {
		if err := c.ev.regexSteps(str); err != nil {
			return nil, err
		}
		return f.re.matchString(str), nil
	}
	res, err := c.evaluateMatcher(a[1], str)
	if err != nil {
		return nil, err
	}
	return !IsUndefined(res), nil
}

// limitArg reads an optional limit argument: -1 when undefined.
func limitArg(v any) (int, float64, bool) {
	if IsUndefined(v) {
		return -1, 0, true
	}
	f, _ := toFloat(v)
	if f < 0 {
		return 0, f, false
	}
	if f > math.MaxInt32 {
		return math.MaxInt32, f, true
	}
	return int(math.Ceil(f)), f, true
}

func fnMatch(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	limit, lf, ok := limitArg(arg(a, 2))
	if !ok {
		e := newError("D3040", lf)
		e.Index = 3
		return nil, e
	}
	ms, err := c.matchAll(a[1], str, limit)
	if err != nil {
		return nil, err
	}
	result := newSeq(len(ms))
	for _, m := range ms {
		o := jsonvalue.NewObject(3)
		o.Set("match", m.match)
		o.Set("index", float64(utf16Index(str, m.start)))
		groups := make([]any, len(m.groups))
		for i, g := range m.groups {
			if IsUndefined(g) {
				g = nil
			}
			groups[i] = g
		}
		o.Set("groups", groups)
		result.vals = append(result.vals, o)
	}
	return result, nil
}

func fnReplace(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	pattern := a[1]
	if p, ok := pattern.(string); ok && p == "" {
		e := newError("D3010", p)
		e.Index = 2
		return nil, e
	}
	limit, lf, ok := limitArg(arg(a, 3))
	if !ok {
		e := newError("D3011", lf)
		e.Index = 4
		return nil, e
	}
	replacement := a[2]
	if limit == 0 {
		return str, nil
	}
	if p, ok := pattern.(string); ok {
		rs, _ := replacement.(string)
		if IsUndefined(replacement) {
			rs = "undefined" // as JavaScript's string concatenation has it
		}
		n := strings.Count(str, p)
		if limit >= 0 {
			n = min(n, limit)
		}
		if err := c.ev.checkString(len(str) + n*(len(rs)-len(p))); err != nil {
			return nil, err
		}
		if err := c.ev.budget.Alloc(len(str) + n*(len(rs)-len(p))); err != nil {
			return nil, err
		}
		if limit < 0 {
			return strings.ReplaceAll(str, p, rs), nil
		}
		return strings.Replace(str, p, rs, limit), nil
	}
	ms, err := c.matchAll(pattern, str, limit)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return str, nil
	}
	var b strings.Builder
	pos := 0
	for _, m := range ms {
		b.WriteString(str[pos:min(max(m.start, pos), len(str))])
		var sub any
		if rs, ok := replacement.(string); ok {
			sub = substituteGroups(rs, m)
		} else {
			mo := jsonvalue.NewObject(4)
			mo.Set("match", m.match)
			mo.Set("start", float64(utf16Index(str, m.start)))
			mo.Set("end", float64(utf16Index(str, m.end)))
			groups := make([]any, len(m.groups))
			for i, g := range m.groups {
				if IsUndefined(g) {
					g = nil
				}
				groups[i] = g
			}
			mo.Set("groups", groups)
			sub, err = c.ev.apply(replacement, []any{mo}, nil, c.env, site{})
			if err != nil {
				return nil, err
			}
		}
		s, ok := sub.(string)
		if !ok {
			return nil, newError("D3012", sub)
		}
		if err := c.ev.checkString(b.Len() + len(s)); err != nil {
			return nil, err
		}
		if err := c.ev.budget.Alloc(m.start - pos + len(s)); err != nil {
			return nil, err
		}
		b.WriteString(s)
		pos = m.start + len(m.match)
	}
	if pos < len(str) {
		b.WriteString(str[pos:])
	}
	return b.String(), nil
}

// substituteGroups expands $0, $1... and $$ in a replacement string, as
// jsonata-js does.
func substituteGroups(rep string, m matchInfo) string {
	var b strings.Builder
	pos := 0
	idx := strings.IndexByte(rep, '$')
	for idx >= 0 && pos < len(rep) {
		b.WriteString(rep[pos:idx])
		pos = idx + 1
		if pos >= len(rep) {
			b.WriteByte('$')
			idx = -1
			break
		}
		d := rep[pos]
		switch {
		case d == '$':
			b.WriteByte('$')
			pos++
		case d == '0':
			b.WriteString(m.match)
			pos++
		default:
			maxDigits := 1
			if len(m.groups) > 0 {
				maxDigits = int(math.Floor(math.Log10(float64(len(m.groups))))) + 1
			}
			index, ok := parseLeadingInt(rep[pos:min(pos+maxDigits, len(rep))])
			if maxDigits > 1 && index > len(m.groups) {
				index, ok = parseLeadingInt(rep[pos:min(pos+maxDigits-1, len(rep))])
			}
			if ok {
				if len(m.groups) > 0 && index >= 1 && index <= len(m.groups) {
					if g, ok := m.groups[index-1].(string); ok {
						b.WriteString(g)
					}
				}
				pos += len(strconv.Itoa(index))
			} else {
				b.WriteByte('$')
			}
		}
		next := strings.IndexByte(rep[pos:], '$')
		if next < 0 {
			idx = -1
		} else {
			idx = pos + next
		}
	}
	if pos < len(rep) {
		b.WriteString(rep[pos:])
	}
	return b.String()
}

// parseLeadingInt is parseInt(s, 10): the leading digits of s.
func parseLeadingInt(s string) (int, bool) {
	n, i := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, i > 0
}

func fnSplit(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	limit, lf, ok := limitArg(arg(a, 2))
	if !ok {
		e := newError("D3020", lf)
		e.Index = 3
		return nil, e
	}
	if limit >= 0 {
		// String.prototype.split truncates the limit
		limit = int(math.Floor(lf))
	}
	result := []any{}
	if limit == 0 {
		return result, nil
	}
	if sep, ok := a[1].(string); ok {
		var parts []string
		if sep == "" {
			for _, u := range utf16.Encode([]rune(str)) {
				parts = append(parts, string(utf16.Decode([]uint16{u})))
			}
		} else {
			parts = strings.Split(str, sep)
		}
		if limit >= 0 && len(parts) > limit {
			parts = parts[:limit]
		}
		for _, p := range parts {
			result = append(result, p)
		}
		return result, nil
	}
	ms, err := c.matchAll(a[1], str, limit)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return []any{str}, nil
	}
	start := 0
	for _, m := range ms {
		result = append(result, str[min(start, len(str)):max(min(m.start, len(str)), min(start, len(str)))])
		start = m.end
	}
	if limit < 0 || len(ms) < limit {
		result = append(result, str[min(start, len(str)):])
	}
	return result, nil
}

func fnJoin(c *Call, a []any) (any, error) {
	vals, ok := arrayVals(a[0])
	if !ok {
		return Undefined, nil
	}
	sep, _ := arg(a, 1).(string)
	n := len(sep) * max(len(vals)-1, 0)
	for _, v := range vals {
		s, _ := v.(string)
		n += len(s)
	}
	if err := c.ev.checkString(n); err != nil {
		return nil, err
	}
	if err := c.ev.budget.Alloc(n); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(n)
	for i, v := range vals {
		if i > 0 {
			b.WriteString(sep)
		}
		s, _ := v.(string)
		b.WriteString(s)
	}
	return b.String(), nil
}

func fnBase64Encode(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	// Buffer.from(str, 'binary'): one byte per UTF-16 code unit
	units := utf16.Encode([]rune(str))
	b := make([]byte, len(units))
	for i, u := range units {
		b[i] = byte(u)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func fnBase64Decode(c *Call, a []any) (any, error) {
	str, ok := a[0].(string)
	if !ok {
		return Undefined, nil
	}
	// Node's decoder skips characters outside the alphabet and accepts the
	// URL-safe alphabet and missing padding.
	clean := make([]byte, 0, len(str))
	for i := 0; i < len(str); i++ {
		ch := str[i]
		switch {
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '+', ch == '/':
			clean = append(clean, ch)
		case ch == '-':
			clean = append(clean, '+')
		case ch == '_':
			clean = append(clean, '/')
		case ch == '=':
			i = len(str)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	b, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return "", nil
	}
	runes := make([]rune, len(b))
	for i, c := range b {
		runes[i] = rune(c)
	}
	return string(runes), nil
}

const (
	uriUnreservedComponent = "-_.!~*'()"
	uriUnreservedFull      = "-_.!~*'();/?:@&=+$,#"
)

func encodeURI(v any, name, keep string) (any, error) {
	str, ok := v.(string)
	if !ok {
		return Undefined, nil
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(str); {
		ch := str[i]
		if ch < utf8.RuneSelf {
			if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(keep, ch) >= 0 {
				b.WriteByte(ch)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[ch>>4])
				b.WriteByte(hex[ch&15])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(str[i:])
		if r == utf8.RuneError && size == 1 {
			e := newError("D3140", str)
			e.fnName = name
			return nil, e
		}
		for j := 0; j < size; j++ {
			c := str[i+j]
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		i += size
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeURI is decodeURIComponent (reserved "") or decodeURI: %XX sequences
// are decoded as UTF-8, except those that decode to a reserved character.
func decodeURI(v any, name, reserved string) (any, error) {
	str, ok := v.(string)
	if !ok {
		return Undefined, nil
	}
	fail := func() (any, error) {
		e := newError("D3140", str)
		e.fnName = name
		return nil, e
	}
	var b strings.Builder
	for i := 0; i < len(str); {
		if str[i] != '%' {
			b.WriteByte(str[i])
			i++
			continue
		}
		readByte := func(at int) (byte, bool) {
			if at+2 >= len(str) || str[at] != '%' {
				return 0, false
			}
			h, ok1 := unhex(str[at+1])
			l, ok2 := unhex(str[at+2])
			if !ok1 || !ok2 {
				return 0, false
			}
			return h<<4 | l, true
		}
		if i+2 >= len(str) {
			return fail()
		}
		c0, ok := readByte(i)
		if !ok {
			return fail()
		}
		if c0 < 0x80 {
			if strings.IndexByte(reserved, c0) >= 0 {
				b.WriteString(str[i : i+3])
			} else {
				b.WriteByte(c0)
			}
			i += 3
			continue
		}
		n := 0
		switch {
		case c0&0xE0 == 0xC0:
			n = 2
		case c0&0xF0 == 0xE0:
			n = 3
		case c0&0xF8 == 0xF0:
			n = 4
		default:
			return fail()
		}
		buf := []byte{c0}
		for k := 1; k < n; k++ {
			at := i + 3*k
			if at+2 >= len(str) {
				return fail()
			}
			ck, ok := readByte(at)
			if !ok || ck&0xC0 != 0x80 {
				return fail()
			}
			buf = append(buf, ck)
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError || size != n {
			return fail()
		}
		b.Write(buf)
		i += 3 * n
	}
	return b.String(), nil
}
