package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var _ animetl.Publication = (*Reader)(nil)

// Reader reads the published file for a long-lived reader (the server). A
// publish renames a new file over the path, so the file's inode names the
// published state: Published costs one stat while it is unchanged.
type Reader struct {
	w *Warehouse

	mu    sync.Mutex
	ino   uint64
	run   animetl.PublishedRun
	err   error // ErrNotFound when the file holds no succeeded run
	known bool
}

// OpenReader opens the warehouse at opts.Path for reading. The file need not
// exist yet: until a run publishes it, Published fails with ErrNotFound.
func OpenReader(opts Options) (*Reader, error) {
	w, err := Open(opts)
	if err != nil {
		return nil, err
	}
	return &Reader{w: w}, nil
}

// Dialect returns "duckdb".
func (r *Reader) Dialect() string { return "duckdb" }

// Close closes the read-only handle.
func (r *Reader) Close() error { return r.w.Close() }

func (r *Reader) stat() (uint64, error) {
	st, err := os.Stat(r.w.opts.Path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("duckdb: no published warehouse at %s (run `animetl run` first): %w", r.w.opts.Path, animetl.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("duckdb: %w", err)
	}
	return inode(st), nil
}

// Published returns the published run of the file at the path now. It reads
// the ledger only when the file's inode changed since it last did.
func (r *Reader) Published(ctx context.Context) (animetl.PublishedRun, error) {
	run, _, err := r.published(ctx)
	return run, err
}

func (r *Reader) published(ctx context.Context) (animetl.PublishedRun, uint64, error) {
	for range 3 {
		ino, err := r.stat()
		if err != nil {
			return animetl.PublishedRun{}, 0, err
		}
		r.mu.Lock()
		if r.known && r.ino == ino {
			run, err := r.run, r.err
			r.mu.Unlock()
			return run, ino, err
		}
		r.mu.Unlock()
		run, err := r.readPublished(ctx)
		if err != nil && !errors.Is(err, animetl.ErrNotFound) {
			return animetl.PublishedRun{}, 0, err
		}
		// The ledger was read from the file at the path when the query ran;
		// it belongs to ino only if the path still names ino.
		if now, serr := r.stat(); serr != nil || now != ino {
			continue
		}
		r.mu.Lock()
		r.ino, r.run, r.err, r.known = ino, run, err, true
		r.mu.Unlock()
		return run, ino, err
	}
	return animetl.PublishedRun{}, 0, fmt.Errorf("duckdb: read the published run: %w", animetl.ErrStale)
}

func (r *Reader) readPublished(ctx context.Context) (animetl.PublishedRun, error) {
	q, err := schema.Query("published_run")
	if err != nil {
		return animetl.PublishedRun{}, err
	}
	rows, err := r.w.Query(ctx, q)
	if err != nil {
		return animetl.PublishedRun{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return animetl.PublishedRun{}, fmt.Errorf("duckdb: read the published run: %w", err)
		}
		return animetl.PublishedRun{}, fmt.Errorf("duckdb: nothing published yet in %s (run `animetl run` first): %w", r.w.opts.Path, animetl.ErrNotFound)
	}
	v, err := rows.Values()
	if err != nil {
		return animetl.PublishedRun{}, err
	}
	var run animetl.PublishedRun
	run.RunID, _ = v[0].(string)
	run.At, _ = v[1].(time.Time)
	return run, rows.Close()
}

// Snapshot returns a snapshot of the file published now.
//
// Until the warehouse holds one reference-counted handle per published file,
// each statement reads the file published at the moment it runs; the
// snapshot checks after each statement that the path still names the file
// it started on, and fails with ErrStale otherwise, so its answers never mix
// two published states: the caller asks again on a new snapshot.
func (r *Reader) Snapshot(ctx context.Context) (animetl.Snapshot, error) {
	run, ino, err := r.published(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{r: r, ino: ino, run: run}, nil
}

type snapshot struct {
	r   *Reader
	ino uint64
	run animetl.PublishedRun
}

func (s *snapshot) Run() animetl.PublishedRun { return s.run }
func (s *snapshot) Close() error              { return nil }

// Query runs a statement on the published file and fails with ErrStale when
// a publish replaced the file since the snapshot began.
func (s *snapshot) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	rows, err := s.r.w.Query(ctx, q, args...)
	if err != nil {
		// Warehouse.Query closes the old file's handle when it notices a
		// publish, under the statements still starting on it: their
		// failure is the publish's, and a new snapshot succeeds.
		if ino, serr := s.r.stat(); serr == nil && ino != s.ino {
			return nil, fmt.Errorf("duckdb: %s was published again: %v: %w", s.r.w.opts.Path, err, animetl.ErrStale)
		}
		return nil, err
	}
	if ino, err := s.r.stat(); err != nil || ino != s.ino {
		rows.Close()
		return nil, fmt.Errorf("duckdb: %s was published again: %w", s.r.w.opts.Path, animetl.ErrStale)
	}
	return rows, nil
}
