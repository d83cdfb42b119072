//go:build hostile

// Package hostile attacks a real stepd serve as an attacker would (a looping
// expression, a huge Map, DNS-rebinding Host headers, server-side request
// forgery through HTTP Tasks, slow request bodies, ...) and asserts that each
// attack meets a bounded outcome while the server goes on answering others.
// Run it with: go test -tags hostile ./test/hostile/ (make hostile).
//
// Each attack lives in a file of its own; they share the harness below.
package hostile

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

// node is one stepd serve under attack, with a client for its API.
type node struct {
	*stepdtest.Process
	Dir    string // its data directory's parent (the log is there too)
	Client *stepdtest.Client
}

// serve starts a stepd serve on a free loopback port with the given extra
// arguments (after serve --addr --data), stopped when the test ends.
func serve(t *testing.T, args ...string) *node {
	t.Helper()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "stepd.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	addr := stepdtest.FreeAddr(t)
	p := &stepdtest.Process{Name: "stepd", Bin: stepdtest.Build(t), Addr: addr, Log: logf,
		Args: append([]string{"serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--sync", "NORMAL"}, args...)}
	if err := p.Start(); err != nil {
		t.Fatalf("%v\n%s", err, stepdtest.Tail(logf.Name(), 30))
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("stepd's log:\n%s", stepdtest.Tail(logf.Name(), 40))
		}
	})
	return &node{Process: p, Dir: dir,
		Client: &stepdtest.Client{Nodes: []*stepdtest.Process{p}, HTTP: &http.Client{Timeout: 60 * time.Second}, Pause: 50 * time.Millisecond}}
}

// call makes one API call without retrying (an attack's answer is the point).
func (n *node) call(t *testing.T, action string, in, out any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return stepdtest.Call(ctx, n.Client.HTTP, "http://"+n.Addr, action, in, out)
}

// rssMB reads a process's resident set size in MB.
func rssMB(pid int) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// TestServesAfterStart is the harness's own check: a fresh node answers.
func TestServesAfterStart(t *testing.T) {
	n := serve(t)
	var out struct {
		StateMachines []any `json:"stateMachines"`
	}
	if err := n.call(t, "ListStateMachines", map[string]any{}, &out); err != nil {
		t.Fatal(err)
	}
}
