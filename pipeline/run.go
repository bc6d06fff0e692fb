// Package pipeline is the application service of animetl: Run extracts the
// source files, cleans them with the dataset package, loads them into a
// warehouse stage, finalizes and checks the stage, and publishes it
// atomically. The CLI, the scheduler and the API all call Run.
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
	"github.com/animetl/animetl/quality"
)

// Config is what a run needs. Source and Warehouse are required.
type Config struct {
	Source    animetl.Source
	Warehouse animetl.Warehouse
	// WarehouseName names the warehouse in the summary, without secrets.
	WarehouseName string
	Mode          animetl.Mode
	// MaxRejectRate is the share of rejected lines above which the run fails
	// (quality.DefaultMaxRejectRate when zero; a negative value is invalid).
	MaxRejectRate float64
	// MaxDrift and MaxDeltaAgeDays are the warning thresholds of the drift
	// and freshness checks (quality defaults when zero).
	MaxDrift        float64
	MaxDeltaAgeDays int
	// PriorRatings is FinalizeOptions.PriorRatings (default when zero).
	PriorRatings int
	// BatchSize is the number of records per batch handed to the warehouse.
	BatchSize int
	// ParseWorkers decode a list file in parallel (default: all cores).
	ParseWorkers int
	// Backfill restricts the delta days a run applies.
	Backfill Backfill
	// Checks replaces quality.Defaults when non-nil.
	Checks []quality.Check
	// Logger receives progress logs; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called as bytes of each file are read.
	Progress func(Progress)
	// AbortTimeout bounds the recording of a failed run after ctx ended.
	AbortTimeout time.Duration
}

// Progress reports how far the run has read a file.
type Progress struct {
	File  string
	Bytes int64
	Size  int64 // -1 when unknown
	Done  bool
}

// DefaultBatchSize is the default Config.BatchSize.
const DefaultBatchSize = 8192

func (c *Config) setDefaults() error {
	if c.Source == nil || c.Warehouse == nil {
		return fmt.Errorf("pipeline: source and warehouse are required: %w", animetl.ErrConfig)
	}
	if c.Mode == "" {
		c.Mode = animetl.ModeFull
	}
	switch c.Mode {
	case animetl.ModeFull, animetl.ModeIncremental:
	default:
		return fmt.Errorf("mode %q: want full or incremental: %w", c.Mode, animetl.ErrConfig)
	}
	if c.MaxRejectRate < 0 || c.MaxRejectRate > 1 {
		return fmt.Errorf("max-reject-rate %v: want a share between 0 and 1: %w", c.MaxRejectRate, animetl.ErrConfig)
	}
	if c.MaxRejectRate == 0 {
		c.MaxRejectRate = quality.DefaultMaxRejectRate
	}
	if c.PriorRatings <= 0 {
		c.PriorRatings = animetl.DefaultPriorRatings
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.MaxDrift <= 0 {
		c.MaxDrift = quality.DefaultMaxDrift
	}
	if c.MaxDeltaAgeDays <= 0 {
		c.MaxDeltaAgeDays = quality.DefaultMaxDeltaAgeDays
	}
	if c.Checks == nil {
		c.Checks = quality.Defaults(quality.Limits{MaxRejectRate: c.MaxRejectRate, MaxDrift: c.MaxDrift, MaxDeltaAgeDays: c.MaxDeltaAgeDays})
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.AbortTimeout <= 0 {
		c.AbortTimeout = 2 * time.Minute
	}
	return nil
}

// NewRunID returns a sortable, unique run id such as 20261129T034512Z-9f1c2a.
func NewRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Run performs one run and returns its summary, also when it fails (then
// with Status failed and the error). A failed run leaves the published
// warehouse exactly as it was and records its failure where the warehouse
// allows. Errors wrap animetl.ErrConfig, ErrLocked, ErrMissingFile,
// ErrHeader, ErrNoRows or ErrChecks where those apply; a run's error is one
// line of at most animetl.MaxErrorBytes (animetl.OneLine).
func Run(ctx context.Context, cfg Config) (*animetl.RunSummary, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	start := time.Now().UTC()
	host, _ := os.Hostname()
	info := animetl.RunInfo{
		ID: NewRunID(start), Mode: cfg.Mode, Source: cfg.Source.String(),
		Host: host, PID: os.Getpid(), StartedAt: start,
	}
	sum := &animetl.RunSummary{
		RunID: info.ID, Status: animetl.StatusRunning, Mode: cfg.Mode, Source: info.Source,
		Warehouse: cfg.WarehouseName, StartedAt: start,
		Files: []animetl.FileSummary{}, Checks: []animetl.CheckResult{},
	}
	log := cfg.Logger.With(animetl.LogRun, info.ID)
	log.Info("run started", "mode", cfg.Mode, animetl.LogSource, info.Source, animetl.LogWarehouse, cfg.WarehouseName)

	stage, err := cfg.Warehouse.Begin(ctx, info)
	if err != nil {
		err = fail(sum, fmt.Errorf("begin run: %w", err))
		log.Error("run failed", animetl.LogError, err)
		return sum, err
	}
	animetl.Failpoint("begun")
	err = build(ctx, cfg, log, stage, sum)
	if err == nil {
		sum.Status, sum.FinishedAt = animetl.StatusSucceeded, time.Now().UTC()
		if err = stage.Publish(ctx, sum); err != nil {
			err = fmt.Errorf("publish: %w", err)
		}
	}
	if err != nil {
		err = fail(sum, err)
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.AbortTimeout)
		defer cancel()
		if aerr := stage.Abort(actx, sum); aerr != nil {
			log.Error("recording the failed run", animetl.LogError, aerr)
		}
		var se *animetl.StatementError
		if errors.As(err, &se) {
			log.Debug("failed statement", "statement", se.Statement)
		}
		log.Error("run failed", animetl.LogError, err, animetl.LogDuration, time.Since(start).Round(time.Millisecond))
		return sum, err
	}
	t := sum.Totals()
	log.Info("run succeeded", "read", t.RowsRead, "loaded", t.RowsLoaded, "rejected", t.RowsRejected,
		"duplicates", t.RowsDuplicate, animetl.LogDuration, time.Since(start).Round(time.Millisecond))
	return sum, nil
}

// fail marks the run failed and returns its error as one bounded line
// (animetl.OneLine), which is also the summary's Error.
func fail(sum *animetl.RunSummary, err error) error {
	err = animetl.OneLine(err)
	sum.Status = animetl.StatusFailed
	sum.FinishedAt = time.Now().UTC()
	sum.Error = err.Error()
	return err
}

// build lists, loads, finalizes and checks the stage.
func build(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, sum *animetl.RunSummary) error {
	listing, err := cfg.Source.List(ctx)
	if err != nil {
		return fmt.Errorf("list %s: %w", cfg.Source, err)
	}
	var plan []plannedFile
	if cfg.Mode == animetl.ModeIncremental {
		var ledger []appliedFile
		if ledger, err = readLedger(ctx, stage); err != nil {
			return err
		}
		plan, err = planIncremental(listing, ledger, cfg.Backfill)
	} else {
		plan, err = planFull(listing, cfg.Backfill)
	}
	if err != nil {
		return fmt.Errorf("source %s: %w", cfg.Source, err)
	}
	loads := make([]*animetl.FileLoad, len(plan))
	for i, p := range plan {
		loads[i] = &animetl.FileLoad{Kind: p.kind, Info: p.info, Date: p.date}
		if err := stage.AddFile(ctx, loads[i]); err != nil {
			return fmt.Errorf("register %s: %w", p.info.Name, err)
		}
	}

	rejects := make(chan []animetl.RowError, 4)
	probe := newKeyProbe()
	counter := newListCounter()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return stage.LoadRejects(gctx, rejects) })
	g.Go(func() error {
		defer close(rejects)
		rs := &rejectSink{ctx: gctx, out: rejects, size: 1024}
		for _, fl := range loads {
			t0 := time.Now()
			if err := loadFile(gctx, cfg, stage, fl, rs, probe, counter); err != nil {
				return err
			}
			if err := rs.flush(); err != nil {
				return err
			}
			if err := stage.FinishFile(gctx, fl); err != nil {
				return fmt.Errorf("record %s: %w", fl.Info.Name, err)
			}
			log.Info("file loaded", animetl.LogFile, fl.Info.Name, animetl.LogRows, fl.RowsRead,
				"rejected", rs.count[fl.Info.Name], animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}

	t0 := time.Now()
	opts := animetl.FinalizeOptions{PriorRatings: cfg.PriorRatings}
	if cfg.Mode == animetl.ModeFull && probe.clean {
		// Every entry of the base is in user_anime as it streamed by: the
		// counts are exact (the warehouse updates them by the deltas).
		opts.BaseCounts = counter.counts()
	}
	animetl.Failpoint("finalize")
	files, err := stage.Finalize(ctx, opts)
	if err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	sum.Files = files
	log.Info("finalized", animetl.LogDuration, time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	animetl.Failpoint("checks")
	results, err := quality.Run(ctx, stage, cfg.Checks, quality.Params{RunID: sum.RunID, Dialect: cfg.Warehouse.Dialect()})
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

// rejectSink batches rejects of the file being decoded into the reject channel.
type rejectSink struct {
	ctx   context.Context
	out   chan<- []animetl.RowError
	size  int
	buf   []animetl.RowError
	count map[string]int64
}

func (r *rejectSink) add(e *animetl.RowError) error {
	if r.count == nil {
		r.count = map[string]int64{}
	}
	r.count[e.File]++
	r.buf = append(r.buf, *e)
	if len(r.buf) >= r.size {
		return r.flush()
	}
	return nil
}

func (r *rejectSink) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	select {
	case r.out <- r.buf:
		r.buf = nil
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// loadFile streams one file through its decoder into the stage.
func loadFile(ctx context.Context, cfg Config, stage animetl.Stage, fl *animetl.FileLoad, rs *rejectSink, probe *keyProbe, counter *listCounter) error {
	name := fl.Info.Name
	rc, err := cfg.Source.Open(ctx, name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	if d, ok := rc.(animetl.Described); ok {
		got := d.Described()
		if got.ETag != "" {
			fl.Info.ETag = got.ETag
		}
		if got.Version != "" {
			fl.Info.Version = got.Version
		}
	}
	var tick func(int64)
	if cfg.Progress != nil {
		tick = func(n int64) { cfg.Progress(Progress{File: name, Bytes: n, Size: fl.Info.Size}) }
	}
	cr := newCountingReader(rc, tick)
	var rows int64
	switch fl.Kind {
	case animetl.KindAnimeList:
		rows, err = streamBatches(ctx, func(ctx context.Context, in <-chan []animetl.ListEntry) error {
			return stage.LoadList(ctx, fl, in)
		}, func(send func([]animetl.ListEntry) error) (int64, error) {
			res, err := dataset.DecodeAnimeListParallel(cr, name, dataset.ListOptions{Workers: cfg.ParseWorkers},
				func(es []animetl.ListEntry) error {
					if fl.Date == "" { // the base list: deltas are merged by the warehouse
						probe.observe(es)
						if probe.clean { // the counts are used only when the keys are unique
							counter.add(es)
						}
					}
					defer animetl.Failpoint("load") // after this block is handed to the warehouse
					for len(es) > 0 {               // keep batches small enough to spread over the loaders
						n := min(len(es), cfg.BatchSize)
						if err := send(es[:n:n]); err != nil {
							return err
						}
						es = es[n:]
					}
					return nil
				}, rs.add)
			return res.Rows, err
		})
	case animetl.KindAnime:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.Anime) error {
			return stage.LoadAnime(ctx, fl, in)
		}, func(emit func(animetl.Anime) error) (int64, error) {
			res, err := dataset.DecodeAnime(cr, name, emit, rs.add)
			return res.Rows, err
		})
	case animetl.KindSynopsis:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.Synopsis) error {
			return stage.LoadSynopses(ctx, fl, in)
		}, func(emit func(animetl.Synopsis) error) (int64, error) {
			res, err := dataset.DecodeSynopsis(cr, name, emit, rs.add)
			return res.Rows, err
		})
	case animetl.KindListDelete:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.ListDelete) error {
			return stage.LoadDeletes(ctx, fl, in)
		}, func(emit func(animetl.ListDelete) error) (int64, error) {
			res, err := dataset.DecodeListDeletes(cr, name, emit, rs.add)
			return res.Rows, err
		})
	case animetl.KindWatchingStatus:
		rows, err = stream(ctx, 1024, func(ctx context.Context, in <-chan []animetl.WatchingStatus) error {
			return stage.LoadStatuses(ctx, fl, in)
		}, func(emit func(animetl.WatchingStatus) error) (int64, error) {
			res, err := dataset.DecodeWatchingStatus(cr, name, emit, rs.add)
			return res.Rows, err
		})
	default:
		return fmt.Errorf("%s: no decoder for kind %v", name, fl.Kind)
	}
	if err != nil {
		return err
	}
	if rows == 0 && needsRows(fl) {
		return fmt.Errorf("%s: %w", name, animetl.ErrNoRows)
	}
	n := cr.n.Load()
	if fl.Info.Size >= 0 && n != fl.Info.Size {
		return fmt.Errorf("%s: read %d bytes, the source listed %d: the object changed or was cut short", name, n, fl.Info.Size)
	}
	fl.RowsRead = rows
	fl.Checksum = cr.Checksum()
	if cfg.Progress != nil {
		cfg.Progress(Progress{File: name, Bytes: n, Size: fl.Info.Size, Done: true})
	}
	return nil
}

// needsRows reports whether a file without data rows makes the run
// meaningless: the catalogue, the status lookup and the base list do; a
// delta (a day without changes) and the synopses do not.
func needsRows(fl *animetl.FileLoad) bool {
	switch fl.Kind {
	case animetl.KindAnime, animetl.KindWatchingStatus:
		return true
	case animetl.KindAnimeList:
		return fl.Date == ""
	}
	return false
}

// streamBatches is stream for decoders that produce whole batches.
func streamBatches[T any](ctx context.Context,
	load func(context.Context, <-chan []T) error,
	decode func(send func([]T) error) (int64, error)) (int64, error) {
	in := make(chan []T, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return load(gctx, in) })
	var rows int64
	g.Go(func() error {
		defer close(in)
		n, err := decode(func(b []T) error {
			select {
			case in <- b:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		rows = n
		return err
	})
	err := g.Wait()
	return rows, err
}

// stream runs a decoder and a stage loader side by side: the decoder's
// records travel in batches over a small channel, so memory stays flat and
// the first error of either side stops both.
func stream[T any](ctx context.Context, batchSize int,
	load func(context.Context, <-chan []T) error,
	decode func(emit func(T) error) (int64, error)) (int64, error) {
	return streamBatches(ctx, load, func(send func([]T) error) (int64, error) {
		batch := make([]T, 0, batchSize)
		n, err := decode(func(v T) error {
			batch = append(batch, v)
			if len(batch) < batchSize {
				return nil
			}
			full := batch
			batch = make([]T, 0, batchSize)
			return send(full)
		})
		if err == nil && len(batch) > 0 {
			err = send(batch)
		}
		return n, err
	})
}
