// Package contract is the behaviour every animetl.Warehouse must have, as
// one test suite that each adapter runs against the real engine: every line
// accounted for, the cleaning rules visible in the published tables, reruns
// that change nothing, failed runs that leave the published state alone, and
// runs that never overlap.
package contract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// Opener opens a handle on one warehouse store; lockTimeout is the handle's
// run-lock timeout.
type Opener func(t *testing.T, lockTimeout time.Duration) animetl.Warehouse

// NewStore makes a fresh, empty warehouse store for one test and returns its
// Opener. It registers the store's removal with t.Cleanup.
type NewStore func(t *testing.T) Opener

// RepoRoot is the repository's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Generated is the generated dataset the suite loads: small, in the team's
// indexed layout, with hostile lines.
var Generated = synth.Config{Rows: 60_000, Anime: 3_000, Seed: 7, Layout: synth.LayoutIndexed, DefectRate: 0.002}

var (
	genMu    sync.Mutex
	genCache = map[synth.Config]genResult{}
	genRoot  string
)

type genResult struct {
	dir   string
	stats synth.Stats
}

// Main runs a package's tests and then removes what Gen generated: call it
// from TestMain as os.Exit(contract.Main(m)) in every package that uses Gen
// (or the suite, which does).
func Main(m *testing.M) int {
	code := m.Run()
	genMu.Lock()
	defer genMu.Unlock()
	if genRoot != "" {
		os.RemoveAll(genRoot)
		genRoot = ""
		clear(genCache)
	}
	return code
}

// Gen generates cfg once per test binary and returns its folder and stats.
// Tests must not modify the folder; CopyDir it first.
func Gen(t testing.TB, cfg synth.Config) (string, synth.Stats) {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if r, ok := genCache[cfg]; ok {
		return r.dir, r.stats
	}
	if genRoot == "" {
		d, err := os.MkdirTemp("", "animetl-contract-")
		if err != nil {
			t.Fatal(err)
		}
		genRoot = d
	}
	dir := filepath.Join(genRoot, fmt.Sprintf("gen-%d", len(genCache)))
	st, err := synth.WriteDir(context.Background(), dir, cfg)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	genCache[cfg] = genResult{dir: dir, stats: st}
	return dir, st
}

// ReadFiles returns the contents of the base files in dir, by name, for
// sources that serve files from memory.
func ReadFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range animetl.BaseFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// CopyDir copies a flat folder of source files into a new temporary folder,
// keeping modification times.
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		// A copy keeps the modification time: the ledger tells files apart by it.
		if st, err := e.Info(); err == nil {
			os.Chtimes(filepath.Join(dst, e.Name()), st.ModTime(), st.ModTime())
		}
	}
	return dst
}

// RunDir runs the pipeline on a folder; a maxRejectRate of 0 means the
// default (pipeline.DefaultConfig).
func RunDir(t testing.TB, wh animetl.Warehouse, dir string, maxRejectRate float64) (*animetl.RunSummary, error) {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return RunFrom(t, wh, src, maxRejectRate)
}

// RunFrom runs the pipeline on a source; a maxRejectRate of 0 means the
// default.
func RunFrom(t testing.TB, wh animetl.Warehouse, src animetl.Source, maxRejectRate float64) (*animetl.RunSummary, error) {
	t.Helper()
	return RunFromWith(t, wh, src, maxRejectRate, nil)
}

// RunFromWith is RunFrom with tune, when not nil, changing the
// configuration last.
func RunFromWith(t testing.TB, wh animetl.Warehouse, src animetl.Source, maxRejectRate float64, tune func(*pipeline.Config)) (*animetl.RunSummary, error) {
	t.Helper()
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, wh.Dialect()
	if maxRejectRate != 0 { // 0 keeps the default in these helpers
		cfg.MaxRejectRate = maxRejectRate
	}
	cfg.BatchSize = 1000 // several batches even on small data
	if tune != nil {
		tune(&cfg)
	}
	return pipeline.Run(context.Background(), cfg)
}

// MustRun runs the pipeline and fails the test unless the run succeeded.
func MustRun(t testing.TB, wh animetl.Warehouse, dir string, maxRejectRate float64) *animetl.RunSummary {
	t.Helper()
	sum, err := RunDir(t, wh, dir, maxRejectRate)
	if err != nil {
		t.Fatalf("run %s: %v", dir, err)
	}
	if sum.Status != animetl.StatusSucceeded {
		t.Fatalf("run status %s", sum.Status)
	}
	for _, f := range sum.Files {
		if !f.Balanced() {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d",
				f.Name, f.RowsRead, f.RowsLoaded, f.RowsRejected, f.RowsDuplicate)
		}
	}
	return sum
}

// Run runs the whole suite against fresh stores from newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("GeneratedDataAccountsForEveryLine", func(t *testing.T) { testGenerated(t, newStore) })
	t.Run("HostileFixture", func(t *testing.T) { testHostile(t, newStore) })
	t.Run("RerunGivesSameData", func(t *testing.T) { testRerun(t, newStore) })
	t.Run("FailedRunLeavesPublishedUntouched", func(t *testing.T) { testFailedRun(t, newStore) })
	t.Run("MissingFileFailsBeforeLoading", func(t *testing.T) { testMissingFile(t, newStore) })
	t.Run("BadHeaderFailsTheRun", func(t *testing.T) { testBadHeader(t, newStore) })
	t.Run("SecondRunWaitsThenFailsNamingHolder", func(t *testing.T) { testLock(t, newStore) })
	t.Run("SeedQueriesRunUnchanged", func(t *testing.T) { testSeedQueries(t, newStore) })
	t.Run("IncrementalEqualsFull", func(t *testing.T) { testIncremental(t, newStore) })
	t.Run("CompactionEqualsFull", func(t *testing.T) { testCompaction(t, newStore) })
	t.Run("CatalogueKeptWhenUnchanged", func(t *testing.T) { testCatalogueKept(t, newStore) })
	t.Run("BackfillAppliesARange", func(t *testing.T) { testBackfill(t, newStore) })
	t.Run("DeletesFollowTheLatestFile", func(t *testing.T) { testDeletes(t, newStore) })
	t.Run("CutUploadDoesNotPublish", func(t *testing.T) { testShrink(t, newStore) })
	t.Run("PhasesAreTimedAndRecorded", func(t *testing.T) { testPhases(t, newStore) })
	t.Run("RecommendationsPublishWithTheData", func(t *testing.T) { testRecommend(t, newStore) })
	t.Run("KnownRepeatsEqualFullSearch", func(t *testing.T) { testKnownRepeats(t, newStore) })
}

func fileByName(t testing.TB, sum *animetl.RunSummary, name string) animetl.FileSummary {
	t.Helper()
	for _, f := range sum.Files {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no file %s in summary %+v", name, sum.Files)
	return animetl.FileSummary{}
}

func testGenerated(t *testing.T, newStore NewStore) {
	dir, st := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	sum := MustRun(t, wh, dir, 0)

	list := fileByName(t, sum, animetl.FileAnimeList)
	if list.RowsRead != st.AnimeList.Records {
		t.Errorf("animelist read %d, generator wrote %d records", list.RowsRead, st.AnimeList.Records)
	}
	d := st.ListDefects
	if list.RowsDuplicate != d.ExactDuplicate {
		t.Errorf("animelist duplicates %d, generator wrote %d exact duplicates", list.RowsDuplicate, d.ExactDuplicate)
	}
	if want := d.Total() - d.ExactDuplicate; list.RowsRejected != want {
		t.Errorf("animelist rejected %d, generator wrote %d hostile non-duplicate lines (%+v)", list.RowsRejected, want, d)
	}
	if list.RowsLoaded != st.ListEntries {
		t.Errorf("animelist loaded %d, generator wrote %d clean entries", list.RowsLoaded, st.ListEntries)
	}
	anime := fileByName(t, sum, animetl.FileAnime)
	if anime.RowsRejected != st.AnimeDefects.Total() || anime.RowsRead != st.Anime.Records {
		t.Errorf("anime.csv read %d rejected %d, generator wrote %d records with %d hostile",
			anime.RowsRead, anime.RowsRejected, st.Anime.Records, st.AnimeDefects.Total())
	}
	for _, f := range []string{animetl.FileWatchingStatus, animetl.FileSynopsis} {
		fs := fileByName(t, sum, f)
		if fs.RowsRejected != 0 || fs.RowsRead == 0 {
			t.Errorf("%s: %+v, want every line loaded", f, fs)
		}
	}

	// What the published tables say, checked against the generator.
	checks := []struct {
		name string
		sql  string
		want int64
	}{
		{"user_anime rows", "SELECT count(*) FROM user_anime", st.ListEntries},
		{"catalogue rows", "SELECT count(*) FROM anime WHERE NOT is_inferred", anime.RowsLoaded},
		{"inferred anime", "SELECT count(*) FROM anime WHERE is_inferred", int64(st.MissingAnimeIDs)},
		{"entries on inferred anime", "SELECT count(*) FROM user_anime u JOIN anime a ON a.anime_id = u.anime_id WHERE a.is_inferred", st.MissingAnimeRows},
		{"undocumented status entries", "SELECT count(*) FROM user_anime u JOIN watching_status s ON s.status = u.watching_status WHERE NOT s.is_documented", st.UndocumentedStatus},
		{"documented statuses", "SELECT count(*) FROM watching_status WHERE is_documented", 5},
		{"rating 0 stored as NULL", "SELECT count(*) FROM user_anime WHERE rating = 0", 0},
		{"no Unknown genre", "SELECT count(*) FROM genre WHERE name = 'Unknown'", 0},
		{"no Unknown text", "SELECT count(*) FROM anime WHERE name = 'Unknown' OR english_name = 'Unknown' OR type = 'Unknown' OR source = 'Unknown' OR age_rating = 'Unknown' OR aired_raw = 'Unknown'", 0},
		{"plan to watch is never rated", "SELECT count(*) FROM user_anime WHERE watching_status = 6 AND rating IS NOT NULL", 0},
		{"mart covers every list entry", "SELECT CAST(SUM(list_users) AS BIGINT) FROM anime_stats", st.ListEntries},
		{"mart covers every anime", "SELECT count(*) FROM anime_stats", int64(st.Anime.Records) - anime.RowsRejected + int64(st.MissingAnimeIDs)},
	}
	for _, c := range checks {
		if got := QueryInt(t, wh, c.sql); got != c.want {
			t.Errorf("%s: %s = %d, want %d", c.name, c.sql, got, c.want)
		}
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM genre"); n < 30 || n > 43 {
		t.Errorf("genre has %d rows, want the real genres (at most 43)", n)
	}
	for _, q := range []string{
		"SELECT count(*) FROM anime WHERE score IS NULL",
		"SELECT count(*) FROM anime WHERE episodes IS NULL",
		"SELECT count(*) FROM anime WHERE aired_from IS NULL",
		"SELECT count(*) FROM anime WHERE duration_minutes IS NULL",
		"SELECT count(*) FROM anime WHERE premiered_season IS NOT NULL",
		"SELECT count(*) FROM anime WHERE aired_to IS NULL AND aired_from IS NOT NULL",
		"SELECT count(*) FROM anime WHERE synopsis IS NOT NULL",
	} {
		if QueryInt(t, wh, q) == 0 {
			t.Errorf("%s = 0: the generated catalogue has such rows", q)
		}
	}
	// Every reject and duplicate is stored with its file, line and reason.
	stored := QueryInt(t, wh, "SELECT count(*) FROM etl_reject WHERE run_id = $1 AND line > 1 AND reason <> ''", sum.RunID)
	if tot := sum.Totals(); stored != tot.RowsRejected+tot.RowsDuplicate {
		t.Errorf("etl_reject holds %d rows of the run, summary says %d rejected + %d duplicates", stored, tot.RowsRejected, tot.RowsDuplicate)
	}
	for _, c := range sum.Checks {
		if c.Status != animetl.CheckPass {
			t.Errorf("check %s failed: observed %s, want %s", c.Name, c.Observed, c.Threshold)
		}
	}
	if got := QueryAll(t, wh, "SELECT status FROM etl_run WHERE run_id = $1", sum.RunID); len(got) != 1 || got[0][0] != "succeeded" {
		t.Errorf("etl_run of the run: %v", got)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM etl_check WHERE run_id = $1", sum.RunID); n != int64(len(sum.Checks)) {
		t.Errorf("etl_check holds %d checks of the run, summary %d", n, len(sum.Checks))
	}
}

func testRerun(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	MustRun(t, wh, dir, 0)
	first := Fingerprints(t, wh)
	MustRun(t, wh, dir, 0)
	second := Fingerprints(t, wh)
	for table, fp := range first {
		if second[table] != fp {
			t.Errorf("%s changed on rerun: %+v -> %+v", table, fp, second[table])
		}
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM etl_run WHERE status = 'succeeded'"); n != 2 {
		t.Errorf("etl_run holds %d succeeded runs, want 2", n)
	}
}

// garble replaces every other data line of a file with garbage.
func garble(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 1; i < len(lines); i += 2 {
		if lines[i] != "" {
			lines[i] = "garbage,not,a,list,line,at,all"
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func testFailedRun(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	MustRun(t, wh, dir, 0)
	before := Fingerprints(t, wh)

	bad := CopyDir(t, dir)
	garble(t, filepath.Join(bad, animetl.FileAnimeList))
	sum, err := RunDir(t, wh, bad, 0)
	if !errors.Is(err, animetl.ErrChecks) {
		t.Fatalf("run on a half-garbage list: err = %v, want ErrChecks", err)
	}
	if sum.Status != animetl.StatusFailed || !strings.Contains(sum.Error, "reject_rate") {
		t.Errorf("summary: status %s error %q, want failed naming reject_rate", sum.Status, sum.Error)
	}
	after := Fingerprints(t, wh)
	for table, fp := range before {
		if after[table] != fp {
			t.Errorf("%s changed by a failed run: %+v -> %+v", table, fp, after[table])
		}
	}
	got := QueryAll(t, wh, "SELECT status, error FROM etl_run WHERE run_id = $1", sum.RunID)
	if len(got) != 1 || got[0][0] != "failed" || got[0][1] == "NULL" {
		t.Errorf("etl_run of the failed run: %v", got)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM etl_reject WHERE run_id = $1", sum.RunID); n < 1000 {
		t.Errorf("etl_reject keeps %d rejects of the failed run, want them all", n)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM etl_check WHERE run_id = $1 AND name = 'reject_rate' AND status = 'fail'", sum.RunID); n != 1 {
		t.Errorf("etl_check: reject_rate fail rows of the failed run = %d, want 1", n)
	}
}

func testMissingFile(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	MustRun(t, wh, dir, 0)
	before := Fingerprints(t, wh)
	partial := CopyDir(t, dir)
	if err := os.Remove(filepath.Join(partial, animetl.FileAnime)); err != nil {
		t.Fatal(err)
	}
	sum, err := RunDir(t, wh, partial, 0)
	if !errors.Is(err, animetl.ErrMissingFile) || !strings.Contains(err.Error(), animetl.FileAnime) {
		t.Fatalf("err = %v, want ErrMissingFile naming %s", err, animetl.FileAnime)
	}
	if len(sum.Files) != 0 {
		t.Errorf("summary lists files %v of a run that loaded nothing", sum.Files)
	}
	if n := QueryInt(t, wh, "SELECT count(*) FROM etl_file WHERE run_id = $1", sum.RunID); n != 0 {
		t.Errorf("etl_file holds %d files of a run that loaded nothing", n)
	}
	after := Fingerprints(t, wh)
	for table, fp := range before {
		if after[table] != fp {
			t.Errorf("%s changed by a failed run: %+v -> %+v", table, fp, after[table])
		}
	}
	if got := QueryAll(t, wh, "SELECT status FROM etl_run WHERE run_id = $1", sum.RunID); len(got) != 1 || got[0][0] != "failed" {
		t.Errorf("etl_run of the failed run: %v", got)
	}
}

func testBadHeader(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	bad := CopyDir(t, dir)
	p := filepath.Join(bad, animetl.FileAnimeList)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "watching_status", "status_code", 1))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = RunDir(t, wh, bad, 0)
	if !errors.Is(err, animetl.ErrHeader) || !strings.Contains(err.Error(), "watching_status") {
		t.Fatalf("err = %v, want ErrHeader naming watching_status", err)
	}
}

func testLock(t *testing.T, newStore NewStore) {
	open := newStore(t)
	holder := open(t, time.Second)
	start := time.Now().UTC()
	st, err := holder.Begin(context.Background(), animetl.RunInfo{
		ID: "holder-run", Mode: animetl.ModeFull, Source: "test", Host: "test-host", PID: 4242, StartedAt: start,
	})
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer st.Abort(context.Background(), &animetl.RunSummary{RunID: "holder-run", Status: animetl.StatusFailed, Mode: animetl.ModeFull,
		StartedAt: start, FinishedAt: time.Now().UTC(), Error: "test over"})
	dir, _ := Gen(t, Generated)
	other := open(t, 300*time.Millisecond)
	t0 := time.Now()
	_, err = RunDir(t, other, dir, 0)
	waited := time.Since(t0)
	var le *animetl.LockedError
	if !errors.As(err, &le) || !errors.Is(err, animetl.ErrLocked) {
		t.Fatalf("second run: err = %v, want a LockedError", err)
	}
	if le.Holder.RunID != "holder-run" || le.Holder.PID != 4242 || le.Holder.Host != "test-host" {
		t.Errorf("holder = %+v, want the first run's identity", le.Holder)
	}
	if waited < 300*time.Millisecond {
		t.Errorf("second run gave up after %s, want it to wait the lock timeout", waited)
	}
}

func testSeedQueries(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	MustRun(t, wh, dir, 0)
	for _, q := range []string{
		"SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)",
		"SELECT MAL_ID, Name, Genres FROM anime_master ORDER BY MAL_ID LIMIT 5",
		"SELECT * FROM anime_meta ORDER BY MAL_ID LIMIT 5",
		"SELECT MAL_ID, Score_10, Score_1 FROM anime_score ORDER BY MAL_ID LIMIT 5",
		"SELECT status, description FROM anime_watching_status ORDER BY status",
		"SELECT user_id, anime_id, watching_status, watched_episodes, rating FROM anime_list ORDER BY user_id, anime_id LIMIT 5",
	} {
		if rows := QueryAll(t, wh, q); len(rows) == 0 {
			t.Errorf("%s: no rows", q)
		}
	}
	max := QueryAll(t, wh, "SELECT MAX(Score) FROM anime_master")[0][0]
	top := QueryAll(t, wh, "SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)")
	for _, r := range top {
		if r[2] != max {
			t.Errorf("seed query row %v has score %s, max is %s", r, r[2], max)
		}
	}
}
