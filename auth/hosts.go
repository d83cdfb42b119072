package auth

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Hosts admits the requests whose Host header names this machine: a loopback
// name or address (localhost, *.localhost, 127.0.0.0/8, [::1]), or one of the
// names it was given (a compose service name, say), with or without a port,
// and with or without the "sync-" prefix SDKs add for StartSyncExecution.
// Without authentication, it is what keeps a web page the user visits from
// driving stepd through DNS rebinding: such a page's requests carry its own
// host name. The zero value admits loopback names only.
type Hosts struct {
	any   bool            // "*": every host (a container on a private network)
	names map[string]bool // lower case, without a port
	ports map[string]bool // "name:port" entries: that port only
}

// NewHosts returns a Hosts that also admits the given names: host names or IP
// addresses, each optionally with a port ("stepd", "stepd:8083",
// "10.0.0.5"), or "*" for every host, which gives up the DNS-rebinding
// guard: for a port only a private network reaches (the image's compose
// networks).
func NewHosts(allowed []string) (*Hosts, error) {
	h := &Hosts{names: map[string]bool{}, ports: map[string]bool{}}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "*" {
			h.any = true
			continue
		}
		name, port, err := net.SplitHostPort(a)
		if err != nil {
			name, port = strings.Trim(a, "[]"), ""
		}
		if !validHostName(name) || strings.Trim(port, "0123456789") != "" {
			return nil, fmt.Errorf("allowed host %q is not a host name or address, with or without a port", a)
		}
		if port != "" {
			h.ports[name+":"+port] = true
		} else {
			h.names[name] = true
		}
	}
	return h, nil
}

// validHostName reports whether s is a DNS name or an IP address.
func validHostName(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// Allows reports whether a Host header's value names this machine.
func (h *Hosts) Allows(host string) bool {
	if h != nil && h.any {
		return true
	}
	host = strings.ToLower(host)
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	name = strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	if name == "" {
		return false
	}
	for _, n := range []string{name, strings.TrimPrefix(name, "sync-")} {
		if n == "localhost" || strings.HasSuffix(n, ".localhost") {
			return true
		}
		if ip := net.ParseIP(n); ip != nil && ip.IsLoopback() {
			return true
		}
		if h != nil && (h.names[n] || (port != "" && h.ports[n+":"+port])) {
			return true
		}
		if !strings.HasPrefix(name, "sync-") {
			break
		}
	}
	return false
}

// Check refuses a request whose Host this machine does not answer, with an
// AccessDeniedException (HTTP 403) that says why.
func (h *Hosts) Check(r *http.Request) error {
	if h.Allows(r.Host) {
		return nil
	}
	return &Error{Status: http.StatusForbidden, Code: CodeAccessDenied, Message: HostRefusal(r.Host)}
}

// HostRefusal explains why a request for a host is refused.
func HostRefusal(host string) string {
	return fmt.Sprintf("stepd runs without authentication, so it answers only requests for a loopback host "+
		"(localhost, 127.0.0.1, [::1]) or one given with --allowed-host, not for '%s' (see docs/security.md)", clip(host))
}
