package pipeline_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// runDuck runs a full load of dir into a fresh DuckDB warehouse, through
// DuckDB's own CSV reader or (goDecode) the Go decoders only, and returns
// the warehouse, the summary and the run's log.
func runDuck(t *testing.T, dir string, goDecode bool) (animetl.Warehouse, *animetl.RunSummary, string) {
	t.Helper()
	w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, w, "duckdb"
	cfg.MaxRejectRate, cfg.BatchSize, cfg.DirectListLoad = 0.5, 1000, !goDecode
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sum, err := pipeline.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run (go decode %v): %v", goDecode, err)
	}
	return w, sum, logs.String()
}

// TestDirectListLoadEqualsGoDecoders: DuckDB's reader with the Go decoder
// for the lines it is not given publishes the same tables, the same
// rejects (file, line, kind, column, reason, raw) and the same per-file
// counts as the Go decoders alone, on generated sets with hostile lines
// (one within the scan's limits, one with more blank lines than the
// numbering takes, which falls back) and on the hostile fixture.
func TestDirectListLoadEqualsGoDecoders(t *testing.T) {
	small, _ := contract.Gen(t, synth.Config{Rows: 20000, Anime: 300, Seed: 7, DefectRate: 0.01})
	indexed, _ := contract.Gen(t, synth.Config{Rows: 20000, Anime: 300, Seed: 8, DefectRate: 0.01, Layout: synth.LayoutIndexed})
	blanks, _ := contract.Gen(t, synth.Config{Rows: 20000, Anime: 300, Seed: 9, DefectRate: 0.08})
	cases := []struct {
		name   string
		dir    string
		direct bool // the direct path must have loaded animelist.csv
	}{
		{"generated with defects", small, true},
		{"generated indexed with defects", indexed, true},
		{"too many blank lines", blanks, false},
		{"hostile fixture", contract.HostileDir(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			goW, goSum, _ := runDuck(t, tc.dir, true)
			dW, dSum, logs := runDuck(t, tc.dir, false)
			if used := strings.Contains(logs, "list loaded by the warehouse's reader"); used != tc.direct {
				t.Fatalf("direct path used = %v, want %v; log:\n%s", used, tc.direct, logs)
			}
			want := contract.SameRun(t, goW, goSum, dW, dSum)
			if len(want) == 0 {
				t.Fatal("no rejects: the set proves nothing")
			}
		})
	}
}
