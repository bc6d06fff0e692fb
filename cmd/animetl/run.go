package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/quality"
	"github.com/animetl/animetl/recommend"
)

type runFlags struct {
	source          string
	mode            string
	maxRejectRate   float64
	maxDrift        float64
	maxShrink       float64
	maxDeltaAge     int
	backfill        string
	batchSize       int
	parseWorkers    int
	duckdbCSV       string
	reloadCatalogue bool
	priorRatings    int
	compactAbove    float64
	recommend       bool
	recUserModel    string
	recSimilar      string
	recSeed         int64
	json            bool
	progress        string
	verbose         bool
	lake            lakeFlags
	engine          engineFlags
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
with its file, line number, reason and raw text.

--mode incremental applies the days not applied yet without rewriting the
history: user_anime is a view over user_anime_base (what the last full run
wrote) and two day tables, user_anime_delta and user_anime_gone, which the
day writes. Once they hold more than --compact-above of the base's rows, the
publish writes the base again from the view and empties them; a full run
does too.

--recommend also trains the recommenders on the stage's user_anime after the
load and publishes, with the data, rec_user (each user's top 20 anime not on
their list, from --rec-user-model) and rec_similar (each anime's 20 most
similar, from --rec-similar-model), and rec_model (which model and run filled
each table); the recommendation checks run on them before the publish. A run
without --recommend keeps the published recommendations as they were.

--lake URI (a folder or s3://bucket/prefix) exports the published run to a
Parquet lake after a successful publish, as animetl export does (--lake-ml,
--lake-buckets, --lake-seed, --lake-keep). When that export fails, the
publish stands (readers of the warehouse see the new run) but the command
exits 1, and --json's "lake" says why: a pipeline that trains on the lake
must not go on with yesterday's files unawares. animetl export catches the
lake up.

--engine spark cleans the source files (animelist.csv, the delta days'
upserts and deletes, anime.csv, anime_with_synopsis.csv, watching_status.csv)
on Apache Spark over Spark Connect (--spark-remote): Spark reads them from
the source folder, applies the same rules and writes clean rows and rejects
as Parquet to a folder of --spark-stage, which animetl loads into the
warehouse's stage (DuckDB reads the list files' Parquet whole) and removes. Compressed files and UTF-16 or CR-only files
are cleaned here as ever. Ledger,
checks and publish are the same; a Spark server that is down fails the run
and leaves the published warehouse as it was.`,
		Example: `  animetl run --source ./data
  animetl run --source ./data --warehouse postgres://etl@db/warehouse --json
  animetl run --source ./data --recommend
  animetl run --source s3://bucket/anime --lake s3://ml-bucket/anime-lake --lake-ml
  animetl run --source /shared/anime --engine spark --spark-remote sc://spark-master:15002 --spark-stage file:///shared/animetl-stage`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, f)
		},
	}
	fl := cmd.Flags()
	addRunFlags(fl, &f)
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON summary object on stdout, whatever the exit")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (on a terminal), always, never")
	bindEnv(fl, "progress")
	a.warehouseFlags(cmd, true)
	a.sourceFlags(cmd)
	a.reports[cmd] = func(code int, err error) any {
		if a.summary == nil {
			return a.runFailure(&f, code, err)
		}
		return runReport{RunSummary: a.summary, ExitCode: code, Lake: a.lakeReport(f.lake)}
	}
	return cmd
}

// addRunFlags adds the settings of a run, which run, schedule and serve
// --schedule share.
func addRunFlags(fl *pflag.FlagSet, f *runFlags) {
	fl.StringVar(&f.source, "source", "", "source: a folder, s3://bucket/prefix or https://host/prefix/")
	fl.StringVar(&f.mode, "mode", "full", "full: rebuild from the base files and every delta; incremental: apply only the delta days not applied yet")
	fl.StringVar(&f.backfill, "backfill", "", "FROM:TO (YYYY-MM-DD, either side optional): apply only the delta days in this range, in order")
	fl.Float64Var(&f.maxRejectRate, "max-reject-rate", quality.DefaultMaxRejectRate, "fail the run when more than this share of lines is rejected")
	fl.Float64Var(&f.maxDrift, "max-drift", quality.DefaultMaxDrift, "warn when a table's size moved more than this share since the previous run")
	fl.Float64Var(&f.maxShrink, "max-shrink", quality.DefaultMaxShrink, "fail the run when a published table would lose more than this share of its rows since the previous run (1 allows any)")
	fl.IntVar(&f.maxDeltaAge, "max-delta-age", quality.DefaultMaxDeltaAgeDays, "warn when the newest applied daily delta is older than this many days")
	fl.IntVar(&f.batchSize, "batch-size", pipeline.DefaultBatchSize, "records per batch handed to the warehouse")
	fl.IntVar(&f.parseWorkers, "parse-workers", 0, "goroutines decoding a list file in parallel (0: one per core)")
	fl.StringVar(&f.duckdbCSV, "duckdb-csv", "off", "auto: DuckDB's own CSV reader loads the clean lines of plain, uncompressed list files of a local folder (the other lines are decoded here; same rows, rejects and lines); off: decode every list file here")
	fl.BoolVar(&f.reloadCatalogue, "reload-catalogue", false, "incremental runs: load anime.csv and anime_with_synopsis.csv even when they are the files the published catalogue was made from (same ETag, or same size and modification time); by default its catalogue rows, tags, score votes and synopses are kept")
	fl.IntVar(&f.priorRatings, "prior-ratings", animetl.DefaultPriorRatings, "weight m of anime_stats.rating_weighted (Bayesian prior), 1 or more")
	fl.Float64Var(&f.compactAbove, "compact-above", animetl.DefaultCompactAbove, "incremental runs: when user_anime's day tables (user_anime_delta and user_anime_gone) hold more than this share of user_anime_base's rows, the publish writes the base again from the view and empties them; a higher share makes fewer, larger rewrites and leaves readers a larger anti-join")
	fl.BoolVar(&f.recommend, "recommend", false, "train the recommenders after the load and publish rec_user and rec_similar with the data (without it, the published ones are kept)")
	fl.StringVar(&f.recUserModel, "rec-user-model", pipeline.DefaultRecommendUserModel, "with --recommend: the model that fills rec_user (empty keeps the published rec_user)")
	fl.StringVar(&f.recSimilar, "rec-similar-model", pipeline.DefaultRecommendSimilarModel, "with --recommend: the model that fills rec_similar (empty keeps the published rec_similar)")
	fl.Int64Var(&f.recSeed, "rec-seed", recommend.DefaultSeed, "with --recommend: seed of the models that draw random numbers, 0 or more")
	fl.BoolVar(&f.verbose, "verbose", false, "also print where the run's time went: each phase (begin, plan, load per file, finalize, recommend, checks, publish) and its seconds")
	f.progress = "never"
	addLakeFlags(fl, &f.lake)
	addEngineFlags(fl, &f.engine)
	bindEnv(fl, "source", "mode", "backfill", "max-reject-rate", "max-drift", "max-shrink", "max-delta-age", "batch-size", "parse-workers", "duckdb-csv", "reload-catalogue", "prior-ratings", "compact-above",
		"recommend", "rec-user-model", "rec-similar-model", "rec-seed")
}

// runConfig maps the run flags onto a pipeline configuration, without
// source and warehouse.
func (a *app) runConfig(f runFlags, bf pipeline.Backfill) pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.Mode, cfg.Backfill = animetl.Mode(f.mode), bf
	cfg.MaxRejectRate, cfg.MaxDrift, cfg.MaxDeltaAgeDays = f.maxRejectRate, f.maxDrift, f.maxDeltaAge
	cfg.MaxShrink = f.maxShrink
	cfg.PriorRatings, cfg.BatchSize, cfg.ParseWorkers = f.priorRatings, f.batchSize, f.parseWorkers
	cfg.DirectListLoad = f.duckdbCSV == "auto"
	cfg.ReloadCatalogue = f.reloadCatalogue
	cfg.CompactAbove = f.compactAbove
	cfg.Recommend, cfg.RecommendUserModel, cfg.RecommendSimilarModel = f.recommend, f.recUserModel, f.recSimilar
	cfg.RecSeed, cfg.NewModel = f.recSeed, newRecModel
	cfg.ListEngine = f.engine.listEngine(a.log, a.openSparkStage)
	cfg.Logger = a.log
	return cfg
}

// validate checks every flag of run before anything is opened.
func (a *app) validateRun(f runFlags) (pipeline.Backfill, error) {
	var bf pipeline.Backfill
	err := firstError(
		validateSourceSpec(f.source),
		oneOf("mode", f.mode, string(animetl.ModeFull), string(animetl.ModeIncremental)),
		share("max-reject-rate", f.maxRejectRate, false),
		positive("max-drift", f.maxDrift),
		share("max-shrink", f.maxShrink, false),
		intIn("max-delta-age", f.maxDeltaAge, 1, maxDeltaAgeDays),
		intIn("batch-size", f.batchSize, 1, maxBatchSize),
		intIn("parse-workers", f.parseWorkers, 0, maxWorkers),
		oneOf("duckdb-csv", f.duckdbCSV, "auto", "off"),
		intIn("prior-ratings", f.priorRatings, 1, maxPriorRatings),
		positive("compact-above", f.compactAbove),
		oneOf("progress", f.progress, "auto", "always", "never"),
		validateRecModel("rec-user-model", f.recUserModel, false),
		validateRecModel("rec-similar-model", f.recSimilar, true),
		atLeast("rec-seed", f.recSeed, 0),
		recommendSomething(f),
		a.validateWarehouse(true),
		a.validateSource(),
		f.lake.validate(),
		f.engine.validate(f.source),
	)
	if err == nil && f.backfill != "" {
		if bf, err = pipeline.ParseBackfill(f.backfill); err != nil {
			err = usageError{err}
		}
	}
	return bf, err
}

func (a *app) run(cmd *cobra.Command, f runFlags) error {
	ctx := cmd.Context()
	bf, err := a.validateRun(f)
	if err != nil {
		return err
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
	cfg := a.runConfig(f, bf)
	cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, whName
	cfg.Progress = bar.update
	sum, err := pipeline.Run(ctx, cfg)
	bar.finish()
	if sum == nil { // rejected before it started
		return err
	}
	a.summary, a.finished = sum, true
	if !f.json {
		printSummary(a.stdout, sum, f.verbose)
	}
	if err != nil {
		if errors.Is(err, animetl.ErrConfig) {
			return usageError{err}
		}
		return exitError{code: exitFailed, err: err}
	}
	if f.lake.uri == "" {
		return nil
	}
	ro, _ := a.rangedOptions()
	rep, err := a.runLake(ctx, f.lake, ro, sum.RunID)
	a.lake = rep
	if !f.json {
		fmt.Fprintln(a.stdout)
		if err == nil {
			printLake(a.stdout, rep)
		}
	}
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	return nil
}

// lakeReport is the "lake" of run --json: nil without --lake, skipped when
// the run did not publish.
func (a *app) lakeReport(f lakeFlags) *lakeReport {
	switch {
	case f.uri == "":
		return nil
	case a.lake != nil:
		return a.lake
	}
	return &lakeReport{Status: "skipped", URI: animetl.RedactLocation(f.uri), Keep: f.keep, ML: f.ml, Removed: []string{}}
}

// writeJSON prints v indented, with & < > as they are (URLs stay readable).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printSummary writes the readable end-of-run summary; verbose adds the
// table of the run's phases.
func printSummary(w io.Writer, s *animetl.RunSummary, verbose bool) {
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
	if verbose {
		printPhases(w, s)
	}
	if s.Error != "" {
		fmt.Fprintf(w, "\nerror: %s\nthe published warehouse was left as it was\n", s.Error)
	}
	t := s.Totals()
	if t.RowsRejected+t.RowsDuplicate > 0 {
		fmt.Fprintf(w, "\nrejected and duplicate lines: SELECT * FROM etl_reject WHERE run_id = '%s'\n", s.RunID)
	}
}

// printPhases writes the table of the run's phases: name, seconds and
// share of the run's wall time.
func printPhases(w io.Writer, s *animetl.RunSummary) {
	if len(s.Phases) == 0 {
		return
	}
	total := s.FinishedAt.Sub(s.StartedAt).Seconds()
	width := len("phase")
	for _, p := range s.Phases {
		width = max(width, utf8.RuneCountInString(p.Name))
	}
	fmt.Fprintf(w, "\n%-*s  %10s  %6s\n", width, "phase", "seconds", "share")
	fmt.Fprintf(w, "%s  %s  %s\n", strings.Repeat("-", width), strings.Repeat("-", 10), strings.Repeat("-", 6))
	for _, p := range s.Phases {
		share := "-"
		if total > 0 {
			share = fmt.Sprintf("%.1f%%", 100*p.Seconds/total)
		}
		fmt.Fprintf(w, "%-*s  %10.3f  %6s\n", width, p.Name, p.Seconds, share)
	}
}
