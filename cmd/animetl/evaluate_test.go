package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/animetl/animetl/internal/taste"
	"testing"
)

// TestEvaluateBeatsPopularity runs evaluate on a generated catalogue with
// lists of a strong taste signal (internal/taste: every user leans to a
// favourite genre) loaded into each warehouse: one JSON object with every
// model's metrics, and item-kNN and ALS above popularity on NDCG@10; bad
// usage exits 2 with one failed report.
func TestEvaluateBeatsPopularity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "1", "--anime", "400", "--seed", "5"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	writeTasteLists(t, dir)
	for _, k := range warehouses(t) {
		t.Run(k.name, func(t *testing.T) {
			wh := k.spec(t)
			if code, stdout, _ := cli(t, "evaluate", "--warehouse", wh, "--json"); code != exitFailed || decodeOne(t, stdout)["status"] != "failed" {
				t.Errorf("evaluate before any run: exit %d, %s; want 1 and a failed report", code, stdout)
			}
			if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
				t.Fatalf("run: %s", stderr)
			}
			code, stdout, _ := cli(t, "evaluate", "--warehouse", wh, "--json", "--k", "0")
			if rep := decodeOne(t, stdout); code != exitUsage || rep["status"] != "failed" || rep["exit_code"] != float64(exitUsage) {
				t.Errorf("evaluate --k 0 --json: exit %d, %v; want 2 and one failed report", code, rep)
			}
			models := "popularity,itemknn,als"
			if k.name != "duckdb" {
				models = "popularity" // the read path; the models are the same
			}
			code, stdout, stderr := cli(t, "evaluate", "--warehouse", wh, "--json", "--models", models,
				"--factors", "16", "--iterations", "6", "--regularization", "10")
			if code != exitOK {
				t.Fatalf("evaluate: exit %d: %s", code, stderr)
			}
			rep := decodeOne(t, stdout)
			if rep["status"] != "succeeded" || rep["run_id"] == "" || rep["k"] != float64(10) || rep["seed"] != float64(42) ||
				rep["users"].(float64) < 100 || rep["test_users"].(float64) < 50 || rep["entries"].(float64) < 1000 {
				t.Fatalf("report %v", rep)
			}
			ndcg := map[string]float64{}
			for _, m := range rep["models"].([]any) {
				m := m.(map[string]any)
				for _, f := range []string{"ndcg", "precision", "recall", "map", "coverage"} {
					if v, ok := m[f].(float64); !ok || v <= 0 || v > 1 {
						t.Errorf("%s %s = %v, want a share above 0", m["model"], f, m[f])
					}
				}
				if m["train_seconds"].(float64) < 0 || m["users"] != rep["test_users"] {
					t.Errorf("%v: train_seconds or users wrong", m)
				}
				ndcg[m["model"].(string)] = m["ndcg"].(float64)
			}
			t.Logf("NDCG@10: %v", ndcg)
			if k.name != "duckdb" {
				return
			}
			for _, m := range []string{"itemknn", "als"} {
				if ndcg[m] <= ndcg["popularity"] {
					t.Errorf("%s NDCG@10 %.4f does not beat popularity's %.4f", m, ndcg[m], ndcg["popularity"])
				}
			}
			code, stdout, _ = cli(t, "evaluate", "--warehouse", wh, "--models", "popularity")
			if code != exitOK || !contains(stdout, "ndcg@10", "popularity", "users evaluated") {
				t.Errorf("evaluate table: exit %d\n%s", code, stdout)
			}
		})
	}
}

// writeTasteLists replaces dir's animelist.csv with taste lists of 1,500
// users over the catalogue of dir's anime.csv.
func writeTasteLists(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "anime.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, r := range recs[1:] {
		id, err := strconv.ParseInt(r[0], 10, 32)
		if err != nil {
			t.Fatalf("anime.csv id %q: %v", r[0], err)
		}
		ids = append(ids, int32(id))
	}
	var b strings.Builder
	b.WriteString("user_id,anime_id,rating,watching_status,watched_episodes\n")
	for _, e := range taste.Lists(taste.Config{Users: 1500, Genres: 8, ListMin: 20, ListMax: 80, FavShare: 0.5, Seed: 1}, ids) {
		fmt.Fprintf(&b, "%d,%d,%d,%d,1\n", e.User, e.Anime, e.Rating, e.Status)
	}
	if err := os.WriteFile(filepath.Join(dir, "animelist.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
