package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MaxRedirects is the most redirects one request follows.
const MaxRedirects = 10

// Policy is where one kind of outbound request may go, and the HTTP client
// that keeps its requests there. Its zero value allows no host. A Policy must
// not be copied or changed after its first use.
type Policy struct {
	// Hosts are the hosts requests may go to.
	Hosts Hosts
	// Setting names the setting that lists Hosts ("http.allowed_hosts"), for
	// the messages of refusals.
	Setting string
	// Own is where stepd itself serves; nil: nowhere (stepd run).
	Own *Own
	// AllowOwn lets requests connect to Own's addresses.
	AllowOwn bool
	// OwnSetting names the setting that sets AllowOwn
	// ("http.allow_own_address"), for the messages of refusals.
	OwnSetting string

	once   sync.Once
	client *http.Client
}

// Refused is a request a Policy did not let through. Its message names the
// host and the setting that would let it through.
type Refused struct {
	Host string // host:port, as the request named it
	msg  string
}

// Error says what was refused and why.
func (r *Refused) Error() string { return r.msg }

// Client returns the HTTP client of the policy, made at its first call and
// shared afterwards (its connections are reused). It:
//   - refuses each request, the first and every redirect, whose URL's host or
//     Host header Hosts does not allow;
//   - refuses, once a name is resolved, to connect to an address of Own
//     unless AllowOwn;
//   - follows at most MaxRedirects redirects;
//   - drops the request's headers, but for User-Agent and Content-Type, on a
//     redirect to another host or port, or from https to http, and on every
//     redirect after it: what the Task or a connection added (an API key,
//     Authorization, cookies) and the Referer, which may carry a key in its
//     query.
//
// It connects directly, never through a proxy from the environment: a proxy
// would resolve names where the policy cannot check where they lead.
// A refusal is a *Refused in the error chain of Do.
func (p *Policy) Client() *http.Client {
	p.once.Do(func() {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		if p.Own != nil && !p.AllowOwn {
			d.Control = p.control
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if own := (*ownAddr)(nil); errors.As(err, &own) {
				return nil, p.ownRefusal(addr, own.addr)
			}
			return c, err
		}
		p.client = &http.Client{Transport: &transport{p: p, next: t}, CheckRedirect: p.checkRedirect}
	})
	return p.client
}

// Check reports whether the policy allows a URL's host, as a *Refused when
// it does not. The addresses the host resolves to are checked when Client
// connects.
func (p *Policy) Check(u *url.URL) error {
	if host, why := p.refuses(u, ""); why != "" {
		return &Refused{Host: host, msg: fmt.Sprintf("stepd does not connect to %s: %s", Authority(u), why)}
	}
	return nil
}

// refuses checks a URL and a Host header (empty: none of its own), and says
// which host it refuses and why; why is empty when it refuses neither.
func (p *Policy) refuses(u *url.URL, hostHeader string) (host, why string) {
	if !p.Hosts.Allows(u.Hostname(), port(u)) {
		host = Authority(u)
		return host, p.notAllowed("the host")
	}
	if hostHeader == "" || strings.EqualFold(hostHeader, u.Host) {
		return "", ""
	}
	h := &url.URL{Scheme: u.Scheme, Host: hostHeader}
	hp := h.Port()
	if hp == "" {
		hp = port(u)
	}
	if p.Hosts.Allows(h.Hostname(), hp) {
		return "", ""
	}
	host = net.JoinHostPort(h.Hostname(), hp)
	return host, p.notAllowed(fmt.Sprintf("its Host header names %s, which", host))
}

// notAllowed says that a host (subject) is not allowed, and where it would be.
func (p *Policy) notAllowed(subject string) string {
	if p.Setting == "" {
		return subject + " is not allowed"
	}
	return fmt.Sprintf("%s is not in %s of stepd's configuration", subject, p.Setting)
}

// ownAddr is the error of the dialer's Control: addr is stepd's.
type ownAddr struct{ addr string }

func (e *ownAddr) Error() string { return e.addr + " is where stepd itself serves" }

// control refuses, at dial time, a connection to one of stepd's addresses.
func (p *Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("stepd does not connect to %s: not an IP address and port", address)
	}
	if _, ok := p.Own.Reaches(ap); ok {
		return &ownAddr{addr: address}
	}
	return nil
}

// ownRefusal is the refusal of a connection to name (host:port as the URL
// gives it) that resolved to addr, where stepd serves.
func (p *Policy) ownRefusal(name, addr string) *Refused {
	where := fmt.Sprintf("%s is where stepd itself serves", name)
	if name != addr {
		where = fmt.Sprintf("it resolves to %s, where stepd itself serves", addr)
	}
	how := "a request to stepd's own address is not allowed"
	if p.OwnSetting != "" {
		how = fmt.Sprintf("set %s: true in stepd's configuration to allow it", p.OwnSetting)
	}
	return &Refused{Host: name, msg: fmt.Sprintf("stepd does not connect to %s: %s; %s", name, where, how)}
}

// checkRedirect checks each redirect against the policy, bounds their number,
// and drops the request's headers once the redirects leave its host.
func (p *Policy) checkRedirect(req *http.Request, via []*http.Request) error {
	from := via[len(via)-1].URL
	if len(via) > MaxRedirects {
		return &Refused{Host: Authority(req.URL), msg: fmt.Sprintf("stepd does not follow more than %d redirects (the last from %s to %s)", MaxRedirects, redact(from), redact(req.URL))}
	}
	if host, why := p.refuses(req.URL, req.Host); why != "" {
		return &Refused{Host: host, msg: fmt.Sprintf("stepd does not follow the redirect from %s to %s: %s", redact(from), redact(req.URL), why)}
	}
	first := via[0].URL
	for _, r := range append(via[1:len(via):len(via)], req) {
		if !strings.EqualFold(Authority(r.URL), Authority(first)) || first.Scheme == "https" && r.URL.Scheme != "https" {
			keep := http.Header{}
			for _, k := range []string{"User-Agent", "Content-Type"} {
				if v, ok := req.Header[k]; ok {
					keep[k] = v
				}
			}
			req.Header = keep
			break
		}
	}
	return nil
}

// redact is a URL for a message, without its query (which may hold a key).
func redact(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}

// transport checks each request against the policy before it goes out.
type transport struct {
	p    *Policy
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if host, why := t.p.refuses(req.URL, req.Host); why != "" {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &Refused{Host: host, msg: fmt.Sprintf("stepd does not connect to %s: %s", Authority(req.URL), why)}
	}
	return t.next.RoundTrip(req)
}
