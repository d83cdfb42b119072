//go:build hostile

package hostile

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

// Server-side request forgery through HTTP Tasks: a definition that aims an
// HTTP Task at stepd's own API, or at a host the configuration does not allow
// through a redirect, is refused; headers meant for one host do not follow a
// redirect to another.

const role = "arn:aws:iam::123456789012:role/stepd"

// attacker is an Express definition whose one HTTP Task sends the request its
// input describes: {"url", "method", "headers", "body"}.
const attacker = `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
  "Parameters": {"ApiEndpoint.$": "$.url", "Method.$": "$.method", "Headers.$": "$.headers", "RequestBody.$": "$.body",
    "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/1"}},
  "End": true}}}`

// config writes a configuration and returns the serve arguments that use it.
func config(t *testing.T, text string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stepd.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--config", path}
}

// createMachine creates a state machine and returns its ARN.
func (n *node) createMachine(t *testing.T, name, typ, definition string) string {
	t.Helper()
	var out struct{ StateMachineArn string }
	if err := n.call(t, "CreateStateMachine", map[string]any{"name": name, "type": typ, "roleArn": role, "definition": definition}, &out); err != nil {
		t.Fatalf("CreateStateMachine %s: %v", name, err)
	}
	return out.StateMachineArn
}

// result is how a synchronous execution ended.
type result struct {
	Status, Error, Cause, Output string
}

// attack runs the attacker machine once with input, synchronously.
func (n *node) attack(t *testing.T, machine string, input map[string]any) result {
	t.Helper()
	in, _ := json.Marshal(input)
	var out result
	if err := n.call(t, "StartSyncExecution", map[string]any{"stateMachineArn": machine, "input": string(in)}, &out); err != nil {
		t.Fatalf("StartSyncExecution: %v", err)
	}
	return out
}

// deleteVia is the input that makes the attacker delete a state machine
// through the API at base.
func deleteVia(base, victim string) map[string]any {
	return map[string]any{"url": base + "/", "method": "POST",
		"headers": map[string]string{"X-Amz-Target": "AWSStepFunctions.DeleteStateMachine", "Content-Type": "application/x-amz-json-1.0"},
		"body":    map[string]string{"stateMachineArn": victim}}
}

// TestSSRFOwnAPI aims an HTTP Task at stepd's own API, by address and by a
// name that resolves to it, to delete another state machine: refused, though
// the configuration allows every host; the machine survives. The same request
// with http.allow_own_address on deletes it: the attack is real, and only the
// refusal stops it.
func TestSSRFOwnAPI(t *testing.T) {
	n := serve(t, config(t, `http: {allowed_hosts: ["*"]}`)...)
	victim := n.createMachine(t, "victim", "STANDARD", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	machine := n.createMachine(t, "attacker", "EXPRESS", attacker)
	_, port, _ := net.SplitHostPort(n.Addr)
	for _, base := range []string{"http://" + n.Addr, "http://localhost:" + port, "http://0.0.0.0:" + port, "http://[::ffff:127.0.0.1]:" + port} {
		out := n.attack(t, machine, deleteVia(base, victim))
		if out.Status != "FAILED" || out.Error != "States.Http.Socket" || !strings.Contains(out.Cause, "where stepd itself serves") ||
			!strings.Contains(out.Cause, "set http.allow_own_address: true") {
			t.Errorf("through %s: %+v, want States.Http.Socket naming http.allow_own_address", base, out)
		}
		t.Logf("through %s: %s: %s", base, out.Error, out.Cause)
		if err := n.call(t, "DescribeStateMachine", map[string]any{"stateMachineArn": victim}, nil); err != nil {
			t.Fatalf("through %s: the victim is gone: %v", base, err)
		}
	}

	open := serve(t, config(t, `http: {allowed_hosts: ["*"], allow_own_address: true}`)...)
	victim = open.createMachine(t, "victim", "STANDARD", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	machine = open.createMachine(t, "attacker", "EXPRESS", attacker)
	if out := open.attack(t, machine, deleteVia("http://"+open.Addr, victim)); out.Status != "SUCCEEDED" {
		t.Fatalf("with allow_own_address: %+v", out)
	}
	var api *stepdtest.APIError
	if err := open.call(t, "DescribeStateMachine", map[string]any{"stateMachineArn": victim}, nil); !errors.As(err, &api) || api.Type != "StateMachineDoesNotExist" {
		t.Fatalf("with allow_own_address the victim survived (%v): the control case proves nothing", err)
	}
}

// recorder is a real HTTP server on a loopback address that plays a host: it
// redirects /to?u=URL to URL (307, so a POST stays one) and records the
// headers of every other request.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func record(t *testing.T, ip string) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (another loopback address plays another host): %v", ip, err)
	}
	r := &recorder{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u := req.URL.Query().Get("u"); req.URL.Path == "/to" {
			http.Redirect(w, req, u, http.StatusTemporaryRedirect)
			return
		}
		r.mu.Lock()
		r.seen = append(r.seen, req.Header.Clone())
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	r.Listener.Close()
	r.Listener = ln
	r.Start()
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) host() string { return strings.TrimPrefix(r.URL, "http://") }

func (r *recorder) requests() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.seen...)
}

// TestSSRFRedirects: a redirect from an allowed host to one the configuration
// does not allow is refused before anything reaches it; a redirect to
// another allowed host arrives without the Task's headers or the
// connection's Authorization.
func TestSSRFRedirects(t *testing.T) {
	allowed, other, forbidden := record(t, "127.0.0.1"), record(t, "127.0.0.2"), record(t, "127.0.0.3")
	n := serve(t, config(t, fmt.Sprintf(`http:
  allowed_hosts: [%q, %q]
  connections:
    "arn:aws:events:us-east-1:123456789012:connection/api/1": {headers: {Authorization: "Bearer connection-secret"}}
`, allowed.host(), other.host()))...)
	machine := n.createMachine(t, "attacker", "EXPRESS", attacker)
	call := func(target string) map[string]any {
		return map[string]any{"url": allowed.URL + "/to?u=" + url.QueryEscape(target), "method": "POST",
			"headers": map[string]string{"X-Api-Key": "task-secret"}, "body": map[string]int{"n": 1}}
	}

	out := n.attack(t, machine, call(forbidden.URL+"/steal"))
	if out.Status != "FAILED" || out.Error != "States.Http.Socket" ||
		!strings.Contains(out.Cause, "stepd does not follow the redirect from "+allowed.URL+"/to to "+forbidden.URL+"/steal") ||
		!strings.Contains(out.Cause, "not in http.allowed_hosts") {
		t.Errorf("a redirect to a host not allowed: %+v", out)
	}
	t.Logf("a redirect to a host not allowed: %s: %s", out.Error, out.Cause)
	if got := forbidden.requests(); len(got) != 0 {
		t.Errorf("the host not allowed got %d requests: %v", len(got), got)
	}

	out = n.attack(t, machine, call(other.URL+"/hook"))
	if out.Status != "SUCCEEDED" {
		t.Fatalf("a redirect to another allowed host: %+v", out)
	}
	got := other.requests()
	if len(got) != 1 {
		t.Fatalf("the other host got %d requests, want 1", len(got))
	}
	for _, h := range []string{"X-Api-Key", "Authorization", "Cookie", "Referer"} {
		if v := got[0].Get(h); v != "" {
			t.Errorf("%s followed the redirect to another host: %q", h, v)
		}
	}
	if ua := got[0].Get("User-Agent"); !strings.HasPrefix(ua, "Amazon|StepFunctions|HttpInvoke|") {
		t.Errorf("User-Agent %q", ua)
	}

	// The same request without a redirect carries them: the headers are sent,
	// and dropped only by the redirect.
	if out := n.attack(t, machine, map[string]any{"url": other.URL + "/direct", "method": "POST",
		"headers": map[string]string{"X-Api-Key": "task-secret"}, "body": map[string]int{"n": 1}}); out.Status != "SUCCEEDED" {
		t.Fatalf("a direct request: %+v", out)
	}
	got = other.requests()
	if last := got[len(got)-1]; last.Get("X-Api-Key") != "task-secret" || last.Get("Authorization") != "Bearer connection-secret" {
		t.Errorf("a direct request arrived with %v", last)
	}
}
