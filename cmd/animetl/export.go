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
	json        bool
}

// exportReport is what export --json prints, whatever the exit.
type exportReport struct {
	Status   string  `json:"status"`
	RunID    string  `json:"run_id,omitempty"`
	Out      string  `json:"out,omitempty"`
	Manifest string  `json:"manifest,omitempty"`
	Buckets  int     `json:"buckets,omitempty"`
	Tables   int     `json:"tables"`
	Rows     int64   `json:"rows"`
	Reused   bool    `json:"reused"`
	Seconds  float64 `json:"seconds"`
	Error    string  `json:"error,omitempty"`
	ExitCode int     `json:"exit_code"`
}

func (a *app) exportCommand() *cobra.Command {
	var f exportFlags
	var done *exportReport
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
  duckdb -c "SELECT count(*) FROM read_parquet('lake/runs/$(jq -r .run_id lake/_published.json)/user_anime/*/*.parquet')"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := a.export(cmd, f)
			done = rep
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "lake folder to write (a local folder for now; S3 later)")
	fl.IntVar(&f.buckets, "buckets", lake.DefaultBuckets, "user_anime partitions: user_bucket = user_id % buckets")
	fl.StringVar(&f.memoryLimit, "export-memory-limit", lake.DefaultMemoryLimit, "memory of the Parquet encoder; more spills to a temporary folder")
	fl.DurationVar(&f.timeout, "statement-timeout", defaultExportStatementTimeout, "PostgreSQL: time bound of one table's read")
	bindEnv(fl, "out", "buckets", "export-memory-limit", "statement-timeout")
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON object on stdout, whatever the exit")
	a.warehouseFlags(cmd, false)
	a.reports[cmd] = func(code int, err error) any {
		rep := exportReport{Status: "failed"}
		if done != nil {
			rep = *done
		}
		if err != nil {
			rep.Status, rep.Error = "failed", err.Error()
		}
		rep.ExitCode = code
		return rep
	}
	return cmd
}

func (a *app) export(cmd *cobra.Command, f exportFlags) (*exportReport, error) {
	if f.out == "" {
		return nil, usagef("--out: required: the lake folder to write")
	}
	if strings.Contains(f.out, "://") {
		return nil, usagef("--out %q: a local folder for now (S3 comes later)", animetl.RedactLocation(f.out))
	}
	if validMemoryLimit(f.memoryLimit) != nil {
		return nil, usagef("--export-memory-limit %q: want a size such as 1GB", f.memoryLimit)
	}
	if err := firstError(intIn("buckets", f.buckets, 1, lake.MaxBuckets), positiveDuration("statement-timeout", f.timeout),
		a.validateWarehouse(false)); err != nil {
		return nil, err
	}
	pub, name, err := a.openPublication(serveFlags{pgMaxConns: 2, statementTimeout: f.timeout})
	if err != nil {
		return nil, exitError{code: exitFailed, err: err}
	}
	defer pub.Close()
	store, err := lake.NewDir(f.out)
	if err != nil {
		return nil, usageError{err}
	}
	start := time.Now()
	res, err := lake.Export(cmd.Context(), pub, store, lake.Options{Buckets: f.buckets, MemoryLimit: f.memoryLimit, Threads: a.wh.duckThreads})
	if errors.Is(err, animetl.ErrConfig) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, exitError{code: exitFailed, err: animetl.RedactError(err, a.wh.warehouse)}
	}
	var rows int64
	for _, t := range res.Manifest.Tables {
		rows += t.Rows
	}
	rep := &exportReport{Status: "succeeded", RunID: res.Manifest.RunID, Out: f.out, Manifest: lake.ManifestPath(res.Manifest.RunID),
		Buckets: res.Manifest.Buckets, Tables: len(res.Manifest.Tables), Rows: rows, Reused: res.Reused,
		Seconds: time.Since(start).Seconds()}
	a.finished = true
	a.log.Info("export", "warehouse", name, "run_id", rep.RunID, "tables", rep.Tables, "rows", rows,
		"reused", rep.Reused, "seconds", rep.Seconds)
	if f.json {
		return rep, nil
	}
	verb := "exported"
	if res.Reused {
		verb = "already in the lake; pointed at"
	}
	fmt.Fprintf(a.stdout, "%s run %s: %d tables, %d rows, %d user buckets, in %s\n", verb, rep.RunID, rep.Tables, rows, rep.Buckets, f.out)
	return rep, nil
}

// defaultExportStatementTimeout bounds one statement of an export on
// PostgreSQL: reading the fact table is one statement, streamed while the
// encoder stores it.
const defaultExportStatementTimeout = 30 * time.Minute
