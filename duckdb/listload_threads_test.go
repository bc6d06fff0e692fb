package duckdb_test

import (
	"path/filepath"
	"testing"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
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
