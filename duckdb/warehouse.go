// Package duckdb is the embedded default Warehouse: one DuckDB file.
//
// A run builds a complete new database next to the published one
// (PATH.stage, with its work tables in a throwaway PATH.scratch), checks it,
// and publishes it by renaming it over PATH: an atomic step on POSIX file
// systems. Readers in other processes open PATH read-only and keep reading
// the file they opened while a run is under way; a failed or killed run
// leaves PATH untouched except for its ledger rows. Runs never overlap: an
// flock on PATH.lock serialises them across processes.
package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/singleflight"

	"github.com/animetl/animetl"
)

var _ animetl.Warehouse = (*Warehouse)(nil)

// Options configure a DuckDB warehouse.
type Options struct {
	// Path of the published database file.
	Path string
	// MemoryLimit caps DuckDB's memory ("1GB"); larger work spills to disk.
	MemoryLimit string
	// Threads DuckDB may use; 0 lets DuckDB decide (all cores).
	Threads int
	// LockTimeout is how long a run waits for another run's lock.
	LockTimeout time.Duration
	// LedgerKeepDays is how long the rejects and checks of a run stay in
	// the ledger (etl_run keeps every run); 0 means DefaultLedgerKeepDays.
	LedgerKeepDays int
	// Logger receives the adapter's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults for Options.
const (
	// DefaultMemoryLimit bounds DuckDB's memory (it spills the rest to
	// disk; the list's load runs under 0.35 of it and a full run's checks
	// under half: loadLimitShare, checksLimitShare): at 192MB an 80M-row
	// run peaked 6.5% above an 8M-row run (252 and 236 MiB, medians of 3),
	// and 128MB made the 80M day 10% slower (its ranged deletes are sized
	// by the limit).
	DefaultMemoryLimit = "192MB"
	DefaultLockTimeout = 30 * time.Second
	// DefaultLedgerKeepDays is how long a run's rejects and checks stay.
	DefaultLedgerKeepDays = 90
)

// Warehouse is a DuckDB file warehouse.
type Warehouse struct {
	opts Options
	log  *slog.Logger

	mu  sync.Mutex
	cur *handle // the read handle on the files published now (see acquire)
	// opening opens one handle per publish however many readers ask.
	opening singleflight.Group
	capOnce sync.Once // logs the thread cap once
}

// Open returns the warehouse at opts.Path. It creates the parent folder but
// does not create or open the database file: a run creates it, readers open
// it read-only on their first query.
func Open(opts Options) (*Warehouse, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("duckdb: empty path: %w", animetl.ErrConfig)
	}
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("duckdb: path %q: %w", opts.Path, err)
	}
	opts.Path = abs
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Threads < 0 {
		return nil, fmt.Errorf("duckdb: threads %d: want 0 or more: %w", opts.Threads, animetl.ErrConfig)
	}
	switch {
	case opts.LedgerKeepDays < 0:
		return nil, fmt.Errorf("duckdb: ledger keep days %d: want 0 (default %d) or more: %w", opts.LedgerKeepDays, DefaultLedgerKeepDays, animetl.ErrConfig)
	case opts.LedgerKeepDays == 0:
		opts.LedgerKeepDays = DefaultLedgerKeepDays
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	return &Warehouse{opts: opts, log: log.With(animetl.LogComponent, "duckdb")}, nil
}

// Dialect returns "duckdb".
func (w *Warehouse) Dialect() string { return "duckdb" }

// Path returns the published database file.
func (w *Warehouse) Path() string { return w.opts.Path }

func (w *Warehouse) lockPath() string    { return w.opts.Path + ".lock" }
func (w *Warehouse) stagePath() string   { return w.opts.Path + ".stage" }
func (w *Warehouse) scratchPath() string { return w.opts.Path + ".scratch" }

// prevPath is a second name of the file the last publish replaced, which
// the next run removes in the background (replaceFile says why).
func (w *Warehouse) prevPath() string { return w.opts.Path + ".prev" }

// bytesPerThread is the memory limit each DuckDB thread is given at least:
// every thread that loads the list keeps row groups of its own, and every
// thread that aggregates user_anime (the checks' GROUP BY) a hash table of
// its own, neither of which spills. Measured on 4M rows: 8 threads at 64MB
// ran out of memory in the checks 2 runs of 3, 32 at 96MB every time, 64
// at 192MB in the load (8 MiB a loading thread is enough, 3-4 MiB is not);
// 4 at 64MB and 6 at 96MB passed.
const bytesPerThread = 16 << 20

// threads is the DuckDB thread count to set, 0 for DuckDB's own (one per
// core): the one asked for (--duckdb-threads), or the cores, but no more
// than the memory limit has bytesPerThread for. A limit DuckDB writes in
// another form (a percentage) leaves the count as asked.
func (w *Warehouse) threads() int {
	n := w.opts.Threads
	if n == 0 {
		n = runtime.NumCPU()
	}
	limit, err := parseSize(w.opts.MemoryLimit)
	if err != nil {
		return w.opts.Threads
	}
	if most := int(max(limit/bytesPerThread, 1)); n > most {
		w.capOnce.Do(func() {
			w.log.Info("DuckDB threads capped by the memory limit", "threads", most, "asked", n, "memory_limit", w.opts.MemoryLimit)
		})
		return most
	}
	return w.opts.Threads
}

// memoryLimitSetting is the statement that sets the configured memory limit.
func (w *Warehouse) memoryLimitSetting() string {
	return fmt.Sprintf("SET memory_limit = '%s'", strings.ReplaceAll(w.opts.MemoryLimit, "'", ""))
}

// connector opens a DuckDB database with the warehouse's settings.
func (w *Warehouse) connector(path string, readOnly bool) (*duck.Connector, error) {
	dsn := path
	if readOnly {
		dsn += "?access_mode=READ_ONLY"
	}
	settings := []string{w.memoryLimitSetting()}
	if n := w.threads(); n > 0 {
		settings = append(settings, fmt.Sprintf("SET threads = %d", n))
	}
	if !readOnly {
		// A run's stage hands memory its tasks freed back to the system
		// once a task peaked above 16MB, not 128MB (DuckDB's default):
		// what the list's load freed no longer stayed resident through
		// the checks. A full DuckDB run at 80M rows peaked at 240-243
		// MiB against 250-261, at 8M 224-231 against 233-243, as fast.
		settings = append(settings, "SET preserve_insertion_order = false",
			"SET allocator_flush_threshold = '16MB'")
	}
	// The settings are the database's, not a connection's: they are made
	// on its first connection only. Made again on each new one, they undid
	// what a phase had set for a while (the lower memory limit of the
	// checks, one thread per pass) whenever the pool opened a connection.
	var set atomic.Bool
	c, err := duck.NewConnector(dsn, func(ex driver.ExecerContext) error {
		if set.Load() {
			return nil
		}
		for _, s := range settings {
			if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		set.Store(true)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("duckdb: open %s: %w", path, err)
	}
	return c, nil
}

// Close retires the read handle: it closes now when no reader holds it,
// else when its last reader is done. A later query opens a new one.
func (w *Warehouse) Close() error {
	w.mu.Lock()
	h := w.cur
	w.cur = nil
	var idle bool
	if h != nil {
		h.retired = true
		idle = h.refs == 0
	}
	w.mu.Unlock()
	if idle {
		return h.db.Close()
	}
	return nil
}

// removeDB deletes a database file and its sidecars.
func removeDB(path string) error {
	var first error
	for _, p := range []string{path, path + ".wal", path + ".tmp"} {
		if err := os.RemoveAll(p); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// replaceFile moves src over dst atomically and makes the rename durable.
// With keep set, dst's file is first given that second name, so the rename
// does not free its blocks: on the bench machine's ext4 (mounted with
// discard), freeing the 460 MB of a published 80M-row file made the rename
// wait 0.25-0.31 s for the disk, an eighth of a 1% day's run. The next run
// removes keep in the background (removeInBackground), while its CPU works.
// Readers never open keep; one that still has the old file open keeps
// reading it, as before. Where hard links fail (a file system without
// them), the rename frees the old file as it always did.
func replaceFile(src, dst, keep string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	// A WAL left next to dst belongs to the old file; replayed against the
	// new one it would corrupt it.
	if err := os.Remove(dst + ".wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if keep != "" {
		if err := os.Remove(keep); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		_ = os.Link(dst, keep) // no dst yet, or no hard links: nothing to keep
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// copyFile copies src to dst (dst is created or truncated). It does not
// sync dst: every copy (the stage of an incremental run, the side ledger's
// next version) is a file DuckDB then writes to, checkpoints (which syncs)
// and replaceFile renames into place (syncing it first); a copy cut short
// by a crash is a leftover the next run removes.
// Syncing here made a 1% day at 80M rows wait for 460 MB to reach the disk
// before it started (0.2 s); the merge syncs it in the background instead
// (syncInBackground).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeInBackground removes path, if it exists, on a goroutine of its own
// and reports the result on the channel it returns.
func removeInBackground(path string) <-chan error {
	done := make(chan error, 1)
	go func() {
		err := os.Remove(path)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		done <- err
	}()
	return done
}

// syncInBackground syncs path (a copy just made) on a goroutine of its own
// and reports the result on the channel it returns. The kernel does not
// write a fresh copy back by itself for half a minute, and DuckDB's first
// write of whole row groups to the file syncs it: without this, the first
// such write of a 1% day at 80M rows waited 0.2-0.5 s for the 460 MB of the
// copy to reach the disk, after the day's load and its join over the base
// (CPU work the disk's writes now overlap: duckdb/merge.go).
func syncInBackground(path string) <-chan error {
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err == nil {
			err = f.Sync()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		done <- err
	}()
	return done
}
