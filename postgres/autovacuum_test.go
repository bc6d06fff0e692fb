package postgres_test

import (
	"context"
	"testing"

	"github.com/animetl/animetl"
)

// A full run keeps autovacuum off its stage's user_anime, so that no VACUUM
// of the fresh rows holds the lock the publish's swap needs, and the
// published table gets autovacuum back with the publish.
func TestFullRunKeepsAutovacuumOffTheStageUntilPublish(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	c := mustConnect(t, dbURL)
	// reloptions of user_anime in the schemas whose names match like.
	reloptions := func(like string) []string {
		t.Helper()
		var opts []string
		if err := c.QueryRow(context.Background(), `SELECT c.reloptions FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relname = 'user_anime' AND n.nspname LIKE $1`, like).Scan(&opts); err != nil {
			t.Fatalf("reloptions of user_anime in %s: %v", like, err)
		}
		return opts
	}
	var staged []string
	full := true // the incremental run's stage has no user_anime of its own
	wh := beforePublish{mustOpen(t, dbURL, postgresOptions()), func() {
		if full {
			staged = reloptions(`animetl\_stage%`)
		}
	}}
	mustRunOn(t, wh, dir, animetl.ModeFull)
	if len(staged) != 1 || staged[0] != "autovacuum_enabled=false" {
		t.Errorf("the stage's user_anime before the publish has reloptions %q, want [autovacuum_enabled=false]", staged)
	}
	if got := reloptions("public"); len(got) != 0 {
		t.Errorf("the published user_anime has reloptions %q, want none (autovacuum as the server sets it)", got)
	}
	full = false
	mustRunOn(t, wh, dir, animetl.ModeIncremental)
	if got := reloptions("public"); len(got) != 0 {
		t.Errorf("after an incremental run the published user_anime has reloptions %q, want none", got)
	}
}
