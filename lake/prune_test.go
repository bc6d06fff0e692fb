package lake_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/animetl/animetl/lake"
)

// fakeRun writes a run folder with a manifest published at at (or none
// when at is zero) and one data file.
func fakeRun(t *testing.T, root, id string, at time.Time) {
	t.Helper()
	dir := filepath.Join(root, "runs", id, "anime")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "part-00000.parquet"), []byte("PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if at.IsZero() {
		return
	}
	b, _ := json.Marshal(lake.Manifest{RunID: id, PublishedAt: at, Buckets: 16})
	if err := os.WriteFile(filepath.Join(root, "runs", id, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func point(t *testing.T, root, id string) {
	t.Helper()
	b, _ := json.Marshal(lake.Pointer{RunID: id, Manifest: lake.ManifestPath(id)})
	if err := os.WriteFile(filepath.Join(root, lake.PointerName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func runsIn(t *testing.T, store lake.Store) []string {
	t.Helper()
	ids, err := store.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// TestPruneKeepsTheNewestAndThePointedRun: the newest runs by published_at
// stay, the one the pointer names stays whatever its age, a folder without
// a manifest (an export not finished) and staging folders are left alone.
func TestPruneKeepsTheNewestAndThePointedRun(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		keep    int
		pointer string
		removed []string
		left    []string
	}{
		{"keep 2, pointer on the newest", 2, "r4", []string{"r2", "r1"}, []string{"r3", "r4", "r5-partial"}},
		{"keep 2, pointer rolled back", 2, "r1", []string{"r2"}, []string{"r1", "r3", "r4", "r5-partial"}},
		{"keep 1", 1, "r4", []string{"r3", "r2", "r1"}, []string{"r4", "r5-partial"}},
		{"keep 0 keeps all", 0, "r4", nil, []string{"r1", "r2", "r3", "r4", "r5-partial"}},
		{"keep more than there are", 10, "r4", nil, []string{"r1", "r2", "r3", "r4", "r5-partial"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			store, err := lake.NewDir(root)
			if err != nil {
				t.Fatal(err)
			}
			// Published in the order r1 < r2 < r3 < r4; ids do not sort so.
			fakeRun(t, root, "r3", t0.Add(3*time.Hour))
			fakeRun(t, root, "r1", t0.Add(1*time.Hour))
			fakeRun(t, root, "r4", t0.Add(4*time.Hour))
			fakeRun(t, root, "r2", t0.Add(2*time.Hour))
			fakeRun(t, root, "r5-partial", time.Time{})
			staging := filepath.Join(root, "runs", ".r6.tmp-123")
			if err := os.MkdirAll(staging, 0o755); err != nil {
				t.Fatal(err)
			}
			point(t, root, tc.pointer)
			removed, err := lake.Prune(context.Background(), store, tc.keep)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(removed, tc.removed) {
				t.Errorf("removed %v, want %v", removed, tc.removed)
			}
			if got := runsIn(t, store); !slices.Equal(got, tc.left) {
				t.Errorf("runs left %v, want %v", got, tc.left)
			}
			if _, err := os.Stat(staging); err != nil {
				t.Errorf("the staging folder was touched: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(root, "runs", ".*removed*")); len(left) != 0 {
				t.Errorf("removal left %v", left)
			}
		})
	}
}

// TestPruneWithoutPointerRemovesNothing: with no pointer there is no
// telling which run readers use.
func TestPruneWithoutPointerRemovesNothing(t *testing.T) {
	root := t.TempDir()
	store, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	fakeRun(t, root, "a", time.Now())
	fakeRun(t, root, "b", time.Now().Add(time.Hour))
	if removed, err := lake.Prune(context.Background(), store, 1); err == nil || len(removed) != 0 {
		t.Errorf("prune without a pointer: removed %v, %v; want an error and nothing removed", removed, err)
	}
	if _, err := lake.Prune(context.Background(), store, -1); err == nil {
		t.Error("keep -1: no error")
	}
}
