package serve_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/serve"
)

func errorOf(t *testing.T, r response) map[string]any {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok || e["code"] == "" || e["message"] == "" {
		t.Fatalf("not an error body: %s", r.body)
	}
	if !strings.HasPrefix(r.h.Get("Content-Type"), "application/json") {
		t.Errorf("error Content-Type %q", r.h.Get("Content-Type"))
	}
	return e
}

// emptyServer serves a DuckDB path where nothing is published yet.
func emptyServer(t *testing.T, opts serve.Options) serve.Options {
	r, err := duckdb.OpenReader(duckdb.Options{Path: filepath.Join(t.TempDir(), "none.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	opts.Publication = r
	return opts
}

func TestBadParametersAre400NamingTheParameter(t *testing.T) {
	ts := newServer(t, emptyServer(t, serve.Options{}))
	for _, c := range []struct{ path, param string }{
		{"/api/v1/top-rated?limit=abc", "limit"},
		{"/api/v1/top-rated?limit=0", "limit"},
		{"/api/v1/top-rated?min_ratings=-1", "min_ratings"},
		{"/api/v1/top-rated?limit=1&limit=2", "limit"},
		{"/api/v1/most-watched?format=xml", "format"},
		{"/api/v1/most-watched?genre=" + strings.Repeat("x", 101), "genre"},
		{"/api/v1/most-watched?limt=5", "limt"},
		{"/api/v1/search", "q"},
		{"/api/v1/search?q=%00", "q"},
		{"/api/v1/anime/abc", "id"},
		{"/api/v1/anime/99999999999", "id"},
		{"/api/v1/runs?limit=-3", "limit"},
		{"/api/v1/runs/x%27%3B%20drop", "run_id"},
		{"/api/v1/runs/r1/rejects?offset=-1", "offset"},
		{"/api/v1/freshness?x=1", "x"},
		{"/api/v1/top-rated?limit=1;", "query"},
		{"/api/v1/top-rated?%zz=1", "query"},
	} {
		r := get(t, ts, c.path)
		if r.code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", c.path, r.code)
			continue
		}
		if e := errorOf(t, r); e["param"] != c.param || e["code"] != "bad_parameter" {
			t.Errorf("%s: error %v, want param %s", c.path, e, c.param)
		}
	}
}

func TestNothingPublished(t *testing.T) {
	ts := newServer(t, emptyServer(t, serve.Options{}))
	for _, p := range []string{"/readyz", "/api/v1/top-rated", "/api/v1/anime/1", "/api/v1/runs"} {
		r := get(t, ts, p)
		if r.code != http.StatusServiceUnavailable || r.h.Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 503 with Retry-After", p, r.code, r.h.Get("Retry-After"))
		}
		if e := errorOf(t, r); e["code"] != "not_published" {
			t.Errorf("%s: %v", p, e)
		}
	}
	if r := get(t, ts, "/healthz"); r.code != http.StatusOK {
		t.Errorf("healthz %d", r.code)
	}
	if f := get(t, ts, "/api/v1/freshness").json(t); f["status"] != "none" {
		t.Errorf("freshness %v", f)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	for _, e := range engines(t)[:1] {
		wh, openPub, _ := e.open(t)
		published(t, wh)
		ts := newServer(t, serve.Options{Publication: openPub(t, "")})
		for _, p := range []string{"/nope", "/api/v2/top-rated", "/api/v1/anime/999999999", "/api/v1/runs/20990101T000000Z-abcdef",
			"/api/v1/runs/20990101T000000Z-abcdef/rejects"} {
			r := get(t, ts, p)
			if r.code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, r.code)
				continue
			}
			if e := errorOf(t, r); e["code"] != "not_found" {
				t.Errorf("%s: %v", p, e)
			}
		}
		res, err := ts.Client().Post(ts.URL+"/api/v1/top-rated", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d", res.StatusCode)
		}
	}
}

func TestSecurityHeadersAndGzip(t *testing.T) {
	ts := newServer(t, emptyServer(t, serve.Options{}))
	r := get(t, ts, "/nope")
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
	} {
		if r.h.Get(h) != want {
			t.Errorf("%s: %q, want %q", h, r.h.Get(h), want)
		}
	}
	csp := r.h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	// /metrics is large enough to be compressed.
	m := get(t, ts, "/metrics", "Accept-Encoding", "gzip")
	if m.h.Get("Content-Encoding") != "gzip" {
		t.Errorf("metrics Content-Encoding %q", m.h.Get("Content-Encoding"))
	}
}

func TestTokenAuth(t *testing.T) {
	ts := newServer(t, emptyServer(t, serve.Options{Token: "s3cret-token"}))
	if r := get(t, ts, "/healthz"); r.code != http.StatusOK {
		t.Errorf("healthz without token: %d", r.code)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret-token-and-more", "Basic s3cret-token", "s3cret-token"} {
		for _, p := range []string{"/api/v1/top-rated", "/metrics", "/readyz", "/nope"} {
			r := get(t, ts, p, "Authorization", auth)
			if r.code != http.StatusUnauthorized || r.h.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %q: %d", p, auth, r.code)
			}
		}
	}
	// With the token the request passes authentication (and finds nothing
	// published).
	if r := get(t, ts, "/api/v1/top-rated", "Authorization", "Bearer s3cret-token"); r.code != http.StatusServiceUnavailable {
		t.Errorf("with the token: %d", r.code)
	}
}

func TestCheckExposure(t *testing.T) {
	for _, c := range []struct {
		addr          string
		token, public bool
		ok            bool
	}{
		{"127.0.0.1:8080", false, false, true},
		{"localhost:8080", false, false, true},
		{"[::1]:8080", false, false, true},
		{"0.0.0.0:8080", false, false, false},
		{":8080", false, false, false},
		{"192.168.1.5:8080", false, false, false},
		{"0.0.0.0:8080", true, false, true},
		{"0.0.0.0:8080", false, true, true},
		{"nonsense", true, true, false},
	} {
		if err := serve.CheckExposure(c.addr, c.token, c.public); (err == nil) != c.ok {
			t.Errorf("%s token=%v public=%v: %v", c.addr, c.token, c.public, err)
		}
	}
}

// TestGzipFromTheSecondAsking: an answer is sent plain the first time it is
// asked (most per-user answers are asked once) and gzipped from the second
// time on; the stylesheet, which every browser asks for, from the first.
func TestGzipFromTheSecondAsking(t *testing.T) {
	wh, openPub, _ := openDuck(t)
	published(t, wh)
	ts := newServer(t, serve.Options{Publication: openPub(t, "")})
	const path = "/api/v1/most-watched?limit=100" // well over gzipMin
	for i, want := range []string{"", "gzip", "gzip"} {
		if r := get(t, ts, path, "Accept-Encoding", "gzip"); r.code != http.StatusOK || r.h.Get("Content-Encoding") != want {
			t.Errorf("asking %d: %d, Content-Encoding %q, want %q", i+1, r.code, r.h.Get("Content-Encoding"), want)
		}
	}
	home := get(t, ts, "/", "Accept-Encoding", "identity")
	css := regexp.MustCompile(`/static/app\.[0-9a-f]+\.css`).FindString(string(home.body))
	if css == "" {
		t.Fatal("the home page links no stylesheet")
	}
	if r := get(t, ts, css, "Accept-Encoding", "gzip"); r.h.Get("Content-Encoding") != "gzip" {
		t.Errorf("stylesheet: Content-Encoding %q, want gzip", r.h.Get("Content-Encoding"))
	}
}
