package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/quality"
)

// build plans, loads, finalizes, recommends (with Config.Recommend) and
// checks the stage, timing each phase into the summary.
func build(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary) error {
	end := startPhase(sum, "plan")
	loads, keep, err := plan(ctx, cfg, log, stage, sum)
	end()
	if err != nil {
		return err
	}
	var eng *engineRun
	if cfg.ListEngine != nil {
		end = startPhase(sum, "transform")
		eng, err = transform(ctx, cfg, log, sum.RunID, loads)
		end()
		if err != nil {
			return err
		}
		defer func() { eng.close(log) }() // also when the load fails
	}
	probe, counter, err := loadAll(ctx, cfg, log, stage, sum, loads, eng)
	if err != nil {
		return err
	}
	eng.close(log) // the stage holds the rows now
	eng = nil
	// The decoders' buffers are garbage now: hand their pages back to the
	// system before the warehouse's own heavy work (DuckDB's sorts and
	// joins fill its memory limit), so that the run's peak memory is the
	// larger of the two, not their sum (at 80M rows on DuckDB: 493 MiB in
	// the checks without this, with the load's heap idle).
	debug.FreeOSMemory()
	end = startPhase(sum, "finalize")
	err = finalize(ctx, cfg, log, stage, sum, probe, counter, keep)
	end()
	if err != nil {
		return err
	}
	if cfg.Recommend {
		end = startPhase(sum, "recommend")
		err = recommendAll(ctx, cfg, log, stage, sum.RunID)
		end()
		if err != nil {
			return err
		}
	}
	end = startPhase(sum, "checks")
	err = check(ctx, cfg, log, stage, sum)
	end()
	return err
}

// kept says what of the published state an incremental run keeps instead
// of loading its file again (unchangedFile): the catalogue side
// (anime.csv), and with it the synopses (anime_with_synopsis.csv).
type kept struct{ catalogue, synopses bool }

// plan lists the source, decides which files the run loads and registers
// them in the stage. It reports what the run keeps of the published state.
func plan(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary) ([]*animetl.FileLoad, kept, error) {
	listing, err := cfg.Source.List(ctx)
	if err != nil {
		return nil, kept{}, fmt.Errorf("list %s: %w", cfg.Source, err)
	}
	set, err := classify(listing)
	if err != nil {
		return nil, kept{}, fmt.Errorf("source %s: %w", cfg.Source, err)
	}
	var keep kept
	for _, ig := range set.ignored {
		sum.Ignored = append(sum.Ignored, ig)
		log.Warn("source entry ignored", animetl.LogFile, ig.Name, "reason", ig.Reason)
	}
	var planned []plannedFile
	if cfg.Mode == animetl.ModeIncremental {
		var ledger []appliedFile
		if ledger, err = readLedger(ctx, stage); err != nil {
			return nil, kept{}, err
		}
		planned, err = planIncremental(set, ledger, cfg.Backfill)
		// keepUnchanged leaves the planned file of kind out when the
		// published state holds what it would load (unchangedFile), and
		// says so in the summary and the log.
		keepUnchanged := func(kind animetl.Kind, stands, msg string) bool {
			a, ok := unchangedFile(planned, ledger, kind)
			if !ok {
				return false
			}
			planned = slices.DeleteFunc(planned, func(p plannedFile) bool { return p.kind == kind })
			sum.Ignored = append(sum.Ignored, animetl.IgnoredEntry{Name: a.name, Reason: "unchanged since run " + a.runID +
				" (" + sameReason(a) + "): " + stands + " (--reload-catalogue loads it again)"})
			log.Info(msg, animetl.LogFile, a.name, "since_run", a.runID)
			return true
		}
		if !cfg.ReloadCatalogue && keepUnchanged(animetl.KindAnime, "its catalogue rows, tags and score votes stand", "catalogue kept") {
			keep.catalogue = true
			// The synopses go with the catalogue rows they belong to: kept
			// only when anime.csv is (a reloaded catalogue takes them from
			// the load table).
			keep.synopses = keepUnchanged(animetl.KindSynopsis, "its synopses stand", "synopses kept")
		}
	} else {
		planned, err = planFull(set, cfg.Backfill)
	}
	if err != nil {
		return nil, kept{}, fmt.Errorf("source %s: %w", cfg.Source, err)
	}
	loads := make([]*animetl.FileLoad, len(planned))
	for i, p := range planned {
		loads[i] = &animetl.FileLoad{Kind: p.kind, Info: p.info, Date: p.date}
		if err := stage.AddFile(ctx, loads[i]); err != nil {
			return nil, kept{}, fmt.Errorf("register %s: %w", p.info.Name, err)
		}
	}
	return loads, keep, nil
}

// loadAll loads the files one after the other, each its own phase, while
// the stage stores the rejects alongside.
func loadAll(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary, loads []*animetl.FileLoad, eng *engineRun) (*keyProbe, *listCounter, error) {
	rejects := make(chan []animetl.RowError, 4)
	probe := newKeyProbe()
	counter := newListCounter()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return stage.LoadRejects(gctx, rejects) })
	g.Go(func() error {
		defer close(rejects)
		rs := &rejectSink{ctx: gctx, out: rejects, size: 1024}
		for _, fl := range loads {
			end := startPhase(sum, loadPhase(fl.Info.Name))
			restore := collectLess(fl.Kind)
			err := loadOne(gctx, cfg, log, stage, sum, fl, rs, probe, counter, eng)
			restore()
			end()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return probe, counter, nil
}

// catalogueGCFactor multiplies the Go collector's GOGC while a catalogue
// file loads (collectLess).
const catalogueGCFactor = 8

// collectLess has the Go collector run less often while a file of the
// catalogue side loads (anime.csv, the synopses) and returns what sets it
// back. Their decoders hold every row (the repeat check keeps each key's
// first record), a heap of strings and pointers that grows from nothing
// to about 27 MB for the real catalogue: at the command's GOGC of 50 the
// collector ran 13 times over it and marked it each time, 0.1 s of CPU
// in a 0.3 s load. At 8 times the GOGC (400) it runs a few times, the
// catalogue's load takes 0.20-0.24 s instead of 0.27-0.30, and its heap
// stays below the list's load's, whose GOGC is untouched. A GOGC of off
// stays off. GOGC is the process's: runs side by side (a scheduler's)
// share one raise, and the last one done sets it back.
func collectLess(kind animetl.Kind) (restore func()) {
	if kind != animetl.KindAnime && kind != animetl.KindSynopsis {
		return func() {}
	}
	lessGC.mu.Lock()
	defer lessGC.mu.Unlock()
	if lessGC.n == 0 {
		lessGC.old = debug.SetGCPercent(-1)
		if lessGC.old > 0 {
			debug.SetGCPercent(lessGC.old * catalogueGCFactor)
		} else {
			debug.SetGCPercent(lessGC.old)
		}
	}
	lessGC.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			lessGC.mu.Lock()
			defer lessGC.mu.Unlock()
			if lessGC.n--; lessGC.n == 0 {
				debug.SetGCPercent(lessGC.old)
			}
		})
	}
}

// lessGC counts the loads under collectLess and keeps the GOGC they raised.
var lessGC struct {
	mu  sync.Mutex
	n   int
	old int
}

// loadOne loads one file, stores its rejects and records what was read.
func loadOne(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary,
	fl *animetl.FileLoad, rs *rejectSink, probe *keyProbe, counter *listCounter, eng *engineRun) error {
	t0 := time.Now()
	var cols []string
	var err error
	if eng.has(fl) {
		cols, err = ingestFile(ctx, cfg, stage, fl, rs, probe, counter, eng)
	} else {
		var direct bool
		cols, direct, err = loadDirect(ctx, cfg, log, stage, fl, rs, probe, counter)
		if err == nil && !direct {
			cols, err = loadFile(ctx, cfg, stage, fl, rs, probe, counter)
		}
	}
	if err != nil {
		return err
	}
	for _, col := range cols {
		ig := animetl.IgnoredEntry{Name: fl.Info.Name + ": column " + col, Reason: "column not in the " + layoutName(fl.Kind) + " layout"}
		sum.Ignored = append(sum.Ignored, ig)
		log.Warn("column ignored", animetl.LogFile, fl.Info.Name, "column", col, "reason", ig.Reason)
	}
	if err := rs.flush(); err != nil {
		return err
	}
	if err := stage.FinishFile(ctx, fl); err != nil {
		return fmt.Errorf("record %s: %w", fl.Info.Name, err)
	}
	log.Info("file loaded", animetl.LogFile, fl.Info.Name, animetl.LogRows, fl.RowsRead,
		"rejected", rs.count[fl.Info.Name], animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	return nil
}

// finalize has the stage resolve repeats, merge the deltas and build the
// model and marts. The warehouses build the marts inside Finalize (on
// PostgreSQL alongside the key index), so they are one phase.
func finalize(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary, probe *keyProbe, counter *listCounter, keep kept) error {
	t0 := time.Now()
	opts := animetl.FinalizeOptions{PriorRatings: cfg.PriorRatings, Recommend: cfg.retrained(), KeepCatalogue: keep.catalogue,
		KeepSynopses: keep.synopses, CompactAbove: cfg.CompactAbove,
		EarlyChecks: quality.EarlySQL(cfg.Checks, checkParams(cfg, sum.RunID, log))}
	if cfg.Mode == animetl.ModeFull && probe.known {
		// Every entry of the base is in user_anime as it streamed by: the
		// counts are exact once the warehouse takes out the repeats it
		// removes (and updates them by the deltas).
		opts.BaseCounts = counter.counts()
		opts.BaseRepeats = probe.repeated()
		opts.BaseRepeatUsers = probe.returningUsers()
	}
	animetl.Failpoint("finalize")
	files, err := stage.Finalize(ctx, opts)
	if err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	sum.Files = files
	log.Info("finalized", animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	return nil
}

// beforeChecks, when set (by tests only), runs on the stage just before
// its checks: a test plants a defect there to show a check catches it.
var beforeChecks func(context.Context, animetl.Stage) error

// checkParams are the parameters of the run's checks.
func checkParams(cfg Config, runID string, log *slog.Logger) quality.Params {
	params := quality.Params{RunID: runID, Dialect: cfg.Warehouse.Dialect(),
		Timed: func(name string, took time.Duration) {
			log.Debug("check query", "check", name, animetl.LogDuration, took.Round(time.Microsecond))
		}}
	if cfg.Mode == animetl.ModeIncremental {
		// The published tables passed the checks when they were published:
		// prove the rules from the day's rows instead of scanning the history.
		params.Scope = quality.ScopeDelta
	}
	return params
}

// check runs the quality checks on the stage and records them.
func check(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary) error {
	t0 := time.Now()
	animetl.Failpoint("checks")
	if beforeChecks != nil {
		if err := beforeChecks(ctx, stage); err != nil {
			return fmt.Errorf("before checks: %w", err)
		}
	}
	results, err := quality.Run(ctx, stage, cfg.Checks, checkParams(cfg, sum.RunID, log))
	sum.Checks = results
	if err != nil {
		return err
	}
	if err := stage.RecordChecks(ctx, results); err != nil {
		return fmt.Errorf("record checks: %w", err)
	}
	log.Info("checked", "checks", len(results), animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	for _, r := range results {
		if r.Status == animetl.CheckFail {
			log.Warn("check failed", animetl.LogCheck, r.Name, "severity", r.Severity, "observed", r.Observed, "threshold", r.Threshold)
		}
	}
	if failed := quality.Failed(results); len(failed) > 0 {
		return fmt.Errorf("%s: %w", strings.Join(failed, ", "), animetl.ErrChecks)
	}
	return nil
}
