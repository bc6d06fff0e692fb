package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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

	flight singleflight.Group
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
		// The readers that see a new file together read its ledger once.
		v, err, _ := r.flight.Do(strconv.FormatUint(ino, 10), func() (any, error) {
			return r.readPublished(context.WithoutCancel(ctx))
		})
		run, _ := v.(animetl.PublishedRun)
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

// Snapshot returns a snapshot of the file published now: it holds a
// reference on the read handle of that file, so every statement reads it,
// even after a publish renamed a newer file over the path, until Close.
func (r *Reader) Snapshot(ctx context.Context) (animetl.Snapshot, error) {
	for range 3 {
		h, err := r.w.acquire()
		if err != nil {
			return nil, err
		}
		run, ino, err := r.published(ctx)
		if err != nil {
			r.w.release(h)
			return nil, err
		}
		// The run read from the ledger belongs to the handle's file only if
		// the handle was opened on that inode.
		if h.key.published == ino {
			return &snapshot{w: r.w, h: h, run: run}, nil
		}
		r.w.release(h)
	}
	return nil, fmt.Errorf("duckdb: open a snapshot: %w", animetl.ErrStale)
}

type snapshot struct {
	w   *Warehouse
	h   *handle
	run animetl.PublishedRun

	mu     sync.Mutex
	closed bool
}

func (s *snapshot) Run() animetl.PublishedRun { return s.run }

// Close gives back the snapshot's reference on its file's handle.
func (s *snapshot) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.w.release(s.h)
	}
	return nil
}

// Query runs a statement on the snapshot's file. The snapshot's reference
// keeps the handle open; each result holds one more until it is closed.
func (s *snapshot) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("duckdb: query on a closed snapshot")
	}
	s.w.mu.Lock()
	s.h.refs++
	s.w.mu.Unlock()
	s.mu.Unlock()
	return s.h.query(ctx, q, args, func() error { s.w.release(s.h); return nil })
}
