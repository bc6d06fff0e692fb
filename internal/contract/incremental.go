package contract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// deltaDays are the delta files the incremental tests use, generated once
// against Generated's base.
var deltaDays = []synth.DeltaConfig{
	{Date: "2026-11-26", Rows: 400, Deletes: 40, Seed: 26},
	{Date: "2026-11-27", Rows: 600, Deletes: 60, Seed: 27},
	{Date: "2026-11-28", Rows: 600, Deletes: 60, Seed: 28},
}

var deltaCache string

// deltaFiles generates the delta days once and returns the folder holding
// them (animelist/date=.../...).
func deltaFiles(t testing.TB) string {
	t.Helper()
	genMu.Lock()
	cached := deltaCache
	genMu.Unlock()
	if cached != "" {
		return cached
	}
	base, _ := Gen(t, Generated)
	dir := CopyDir(t, base)
	for _, d := range deltaDays {
		if _, err := synth.WriteDelta(context.Background(), dir, d); err != nil {
			t.Fatalf("delta %s: %v", d.Date, err)
		}
	}
	// Keep it beyond this test's TempDir: the suite reuses it.
	keep, err := os.MkdirTemp("", "animetl-deltas-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(keep, os.DirFS(filepath.Join(dir))); err != nil {
		t.Fatal(err)
	}
	genMu.Lock()
	deltaCache = keep
	genMu.Unlock()
	return keep
}

// sourceWith returns a new folder holding the base files and the given delta days.
func sourceWith(t testing.TB, days ...string) string {
	t.Helper()
	all := deltaFiles(t)
	dir := t.TempDir()
	for _, name := range animetl.BaseFiles {
		copyFile(t, filepath.Join(all, name), filepath.Join(dir, name))
	}
	for _, day := range days {
		src := filepath.Join(all, "animelist", "date="+day)
		if err := os.CopyFS(filepath.Join(dir, "animelist", "date="+day), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// addDays copies delta days into an existing source folder.
func addDays(t testing.TB, dir string, days ...string) {
	t.Helper()
	all := deltaFiles(t)
	for _, day := range days {
		src := filepath.Join(all, "animelist", "date="+day)
		if err := os.CopyFS(filepath.Join(dir, "animelist", "date="+day), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Keep the modification time, as a copy of the same file would.
	st, err := os.Stat(src)
	if err == nil {
		os.Chtimes(dst, st.ModTime(), st.ModTime())
	}
}

// RunConfig is the configuration of the suite's runs of a folder into wh:
// the defaults, small batches, a full run.
func RunConfig(t testing.TB, wh animetl.Warehouse, dir string) pipeline.Config {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, wh.Dialect()
	cfg.BatchSize = 1000
	return cfg
}

// RunMode runs the pipeline on a folder in a mode, with an optional backfill.
func RunMode(t testing.TB, wh animetl.Warehouse, dir string, mode animetl.Mode, bf pipeline.Backfill) (*animetl.RunSummary, error) {
	t.Helper()
	cfg := RunConfig(t, wh, dir)
	cfg.Mode, cfg.Backfill = mode, bf
	return pipeline.Run(context.Background(), cfg)
}

func mustMode(t testing.TB, wh animetl.Warehouse, dir string, mode animetl.Mode, bf pipeline.Backfill) *animetl.RunSummary {
	t.Helper()
	sum, err := RunMode(t, wh, dir, mode, bf)
	if err != nil {
		t.Fatalf("%s run on %s: %v", mode, dir, err)
	}
	mustPass(t, sum)
	return sum
}

// mustPass fails the test unless every file of the run accounts for every
// line and every check passed (the drift and freshness warnings aside).
func mustPass(t testing.TB, sum *animetl.RunSummary) {
	t.Helper()
	for _, f := range sum.Files {
		if !f.Balanced() {
			t.Errorf("%s: read %d != %d + %d + %d", f.Name, f.RowsRead, f.RowsLoaded, f.RowsRejected, f.RowsDuplicate)
		}
	}
	for _, c := range sum.Checks {
		if c.Status != animetl.CheckPass && c.Name != "delta_freshness" && c.Name != "table_drift" {
			t.Errorf("check %s failed: observed %s, want %s", c.Name, c.Observed, c.Threshold)
		}
	}
}

// sameAs fails the test unless the warehouse holds what a full run of dir gives.
func sameAs(t *testing.T, newStore NewStore, wh animetl.Warehouse, dir, what string) {
	t.Helper()
	ref := newStore(t)(t, time.Second)
	mustMode(t, ref, dir, animetl.ModeFull, pipeline.Backfill{})
	want, got := Fingerprints(t, ref), Fingerprints(t, wh)
	for table, fp := range want {
		if got[table] != fp {
			t.Errorf("%s: %s holds %+v, a full run gives %+v", what, table, got[table], fp)
		}
	}
}

func deltaNames(sum *animetl.RunSummary) []string {
	var out []string
	for _, f := range sum.Files {
		if strings.HasPrefix(f.Name, "animelist/") {
			out = append(out, f.Name)
		}
	}
	return out
}

func testIncremental(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t) // the base only
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})

	addDays(t, dir, "2026-11-27")
	sum := mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	if got := deltaNames(sum); len(got) != 2 {
		t.Errorf("the first incremental run applied %v, want the day's upserts and deletes", got)
	}
	sameAs(t, newStore, wh, dir, "after one day")

	before := Fingerprints(t, wh)
	sum = mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	if got := deltaNames(sum); len(got) != 0 {
		t.Errorf("a rerun of the same day applied %v again", got)
	}
	if after := Fingerprints(t, wh); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("rerunning the same day changed the warehouse")
	}

	addDays(t, dir, "2026-11-28")
	mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	sameAs(t, newStore, wh, dir, "after two days")

	// A day that arrives late is applied, and the later days again after it.
	addDays(t, dir, "2026-11-26")
	sum = mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	if got := deltaNames(sum); len(got) != 6 || !strings.Contains(got[0], "2026-11-26") {
		t.Errorf("a late day applied %v, want it first and the two later days after it", got)
	}
	sameAs(t, newStore, wh, dir, "after a late day")

	// A changed applied file cannot be undone: the run fails, nothing changes.
	before = Fingerprints(t, wh)
	p := filepath.Join(dir, "animelist", "date=2026-11-27", "part-0.csv")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(b, []byte("999999,1,5,2,1\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RunMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{}); !errors.Is(err, pipeline.ErrNeedsFull) {
		t.Errorf("incremental run after an applied day changed: err = %v, want ErrNeedsFull", err)
	}
	if after := Fingerprints(t, wh); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("a refused incremental run changed the warehouse")
	}
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	sameAs(t, newStore, wh, dir, "after a full rebuild")
}

// testCompaction: user_anime is a view over its base and two day tables
// (schema/sql/fact.sql). A day written to the day tables and a day whose
// publish compacts them (CompactAbove below their share) both leave what a
// full run gives; the compaction writes the base again and empties the day
// tables, and a full run empties them too.
func testCompaction(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t)
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	sizes := func() (base, delta, gone int) {
		r := QueryAll(t, wh, `SELECT (SELECT count(*) FROM user_anime_base), (SELECT count(*) FROM user_anime_delta),
			(SELECT count(*) FROM user_anime_gone)`)[0]
		return atoi(r[0]), atoi(r[1]), atoi(r[2])
	}
	if _, d, g := sizes(); d != 0 || g != 0 {
		t.Fatalf("after a full run the day tables hold %d and %d rows, want none", d, g)
	}
	run := func(compactAbove float64) {
		t.Helper()
		runIncremental(t, wh, dir, func(cfg *pipeline.Config) { cfg.CompactAbove = compactAbove })
	}
	addDays(t, dir, "2026-11-27")
	run(1000) // never past
	base0, d, g := sizes()
	if d == 0 || g == 0 {
		t.Fatalf("a day left the day tables with %d and %d rows; the test proves nothing", d, g)
	}
	sameAs(t, newStore, wh, dir, "after a day in the day tables")

	addDays(t, dir, "2026-11-28")
	run(1e-9) // past at once: the publish compacts
	base, d, g := sizes()
	if d != 0 || g != 0 {
		t.Errorf("after a compaction the day tables hold %d and %d rows, want none", d, g)
	}
	if want := atoi(QueryAll(t, wh, "SELECT count(*) FROM user_anime")[0][0]); base != want || base == base0 {
		t.Errorf("after a compaction the base holds %d rows (before: %d), user_anime %d", base, base0, want)
	}
	sameAs(t, newStore, wh, dir, "after a compacting day")

	// A late day after the compaction: the day tables fill again.
	addDays(t, dir, "2026-11-26")
	run(1000)
	sameAs(t, newStore, wh, dir, "after a late day on the compacted base")
}

func testBackfill(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t)
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	addDays(t, dir, "2026-11-26", "2026-11-27", "2026-11-28")
	sum := mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{To: "2026-11-27"})
	if got := deltaNames(sum); len(got) != 4 {
		t.Errorf("backfill to 11-27 applied %v", got)
	}
	sameAs(t, newStore, wh, sourceWith(t, "2026-11-26", "2026-11-27"), "after a backfill to 11-27")
	mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	sameAs(t, newStore, wh, dir, "after the rest")
	if _, err := RunMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{From: "2026-11-27"}); !errors.Is(err, animetl.ErrConfig) {
		t.Errorf("a full run with a backfill start: err = %v, want ErrConfig", err)
	}
}

// testDeletes checks the delete semantics on two entries of the base: the
// latest file wins for each key, and a day's deletes follow its upserts.
func testDeletes(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t)
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	keys := QueryAll(t, wh, "SELECT user_id, anime_id FROM user_anime ORDER BY user_id, anime_id LIMIT 3")
	k1, k2, k3 := keys[0], keys[1], keys[2]
	write := func(day, name, body string) {
		p := filepath.Join(dir, "animelist", "date="+day, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	up := "user_id,anime_id,rating,watching_status,watched_episodes\n"
	del := "user_id,anime_id\n"
	// Day 1: k1 removed; k2 re-rated 3; k3 re-rated and removed the same day.
	write("2026-12-01", "part-0.csv", up+fmt.Sprintf("%s,%s,3,2,1\n%s,%s,4,2,1\n", k2[0], k2[1], k3[0], k3[1]))
	write("2026-12-01", "deletes/part-0.csv", del+fmt.Sprintf("%s,%s\n%s,%s\n", k1[0], k1[1], k3[0], k3[1]))
	mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	// Day 2: k1 comes back rated 7; k2 removed.
	write("2026-12-02", "part-0.csv", up+fmt.Sprintf("%s,%s,7,2,12\n", k1[0], k1[1]))
	write("2026-12-02", "deletes/part-0.csv", del+fmt.Sprintf("%s,%s\n", k2[0], k2[1]))
	mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	rating := func(k []string) string {
		r := QueryAll(t, wh, "SELECT rating FROM user_anime WHERE user_id = $1 AND anime_id = $2", atoi(k[0]), atoi(k[1]))
		if len(r) == 0 {
			return "absent"
		}
		return r[0][0]
	}
	if got := rating(k1); got != "7" {
		t.Errorf("entry removed on day 1 and added on day 2: %s, want rating 7", got)
	}
	if got := rating(k2); got != "absent" {
		t.Errorf("entry re-rated on day 1 and removed on day 2: %s, want absent", got)
	}
	if got := rating(k3); got != "absent" {
		t.Errorf("entry re-rated and removed on the same day: %s, want absent", got)
	}
	sameAs(t, newStore, wh, dir, "after the deletes")
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}
