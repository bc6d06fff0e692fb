package serve_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/serve"
	"github.com/animetl/animetl/synth"
)

// small is a quick dataset with hostile lines (so runs have rejects).
var small = synth.Config{Rows: 20_000, Anime: 800, Seed: 11, Layout: synth.LayoutIndexed, DefectRate: 0.002}

// engine makes a fresh store: a warehouse that runs load into, and a
// Publication on the same store, read through readURL when the engine
// has one (PostgreSQL's may go through a forwarder).
type engine struct {
	name string
	// open returns the run side and a function that opens the read side;
	// for PostgreSQL, via changes the address the reader connects to.
	open func(t *testing.T) (animetl.Warehouse, func(t *testing.T, via string) animetl.Publication, string)
}

func engines(t *testing.T) []engine {
	es := []engine{{name: "duckdb", open: openDuck}}
	if os.Getenv("ANIMETL_TEST_POSTGRES") != "" {
		es = append(es, engine{name: "postgres", open: openPostgres})
	} else {
		t.Log("PostgreSQL cases skipped: set ANIMETL_TEST_POSTGRES=postgres://... (make test does)")
	}
	return es
}

func openDuck(t *testing.T) (animetl.Warehouse, func(*testing.T, string) animetl.Publication, string) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh, func(t *testing.T, _ string) animetl.Publication {
		r, err := duckdb.OpenReader(duckdb.Options{Path: path, MemoryLimit: "256MB"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}, ""
}

// openPostgres makes a fresh database; the reader connects to via
// (host:port) when given, else to the server itself. It returns the
// server's host:port.
func openPostgres(t *testing.T) (animetl.Warehouse, func(*testing.T, string) animetl.Publication, string) {
	ctx := context.Background()
	u, err := url.Parse(contract.NewPostgresDB(t))
	if err != nil {
		t.Fatal(err)
	}
	wh, err := postgres.Open(ctx, postgres.Options{URL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	server := u.Host
	return wh, func(t *testing.T, via string) animetl.Publication {
		ru := *u
		if via != "" {
			ru.Host = via
		}
		r, err := postgres.OpenReader(postgres.ReaderOptions{URL: ru.String(), MaxConns: 4, StatementTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}, server
}

// newServer serves pub on a test HTTP server.
func newServer(t *testing.T, opts serve.Options) *httptest.Server {
	t.Helper()
	s, err := serve.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

type response struct {
	code int
	h    http.Header
	body []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %v\n%s", r.code, err, r.body)
	}
	return m
}

// get requests path with optional header pairs.
func get(t *testing.T, ts *httptest.Server, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: res.StatusCode, h: res.Header, body: b}
}

// eventually polls cond until it holds or 10 s pass: a publish reaches a
// PostgreSQL reader by a notification, asynchronously.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not after 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// published runs the pipeline once on the small dataset.
func published(t *testing.T, wh animetl.Warehouse) *animetl.RunSummary {
	dir, _ := contract.Gen(t, small)
	return contract.MustRun(t, wh, dir, 0)
}
