package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// TestLoadRejectsFlushesBySize: the reject appender writes rows out once it
// holds rejectFlushBytes, rather than buffering them all until the load
// ends, so what it holds in memory is bounded whatever the count. The rows
// written are visible to another connection while the load goes on.
func TestLoadRejectsFlushesBySize(t *testing.T) {
	w, err := Open(Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	st, err := w.Begin(ctx, animetl.RunInfo{ID: "r1", Mode: animetl.ModeFull, StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort(ctx, &animetl.RunSummary{RunID: "r1", Status: animetl.StatusFailed})
	in := make(chan []animetl.RowError)
	errc := make(chan error, 1)
	go func() { errc <- st.LoadRejects(ctx, in) }()
	raw := strings.Repeat("x", 2000)
	const perBatch = 100
	batches := 3 * rejectFlushBytes / (perBatch * len(raw))
	for b := 0; b < batches; b++ {
		batch := make([]animetl.RowError, perBatch)
		for i := range batch {
			batch[i] = animetl.RowError{File: "animelist.csv", Line: int64(b*perBatch + i), Reason: "too few fields", Raw: raw, Kind: animetl.KindReject}
		}
		in <- batch
	}
	in <- nil // the loader has taken the last batch before this one
	rows, err := st.Query(ctx, "SELECT count(*) FROM etl_reject WHERE run_id = 'r1'")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	v, _ := rows.Values()
	rows.Close()
	if n := v[0].(int64); n < int64(2*rejectFlushBytes/len(raw)) {
		t.Errorf("%d of %d rejects written while the load goes on: the appender buffers them all", n, batches*perBatch)
	}
	close(in)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestRejectRawStoredUncompressed: etl_reject.raw is stored without
// compression. Choosing a compression for a row group of long raw lines
// copies its distinct values into memory outside DuckDB's memory_limit, so
// a run's peak memory grew with its rejected lines; these lines compress
// well, so DuckDB would pick FSST or a dictionary for them if allowed.
func TestRejectRawStoredUncompressed(t *testing.T) {
	w, err := Open(Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	st, err := w.Begin(ctx, animetl.RunInfo{ID: "r1", Mode: animetl.ModeFull, StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort(ctx, &animetl.RunSummary{RunID: "r1", Status: animetl.StatusFailed})
	in := make(chan []animetl.RowError, 1)
	errc := make(chan error, 1)
	go func() { errc <- st.LoadRejects(ctx, in) }()
	batch := make([]animetl.RowError, 3000)
	for i := range batch {
		raw := fmt.Sprintf("%d,1,2,abc%s,1,1", i, strings.Repeat("x", 2000))
		batch[i] = animetl.RowError{File: "animelist.csv", Line: int64(i + 2), Kind: animetl.KindReject, Column: "rating", Reason: "not a number", Raw: raw}
	}
	in <- batch
	close(in)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	db := st.(*stage).db
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT compression, count(*) FROM pragma_storage_info('etl_reject')
		WHERE column_name = 'raw' AND segment_type = 'VARCHAR' GROUP BY compression ORDER BY compression`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		got[c] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["Uncompressed"] == 0 {
		t.Errorf("etl_reject.raw segments by compression: %v, want only Uncompressed", got)
	}
}

// TestRejectLedgerHasNoIndex: etl_reject has no ART index on DuckDB, in a
// new warehouse and in one published by an older animetl that made one. An
// index over the run_id repeated on every reject grew memory outside
// memory_limit with the count of rejects.
func TestRejectLedgerHasNoIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	old, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	// The ledger as older animetl made it on DuckDB: the same DDL as
	// PostgreSQL's, index included (less the PL/pgSQL of later columns,
	// which an older ledger lacks).
	for _, q := range append(schema.Ops(schema.Params{Dialect: schema.Postgres}), "CHECKPOINT") {
		if strings.Contains(q, "DO $$") {
			continue
		}
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	w, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	for _, mode := range []animetl.Mode{animetl.ModeFull, animetl.ModeIncremental} {
		st, err := w.Begin(ctx, animetl.RunInfo{ID: "r-" + string(mode), Mode: mode, StartedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = st.(*stage).db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_indexes()
			WHERE database_name = current_database() AND table_name = 'etl_reject'`).Scan(&n)
		st.Abort(ctx, &animetl.RunSummary{RunID: "r-" + string(mode), Status: animetl.StatusFailed})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s run: etl_reject has %d index(es), want none", mode, n)
		}
	}
}
