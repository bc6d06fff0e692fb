package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// TestLoadDeletesStreams proves that a deletes file is COPYed as it comes
// instead of being collected first: the server has processed the first
// batch's rows while the producer still holds back the second batch (the
// channel is unbuffered, so nothing else is in flight).
func TestLoadDeletesStreams(t *testing.T) {
	dbURL := newDatabase(t)
	w := mustOpen(t, dbURL, postgresOptions())
	ctx := context.Background()
	st, err := w.Begin(ctx, animetl.RunInfo{ID: "deletes-stream", Mode: animetl.ModeFull, StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort(ctx, &animetl.RunSummary{RunID: "deletes-stream", Status: animetl.StatusFailed, FinishedAt: time.Now()})
	f := &animetl.FileLoad{Kind: animetl.KindListDelete, Info: animetl.FileInfo{Name: "deletes-2024-01-02.csv"}, Date: "2024-01-02"}
	if err := st.AddFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	const batch = 20_000
	in := make(chan []animetl.ListDelete)
	done := make(chan error, 1)
	go func() { done <- st.LoadDeletes(ctx, f, in) }()
	mk := func(from int) []animetl.ListDelete {
		b := make([]animetl.ListDelete, batch)
		for i := range b {
			b[i] = animetl.ListDelete{UserID: int32(from + i), AnimeID: 1, Line: int64(from + i + 2)}
		}
		return b
	}
	in <- mk(0)
	probe := mustConnect(t, dbURL)
	waitFor(t, "the server to process batch 1 while batch 2 is held back (LoadDeletes collects the whole file first)", func() bool {
		var n int64
		err := probe.QueryRow(ctx, `SELECT COALESCE(MAX(tuples_processed), 0) FROM pg_stat_progress_copy
			WHERE relid = to_regclass('animetl_stage_public.delete_load')`).Scan(&n)
		return err == nil && n >= batch
	})
	in <- mk(batch)
	close(in)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := mustCount(t, st, "SELECT count(*) FROM delete_load"); n != 2*batch {
		t.Fatalf("delete_load holds %d rows, want %d", n, 2*batch)
	}
}

// mustCount runs a count query on q.
func mustCount(t *testing.T, q animetl.Querier, sql string, args ...any) int64 {
	t.Helper()
	r, err := q.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() {
		t.Fatalf("%s: no row: %v", sql, r.Err())
	}
	v, err := r.Values()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := v[0].(int64)
	return n
}
