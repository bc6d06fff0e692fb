// Package ranged reads a remote object the way a flaky network demands: in
// parallel byte ranges with bounded memory, retrying transient failures
// under one Policy (exponential backoff with full jitter, a per-attempt
// timeout, a minimum rate), and resuming a broken range where it broke
// instead of starting it over. The S3 and HTTP sources share it.
package ranged

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Fetcher returns the bytes [off, end) of one version of an object. The
// returned body may fail or end early; the reader resumes it. A Fetcher
// reports a failure no retry can fix (missing object, denied access, the
// object changed) by wrapping it with Permanent.
type Fetcher func(ctx context.Context, off, end int64) (io.ReadCloser, error)

// Options tune a Reader or a Stream. Zero values take the defaults.
type Options struct {
	// PartSize is the length of one range request (default 8 MiB); a
	// Stream counts its retries per PartSize stretch.
	PartSize int64
	// Concurrency is the number of ranges fetched ahead of the reader;
	// memory is bounded by about (Concurrency+1) x PartSize (default 4).
	Concurrency int
	// Policy governs the retries of every range.
	Policy
	// OnRetry, when set, is told about every failed attempt that is retried.
	OnRetry func(off int64, attempt int, err error)
}

// Defaults of Options.
const (
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 4
)

// WithDefaults returns the options with zero values replaced by the defaults.
func (o Options) WithDefaults() Options {
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	o.Policy = o.Policy.WithDefaults()
	return o
}

// attempt opens one request under a context of its own, its body watched
// for the policy's minimum rate. Closing the body releases the context.
func attempt(ctx context.Context, p Policy, open func(context.Context) (io.ReadCloser, error)) (io.ReadCloser, error) {
	actx, cancel := context.WithCancelCause(ctx)
	body, err := open(actx)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	return newPace(actx, cancel, body, p), nil
}

// part is one range in flight.
type part struct {
	off, end int64
	done     chan struct{}
	buf      []byte
	err      error
}

// Reader delivers [0, size) of an object in order.
type Reader struct {
	ctx    context.Context
	cancel context.CancelFunc
	parts  chan *part // in order; capacity bounds the ranges in flight
	wg     sync.WaitGroup
	cur    *part
	pos    int
	err    error
}

// NewReader starts fetching an object of size bytes and returns a reader
// over it. Close it to stop the fetches.
func NewReader(ctx context.Context, size int64, fetch Fetcher, opts Options) *Reader {
	opts = opts.WithDefaults()
	ctx, cancel := context.WithCancel(ctx)
	r := &Reader{ctx: ctx, cancel: cancel, parts: make(chan *part, opts.Concurrency-1)}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.parts)
		for off := int64(0); off < size; off += opts.PartSize {
			p := &part{off: off, end: min(off+opts.PartSize, size), done: make(chan struct{})}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				defer close(p.done)
				p.buf, p.err = fetchPart(ctx, fetch, p.off, p.end, opts)
			}()
			select {
			case r.parts <- p: // blocks while Concurrency parts are undelivered
			case <-ctx.Done():
				return
			}
		}
	}()
	return r
}

// fetchPart reads [off, end) whole, resuming after failures.
func fetchPart(ctx context.Context, fetch Fetcher, off, end int64, o Options) ([]byte, error) {
	buf := make([]byte, 0, end-off)
	r := retrier{Policy: o.Policy, off: off, end: end, onRetry: o.OnRetry}
	for {
		before := len(buf)
		err := readAttempt(ctx, fetch, off+int64(before), end, &buf, o.Policy)
		if err == nil {
			return buf, nil
		}
		if err := r.again(ctx, err, len(buf) > before, off+int64(len(buf))); err != nil {
			return nil, err
		}
	}
}

// readAttempt appends bytes [from, end) to buf until the body fails or ends.
func readAttempt(ctx context.Context, fetch Fetcher, from, end int64, buf *[]byte, p Policy) error {
	ctx, cancel := context.WithTimeout(ctx, p.AttemptTimeout)
	defer cancel()
	body, err := attempt(ctx, p, func(ctx context.Context) (io.ReadCloser, error) { return fetch(ctx, from, end) })
	if err != nil {
		return err
	}
	defer body.Close()
	want := end - from
	b := *buf
	start := len(b)
	for int64(len(b)-start) < want {
		n, err := body.Read(b[len(b):min(cap(b), len(b)+int(want-int64(len(b)-start)))])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			return fmt.Errorf("read body: %w", err)
		}
	}
	*buf = b
	if got := int64(len(b) - start); got < want {
		return fmt.Errorf("body ended after %d of %d bytes: %w", got, want, io.ErrUnexpectedEOF)
	}
	// A body longer than the range means the server ignored it.
	var one [1]byte
	if n, _ := body.Read(one[:]); n > 0 {
		return Permanent(fmt.Errorf("the server sent more than the %d bytes asked for", want))
	}
	return nil
}

// Read implements io.Reader. After the context ends it fails with the
// context's error even when the rest of the object is already buffered.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return 0, err
	}
	for r.cur == nil || r.pos >= len(r.cur.buf) {
		r.cur = nil
		select {
		case next, ok := <-r.parts:
			if !ok {
				if err := r.ctx.Err(); err != nil {
					r.err = err
					return 0, err
				}
				r.err = io.EOF
				return 0, io.EOF
			}
			select {
			case <-next.done:
			case <-r.ctx.Done():
				r.err = r.ctx.Err()
				return 0, r.err
			}
			if next.err != nil {
				r.err = next.err
				r.cancel()
				return 0, r.err
			}
			r.cur, r.pos = next, 0
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return 0, r.err
		}
	}
	n := copy(p, r.cur.buf[r.pos:])
	r.pos += n
	return n, nil
}

// Close stops the fetches and waits for them.
func (r *Reader) Close() error {
	r.cancel()
	go func() {
		for range r.parts { // let the launcher exit
		}
	}()
	r.wg.Wait()
	return nil
}
