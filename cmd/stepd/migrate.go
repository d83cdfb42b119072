package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/postgres"
	"github.com/stepd/stepd/store/sqlite"
)

// storeFlags choose and tune the durable store: SQLite in a directory (the
// default) or a PostgreSQL database that several nodes share.
type storeFlags struct {
	url      *string
	schema   *string
	maxConns *int
	minConns *int
	node     *string
	lease    *time.Duration
}

// addStoreFlags registers the store's flags on fs.
func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	return &storeFlags{
		url: fs.String("store", "sqlite",
			"durable store: sqlite (in --data) or a PostgreSQL `URL` postgres://user:password@host:5432/db?sslmode=..."),
		schema:   fs.String("pg-schema", "", "PostgreSQL `schema` for stepd's tables, created if missing (default: the connection's search_path)"),
		maxConns: fs.Int("pg-max-conns", 0, "most PostgreSQL connections this node opens (default max(4, CPUs))"),
		minConns: fs.Int("pg-min-conns", 0, "PostgreSQL connections kept open"),
		node: fs.String("node", "",
			"this node's `name` among those sharing a PostgreSQL store; keep it across restarts (default: host name and port)"),
		lease: fs.Duration("lease", 30*time.Second,
			"how long a node's claims last unrenewed: a dead node's work moves to others after this"),
	}
}

// postgresURL reports whether u names a PostgreSQL database.
func postgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// open opens (and migrates) the durable store, and says where it is.
func (f *storeFlags) open(ctx context.Context, dataDir, syncMode string) (store.Store, string, error) {
	switch u := *f.url; {
	case u == "" || u == "sqlite":
		path := filepath.Join(dataDir, "stepd.db")
		s, err := sqlite.Open(path, sqlite.Options{Synchronous: syncMode})
		return s, path, err
	case postgresURL(u):
		s, err := postgres.Open(ctx, u, postgres.Options{Schema: *f.schema, MaxConns: int32(*f.maxConns), MinConns: int32(*f.minConns)})
		return s, redactURL(u), err
	default:
		return nil, "", usageErr("--store: %q is neither sqlite nor a postgres:// URL", u)
	}
}

// nodeName is the node's name: --node, or for a shared store the host name
// and the port it serves on (stable across restarts); "local" for SQLite,
// which one node owns.
func (f *storeFlags) nodeName(addr string) string {
	if *f.node != "" {
		return *f.node
	}
	if !postgresURL(*f.url) {
		return "local"
	}
	host, _ := os.Hostname()
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return host + ":" + port
	}
	return host + ":" + addr
}

// redactURL hides a URL's password for logs.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":xxx" + u[at:]
	}
	return u
}

// migrateCommand is "stepd migrate": apply the store's migrations and exit
// (serve applies them too; this lets an operator do it first, alone).
func migrateCommand(ctx context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd migrate", "stepd migrate [--store sqlite|postgres://...] [--data DIR]\n\nApply the durable store's schema migrations, then exit.", io)
	dataDir := fs.String("data", "stepd-data", "`directory` of the SQLite database")
	sf := addStoreFlags(fs.FlagSet)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	s, where, err := sf.open(ctx, *dataDir, "FULL")
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(io.out, "stepd migrate: the schema of", where, "is up to date")
	return nil
}

// health answers the health and readiness probes and /metrics: /healthz is 200 while the
// process serves; /readyz is 200 while the node takes work and its store
// answers, 503 otherwise (starting, stopping, database away).
type health struct {
	store   store.Store
	metrics http.Handler // /metrics; nil: none
	ready   atomic.Bool
}

// serve answers r if it is a probe, and reports whether it was.
func (h *health) serve(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/metrics":
		if h.metrics == nil {
			return false
		}
		h.metrics.ServeHTTP(w, r)
		return true
	case "/healthz":
		fmt.Fprintln(w, "ok")
		return true
	case "/readyz":
		if !h.ready.Load() {
			http.Error(w, "not ready: starting or stopping", http.StatusServiceUnavailable)
			return true
		}
		if p, ok := h.store.(interface{ Ping(context.Context) error }); ok {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := p.Ping(ctx); err != nil {
				http.Error(w, "not ready: the store does not answer", http.StatusServiceUnavailable)
				return true
			}
		}
		fmt.Fprintln(w, "ready")
		return true
	}
	return false
}
