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

// TestSnapshotRefusesToSpanAPublish: a snapshot's statements after a
// publish fail with ErrStale rather than read the new file; a new snapshot
// reads the new run.
func TestSnapshotRefusesToSpanAPublish(t *testing.T) {
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
	contract.QueryAll(t, snap, "SELECT count(*) FROM anime")
	second := contract.MustRun(t, wh, dir, 0)
	if _, err := snap.Query(ctx, "SELECT count(*) FROM anime"); !errors.Is(err, animetl.ErrStale) {
		t.Errorf("a query after the publish: %v, want ErrStale", err)
	}
	pub, err := r.Published(ctx)
	if err != nil || pub.RunID != second.RunID {
		t.Fatalf("Published: %v %v, want %s", pub, err, second.RunID)
	}
	s2, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Run().RunID != second.RunID {
		t.Errorf("new snapshot of %s, want %s", s2.Run().RunID, second.RunID)
	}
	contract.QueryAll(t, s2, "SELECT count(*) FROM anime")
}
