package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// The cookies and the header of console sessions.
const (
	// SessionCookie carries a console session's ID: HttpOnly, SameSite=Strict,
	// Secure under TLS.
	SessionCookie = "stepd_session"
	// CSRFHeader carries the session's CSRF token on every console POST; the
	// console reads the token from GET /auth/session, which a page of another
	// origin cannot read.
	CSRFHeader = "X-CSRF-Token"
	// loginCookie carries the CSRF token of the login form, before there is a
	// session.
	loginCookie = "stepd_login"
)

// Defaults of SessionOptions.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultMaxSessions = 10000
	// loginFailures is how many failed logins a client address may make per
	// loginWindow; more are answered 429 until the window ends.
	loginFailures = 10
	loginWindow   = time.Minute
)

// SessionOptions configure Sessions.
type SessionOptions struct {
	// TTL is how long a session lasts after its login (default
	// DefaultSessionTTL); it does not grow with use.
	TTL time.Duration
	// MaxSessions bounds the sessions kept at once (default
	// DefaultMaxSessions); a login beyond it ends the session closest to its
	// end.
	MaxSessions int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Sessions keeps the web console's logins, in memory: a person logs in with
// an access key ID and its secret access key (the same credentials as the
// API's), gets a session cookie, and the console's API calls are then
// authenticated by the cookie together with the session's CSRF token in the
// X-CSRF-Token header. Sessions end at their TTL, at logout, and when the
// process stops; each node keeps its own. It is safe for concurrent use.
//
// As an http.Handler it serves, under /auth/:
//
//	GET  /auth/session  {"required", "authenticated", "account", "accessKeyId", "expires", "csrfToken"}
//	POST /auth/login    {"accessKeyId", "secretAccessKey"}, with the login form's X-CSRF-Token
//	POST /auth/logout   with the session's X-CSRF-Token
//
// A nil *Sessions serves a server without authentication: /auth/session
// answers {"required": false}, login and logout are 404.
type Sessions struct {
	verifier *Verifier
	ttl      time.Duration
	max      int
	now      func() time.Time

	mu       sync.Mutex
	byID     map[[sha256.Size]byte]*session // by the SHA-256 of the cookie's value
	failures map[string]*failures           // by client address
}

type session struct {
	account     string
	accessKeyID string
	csrf        string
	expires     time.Time
}

type failures struct {
	n     int
	since time.Time
}

// NewSessions returns Sessions whose logins check the verifier's credentials.
func NewSessions(v *Verifier, opts SessionOptions) *Sessions {
	if opts.TTL <= 0 {
		opts.TTL = DefaultSessionTTL
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sessions{verifier: v, ttl: opts.TTL, max: opts.MaxSessions, now: opts.Now,
		byID: map[[sha256.Size]byte]*session{}, failures: map[string]*failures{}}
}

// sessionState is what GET /auth/session, login and logout answer.
type sessionState struct {
	Required      bool   `json:"required"`
	Authenticated bool   `json:"authenticated"`
	Account       string `json:"account,omitempty"`
	AccessKeyID   string `json:"accessKeyId,omitempty"`
	Expires       int64  `json:"expires,omitempty"` // Unix seconds
	CSRFToken     string `json:"csrfToken,omitempty"`
}

// Match reports whether a request is for the session endpoints (/auth/...).
func Match(r *http.Request) bool {
	return len(r.URL.Path) >= 6 && r.URL.Path[:6] == "/auth/"
}

// ServeHTTP serves the session endpoints.
func (s *Sessions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	route := r.Method + " " + r.URL.Path
	if s == nil {
		if route == "GET /auth/session" || route == "HEAD /auth/session" {
			writeJSON(w, http.StatusOK, sessionState{Required: false})
			return
		}
		http.NotFound(w, r)
		return
	}
	switch route {
	case "GET /auth/session", "HEAD /auth/session":
		s.state(w, r)
	case "POST /auth/login":
		s.login(w, r)
	case "POST /auth/logout":
		s.logout(w, r)
	default:
		switch r.URL.Path {
		case "/auth/session":
			w.Header().Set("Allow", "GET, HEAD")
		case "/auth/login", "/auth/logout":
			w.Header().Set("Allow", "POST")
		default:
			http.NotFound(w, r)
			return
		}
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	}
}

// state answers the session of the request, or the login form's CSRF token
// when it has none.
func (s *Sessions) state(w http.ResponseWriter, r *http.Request) {
	if sess := s.session(r); sess != nil {
		writeJSON(w, http.StatusOK, s.stateOf(sess))
		return
	}
	writeJSON(w, http.StatusOK, sessionState{Required: true, CSRFToken: s.loginToken(w, r)})
}

func (s *Sessions) stateOf(sess *session) sessionState {
	return sessionState{Required: true, Authenticated: true, Account: sess.account, AccessKeyID: sess.accessKeyID,
		Expires: sess.expires.Unix(), CSRFToken: sess.csrf}
}

// loginToken returns the login form's CSRF token, setting its cookie when the
// request has none.
func (s *Sessions) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/auth/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return token
}

type loginInput struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

func (s *Sessions) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.Header.Get(CSRFHeader), c.Value) {
		writeError(w, &Error{Status: http.StatusForbidden, Code: CodeAccessDenied,
			Message: "The login carries no valid CSRF token (" + CSRFHeader + "): load the login page again"})
		return
	}
	client := clientAddr(r)
	if !s.mayTry(client) {
		writeError(w, &Error{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException",
			Message: "Too many failed logins from this address: wait a minute"})
		return
	}
	var in loginInput
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<10)).Decode(&in); err != nil {
		writeError(w, &Error{Status: http.StatusBadRequest, Code: "SerializationException",
			Message: "The login is a JSON object {\"accessKeyId\", \"secretAccessKey\"}"})
		return
	}
	cred, known := s.verifier.Lookup(in.AccessKeyID)
	secret := cred.SecretAccessKey
	if !known {
		secret = "\x00 no such key: compared anyway, so that timing does not tell"
	}
	if !sameToken(in.SecretAccessKey, secret) || !known || cred.SessionToken != "" {
		s.failed(client)
		msg := "The access key ID or the secret access key is wrong"
		if known && cred.SessionToken != "" && sameToken(in.SecretAccessKey, secret) {
			msg = "This key needs a session token, which the console cannot send: log in with a key without one"
		}
		writeError(w, &Error{Status: http.StatusUnauthorized, Code: "LoginFailed", Message: msg})
		return
	}
	id := randomToken()
	sess := &session{account: cred.Account, accessKeyID: cred.AccessKeyID, csrf: randomToken(), expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	s.evict()
	s.byID[sha256.Sum256([]byte(id))] = sess
	delete(s.failures, client)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(s.ttl / time.Second)})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, s.stateOf(sess))
}

func (s *Sessions) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(SessionCookie)
	if err == nil {
		key := sha256.Sum256([]byte(c.Value))
		s.mu.Lock()
		sess := s.byID[key]
		if sess != nil && !sameToken(r.Header.Get(CSRFHeader), sess.csrf) {
			s.mu.Unlock()
			writeError(w, &Error{Status: http.StatusForbidden, Code: CodeAccessDenied,
				Message: "The logout carries no valid CSRF token (" + CSRFHeader + ")"})
			return
		}
		delete(s.byID, key)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, sessionState{Required: true, CSRFToken: s.loginToken(w, r)})
}

// session returns the live session of a request's cookie, or nil.
func (s *Sessions) session(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	key := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.byID[key]
	if sess == nil {
		return nil
	}
	if !s.now().Before(sess.expires) {
		delete(s.byID, key)
		return nil
	}
	return sess
}

// Authenticate returns the account of a console API call: its session
// cookie names a live session and its X-CSRF-Token header carries that
// session's token. ok is false when the request has no live session (it is
// then for SigV4 to decide); err refuses a session call without the right
// token, with AccessDeniedException (HTTP 403).
func (s *Sessions) Authenticate(r *http.Request) (account string, ok bool, err error) {
	if s == nil {
		return "", false, nil
	}
	sess := s.session(r)
	if sess == nil {
		return "", false, nil
	}
	if !sameToken(r.Header.Get(CSRFHeader), sess.csrf) {
		return "", true, &Error{Status: http.StatusForbidden, Code: CodeAccessDenied,
			Message: "A console call must carry its session's CSRF token in the " + CSRFHeader + " header"}
	}
	return sess.account, true, nil
}

// evict makes room for one more session: expired ones go first, then the
// one closest to its end. s.mu is held.
func (s *Sessions) evict() {
	if len(s.byID) < s.max {
		return
	}
	now := s.now()
	var first [sha256.Size]byte
	var firstEnd time.Time
	for k, sess := range s.byID {
		if !now.Before(sess.expires) {
			delete(s.byID, k)
			continue
		}
		if firstEnd.IsZero() || sess.expires.Before(firstEnd) {
			first, firstEnd = k, sess.expires
		}
	}
	if len(s.byID) >= s.max {
		delete(s.byID, first)
	}
}

// mayTry reports whether a client address may try to log in.
func (s *Sessions) mayTry(client string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[client]
	if f == nil || s.now().Sub(f.since) > loginWindow {
		return true
	}
	return f.n < loginFailures
}

// failed counts a failed login of a client address.
func (s *Sessions) failed(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.failures) > 10000 {
		for k, f := range s.failures {
			if now.Sub(f.since) > loginWindow {
				delete(s.failures, k)
			}
		}
	}
	f := s.failures[client]
	if f == nil || now.Sub(f.since) > loginWindow {
		f = &failures{since: now}
		s.failures[client] = f
	}
	f.n++
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomToken returns 32 random bytes in base64url (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Status, struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
}
