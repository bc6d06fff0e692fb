package duckdb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
)

// badSource is a copy of the generated source whose list is half garbage,
// so a run on it fails its reject-rate check after loading.
func badSource(t *testing.T) string {
	dir, _ := contract.Gen(t, contract.Generated)
	bad := contract.CopyDir(t, dir)
	path := filepath.Join(bad, animetl.FileAnimeList)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 1; i < len(lines); i += 2 {
		if lines[i] != "" {
			lines[i] = "garbage,not,a,list,line"
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return bad
}

func openDuck(t *testing.T, path string) *duckdb.Warehouse {
	w, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func inodeOf(t *testing.T, path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

func TestFailedRunKeepsThePublishedFile(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openDuck(t, path)
	contract.MustRun(t, w, dir, 0)
	ino := inodeOf(t, path)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	sum, err := contract.RunDir(t, w, badSource(t), 0)
	if !errors.Is(err, animetl.ErrChecks) {
		t.Fatalf("bad run: err = %v, want ErrChecks", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := inodeOf(t, path); got != ino || string(after) != string(before) {
		t.Fatalf("a failed run rewrote the published file (inode %d -> %d, %d -> %d bytes)", ino, got, len(before), len(after))
	}
	// Readers see the failure, also through a second Warehouse value.
	for _, q := range []*duckdb.Warehouse{w, openDuck(t, path)} {
		if got := contract.QueryAll(t, q, "SELECT status FROM etl_run WHERE run_id = $1", sum.RunID); len(got) != 1 || got[0][0] != "failed" {
			t.Errorf("etl_run of the failed run: %v", got)
		}
		if n := contract.QueryInt(t, q, "SELECT count(*) FROM etl_reject WHERE run_id = $1", sum.RunID); n < 1000 {
			t.Errorf("etl_reject: %d rejects of the failed run", n)
		}
	}

	// The next run carries the failure into the published ledger, once.
	ok := contract.MustRun(t, w, dir, 0)
	if _, err := os.Stat(path + ".runs"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the side ledger outlived the run that carried it: %v", err)
	}
	got := contract.QueryAll(t, w, "SELECT run_id, status FROM etl_run ORDER BY started_at")
	if len(got) != 3 || got[1][0] != sum.RunID || got[1][1] != "failed" || got[2][0] != ok.RunID {
		t.Errorf("etl_run after the next run: %v", got)
	}
	if n := contract.QueryInt(t, w, "SELECT count(*) FROM etl_check WHERE run_id = $1 AND name = 'reject_rate' AND status = 'fail'", sum.RunID); n != 1 {
		t.Errorf("etl_check of the failed run after the next run: %d reject_rate fails, want 1", n)
	}
}

func TestFailedFirstRunLeavesNoWarehouse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openDuck(t, path)
	if _, err := contract.RunDir(t, w, badSource(t), 0); !errors.Is(err, animetl.ErrChecks) {
		t.Fatalf("bad run: err = %v, want ErrChecks", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed first run left %s behind (%v)", path, err)
	}
	_, err := w.Query(context.Background(), "SELECT * FROM anime_stats")
	if !errors.Is(err, animetl.ErrNotFound) || !strings.Contains(err.Error(), "no published warehouse") {
		t.Errorf("query after a failed first run: %v, want no published warehouse", err)
	}
	// The first good run publishes the failure with it.
	dir, _ := contract.Gen(t, contract.Generated)
	contract.MustRun(t, w, dir, 0)
	if n := contract.QueryInt(t, w, "SELECT count(*) FROM etl_run WHERE status = 'failed'"); n != 1 {
		t.Errorf("failed runs in the ledger after the first good run: %d, want 1", n)
	}
}
