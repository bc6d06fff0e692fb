package spark_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/spark"
	"github.com/animetl/animetl/synth"
)

func TestMain(m *testing.M) { os.Exit(contract.Main(m)) }

// sparkRemote returns the Spark Connect server of the integration tests,
// or skips the test.
func sparkRemote(t *testing.T) string {
	t.Helper()
	r := os.Getenv("ANIMETL_TEST_SPARK_REMOTE")
	if r == "" {
		t.Skip("needs ANIMETL_TEST_SPARK_REMOTE=sc://HOST:PORT of a Spark Connect server; `make test` starts one (scripts/spark-connect.sh)")
	}
	return r
}

// hostileSource generates a small set with hostile lines in the base list
// and two delta days, with hostile lines added to both days' upserts and
// deletes, and hostile records added to the three catalogue files.
func hostileSource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := synth.WriteDir(ctx, dir, synth.Config{Rows: 4000, Anime: 400, Seed: 11, DefectRate: 0.02, Layout: synth.LayoutIndexed}); err != nil {
		t.Fatal(err)
	}
	// The generator's defects are the lists'; the catalogue's are written
	// by hand (new ids, so the lists' references stay as they were).
	appendLines(t, filepath.Join(dir, "anime.csv"), spark.HostileAnime(900000, true)...)
	appendLines(t, filepath.Join(dir, "anime_with_synopsis.csv"), spark.HostileSynopses(900000, true, true)...)
	appendLines(t, filepath.Join(dir, "watching_status.csv"), spark.HostileStatuses(true)...)
	for i, day := range []string{"2026-11-28", "2026-11-29"} {
		if _, err := synth.WriteDelta(ctx, dir, synth.DeltaConfig{Date: day, Rows: 300, Deletes: 40, Seed: uint64(20 + i)}); err != nil {
			t.Fatal(err)
		}
		folder := filepath.Join(dir, "animelist", "date="+day)
		// The indexed layout: a pandas index column first.
		appendLines(t, filepath.Join(folder, "part-0.csv"),
			"", "90,1,abc,7,2,3", `91,"2","3",8,2,"1"`, `"92,4,5,6,7,8`, "93,5,6,7,2", "94,5,7,7.0,2,3",
			"95,5,8,7,2,3,9", `96,5,"9"x,7,2,3`, "97,5,10,11,2,3\r", "98,5,11, 7 ,2,3", "99,5,12,7,2,1e3",
			// A key repeated within the day: an identical repeat, a conflicting one.
			"100,7,20,8,2,5", "101,7,20,8,2,5", "102,7,20,9,2,5")
		appendLines(t, filepath.Join(folder, "deletes", "part-0.csv"), "", "90,x,1", "91,7,0", "92,9,9", "93, 9 ,9", "94,9,9")
	}
	return dir
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}

// run loads dir into wh with the given list engine (nil: local), in full.
func run(t *testing.T, wh animetl.Warehouse, dir string, eng animetl.ListEngine) (*animetl.RunSummary, error) {
	t.Helper()
	return runMode(t, wh, dir, eng, animetl.ModeFull)
}

func runMode(t *testing.T, wh animetl.Warehouse, dir string, eng animetl.ListEngine, mode animetl.Mode) (*animetl.RunSummary, error) {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, wh.Dialect()
	cfg.MaxRejectRate = 0.1 // an incremental run reloads the hostile catalogue with a small day
	cfg.ListEngine = eng
	cfg.Mode = mode
	return pipeline.Run(context.Background(), cfg)
}

func openDuck(t *testing.T) animetl.Warehouse {
	t.Helper()
	wh, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

func openPostgres(t *testing.T) animetl.Warehouse {
	t.Helper()
	wh, err := postgres.Open(context.Background(), postgres.Options{URL: contract.NewPostgresDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

// rejects lists a run's rejected and duplicate lines.
func rejects(t *testing.T, q animetl.Querier, runID string) [][]string {
	t.Helper()
	return contract.QueryAll(t, q, `SELECT file, line, kind, field, reason, raw FROM etl_reject WHERE run_id = $1 ORDER BY file, line, kind`, runID)
}

// TestSparkParity loads the same hostile source with the local engine and
// the Spark engine, into DuckDB and into PostgreSQL, and compares the
// published warehouses: every table, every file's counts, every reject.
func TestSparkParity(t *testing.T) {
	remote := sparkRemote(t)
	dir := hostileSource(t)
	for _, wc := range []struct {
		name string
		open func(*testing.T) animetl.Warehouse
	}{{"duckdb", openDuck}, {"postgres", openPostgres}} {
		t.Run(wc.name, func(t *testing.T) {
			localWH := wc.open(t)
			sparkWH := &seenWarehouse{Warehouse: wc.open(t)}
			want, err := run(t, localWH, dir, nil)
			if err != nil {
				t.Fatalf("local run: %v", err)
			}
			stage := t.TempDir()
			eng := &spark.Engine{Remote: remote, Stage: stage,
				// Small blocks: the list files are read in many parallel pieces.
				Conf: map[string]string{"spark.sql.files.maxPartitionBytes": "16384"}}
			got, err := run(t, sparkWH, dir, eng)
			if err != nil {
				t.Fatalf("spark run: %v", err)
			}
			// Spark resolved the base's repeats and counted it: the
			// warehouse got the counts and no repeat to resolve. The
			// three list files (base, two days) came in whole where the
			// stage takes Parquet.
			opts, parquet := sparkWH.seen()
			if opts.BaseCounts == nil || len(opts.BaseRepeats) != 0 {
				t.Errorf("spark run: %d base counts, %d repeats; want counts and no repeat", len(opts.BaseCounts), len(opts.BaseRepeats))
			}
			if _, ok := sparkWH.Warehouse.(*duckdb.Warehouse); ok != (parquet == 3) {
				t.Errorf("spark run: %d list files ingested from Parquet", parquet)
			}
			same(t, localWH, sparkWH, want, got, true)
			if wc.name == "duckdb" { // and an incremental run of a third day
				day := addDay(t, dir, "2026-11-30")
				want, err = runMode(t, localWH, day, nil, animetl.ModeIncremental)
				if err != nil {
					t.Fatalf("local incremental run: %v", err)
				}
				got, err = runMode(t, sparkWH, day, eng, animetl.ModeIncremental)
				if err != nil {
					t.Fatalf("spark incremental run: %v", err)
				}
				same(t, localWH, sparkWH, want, got, false)
			}
			if left, _ := os.ReadDir(stage); len(left) != 0 {
				t.Errorf("stage folder left: %v", left)
			}
		})
	}
}

// TestSparkDown runs with a Spark Connect server that does not answer: the
// run fails, is recorded as failed, and the published warehouse is as it
// was. No Spark needed.
func TestSparkDown(t *testing.T) {
	dir := hostileSource(t)
	wh := openDuck(t)
	if _, err := run(t, wh, dir, nil); err != nil {
		t.Fatal(err)
	}
	before := contract.Fingerprints(t, wh)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stage := t.TempDir()
	leftover := filepath.Join(stage, "20200101T000000Z-dead00")
	if err := os.MkdirAll(leftover, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(leftover, "_animetl_stage"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	unmarked := filepath.Join(stage, "20200101T000001Z-dead01", "lists") // a Spark job that wrote on
	foreign := filepath.Join(stage, "keep-me")
	for _, d := range []string{unmarked, foreign} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := run(t, wh, dir, &spark.Engine{Remote: "sc://" + addr, Stage: stage, DialTimeout: time.Second})
	if !errors.Is(err, spark.ErrUnavailable) || sum.Status != animetl.StatusFailed {
		t.Fatalf("err = %v, status %v; want ErrUnavailable, failed", err, sum.Status)
	}
	after := contract.Fingerprints(t, wh)
	for table, f := range before {
		if after[table] != f {
			t.Errorf("%s changed: %+v -> %+v", table, f, after[table])
		}
	}
	if got := contract.QueryAll(t, wh, `SELECT status FROM etl_run WHERE run_id = $1`, sum.RunID); fmt.Sprint(got) != "[[failed]]" {
		t.Errorf("etl_run status %v, want failed", got)
	}
	for _, d := range []string{leftover, filepath.Dir(unmarked)} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("leftover stage folder %s not removed: %v", d, err)
		}
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("a folder that is not a run's was removed: %v", err)
	}
}

// same compares the published warehouses and the runs' files and rejects.
func same(t *testing.T, localWH, sparkWH animetl.Warehouse, want, got *animetl.RunSummary, full bool) {
	t.Helper()
	if len(got.Files) != len(want.Files) {
		t.Fatalf("files: %d, want %d", len(got.Files), len(want.Files))
	}
	for i, w := range want.Files {
		g := got.Files[i]
		if g.Checksum == "" { // Spark read the file, not animetl
			g.Checksum = w.Checksum
		}
		if g != w {
			t.Errorf("file counts differ:\n spark %+v\n local %+v", g, w)
		}
	}
	fw, fg := contract.Fingerprints(t, localWH), contract.Fingerprints(t, sparkWH)
	for table, f := range fw {
		if fg[table] != f {
			t.Errorf("%s: spark %+v, local %+v", table, fg[table], f)
		}
	}
	rw, rg := rejects(t, localWH, want.RunID), rejects(t, sparkWH, got.RunID)
	switch {
	case full && len(rw) < 20, !full && len(rw) < 4:
		t.Errorf("only %d rejects: the source is not hostile enough", len(rw))
	case full && !strings.Contains(fmt.Sprint(rw), "deletes/part-0.csv 46 duplicate"):
		t.Errorf("no duplicate in a deletes file among the rejects: %v", rw)
	case full && !strings.Contains(fmt.Sprint(rw), "conflicting repeat of (user_id 7, anime_id 20)"),
		full && !strings.Contains(fmt.Sprint(rw), "animelist.csv") || !strings.Contains(fmt.Sprint(rw), "duplicate of line"):
		t.Errorf("the list files' repeats are missing: %v", rw)
	case full && !strings.Contains(fmt.Sprint(rw), "conflicting repeat of MAL_ID"),
		full && !strings.Contains(fmt.Sprint(rw), "anime_with_synopsis.csv"),
		full && !strings.Contains(fmt.Sprint(rw), "watching_status.csv"):
		t.Errorf("the catalogue files' rejects are missing: %v", rw)
	}
	t.Logf("%d rejects and duplicates alike", len(rw))
	if fmt.Sprint(rg) != fmt.Sprint(rw) {
		t.Errorf("rejects differ:\n spark %v\n local %v", rg, rw)
	}
}

// addDay adds a delta day to dir, hostile lines included, and returns dir
// (the base files stay as they were, so an incremental run takes them).
func addDay(t *testing.T, out, day string) string {
	t.Helper()
	if _, err := synth.WriteDelta(context.Background(), out, synth.DeltaConfig{Date: day, Rows: 200, Deletes: 30, Seed: 30}); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(out, "animelist", "date="+day)
	appendLines(t, filepath.Join(folder, "part-0.csv"), "", "90,1,abc,7,2,3", `96,5,"9"x,7,2,3`)
	appendLines(t, filepath.Join(folder, "deletes", "part-0.csv"), "92,9,9", "93, 9 ,9")
	return out
}
