package spark

import (
	"context"
	"log/slog"
	"time"

	"github.com/animetl/animetl"
)

// LogJob is the log key naming a Spark job of a run.
const LogJob = "job"

// logger is the engine's Log, or one that discards.
func (e *Engine) logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// job runs one Spark job of a run and logs it as the local engine logs a
// file: when it starts (a job can take minutes on a cluster, with nothing
// else to show) and, when it ends, how long it took. A failed or
// cancelled job is logged by the pipeline's "run failed".
func (e *Engine) job(ctx context.Context, name string, files []string, run func(context.Context) error) error {
	log := e.logger()
	log.Info("spark job started", LogJob, name, "files", files)
	t0 := time.Now()
	if err := run(ctx); err != nil {
		return err
	}
	log.Info("spark job done", LogJob, name, animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	return nil
}

// names lists the files' names for the log.
func names(files []animetl.ListFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Load.Info.Name
	}
	return out
}
