package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/quality"
)

type runFlags struct {
	source        string
	mode          string
	maxRejectRate float64
	maxDrift      float64
	maxDeltaAge   int
	backfill      string
	batchSize     int
	parseWorkers  int
	priorRatings  int
	json          bool
	progress      string
}

func (a *app) runCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Load the source files into the warehouse, check and publish them",
		Long: `run extracts the four source files (and any daily delta files under
animelist/date=YYYY-MM-DD/), cleans them while streaming, loads them into a
stage of the warehouse, builds the star schema and marts, runs the quality
checks, and publishes the result atomically. A failed run (bad input beyond
--max-reject-rate, a failing check, an error, Ctrl-C) leaves the published
warehouse exactly as it was and is recorded in etl_run.

Every source line is accounted for: read = loaded + rejected + duplicates, per
file, in the summary and in etl_file; each rejected line is kept in etl_reject
with its file, line number, reason and raw text.`,
		Example: `  animetl run --source ./data
  animetl run --source ./data --warehouse postgres://etl@db/warehouse --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.source, "source", "", "source: a folder, s3://bucket/prefix or https://host/prefix/")
	fl.StringVar(&f.mode, "mode", "full", "full: rebuild from the base files and every delta; incremental: apply only the delta days not applied yet")
	fl.StringVar(&f.backfill, "backfill", "", "FROM:TO (YYYY-MM-DD, either side optional): apply only the delta days in this range, in order")
	fl.Float64Var(&f.maxRejectRate, "max-reject-rate", quality.DefaultMaxRejectRate, "fail the run when more than this share of lines is rejected")
	fl.Float64Var(&f.maxDrift, "max-drift", quality.DefaultMaxDrift, "warn when a table's size moved more than this share since the previous run")
	fl.IntVar(&f.maxDeltaAge, "max-delta-age", quality.DefaultMaxDeltaAgeDays, "warn when the newest applied daily delta is older than this many days")
	fl.IntVar(&f.batchSize, "batch-size", pipeline.DefaultBatchSize, "records per batch handed to the warehouse")
	fl.IntVar(&f.parseWorkers, "parse-workers", 0, "goroutines decoding a list file in parallel (0: one per core)")
	fl.IntVar(&f.priorRatings, "prior-ratings", animetl.DefaultPriorRatings, "weight m of anime_stats.rating_weighted (Bayesian prior)")
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON summary object on stdout")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (on a terminal), always, never")
	bindEnv(fl, "source", "mode", "backfill", "max-reject-rate", "max-drift", "max-delta-age", "batch-size", "parse-workers", "prior-ratings", "progress")
	a.warehouseFlags(cmd, true)
	a.sourceFlags(cmd)
	return cmd
}

func (a *app) run(cmd *cobra.Command, f runFlags) error {
	ctx := cmd.Context()
	if f.maxRejectRate < 0 || f.maxRejectRate > 1 {
		return usagef("max-reject-rate %v: want a share between 0 and 1", f.maxRejectRate)
	}
	if f.mode != string(animetl.ModeFull) && f.mode != string(animetl.ModeIncremental) {
		return usagef("mode %q: want full or incremental", f.mode)
	}
	var bf pipeline.Backfill
	if f.backfill != "" {
		var err error
		if bf, err = pipeline.ParseBackfill(f.backfill); err != nil {
			return usageError{err}
		}
	}
	if f.maxDrift <= 0 || f.maxDeltaAge < 1 {
		return usagef("max-drift %v, max-delta-age %d: want positive values", f.maxDrift, f.maxDeltaAge)
	}
	src, err := a.openSource(ctx, f.source)
	if err != nil {
		return err
	}
	wh, whName, err := a.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	bar, err := newProgress(a.stderr, f.progress)
	if err != nil {
		return err
	}
	sum, err := pipeline.Run(ctx, pipeline.Config{
		Source: src, Warehouse: wh, WarehouseName: whName,
		Mode: animetl.Mode(f.mode), MaxRejectRate: f.maxRejectRate, Backfill: bf,
		MaxDrift: f.maxDrift, MaxDeltaAgeDays: f.maxDeltaAge,
		PriorRatings: f.priorRatings, BatchSize: f.batchSize, ParseWorkers: f.parseWorkers,
		Logger: a.log, Progress: bar.update,
	})
	bar.finish()
	if sum == nil { // rejected before it started
		return err
	}
	if f.json {
		if jerr := writeJSON(a.stdout, sum); jerr != nil {
			return jerr
		}
	} else {
		printSummary(a.stdout, sum)
	}
	if err != nil {
		if errors.Is(err, animetl.ErrConfig) {
			return usageError{err}
		}
		return exitError{code: exitFailed, err: err}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printSummary writes the readable end-of-run summary.
func printSummary(w io.Writer, s *animetl.RunSummary) {
	fmt.Fprintf(w, "run %s %s (%s mode, %s)\n", s.RunID, s.Status, s.Mode, s.FinishedAt.Sub(s.StartedAt).Round(time.Millisecond))
	fmt.Fprintf(w, "  source     %s\n  warehouse  %s\n\n", s.Source, s.Warehouse)
	if len(s.Files) > 0 {
		t := newTable("file", "read", "loaded", "rejected", "duplicates")
		for _, f := range append(s.Files, s.Totals()) {
			t.row(f.Name, f.RowsRead, f.RowsLoaded, f.RowsRejected, f.RowsDuplicate)
		}
		t.write(w)
		fmt.Fprintln(w)
	}
	if len(s.Ignored) > 0 {
		fmt.Fprintf(w, "ignored: %d source entries and columns not loaded\n", len(s.Ignored))
		for _, ig := range s.Ignored {
			fmt.Fprintf(w, "  %s: %s\n", ig.Name, ig.Reason)
		}
		fmt.Fprintln(w)
	}
	if len(s.Checks) > 0 {
		passed := 0
		for _, c := range s.Checks {
			if c.Status == animetl.CheckPass {
				passed++
			}
		}
		fmt.Fprintf(w, "checks: %d of %d passed\n", passed, len(s.Checks))
		for _, c := range s.Checks {
			if c.Status != animetl.CheckPass {
				fmt.Fprintf(w, "  FAIL %-5s %s: observed %s, want %s\n", c.Severity, c.Name, c.Observed, c.Threshold)
			}
		}
	}
	if s.Error != "" {
		fmt.Fprintf(w, "\nerror: %s\nthe published warehouse was left as it was\n", s.Error)
	}
	t := s.Totals()
	if t.RowsRejected+t.RowsDuplicate > 0 {
		fmt.Fprintf(w, "\nrejected and duplicate lines: SELECT * FROM etl_reject WHERE run_id = '%s'\n", s.RunID)
	}
}
