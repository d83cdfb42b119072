package asl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

// JSONSyntaxMessage words a JSON syntax error the way Step Functions' parser
// (Jackson) words it, for the cases people meet: a bare word where a value
// starts ("Unrecognized token 'not': was expecting (JSON String, Number,
// Array, Object or token 'null', 'true' or 'false')"), an unexpected
// character ("Unexpected character ('x' (code 120)): was expecting
// double-quote to start field name"), and input that ends inside an object,
// an array or a string. It returns the message and Jackson's location of the
// problem: the 1-based line and column just past the offending token. Other
// errors keep stepd's own words.
func JSONSyntaxMessage(text []byte, err error) (msg string, line, col int) {
	off := 0
	msg = err.Error()
	var se *jsonvalue.SyntaxError
	if errors.As(err, &se) {
		off, msg = se.Offset, se.Msg
	}
	off = min(max(off, 0), len(text))
	end := off // the position Jackson reports: past what it read
	if off < len(text) {
		_, n := utf8.DecodeRune(text[off:])
		end = off + n
	}
	unexpected := func(expecting string) string {
		r, _ := utf8.DecodeRune(text[off:])
		c := fmt.Sprintf("'%c' (code %d)", r, r)
		if r < 0x20 {
			c = fmt.Sprintf("CTRL-CHAR, code %d", r)
		}
		return "Unexpected character (" + c + "): " + expecting
	}
	switch {
	case off < len(text) && lintIsWordByte(text[off]) && strings.HasSuffix(msg, "expected a value"):
		w := off
		for w < len(text) && lintIsWordByte(text[w]) {
			w++
		}
		if word := string(text[off:w]); word != "true" && word != "false" && word != "null" {
			msg = "Unrecognized token '" + word + "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
			end = w
		}
	case off < len(text) && strings.HasSuffix(msg, "expected a value"):
		msg = unexpected("expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
	case off < len(text) && strings.HasSuffix(msg, "expected a string key"):
		msg = unexpected("was expecting double-quote to start field name")
	case off < len(text) && strings.HasSuffix(msg, "expected ':'"):
		msg = unexpected("was expecting a colon to separate field name and value")
	case off < len(text) && strings.HasSuffix(msg, "expected ',' or '}'"):
		msg = unexpected("was expecting comma to separate Object entries")
	case off < len(text) && strings.HasSuffix(msg, "expected ',' or ']'"):
		msg = unexpected("was expecting comma to separate Array entries")
	case msg == "unexpected end of input in an object" || strings.HasPrefix(msg, "unexpected end of input, expected ',' or '}'"):
		msg = "Unexpected end-of-input: expected close marker for Object"
	case msg == "unexpected end of input in an array" || strings.HasPrefix(msg, "unexpected end of input, expected ',' or ']'"):
		msg = "Unexpected end-of-input: expected close marker for Array"
	case msg == "unexpected end of input in a string":
		msg = "Unexpected end-of-input: was expecting closing quote for a string value"
	}
	line, col = lintLineColumn(text, end)
	return msg, line, col
}

// jacksonSource is how Jackson names the text it parsed in a location:
// (String)"<the text>", cut after 500 characters.
func jacksonSource(text []byte, line, col int) string {
	const snippet = 500
	s := string(text)
	rest := ""
	if n := utf8.RuneCountInString(s); n > snippet {
		r := []rune(s)
		s = string(r[:snippet])
		rest = fmt.Sprintf("[truncated %d chars]", n-snippet)
	}
	return fmt.Sprintf("[Source: (String)\"%s\"%s; line: %d, column: %d]", s, rest, line, col)
}
