package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

// TestETagAndPublishInvalidatesTheCache: a repeated request is a cache hit
// with the same ETag, If-None-Match gets 304, and after a publish the next
// answers come from the new run with a new ETag.
func TestETagAndPublishInvalidatesTheCache(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			first := published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})
			const path = "/api/v1/top-rated?min_ratings=1&limit=5"
			a := get(t, ts, path)
			tag := a.h.Get("ETag")
			if a.code != http.StatusOK || tag == "" || !strings.Contains(tag, first.RunID) {
				t.Fatalf("first answer %d, ETag %q", a.code, tag)
			}
			// The same question asked with its parameters in another order
			// is the same request.
			if b := get(t, ts, "/api/v1/top-rated?limit=5&min_ratings=1"); b.h.Get("ETag") != tag || string(b.body) != string(a.body) {
				t.Errorf("reordered parameters: ETag %q, want %q", b.h.Get("ETag"), tag)
			}
			if r := get(t, ts, path, "If-None-Match", tag); r.code != http.StatusNotModified || len(r.body) != 0 {
				t.Errorf("If-None-Match: %d, %d bytes", r.code, len(r.body))
			}
			m := string(get(t, ts, "/metrics").body)
			if !strings.Contains(m, "animetl_cache_hits_total 2") || !strings.Contains(m, "animetl_cache_misses_total 1") {
				t.Errorf("cache counters:\n%s", grep(m, "animetl_cache"))
			}

			second := contract.MustRun(t, wh, mustDir(t), 0)
			eventually(t, "the new run is served", func() bool {
				return get(t, ts, path).json(t)["run_id"] == second.RunID
			})
			r := get(t, ts, path, "If-None-Match", tag)
			if r.code != http.StatusOK || r.h.Get("ETag") == tag || !strings.Contains(r.h.Get("ETag"), second.RunID) {
				t.Errorf("after the publish: %d, ETag %q (old %q)", r.code, r.h.Get("ETag"), tag)
			}
			if f := get(t, ts, "/api/v1/freshness").json(t); f["run_id"] != second.RunID {
				t.Errorf("freshness names %v, want %s", f["run_id"], second.RunID)
			}
		})
	}
}

func mustDir(t *testing.T) string {
	dir, _ := contract.Gen(t, small)
	return dir
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
