package main

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/s3"
	"github.com/animetl/animetl/spark"
)

// engineFlags choose where the source files are cleaned: here (local) or on
// a Spark cluster over Spark Connect.
type engineFlags struct {
	engine string
	remote string
	stage  string
}

func addEngineFlags(fl *pflag.FlagSet, f *engineFlags) {
	fl.StringVar(&f.engine, "engine", "local", "where the source files are cleaned: local (here), or spark (Spark SQL over Spark Connect, see --spark-remote: the list files, the delta days' upserts and deletes, and the catalogue files; compressed, UTF-16 and CR-only files are still cleaned here)")
	fl.StringVar(&f.remote, "spark-remote", "", "with --engine spark: the Spark Connect server, sc://HOST:PORT")
	fl.StringVar(&f.stage, "spark-stage", "", "with --engine spark: where Spark writes a run's Parquet, removed after the run: a folder (file:///PATH or an absolute path) on storage Spark and animetl share, or s3://bucket/prefix (EMR) or s3a://bucket/prefix, which animetl downloads with the S3 settings (--s3-*)")
	bindEnv(fl, "engine", "spark-remote", "spark-stage")
}

// validate checks the engine flags and that Spark can read the source.
func (f engineFlags) validate(source string) error {
	if err := oneOf("engine", f.engine, "local", "spark"); err != nil {
		return err
	}
	if f.engine == "local" {
		switch {
		case f.remote != "":
			return usagef("--spark-remote: only with --engine spark")
		case f.stage != "":
			return usagef("--spark-stage: only with --engine spark")
		}
		return nil
	}
	u, err := url.Parse(f.remote)
	switch {
	case f.remote == "":
		return usagef("--spark-remote: none given; --engine spark needs sc://HOST:PORT")
	case err != nil || u.Scheme != "sc" || u.Hostname() == "" || u.Path != "" && u.Path != "/":
		return usagef("--spark-remote %q: want sc://HOST:PORT", animetl.RedactLocation(f.remote))
	case f.stage == "":
		return usagef("--spark-stage: none given; --engine spark needs a folder Spark and animetl share")
	}
	if err := spark.CheckStage(f.stage); err != nil {
		return usagef("--spark-stage %q: want file:///PATH, an absolute path, s3://bucket/prefix or s3a://bucket/prefix", animetl.RedactLocation(f.stage))
	}
	if strings.Contains(source, "://") {
		return usagef("--source %q: --engine spark reads a folder source for now (Spark reads its files through file://)", animetl.RedactLocation(source))
	}
	return nil
}

// listEngine returns the engine of the flags, nil for local; log gets
// its jobs' progress; openStore opens an s3:// or s3a:// stage.
func (f engineFlags) listEngine(log *slog.Logger, openStore func(context.Context, string) (spark.StageStore, error)) animetl.ListEngine {
	if f.engine != "spark" {
		return nil
	}
	return &spark.Engine{Remote: f.remote, Stage: f.stage, Log: log, OpenStore: openStore}
}

var _ spark.StageStore = (*s3.Stage)(nil)

// openSparkStage opens an object-store stage with the S3 settings of the
// source flags (credentials from the AWS chain).
func (a *app) openSparkStage(ctx context.Context, url string) (spark.StageStore, error) {
	ro, err := a.rangedOptions()
	if err != nil {
		return nil, err
	}
	return s3.NewStage(ctx, url, s3.Options{
		Region: a.src.s3Region, Endpoint: a.src.s3Endpoint, PathStyle: a.src.s3PathStyle,
		Anonymous: a.src.s3Anonymous, Ranged: ro, Logger: a.log,
	})
}
