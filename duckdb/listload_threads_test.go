package duckdb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/quality"
	"github.com/animetl/animetl/synth"
	_ "github.com/duckdb/duckdb-go/v2"
)

// TestListLoadManyThreadsFitsTheMemoryLimit: DuckDB runs as many threads as
// the machine has cores by default, and every thread that runs the list
// loader keeps row groups of its own in memory: 32 of them at a 96MB limit
// ran out of memory in the load (as 64 at the default 192MB would on a
// 64-core machine), and more threads than the limit feeds ran the checks'
// GROUP BY out of memory on 4M rows. DuckDB runs on as many threads as the
// limit has 16 MiB for: 5 at 96MB, the stage and the readers alike.
func TestListLoadManyThreadsFitsTheMemoryLimit(t *testing.T) {
	dir, _ := contract.Gen(t, synth.Config{Rows: 600_000, Anime: 500, Seed: 23})
	w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: "96MB", Threads: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sum := contract.MustRun(t, w, dir, 0)
	if n := contract.QueryInt(t, w, "SELECT count(*) FROM user_anime"); n != 600_000 {
		t.Fatalf("user_anime has %d rows, want 600000 (summary %+v)", n, sum.Files)
	}
	if n := contract.QueryInt(t, w, "SELECT CAST(current_setting('threads') AS BIGINT)"); n != 5 {
		t.Errorf("a reader runs %d threads, want 5 (96MB is 96e6 bytes, 5.7 times 16 MiB)", n)
	}
}

// TestListLoadGivesTheMemoryLimitBack: the list load runs under a share of
// the memory limit (the blocks it writes are a cache it never reads), and
// the rest of the run under the whole limit again, but for a full run's
// checks, which run under half of it (they stream user_anime), never below
// 96MB nor 32MiB a thread: a check on the stage sees half of a 192MB limit
// (two threads) in a full run and the whole of it in an incremental one
// (whose day loads a list file too), and the whole of a 64MB limit in a
// full run (half of it ran a 4M-row profile out of memory).
func TestListLoadGivesTheMemoryLimitBack(t *testing.T) {
	base, _ := contract.Gen(t, synth.Config{Rows: 50_000, Anime: 200, Seed: 5})
	mem, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	// printed is a limit as DuckDB prints it back.
	printed := func(limit string) string {
		var s string
		if err := mem.QueryRow("SET memory_limit = '" + limit + "'; SELECT current_setting('memory_limit')").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, c := range []struct {
		limit, inChecks string
		modes           []animetl.Mode
	}{
		{"192MB", "96MB", []animetl.Mode{animetl.ModeFull}},
		{"192MB", "192MB", []animetl.Mode{animetl.ModeIncremental}},
		{"64MB", "64MB", []animetl.Mode{animetl.ModeFull}},
	} {
		dir := contract.CopyDir(t, base)
		w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: c.limit, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if c.modes[0] == animetl.ModeIncremental {
			c.modes = append([]animetl.Mode{animetl.ModeFull}, c.modes...)
		}
		for i, mode := range c.modes {
			if mode == animetl.ModeIncremental {
				if _, err := synth.WriteDelta(context.Background(), dir, synth.DeltaConfig{Date: "2026-11-26", Rows: 400, Deletes: 40, Seed: 5}); err != nil {
					t.Fatal(err)
				}
			}
			cfg := contract.RunConfig(t, w, dir)
			cfg.Mode = mode
			cfg.Checks = quality.Defaults(quality.DefaultLimits())
			if i == len(c.modes)-1 {
				// DuckDB prints half of 192MB (96e6 bytes, set in KiB) as it
				// prints 96MB, give or take its rounding: compare MiB.
				cfg.Checks = append(cfg.Checks, quality.Check{
					Name: "memory_limit_in_checks", Severity: animetl.SeverityError,
					SQL: `SELECT CASE WHEN abs(CAST(split_part(current_setting('memory_limit'), ' ', 1) AS DOUBLE)
						- ` + strings.Fields(printed(c.inChecks))[0] + `) < 0.5
						AND current_setting('memory_limit') LIKE '% MiB' THEN 1 ELSE 0 END`,
					Op: quality.OpEQ, Threshold: 1,
				})
			}
			sum, err := pipeline.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("%s, %s run: %v (failed: %v)", c.limit, mode, err, quality.Failed(sum.Checks))
			}
		}
	}
}
