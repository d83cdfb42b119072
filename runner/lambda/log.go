package lambda

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// LogLine is one line a function wrote to its standard output or standard
// error, with what it belongs to, so that stepd's log can say which execution
// printed it.
type LogLine struct {
	Function     string
	ExecutionARN string // empty when the line came between invocations
	RequestID    string
	Stream       string // "stdout" or "stderr"
	Text         string // without the trailing newline
}

// Logger receives the output of functions, one line at a time. It is called
// from many goroutines at once.
type Logger func(LogLine)

// invocationTags is what the lines of one invocation are tagged with.
type invocationTags struct {
	function, executionARN, requestID string
	tail                              *logTail // LogType Tail: the invocation's lines are kept here too
}

func tagsOf(inv *Invocation) *invocationTags {
	t := &invocationTags{function: inv.FunctionName, requestID: inv.RequestID, tail: inv.tail}
	if inv.Task != nil {
		t.executionARN = inv.Task.ExecutionARN
	}
	return t
}

// lineWriter splits what is written to it into lines and hands each to a
// Logger with the tags current at the time the line ends. A worker process
// serves one invocation at a time, so its current tags say whose output a line
// is.
//
// After each invocation the worker's bootstrap writes an end marker (endMarker
// and the request ID) to the stream, before it answers; the writer takes it out
// of the log and sends the request ID on ended, so stepd can wait until all of an
// invocation's output is logged, and tagged, before it returns the result.
type lineWriter struct {
	log    Logger
	stream string
	tags   atomic.Pointer[invocationTags]
	mu     sync.Mutex
	buf    []byte
	ended  chan string
}

// endMarker starts the line a worker's bootstrap writes to its standard output
// and standard error when an invocation ends (ASCII record separator, then
// "stepd:end:" and the request ID).
const endMarker = "\x1estepd:end:"

var _ io.Writer = (*lineWriter)(nil)

func newLineWriter(log Logger, stream string, tags *invocationTags) *lineWriter {
	w := &lineWriter{log: log, stream: stream, ended: make(chan string, 8)}
	w.tags.Store(tags)
	return w
}

// awaitEnd waits until the stream's end marker for requestID has been read, or
// for limit (a handler that closed its output never writes one).
func (w *lineWriter) awaitEnd(requestID string, limit time.Duration) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case id := <-w.ended:
			if id == requestID {
				return
			}
		case <-timer.C:
			return
		}
	}
}

// maxLine bounds a line kept in memory; a longer one is cut into pieces.
const maxLine = 64 << 10

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) >= maxLine {
				w.emit(w.buf)
				w.buf = w.buf[:0]
			}
			break
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	return len(b), nil
}

// Flush hands on a last line that has no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *lineWriter) emit(line []byte) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if i := bytes.Index(line, []byte(endMarker)); i >= 0 {
		id := string(line[i+len(endMarker):])
		if i > 0 { // output that had no newline of its own
			w.emit(line[:i])
		}
		select {
		case w.ended <- id:
		default: // nobody waits (the invocation gave up): drop the oldest
			select {
			case <-w.ended:
			default:
			}
			w.ended <- id
		}
		return
	}
	t := w.tags.Load()
	if t == nil {
		t = &invocationTags{}
	}
	w.log(LogLine{Function: t.function, ExecutionARN: t.executionARN, RequestID: t.requestID, Stream: w.stream, Text: string(line)})
	if t.tail != nil {
		t.tail.line(string(line))
	}
}

// WriterLogger returns a Logger that writes each line to w as
// "[function] execution=ARN stream: text" (the form stepd's plain log uses).
func WriterLogger(w io.Writer) Logger {
	var mu sync.Mutex
	return func(l LogLine) {
		var b bytes.Buffer
		b.WriteString("[")
		b.WriteString(l.Function)
		b.WriteString("] ")
		if l.ExecutionARN != "" {
			b.WriteString(l.ExecutionARN)
			b.WriteString(" ")
		}
		b.WriteString(l.Stream)
		b.WriteString(": ")
		b.WriteString(l.Text)
		b.WriteString("\n")
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(b.Bytes())
	}
}
