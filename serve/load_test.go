package serve_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

// TestReadersDuringAPublish: 20 clients ask a mix of questions while a run
// publishes; every answer is 200 or 304, and they end on the new run.
func TestReadersDuringAPublish(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			first := published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})
			paths := []string{"/api/v1/top-rated?min_ratings=1", "/api/v1/most-watched", "/api/v1/genres",
				"/api/v1/search?q=a", "/api/v1/runs", "/api/v1/runs/" + first.RunID, "/api/v1/freshness", "/readyz"}
			var stop atomic.Bool
			var n, bad atomic.Int64
			var mu sync.Mutex
			var firstBad string
			var wg sync.WaitGroup
			for g := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; !stop.Load(); i++ {
						p := paths[(g+i)%len(paths)]
						if i%5 == 0 {
							p = fmt.Sprintf("/api/v1/anime/%d", 1+(g*31+i)%800)
						}
						res, err := ts.Client().Get(ts.URL + p)
						if err != nil {
							bad.Add(1)
							continue
						}
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						n.Add(1)
						// 404: an anime id the small catalogue lacks.
						if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotModified && res.StatusCode != http.StatusNotFound {
							bad.Add(1)
							mu.Lock()
							if firstBad == "" {
								firstBad = fmt.Sprintf("%s: %d %s", p, res.StatusCode, b)
							}
							mu.Unlock()
						}
					}
				}()
			}
			second := contract.MustRun(t, wh, mustDir(t), 0)
			eventually(t, "the new run is served", func() bool {
				return get(t, ts, "/api/v1/genres").json(t)["run_id"] == second.RunID
			})
			stop.Store(true)
			wg.Wait()
			if bad.Load() > 0 {
				t.Errorf("%d of %d answers failed; first: %s", bad.Load(), n.Load(), firstBad)
			}
			t.Logf("%d answers during the publish", n.Load())
		})
	}
}

// forwarder is a TCP forwarder in front of PostgreSQL that a test stops
// (closing every connection through it) and starts again on the same port.
type forwarder struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newForwarder(t *testing.T, target string) *forwarder {
	f := &forwarder{t: t, target: target, conns: map[net.Conn]bool{}}
	f.start("127.0.0.1:0")
	t.Cleanup(f.stop)
	return f
}

func (f *forwarder) start(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.ln, f.addr = ln, ln.Addr().String()
	f.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.pipe(c)
		}
	}()
}

func (f *forwarder) pipe(c net.Conn) {
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		c.Close()
		return
	}
	f.mu.Lock()
	f.conns[c], f.conns[up] = true, true
	f.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

// stop closes the listener and every forwarded connection.
func (f *forwarder) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln != nil {
		f.ln.Close()
		f.ln = nil
	}
	for c := range f.conns {
		c.Close()
	}
	f.conns = map[net.Conn]bool{}
}

// TestPostgresDownThenBack: with the database unreachable the server
// answers 503 with Retry-After and /readyz fails; when it is back the
// server answers again by itself.
func TestPostgresDownThenBack(t *testing.T) {
	es := engines(t)
	if len(es) < 2 {
		t.Skip("needs ANIMETL_TEST_POSTGRES")
	}
	wh, openPub, server := es[1].open(t)
	sum := published(t, wh)
	fw := newForwarder(t, server)
	ts := newServer(t, serve.Options{Publication: openPub(t, fw.addr)})
	if r := get(t, ts, "/api/v1/genres"); r.code != http.StatusOK {
		t.Fatalf("before: %d %s", r.code, r.body)
	}
	addr := fw.addr
	fw.stop()
	for _, p := range []string{"/readyz", "/api/v1/most-watched", "/api/v1/runs"} {
		var r response
		eventually(t, p+" fails while the database is down", func() bool {
			r = get(t, ts, p)
			return r.code == http.StatusServiceUnavailable
		})
		if r.h.Get("Retry-After") == "" || errorOf(t, r)["code"] != "warehouse_unavailable" {
			t.Errorf("%s: Retry-After %q, %s", p, r.h.Get("Retry-After"), r.body)
		}
	}
	fw.start(addr)
	eventually(t, "the server recovers", func() bool {
		r := get(t, ts, "/api/v1/most-watched")
		return r.code == http.StatusOK && r.json(t)["run_id"] == sum.RunID
	})
	if r := get(t, ts, "/readyz"); r.code != http.StatusOK {
		t.Errorf("readyz after recovery: %d", r.code)
	}
}
