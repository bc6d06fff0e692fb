package pipeline_test

import (
	"cmp"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// keyOrderWarehouse is a DuckDB warehouse whose stages ask for their lists
// in key order (animetl.KeyOrderLoader, as PostgreSQL's do) and keep a copy
// of every batch LoadList gets.
type keyOrderWarehouse struct {
	animetl.Warehouse
	mu      sync.Mutex
	batches [][]animetl.ListEntry
}

func (w *keyOrderWarehouse) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	st, err := w.Warehouse.Begin(ctx, run)
	if err != nil {
		return nil, err
	}
	return &keyOrderStage{Stage: st, w: w}, nil
}

type keyOrderStage struct {
	animetl.Stage
	w *keyOrderWarehouse
}

func (s *keyOrderStage) LoadsInKeyOrder() bool { return true }

func (s *keyOrderStage) LoadList(ctx context.Context, f *animetl.FileLoad, in <-chan []animetl.ListEntry) error {
	out := make(chan []animetl.ListEntry)
	done := make(chan error, 1)
	go func() { done <- s.Stage.LoadList(ctx, f, out) }()
	for b := range in {
		s.w.mu.Lock()
		s.w.batches = append(s.w.batches, slices.Clone(b))
		s.w.mu.Unlock()
		select {
		case out <- b:
		case err := <-done:
			return err
		}
	}
	close(out)
	return <-done
}

// TestKeyOrderLoadEqualsFileOrder: a stage that takes its lists in key
// order gets every batch with each user's run ordered by anime id, and
// publishes the same tables, rejects (repeats first seen at the same
// lines included) and per-file counts as one that takes them in file
// order, on a generated set with defects and on the hostile fixture.
func TestKeyOrderLoadEqualsFileOrder(t *testing.T) {
	gen, _ := contract.Gen(t, synth.Config{Rows: 20000, Anime: 300, Seed: 17, DefectRate: 0.02})
	for _, tc := range []struct{ name, dir string }{{"generated with defects", gen}, {"hostile fixture", contract.HostileDir()}} {
		t.Run(tc.name, func(t *testing.T) {
			fileW, fileSum, _ := runDuck(t, tc.dir, true)
			inner, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), LockTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { inner.Close() })
			w := &keyOrderWarehouse{Warehouse: inner}
			src, err := local.New(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			cfg := pipeline.DefaultConfig()
			cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, w, "duckdb"
			cfg.MaxRejectRate, cfg.BatchSize = 0.5, 1000
			cfg.Logger = slog.New(slog.DiscardHandler)
			keySum, err := pipeline.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			reordered := false
			for _, b := range w.batches {
				for i := 1; i < len(b); i++ {
					if b[i].UserID == b[i-1].UserID && b[i].AnimeID < b[i-1].AnimeID {
						t.Fatalf("a batch has user %d's anime %d after %d", b[i].UserID, b[i].AnimeID, b[i-1].AnimeID)
					}
				}
				if !slices.IsSortedFunc(b, func(x, y animetl.ListEntry) int { return cmp.Compare(x.Line, y.Line) }) {
					reordered = true
				}
			}
			if !reordered {
				t.Fatal("no batch left file order: the set proves nothing")
			}
			for name, want := range contract.Fingerprints(t, fileW) {
				if got := contract.Fingerprints(t, inner)[name]; got != want {
					t.Errorf("table %s: %+v, want %+v", name, got, want)
				}
			}
			for i, want := range fileSum.Files {
				got := keySum.Files[i]
				if got.Name != want.Name || got.RowsRead != want.RowsRead || got.RowsLoaded != want.RowsLoaded ||
					got.RowsRejected != want.RowsRejected || got.RowsDuplicate != want.RowsDuplicate {
					t.Errorf("file %d: %+v, want %+v", i, got, want)
				}
			}
			q := `SELECT file, line, kind, coalesce(field, ''), reason, raw FROM etl_reject WHERE run_id = $1 ORDER BY file, line, kind, reason`
			want, got := contract.QueryAll(t, fileW, q, fileSum.RunID), contract.QueryAll(t, inner, q, keySum.RunID)
			repeats := 0
			for i := range want {
				if i >= len(got) || strings.Join(got[i], "|") != strings.Join(want[i], "|") {
					t.Fatalf("reject %d: %q, want %q (%d rejects, want %d)", i, got[min(i, len(got)-1)], want[i], len(got), len(want))
				}
				if strings.Contains(want[i][4], "line ") {
					repeats++
				}
			}
			if len(got) != len(want) || repeats == 0 {
				t.Fatalf("%d rejects, want %d, of which %d name a first line (want some)", len(got), len(want), repeats)
			}
		})
	}
}
