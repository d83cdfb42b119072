// Package outbound keeps the requests a definition makes stepd send — HTTP
// Tasks, url functions — to the hosts its configuration allows. A Policy
// checks each request's host against an allow-list (Hosts) before the first
// request and again at each redirect, refuses at dial time any connection to
// an address where stepd itself serves (Own), whatever name resolved to it,
// and drops the request's own headers when a redirect leaves the host they
// were meant for.
package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Hosts is an allow-list of hosts, made by ParseHosts. Its zero value allows
// no host.
type Hosts struct {
	any     bool
	entries []entry
}

// entry is one pattern of an allow-list: exactly one of name, addr and
// prefix is set.
type entry struct {
	name   string // lower case, without a trailing dot
	wild   bool   // name is a suffix: "*.example.com" has name "example.com"
	addr   netip.Addr
	prefix netip.Prefix
	port   string // "": any port
}

// ParseHosts reads an allow-list. Each pattern is one of:
//
//	api.example.com          that host, on any port
//	api.example.com:8443     that host, on that port only
//	*.example.com            any host under example.com (not example.com itself), any port
//	*.example.com:8443       the same, on that port only
//	10.1.2.3, [fd00::1]:80   an IP address, on any port or on one
//	10.0.0.0/8, fd00::/8     any IP address in the range, written as such in the URL, any port
//	*                        any host
//
// Names are compared without regard to case; a CIDR matches URLs that give an
// IP address, not names that resolve into the range. Anything else (a URL, a
// path, another wildcard) is an error that names the pattern.
func ParseHosts(patterns []string) (Hosts, error) {
	var h Hosts
	for _, p := range patterns {
		if p == "*" {
			h.any = true
			continue
		}
		e, err := parseEntry(p)
		if err != nil {
			return Hosts{}, fmt.Errorf("%q: %w", p, err)
		}
		h.entries = append(h.entries, e)
	}
	return h, nil
}

func parseEntry(p string) (entry, error) {
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err == nil && u.Host != "" {
			return entry{}, fmt.Errorf("give a host (%q), not a URL", u.Host)
		}
		return entry{}, fmt.Errorf("give a host, not a URL")
	}
	if strings.ContainsAny(p, "/") {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return entry{}, fmt.Errorf("not a host, host:port or CIDR range (%v)", err)
		}
		return entry{prefix: prefix.Masked()}, nil
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(p, "["), "]")); err == nil { // an IP address without a port
		return entry{addr: a.WithZone("").Unmap()}, nil
	}
	host, port := p, ""
	if h, pt, err := net.SplitHostPort(p); err == nil {
		host, port = h, pt
		if !validPort(port) {
			return entry{}, fmt.Errorf("the port %q is not a number from 1 to 65535", port)
		}
	} else if strings.HasPrefix(p, "[") || strings.Count(p, ":") > 0 {
		return entry{}, fmt.Errorf("not a host or host:port (%v)", err)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return entry{addr: a.WithZone("").Unmap(), port: port}, nil
	}
	e := entry{port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		e.wild, host = true, rest
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !validName(host) {
		if strings.Contains(host, "*") {
			return entry{}, fmt.Errorf(`a wildcard is only "*" alone or a first label "*." as in "*.example.com"`)
		}
		return entry{}, fmt.Errorf("not a host name (letters, digits, '-', '_' and '.')")
	}
	e.name = host
	return e, nil
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return p != "" && n > 0
}

func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Allows reports whether the list allows a host (a name or an IP address, as
// url.URL.Hostname gives it) on a port (as a number, the scheme's default
// when the URL has none).
func (h Hosts) Allows(host, port string) bool {
	if h.any {
		return true
	}
	if len(h.entries) == 0 {
		return false
	}
	addr, err := netip.ParseAddr(host)
	isAddr := err == nil
	if isAddr {
		addr = addr.WithZone("").Unmap()
	} else {
		host = strings.TrimSuffix(strings.ToLower(host), ".")
	}
	for _, e := range h.entries {
		if e.port != "" && e.port != port {
			continue
		}
		switch {
		case e.prefix.IsValid():
			if isAddr && e.prefix.Contains(addr) {
				return true
			}
		case e.addr.IsValid():
			if isAddr && e.addr == addr {
				return true
			}
		case isAddr:
		case e.wild:
			if strings.HasSuffix(host, "."+e.name) {
				return true
			}
		case host == e.name:
			return true
		}
	}
	return false
}

// Authority is a URL's host and port, the port made explicit: "example.com:443"
// for https://example.com/x.
func Authority(u *url.URL) string {
	return net.JoinHostPort(u.Hostname(), port(u))
}

// port is a URL's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
