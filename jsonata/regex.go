package jsonata

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/budget"
)

// regexLiteral is a compiled /pattern/flags literal. JavaScript's syntax is
// translated to Go's (RE2): the features RE2 lacks (lookaround,
// backreferences) are compile errors (S0303).
type regexLiteral struct {
	re     *regexp.Regexp
	source string
	fn     *function // the literal's value
	// literal is set when the pattern is plain ASCII text, which is then
	// searched for directly; fold: case-insensitively (ASCII folding is what
	// JavaScript's i flag does for ASCII patterns).
	literal   string
	isLiteral bool
	fold      bool
}

// jsSpace is JavaScript's \s class body.
const jsSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

var errUnsupportedRegex = errors.New("unsupported regular expression feature")

func compileRegex(pattern, flags string) (*regexLiteral, error) {
	goPattern, err := translateRegex(pattern)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if strings.Contains(flags, "i") || strings.Contains(flags, "m") {
		prefix = "(?"
		if strings.Contains(flags, "i") {
			prefix += "i"
		}
		if strings.Contains(flags, "m") {
			prefix += "m"
		}
		prefix += ")"
	}
	re, err := regexp.Compile(prefix + goPattern)
	if err != nil {
		return nil, err
	}
	r := &regexLiteral{re: re, source: pattern}
	if lit, ok := plainLiteral(pattern); ok {
		r.literal, r.isLiteral, r.fold = lit, true, strings.Contains(flags, "i")
	}
	r.fn = newRegexFunction(r)
	return r, nil
}

// regexSteps spends the steps of running a regular expression over s.
func (ev *evaluator) regexSteps(s string) error {
	return ev.budget.Steps(len(s)/budget.BytesPerStep + 1)
}

// plainLiteral returns the text a pattern matches when it is plain ASCII
// with no special characters.
func plainLiteral(p string) (string, bool) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= utf8.RuneSelf || c < ' ' || strings.IndexByte(`\^$.|?*+()[]{}/`, c) >= 0 {
			return "", false
		}
	}
	return p, p != ""
}

// indexFold is strings.Index with ASCII case folding.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			a, b := s[i+j], sub[j]
			if a != b {
				if 'A' <= a && a <= 'Z' {
					a += 'a' - 'A'
				}
				if 'A' <= b && b <= 'Z' {
					b += 'a' - 'A'
				}
				if a != b {
					break
				}
			}
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}

// find returns the leftmost match at or after byte offset from, as
// FindAllStringSubmatchIndex reports matches.
func (r *regexLiteral) findLiteral(s string, from int) []int {
	var i int
	if r.fold {
		i = indexFold(s[from:], r.literal)
	} else {
		i = strings.Index(s[from:], r.literal)
	}
	if i < 0 {
		return nil
	}
	return []int{from + i, from + i + len(r.literal)}
}

// allMatches is FindAllStringSubmatchIndex(s, n).
func (r *regexLiteral) allMatches(s string, n int) [][]int {
	if !r.isLiteral {
		return r.re.FindAllStringSubmatchIndex(s, n)
	}
	var out [][]int
	for from := 0; from <= len(s) && (n < 0 || len(out) < n); {
		m := r.findLiteral(s, from)
		if m == nil {
			break
		}
		out = append(out, m)
		from = m[1]
	}
	return out
}

// matchString reports whether s has a match.
func (r *regexLiteral) matchString(s string) bool {
	if r.isLiteral {
		return r.findLiteral(s, 0) != nil
	}
	return r.re.MatchString(s)
}

// translateRegex rewrites a JavaScript pattern into RE2 syntax.
func translateRegex(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", errUnsupportedRegex
			}
			i++
			d := p[i]
			switch {
			case d == 'u':
				if i+4 < len(p) && isHex(p[i+1:i+5]) {
					b.WriteString(`\x{` + p[i+1:i+5] + `}`)
					i += 4
				} else {
					b.WriteByte('u')
				}
			case d == 's':
				if inClass {
					b.WriteString(jsSpace)
				} else {
					b.WriteString(`[` + jsSpace + `]`)
				}
			case d == 'S':
				if inClass {
					// a negated class inside a class cannot be spliced; RE2's \S
					// differs only on Unicode spaces.
					b.WriteString(`\S`)
				} else {
					b.WriteString(`[^` + jsSpace + `]`)
				}
			case d >= '1' && d <= '9':
				return "", errUnsupportedRegex // backreference
			case d == '0':
				b.WriteString(`\x00`)
			case d == 'c' && i+1 < len(p) && isASCIILetter(p[i+1]):
				b.WriteString(`\x{` + hexByte(p[i+1]%32) + `}`)
				i++
			case d == 'k':
				return "", errUnsupportedRegex
			case d == 'd' || d == 'D' || d == 'w' || d == 'W' || d == 'b' || d == 'B' ||
				d == 'n' || d == 'r' || d == 't' || d == 'f' || d == 'v' || d == 'x':
				b.WriteByte('\\')
				b.WriteByte(d)
			case d < utf8.RuneSelf && !isASCIILetter(d) && !(d >= '0' && d <= '9'):
				// escaped punctuation or space
				if d == ' ' || d == '\'' || d == '"' || d == '/' || d == '`' || d == '@' || d == '#' || d == '%' || d == '&' || d == '~' || d == ',' || d == ';' || d == ':' || d == '=' || d == '<' || d == '>' || d == '!' {
					b.WriteString(regexp.QuoteMeta(string(d)))
				} else {
					b.WriteByte('\\')
					b.WriteByte(d)
				}
			default:
				// an identity escape of a letter or non-ASCII character
				r, size := utf8.DecodeRuneInString(p[i:])
				b.WriteString(regexp.QuoteMeta(string(r)))
				i += size - 1
			}
		case inClass:
			if c == ']' {
				inClass = false
			} else if c == '[' {
				b.WriteString(`\[`)
				continue
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				// [] matches nothing and [^] anything in JavaScript
				if b.String()[b.Len()-1] == '^' {
					s := b.String()
					b.Reset()
					b.WriteString(s[:len(s)-2])
					b.WriteString(`[\x{0}-\x{10FFFF}]`)
				} else {
					s := b.String()
					b.Reset()
					b.WriteString(s[:len(s)-1])
					b.WriteString(`[^\x{0}-\x{10FFFF}]`)
				}
				inClass = false
				i++
			}
		case c == '.':
			b.WriteString(`[^\n\r\x{2028}\x{2029}]`)
		case c == '(':
			if strings.HasPrefix(p[i:], "(?=") || strings.HasPrefix(p[i:], "(?!") || strings.HasPrefix(p[i:], "(?<=") || strings.HasPrefix(p[i:], "(?<!") {
				return "", errUnsupportedRegex
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isHex(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func hexByte(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// regexMatches runs re over s as jsonata-js's matcher closure does with a
// global regex: matches one after the other; a match of the empty string
// other than the first one ends with error D1004.
func (r *regexLiteral) matches(s string, limit int) ([][]int, error) {
	if limit == 0 {
		return nil, nil
	}
	n := -1
	if limit > 0 {
		n = limit + 1
	}
	all := r.allMatches(s, n)
	var out [][]int
	for k, m := range all {
		if limit >= 0 && len(out) == limit {
			break
		}
		out = append(out, m)
		// jsonata-js then asks for the next match from the end of this one
		if m[1] >= len(s) {
			break
		}
		if m[0] == m[1] || (k+1 < len(all) && all[k+1][0] == all[k+1][1]) {
			return nil, newError("D1004", r.source)
		}
	}
	return out, nil
}

// utf16Index converts byte offset b of s to UTF-16 code units, the
// positions JavaScript reports.
func utf16Index(s string, b int) int {
	if b <= len(s) && isASCII(s[:b]) {
		return b
	}
	return utf16Offset(s, b)
}

// byteIndex converts a UTF-16 code unit offset u of s to a byte offset.
func byteIndex(s string, u int) int {
	if u <= 0 {
		return 0
	}
	n := 0
	for i := 0; i < len(s); {
		if n >= u {
			return i
		}
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return len(s)
}
