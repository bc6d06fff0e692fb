package redshift_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/synth"
)

// small is the generated set the lake is exported from: hostile lines
// included, so the text columns carry what the cleaners let through.
var small = synth.Config{Rows: 20_000, Anime: 800, Seed: 11, Layout: synth.LayoutIndexed, DefectRate: 0.002}

var (
	lakeOnce sync.Once
	lakeDir  string
	lakeRes  lake.Result
	lakeErr  error
)

// exportedLake runs the small set into a DuckDB warehouse and exports it to
// a local lake, once per test binary; tests must not modify it.
func exportedLake(t *testing.T) (string, lake.Manifest) {
	t.Helper()
	dir, _ := contract.Gen(t, small)
	lakeOnce.Do(func() {
		path := filepath.Join(root, "w.duckdb")
		wh, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB"})
		if err != nil {
			lakeErr = err
			return
		}
		contract.MustRun(t, wh, dir, 0)
		wh.Close()
		r, err := duckdb.OpenReader(duckdb.Options{Path: path, MemoryLimit: "256MB"})
		if err != nil {
			lakeErr = err
			return
		}
		defer r.Close()
		lakeDir = filepath.Join(root, "lake")
		store, err := lake.NewDir(lakeDir)
		if err != nil {
			lakeErr = err
			return
		}
		lakeRes, lakeErr = lake.Export(context.Background(), r, store, lake.Options{Buckets: 4, MemoryLimit: "256MB", TempDir: root})
	})
	if lakeErr != nil {
		t.Fatalf("export the lake: %v", lakeErr)
	}
	return lakeDir, lakeRes.Manifest
}
