package jsonpath

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// A filterExpr is the predicate of a [?(...)] segment. It is evaluated once per
// candidate value (cur); doc is the document the whole path is evaluated on, for
// $ references inside the filter.
type filterExpr interface {
	test(doc, cur any, b *budget.Budget) bool
}

type orExpr struct{ l, r filterExpr }
type andExpr struct{ l, r filterExpr }
type notExpr struct{ e filterExpr }

func (e orExpr) test(doc, cur any, b *budget.Budget) bool {
	return e.l.test(doc, cur, b) || e.r.test(doc, cur, b)
}
func (e andExpr) test(doc, cur any, b *budget.Budget) bool {
	return e.l.test(doc, cur, b) && e.r.test(doc, cur, b)
}
func (e notExpr) test(doc, cur any, b *budget.Budget) bool { return !e.e.test(doc, cur, b) }

type operand struct {
	path *Path          // @... or $..., or nil for a literal
	lit  any            // a literal value
	re   *regexp.Regexp // a /regex/ literal
}

// value evaluates the operand. A definite path that matches nothing is
// undefined (ok false); an indefinite one yields the list of its matches.
func (o *operand) value(doc, cur any, b *budget.Budget) (any, bool) {
	if o.path == nil {
		return o.lit, true
	}
	base := cur
	if o.path.root == RootInput {
		base = doc
	}
	v, found, err := o.path.lookup(base, doc, b)
	return v, err == nil && found
}

type cmpExpr struct {
	op   string // "" tests that the left path exists
	l, r operand
}

func (e cmpExpr) test(doc, cur any, b *budget.Budget) bool {
	if b.Step() != nil {
		return false
	}
	l, lok := e.l.value(doc, cur, b)
	if e.op == "" {
		if !lok {
			return false
		}
		if !e.l.path.definite {
			list, _ := l.([]any)
			return len(list) > 0
		}
		return true
	}
	if e.op == "=~" {
		s, ok := l.(string)
		return lok && ok && b.Steps(len(s)/budget.BytesPerStep+1) == nil && e.r.re.MatchString(s)
	}
	r, rok := e.r.value(doc, cur, b)
	switch e.op {
	case "==":
		return lok && rok && filterEqual(l, r)
	case "!=":
		return !(lok && rok && filterEqual(l, r))
	case "<", "<=", ">", ">=":
		if !lok || !rok {
			return false
		}
		c, ok := filterCompare(l, r)
		if !ok {
			return false
		}
		switch e.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "in", "nin":
		in := false
		if list, ok := r.([]any); lok && rok && ok {
			in = containsValue(list, l)
		}
		return in == (e.op == "in")
	case "subsetof", "anyof", "noneof":
		ll, ok1 := l.([]any)
		rl, ok2 := r.([]any)
		if !lok || !rok || !ok1 || !ok2 {
			return false
		}
		switch e.op {
		case "subsetof":
			for _, x := range ll {
				if !containsValue(rl, x) {
					return false
				}
			}
			return true
		case "anyof":
			for _, x := range ll {
				if containsValue(rl, x) {
					return true
				}
			}
			return false
		}
		for _, x := range ll {
			if containsValue(rl, x) {
				return false
			}
		}
		return true
	case "size":
		if !lok || !rok || !jsonvalue.IsNumber(r) {
			return false
		}
		n := -1
		switch x := l.(type) {
		case []any:
			n = len(x)
		case string:
			n = jsonvalue.UTF16Len(x)
		}
		return n >= 0 && jsonvalue.CompareNumbers(jsonvalue.Int(int64(n)), r) == 0
	case "empty":
		want, ok := r.(bool)
		if !lok || !rok || !ok {
			return false
		}
		switch x := l.(type) {
		case []any:
			return (len(x) == 0) == want
		case string:
			return (x == "") == want
		}
		return false
	case "contains":
		if !lok || !rok {
			return false
		}
		switch x := l.(type) {
		case string:
			s, ok := r.(string)
			return ok && strings.Contains(x, s)
		case []any:
			return containsValue(x, r)
		}
		return false
	}
	return false
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if filterEqual(x, v) {
			return true
		}
	}
	return false
}

// filterEqual is Jayway's == : numbers compare by value, and a string that
// reads as a number equals that number; other values compare as JSON.
func filterEqual(a, b any) bool {
	an, bn := jsonvalue.IsNumber(a), jsonvalue.IsNumber(b)
	switch {
	case an && bn:
		return jsonvalue.CompareNumbers(a, b) == 0
	case an:
		if s, ok := b.(string); ok {
			return numericString(s, a)
		}
		return false
	case bn:
		if s, ok := a.(string); ok {
			return numericString(s, b)
		}
		return false
	}
	return jsonvalue.Equal(a, b)
}

func numericString(s string, n any) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return false
	}
	return jsonvalue.CompareNumbers(f, n) == 0
}

// filterCompare orders two numbers or two strings; other pairs do not compare.
func filterCompare(a, b any) (int, bool) {
	if jsonvalue.IsNumber(a) && jsonvalue.IsNumber(b) {
		return jsonvalue.CompareNumbers(a, b), true
	}
	sa, ok1 := a.(string)
	sb, ok2 := b.(string)
	if ok1 && ok2 {
		return strings.Compare(sa, sb), true
	}
	return 0, false
}

// filter parses the expression inside [?( ... )].
func (p *parser) filter() (filterExpr, error) {
	return p.filterOr()
}

func (p *parser) peekOp(op string) bool {
	p.skipSpaces()
	return strings.HasPrefix(p.s[p.pos:], op)
}

func (p *parser) filterOr() (filterExpr, error) {
	l, err := p.filterAnd()
	if err != nil {
		return nil, err
	}
	for p.peekOp("||") {
		p.pos += 2
		r, err := p.filterAnd()
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
	return l, nil
}

func (p *parser) filterAnd() (filterExpr, error) {
	l, err := p.filterUnary()
	if err != nil {
		return nil, err
	}
	for p.peekOp("&&") {
		p.pos += 2
		r, err := p.filterUnary()
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
	return l, nil
}

func (p *parser) filterUnary() (filterExpr, error) {
	p.skipSpaces()
	if p.pos >= len(p.s) {
		return nil, p.errorf("unfinished filter")
	}
	switch p.s[p.pos] {
	case '!':
		if !strings.HasPrefix(p.s[p.pos:], "!=") {
			p.pos++
			e, err := p.filterUnary()
			if err != nil {
				return nil, err
			}
			return notExpr{e}, nil
		}
	case '(':
		p.pos++
		e, err := p.filterOr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		return e, nil
	}
	return p.comparison()
}

var wordOps = []string{"subsetof", "contains", "noneof", "anyof", "empty", "size", "nin", "in"}

func (p *parser) comparison() (filterExpr, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.skipSpaces()
	op := ""
	for _, o := range []string{"==", "!=", "<=", ">=", "=~", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		for _, o := range wordOps {
			if strings.HasPrefix(p.s[p.pos:], o) {
				end := p.pos + len(o)
				if end < len(p.s) && (p.s[end] == ' ' || p.s[end] == '[' || p.s[end] == '\'' || p.s[end] == '"' || p.s[end] == '@' || p.s[end] == '$') {
					op = o
					break
				}
			}
		}
	}
	if op == "" {
		if l.path == nil {
			return nil, p.errorf("a filter needs a comparison or a path to test")
		}
		return cmpExpr{l: l}, nil
	}
	p.pos += len(op)
	p.skipSpaces()
	var r operand
	switch {
	case op == "=~":
		r, err = p.regex()
	case strings.IndexByte("=!<>", op[0]) >= 0:
		r, err = p.operandOrWord()
	default:
		r, err = p.operand()
	}
	if err != nil {
		return nil, err
	}
	return cmpExpr{op: op, l: l, r: r}, nil
}

func (p *parser) operand() (operand, error) {
	p.skipSpaces()
	if p.pos >= len(p.s) {
		return operand{}, p.errorf("unfinished filter")
	}
	switch c := p.s[p.pos]; {
	case c == '@' || c == '$':
		start := p.pos
		depth := 0
		var quote byte
	scan:
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			switch {
			case quote != 0:
				if c == '\\' && p.pos+1 < len(p.s) {
					p.pos++ // the escaped character
				} else if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == '[' || c == '(':
				depth++
			case (c == ']' || c == ')') && depth > 0:
				depth--
			case depth == 0 && strings.IndexByte(" =!<>)&|,", c) >= 0:
				break scan
			}
			p.pos++
		}
		sub, err := compile(p.s[start:p.pos], true)
		if err != nil {
			se := err.(*SyntaxError)
			return operand{}, &SyntaxError{Path: p.src, Offset: p.off + start + se.Offset, Msg: se.Msg}
		}
		if sub.root == RootContext || sub.root == RootVariable {
			p.pos = start
			return operand{}, p.errorf("a filter may only refer to @ and $")
		}
		return operand{path: sub}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted(true)
		return operand{lit: s}, err
	case c == '[':
		p.pos++
		var list []any
		for {
			p.skipSpaces()
			if p.pos < len(p.s) && p.s[p.pos] == ']' && len(list) == 0 {
				p.pos++
				return operand{lit: []any{}}, nil
			}
			o, err := p.operand()
			if err != nil {
				return operand{}, err
			}
			if o.path != nil {
				return operand{}, p.errorf("a list may only hold literals")
			}
			list = append(list, o.lit)
			p.skipSpaces()
			if p.pos < len(p.s) && p.s[p.pos] == ',' {
				p.pos++
				continue
			}
			if err := p.expect(']'); err != nil {
				return operand{}, err
			}
			return operand{lit: list}, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		for p.pos < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.pos]) >= 0 {
			p.pos++
		}
		v, err := jsonvalue.ParseString(p.s[start:p.pos])
		if err != nil || !jsonvalue.IsNumber(v) {
			p.pos = start
			return operand{}, p.errorf("bad number")
		}
		return operand{lit: v}, nil
	}
	for _, w := range []struct {
		word string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.s[p.pos:], w.word) {
			p.pos += len(w.word)
			return operand{lit: w.v}, nil
		}
	}
	return operand{}, p.errorf("unexpected " + strconv.QuoteRune(rune(p.s[p.pos])) + " in filter")
}

// operandOrWord is the right operand of a comparison, which may also be an
// unquoted word, compared as a string: [?(@.OutputKey == FooBar)] selects
// the items whose OutputKey is "FooBar". Jayway JsonPath would not compile
// it, but Step Functions accepts such definitions, and the validators that
// were checked against it (asl-validator, asl-path-validator) accept the
// word as a string (docs/conformance.md).
func (p *parser) operandOrWord() (operand, error) {
	p.skipSpaces()
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte("),'\"\\.[] ><!=&|", p.s[p.pos]) < 0 {
		p.pos++
	}
	switch word := p.s[start:p.pos]; {
	case word == "", word == "true", word == "false", word == "null", word[0] == '@', word[0] == '$', word[0] == '-', word[0] >= '0' && word[0] <= '9':
		p.pos = start
		return p.operand()
	default:
		return operand{lit: word}, nil
	}
}

// regex reads /pattern/flags. Jayway matches with Java's Matcher.matches, so
// the pattern must match the whole string.
func (p *parser) regex() (operand, error) {
	p.skipSpaces()
	if p.pos >= len(p.s) || p.s[p.pos] != '/' {
		return operand{}, p.errorf("=~ needs a /regex/")
	}
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return operand{}, p.errorf("unclosed regex")
		}
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '/' {
			b.WriteByte('/')
			p.pos += 2
			continue
		}
		if c == '\\' && p.pos+1 < len(p.s) {
			b.WriteString(p.s[p.pos : p.pos+2])
			p.pos += 2
			continue
		}
		p.pos++
		if c == '/' {
			break
		}
		b.WriteByte(c)
	}
	flags := ""
	for p.pos < len(p.s) && strings.IndexByte("imsxu", p.s[p.pos]) >= 0 {
		if c := p.s[p.pos]; c != 'u' && c != 'x' && !strings.ContainsRune(flags, rune(c)) {
			flags += string(c)
		}
		p.pos++
	}
	expr := "^(?:" + b.String() + ")$"
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return operand{}, p.errorf("bad regex: " + err.Error())
	}
	return operand{re: re}, nil
}
