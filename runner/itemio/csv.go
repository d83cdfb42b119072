package itemio

import (
	"bufio"
	"errors"
	"io"
	"sort"
	"unicode"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
)

// maxCSVHeader is the largest CSV header Step Functions reads: 10 KiB.
const maxCSVHeader = 10 << 10

// csvConfig is how to read a CSV object: its delimiter and where its header
// is.
type csvConfig struct {
	delim   byte
	headers []string // GIVEN; nil: the first row
}

// newCSVConfig reads the CSV fields of a ReaderConfig.
func newCSVConfig(location string, headers []string, delimiter string) (*csvConfig, *aslerr.Failure) {
	c := &csvConfig{delim: ','}
	switch delimiter {
	case "", "COMMA":
	case "PIPE":
		c.delim = '|'
	case "SEMICOLON":
		c.delim = ';'
	case "SPACE":
		c.delim = ' '
	case "TAB":
		c.delim = '\t'
	default:
		return nil, readFailure("The CSVDelimiter %s is not one of COMMA, PIPE, SEMICOLON, SPACE, TAB", delimiter)
	}
	switch location {
	case "", "FIRST_ROW":
	case "GIVEN":
		if len(headers) == 0 {
			return nil, readFailure("The CSVHeaderLocation GIVEN requires CSVHeaders")
		}
		c.headers = headers
	default:
		return nil, readFailure("The CSVHeaderLocation %s is not one of FIRST_ROW, GIVEN", location)
	}
	return c, nil
}

// read streams a CSV object's rows as items: objects of the header's
// fields, every value a string, as Step Functions parses them (see
// csvParser). The items' keys are in the order Step Functions gives them:
// keys that are not purely letters first, then the rest, each group sorted.
func (c *csvConfig) read(body io.Reader, emit func(any) error) error {
	emit = wrapEmit(emit)
	p := &csvParser{r: bufio.NewReaderSize(body, 64<<10), delim: c.delim}
	headers := c.headers
	if headers == nil {
		row, err := p.record(maxCSVHeader)
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errTooLong) {
			return readFailure("The CSV header is larger than the 10 KiB Step Functions reads")
		}
		if err != nil {
			return err
		}
		headers = append([]string(nil), row...)
	}
	seen := make(map[string]bool, len(headers))
	for _, h := range headers {
		if seen[h] {
			return readFailure("CSV headers cannot contain duplicates.")
		}
		seen[h] = true
	}
	// order[i] is the column of the item's i-th key.
	order := make([]int, len(headers))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ha, hb := headers[order[a]], headers[order[b]]
		if la, lb := isAlpha(ha), isAlpha(hb); la != lb {
			return !la
		}
		return ha < hb
	})
	keys := make([]string, len(order))
	for i, col := range order {
		keys[i] = headers[col]
	}
	shape := jsonvalue.NewShape(keys)
	for {
		row, err := p.record(maxLine)
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errTooLong) {
			return readFailure("The CSV input is malformed: a row is longer than %d bytes", maxLine)
		}
		if err != nil {
			return err
		}
		if len(row) == 1 && row[0] == "" && !p.quoted {
			continue // a blank line
		}
		vals := make([]any, len(order))
		for i, col := range order {
			if col < len(row) {
				vals[i] = row[col]
			} else {
				vals[i] = "" // a short row: the missing fields are empty
			}
		}
		if err := emit(shape.New(vals)); err != nil {
			return err
		}
	}
}

// isAlpha reports whether s is letters only (Python's str.isalpha).
func isAlpha(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

var errTooLong = errors.New("record too long")

// csvParser reads records by Step Functions' rules for delimited text:
// newlines (LF or CRLF) end records; double quotes may enclose a field,
// which may then hold delimiters and newlines, and a doubled quote inside
// is one quote; a backslash escapes a backslash, a double quote or the
// delimiter, and is dropped before any other character.
type csvParser struct {
	r      *bufio.Reader
	delim  byte
	fields []string
	buf    []byte
	quoted bool // the last record's first field was quoted
}

// record returns the next record's fields (reused by the next call), or
// io.EOF after the last one; a record longer than limit bytes is
// errTooLong.
func (p *csvParser) record(limit int) ([]string, error) {
	p.fields = p.fields[:0]
	p.buf = p.buf[:0]
	p.quoted = false
	inQuotes, fieldQuoted, started, size := false, false, false, 0
	end := func() {
		p.fields = append(p.fields, string(p.buf))
		p.buf = p.buf[:0]
		fieldQuoted = false
	}
	for {
		b, err := p.r.ReadByte()
		if err == io.EOF {
			if !started {
				return nil, io.EOF
			}
			end()
			return p.fields, nil
		}
		if err != nil {
			return nil, err
		}
		if size++; size > limit {
			return nil, errTooLong
		}
		started = true
		switch {
		case b == '\\':
			next, err := p.r.ReadByte()
			if err == io.EOF {
				continue
			}
			if err != nil {
				return nil, err
			}
			size++
			if next == '\\' || next == '"' || next == p.delim {
				p.buf = append(p.buf, next)
			} else if next == '\n' && !inQuotes {
				// a dropped backslash before the end of the record
				end()
				return p.fields, nil
			} else {
				p.buf = append(p.buf, next)
			}
		case inQuotes:
			if b == '"' {
				if next, err := p.r.Peek(1); err == nil && next[0] == '"' {
					_, _ = p.r.ReadByte()
					size++
					p.buf = append(p.buf, '"')
				} else {
					inQuotes = false
				}
			} else {
				p.buf = append(p.buf, b)
			}
		case b == '"' && len(p.buf) == 0 && !fieldQuoted:
			inQuotes, fieldQuoted = true, true
			if len(p.fields) == 0 {
				p.quoted = true
			}
		case b == p.delim:
			end()
		case b == '\n':
			end()
			return p.fields, nil
		case b == '\r':
			if next, err := p.r.Peek(1); err == nil && next[0] == '\n' {
				continue // CRLF: the LF ends the record
			}
			p.buf = append(p.buf, b)
		default:
			p.buf = append(p.buf, b)
		}
	}
}
