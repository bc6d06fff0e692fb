package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// The run ledger of a DuckDB warehouse lives in the published file, which a
// run replaces whole. A failed run must not rewrite that file (readers hold
// it open, and a copy costs its size), so it records itself in a side
// ledger, PATH.runs: a small DuckDB file with the ledger tables holding only
// runs that failed since the last publish. Readers see both (Query attaches
// PATH.runs); the next run carries PATH.runs into its stage, and once that
// run is published the side ledger is removed. PATH.runs is replaced by a
// rename, never written in place, so readers that have it open are not
// blocked and see it change all at once.

// ledgerChildTables are the ledger tables whose rows belong to a run and go
// with it: carried from the side ledger, and pruned after LedgerKeepDays
// (etl_file is kept whole: incremental runs read it to know what was applied).
var ledgerChildTables = []string{"etl_file", "etl_reject", "etl_check"}

// prunedTables lose an old run's rows after LedgerKeepDays.
var prunedTables = []string{"etl_reject", "etl_check"}

func (w *Warehouse) runsPath() string { return w.opts.Path + ".runs" }

// keepSince is the start time before which runs' rejects and checks are
// dropped from the ledger.
func (w *Warehouse) keepSince() time.Time {
	return time.Now().UTC().Add(-time.Duration(w.opts.LedgerKeepDays) * 24 * time.Hour)
}

// carryLedger fills the stage's ledger: from the published file (a full
// run; an incremental one copied it whole), then from the side ledger of
// failed runs. Rejects and checks of runs started before LedgerKeepDays are
// not carried, or are deleted from the copy, so the ledger stops growing.
func (s *stage) carryLedger(ctx context.Context, fromPublished bool) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer conn.Close()
	since := s.w.keepSince()
	if fromPublished {
		if err := carryFrom(ctx, conn, s.w.opts.Path, "prev", schema.OpsTables, since); err != nil {
			return err
		}
	} else {
		for _, t := range prunedTables {
			if _, err := conn.ExecContext(ctx, `DELETE FROM `+t+` WHERE run_id IN (SELECT run_id FROM etl_run WHERE started_at < ?)`, since); err != nil {
				return fmt.Errorf("duckdb: prune %s: %w", t, err)
			}
		}
	}
	return carryFrom(ctx, conn, s.w.runsPath(), "runs", append(ledgerChildTables, "etl_run"), since)
}

// carryFrom copies the ledger tables of the database at path (when it
// exists) into the connection's database, skipping runs it already holds
// and the pruned tables' rows of runs started before since.
func carryFrom(ctx context.Context, conn *sql.Conn, path, alias string, tables []string, since time.Time) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", sqlString(path), alias)); err != nil {
		return fmt.Errorf("duckdb: attach %s: %w", path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+alias)
	// Runs already in the stage are not carried again; etl_run goes last so
	// the filter sees the stage's runs as they were before the carry.
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE carry_skip AS SELECT run_id FROM etl_run"); err != nil {
		return fmt.Errorf("duckdb: carry: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE carry_old AS
		SELECT run_id FROM %s.etl_run WHERE started_at < ?`, alias), since); err != nil {
		return fmt.Errorf("duckdb: carry: %w", err)
	}
	for _, t := range tables {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?`, alias, t).Scan(&n); err != nil {
			return fmt.Errorf("duckdb: carry %s: %w", t, err)
		}
		if n == 0 {
			continue
		}
		q := fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s.%s WHERE run_id NOT IN (SELECT run_id FROM carry_skip)", t, alias, t)
		for _, p := range prunedTables {
			if p == t {
				q += " AND run_id NOT IN (SELECT run_id FROM carry_old)"
			}
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: carry %s: %w", t, err)
		}
	}
	_, err := conn.ExecContext(ctx, "DROP TABLE carry_skip; DROP TABLE carry_old")
	return err
}

// recordFailure records the failed run (its etl_run row, and its files,
// rejects and checks as far as the stage got) in the side ledger: a copy of
// PATH.runs gets the rows and replaces it. The published file is not touched.
func (s *stage) recordFailure(ctx context.Context, sum *animetl.RunSummary) error {
	w := s.w
	runs := w.runsPath()
	next := runs + ".new"
	if err := removeDB(next); err != nil {
		return fmt.Errorf("duckdb: record failed run: %w", err)
	}
	if err := copyFile(runs, next); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("duckdb: record failed run: copy %s: %w", runs, err)
	}
	c, err := w.connector(next, false)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for _, q := range schema.Ops(scratchParams) {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: ledger: %w", err)
		}
	}
	// The stage's ledger rows of this run, when the stage file is readable.
	if _, err := os.Stat(w.stagePath()); err == nil {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS st (READ_ONLY)", sqlString(w.stagePath()))); err == nil {
			for _, t := range ledgerChildTables {
				if _, err := db.ExecContext(ctx, `INSERT INTO `+t+` BY NAME SELECT * FROM st.`+t+` WHERE run_id = ?`, sum.RunID); err != nil {
					s.log.Warn("copying the failed run's ledger rows", animetl.LogError, err)
				}
			}
			db.ExecContext(ctx, "DETACH st")
		} else {
			s.log.Warn("the failed run's stage is unreadable; recording the run only", animetl.LogError, err)
		}
	}
	if d := s.dead; d != nil {
		if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO etl_run (run_id, mode, status, host, pid, started_at, finished_at, error)
			VALUES (?, 'unknown', ?, ?, ?, ?, ?, ?)`, d.RunID, string(animetl.StatusAbandoned), d.Host, int32(d.PID), d.StartedAt,
			time.Now().UTC(), abandonedError); err != nil {
			return fmt.Errorf("duckdb: record abandoned run: %w", err)
		}
	}
	t := sum.Totals()
	if _, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO etl_run (run_id, mode, status, source, host, pid, started_at, finished_at,
		rows_read, rows_loaded, rows_rejected, rows_duplicate, error, phases) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sum.RunID, string(sum.Mode), string(sum.Status), s.run.Source, s.run.Host, int32(s.run.PID), sum.StartedAt,
		sum.FinishedAt, t.RowsRead, t.RowsLoaded, t.RowsRejected, t.RowsDuplicate, nullString(sum.Error), sum.PhasesJSON()); err != nil {
		return fmt.Errorf("duckdb: record failed run: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("duckdb: checkpoint ledger: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("duckdb: close ledger: %w", err)
	}
	if err := replaceFile(next, runs, ""); err != nil {
		return fmt.Errorf("duckdb: record failed run: %w", err)
	}
	return nil
}

const abandonedError = "the process died before the run finished; nothing was published"
