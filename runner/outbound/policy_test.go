package outbound_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stepd/stepd/runner/outbound"
)

// server is a real HTTP server on a loopback address: /echo answers with the
// headers it received, /to?u=URL redirects to URL.
func server(t *testing.T, ip string) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (a second loopback address plays another host): %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to":
			http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
		default:
			json.NewEncoder(w).Encode(r.Header)
		}
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func hosts(t *testing.T, patterns ...string) outbound.Hosts {
	t.Helper()
	h, err := outbound.ParseHosts(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get sends a GET with custom headers and returns the headers the server got.
func get(t *testing.T, p *outbound.Policy, u string) (http.Header, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "Amazon|StepFunctions|HttpInvoke|us-east-1")
	req.Header.Set("X-Api-Key", "secret")
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Cookie", "session=secret")
	resp, err := p.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var got http.Header
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("%s answered %s: %v", u, resp.Status, err)
	}
	return got, nil
}

func host(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func to(from *httptest.Server, target string) string {
	return from.URL + "/to?u=" + url.QueryEscape(target)
}

// refused checks that err is a refusal whose message says each of want.
func refused(t *testing.T, err error, want ...string) {
	t.Helper()
	var r *outbound.Refused
	if !errors.As(err, &r) {
		t.Fatalf("error %v, want a refusal", err)
	}
	for _, w := range want {
		if !strings.Contains(r.Error(), w) {
			t.Errorf("refusal %q does not say %q", r.Error(), w)
		}
	}
}

func TestPolicyRefusesHostsNotAllowed(t *testing.T) {
	t.Parallel()
	a, b := server(t, "127.0.0.1"), server(t, "127.0.0.2")
	p := &outbound.Policy{Hosts: hosts(t, host(a)), Setting: "http.allowed_hosts"}
	if _, err := get(t, p, a.URL+"/echo"); err != nil {
		t.Fatalf("an allowed host: %v", err)
	}
	_, err := get(t, p, b.URL+"/echo")
	refused(t, err, "stepd does not connect to "+host(b), "the host is not in http.allowed_hosts of stepd's configuration")

	zero := &outbound.Policy{}
	_, err = get(t, zero, a.URL+"/echo")
	refused(t, err, "the host is not allowed")

	req, _ := http.NewRequest(http.MethodGet, a.URL+"/echo", nil)
	req.Host = "internal.example"
	_, err = p.Client().Do(req)
	refused(t, err, "its Host header names internal.example:", "which is not in http.allowed_hosts")
}

func TestPolicyRefusesStepdsOwnAddress(t *testing.T) {
	t.Parallel()
	self := server(t, "127.0.0.1") // plays stepd
	_, port, _ := net.SplitHostPort(host(self))
	own := outbound.NewOwn(host(self))
	p := &outbound.Policy{Hosts: hosts(t, "*"), Own: own, OwnSetting: "http.allow_own_address"}
	_, err := get(t, p, self.URL+"/echo")
	refused(t, err, host(self)+" is where stepd itself serves", "set http.allow_own_address: true in stepd's configuration")

	// A name that resolves to stepd is caught when it connects.
	_, err = get(t, p, "http://localhost:"+port+"/echo")
	refused(t, err, "stepd does not connect to localhost:"+port+": it resolves to 127.0.0.1:"+port+", where stepd itself serves")

	// So is a redirect to it, and the unspecified address, which reaches this machine.
	other := server(t, "127.0.0.2")
	_, err = get(t, p, to(other, "http://0.0.0.0:"+port+"/echo"))
	refused(t, err, "0.0.0.0:"+port+" is where stepd itself serves")

	allowed := &outbound.Policy{Hosts: hosts(t, "*"), Own: own, AllowOwn: true}
	if _, err := get(t, allowed, "http://localhost:"+port+"/echo"); err != nil {
		t.Errorf("with AllowOwn: %v", err)
	}
}

func TestPolicyRedirects(t *testing.T) {
	t.Parallel()
	a, b, c := server(t, "127.0.0.1"), server(t, "127.0.0.2"), server(t, "127.0.0.3")
	p := &outbound.Policy{Hosts: hosts(t, host(a), host(b)), Setting: "http.allowed_hosts"}

	t.Run("to a host not allowed", func(t *testing.T) {
		_, err := get(t, p, to(a, c.URL+"/echo?key=secret"))
		refused(t, err, "stepd does not follow the redirect from "+a.URL+"/to to "+c.URL+"/echo: the host is not in http.allowed_hosts")
		if r := (*outbound.Refused)(nil); errors.As(err, &r) && strings.Contains(r.Error(), "secret") {
			t.Errorf("the refusal quotes the query: %v", r)
		}
	})
	t.Run("on the same host, the headers follow", func(t *testing.T) {
		got, err := get(t, p, to(a, a.URL+"/echo"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Get("X-Api-Key") != "secret" || got.Get("Authorization") != "Bearer secret" {
			t.Errorf("headers %v", got)
		}
	})
	for name, u := range map[string]string{
		"to another host":                   to(a, b.URL+"/echo"),
		"back to the first host, after one": to(a, to(b, a.URL+"/echo")),
	} {
		t.Run(name+", only User-Agent follows", func(t *testing.T) {
			got, err := get(t, p, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"X-Api-Key", "Authorization", "Cookie", "Referer"} {
				if v := got.Get(h); v != "" {
					t.Errorf("%s: %q arrived", h, v)
				}
			}
			if got.Get("User-Agent") != "Amazon|StepFunctions|HttpInvoke|us-east-1" {
				t.Errorf("User-Agent %q", got.Get("User-Agent"))
			}
		})
	}
	t.Run("at most MaxRedirects", func(t *testing.T) {
		u := a.URL + "/echo"
		for range outbound.MaxRedirects {
			u = to(a, u)
		}
		if _, err := get(t, p, u); err != nil {
			t.Fatalf("%d redirects: %v", outbound.MaxRedirects, err)
		}
		_, err := get(t, p, to(a, u))
		refused(t, err, "stepd does not follow more than 10 redirects")
	})
}

func BenchmarkPolicyGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	h, _ := outbound.ParseHosts([]string{strings.TrimPrefix(srv.URL, "http://")})
	p := &outbound.Policy{Hosts: h, Own: outbound.NewOwn("127.0.0.1:1")}
	for b.Loop() {
		resp, err := p.Client().Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
