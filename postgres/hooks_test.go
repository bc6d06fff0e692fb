package postgres_test

import (
	"context"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// small is the generated dataset of these tests: quick to load, with
// rejected lines.
var small = synth.Config{Rows: 4_000, Anime: 300, Seed: 11, Layout: synth.LayoutIndexed, DefectRate: 0.01}

// beforePublish is a real warehouse whose stages call hook just before
// they publish, so that a test can act at that moment of a real run.
type beforePublish struct {
	animetl.Warehouse
	hook func()
}

func (w beforePublish) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	st, err := w.Warehouse.Begin(ctx, run)
	if err != nil {
		return nil, err
	}
	return hookedStage{st, w.hook}, nil
}

type hookedStage struct {
	animetl.Stage
	hook func()
}

func (s hookedStage) Publish(ctx context.Context, sum *animetl.RunSummary) error {
	s.hook()
	return s.Stage.Publish(ctx, sum)
}

// runOn runs the pipeline (full or incremental) from dir into wh.
func runOn(t *testing.T, wh animetl.Warehouse, dir string, mode animetl.Mode) (*animetl.RunSummary, error) {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName, cfg.Mode = src, wh, "postgres", mode
	cfg.MaxRejectRate, cfg.BatchSize = 0.05, 500
	return pipeline.Run(context.Background(), cfg)
}

// mustRunOn runs the pipeline and fails the test unless the run succeeded.
func mustRunOn(t *testing.T, wh animetl.Warehouse, dir string, mode animetl.Mode) *animetl.RunSummary {
	t.Helper()
	sum, err := runOn(t, wh, dir, mode)
	if err != nil {
		t.Fatalf("%s run: %v", mode, err)
	}
	return sum
}

// smallDir is the folder of the small dataset.
func smallDir(t *testing.T) string {
	dir, _ := contract.Gen(t, small)
	return dir
}
