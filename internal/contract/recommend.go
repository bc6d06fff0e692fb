package contract

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/schema"
)

// RecFingerprints hashes the published recommendation tables.
func RecFingerprints(t testing.TB, q animetl.Querier) map[string]Fingerprint {
	t.Helper()
	out := map[string]Fingerprint{}
	for _, table := range schema.RecTables {
		out[table] = TableFingerprint(t, q, table, TableKeys[table])
	}
	return out
}

// RunRecommend runs the pipeline on a folder in a mode; with a user or a
// similar model named (TestModels), it trains them (Config.Recommend).
func RunRecommend(t testing.TB, wh animetl.Warehouse, dir string, mode animetl.Mode, userModel, similarModel string) (*animetl.RunSummary, error) {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, wh.Dialect()
	cfg.Mode, cfg.BatchSize = mode, 1000
	cfg.Recommend = userModel != "" || similarModel != ""
	cfg.RecommendUserModel, cfg.RecommendSimilarModel = userModel, similarModel
	cfg.NewModel = TestModels
	return pipeline.Run(context.Background(), cfg)
}

func mustRecommend(t testing.TB, wh animetl.Warehouse, dir string, mode animetl.Mode, userModel, similarModel string) *animetl.RunSummary {
	t.Helper()
	sum, err := RunRecommend(t, wh, dir, mode, userModel, similarModel)
	if err != nil {
		t.Fatalf("%s run (models %q, %q): %v", mode, userModel, similarModel, err)
	}
	for _, f := range sum.Files {
		if !f.Balanced() {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d", f.Name, f.RowsRead, f.RowsLoaded, f.RowsRejected, f.RowsDuplicate)
		}
	}
	recChecks := 0
	for _, c := range sum.Checks {
		if strings.HasPrefix(c.Name, "rec_") {
			recChecks++
		}
		if c.Status != animetl.CheckPass && c.Name != "delta_freshness" && c.Name != "table_drift" {
			t.Errorf("check %s failed: observed %s, want %s", c.Name, c.Observed, c.Threshold)
		}
	}
	if recChecks != 5 {
		t.Errorf("%d recommendation checks ran, want 5", recChecks)
	}
	return sum
}

// sameRecs fails the test unless the published recommendations are want.
func sameRecs(t *testing.T, wh animetl.Warehouse, want map[string]Fingerprint, what string) {
	t.Helper()
	got := RecFingerprints(t, wh)
	for table, fp := range want {
		if got[table] != fp {
			t.Errorf("%s: %s holds %+v, want %+v as published before", what, table, got[table], fp)
		}
	}
}

// testRecommend: a run with recommendations publishes them with the data,
// satisfying the checks; runs without them carry them over unchanged (full
// and incremental); a failed run leaves them as published.
func testRecommend(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t)

	mustRecommend(t, wh, dir, animetl.ModeFull, "", "")
	for _, table := range schema.RecTables {
		if n := QueryInt(t, wh, "SELECT count(*) FROM "+table); n != 0 {
			t.Errorf("%s holds %d rows before any run trained it, want 0", table, n)
		}
	}

	sum := mustRecommend(t, wh, dir, animetl.ModeFull, "popularity", "cooccurrence")
	CheckPhases(t, sum, "finalize", "recommend", "checks", "publish")
	users := QueryInt(t, wh, "SELECT count(DISTINCT user_id) FROM user_anime")
	if n := QueryInt(t, wh, "SELECT count(DISTINCT user_id) FROM rec_user"); n != users {
		t.Errorf("rec_user covers %d users, user_anime has %d", n, users)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM rec_user WHERE rank > 20"); n != 0 {
		t.Errorf("rec_user holds %d rows past rank 20", n)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM rec_user r JOIN user_anime u ON u.user_id = r.user_id AND u.anime_id = r.anime_id"); n != 0 {
		t.Errorf("rec_user recommends %d anime their users already list", n)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM rec_similar"); n == 0 {
		t.Error("rec_similar is empty after a run that trained it")
	}
	got := QueryAll(t, wh, "SELECT table_name, model, run_id, users, items, entries FROM rec_model ORDER BY table_name")
	entries := QueryAll(t, wh, "SELECT count(*), count(DISTINCT user_id), count(DISTINCT anime_id) FROM user_anime")[0]
	want := [][]string{
		{"rec_similar", "cooccurrence", sum.RunID, entries[1], entries[2], entries[0]},
		{"rec_user", "popularity", sum.RunID, entries[1], entries[2], entries[0]},
	}
	if len(got) != 2 || strings.Join(got[0], ",") != strings.Join(want[0], ",") || strings.Join(got[1], ",") != strings.Join(want[1], ",") {
		t.Errorf("rec_model rows %v, want %v", got, want)
	}
	trained := RecFingerprints(t, wh)

	addDays(t, dir, "2026-11-27")
	mustRecommend(t, wh, dir, animetl.ModeIncremental, "", "")
	sameRecs(t, wh, trained, "after an incremental run without --recommend")
	mustRecommend(t, wh, dir, animetl.ModeFull, "", "")
	sameRecs(t, wh, trained, "after a full run without --recommend")

	bad := CopyDir(t, dir)
	garble(t, filepath.Join(bad, animetl.FileAnimeList))
	if _, err := RunRecommend(t, wh, bad, animetl.ModeFull, "popularity", "cooccurrence"); !errors.Is(err, animetl.ErrChecks) {
		t.Fatalf("recommending run on a half-garbage list: err = %v, want ErrChecks", err)
	}
	sameRecs(t, wh, trained, "after a failed run")
	sum, err := RunRecommend(t, wh, dir, animetl.ModeFull, "failing", "")
	if err == nil || !strings.Contains(err.Error(), "refuses to train") {
		t.Fatalf("run whose model fails: err = %v", err)
	}
	CheckPhases(t, sum, "finalize", "recommend")
	sameRecs(t, wh, trained, "after a run whose model failed")

	// Retraining only rec_user keeps the published rec_similar and its row.
	addDays(t, dir, "2026-11-28")
	sum = mustRecommend(t, wh, dir, animetl.ModeIncremental, "popularity", "")
	got = QueryAll(t, wh, "SELECT table_name, run_id FROM rec_model ORDER BY table_name")
	if len(got) != 2 || got[0][1] == sum.RunID || got[1][1] != sum.RunID {
		t.Errorf("rec_model after retraining rec_user alone: %v (run %s)", got, sum.RunID)
	}
	sameRecs(t, wh, map[string]Fingerprint{"rec_similar": trained["rec_similar"]}, "after retraining rec_user alone")
	if n := QueryInt(t, wh, "SELECT count(*) FROM rec_user r JOIN user_anime u ON u.user_id = r.user_id AND u.anime_id = r.anime_id"); n != 0 {
		t.Errorf("rec_user recommends %d anime their users already list after the incremental run", n)
	}
}
