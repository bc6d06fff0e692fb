package serve_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/serve"
)

// recStore is a published warehouse the recommendation tests write
// fixture rows into: its spec (duckdb:PATH or a URL) and a reader.
type recStore struct {
	wh   animetl.Warehouse
	spec string
	pub  func(t *testing.T) animetl.Publication
}

func recStores(t *testing.T) map[string]func(t *testing.T) recStore {
	stores := map[string]func(t *testing.T) recStore{"duckdb": func(t *testing.T) recStore {
		path := filepath.Join(t.TempDir(), "w.duckdb")
		wh, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { wh.Close() })
		return recStore{wh: wh, spec: "duckdb:" + path, pub: func(t *testing.T) animetl.Publication {
			r, err := duckdb.OpenReader(duckdb.Options{Path: path, MemoryLimit: "256MB"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return r
		}}
	}}
	for _, e := range engines(t) {
		if e.name != "postgres" {
			continue
		}
		stores["postgres"] = func(t *testing.T) recStore {
			u := contract.NewPostgresDB(t)
			wh, err := postgres.Open(context.Background(), postgres.Options{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { wh.Close() })
			return recStore{wh: wh, spec: u, pub: func(t *testing.T) animetl.Publication {
				r, err := postgres.OpenReader(postgres.ReaderOptions{URL: u, MaxConns: 4, StatementTimeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				return r
			}}
		}
	}
	return stores
}

// itemIDs returns the anime ids of a recommendation body's items.
func itemIDs(t *testing.T, m map[string]any) []int64 {
	t.Helper()
	items, ok := m["items"].([]any)
	if !ok {
		t.Fatalf("no items: %v", m)
	}
	ids := []int64{}
	for i, it := range items {
		o := it.(map[string]any)
		if o["rank"].(float64) != float64(i+1) {
			t.Errorf("item %d: rank %v", i, o["rank"])
		}
		if name, _ := o["name"].(string); name == "" {
			t.Errorf("item %d: no name: %v", i, o)
		}
		ids = append(ids, int64(o["anime_id"].(float64)))
	}
	return ids
}

func without(ids, skip []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(skip, id) {
			out = append(out, id)
		}
	}
	return out
}

// TestRecommendationEndpoints: /anime/{id}/similar and
// /users/{id}/recommendations answer the published rows with the model and
// the run that trained it, the popularity fallback for users without
// rows (and says so), 404 for unknown ids, 400 for bad parameters, on
// both engines, through SQL and through the run's model alike.
func TestRecommendationEndpoints(t *testing.T) {
	for name, open := range recStores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			sum := published(t, st.wh)
			r := contract.PublishRecs(t, st.spec)
			pub := st.pub(t)
			ts := newServer(t, serve.Options{Publication: pub})

			ok := func(path string) map[string]any {
				t.Helper()
				res := get(t, ts, path)
				if res.code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, res.code, res.body)
				}
				m := res.json(t)
				if m["run_id"] != sum.RunID || m["published_at"] == "" {
					t.Errorf("%s: run_id %v published_at %v, want %s", path, m["run_id"], m["published_at"], sum.RunID)
				}
				return m
			}
			m := ok(fmt.Sprintf("/api/v1/anime/%d/similar", r.Anime))
			if m["model"] != contract.RecSimilarModel || m["model_run_id"] != contract.RecRunID || m["fallback"] != false ||
				m["anime_id"].(float64) != float64(r.Anime) || m["trained_at"] != "2026-01-02T03:04:05Z" {
				t.Errorf("similar: %v", m)
			}
			if got := itemIDs(t, m); !slices.Equal(got, r.Similar[:10]) {
				t.Errorf("similar: %v, want %v", got, r.Similar[:10])
			}
			if s := m["items"].([]any)[0].(map[string]any)["score"].(float64); s != r.SimilarScores[0] {
				t.Errorf("similar: first score %v, want %v", s, r.SimilarScores[0])
			}
			if got := itemIDs(t, ok(fmt.Sprintf("/api/v1/anime/%d/similar?limit=50", r.Anime))); !slices.Equal(got, r.Similar) {
				t.Errorf("similar limit 50 (capped to 20): %v", got)
			}
			if got := itemIDs(t, ok(fmt.Sprintf("/api/v1/anime/%d/similar?limit=3", r.Anime))); !slices.Equal(got, r.Similar[:3]) {
				t.Errorf("similar limit 3: %v", got)
			}
			if got := itemIDs(t, ok(fmt.Sprintf("/api/v1/anime/%d/similar", r.Lonely))); len(got) != 0 {
				t.Errorf("similar of an anime without neighbours: %v", got)
			}

			m = ok(fmt.Sprintf("/api/v1/users/%d/recommendations", r.User))
			if m["model"] != contract.RecUserModel || m["model_run_id"] != contract.RecRunID || m["fallback"] != false ||
				m["user_id"].(float64) != float64(r.User) {
				t.Errorf("recommendations: %v", m)
			}
			if got := itemIDs(t, m); !slices.Equal(got, r.UserRecs[:10]) {
				t.Errorf("recommendations: %v, want %v", got, r.UserRecs[:10])
			}
			if got := itemIDs(t, ok(fmt.Sprintf("/api/v1/users/%d/recommendations?limit=20", r.User))); !slices.Equal(got, r.UserRecs) {
				t.Errorf("recommendations limit 20: %v", got)
			}
			for _, c := range []struct {
				user   int64
				want   []int64
				reason string
			}{
				{r.NoHistory, r.Popular[:10], "no list entries"},
				{r.NotModeled, without(r.Popular, r.NotModeledSeen)[:10], "no recommendations for this user"},
			} {
				m = ok(fmt.Sprintf("/api/v1/users/%d/recommendations", c.user))
				if m["model"] != "popularity" || m["fallback"] != true || m["model_run_id"] != sum.RunID ||
					!strings.Contains(fmt.Sprint(m["fallback_reason"]), c.reason) {
					t.Errorf("user %d: want the popularity fallback (%s): %v", c.user, c.reason, m)
				}
				if got := itemIDs(t, m); !slices.Equal(got, c.want) {
					t.Errorf("user %d: %v, want %v", c.user, got, c.want)
				}
			}

			c := get(t, ts, fmt.Sprintf("/api/v1/users/%d/recommendations?format=csv&limit=2", r.User))
			if c.code != http.StatusOK || !strings.HasPrefix(string(c.body), "rank,anime_id,name,score\n1,") || strings.Count(string(c.body), "\n") != 3 {
				t.Errorf("csv: %d %q", c.code, c.body)
			}

			for _, e := range []struct {
				path  string
				code  int
				param string
			}{
				{fmt.Sprintf("/api/v1/users/%d/recommendations", r.Unknown), http.StatusNotFound, ""},
				{"/api/v1/anime/999999999/similar", http.StatusNotFound, ""},
				{"/api/v1/anime/abc/similar", http.StatusBadRequest, "id"},
				{"/api/v1/users/-1/recommendations", http.StatusBadRequest, "id"},
				{"/api/v1/users/99999999999/recommendations", http.StatusBadRequest, "id"},
				{fmt.Sprintf("/api/v1/users/%d/recommendations?limit=0", r.User), http.StatusBadRequest, "limit"},
				{fmt.Sprintf("/api/v1/anime/%d/similar?limit=ten", r.Anime), http.StatusBadRequest, "limit"},
				{fmt.Sprintf("/api/v1/anime/%d/similar?limit=1&limit=2", r.Anime), http.StatusBadRequest, "limit"},
				{fmt.Sprintf("/api/v1/anime/%d/similar?k=5", r.Anime), http.StatusBadRequest, "k"},
			} {
				res := get(t, ts, e.path)
				if res.code != e.code {
					t.Errorf("%s: %d %s, want %d", e.path, res.code, res.body, e.code)
					continue
				}
				er := res.json(t)["error"].(map[string]any)
				want := map[int]string{404: "not_found", 400: "bad_parameter"}[e.code]
				if er["code"] != want || (e.param != "" && er["param"] != e.param) || er["message"] == "" {
					t.Errorf("%s: error %v, want code %s param %q", e.path, er, want, e.param)
				}
			}

			// The run's model answers the similar lists as SQL does.
			diff, n, err := serve.CompareModelWithSQL(context.Background(), pub,
				serve.ModelQuestions{AnimeIDs: []int64{r.Anime, r.Lonely, r.Similar[0], 999_999_999},
					UserIDs: []int64{r.User, r.NoHistory, r.NotModeled, r.Unknown, r.Unknown + 1000}})
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Fatalf("after %d equal answers, the model differs from SQL: %s", n-1, diff)
			}
		})
	}
}

// TestRecommendationsNotPublished: a warehouse without the recommendation
// tables (older than them) answers 503 no_recommendations that says how
// to get them, not a 500, and the anime page still shows, with a note.
func TestRecommendationsNotPublished(t *testing.T) {
	for name, open := range recStores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			published(t, st.wh)
			contract.DropRecs(t, st.spec)
			ts := newServer(t, serve.Options{Publication: st.pub(t)})
			id := contract.QueryInt(t, st.wh, "SELECT min(anime_id) FROM anime")
			for _, path := range []string{fmt.Sprintf("/api/v1/anime/%d/similar", id), "/api/v1/users/1/recommendations"} {
				res := get(t, ts, path)
				if res.code != http.StatusServiceUnavailable {
					t.Fatalf("%s: %d %s, want 503", path, res.code, res.body)
				}
				er := res.json(t)["error"].(map[string]any)
				if er["code"] != "no_recommendations" || !strings.Contains(er["message"].(string), "--recommend") {
					t.Errorf("%s: %v", path, er)
				}
			}
			page := get(t, ts, fmt.Sprintf("/anime/%d", id), "Accept", "text/html")
			if page.code != http.StatusOK || !strings.Contains(string(page.body), "No recommendations are published yet") {
				t.Errorf("anime page: %d, want the similar section's note", page.code)
			}
		})
	}
}
