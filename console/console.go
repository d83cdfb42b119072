package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// Handler serves the console: index.html for every application path (the
// application routes in the browser) and the files under /assets/. It answers
// only GET and HEAD (405 otherwise). It is safe for concurrent use.
//
// Assets have content-hashed names and are cached for a year; index.html is
// revalidated on every load (by ETag). Responses are gzipped for clients that
// accept it. Every response forbids framing and sends no Referer, since an
// approval page's URL carries a task token.
type Handler struct {
	files map[string]*file
	index *file
}

// file is one embedded file. Its content (read from the embedded build,
// which copies it), entity tag and gzipped form are made on first use:
// reading, hashing and compressing 2 MB of assets at start cost a cold start
// 3 to 7 ms for a page that may never be loaded.
type file struct {
	fsys  fs.FS
	name  string
	ctype string
	cache string

	loadOnce sync.Once
	body     []byte
	etag     string
	gzipOnce sync.Once
	gz       []byte
}

// assetPrefix is the URL path under which the built assets are served.
const assetPrefix = "/assets/"

// New returns a Handler serving the embedded build.
func New() *Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return newHandler(sub)
}

// newHandler serves the files of fsys, which holds index.html and assets/.
func newHandler(fsys fs.FS) *Handler {
	h := &Handler{files: map[string]*file{}}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f := &file{fsys: fsys, name: p, ctype: contentType(p), cache: "public, max-age=31536000, immutable"}
		if p == "index.html" {
			f.cache = "no-cache"
			h.index = f
		}
		h.files["/"+p] = f
		return nil
	})
	return h
}

// securityHeaders are sent with every answer. The application loads only its
// own scripts and styles, talks only to its own origin, and runs the graph
// layout in a worker of its own.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f := h.files[r.URL.Path]
	switch {
	case f != nil && f != h.index:
	case strings.HasPrefix(r.URL.Path, assetPrefix) || path.Ext(r.URL.Path) != "":
		// A missing file is a 404, not the application: a stale script
		// name must fail loudly rather than load HTML as JavaScript.
		http.NotFound(w, r)
		return
	case h.index == nil:
		http.Error(w, "the console was built without index.html", http.StatusInternalServerError)
		return
	default:
		f = h.index
	}
	f.serve(w, r)
}

func (f *file) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	hdr.Add("Vary", "Accept-Encoding")
	body, etag := f.content()
	if len(body) > 1024 && acceptsGzip(r) {
		// Another representation, so another entity tag.
		body, etag = f.gzipped(), strings.TrimSuffix(etag, `"`)+`-gz"`
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	// ServeContent answers conditional requests (If-None-Match); embedded
	// files have no modification time.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

// content is the file's bytes and its ETag, a hash of them. A file that
// cannot be read (the build is embedded, so it always can) serves empty.
func (f *file) content() ([]byte, string) {
	f.loadOnce.Do(func() {
		f.body, _ = fs.ReadFile(f.fsys, f.name)
		sum := sha256.Sum256(f.body)
		f.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	})
	return f.body, f.etag
}

// contentTypes are the types of what the console's build holds. They are
// stepd's own rather than the system's MIME database, which differs between
// machines and costs a cold start milliseconds to read.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

// contentType is the Content-Type of the file at p.
func contentType(p string) string {
	if t, ok := contentTypes[path.Ext(p)]; ok {
		return t
	}
	return "application/octet-stream"
}

func (f *file) gzipped() []byte {
	f.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		body, _ := f.content()
		_, _ = zw.Write(body)
		_ = zw.Close()
		f.gz = b.Bytes()
	})
	return f.gz
}

// acceptsGzip reports whether the request's Accept-Encoding admits gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
