// Package serveproc runs a real `stepd serve` as a process, the way the
// examples (examples/internal/demo) and the end-to-end suites
// (test/internal/stepdtest) both need it: it builds stepd from this checkout,
// finds a free loopback address, starts the process and waits until it is
// ready, and stops it gracefully or kills it with its children.
package serveproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Build builds stepd from this checkout (found from the working directory,
// which must be inside it) into dir, and returns the binary's path.
func Build(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from stepd's checkout (or set STEPD_BIN)")
	}
	bin := filepath.Join(dir, "stepd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/stepd")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build stepd: %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback address ("127.0.0.1:port") that nothing
// listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// AnyStatus accepts any answer: the server is up.
func AnyStatus(int) bool { return true }

// StatusOK accepts 200 only, as /readyz answers when stepd is ready.
func StatusOK(status int) bool { return status == http.StatusOK }

// errExited is WaitHTTP's error when the process exited first.
var errExited = errors.New("the process exited")

// WaitHTTP waits until a GET of url is answered with a status accept takes,
// and fails when exited is closed (the process died), ctx ends, or within
// passes first.
func WaitHTTP(ctx context.Context, url string, exited <-chan struct{}, within time.Duration, accept func(status int) bool) error {
	probe := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		if resp, err := probe.Get(url); err == nil {
			resp.Body.Close()
			if accept(resp.StatusCode) {
				return nil
			}
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s did not answer within %v", url, within)
		case <-time.After(20 * time.Millisecond): // polling another process's port: it gives no other signal
		}
	}
}

// Process is a `stepd serve` (or another server) that can be started, stopped,
// killed and started again on the same arguments. Its methods may be called
// from several goroutines.
type Process struct {
	Bin  string   // the binary
	Args []string // after the binary
	Env  []string // added to this process's environment (KEY=VALUE)
	Out  io.Writer
	// Ready is the URL that answers once the process is ready
	// (http://ADDR/readyz for stepd), with a status Accept takes (nil:
	// StatusOK).
	Ready  string
	Accept func(status int) bool
	// DieWithParent kills the process when the one that started it dies
	// (Linux's parent-death signal), so that a program interrupted with ^C
	// leaves no server behind.
	DieWithParent bool

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	running bool
}

// Start starts the process, in a process group of its own with its children
// (on Unix), and waits up to within for it to be ready.
func (p *Process) Start(ctx context.Context, within time.Duration) error {
	p.mu.Lock()
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	cmd.SysProcAttr = ProcAttr(p.DieWithParent)
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.cmd, p.exited, p.running = cmd, exited, true
	p.mu.Unlock()
	accept := p.Accept
	if accept == nil {
		accept = StatusOK
	}
	if err := WaitHTTP(ctx, p.Ready, exited, within, accept); err != nil {
		if !errors.Is(err, errExited) {
			// Alive but not ready: have it say where it hangs.
			if dumpStacks(cmd.Process) == nil {
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
				}
			}
		}
		p.Kill()
		return err
	}
	return nil
}

// Stop stops the process gracefully (SIGTERM; on Windows, which has no such
// signal, it kills it) and waits up to grace for it to exit, then kills it and
// its children. It does nothing to a process that is
// not running, so it is safe to call twice.
func (p *Process) Stop(grace time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return
	}
	p.running = false
	_ = Terminate(p.cmd.Process)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = killGroup(p.cmd.Process)
		<-p.exited
	}
}

// Kill sends SIGKILL to the process and its children (command functions) and
// waits for it to exit. It does nothing to a process that is not running.
func (p *Process) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return
	}
	p.running = false
	_ = killGroup(p.cmd.Process)
	<-p.exited
}

// Pid is the process's ID, 0 before it starts.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}
