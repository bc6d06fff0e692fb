package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/recommend"
	"github.com/animetl/animetl/s3"
)

// s3.Lake is package lake's Store; the adapter does not import lake, so the
// wiring checks the match.
var _ lake.Store = (*s3.Lake)(nil)

// maxLakeKeep bounds --lake-keep.
const maxLakeKeep = 100_000

// lakeFlags are the lake settings of run, schedule and serve --schedule.
type lakeFlags struct {
	uri     string
	keep    int
	buckets int
	ml      bool
	seed    uint64
}

// addLakeFlags adds --lake and its settings to the commands that run.
func addLakeFlags(fl *pflag.FlagSet, f *lakeFlags) {
	fl.StringVar(&f.uri, "lake", "", "after a successful publish, export the published run to this lake: a folder or s3://bucket/prefix (as animetl export --out)")
	fl.IntVar(&f.keep, "lake-keep", lake.DefaultKeep, "runs the lake keeps: older run folders are removed after the pointer moved, never the published one (0 keeps every run)")
	fl.IntVar(&f.buckets, "lake-buckets", lake.DefaultBuckets, "user_anime partitions of the lake: user_bucket = user_id % buckets")
	fl.BoolVar(&f.ml, "lake-ml", false, "also write the ML tables interactions and items (as animetl export --ml)")
	fl.Uint64Var(&f.seed, "lake-seed", recommend.DefaultSeed, "seed of interactions.split with --lake-ml")
	bindEnv(fl, "lake", "lake-keep", "lake-buckets", "lake-ml", "lake-seed")
}

// validate checks the lake settings of a run.
func (f lakeFlags) validate() error {
	if f.uri == "" {
		if f.ml {
			return usagef("--lake-ml: needs --lake")
		}
		return intIn("lake-keep", f.keep, 0, maxLakeKeep)
	}
	return firstError(validateLakeURI("lake", f.uri), intIn("lake-keep", f.keep, 0, maxLakeKeep),
		intIn("lake-buckets", f.buckets, 1, lake.MaxBuckets))
}

// validateLakeURI checks a lake location: a folder or s3://bucket/prefix.
func validateLakeURI(flag, uri string) error {
	if uri == "" {
		return usagef("--%s: required: a folder or s3://bucket/prefix", flag)
	}
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		return nil
	}
	if strings.ToLower(scheme) != "s3" {
		return usagef("--%s %q: want a folder or s3://bucket/prefix", flag, animetl.RedactLocation(uri))
	}
	if _, _, err := s3.ParseURL(uri); err != nil {
		return usagef("--%s %q: want s3://bucket/prefix", flag, animetl.RedactLocation(uri))
	}
	return nil
}

// openLake opens the lake at uri: a bucket prefix with the S3 settings, or
// a local folder (created if need be). ro tunes the S3 client's retries
// and upload concurrency.
func (a *app) openLake(ctx context.Context, uri string, ro ranged.Options) (lake.Store, error) {
	if strings.HasPrefix(strings.ToLower(uri), "s3://") {
		st, err := s3.NewLake(ctx, uri, s3.Options{
			Region: a.src.s3Region, Endpoint: a.src.s3Endpoint, PathStyle: a.src.s3PathStyle,
			Anonymous: a.src.s3Anonymous, Ranged: ro, Logger: a.log,
		})
		if errors.Is(err, animetl.ErrConfig) {
			return nil, usageError{err}
		}
		return st, err
	}
	st, err := lake.NewDir(uri)
	if err != nil {
		return nil, usageError{err}
	}
	return st, nil
}

// lakeReport is what export --json and run --json say of a lake export.
type lakeReport struct {
	Status     string   `json:"status"` // succeeded, failed, or skipped (the run did not publish)
	URI        string   `json:"uri"`
	RunID      string   `json:"run_id,omitempty"`
	Manifest   string   `json:"manifest,omitempty"`
	Buckets    int      `json:"buckets,omitempty"`
	Tables     int      `json:"tables"`
	Rows       int64    `json:"rows"`
	Reused     bool     `json:"reused"`
	ML         bool     `json:"ml"`
	SplitSeed  *uint64  `json:"split_seed,omitempty"`
	Keep       int      `json:"keep"`
	Removed    []string `json:"removed"`
	PruneError string   `json:"prune_error,omitempty"`
	Seconds    float64  `json:"seconds"`
	Error      string   `json:"error,omitempty"`
}

// exportLake exports the state pub publishes into the lake at uri and
// reports it. Errors of the export are returned as they are; a failure to
// remove old runs is a warning in the log and the report.
func (a *app) exportLake(ctx context.Context, pub animetl.Publication, uri string, ro ranged.Options, opts lake.Options) (*lakeReport, error) {
	rep := &lakeReport{Status: "failed", URI: animetl.RedactLocation(uri), Keep: opts.Keep, ML: opts.ML, Removed: []string{}}
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	store, err := a.openLake(ctx, uri, ro)
	if err != nil {
		return rep, err
	}
	res, err := lake.Export(ctx, pub, store, opts)
	if err != nil {
		return rep, err
	}
	m := res.Manifest
	rep.Status, rep.RunID, rep.Manifest, rep.Buckets, rep.Tables, rep.Reused = "succeeded", m.RunID, lake.ManifestPath(m.RunID), m.Buckets, len(m.Tables), res.Reused
	for _, t := range m.Tables {
		rep.Rows += t.Rows
	}
	if m.Split != nil {
		seed := m.Split.Seed
		rep.SplitSeed = &seed
	}
	if res.Removed != nil {
		rep.Removed = res.Removed
	}
	if res.PruneErr != nil {
		rep.PruneError = res.PruneErr.Error()
		a.log.Warn("lake: old runs not removed; the next export tries again", "lake", rep.URI, animetl.LogError, res.PruneErr)
	}
	a.log.Info("lake export", "lake", rep.URI, "run_id", rep.RunID, "tables", rep.Tables, "rows", rep.Rows,
		"reused", rep.Reused, "removed", len(rep.Removed), "seconds", time.Since(start).Seconds())
	return rep, nil
}

// printLake writes the readable line of a lake export.
func printLake(w io.Writer, rep *lakeReport) {
	verb := "exported"
	if rep.Reused {
		verb = "already in the lake; pointed at"
	}
	fmt.Fprintf(w, "%s run %s: %d tables, %d rows, %d user buckets, in %s\n", verb, rep.RunID, rep.Tables, rep.Rows, rep.Buckets, rep.URI)
	if len(rep.Removed) > 0 {
		fmt.Fprintf(w, "removed %d old run(s) (--lake-keep %d): %s\n", len(rep.Removed), rep.Keep, strings.Join(rep.Removed, ", "))
	}
	if rep.PruneError != "" {
		fmt.Fprintf(w, "warning: old runs not removed: %s\n", rep.PruneError)
	}
}

// runLake exports the run that just published to the lake of a run. The
// warehouse's publish stands whatever happens here: the error says so and
// how to catch the lake up.
func (a *app) runLake(ctx context.Context, f lakeFlags, ro ranged.Options, runID string) (*lakeReport, error) {
	pub, _, err := a.openPublication(serveFlags{pgMaxConns: 2, statementTimeout: defaultExportStatementTimeout})
	var rep *lakeReport
	if err == nil {
		defer pub.Close()
		rep, err = a.exportLake(ctx, pub, f.uri, ro, lake.Options{Buckets: f.buckets, Threads: a.wh.duckThreads,
			ML: f.ml, Seed: f.seed, Keep: f.keep})
	}
	if rep == nil {
		rep = &lakeReport{Status: "failed", URI: animetl.RedactLocation(f.uri), Keep: f.keep, ML: f.ml, Removed: []string{}}
	}
	if err != nil {
		err = fmt.Errorf("lake: run %s was published, but exporting it to %s failed (the warehouse stands; `animetl export --out %s` catches the lake up): %w",
			runID, rep.URI, rep.URI, animetl.RedactError(err, a.wh.warehouse))
		rep.Error = err.Error()
	}
	return rep, err
}
