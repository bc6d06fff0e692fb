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
	"math"
	"os"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/quality"
	"github.com/animetl/animetl/recommend"
)

// Config is what a run needs. Start from DefaultConfig and set Source and
// Warehouse: every numeric setting means what it says, zero included (a
// MaxRejectRate of 0 allows no rejected line), so a Config built from
// scratch must set them all or Run fails with ErrConfig naming the field.
type Config struct {
	Source    animetl.Source
	Warehouse animetl.Warehouse
	// WarehouseName names the warehouse in the summary, without secrets.
	WarehouseName string
	// Mode is full or incremental.
	Mode animetl.Mode
	// MaxRejectRate is the share of rejected lines, from 0 to 1, above which
	// the run fails; 0 allows none.
	MaxRejectRate float64
	// MaxDrift (above 0) and MaxDeltaAgeDays (1 or more) are the warning
	// thresholds of the drift and freshness checks.
	MaxDrift        float64
	MaxDeltaAgeDays int
	// MaxShrink is the share, from 0 to 1, of a published table's rows a
	// run may lose since the previous succeeded run before the table_shrink
	// check fails it; 1 allows any shrink.
	MaxShrink float64
	// PriorRatings is FinalizeOptions.PriorRatings, 1 or more.
	PriorRatings int
	// BatchSize is the number of records per batch handed to the warehouse,
	// 1 or more.
	BatchSize int
	// ParseWorkers decode a list file in parallel; 0 means one per core.
	ParseWorkers int
	// WarehouseRepeats leaves the later lines of a repeated key in the base
	// list for the warehouse's repeats SQL to find and reject, instead of
	// taking them out as the file streams by (the default, which gives the
	// same rejects without a search of the loaded table). It is for
	// comparing the two, in tests and benchmarks.
	WarehouseRepeats bool
	// Backfill restricts the delta days a run applies.
	Backfill Backfill
	// ReloadCatalogue loads anime.csv in an incremental run even when it is
	// the file the published catalogue was made from (by default such a run
	// keeps the published catalogue side: FinalizeOptions.KeepCatalogue).
	ReloadCatalogue bool
	// CompactAbove is FinalizeOptions.CompactAbove, above 0.
	CompactAbove float64
	// Checks replaces quality.Defaults when non-nil.
	Checks []quality.Check
	// Logger receives progress logs; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called as bytes of each file are read.
	Progress func(Progress)
	// Recommend trains the recommenders after Finalize (the "recommend"
	// phase) and publishes their top lists with the data: rec_user from
	// RecommendUserModel, rec_similar from RecommendSimilarModel (a
	// recommend.Similarity). An empty model name, or Recommend unset,
	// carries that table over from the published state unchanged.
	Recommend             bool
	RecommendUserModel    string
	RecommendSimilarModel string
	// RecommendTop is how many anime a user's list and an anime's similar
	// list keep, 1 to 1000.
	RecommendTop int
	// RecSeed seeds the models that draw random numbers.
	RecSeed int64
	// NewModel builds the models by name; nil knows only "popularity".
	NewModel ModelFactory
	// ListEngine, when set, transforms the list and deletes files, and the
	// catalogue files when it is an animetl.CatalogueEngine that takes them
	// (the Spark engine); nil decodes them here with the dataset package.
	ListEngine animetl.ListEngine
	// DirectListLoad lets a warehouse that reads CSV itself (DuckDB) load
	// the clean lines of the plain, uncompressed list files of a local
	// folder in bulk; only the other lines are decoded here (the same rows,
	// rejects and lines). Off by default: on a loaded 2-core machine it
	// measured slower than the Go decoders (docs: issue 11 notes).
	DirectListLoad bool
	// AbortTimeout bounds the recording of a failed run after ctx ended;
	// it must be above 0.
	AbortTimeout time.Duration
}

// DefaultConfig returns the settings of a run with every default filled
// in; callers set Source and Warehouse and change what they need.
func DefaultConfig() Config {
	return Config{
		Mode:            animetl.ModeFull,
		MaxRejectRate:   quality.DefaultMaxRejectRate,
		MaxDrift:        quality.DefaultMaxDrift,
		MaxDeltaAgeDays: quality.DefaultMaxDeltaAgeDays,
		MaxShrink:       quality.DefaultMaxShrink,
		PriorRatings:    animetl.DefaultPriorRatings,
		CompactAbove:    animetl.DefaultCompactAbove,
		BatchSize:       DefaultBatchSize,
		AbortTimeout:    DefaultAbortTimeout,

		RecommendUserModel:    DefaultRecommendUserModel,
		RecommendSimilarModel: DefaultRecommendSimilarModel,
		RecommendTop:          DefaultRecommendTop,
		RecSeed:               recommend.DefaultSeed,
	}
}

// Progress reports how far the run has read a file.
type Progress struct {
	File  string
	Bytes int64
	Size  int64 // -1 when unknown
	Done  bool
}

// Defaults of DefaultConfig.
const (
	DefaultBatchSize    = 8192
	DefaultAbortTimeout = 2 * time.Minute
)

// validate checks every setting; none is read as "unset" and replaced.
func (c *Config) validate() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("pipeline: %s = %v: want %s (start from pipeline.DefaultConfig): %w", field, v, want, animetl.ErrConfig)
	}
	switch {
	case c.Source == nil || c.Warehouse == nil:
		return fmt.Errorf("pipeline: source and warehouse are required: %w", animetl.ErrConfig)
	case c.Mode != animetl.ModeFull && c.Mode != animetl.ModeIncremental:
		return bad("Mode", fmt.Sprintf("%q", c.Mode), "full or incremental")
	case math.IsNaN(c.MaxRejectRate) || c.MaxRejectRate < 0 || c.MaxRejectRate > 1:
		return bad("MaxRejectRate", c.MaxRejectRate, "a share from 0 to 1")
	case math.IsNaN(c.MaxDrift) || math.IsInf(c.MaxDrift, 0) || c.MaxDrift <= 0:
		return bad("MaxDrift", c.MaxDrift, "a number above 0")
	case math.IsNaN(c.MaxShrink) || c.MaxShrink < 0 || c.MaxShrink > 1:
		return bad("MaxShrink", c.MaxShrink, "a share from 0 to 1")
	case c.MaxDeltaAgeDays < 1:
		return bad("MaxDeltaAgeDays", c.MaxDeltaAgeDays, "1 or more")
	case c.PriorRatings < 1:
		return bad("PriorRatings", c.PriorRatings, "1 or more")
	case !(c.CompactAbove > 0):
		return bad("CompactAbove", c.CompactAbove, "above 0")
	case c.BatchSize < 1:
		return bad("BatchSize", c.BatchSize, "1 or more")
	case c.ParseWorkers < 0:
		return bad("ParseWorkers", c.ParseWorkers, "0 (one per core) or more")
	case c.AbortTimeout <= 0:
		return bad("AbortTimeout", c.AbortTimeout, "a duration above 0")
	}
	if err := c.validateRecommend(); err != nil {
		return err
	}
	if c.Checks == nil {
		c.Checks = quality.Defaults(quality.Limits{MaxRejectRate: c.MaxRejectRate, MaxDrift: c.MaxDrift,
			MaxDeltaAgeDays: c.MaxDeltaAgeDays, MaxShrink: c.MaxShrink})
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
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
	if err := cfg.validate(); err != nil {
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
		Files: []animetl.FileSummary{}, Checks: []animetl.CheckResult{}, Ignored: []animetl.IgnoredEntry{},
		Phases: []animetl.Phase{},
	}
	log := cfg.Logger.With(animetl.LogRun, info.ID)
	log.Info("run started", "mode", cfg.Mode, animetl.LogSource, info.Source, animetl.LogWarehouse, cfg.WarehouseName)

	end := startPhase(sum, "begin")
	stage, err := cfg.Warehouse.Begin(ctx, info)
	end()
	if err != nil {
		err = fail(sum, fmt.Errorf("begin run: %w", err))
		log.Error("run failed", animetl.LogError, err)
		return sum, err
	}
	animetl.Failpoint("begun")
	err = build(ctx, cfg, log, stage, sum)
	if err == nil {
		// The ledger's finished_at and phases are those of the moment the
		// run is recorded, inside the publish; the summary's include it.
		sum.Status, sum.FinishedAt = animetl.StatusSucceeded, time.Now().UTC()
		end := startPhase(sum, "publish")
		err = stage.Publish(ctx, sum)
		end()
		if err != nil {
			err = fmt.Errorf("publish: %w", err)
		} else {
			sum.FinishedAt = time.Now().UTC()
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

// layoutName names the layout of a kind of file in messages.
func layoutName(k animetl.Kind) string {
	if k == animetl.KindListDelete {
		return "deletes (user_id,anime_id)"
	}
	return k.String()
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
