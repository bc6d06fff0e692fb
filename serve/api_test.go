package serve_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/schema"
	"github.com/animetl/animetl/serve"
)

func TestEndpoints(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			sum := published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})
			anyID := contract.QueryInt(t, wh, "SELECT min(anime_id) FROM anime_stats WHERE list_users > 0")
			name := contract.QueryAll(t, wh, "SELECT name FROM anime WHERE anime_id = $1", anyID)[0][0]

			for _, path := range []string{
				"/api/v1/top-rated?min_ratings=1", "/api/v1/most-watched", "/api/v1/search?q=" + strings.ToLower(name[:3]),
				"/api/v1/genres", "/api/v1/runs", fmt.Sprintf("/api/v1/runs/%s/rejects?limit=5", sum.RunID),
			} {
				r := get(t, ts, path)
				if r.code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, r.code, r.body)
				}
				m := r.json(t)
				if m["run_id"] != sum.RunID || m["published_at"] == "" {
					t.Errorf("%s: run_id %v published_at %v, want %s", path, m["run_id"], m["published_at"], sum.RunID)
				}
				items, ok := m["items"].([]any)
				if !ok || len(items) == 0 {
					t.Errorf("%s: no items: %s", path, r.body)
				}
				c := get(t, ts, path+sep(path)+"format=csv")
				if c.code != http.StatusOK || !strings.HasPrefix(c.h.Get("Content-Type"), "text/csv") {
					t.Errorf("%s csv: %d %s", path, c.code, c.h.Get("Content-Type"))
				}
				if lines := strings.Count(string(c.body), "\n"); lines != len(items)+1 && !strings.Contains(path, "rejects") {
					t.Errorf("%s csv: %d lines for %d items", path, lines, len(items))
				}
			}

			a := get(t, ts, fmt.Sprintf("/api/v1/anime/%d", anyID)).json(t)
			anime := a["anime"].(map[string]any)
			for _, k := range []string{"anime_id", "name", "english_name", "japanese_name", "type", "episodes", "aired_from",
				"score", "members", "synopsis", "is_inferred", "genres", "studios", "producers", "licensors",
				"score_votes", "stats", "status_counts"} {
				if _, ok := anime[k]; !ok {
					t.Errorf("anime lacks %q", k)
				}
			}
			if anime["name"] != name || a["run_id"] != sum.RunID {
				t.Errorf("anime: name %v run %v", anime["name"], a["run_id"])
			}
			counts := anime["status_counts"].([]any)
			var entries float64
			for _, c := range counts {
				entries += c.(map[string]any)["entries"].(float64)
			}
			if stats := anime["stats"].(map[string]any); stats["list_users"].(float64) != entries {
				t.Errorf("status_counts sum to %v entries, stats.list_users %v", entries, stats["list_users"])
			}

			run := get(t, ts, "/api/v1/runs/"+sum.RunID).json(t)
			files := run["files"].([]any)
			if len(files) != 4 || len(run["checks"].([]any)) == 0 || run["run"].(map[string]any)["status"] != "succeeded" {
				t.Errorf("run: %v files, checks %v, run %v", len(files), run["checks"], run["run"])
			}
			for _, f := range files {
				m := f.(map[string]any)
				if m["rows_read"].(float64) != m["rows_loaded"].(float64)+m["rows_rejected"].(float64)+m["rows_duplicate"].(float64) {
					t.Errorf("file %v does not balance", m)
				}
			}
			rej := get(t, ts, fmt.Sprintf("/api/v1/runs/%s/rejects?limit=5&offset=1", sum.RunID)).json(t)
			if rej["total"].(float64) < 2 || len(rej["items"].([]any)) == 0 {
				t.Errorf("rejects: %v", rej)
			}
			item := rej["items"].([]any)[0].(map[string]any)
			for _, k := range []string{"file", "line", "kind", "field", "reason", "raw"} {
				if _, ok := item[k]; !ok {
					t.Errorf("reject lacks %q", k)
				}
			}

			f := get(t, ts, "/api/v1/freshness").json(t)
			if f["run_id"] != sum.RunID || f["status"] == "" || f["deadline"] == "" {
				t.Errorf("freshness: %v", f)
			}
			if r := get(t, ts, "/readyz"); r.code != http.StatusOK {
				t.Errorf("readyz %d", r.code)
			}
			m := get(t, ts, "/metrics")
			for _, name := range []string{"animetl_http_requests_total", "animetl_http_request_duration_seconds",
				"animetl_http_requests_in_flight", "animetl_cache_hits_total", "animetl_published_age_seconds",
				`animetl_published_run_info{run_id="` + sum.RunID + `"} 1`} {
				if !strings.Contains(string(m.body), name) {
					t.Errorf("metrics lack %s", name)
				}
			}
			if e.name == "postgres" && !strings.Contains(string(m.body), `animetl_pool_connections{state="max"} 4`) {
				t.Errorf("metrics lack the pool's stats")
			}
		})
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestListsEqualTheCLIQueries: top-rated and most-watched give the rows of
// schema's canned queries (what `animetl query` prints), in their order.
func TestListsEqualTheCLIQueries(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})
			top, _ := schema.Query("top_rated")
			most, _ := schema.Query("most_watched")
			for _, c := range []struct {
				path string
				sql  string
				args []any
			}{
				{"/api/v1/top-rated?limit=25&min_ratings=5", top, []any{5, 25}},
				{"/api/v1/top-rated", top, []any{50, 10}},
				{"/api/v1/most-watched?limit=30", most, []any{30}},
			} {
				want := contract.QueryAll(t, wh, c.sql, c.args...)
				m := get(t, ts, c.path).json(t)
				items := m["items"].([]any)
				if len(items) != len(want) {
					t.Fatalf("%s: %d items, the query gives %d", c.path, len(items), len(want))
				}
				cols := columns(t, wh, c.sql, c.args)
				for i, it := range items {
					obj := it.(map[string]any)
					for j, col := range cols {
						if got := contract.Canon(obj[col]); got != want[i][j] {
							t.Errorf("%s item %d %s: %s, query %s", c.path, i, col, got, want[i][j])
						}
					}
				}
			}
			// Filters narrow the list and keep its order.
			g := get(t, ts, "/api/v1/genres").json(t)["items"].([]any)[0].(map[string]any)["genre"].(string)
			all := get(t, ts, "/api/v1/most-watched?limit=100").json(t)["items"].([]any)
			in := map[string]bool{}
			for _, r := range contract.QueryAll(t, wh, "SELECT ag.anime_id FROM anime_genre ag JOIN genre g ON g.genre_id = ag.genre_id WHERE g.name = $1", g) {
				in[r[0]] = true
			}
			var want []string
			for _, it := range all {
				if id := contract.Canon(it.(map[string]any)["anime_id"]); in[id] {
					want = append(want, id)
				}
			}
			got := get(t, ts, "/api/v1/most-watched?limit=100&genre="+strings.ToUpper(g)).json(t)["items"].([]any)
			// The filtered list starts with the unfiltered list's anime of
			// the genre, in that order, and holds only anime of the genre.
			if len(got) < len(want) || len(want) == 0 {
				t.Fatalf("genre %s: %d items, want at least %d", g, len(got), len(want))
			}
			for _, it := range got {
				if id := contract.Canon(it.(map[string]any)["anime_id"]); !in[id] {
					t.Errorf("genre %s: anime %s is not of the genre", g, id)
				}
			}
			for i := range want {
				if id := contract.Canon(got[i].(map[string]any)["anime_id"]); id != want[i] {
					t.Errorf("genre %s item %d: %s, want %s", g, i, id, want[i])
				}
			}
		})
	}
}

func columns(t *testing.T, q animetl.Querier, sql string, args []any) []string {
	t.Helper()
	rows, err := q.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return rows.Columns()
}
