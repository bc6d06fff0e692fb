package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/recommend"
)

type exportFlags struct {
	out         string
	buckets     int
	memoryLimit string
	timeout     time.Duration
	ml          bool
	seed        uint64
	keep        int
	json        bool
}

// exportReport is what export --json prints, whatever the exit: the lake
// export's report and the exit code.
type exportReport struct {
	Status   string   `json:"status"`
	RunID    string   `json:"run_id,omitempty"`
	Out      string   `json:"out,omitempty"`
	Manifest string   `json:"manifest,omitempty"`
	Buckets  int      `json:"buckets,omitempty"`
	Tables   int      `json:"tables"`
	Rows     int64    `json:"rows"`
	Reused   bool     `json:"reused"`
	ML       bool     `json:"ml"`
	Seed     *uint64  `json:"split_seed,omitempty"`
	Keep     int      `json:"keep"`
	Removed  []string `json:"removed"`
	Prune    string   `json:"prune_error,omitempty"`
	Seconds  float64  `json:"seconds"`
	Error    string   `json:"error,omitempty"`
	ExitCode int      `json:"exit_code"`
}

func newExportReport(r *lakeReport) exportReport {
	return exportReport{Status: r.Status, RunID: r.RunID, Out: r.URI, Manifest: r.Manifest, Buckets: r.Buckets,
		Tables: r.Tables, Rows: r.Rows, Reused: r.Reused, ML: r.ML, Seed: r.SplitSeed, Keep: r.Keep,
		Removed: r.Removed, Prune: r.PruneError, Seconds: r.Seconds}
}

func (a *app) exportCommand() *cobra.Command {
	var f exportFlags
	var done *lakeReport
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the published star schema as Parquet files in the lake layout",
		Long: `export writes the published star schema as Parquet files (zstd) into the
lake layout of docs/ARCHITECTURE.md, in a local folder or under
s3://bucket/prefix:

  <out>/runs/<run_id>/<table>/part-00000.parquet                     every model table
  <out>/runs/<run_id>/user_anime/user_bucket=NN/part-00000.parquet   user_id % --buckets
  <out>/runs/<run_id>/interactions/part-00000.parquet                --ml: the list with a train/test split
  <out>/runs/<run_id>/items/part-00000.parquet                       --ml: anime features, genres as a list
  <out>/runs/<run_id>/manifest.json   run, engine, buckets, split; per table rows, columns, files
  <out>/_published.json               {"run_id", "manifest"}: written last

Every file comes from one published state, even while a run publishes. A
reader follows _published.json and never lists runs/. The pointer moves
only after the run's folder is complete (a rename in a folder; on S3 the
files, then the manifest, then the pointer in one PUT); a failed export
leaves it as it was. Exporting a run that is already in the lake writes
only the pointer.

--ml's split: per user with 5 or more entries, 20% of them (at least one)
are "test", chosen by a hash of --seed, the user and the anime; the others,
and every entry of smaller users, are "train". It is recommend.Split's, so
animetl evaluate and any reader of the lake agree on it.

After the pointer moved, run folders past the newest --lake-keep (by
published_at) are removed, never the published one; a failure to remove
them is a warning, and the next export tries again.

S3: credentials and region from the AWS chain; --s3-endpoint (or
AWS_ENDPOINT_URL_S3) for S3-compatible stores, as for sources.`,
		Example: `  animetl export --warehouse duckdb:animetl.duckdb --out lake
  animetl export --warehouse postgres://reader@db/dw --out s3://ml-bucket/anime-lake --ml --buckets 32
  duckdb -c "SELECT count(*) FROM read_parquet('lake/runs/$(jq -r .run_id lake/_published.json)/user_anime/*/*.parquet')"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := a.export(cmd, f)
			done = rep
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "lake to write: a local folder or s3://bucket/prefix")
	fl.IntVar(&f.buckets, "buckets", lake.DefaultBuckets, "user_anime partitions: user_bucket = user_id % buckets")
	fl.StringVar(&f.memoryLimit, "export-memory-limit", lake.DefaultMemoryLimit, "memory of the Parquet encoder; more spills to a temporary folder")
	fl.DurationVar(&f.timeout, "statement-timeout", defaultExportStatementTimeout, "PostgreSQL: time bound of one table's read")
	fl.BoolVar(&f.ml, "ml", false, "also write interactions (the list with a train/test split) and items (anime features, genres as a list)")
	fl.Uint64Var(&f.seed, "seed", recommend.DefaultSeed, "seed of the --ml split (the same seed gives the same split)")
	fl.IntVar(&f.keep, "lake-keep", lake.DefaultKeep, "runs the lake keeps: older run folders are removed after the pointer moved, never the published one (0 keeps every run)")
	bindEnv(fl, "out", "buckets", "export-memory-limit", "statement-timeout", "ml", "seed", "lake-keep")
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON object on stdout, whatever the exit")
	a.warehouseFlags(cmd, false)
	a.s3Flags(cmd)
	a.reports[cmd] = func(code int, err error) any {
		rep := exportReport{Status: "failed", Removed: []string{}}
		if done != nil {
			rep = newExportReport(done)
		}
		if err != nil {
			rep.Status, rep.Error = "failed", err.Error()
		}
		rep.ExitCode = code
		return rep
	}
	return cmd
}

func (a *app) export(cmd *cobra.Command, f exportFlags) (*lakeReport, error) {
	if err := validateLakeURI("out", f.out); err != nil {
		return nil, err
	}
	if validMemoryLimit(f.memoryLimit) != nil {
		return nil, usagef("--export-memory-limit %q: want a size such as 1GB", f.memoryLimit)
	}
	if err := firstError(intIn("buckets", f.buckets, 1, lake.MaxBuckets), intIn("lake-keep", f.keep, 0, maxLakeKeep),
		positiveDuration("statement-timeout", f.timeout), a.validateS3(), a.validateWarehouse(false)); err != nil {
		return nil, err
	}
	pub, _, err := a.openPublication(serveFlags{pgMaxConns: 2, statementTimeout: f.timeout})
	if err != nil {
		return nil, exitError{code: exitFailed, err: err}
	}
	defer pub.Close()
	rep, err := a.exportLake(cmd.Context(), pub, f.out, ranged.Options{}, lake.Options{Buckets: f.buckets, MemoryLimit: f.memoryLimit,
		Threads: a.wh.duckThreads, ML: f.ml, Seed: f.seed, Keep: f.keep})
	var usage usageError
	switch {
	case errors.As(err, &usage):
		return rep, err
	case errors.Is(err, animetl.ErrConfig):
		return rep, usageError{err}
	case err != nil:
		return rep, exitError{code: exitFailed, err: animetl.RedactError(err, a.wh.warehouse)}
	}
	a.finished = true
	if !f.json {
		printLake(a.stdout, rep)
	}
	return rep, nil
}

// defaultExportStatementTimeout bounds one statement of an export on
// PostgreSQL: reading the fact table is one statement, streamed while the
// encoder stores it.
const defaultExportStatementTimeout = 30 * time.Minute
