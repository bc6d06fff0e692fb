package duckdb_test

import (
	"context"
	"errors"
	"path/filepath"
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
