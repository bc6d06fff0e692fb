package serve_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

// TestLedgerAnswersAreCachedUntilTheLedgerMoves: the runs endpoints and
// pages are read once and then served from the cache, not read per
// request; a failed run (which publishes nothing) shows on them about a
// second later by the server's clock, well within the ledger TTL, on both
// engines.
func TestLedgerAnswersAreCachedUntilTheLedgerMoves(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			sum := published(t, wh)
			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			ts := newServer(t, serve.Options{Publication: openPub(t, ""), Now: clock})
			paths := []string{"/api/v1/runs", "/api/v1/runs/" + sum.RunID, "/api/v1/runs/" + sum.RunID + "/rejects?limit=5"}
			hits := func() int {
				m := regexp.MustCompile(`(?m)^animetl_cache_hits_total (\d+)$`).FindStringSubmatch(string(get(t, ts, "/metrics").body))
				if m == nil {
					t.Fatal("no animetl_cache_hits_total")
				}
				n, _ := strconv.Atoi(m[1])
				return n
			}
			first := map[string]string{}
			for _, p := range paths {
				r := get(t, ts, p)
				if r.code != http.StatusOK {
					t.Fatalf("%s: %d %s", p, r.code, r.body)
				}
				first[p] = string(r.body)
			}
			before := hits()
			for _, p := range paths {
				if r := get(t, ts, p); string(r.body) != first[p] {
					t.Errorf("%s: the answer changed without a ledger change", p)
				}
			}
			if n := hits() - before; n != len(paths) {
				t.Errorf("%d cache hits for %d repeated ledger questions, want %d", n, len(paths), len(paths))
			}

			dir, _ := contract.Gen(t, small)
			failed, err := contract.RunDir(t, wh, dir, 1e-9) // every reject is too many
			if err == nil && failed.Status == animetl.StatusSucceeded {
				t.Fatal("the run meant to fail succeeded")
			}
			failedID := contract.QueryAll(t, wh, "SELECT run_id FROM etl_run WHERE status = 'failed'")[0][0]
			mu.Lock()
			now = now.Add(2 * time.Second) // past the version check, within the TTL
			mu.Unlock()
			eventually(t, "/api/v1/runs lists the failed run", func() bool {
				return strings.Contains(string(get(t, ts, "/api/v1/runs").body), failedID)
			})
			lastRun := regexp.MustCompile(`<a href="/runs/([^"]+)"`)
			eventually(t, "the front page's last run is the failed run", func() bool {
				m := lastRun.FindStringSubmatch(string(get(t, ts, "/", "Accept", acceptHTML).body))
				return m != nil && m[1] == failedID
			})
		})
	}
}
