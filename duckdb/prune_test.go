package duckdb_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/pipeline"
)

// ageRuns moves every run of the published file at path back by days, as if
// they had run that long ago.
func ageRuns(t *testing.T, path string, days int) {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE etl_run SET started_at = started_at - to_days(?)", days); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerPrunesOldRejectsAndChecks(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	for _, mode := range []animetl.Mode{animetl.ModeFull, animetl.ModeIncremental} {
		t.Run(string(mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.duckdb")
			open := func() *duckdb.Warehouse {
				w, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB", LedgerKeepDays: 30})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { w.Close() })
				return w
			}
			old := contract.MustRun(t, open(), dir, 0)
			if n := contract.QueryInt(t, open(), "SELECT count(*) FROM etl_reject WHERE run_id = $1", old.RunID); n == 0 {
				t.Fatal("the generated source has no rejects to prune")
			}
			ageRuns(t, path, 31)
			w := open()
			sum, err := contract.RunMode(t, w, dir, mode, pipeline.Backfill{})
			if err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"etl_reject", "etl_check"} {
				if n := contract.QueryInt(t, w, "SELECT count(*) FROM "+table+" WHERE run_id = $1", old.RunID); n != 0 {
					t.Errorf("%s keeps %d rows of a run older than LedgerKeepDays", table, n)
				}
			}
			if n := contract.QueryInt(t, w, "SELECT count(*) FROM etl_check WHERE run_id = $1", sum.RunID); n == 0 {
				t.Error("etl_check lost the new run's rows")
			}
			if n := contract.QueryInt(t, w, "SELECT count(*) FROM etl_run WHERE run_id = $1", old.RunID); n != 1 {
				t.Errorf("etl_run lost the old run (%d rows)", n)
			}
			if n := contract.QueryInt(t, w, "SELECT count(*) FROM etl_file WHERE run_id = $1", old.RunID); n == 0 {
				t.Error("etl_file lost the old run's files")
			}
		})
	}
	if _, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), LedgerKeepDays: -1}); !errors.Is(err, animetl.ErrConfig) {
		t.Errorf("LedgerKeepDays -1: err = %v, want ErrConfig", err)
	}
}
