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
			repeats := 0
			for _, r := range contract.SameRun(t, fileW, fileSum, inner, keySum) {
				if strings.Contains(r[4], "line ") {
					repeats++
				}
			}
			if repeats == 0 {
				t.Fatal("no reject names a first line: the set proves nothing")
			}
		})
	}
}
