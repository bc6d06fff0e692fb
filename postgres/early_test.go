package postgres_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/quality"
)

// TestEarlyChecksAnswerAsTheDatabase: in a full run the profile check's
// scan runs beside the key build (early.go), and the checks get its
// result. The stage below reads each early answer and then the same query
// from the database (the answer is given once): the rows must be equal,
// and the run must have been answered early, once per query.
func TestEarlyChecksAnswerAsTheDatabase(t *testing.T) {
	dbURL := newDatabase(t)
	wh := mustOpen(t, dbURL, postgresOptions())
	want := quality.EarlySQL(quality.Defaults(quality.DefaultLimits()), quality.Params{Dialect: "postgres"})
	if len(want) == 0 {
		t.Fatal("no early check queries on PostgreSQL")
	}
	rec := &earlyRecorder{Warehouse: wh, early: want, t: t}
	src, err := local.New(smallDir(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName, cfg.Mode = src, rec, "postgres", animetl.ModeFull
	cfg.MaxRejectRate, cfg.BatchSize = 0.05, 500
	if _, err := pipeline.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if rec.compared != len(want) {
		t.Errorf("the checks sent %d of the %d early queries", rec.compared, len(want))
	}
	if rec.answers != len(want) {
		t.Errorf("the stage answered %d queries early, want %d (one per early query)", rec.answers, len(want))
	}
}

type earlyRecorder struct {
	animetl.Warehouse
	early    []string
	t        *testing.T
	compared int
	answers  int
}

func (w *earlyRecorder) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	st, err := w.Warehouse.Begin(ctx, run)
	if err != nil {
		return nil, err
	}
	return &earlyStage{Stage: st, w: w}, nil
}

type earlyStage struct {
	animetl.Stage
	w *earlyRecorder
}

func (s *earlyStage) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	if !slices.Contains(s.w.early, q) {
		return s.Stage.Query(ctx, q, args...)
	}
	first, err := readRows(ctx, s.Stage, q)
	if err != nil {
		return nil, err
	}
	s.w.answers = postgres.EarlyAnswers(s.Stage)
	again, err := readRows(ctx, s.Stage, q)
	if err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(first, again) {
		s.w.t.Errorf("early answer %v, the database's %v, of\n%s", first, again, q)
	}
	s.w.compared++
	return &tableRows{t: first}, nil
}

type table struct {
	cols []string
	rows [][]any
}

func readRows(ctx context.Context, st animetl.Stage, q string) (table, error) {
	r, err := st.Query(ctx, q)
	if err != nil {
		return table{}, err
	}
	defer r.Close()
	out := table{cols: r.Columns()}
	for r.Next() {
		v, err := r.Values()
		if err != nil {
			return table{}, err
		}
		out.rows = append(out.rows, v)
	}
	return out, r.Close()
}

type tableRows struct {
	t table
	i int
}

func (r *tableRows) Columns() []string      { return r.t.cols }
func (r *tableRows) Next() bool             { r.i++; return r.i <= len(r.t.rows) }
func (r *tableRows) Values() ([]any, error) { return r.t.rows[r.i-1], nil }
func (r *tableRows) Err() error             { return nil }
func (r *tableRows) Close() error           { return nil }
