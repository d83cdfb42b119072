package main

import (
	"crypto/tls"
	"flag"
	"net"
	"net/http"
	"time"

	"github.com/stepd/stepd/auth"
	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/config"
)

var _ awsapi.Refusal = (*auth.Error)(nil)

// serverFlags are stepd serve's flags about who may call it and how its
// connections are bounded.
type serverFlags struct {
	auth           *string
	allowedHosts   listFlag
	insecureNoAuth *bool
	tlsCert        *string
	tlsKey         *string
	readTimeout    *time.Duration
	writeTimeout   *time.Duration
	idleTimeout    *time.Duration
}

func addServerFlags(fs *flag.FlagSet) *serverFlags {
	f := &serverFlags{
		auth: fs.String("auth", "none",
			"authentication: none, or sigv4 (AWS Signature Version 4 against auth.credentials of the config file)"),
		insecureNoAuth: fs.Bool("insecure-no-auth", false,
			"allow --addr beyond loopback without authentication (something in front of stepd must keep others out)"),
		tlsCert:      fs.String("tls-cert", "", "serve HTTPS with this certificate `file` (PEM; with --tls-key)"),
		tlsKey:       fs.String("tls-key", "", "the private key `file` of --tls-cert (PEM)"),
		readTimeout:  fs.Duration("read-timeout", awsapi.DefaultBodyTimeout, "how long a request's body may take to arrive"),
		writeTimeout: fs.Duration("write-timeout", awsapi.DefaultAnswerTimeout, "how long a call may take to answer, beyond GetActivityTask's 60 s poll and StartSyncExecution's 5 minutes"),
		idleTimeout:  fs.Duration("idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open"),
	}
	fs.Var(&f.allowedHosts, "allowed-host", "without authentication, also answer requests for this host `name` (repeatable, or comma-separated; * for any host)")
	return f
}

// access is who may call a server: with authentication, the key pairs (for
// SigV4 and console logins); without, the hosts it answers for.
type access struct {
	authn    *auth.Authenticator // nil without authentication
	sessions *auth.Sessions      // nil without authentication
	hosts    *auth.Hosts         // nil with authentication
}

// access checks the flags and the configuration's credentials.
func (f *serverFlags) access(cfg *config.Config, region string) (*access, error) {
	switch *f.auth {
	case "none", "":
		if len(cfg.Auth.Credentials) > 0 {
			return nil, usageErr("the config file has auth.credentials, but --auth is none: give --auth sigv4 to use them")
		}
		hosts, err := auth.NewHosts(f.allowedHosts)
		if err != nil {
			return nil, usageErr("--allowed-host: %v", err)
		}
		return &access{hosts: hosts}, nil
	case "sigv4":
		if len(f.allowedHosts) > 0 {
			return nil, usageErr("--allowed-host applies without authentication only: with --auth sigv4, every host is answered and every call is verified")
		}
		creds := make([]auth.Credential, len(cfg.Auth.Credentials))
		for i, c := range cfg.Auth.Credentials {
			creds[i] = auth.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Account: c.Account}
		}
		if len(creds) == 0 {
			return nil, usageErr("--auth sigv4 needs key pairs: list them under auth.credentials in the config file (--config), each with access_key_id, secret_access_key and account")
		}
		v, err := auth.NewVerifier(creds, region, "states", nil)
		if err != nil {
			return nil, usageErr("config: auth.credentials: %v", err)
		}
		sessions := auth.NewSessions(v, auth.SessionOptions{TTL: time.Duration(cfg.Auth.SessionTTL)})
		return &access{authn: &auth.Authenticator{Verifier: v, Sessions: sessions}, sessions: sessions}, nil
	}
	return nil, usageErr("--auth: %q is neither none nor sigv4", *f.auth)
}

// options sets the API handler's side of the access and the timeouts.
func (a *access) options(o *awsapi.Options, f *serverFlags) {
	if a.authn != nil {
		o.Authenticate = a.authn.Authenticate
	} else {
		o.Admit = a.hosts.Check
	}
	o.BodyTimeout, o.AnswerTimeout = *f.readTimeout, *f.writeTimeout
}

// pages guards what is not the API (the console, the session endpoints):
// without authentication, a request for another host than this machine gets
// a plain 421.
func (a *access) pages(next http.Handler) http.Handler {
	if a.hosts == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.hosts.Allows(r.Host) {
			http.Error(w, "421 misdirected request: "+auth.HostRefusal(r.Host), http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// listen opens the server's socket. Without authentication, it refuses an
// address beyond loopback unless --insecure-no-auth says so, since anyone
// who reaches the port could then drive the API.
func (f *serverFlags) listen(addr string, a *access) (net.Listener, error) {
	if (*f.tlsCert == "") != (*f.tlsKey == "") {
		return nil, usageErr("--tls-cert and --tls-key go together")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	if a.authn == nil && !*f.insecureNoAuth && (tcp == nil || !tcp.IP.IsLoopback()) {
		ln.Close()
		return nil, usageErr("refusing to listen on %s (--addr %s) without authentication: it is reachable beyond this machine, "+
			"and anyone who can reach it could drive the API, run its definitions and read their data. "+
			"Use --auth sigv4 (with auth.credentials in the config file), keep --addr on 127.0.0.1, "+
			"or give --insecure-no-auth if something in front of stepd already keeps others out (a firewall, a private network); see docs/security.md",
			ln.Addr(), addr)
	}
	return ln, nil
}

// server is the HTTP server: headers within 10 s, a read deadline on every
// request's body (the API lifts it once the body is in, for long polls),
// answers within --write-timeout (the API extends it per action), idle
// connections closed after --idle-timeout. ReadTimeout and WriteTimeout are
// per request rather than the server's own, which would cut long polls and
// end their contexts.
func (f *serverFlags) server(h http.Handler) (*http.Server, error) {
	read, write := *f.readTimeout, *f.writeTimeout
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			now := time.Now()
			_ = rc.SetReadDeadline(now.Add(read))
			_ = rc.SetWriteDeadline(now.Add(write))
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       *f.idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	if *f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*f.tlsCert, *f.tlsKey)
		if err != nil {
			return nil, usageErr("--tls-cert, --tls-key: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return srv, nil
}

// serve serves HTTP, or HTTPS with --tls-cert.
func (f *serverFlags) serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// scheme is the URL scheme the server answers on.
func (f *serverFlags) scheme() string {
	if *f.tlsCert != "" {
		return "https"
	}
	return "http"
}

// describe says who may call the server, for the start-up log line.
func (a *access) describe() string {
	if a.authn != nil {
		return "sigv4"
	}
	return "none (loopback hosts and --allowed-host only)"
}
