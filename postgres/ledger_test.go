package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
)

// TestLedgerPrunesOldRuns: a publish deletes the rejects, checks, table
// sizes and files of runs older than LedgerKeepDays, keeps every etl_run
// row, the recent runs' rows and the files the published state depends on
// (the latest full run's, which incremental planning reads).
func TestLedgerPrunesOldRuns(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	opts := postgresOptions()
	opts.LedgerKeepDays = 30
	wh := mustOpen(t, dbURL, opts)
	full := mustRunOn(t, wh, dir, animetl.ModeFull)
	admin := mustConnect(t, dbURL)
	for _, q := range []string{
		// The full run happened 60 days ago; a failed run 50 days ago and one yesterday.
		`UPDATE etl_run SET started_at = started_at - interval '60 days' WHERE run_id = '` + full.RunID + `'`,
		`INSERT INTO etl_run (run_id, mode, status, started_at) VALUES
			('old-failed', 'incremental', 'failed', now() - interval '50 days'),
			('recent-failed', 'incremental', 'failed', now() - interval '1 day')`,
		`INSERT INTO etl_reject (run_id, file, line, kind, reason) VALUES ('old-failed', 'a.csv', 2, 'rejected', 'x'), ('recent-failed', 'a.csv', 2, 'rejected', 'x')`,
		`INSERT INTO etl_check (run_id, name, severity, status, checked_at) VALUES ('old-failed', 'c', 'error', 'fail', now()), ('recent-failed', 'c', 'error', 'fail', now())`,
		`INSERT INTO etl_table (run_id, table_name, row_count) VALUES ('old-failed', 'anime', 1), ('recent-failed', 'anime', 1)`,
		`INSERT INTO etl_file (run_id, file_id, name, kind) VALUES ('old-failed', 1, 'a.csv', 'anime'), ('recent-failed', 1, 'a.csv', 'anime')`,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func(table, run string) int64 {
		return contract.QueryInt(t, wh, "SELECT count(*) FROM "+table+" WHERE run_id = $1", run)
	}
	if count("etl_reject", full.RunID) == 0 || count("etl_check", full.RunID) == 0 || count("etl_table", full.RunID) == 0 {
		t.Fatal("the full run left no rejects, checks or table sizes to prune; the test data needs defects")
	}
	fullFiles := count("etl_file", full.RunID)

	inc := mustRunOn(t, wh, dir, animetl.ModeIncremental)

	if n := contract.QueryInt(t, wh, "SELECT count(*) FROM etl_run"); n != 4 {
		t.Errorf("etl_run holds %d runs, want all 4", n)
	}
	for _, table := range []string{"etl_reject", "etl_check"} {
		if n := count(table, "old-failed"); n != 0 {
			t.Errorf("%s keeps %d rows of a run 50 days old", table, n)
		}
		if n := count(table, "recent-failed"); n != 1 {
			t.Errorf("%s keeps %d rows of yesterday's run, want 1", table, n)
		}
		if n := count(table, full.RunID); n != 0 {
			t.Errorf("%s keeps %d rows of the full run 60 days old", table, n)
		}
	}
	// The small per-run records stay whole, as etl_run does: run history
	// (per file) and the drift and shrink checks read them.
	for _, table := range []string{"etl_table", "etl_file"} {
		if n := count(table, "old-failed"); n != 1 {
			t.Errorf("%s keeps %d rows of a run 50 days old, want 1", table, n)
		}
	}
	if n := count("etl_file", full.RunID); n != fullFiles {
		t.Errorf("etl_file keeps %d of the %d files of the full run the published state rests on", n, fullFiles)
	}
	if count("etl_check", inc.RunID) == 0 || count("etl_file", inc.RunID) == 0 {
		t.Error("the publishing run's own ledger rows were pruned")
	}
	// Incremental planning still sees the applied files: nothing to reload.
	next := mustRunOn(t, wh, dir, animetl.ModeIncremental)
	for _, f := range next.Files {
		if f.Name == animetl.FileAnimeList {
			t.Errorf("the next incremental run reloaded %s: the ledger lost the files it was applied from", f.Name)
		}
	}
}

// TestLedgerKeepDaysValidated: a negative LedgerKeepDays is a config error.
func TestLedgerKeepDaysValidated(t *testing.T) {
	_, err := postgres.Open(context.Background(), postgres.Options{URL: newDatabase(t), LedgerKeepDays: -1})
	if !errors.Is(err, animetl.ErrConfig) {
		t.Fatalf("LedgerKeepDays -1: err = %v, want ErrConfig", err)
	}
}
