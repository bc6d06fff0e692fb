package duckdb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
)

// TestSnapshotHoldsItsFileAcrossAPublish: a snapshot opened before a
// publish keeps reading the file it started on, run id included, while a
// new snapshot reads the new run.
func TestSnapshotHoldsItsFileAcrossAPublish(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	r, err := duckdb.OpenReader(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Published(ctx); !errors.Is(err, animetl.ErrNotFound) {
		t.Fatalf("before any run: %v, want ErrNotFound", err)
	}
	dir, _ := contract.Gen(t, synth.Config{Rows: 3_000, Anime: 200, Seed: 5, Layout: synth.LayoutIndexed})
	first := contract.MustRun(t, wh, dir, 0)
	snap, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if snap.Run().RunID != first.RunID {
		t.Fatalf("snapshot of run %s, want %s", snap.Run().RunID, first.RunID)
	}
	const latest = "SELECT run_id FROM etl_run WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1"
	if got := contract.QueryAll(t, snap, latest); got[0][0] != first.RunID {
		t.Fatalf("snapshot reads run %s, want %s", got[0][0], first.RunID)
	}
	second := contract.MustRun(t, wh, dir, 0)
	if got := contract.QueryAll(t, snap, latest); got[0][0] != first.RunID {
		t.Errorf("after a publish the old snapshot reads run %s, want its own %s", got[0][0], first.RunID)
	}
	pub, err := r.Published(ctx)
	if err != nil || pub.RunID != second.RunID {
		t.Fatalf("Published: %v %v, want %s", pub, err, second.RunID)
	}
	s2, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Run().RunID != second.RunID {
		t.Errorf("new snapshot of %s, want %s", s2.Run().RunID, second.RunID)
	}
	if got := contract.QueryAll(t, s2, latest); got[0][0] != second.RunID {
		t.Errorf("new snapshot reads run %s, want %s", got[0][0], second.RunID)
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Query(ctx, "SELECT 1"); err == nil {
		t.Error("a closed snapshot still answers")
	}
}

// TestPublishKeepsTheReplacedFileUntilTheNextRun: a publish gives the file
// it replaces a second name, PATH.prev (so the rename does not wait for
// its blocks to be freed), and the next run removes it: after each run
// PATH.prev is the file the run replaced, and nothing else is left behind.
func TestPublishKeepsTheReplacedFileUntilTheNextRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	dir, _ := contract.Gen(t, synth.Config{Rows: 2_000, Anime: 100, Seed: 9})
	contract.MustRun(t, wh, dir, 0)
	if _, err := os.Stat(path + ".prev"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after the first run, PATH.prev: %v, want none (nothing was replaced)", err)
	}
	for i := range 3 {
		before, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		contract.MustRun(t, wh, dir, 0)
		prev, err := os.Stat(path + ".prev")
		if err != nil {
			t.Fatalf("run %d: %v, want PATH.prev", i+2, err)
		}
		if !os.SameFile(before, prev) {
			t.Fatalf("run %d: PATH.prev is not the file the run replaced", i+2)
		}
		now, err := os.Stat(path)
		if err != nil || os.SameFile(now, prev) {
			t.Fatalf("run %d: PATH %v is still the replaced file", i+2, err)
		}
		es, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		if want := []string{"w.duckdb", "w.duckdb.lock", "w.duckdb.prev"}; !slices.Equal(names, want) {
			t.Fatalf("run %d left %v, want %v", i+2, names, want)
		}
	}
}
