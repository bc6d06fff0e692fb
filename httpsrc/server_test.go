package httpsrc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/faultproxy"
	"github.com/animetl/animetl/internal/ranged"
)

// fast are the reader options of the tests: small parts, so BigFile spans
// several, and short backoff, so retries take milliseconds.
var fast = ranged.Options{PartSize: 1 << 20, Policy: ranged.Policy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}}

// part is the part size of fast.
const part = 1 << 20

// mode is how a test server serves files.
type mode int

const (
	modeRanges      mode = iota // http.ServeContent: ranges, strong ETag, Last-Modified, If-Match
	modeWeakETag                // the same with a weak ETag
	modePlain                   // ignores Range; no ETag, no Accept-Ranges; chunked GETs; HEAD tells the size
	modeNoHead                  // 405 to HEAD; GETs as modeRanges
	modeUnknownSize             // HEAD without Content-Length; GETs as modeRanges
	modeLiar                    // HEAD advertises ranges, GETs ignore them
)

func (m mode) String() string {
	return [...]string{"Ranges", "WeakETag", "Plain", "NoHead", "UnknownSize", "Liar"}[m]
}

// modTime is the Last-Modified of every served file.
var modTime = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// seen is one request as the server saw it.
type seen struct {
	Method, Name, Range, IfMatch string
	Query                        url.Values
	User, Pass                   string
}

// fileServer serves files under /data/ and records the requests.
type fileServer struct {
	URL  string // the prefix URL, ending in /data/
	Root string // the server's root URL, for a proxy

	mu            sync.Mutex
	mode          mode
	ignoreIfMatch bool // serve whatever is there, whatever the client's conditions
	files         map[string][]byte
	versions      map[string]int
	reqs          []seen
	// hook, when set, may answer a request itself (returning true).
	hook func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newServer(t testing.TB, m mode, files map[string][]byte) *fileServer {
	s := &fileServer{mode: m, files: map[string][]byte{}, versions: map[string]int{}}
	for name, body := range files {
		s.put(name, body)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.Root, s.URL = srv.URL, srv.URL+"/data/"
	return s
}

// put stores a new version of name, with a new ETag.
func (s *fileServer) put(name string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = body
	s.versions[name]++
}

func (s *fileServer) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, name)
}

func (s *fileServer) setHook(h func(w http.ResponseWriter, r *http.Request, n int) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = h
}

// gets returns the GET requests of name seen so far.
func (s *fileServer) gets(name string) []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []seen
	for _, r := range s.reqs {
		if r.Method == http.MethodGet && r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

func (s *fileServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.URL.Path, "/data/")
	user, pass, _ := r.BasicAuth()
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{Method: r.Method, Name: name, Range: r.Header.Get("Range"),
		IfMatch: r.Header.Get("If-Match"), Query: r.URL.Query(), User: user, Pass: pass})
	n, hook := len(s.reqs), s.hook
	s.mu.Unlock()
	if hook != nil && hook(w, r, n) {
		return
	}
	s.serve(w, r)
}

// serve answers r as the server's mode says.
func (s *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/data/")
	s.mu.Lock()
	body, found := s.files[name]
	m := s.mode
	etag := fmt.Sprintf(`"v%d"`, s.versions[name])
	if m == modeWeakETag {
		etag = "W/" + etag
	}
	if s.ignoreIfMatch {
		r.Header.Del("If-Match")
		r.Header.Del("If-Unmodified-Since")
	}
	s.mu.Unlock()
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	switch {
	case m == modeNoHead && r.Method == http.MethodHead:
		http.Error(w, "no HEAD here", http.StatusMethodNotAllowed)
	case m == modeUnknownSize && r.Method == http.MethodHead:
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("ETag", etag)
	case m == modePlain && r.Method == http.MethodHead:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	case m == modeLiar && r.Method == http.MethodHead:
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	case m == modePlain || m == modeLiar:
		if m == modeLiar {
			w.Header().Set("ETag", etag)
		}
		writeChunked(w, body)
	default:
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, name, modTime, bytes.NewReader(body))
	}
}

// stall serves r normally, except that after n bytes of body it sends
// nothing more until the client gives up.
func (s *fileServer) stall(w http.ResponseWriter, r *http.Request, n int) {
	s.serve(&stallingWriter{ResponseWriter: w, ctx: r.Context(), left: n}, r)
}

type stallingWriter struct {
	http.ResponseWriter
	ctx  context.Context
	left int
}

func (w *stallingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.left {
		w.left -= len(p)
		return w.ResponseWriter.Write(p)
	}
	w.ResponseWriter.Write(p[:w.left])
	w.left = 0
	http.NewResponseController(w.ResponseWriter).Flush()
	<-w.ctx.Done()
	return 0, w.ctx.Err()
}

func (w *stallingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeChunked sends body without a Content-Length, flushing every 64 KiB.
func writeChunked(w http.ResponseWriter, body []byte) {
	w.WriteHeader(http.StatusOK)
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		http.NewResponseController(w).Flush()
		body = body[n:]
	}
}

// mustNew returns a source over rawURL or fails the test.
func mustNew(t testing.TB, rawURL string, opts httpsrc.Options) *httpsrc.Source {
	t.Helper()
	src, err := httpsrc.New(rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// readAll opens f and reads it whole.
func readAll(ctx context.Context, src *httpsrc.Source, f animetl.FileInfo) ([]byte, error) {
	rc, err := src.Open(ctx, f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// named is the FileInfo of a file no listing saw: Open asks the server
// about it first.
func named(name string) animetl.FileInfo { return animetl.FileInfo{Name: name, Size: -1} }

// fileOf returns name's FileInfo in listing, or named(name) when the
// listing lacks it (or there was none).
func fileOf(listing []animetl.FileInfo, name string) animetl.FileInfo {
	for _, f := range listing {
		if f.Name == name {
			return f
		}
	}
	return named(name)
}

// rangeTo matches the GETs of name whose Range ends at byte last: the
// first request for a part and every resumption of it.
func rangeTo(name string, last int64) func(*http.Request) bool {
	gets := faultproxy.GetsOf(name)
	suffix := fmt.Sprintf("-%d", last)
	return func(r *http.Request) bool { return gets(r) && strings.HasSuffix(r.Header.Get("Range"), suffix) }
}

// heads matches the HEAD requests of name.
func heads(name string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodHead && strings.HasSuffix(r.URL.Path, "/"+name)
	}
}

// burst is 9 consecutive failures of every kind: the most the default
// MaxAttempts (10) survives on one range.
var burst = []faultproxy.Fault{
	{Kind: faultproxy.SlowDown}, {Kind: faultproxy.Reset, After: 1000}, {Kind: faultproxy.Internal},
	{Kind: faultproxy.Truncate, After: 5000}, {Kind: faultproxy.Drop}, {Kind: faultproxy.SlowDown},
	{Kind: faultproxy.Reset}, {Kind: faultproxy.Internal}, {Kind: faultproxy.Truncate, After: 10},
}

// httpsrcOptions are the source options of most tests.
func httpsrcOptions() httpsrc.Options { return httpsrc.Options{Ranged: fast} }
