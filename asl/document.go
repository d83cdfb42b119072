package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/stepd/stepd/jsonvalue"
)

// ReadDocument reads the text of a state machine definition: JSON, as the
// Step Functions API takes it, or YAML, as the AWS console accepts it. It returns
// the top-level object with its keys in the order written.
//
// Text that is neither yields one INVALID_JSON_DESCRIPTION diagnostic worded as
// AWS words its JSON parser's errors; empty text yields MISSING_DESCRIPTION, and
// blanks "Definition must be a valid JSON object". A key
// written twice in one object is an error (AWS's parser detects duplicates
// strictly), located at the second occurrence. YAML must map to JSON values:
// mappings with scalar keys, sequences, strings, numbers, booleans and null; a
// tag such as CloudFormation's !Ref or a non-finite number is an error.
//
// When there is any diagnostic the object is nil: a definition that could not be
// read exactly is not validated further.
func ReadDocument(text []byte) (*jsonvalue.Object, []Diagnostic) {
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	switch {
	case len(text) == 0:
		return nil, []Diagnostic{{
			Severity: SeverityError,
			Code:     CodeMissingDescription,
			Message:  "Received a null or empty workflow input.",
		}}
	case len(bytes.TrimSpace(trimmed)) == 0:
		// AWS's answer to a definition of blanks (its recording of
		// ValidateStateMachineDefinition of " "), with no location.
		return nil, []Diagnostic{{
			Severity: SeverityError,
			Code:     CodeSchemaValidationFailed,
			Message:  "Definition must be a valid JSON object",
		}}
	}
	v, jsonErr := jsonvalue.Parse(text)
	if jsonErr == nil {
		// Parse keeps the last of duplicate keys, so the text holds a duplicate
		// exactly when it has more keys than the values it parsed to.
		if lintCountKeys(text) != lintCountValueKeys(v) {
			if dup := lintFindDuplicateKey(text); dup != nil {
				return nil, []Diagnostic{*dup}
			}
		}
		return lintTopObject(v)
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		yv, yerr := lintReadYAML(text)
		switch {
		case yerr == nil:
			if _, ok := yv.(*jsonvalue.Object); ok {
				return lintTopObject(yv)
			}
		case !errors.Is(yerr, errLintNotYAMLMapping):
			return nil, []Diagnostic{{
				Severity: SeverityError,
				Code:     CodeInvalidJSON,
				Message:  yerr.Error(),
			}}
		}
	}
	return nil, []Diagnostic{lintJSONSyntaxDiagnostic(text, jsonErr)}
}

func lintTopObject(v any) (*jsonvalue.Object, []Diagnostic) {
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, []Diagnostic{{
			Severity: SeverityError,
			Code:     CodeSchemaValidationFailed,
			Location: "/",
			Message:  "Expected value of type [OBJECT]",
		}}
	}
	return o, nil
}

// lintJSONSyntaxDiagnostic is AWS's diagnostic for a definition that is not
// JSON: its parser's message (JSONSyntaxMessage) and where, both as Jackson
// writes them ("... at [Source: (String)"not a definition"; line: 1,
// column: 4]", AWS's recording of ValidateStateMachineDefinition).
func lintJSONSyntaxDiagnostic(text []byte, err error) Diagnostic {
	msg, line, col := JSONSyntaxMessage(text, err)
	where := jacksonSource(text, line, col)
	return Diagnostic{
		Severity: SeverityError,
		Code:     CodeInvalidJSON,
		Location: where,
		Message:  msg + "\n at " + where,
	}
}

func lintIsWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// lintLineColumn returns the 1-based line and column (in characters) of a byte
// offset.
func lintLineColumn(text []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return line, col
}

// lintCountKeys counts the object keys of well-formed JSON text: every ':'
// outside a string separates a key from its value.
func lintCountKeys(text []byte) int {
	n := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ':':
			n++
		case '"':
			for i++; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
		}
	}
	return n
}

// lintCountValueKeys counts the object keys of a value.
func lintCountValueKeys(v any) int {
	switch x := v.(type) {
	case *jsonvalue.Object:
		n := x.Len()
		for _, e := range x.All() {
			n += lintCountValueKeys(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += lintCountValueKeys(e)
		}
		return n
	}
	return 0
}

// lintFindDuplicateKey scans well-formed JSON text for an object key written
// twice and reports the first one found.
func lintFindDuplicateKey(text []byte) *Diagnostic {
	s := lintDupScanner{text: text}
	s.value("")
	return s.found
}

type lintDupScanner struct {
	text  []byte
	pos   int
	found *Diagnostic
}

func (s *lintDupScanner) skipSpace() {
	for s.pos < len(s.text) {
		switch s.text[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// value skips one value starting at s.pos; the text is known to be valid JSON.
func (s *lintDupScanner) value(ptr string) {
	s.skipSpace()
	if s.pos >= len(s.text) || s.found != nil {
		return
	}
	switch s.text[s.pos] {
	case '{':
		s.pos++
		var seen map[string]bool
		for s.found == nil {
			s.skipSpace()
			if s.text[s.pos] == '}' {
				s.pos++
				return
			}
			if s.text[s.pos] == ',' {
				s.pos++
				continue
			}
			key := s.str()
			if seen == nil {
				seen = make(map[string]bool)
			}
			child := ptr + "/" + lintPointerEscape(key)
			if seen[key] {
				s.found = &Diagnostic{
					Severity: SeverityError,
					Code:     CodeInvalidJSON,
					Location: child,
					Message:  "Duplicate field '" + key + "'",
				}
				return
			}
			seen[key] = true
			s.skipSpace()
			s.pos++ // ':'
			s.value(child)
		}
	case '[':
		s.pos++
		for i := 0; s.found == nil; {
			s.skipSpace()
			switch s.text[s.pos] {
			case ']':
				s.pos++
				return
			case ',':
				s.pos++
				i++
				continue
			}
			s.value(ptr + "/" + strconv.Itoa(i))
		}
	case '"':
		s.str()
	default:
		for s.pos < len(s.text) {
			switch s.text[s.pos] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return
			}
			s.pos++
		}
	}
}

// str reads a string token and returns its decoded value.
func (s *lintDupScanner) str() string {
	start := s.pos
	s.pos++
	escaped := false
	for s.pos < len(s.text) {
		c := s.text[s.pos]
		if c == '\\' {
			escaped = true
			s.pos += 2
			continue
		}
		s.pos++
		if c == '"' {
			break
		}
	}
	raw := s.text[start:s.pos]
	if !escaped {
		return string(raw[1 : len(raw)-1])
	}
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return string(raw[1 : len(raw)-1])
	}
	return out
}

// lintPointerEscape escapes a key for use in a JSON pointer (RFC 6901).
func lintPointerEscape(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

var errLintNotYAMLMapping = errors.New("not a YAML mapping")

// lintYAMLBudget bounds the number of nodes an alias-laden YAML document may
// expand to, so that a "billion laughs" document costs little.
const lintYAMLBudget = 1 << 20

// lintReadYAML converts a YAML document to JSON values. It returns
// errLintNotYAMLMapping when the text is YAML but its root is not a mapping.
func lintReadYAML(text []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errLintNotYAMLMapping
	}
	root := doc.Content[0]
	for root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, errLintNotYAMLMapping
	}
	c := lintYAMLConverter{budget: lintYAMLBudget}
	return c.value(root, "", 0)
}

type lintYAMLConverter struct {
	budget int
}

func (c *lintYAMLConverter) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("invalid YAML at line %d, column %d: %s", n.Line, n.Column, fmt.Sprintf(format, args...))
}

func (c *lintYAMLConverter) value(n *yaml.Node, ptr string, depth int) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, c.errorf(n, "the document expands to too many values")
	}
	if depth > jsonvalue.MaxDepth {
		return nil, c.errorf(n, "nesting deeper than %d", jsonvalue.MaxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.errorf(n, "unknown alias")
		}
		return c.value(n.Alias, ptr, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			v, err := c.value(e, ptr+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		o := jsonvalue.NewObject(len(n.Content) / 2)
		if err := c.mapping(o, n, ptr, depth, false); err != nil {
			return nil, err
		}
		return o, nil
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return nil, c.errorf(n, "unsupported YAML node")
}

// mapping adds the pairs of n to o. Merged pairs (the "<<" key) never override
// keys written in the mapping itself.
func (c *lintYAMLConverter) mapping(o *jsonvalue.Object, n *yaml.Node, ptr string, depth int, merging bool) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return c.errorf(k, "a mapping key must be a string")
		}
		key := k.Value
		if o.Has(key) {
			if merging {
				continue
			}
			return fmt.Errorf("Duplicate field '%s' at line %d, column %d", key, k.Line, k.Column)
		}
		val, err := c.value(v, ptr+"/"+lintPointerEscape(key), depth+1)
		if err != nil {
			return err
		}
		o.Set(key, val)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			continue
		}
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			for src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				return c.errorf(src, "a merge key must refer to a mapping")
			}
			c.budget -= len(src.Content)
			if c.budget < 0 {
				return c.errorf(src, "the document expands to too many values")
			}
			if err := c.mapping(o, src, ptr, depth+1, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *lintYAMLConverter) scalar(n *yaml.Node) (any, error) {
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, c.errorf(n, "%s", err)
		}
		return b, nil
	case "!!int":
		return c.integer(n)
	case "!!float":
		return c.float(n)
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	default:
		return nil, c.errorf(n, "the tag %s has no JSON value", tag)
	}
}

func (c *lintYAMLConverter) integer(n *yaml.Node) (any, error) {
	s := strings.ReplaceAll(n.Value, "_", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "0o"), strings.HasPrefix(s, "0O"):
		base, s = 8, s[2:]
	case strings.HasPrefix(s, "0b"), strings.HasPrefix(s, "0B"):
		base, s = 2, s[2:]
	}
	z, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, c.errorf(n, "invalid integer %q", n.Value)
	}
	if neg {
		z.Neg(z)
	}
	return jsonvalue.Number(z.String()), nil
}

func (c *lintYAMLConverter) float(n *yaml.Node) (any, error) {
	s := strings.ReplaceAll(n.Value, "_", "")
	s = strings.TrimPrefix(s, "+")
	if lintIsJSONNumber(s) {
		return jsonvalue.Number(s), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
		return nil, c.errorf(n, "the number %s has no JSON value", n.Value)
	}
	return jsonvalue.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// lintIsJSONNumber reports whether s is a number literal as JSON writes it.
func lintIsJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	v, err := jsonvalue.ParseString(s)
	if err != nil {
		return false
	}
	_, ok := v.(jsonvalue.Number)
	return ok
}
