// Package stepdtest is the harness of the end-to-end suites under test/: it
// builds stepd, runs `stepd serve` processes that can be killed and started
// again (on internal/serveproc, which the examples use too), calls their Step Functions API as clients do (retrying while a node is
// down), and runs the mixed load of the crash and cluster tests, checking that
// every execution ended with its output and a history that lost and doubled
// nothing.
package stepdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepd/stepd/internal/serveproc"
)

// Build builds stepd from this checkout into a temporary directory of t and
// returns its path.
func Build(t testing.TB) string {
	t.Helper()
	bin, err := serveproc.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// FreeAddr returns a loopback address that nothing listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := serveproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// Process is a `stepd serve` that can be killed and started again on the same
// arguments (the same data and port). Its methods may be called from several
// goroutines.
type Process struct {
	Name string   // for messages
	Bin  string   // the stepd binary
	Addr string   // where it serves (one of Args)
	Args []string // after the binary
	Log  *os.File // its stdout and stderr

	once sync.Once
	proc serveproc.Process
	dead atomic.Bool
}

func (p *Process) process() *serveproc.Process {
	p.once.Do(func() {
		p.proc = serveproc.Process{Bin: p.Bin, Args: p.Args, Out: p.Log, Ready: "http://" + p.Addr + "/readyz"}
	})
	return &p.proc
}

// Start starts the process, in a process group of its own with its children,
// and waits up to 30 seconds for it to be ready (/readyz answers 200).
func (p *Process) Start() error {
	if err := p.process().Start(context.Background(), 30*time.Second); err != nil {
		return fmt.Errorf("%s on %s: %w", p.Name, p.Addr, err)
	}
	p.dead.Store(false)
	return nil
}

// Kill sends SIGKILL to the process and its children (command functions) and
// waits for it to exit. A Client sends it nothing until it starts again.
func (p *Process) Kill() {
	p.dead.Store(true)
	p.process().Kill()
}

// Stop stops the process gracefully (SIGTERM) and waits for it to exit. It
// does nothing to a process that is not running, so it is safe to call twice.
func (p *Process) Stop() {
	p.dead.Store(true)
	p.process().Stop(time.Minute)
}

// Pid is the process's ID.
func (p *Process) Pid() int { return p.process().Pid() }

// APIError is an error the API answered (a 4xx), its type without the
// namespace: "ExecutionAlreadyExists".
type APIError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

// Client calls the Step Functions API (AWS JSON 1.0) of one or more nodes,
// each call on the next live one. A connection failure or a 5xx is retried,
// after Pause, on the next live node, until the call's context ends.
type Client struct {
	Nodes []*Process
	HTTP  *http.Client
	Pause time.Duration

	next atomic.Uint64
}

// Call calls action with in, and decodes the answer into out unless it is nil.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	body, _ := json.Marshal(in)
	for {
		if n := c.live(); n != nil {
			if retry, err := call(ctx, c.HTTP, "http://"+n.Addr+"/", action, body, out); !retry {
				return err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.Pause): // a node is down: try again shortly
		}
	}
}

// live returns the next node that is not dead, or nil when all are.
func (c *Client) live() *Process {
	for range c.Nodes {
		if n := c.Nodes[c.next.Add(1)%uint64(len(c.Nodes))]; !n.dead.Load() {
			return n
		}
	}
	return nil
}

// Call makes one call of action on the API at url, without retrying. An error
// the API answered is an *APIError.
func Call(ctx context.Context, hc *http.Client, url, action string, in, out any) error {
	body, _ := json.Marshal(in)
	_, err := call(ctx, hc, url, action, body, out)
	return err
}

// call makes one request, and reports whether its failure is one to retry
// (no answer, or a 5xx).
func call(ctx context.Context, hc *http.Client, url, action string, body []byte, out any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	resp, err := hc.Do(req)
	if err != nil {
		return true, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return true, err
	case resp.StatusCode == http.StatusOK:
		if out != nil {
			return false, json.Unmarshal(data, out)
		}
		return false, nil
	case resp.StatusCode < 500:
		e := &APIError{}
		_ = json.Unmarshal(data, e)
		e.Type = e.Type[strings.LastIndex(e.Type, "#")+1:]
		return false, e
	}
	return true, fmt.Errorf("%s: %s: %s", action, resp.Status, bytes.TrimSpace(data))
}

// Clients calls f(i) for each i in [0, n) from clients goroutines, as that
// many API clients would, and returns when all are done. An error is reported
// with t.Error and ends its goroutine.
func Clients(t testing.TB, clients, n int, f func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Tail returns the last n lines of a file.
func Tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DataSizes lists the files of a data directory with their sizes (a
// database's WAL among them), for a failure's report.
func DataSizes(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "%s: %d bytes\n", e.Name(), info.Size())
		}
	}
	return b.String()
}

// CheckStore runs `stepd check` with args (the store's flags) on a store at
// rest, and fails the test with what it says unless every invariant holds.
func CheckStore(t testing.TB, bin string, args ...string) {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"check"}, args...)...).CombinedOutput()
	if err != nil {
		t.Errorf("stepd check %v: %v\n%s", args, err, out)
		return
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
