package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/quality"
)

type checkFlags struct {
	maxRejectRate float64
	maxDrift      float64
	maxShrink     float64
	maxDeltaAge   int
	json          bool
}

func (a *app) checkCommand() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the data-quality checks on the published warehouse",
		Long: `check runs every data-quality check against the published warehouse; the
ledger checks (reconciliation, reject rate) look at the last succeeded run.
It changes nothing. Exit 1 when a check of error severity fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.check(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.maxRejectRate, "max-reject-rate", quality.DefaultMaxRejectRate, "threshold of the reject-rate check")
	fl.Float64Var(&f.maxDrift, "max-drift", quality.DefaultMaxDrift, "warn when a table's size moved more than this share since the previous run")
	fl.Float64Var(&f.maxShrink, "max-shrink", quality.DefaultMaxShrink, "threshold of the table-shrink check: the share of a table's rows the last run may have lost")
	fl.IntVar(&f.maxDeltaAge, "max-delta-age", quality.DefaultMaxDeltaAgeDays, "warn when the newest applied daily delta is older than this many days")
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON object on stdout, whatever the exit")
	bindEnv(fl, "max-reject-rate", "max-drift", "max-shrink", "max-delta-age")
	a.warehouseFlags(cmd, false)
	a.reports[cmd] = func(code int, err error) any {
		rep := checkReport{Status: "failed", Checks: []animetl.CheckResult{}}
		if a.checked != nil {
			rep = *a.checked
		}
		if err != nil {
			rep.Error = err.Error()
		}
		rep.ExitCode = code
		return rep
	}
	return cmd
}

func (a *app) check(cmd *cobra.Command, f checkFlags) error {
	ctx := cmd.Context()
	if err := firstError(
		share("max-reject-rate", f.maxRejectRate, false),
		positive("max-drift", f.maxDrift),
		share("max-shrink", f.maxShrink, false),
		intIn("max-delta-age", f.maxDeltaAge, 1, maxDeltaAgeDays),
		a.validateWarehouse(false),
	); err != nil {
		return err
	}
	wh, _, err := a.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	runID, err := lastSucceededRun(cmd, wh)
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	limits := quality.Limits{MaxRejectRate: f.maxRejectRate, MaxDrift: f.maxDrift, MaxDeltaAgeDays: f.maxDeltaAge, MaxShrink: f.maxShrink}
	results, err := quality.Run(ctx, wh, quality.Defaults(limits), quality.Params{RunID: runID, Dialect: wh.Dialect()})
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	failed := quality.Failed(results)
	rep := checkReport{RunID: runID, Status: "pass", Checks: results}
	if len(failed) > 0 {
		rep.Status = "fail"
	}
	a.checked, a.finished = &rep, true
	if !f.json {
		t := newTable("check", "severity", "status", "observed", "threshold")
		for _, r := range results {
			t.row(r.Name, string(r.Severity), string(r.Status), r.Observed, r.Threshold)
		}
		t.write(a.stdout)
		fmt.Fprintf(a.stdout, "\n%d checks on run %s: %s\n", len(results), runID, rep.Status)
	}
	if len(failed) > 0 {
		return exitError{code: exitFailed, err: fmt.Errorf("%d check(s) of error severity failed: %v: %w", len(failed), failed, animetl.ErrChecks)}
	}
	return nil
}

func lastSucceededRun(cmd *cobra.Command, wh animetl.Warehouse) (string, error) {
	rows, err := wh.Query(cmd.Context(), `SELECT run_id FROM etl_run WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", err
		}
		return "", errors.New("no succeeded run in the warehouse yet: run `animetl run` first")
	}
	vals, err := rows.Values()
	if err != nil {
		return "", err
	}
	id, _ := vals[0].(string)
	return id, rows.Err()
}
