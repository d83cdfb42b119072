//go:build hostile

package hostile

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

// rebound makes a request to the node with another Host header, as a web
// page whose name was rebound to 127.0.0.1 makes it: the browser connects to
// the node but names the attacker's host.
func (n *node) rebound(t *testing.T, method, path, host, target, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+n.Addr+path, strings.NewReader(body))
	req.Host = host
	if target != "" {
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	}
	resp, err := n.Client.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDNSRebindingIsRefused: without authentication, a request that names a
// host other than this machine is refused, for the API (AWS-shaped 403) and
// the console (a plain 421), and changes nothing.
func TestDNSRebindingIsRefused(t *testing.T) {
	n := serve(t, "--allowed-host", "stepd")
	_, port, _ := net.SplitHostPort(n.Addr)
	create := `{"name":"planted","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`
	for _, host := range []string{"attacker.example", "attacker.example:" + port, "127.0.0.1.nip.io:" + port, "localhost.attacker.example:" + port,
		"sync-attacker.example:" + port, "stepd.attacker.example", "192.168.1.10:" + port, "[fe80::1]:" + port} {
		status, body := n.rebound(t, http.MethodPost, "/", host, "CreateStateMachine", create)
		if status != http.StatusForbidden || !strings.Contains(body, `"__type":"com.amazon.coral.service#AccessDeniedException"`) {
			t.Errorf("the API for %s: %d %s", host, status, body)
		}
		for _, path := range []string{"/", "/state-machines", "/assets/none.js", "/auth/session"} {
			if status, body := n.rebound(t, http.MethodGet, path, host, "", ""); status != http.StatusMisdirectedRequest {
				t.Errorf("GET %s for %s: %d %.200s", path, host, status, body)
			}
		}
	}
	var list struct {
		StateMachines []struct{ Name string } `json:"stateMachines"`
	}
	if err := n.call(t, "ListStateMachines", map[string]any{}, &list); err != nil || len(list.StateMachines) != 0 {
		t.Fatalf("after the rebound calls: %+v %v", list, err)
	}
	// This machine's names, and the allowed one, are answered.
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "sync-localhost:" + port, "[::1]:" + port, "stepd:" + port} {
		if status, body := n.rebound(t, http.MethodPost, "/", host, "ListStateMachines", "{}"); status != http.StatusOK {
			t.Errorf("the API for %s: %d %s", host, status, body)
		}
		if status, _ := n.rebound(t, http.MethodGet, "/state-machines", host, "", ""); status != http.StatusOK {
			t.Errorf("the console for %s: %d", host, status)
		}
	}
}

// TestListeningBeyondLoopbackIsRefused: without authentication, stepd serve
// refuses --addr on every interface or a LAN address, says why, and listens
// on nothing; --insecure-no-auth is the explicit choice that lets it.
func TestListeningBeyondLoopbackIsRefused(t *testing.T) {
	bin := stepdtest.Build(t)
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	addrs := []string{":" + port, "0.0.0.0:" + port, "[::]:" + port}
	if ip := lanAddress(); ip != "" {
		addrs = append(addrs, net.JoinHostPort(ip, port))
	}
	for _, addr := range addrs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--data", t.TempDir())
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(out.String(), "refusing to listen") ||
			!strings.Contains(out.String(), "without authentication") || !strings.Contains(out.String(), "--insecure-no-auth") {
			t.Errorf("--addr %s: exit %d (%v): %s", addr, code, err, out.String())
		}
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		c.Close()
		t.Errorf("something listens on %s after the refusals", port)
	}

	// --insecure-no-auth starts it on every interface; the Host check holds.
	logf, err := os.Create(filepath.Join(t.TempDir(), "stepd.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	p := &stepdtest.Process{Name: "stepd", Bin: bin, Addr: "127.0.0.1:" + port, Log: logf,
		Args: []string{"serve", "--addr", "0.0.0.0:" + port, "--data", t.TempDir(), "--sync", "NORMAL", "--insecure-no-auth"}}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	n := &node{Process: p, Client: &stepdtest.Client{Nodes: []*stepdtest.Process{p}, HTTP: &http.Client{Timeout: 60 * time.Second}}}
	if status, _ := n.rebound(t, http.MethodPost, "/", "attacker.example", "ListStateMachines", "{}"); status != http.StatusForbidden {
		t.Errorf("a rebound call with --insecure-no-auth: %d", status)
	}
}

// lanAddress returns a non-loopback IPv4 address of this machine, or "".
func lanAddress() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return ""
}
