package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/lake"
)

type exportFlags struct {
	out         string
	buckets     int
	memoryLimit string
	timeout     time.Duration
}

func (a *app) exportCommand() *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the published star schema as Parquet files in the lake layout",
		Long: `export writes the published star schema as Parquet files (zstd) into the
lake layout of docs/ARCHITECTURE.md:

  <out>/runs/<run_id>/<table>/part-00000.parquet                     every model table
  <out>/runs/<run_id>/user_anime/user_bucket=NN/part-00000.parquet   user_id % --buckets
  <out>/runs/<run_id>/manifest.json   run, engine, buckets; per table rows, columns, files
  <out>/_published.json               {"run_id", "manifest"}: written last, by rename

Every file comes from one published state, even while a run publishes. A
reader follows _published.json and never lists runs/. Exporting a run that
is already in the lake writes only the pointer.

--out is a local folder for now; S3 (s3://bucket/prefix) comes later.`,
		Example: `  animetl export --warehouse duckdb:animetl.duckdb --out lake
  animetl export --warehouse postgres://reader@db/dw --out /data/lake --buckets 32
  duckdb -c "SELECT count(*) FROM read_parquet('lake/runs/*/user_anime/*/*.parquet')"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.export(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "lake folder to write (a local folder for now; S3 later)")
	fl.IntVar(&f.buckets, "buckets", lake.DefaultBuckets, "user_anime partitions: user_bucket = user_id % buckets")
	fl.StringVar(&f.memoryLimit, "export-memory-limit", lake.DefaultMemoryLimit, "memory of the Parquet encoder; more spills to a temporary folder")
	fl.DurationVar(&f.timeout, "statement-timeout", defaultExportStatementTimeout, "PostgreSQL: time bound of one table's read")
	bindEnv(fl, "out", "buckets", "export-memory-limit", "statement-timeout")
	a.warehouseFlags(cmd, false)
	return cmd
}

func (a *app) export(cmd *cobra.Command, f exportFlags) error {
	if f.out == "" {
		return usagef("--out: required: the lake folder to write")
	}
	if strings.Contains(f.out, "://") {
		return usagef("--out %q: a local folder for now (S3 comes later)", animetl.RedactLocation(f.out))
	}
	if validMemoryLimit(f.memoryLimit) != nil {
		return usagef("--export-memory-limit %q: want a size such as 1GB", f.memoryLimit)
	}
	if err := firstError(intIn("buckets", f.buckets, 1, lake.MaxBuckets), positiveDuration("statement-timeout", f.timeout),
		a.validateWarehouse(false)); err != nil {
		return err
	}
	pub, name, err := a.openPublication(serveFlags{pgMaxConns: 2, statementTimeout: f.timeout})
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	defer pub.Close()
	store, err := lake.NewDir(f.out)
	if err != nil {
		return usageError{err}
	}
	start := time.Now()
	res, err := lake.Export(cmd.Context(), pub, store, lake.Options{Buckets: f.buckets, MemoryLimit: f.memoryLimit, Threads: a.wh.duckThreads})
	if errors.Is(err, animetl.ErrConfig) {
		return usageError{err}
	}
	if err != nil {
		return exitError{code: exitFailed, err: animetl.RedactError(err, a.wh.warehouse)}
	}
	var rows int64
	for _, t := range res.Manifest.Tables {
		rows += t.Rows
	}
	verb := "exported"
	if res.Reused {
		verb = "already in the lake; pointed at"
	}
	a.log.Info("export", "warehouse", name, "run_id", res.Manifest.RunID, "tables", len(res.Manifest.Tables),
		"rows", rows, "seconds", time.Since(start).Seconds())
	fmt.Fprintf(a.stdout, "%s run %s: %d tables, %d rows, %d user buckets, in %s\n", verb, res.Manifest.RunID,
		len(res.Manifest.Tables), rows, res.Manifest.Buckets, f.out)
	return nil
}

// defaultExportStatementTimeout bounds one statement of an export on
// PostgreSQL: reading the fact table is one statement, streamed while the
// encoder stores it.
const defaultExportStatementTimeout = 30 * time.Minute
