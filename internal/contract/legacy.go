package contract

import (
	"context"
	"database/sql"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// LegacyConverted: a warehouse published before user_anime was a view over
// user_anime_base and its day tables (user_anime a table, no day tables)
// takes an incremental run, which converts it and leaves what a full run
// gives. spec is the warehouse's published state for MutatePublished, wh
// an open warehouse on it; before runs on the legacy state first (a grant).
func LegacyConverted(t *testing.T, newStore NewStore, wh animetl.Warehouse, spec string, before func(ctx context.Context, db *sql.DB)) {
	t.Helper()
	base, _ := Gen(t, Generated)
	dir := CopyDir(t, base) // the day written below must not reach the shared generated folder
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	MutatePublished(t, spec, func(ctx context.Context, db *sql.DB) {
		for _, q := range []string{"DROP VIEW anime_list", "DROP VIEW user_anime", "DROP TABLE user_anime_delta",
			"DROP TABLE user_anime_gone", "ALTER TABLE user_anime_base RENAME TO user_anime"} {
			mustExec(t, ctx, db, q)
		}
		if before != nil {
			before(ctx, db)
		}
	})
	if _, err := synth.WriteDelta(context.Background(), dir, synth.DeltaConfig{Date: "2026-11-27", Rows: 300, Deletes: 30, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	mustMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
	kinds := QueryAll(t, wh, `SELECT table_name, table_type FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name LIKE 'user_anime%' ORDER BY table_name`)
	if len(kinds) != 4 || kinds[0][1] != "VIEW" || QueryInt(t, wh, "SELECT count(*) FROM user_anime_delta") == 0 {
		t.Errorf("after an incremental run on a legacy warehouse: %v, want the view, its base and two day tables, the day in the delta", kinds)
	}
	sameAs(t, newStore, wh, dir, "after an incremental run on a warehouse made before the view")
}
