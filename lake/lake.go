// Package lake exports the published star schema as Parquet files in the
// lake layout (docs/ARCHITECTURE.md): a folder per table under
// runs/<run_id>/, user_anime in user_bucket=NN partitions, a manifest, and
// _published.json, the pointer a reader follows, written last.
//
// Rows are read through one animetl.Snapshot, so the files hold one
// published state even while a run publishes. They are encoded by an
// in-memory DuckDB (its Parquet writer is built in), which spills to a
// temporary folder past its memory limit, so the 8M-row fact table needs
// bounded memory. Options.ML adds two tables for recommenders:
// interactions (the list with a seeded train/test split per user) and
// items (the anime's features, genres as a list).
//
// Where the files go is a Store: a local folder (Dir) or, in package s3, a
// bucket prefix. The Store interface names only standard types, so an
// adapter implements it without importing this package (adapters never
// import each other); cmd/animetl wires one to the other. Old runs are
// removed after the pointer moved (Options.Keep, Prune).
package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
	"github.com/animetl/animetl/schema"
)

// DefaultBuckets is the number of user_bucket partitions of user_anime.
const DefaultBuckets = 16

// MaxBuckets bounds Options.Buckets: a bucket is named by two digits.
const MaxBuckets = 100

// DefaultMemoryLimit bounds the encoder's memory; past it DuckDB spills.
const DefaultMemoryLimit = "1GB"

// FactTable is the table partitioned by user_bucket = user_id % buckets.
const FactTable = "user_anime"

// PointerName is the pointer's name at the lake's root.
const PointerName = "_published.json"

// Options configure an Export.
type Options struct {
	// Buckets is the number of user_anime partitions, 1 to MaxBuckets;
	// 0 means DefaultBuckets.
	Buckets int
	// MemoryLimit bounds the encoder's memory (DuckDB syntax, "1GB");
	// "" means DefaultMemoryLimit.
	MemoryLimit string
	// Threads is the encoder's thread count; 0 lets DuckDB choose.
	Threads int
	// TempDir is where the encoder spills; "" means the system's.
	TempDir string
	// Tables are the tables exported; nil means schema.ModelTables and,
	// when the warehouse has them, schema.RecTables.
	Tables []string
	// ML adds the tables InteractionsTable (every list entry with its
	// train/test split) and ItemsTable (the anime's features).
	ML bool
	// Seed draws the split of interactions (recommend.SplitUser); the
	// caller sets it, recommend.DefaultSeed being the usual choice.
	Seed uint64
	// Keep is how many runs the lake keeps: after the pointer moved, the
	// runs past the newest Keep (by published_at) are removed, never the
	// one the pointer names. 0 keeps every run.
	Keep int
}

// Manifest describes one exported run: what a reader needs without listing
// folders.
type Manifest struct {
	RunID       string    `json:"run_id"`
	PublishedAt time.Time `json:"published_at"`
	Engine      string    `json:"engine"`
	Buckets     int       `json:"buckets"`
	// Split says how interactions.split was drawn; nil without ML tables.
	Split  *SplitInfo      `json:"split,omitempty"`
	Tables []TableManifest `json:"tables"`
}

// TableManifest describes one table's files.
type TableManifest struct {
	Name    string   `json:"name"`
	Rows    int64    `json:"rows"`
	Columns []Column `json:"columns"`
	Files   []File   `json:"files"`
}

// Column is a column's name and its type, in DuckDB's spelling.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// File is one Parquet file, its path relative to the lake's root.
type File struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// Pointer is the content of _published.json.
type Pointer struct {
	RunID    string `json:"run_id"`
	Manifest string `json:"manifest"`
}

// Result says what an Export did.
type Result struct {
	Manifest Manifest
	// Reused is true when the run was already in the lake and only the
	// pointer was written.
	Reused bool
	// Removed are the runs removed after the pointer moved (Options.Keep).
	Removed []string
	// PruneErr is why removing old runs stopped, if it did. The export
	// itself succeeded: the pointer names the new run, and the next
	// export removes what this one left.
	PruneErr error
}

// RunDir is the run's folder relative to the lake's root.
func RunDir(runID string) string { return "runs/" + runID }

// ManifestPath is the run's manifest relative to the lake's root.
func ManifestPath(runID string) string { return RunDir(runID) + "/manifest.json" }

func (o Options) withDefaults() (Options, error) {
	if o.Buckets == 0 {
		o.Buckets = DefaultBuckets
	}
	if o.Buckets < 1 || o.Buckets > MaxBuckets {
		return o, fmt.Errorf("lake: buckets %d: want 1 to %d: %w", o.Buckets, MaxBuckets, animetl.ErrConfig)
	}
	if o.MemoryLimit == "" {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.Keep < 0 {
		return o, fmt.Errorf("lake: keep %d: want 0 (every run) or more: %w", o.Keep, animetl.ErrConfig)
	}
	return o, nil
}

// Export writes the state pub publishes now into store: the run's files,
// then its manifest, then the pointer. A run already in the store with the
// same bucket count is not written again; the pointer is. It fails with
// animetl.ErrNotFound when nothing is published, and leaves the pointer as
// it was on any error. After the pointer moved, runs past opts.Keep are
// removed (Result.Removed); a failure there is Result.PruneErr, not an
// error of the export.
func Export(ctx context.Context, pub animetl.Publication, store Store, opts Options) (Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	snap, err := pub.Snapshot(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("lake: open a snapshot: %w", err)
	}
	defer snap.Close()
	run := snap.Run()
	if run.RunID == "" {
		return Result{}, fmt.Errorf("lake: the published run has no id: %w", animetl.ErrNotFound)
	}
	if err := checkRunID(run.RunID); err != nil {
		return Result{}, err
	}
	var split *SplitInfo
	if opts.ML {
		split = &SplitInfo{Seed: opts.Seed, MinEntries: recommend.MinSplitEntries, TestShare: recommend.TestShare}
	}
	if old, err := store.Manifest(ctx, run.RunID); err == nil {
		var m Manifest
		if err := json.Unmarshal(old, &m); err != nil {
			return Result{}, fmt.Errorf("lake: read %s: %w", ManifestPath(run.RunID), err)
		}
		if err := sameExport(m, opts.Buckets, split); err != nil {
			return Result{}, err
		}
		if err := publish(ctx, store, run.RunID); err != nil {
			return Result{}, err
		}
		res := Result{Manifest: m, Reused: true}
		res.Removed, res.PruneErr = prune(ctx, store, opts.Keep)
		return res, nil
	} else if !errors.Is(err, animetl.ErrNotFound) {
		return Result{}, err
	}

	dir, err := store.Stage(ctx, run.RunID)
	if err != nil {
		return Result{}, err
	}
	committed := false
	defer func() {
		if !committed {
			store.Discard(dir)
		}
	}()
	m := Manifest{RunID: run.RunID, PublishedAt: run.At.UTC(), Engine: pub.Dialect(), Buckets: opts.Buckets, Split: split}
	enc, err := newEncoder(ctx, opts)
	if err != nil {
		return Result{}, err
	}
	defer enc.close()
	tables := opts.Tables
	if tables == nil {
		tables = schema.ModelTables
		// A warehouse published before the recommendation tables existed
		// has none; every later one has them (empty until trained).
		if _, err := recommend.ReadPublished(ctx, snap); err == nil {
			tables = append(slices.Clip(tables), schema.RecTables...)
		} else if !errors.Is(err, recommend.ErrNotPublished) {
			return Result{}, fmt.Errorf("lake: %w", err)
		}
	}
	for _, table := range tables {
		tm, err := enc.table(ctx, snap, dir, RunDir(run.RunID), table, opts.Buckets)
		if err != nil {
			return Result{}, err
		}
		m.Tables = append(m.Tables, tm)
	}
	if opts.ML {
		tm, err := enc.interactions(ctx, snap, dir, RunDir(run.RunID), opts.Seed)
		if err != nil {
			return Result{}, err
		}
		items, err := enc.items(ctx, snap, dir, RunDir(run.RunID))
		if err != nil {
			return Result{}, err
		}
		m.Tables = append(m.Tables, tm, items)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Result{}, fmt.Errorf("lake: manifest: %w", err)
	}
	if err := writeFile(dir, "manifest.json", append(b, '\n')); err != nil {
		return Result{}, err
	}
	if err := store.CommitRun(ctx, run.RunID, dir); err != nil {
		return Result{}, err
	}
	committed = true
	if err := publish(ctx, store, run.RunID); err != nil {
		return Result{}, err
	}
	res := Result{Manifest: m}
	res.Removed, res.PruneErr = prune(ctx, store, opts.Keep)
	return res, nil
}

// sameExport refuses to point at a run already in the lake that was
// exported otherwise than asked: its files would not be what the caller
// wants, and a run's folder is never rewritten (a reader may be in it).
func sameExport(m Manifest, buckets int, split *SplitInfo) error {
	if m.Buckets != buckets {
		return fmt.Errorf("lake: run %s is in the lake with %d buckets, not %d: %w",
			m.RunID, m.Buckets, buckets, animetl.ErrConfig)
	}
	switch {
	case split == nil:
	case m.Split == nil:
		return fmt.Errorf("lake: run %s is in the lake without the ML tables: %w", m.RunID, animetl.ErrConfig)
	case *m.Split != *split:
		return fmt.Errorf("lake: run %s is in the lake with split seed %d, not %d: %w",
			m.RunID, m.Split.Seed, split.Seed, animetl.ErrConfig)
	}
	return nil
}

func publish(ctx context.Context, store Store, runID string) error {
	b, err := json.MarshalIndent(Pointer{RunID: runID, Manifest: ManifestPath(runID)}, "", "  ")
	if err != nil {
		return fmt.Errorf("lake: pointer: %w", err)
	}
	return store.Publish(ctx, append(b, '\n'))
}
