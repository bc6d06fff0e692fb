package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// TestReadOnlyCheckPreparesEachStatementOnce: the server asks the same
// statements over and over; the read-only check prepares each text once,
// not once per query, and a refused text stays refused every time.
func TestReadOnlyCheckPreparesEachStatementOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE anime (anime_id INTEGER, name TEXT)", "INSERT INTO anime VALUES (1, 'a')", "CHECKPOINT"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	w, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	before := checkPrepares.Load()
	for i := range 5 {
		rows, err := w.Query(ctx, "SELECT name FROM anime WHERE anime_id = $1", 1)
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := checkPrepares.Load() - before; n != 1 {
		t.Errorf("5 queries of one statement prepared it %d times for the check, want 1", n)
	}
	for i := range 3 {
		if _, err := w.Query(ctx, "CREATE TEMP TABLE x (a INTEGER)"); !errors.Is(err, animetl.ErrReadOnly) {
			t.Fatalf("attempt %d: %v, want ErrReadOnly", i, err)
		}
	}
}
