package console

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func testHandler() *Handler {
	return newHandler(fstest.MapFS{
		"index.html":         {Data: []byte(`<!doctype html><script type="module" src="/assets/app-X.js"></script>`)},
		"assets/app-X.js":    {Data: []byte(strings.Repeat("console.log(1);", 200))},
		"assets/app-X.css":   {Data: []byte("body{}")},
		"assets/elk-Y.js":    {Data: []byte("self.onmessage=null")},
		"assets/chunk-Z.js":  {Data: []byte("export{}")},
		"assets/sub/deep.js": {Data: []byte("export{}")},
	})
}

func TestServe(t *testing.T) {
	t.Parallel()
	h := testHandler()
	for _, tc := range []struct {
		name, method, path string
		status             int
		ctype, cache, body string
	}{
		{"root is the application", "GET", "/", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"an application path is the application", "GET", "/executions/arn%3Aaws%3Astates%3Aus-east-1%3A1%3Aexecution%3Am%3Ae", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"a task link is the application", "GET", "/task?taskToken=abc", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"a script", "GET", "/assets/app-X.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1);"},
		{"a style sheet", "GET", "/assets/app-X.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}"},
		{"a nested asset", "GET", "/assets/sub/deep.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "export{}"},
		{"HEAD", "HEAD", "/", 200, "text/html; charset=utf-8", "no-cache", ""},
		{"a missing asset is not the application", "GET", "/assets/app-OLD.js", 404, "", "", "404"},
		{"a missing file is not the application", "GET", "/favicon.ico", 404, "", "", "404"},
		{"POST is refused", "POST", "/", 405, "", "", "405"},
		{"DELETE is refused", "DELETE", "/assets/app-X.js", 405, "", "", "405"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tc.status, body)
			}
			if tc.ctype != "" && res.Header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tc.ctype)
			}
			if tc.cache != "" && res.Header.Get("Cache-Control") != tc.cache {
				t.Errorf("Cache-Control %q, want %q", res.Header.Get("Cache-Control"), tc.cache)
			}
			if !strings.Contains(string(body), tc.body) {
				t.Errorf("body %.80q does not contain %q", body, tc.body)
			}
			for k := range securityHeaders {
				if res.Header.Get(k) == "" {
					t.Errorf("no %s header", k)
				}
			}
		})
	}
}

func TestRevalidateAndGzip(t *testing.T) {
	t.Parallel()
	h := testHandler()
	get := func(path string, hdr map[string]string) *http.Response {
		req := httptest.NewRequest("GET", path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	first := get("/assets/app-X.js", nil)
	etag := first.Header.Get("ETag")
	if etag == "" || first.Header.Get("Content-Encoding") != "" {
		t.Fatalf("first answer: ETag %q, Content-Encoding %q", etag, first.Header.Get("Content-Encoding"))
	}
	if again := get("/assets/app-X.js", map[string]string{"If-None-Match": etag}); again.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", again.StatusCode)
	}

	gz := get("/assets/app-X.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag {
		t.Fatalf("gzip answer: Content-Encoding %q, ETag %q", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != strings.Repeat("console.log(1);", 200) {
		t.Fatalf("gunzipped body differs")
	}
	if no := get("/assets/app-X.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); no.Header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip;q=0 was gzipped")
	}
	// Small files are not worth compressing.
	if small := get("/assets/app-X.css", map[string]string{"Accept-Encoding": "gzip"}); small.Header.Get("Content-Encoding") != "" {
		t.Fatalf("a small file was gzipped")
	}
}

// The embedded build has an index.html whose scripts and styles all exist.
func TestEmbeddedBuild(t *testing.T) {
	t.Parallel()
	h := New()
	if h.index == nil {
		t.Fatal("dist has no index.html: run make console-build")
	}
	body, _ := h.index.content()
	html := string(body)
	refs := 0
	for _, part := range strings.Split(html, `"`) {
		if !strings.HasPrefix(part, assetPrefix) {
			continue
		}
		refs++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", part, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("index.html refers to %s, which answers %d", part, rec.Code)
		}
	}
	if refs < 3 {
		t.Fatalf("index.html refers to %d assets, want the script, the style sheet and the layout worker:\n%s", refs, html)
	}
}
