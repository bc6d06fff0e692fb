// Package ranged reads a remote object the way a flaky network demands: in
// parallel byte ranges with bounded memory, retrying transient failures with
// exponential backoff and full jitter, and resuming a broken range where it
// broke instead of starting it over. The S3 and HTTP sources share it.
package ranged

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"
)

// Fetcher returns the bytes [off, end) of one version of an object. The
// returned body may fail or end early; the reader resumes it. A Fetcher
// reports a failure no retry can fix (missing object, denied access, the
// object changed) by wrapping it with Permanent.
type Fetcher func(ctx context.Context, off, end int64) (io.ReadCloser, error)

// Options tune a Reader. Zero values take the defaults.
type Options struct {
	// PartSize is the length of one range request (default 8 MiB).
	PartSize int64
	// Concurrency is the number of ranges fetched ahead of the reader;
	// memory is bounded by about (Concurrency+1) x PartSize (default 4).
	Concurrency int
	// MaxAttempts bounds the requests for one range, the first included
	// (default 10: a burst of 9 consecutive failures is survived).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff: attempt n waits a random
	// time in [0, min(MaxDelay, BaseDelay x 2^n)) (defaults 100ms, 5s).
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one request, its body included (default 2m).
	AttemptTimeout time.Duration
	// OnRetry, when set, is told about every failed attempt that is retried.
	OnRetry func(off int64, attempt int, err error)
}

// Defaults of Options.
const (
	DefaultPartSize       = 8 << 20
	DefaultConcurrency    = 4
	DefaultMaxAttempts    = 10
	DefaultBaseDelay      = 100 * time.Millisecond
	DefaultMaxDelay       = 5 * time.Second
	DefaultAttemptTimeout = 2 * time.Minute
)

// WithDefaults returns the options with zero values replaced by the defaults.
func (o Options) WithDefaults() Options {
	o.setDefaults()
	return o
}

func (o *Options) setDefaults() {
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// ExhaustedError is returned when a range still fails after MaxAttempts.
type ExhaustedError struct {
	Off, End int64
	Attempts int
	Err      error
}

func (e *ExhaustedError) Error() string {
	if e.End < 0 {
		return fmt.Sprintf("from byte %d: gave up after %d attempts: %v", e.Off, e.Attempts, e.Err)
	}
	return fmt.Sprintf("bytes %d-%d: gave up after %d attempts: %v", e.Off, e.End-1, e.Attempts, e.Err)
}

func (e *ExhaustedError) Unwrap() error { return e.Err }

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
	opts.setDefaults()
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

// fetchPart reads [off, end) whole, resuming after failures. An attempt
// that made progress resets the count of consecutive failures; a range gets
// at most 10 x MaxAttempts requests in all.
func fetchPart(ctx context.Context, fetch Fetcher, off, end int64, o Options) ([]byte, error) {
	buf := make([]byte, 0, end-off)
	total := 0
	for attempt := 1; ; attempt++ {
		total++
		before := len(buf)
		err := readAttempt(ctx, fetch, off+int64(len(buf)), end, &buf, o.AttemptTimeout)
		if err == nil {
			return buf, nil
		}
		if len(buf) > before && total < 10*o.MaxAttempts {
			attempt = 1
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if IsPermanent(err) {
			return nil, err
		}
		if attempt >= o.MaxAttempts {
			return nil, &ExhaustedError{Off: off, End: end, Attempts: attempt, Err: err}
		}
		if o.OnRetry != nil {
			o.OnRetry(off+int64(len(buf)), attempt, err)
		}
		if err := sleep(ctx, Backoff(attempt, o.BaseDelay, o.MaxDelay)); err != nil {
			return nil, err
		}
	}
}

// readAttempt appends bytes [from, end) to buf until the body fails or ends.
func readAttempt(ctx context.Context, fetch Fetcher, from, end int64, buf *[]byte, timeout time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := fetch(actx, from, end)
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

// Backoff returns the wait before retry attempt n (1-based): a random time
// in [0, min(max, base x 2^n)).
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base << min(attempt, 30)
	if d <= 0 || d > max {
		d = max
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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

// Opener opens an object's body from byte off onward. For a server that
// ignores ranges, the opener skips the first off bytes itself.
type Opener func(ctx context.Context, off int64) (io.ReadCloser, error)

// Stream reads an object of unknown size sequentially, reopening it where a
// failed body broke.
type Stream struct {
	ctx     context.Context
	open    Opener
	opts    Options
	body    io.ReadCloser
	off     int64
	attempt int
	err     error
}

// NewStream returns a sequential reader over an object of unknown size.
// AttemptTimeout does not apply to it: the stream is as long as the object.
func NewStream(ctx context.Context, open Opener, opts Options) *Stream {
	opts.setDefaults()
	return &Stream{ctx: ctx, open: open, opts: opts}
}

// Read implements io.Reader.
func (s *Stream) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if s.body == nil {
			body, err := s.open(s.ctx, s.off)
			if err != nil {
				if rerr := s.retry(err); rerr != nil {
					s.err = rerr
				}
				continue
			}
			s.body = body
		}
		n, err := s.body.Read(p)
		s.off += int64(n)
		if n > 0 {
			s.attempt = 0
		}
		if err == io.EOF {
			s.err = io.EOF
			return n, io.EOF
		}
		if err != nil {
			s.body.Close()
			s.body = nil
			if rerr := s.retry(err); rerr != nil {
				s.err = rerr
			}
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (s *Stream) retry(err error) error {
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	if IsPermanent(err) {
		return err
	}
	s.attempt++
	if s.attempt >= s.opts.MaxAttempts {
		return &ExhaustedError{Off: s.off, End: -1, Attempts: s.attempt, Err: err}
	}
	if s.opts.OnRetry != nil {
		s.opts.OnRetry(s.off, s.attempt, err)
	}
	return sleep(s.ctx, Backoff(s.attempt, s.opts.BaseDelay, s.opts.MaxDelay))
}

// Close closes the current body.
func (s *Stream) Close() error {
	if s.body != nil {
		return s.body.Close()
	}
	return nil
}
