package spark_test

import (
	"context"
	"sync"

	"github.com/animetl/animetl"
)

// seenWarehouse wraps a warehouse to record what the pipeline handed its
// stage: the FinalizeOptions and the list files ingested whole from
// Parquet. Its stages are ParquetStages exactly when the wrapped ones are.
type seenWarehouse struct {
	animetl.Warehouse
	mu      sync.Mutex
	opts    animetl.FinalizeOptions
	parquet int // IngestListParquet calls
}

func (w *seenWarehouse) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	st, err := w.Warehouse.Begin(ctx, run)
	if err != nil {
		return nil, err
	}
	s := &seenStage{Stage: st, w: w}
	if ps, ok := st.(animetl.ParquetStage); ok {
		return &seenParquetStage{seenStage: s, ps: ps}, nil
	}
	return s, nil
}

// seen returns what the last run handed its stage.
func (w *seenWarehouse) seen() (animetl.FinalizeOptions, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opts, w.parquet
}

type seenStage struct {
	animetl.Stage
	w *seenWarehouse
}

func (s *seenStage) Finalize(ctx context.Context, opts animetl.FinalizeOptions) ([]animetl.FileSummary, error) {
	s.w.mu.Lock()
	s.w.opts = opts
	s.w.mu.Unlock()
	return s.Stage.Finalize(ctx, opts)
}

type seenParquetStage struct {
	*seenStage
	ps animetl.ParquetStage
}

func (s *seenParquetStage) IngestListParquet(ctx context.Context, f *animetl.FileLoad, files []string) (int64, error) {
	s.w.mu.Lock()
	s.w.parquet++
	s.w.mu.Unlock()
	return s.ps.IngestListParquet(ctx, f, files)
}
