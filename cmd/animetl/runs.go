package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
)

// maxRunsLimit bounds runs --limit.
const maxRunsLimit = 100_000

// runRecord is one run of the ledger as runs --json prints it.
type runRecord struct {
	RunID           string     `json:"run_id"`
	Mode            string     `json:"mode"`
	Status          string     `json:"status"`
	StartedAt       time.Time  `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	DurationSeconds *float64   `json:"duration_seconds"`
	RowsRead        int64      `json:"rows_read"`
	RowsLoaded      int64      `json:"rows_loaded"`
	RowsRejected    int64      `json:"rows_rejected"`
	RowsDuplicate   int64      `json:"rows_duplicate"`
	Error           string     `json:"error,omitempty"`
}

// sqlRuns reads the latest runs of the ledger, newest first.
const sqlRuns = `SELECT run_id, mode, status, started_at, finished_at,
       coalesce(rows_read, 0), coalesce(rows_loaded, 0), coalesce(rows_rejected, 0), coalesce(rows_duplicate, 0),
       coalesce(error, '')
FROM etl_run
ORDER BY started_at DESC, run_id DESC
LIMIT $1`

func (a *app) runsCommand() *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List the latest runs of the ledger: status, duration, rows, error",
		Long: `runs lists the latest runs recorded in etl_run, newest first: id, mode,
status, start, duration, lines read, loaded, rejected and duplicate, and
the error of failed runs. On DuckDB it reads the published file with its
side ledger of failed runs; before any run has published (a first run that
failed), there is no published file and the list is empty.`,
		Example: `  animetl runs --warehouse duckdb:animetl.duckdb
  animetl runs --limit 5 --json | jq '.[] | select(.status == "failed")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := firstError(intIn("limit", limit, 1, maxRunsLimit), a.validateWarehouse(false)); err != nil {
				return err
			}
			recs, err := a.readRuns(cmd, limit)
			if err != nil {
				return exitError{code: exitFailed, err: err}
			}
			if asJSON {
				return writeJSON(a.stdout, recs)
			}
			if len(recs) == 0 {
				fmt.Fprintln(a.stdout, "no runs recorded yet")
				return nil
			}
			t := newTable("run_id", "mode", "status", "started", "duration", "read", "loaded", "rejected", "duplicate", "error")
			for _, r := range recs {
				dur := "-"
				if r.DurationSeconds != nil {
					dur = (time.Duration(*r.DurationSeconds * float64(time.Second))).Round(time.Millisecond).String()
				}
				t.row(r.RunID, r.Mode, r.Status, r.StartedAt.Local().Format(time.DateTime), dur,
					r.RowsRead, r.RowsLoaded, r.RowsRejected, r.RowsDuplicate, animetl.FirstLine(r.Error, 80))
			}
			t.write(a.stdout)
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs, newest first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array of runs")
	a.warehouseFlags(cmd, false)
	return cmd
}

// readRuns reads the latest runs; none when nothing is published yet.
func (a *app) readRuns(cmd *cobra.Command, limit int) ([]runRecord, error) {
	ctx := cmd.Context()
	wh, _, err := a.openWarehouse(ctx)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	recs := []runRecord{}
	rows, err := wh.Query(ctx, sqlRuns, limit)
	if errors.Is(err, animetl.ErrNotFound) || isUndefinedTable(err) {
		return recs, nil
	}
	if err != nil {
		return nil, animetl.RedactError(err, a.wh.warehouse)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := runRecord{}
		r.RunID, _ = v[0].(string)
		r.Mode, _ = v[1].(string)
		r.Status, _ = v[2].(string)
		r.StartedAt, _ = v[3].(time.Time)
		if f, ok := v[4].(time.Time); ok {
			r.FinishedAt = &f
			d := f.Sub(r.StartedAt).Seconds()
			r.DurationSeconds = &d
		}
		r.RowsRead, r.RowsLoaded, r.RowsRejected, r.RowsDuplicate = asInt64(v[5]), asInt64(v[6]), asInt64(v[7]), asInt64(v[8])
		r.Error, _ = v[9].(string)
		recs = append(recs, r)
	}
	return recs, rows.Err()
}

func asInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
