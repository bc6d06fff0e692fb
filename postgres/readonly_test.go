package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// TestQueryRefusalsSayReadOnly: a write and a second statement are refused
// as animetl.ErrReadOnly, worded as on DuckDB, and nothing is written.
func TestQueryRefusalsSayReadOnly(t *testing.T) {
	w := mustOpen(t, newDatabase(t), postgresOptions())
	ctx := context.Background()
	for _, tc := range []struct{ sql, want string }{
		{"CREATE TABLE intruder (a int)", "CREATE statement refused"},
		{"SELECT 1; CREATE TABLE intruder (a int)", "more than one statement"},
	} {
		rows, err := w.Query(ctx, tc.sql)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if !errors.Is(err, animetl.ErrReadOnly) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want ErrReadOnly saying %q", tc.sql, err, tc.want)
		}
	}
	rows, err := w.Query(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'intruder'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	v, _ := rows.Values()
	if v[0].(int64) != 0 {
		t.Error("the refused statement created a table")
	}
}
