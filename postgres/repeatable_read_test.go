package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
)

// TestSnapshotSpanningAPublish pins down what the README says about
// transactions that span a publish: a REPEATABLE READ transaction whose
// snapshot predates the run sees the swapped-in tables as empty, while a
// READ COMMITTED reader sees the new data.
func TestSnapshotSpanningAPublish(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	wh := mustOpen(t, dbURL, postgresOptions())
	mustRunOn(t, wh, dir, animetl.ModeFull)

	rr, err := mustConnect(t, dbURL).BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Rollback(ctx)
	var runs int64
	// The first statement takes the snapshot; it does not touch the
	// published tables, so the publish does not wait for it.
	if err := rr.QueryRow(ctx, "SELECT count(*) FROM etl_run").Scan(&runs); err != nil {
		t.Fatal(err)
	}
	mustRunOn(t, wh, dir, animetl.ModeFull)

	rc := mustConnect(t, dbURL)
	for _, table := range []string{"anime", "user_anime", "anime_stats"} {
		var inRR, inRC int64
		if err := rr.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&inRR); err != nil {
			t.Fatalf("repeatable read, %s: %v", table, err)
		}
		if err := rc.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&inRC); err != nil {
			t.Fatalf("read committed, %s: %v", table, err)
		}
		if inRR != 0 {
			t.Errorf("%s: a REPEATABLE READ snapshot from before the run sees %d rows, the README says none", table, inRR)
		}
		if inRC == 0 {
			t.Errorf("%s: a READ COMMITTED reader sees no rows after the publish", table)
		}
	}
}
