package auth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/auth"
)

// consoleServer serves the session endpoints and an "API" that answers the
// account the authenticator finds, as stepd serve wires them.
type consoleServer struct {
	*httptest.Server
	mu    sync.Mutex
	clock time.Time
}

func (s *consoleServer) advance(d time.Duration) {
	s.mu.Lock()
	s.clock = s.clock.Add(d)
	s.mu.Unlock()
}

func newConsoleServer(t *testing.T, tls bool, opts auth.SessionOptions) *consoleServer {
	t.Helper()
	s := &consoleServer{clock: now}
	clock := func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.clock
	}
	v, err := auth.NewVerifier(creds, "us-east-1", "states", clock)
	if err != nil {
		t.Fatal(err)
	}
	opts.Now = clock
	sessions := auth.NewSessions(v, opts)
	a := &auth.Authenticator{Verifier: v, Sessions: sessions}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.Match(r) {
			sessions.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		account, err := a.Authenticate(r, body)
		if err != nil {
			e := err.(*auth.Error)
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"account": account})
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// browser is a client with a cookie jar, as a browser is.
type browser struct {
	t    *testing.T
	s    *consoleServer
	http *http.Client
}

func (s *consoleServer) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	c := *s.Client() // shared by the server's callers: each browser has a jar of its own
	c.Jar = jar
	return &browser{t: t, s: s, http: &c}
}

func (b *browser) do(method, path, csrf, body string) (int, map[string]any, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.s.URL+path, strings.NewReader(body))
	if csrf != "" {
		req.Header.Set(auth.CSRFHeader, csrf)
	}
	if path == "/" {
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp
}

func (b *browser) session() map[string]any {
	b.t.Helper()
	status, out, _ := b.do(http.MethodGet, "/auth/session", "", "")
	if status != 200 {
		b.t.Fatalf("GET /auth/session: %d", status)
	}
	return out
}

func (b *browser) login(key, secret string) (int, map[string]any, *http.Response) {
	b.t.Helper()
	csrf, _ := b.session()["csrfToken"].(string)
	body, _ := json.Marshal(map[string]string{"accessKeyId": key, "secretAccessKey": secret})
	return b.do(http.MethodPost, "/auth/login", csrf, string(body))
}

func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestConsoleLogin(t *testing.T) {
	s := newConsoleServer(t, false, auth.SessionOptions{TTL: time.Hour})
	b := s.browser(t)
	if st := b.session(); st["required"] != true || st["authenticated"] != false || st["csrfToken"] == "" {
		t.Fatalf("before login: %v", st)
	}

	// The login form's POST needs its CSRF token.
	status, out, _ := b.do(http.MethodPost, "/auth/login", "", `{"accessKeyId":"AKIDALICE","secretAccessKey":"alice-secret"}`)
	if status != 403 || out["__type"] != "AccessDeniedException" {
		t.Fatalf("login without a CSRF token: %d %v", status, out)
	}
	for _, wrong := range [][2]string{{"AKIDALICE", "wrong"}, {"AKIDNOBODY", "alice-secret"}, {"", ""}} {
		if status, out, _ := b.login(wrong[0], wrong[1]); status != 401 || out["__type"] != "LoginFailed" {
			t.Fatalf("login %v: %d %v", wrong, status, out)
		}
	}
	if status, out, _ := b.login("ASIATEMP", "temp-secret"); status != 401 || !strings.Contains(out["message"].(string), "session token") {
		t.Fatalf("login with a key that needs a session token: %d %v", status, out)
	}

	status, out, resp := b.login("AKIDALICE", "alice-secret")
	if status != 200 || out["authenticated"] != true || out["account"] != "111111111111" {
		t.Fatalf("login: %d %v", status, out)
	}
	c := cookie(resp, auth.SessionCookie)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.MaxAge != 3600 {
		t.Fatalf("session cookie %+v", c)
	}
	csrf := out["csrfToken"].(string)

	// API calls: the cookie counts only with the session's CSRF token.
	if status, out, _ := b.do(http.MethodPost, "/", "", "{}"); status != 403 || out["__type"] != "AccessDeniedException" {
		t.Fatalf("a call without a CSRF token: %d %v", status, out)
	}
	if status, out, _ := b.do(http.MethodPost, "/", "not-the-token", "{}"); status != 403 || out["__type"] != "AccessDeniedException" {
		t.Fatalf("a call with a wrong CSRF token: %d %v", status, out)
	}
	if status, out, _ := b.do(http.MethodPost, "/", csrf, "{}"); status != 200 || out["account"] != "111111111111" {
		t.Fatalf("a call with the CSRF token: %d %v", status, out)
	}
	// Another browser, without the cookie, gets AWS's answer to an unsigned call.
	if status, out, _ := s.browser(t).do(http.MethodPost, "/", csrf, "{}"); status != 400 || out["__type"] != "MissingAuthenticationTokenException" {
		t.Fatalf("a call without the cookie: %d %v", status, out)
	}

	// Logout needs the token too, and ends the session.
	if status, _, _ := b.do(http.MethodPost, "/auth/logout", "", ""); status != 403 {
		t.Fatalf("logout without a CSRF token: %d", status)
	}
	if status, out, _ := b.do(http.MethodPost, "/auth/logout", csrf, ""); status != 200 || out["authenticated"] != false {
		t.Fatalf("logout: %d %v", status, out)
	}
	if status, out, _ := b.do(http.MethodPost, "/", csrf, "{}"); status != 400 || out["__type"] != "MissingAuthenticationTokenException" {
		t.Fatalf("a call after logout: %d %v", status, out)
	}
}

func TestConsoleSessionsExpire(t *testing.T) {
	s := newConsoleServer(t, true, auth.SessionOptions{TTL: time.Hour, MaxSessions: 2})
	b := s.browser(t)
	status, out, resp := b.login("AKIDBOB", "bob-secret")
	if status != 200 {
		t.Fatalf("login: %d %v", status, out)
	}
	if c := cookie(resp, auth.SessionCookie); c == nil || !c.Secure {
		t.Fatalf("under TLS, the session cookie is Secure: %+v", c)
	}
	csrf := out["csrfToken"].(string)
	s.advance(59 * time.Minute)
	if status, _, _ := b.do(http.MethodPost, "/", csrf, "{}"); status != 200 {
		t.Fatalf("before the end: %d", status)
	}
	s.advance(time.Minute)
	if st := b.session(); st["authenticated"] != false {
		t.Fatalf("after the TTL: %v", st)
	}

	// At most MaxSessions at once: a new login ends the oldest.
	first, second, third := s.browser(t), s.browser(t), s.browser(t)
	for _, br := range []*browser{first, second, third} {
		if status, _, _ := br.login("AKIDALICE", "alice-secret"); status != 200 {
			t.Fatalf("login: %d", status)
		}
		s.advance(time.Second)
	}
	if first.session()["authenticated"] != false || second.session()["authenticated"] != true || third.session()["authenticated"] != true {
		t.Fatalf("the oldest session did not make room")
	}
}

func TestConsoleLoginFailuresAreLimited(t *testing.T) {
	s := newConsoleServer(t, false, auth.SessionOptions{})
	b := s.browser(t)
	for i := 0; i < 10; i++ {
		if status, _, _ := b.login("AKIDALICE", "guess"); status != 401 {
			t.Fatalf("failure %d: %d", i+1, status)
		}
	}
	if status, out, _ := b.login("AKIDALICE", "alice-secret"); status != 429 {
		t.Fatalf("the 11th try in a minute: %d %v", status, out)
	}
	s.advance(61 * time.Second)
	if status, _, _ := b.login("AKIDALICE", "alice-secret"); status != 200 {
		t.Fatalf("a minute later: %d", status)
	}
}

func TestNoSessionsWithoutAuthentication(t *testing.T) {
	var none *auth.Sessions
	srv := httptest.NewServer(none)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/auth/session")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out["required"] != false {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	resp, _ = http.Post(srv.URL+"/auth/login", "application/json", strings.NewReader("{}"))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("login without authentication: %d", resp.StatusCode)
	}
}
