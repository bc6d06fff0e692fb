package duckdb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// mustIncremental runs dir incrementally into w and fails the test unless
// the run succeeded with every check passed.
func mustIncremental(t *testing.T, w animetl.Warehouse, dir string) {
	t.Helper()
	sum, err := contract.RunMode(t, w, dir, animetl.ModeIncremental, pipeline.Backfill{})
	if err != nil {
		t.Fatalf("incremental run: %v", err)
	}
	for _, c := range sum.Checks {
		if c.Status != animetl.CheckPass && c.Name != "delta_freshness" && c.Name != "table_drift" {
			t.Errorf("check %s: observed %s, want %s", c.Name, c.Observed, c.Threshold)
		}
	}
}

// addDay writes one day's delta of rows upserts and deletes into dir.
func addDay(t *testing.T, dir, date string, rows, deletes int64) synth.DeltaStats {
	t.Helper()
	st, err := synth.WriteDelta(context.Background(), dir, synth.DeltaConfig{Date: date, Rows: rows, Deletes: deletes, Seed: 5})
	if err != nil {
		t.Fatalf("delta %s: %v", date, err)
	}
	return st
}

// A DELETE on DuckDB pins version data for every vector it touches until a
// checkpoint: about 8 bytes per row of user_anime when a day's keys are
// spread over the whole table. With 4M rows at a 64MB limit, the single
// DELETE the merge used to run pinned so much that the check after it ran
// out of memory ("Out of Memory Error: failed to allocate", seen on the old
// code); the merge by ranges of row ids, each followed by a checkpoint,
// stays within the limit with room to spare (2M rows at 48MB, the first
// size tried, left the new path too near the limit under a busy machine).
func TestIncrementalMergeFitsALowMemoryLimit(t *testing.T) {
	base, _ := contract.Gen(t, synth.Config{Rows: 4_000_000, Anime: 1000, Seed: 11})
	dir := contract.CopyDir(t, base)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	full := openDuck(t, path)
	contract.MustRun(t, full, dir, 0)
	before := contract.QueryInt(t, full, "SELECT count(*) FROM user_anime")
	full.Close()
	day := addDay(t, dir, "2026-11-29", 40_000, 4_000)

	w, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "64MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	mustIncremental(t, w, dir)
	want := before + day.New - day.Deletes.Records
	if got := contract.QueryInt(t, w, "SELECT count(*) FROM user_anime"); got != want {
		t.Errorf("user_anime holds %d rows, want %d (%d + %d new - %d deleted)", got, want, before, day.New, day.Deletes.Records)
	}
}

// A full run resolves the base's repeated keys with the same DELETE by
// ranges: with 1% hostile lines among 2M, the repeats spread over the whole
// table, and the single DELETE it used to run failed at a 48MB limit.
func TestFullRunRepeatsFitALowMemoryLimit(t *testing.T) {
	dir, _ := contract.Gen(t, synth.Config{Rows: 2_000_000, Anime: 1000, Seed: 11, DefectRate: 0.01})
	w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: "48MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	contract.MustRun(t, w, dir, 0.5)
}

// The deletes by ranges, with a checkpoint between ranges, give what one
// DELETE gives: the base's repeats and two days merged by ranges of 5,000
// row ids, their keys (3,600 a day) looked up in the base 500 at a time,
// against a full run of the same files with one range.
func TestDeletesByRangesMatchOneRange(t *testing.T) {
	restore := duckdb.SetDeleteRange(5_000)
	defer restore()
	restoreOld := duckdb.SetOldKeysPerRange(500)
	defer restoreOld()
	base, _ := contract.Gen(t, contract.Generated)
	dir := contract.CopyDir(t, base)
	w := openDuck(t, filepath.Join(t.TempDir(), "w.duckdb"))
	contract.MustRun(t, w, dir, 0.05)
	addDay(t, dir, "2026-11-28", 3_000, 600)
	mustIncremental(t, w, dir)
	addDay(t, dir, "2026-11-29", 3_000, 600)
	mustIncremental(t, w, dir)
	restore()
	restoreOld()

	ref := openDuck(t, filepath.Join(t.TempDir(), "ref.duckdb"))
	if _, err := contract.RunMode(t, ref, dir, animetl.ModeFull, pipeline.Backfill{}); err != nil {
		t.Fatalf("full run: %v", err)
	}
	want, got := contract.Fingerprints(t, ref), contract.Fingerprints(t, w)
	for table, fp := range want {
		if got[table] != fp {
			t.Errorf("%s: by ranges %+v, in one range %+v", table, got[table], fp)
		}
	}
	rejects := "SELECT count(*) FROM etl_reject WHERE run_id = (SELECT min(run_id) FROM etl_run WHERE mode = 'full')"
	if gr, rr := contract.QueryInt(t, w, rejects), contract.QueryInt(t, ref, rejects); gr != rr || gr == 0 {
		t.Errorf("the full run by ranges rejected %d lines, in one range %d", gr, rr)
	}
}

// One stray user id far above the others (a typo in the source) must not
// put the whole table in one pass of the key check: its passes split the
// rows, not the span of user ids. 4M rows at a 64MB limit ran out of memory
// in the check with passes of equal width over [0, 2^31 - 1].
func TestKeyCheckPassesSplitRowsNotIds(t *testing.T) {
	base, _ := contract.Gen(t, synth.Config{Rows: 4_000_000, Seed: 1})
	dir := contract.CopyDir(t, base)
	f, err := os.OpenFile(filepath.Join(dir, "animelist.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("2147483647,1,5,2,3\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: "64MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	contract.MustRun(t, w, dir, 0)
	if got := contract.QueryInt(t, w, "SELECT count(*) FROM user_anime WHERE user_id = 2147483647"); got != 1 {
		t.Errorf("the stray user has %d rows, want 1", got)
	}
}
