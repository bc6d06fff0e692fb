// Package faultproxy is an HTTP reverse proxy for tests that injects the
// faults real object stores and web servers produce: throttling (503
// SlowDown), server errors, a connection reset in the middle of a body, a
// body cut short of its Content-Length, and a connection dropped before any
// answer. Faults are queued for the requests a predicate matches and used up
// in order; other requests pass through untouched.
package faultproxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Kind is a fault.
type Kind string

// The faults.
const (
	SlowDown Kind = "slowdown" // 503 with an S3 SlowDown error body
	Internal Kind = "internal" // 500 with an S3 InternalError body
	Reset    Kind = "reset"    // the connection is reset mid-body, after After bytes
	Truncate Kind = "truncate" // the body ends cleanly after After bytes, short of its length
	Drop     Kind = "drop"     // the connection closes before any answer
)

// Fault is one injected failure.
type Fault struct {
	Kind  Kind
	After int // bytes of body sent first (Reset, Truncate)
}

type rule struct {
	match  func(*http.Request) bool
	faults []Fault
}

// Proxy forwards to a target and injects faults.
type Proxy struct {
	URL    string
	target *url.URL
	rp     *httputil.ReverseProxy

	mu       sync.Mutex
	rules    []*rule
	injected int
	requests int
}

// New starts a proxy in front of target (a base URL) and stops it at the end of the test.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: u, rp: httputil.NewSingleHostReverseProxy(u)}
	// Keep the Host the client signed (S3 signatures cover it).
	director := p.rp.Director
	p.rp.Director = func(r *http.Request) {
		host := r.Host
		director(r)
		r.Host = host
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Inject queues faults for requests that match; each matching request uses
// up the next fault.
func (p *Proxy) Inject(match func(*http.Request) bool, faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &rule{match: match, faults: faults})
}

// Injected returns the number of faults injected so far.
func (p *Proxy) Injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.injected
}

// Requests returns the number of requests seen.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Pending returns the faults not injected yet.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.rules {
		n += len(r.faults)
	}
	return n
}

// GetsOf matches GET requests whose path ends with suffix.
func GetsOf(suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, suffix)
	}
}

func (p *Proxy) next(r *http.Request) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	for _, rl := range p.rules {
		if len(rl.faults) > 0 && rl.match(r) {
			f := rl.faults[0]
			rl.faults = rl.faults[1:]
			p.injected++
			return f, true
		}
	}
	return Fault{}, false
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>`+msg+`</Message><RequestId>faultproxy</RequestId></Error>`)
}

// ServeHTTP injects the next fault for r, or forwards it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := p.next(r)
	if !ok {
		p.rp.ServeHTTP(w, r)
		return
	}
	switch f.Kind {
	case SlowDown:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case Internal:
		s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	case Drop:
		hijackClose(w, false)
	case Reset, Truncate:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if r.Method != http.MethodHead { // a HEAD's length is the object's, not its (empty) body's
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(rec.Code)
		w.Write(body[:min(f.After, len(body))])
		http.NewResponseController(w).Flush()
		hijackClose(w, f.Kind == Reset)
	default:
		panic("faultproxy: unknown fault " + string(f.Kind))
	}
}

// hijackClose ends the connection: with a TCP reset when reset is true,
// else with a clean close.
func hijackClose(w http.ResponseWriter, reset bool) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("faultproxy: hijack: " + err.Error())
	}
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		tc.SetLinger(0)
	}
	conn.Close()
}
