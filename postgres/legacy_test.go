package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// TestLegacyWarehouseConverted: an incremental run on a schema published
// before user_anime was a view renames its table to user_anime_base (in a
// transaction of its own), makes the day tables and the view, carries the
// table's grants to the view, and merges the day there.
func TestLegacyWarehouseConverted(t *testing.T) {
	reader := newRole(t, "animetl_legacy")
	dbURL := newDatabase(t)
	wh := mustOpen(t, dbURL, postgresOptions())
	contract.LegacyConverted(t, newStore, wh, dbURL, func(ctx context.Context, db *sql.DB) {
		for _, q := range []string{"CREATE ROLE " + reader + " NOLOGIN", "GRANT USAGE ON SCHEMA public TO " + reader,
			"GRANT SELECT ON user_anime TO " + reader} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
	c := mustConnect(t, dbURL)
	ctx := context.Background()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+reader); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM user_anime").Scan(&n); err != nil || n == 0 {
		t.Errorf("the reader granted the legacy table reads %d rows of the view: %v", n, err)
	}
}
