package ranged

import (
	"context"
	"io"
)

// Opener opens an object's body from byte off onward. For a server that
// ignores ranges, the opener skips the first off bytes itself.
type Opener func(ctx context.Context, off int64) (io.ReadCloser, error)

// Stream reads an object of unknown size sequentially, reopening it where a
// failed body broke. Its retries are counted per PartSize stretch of the
// object, as a Reader counts them per range, so a server that delivers a
// few bytes per answer runs out of attempts instead of being retried forever.
type Stream struct {
	ctx     context.Context
	open    Opener
	opts    Options
	body    io.ReadCloser
	off     int64 // bytes delivered
	opened  int64 // off when the body opened
	stretch int64 // off / PartSize of the stretch retries are counted for
	retry   retrier
	err     error
}

// NewStream returns a sequential reader over an object of unknown size.
// AttemptTimeout does not apply to it (the stream is as long as the
// object), but MinRate does.
func NewStream(ctx context.Context, open Opener, opts Options) *Stream {
	opts = opts.WithDefaults()
	s := &Stream{ctx: ctx, open: open, opts: opts}
	s.stretch = -1
	return s
}

// Read implements io.Reader.
func (s *Stream) Read(p []byte) (int, error) {
	for s.err == nil {
		if s.body == nil {
			body, err := attempt(s.ctx, s.opts.Policy, func(ctx context.Context) (io.ReadCloser, error) { return s.open(ctx, s.off) })
			if err != nil {
				s.failed(err, false)
				continue
			}
			s.body, s.opened = body, s.off
		}
		n, err := s.body.Read(p)
		s.off += int64(n)
		if err == io.EOF {
			s.err = io.EOF
			return n, io.EOF
		}
		if err != nil {
			s.body.Close()
			s.body = nil
			s.failed(err, s.off > s.opened)
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, s.err
}

// failed counts a failed attempt against the stretch the stream is in;
// progress says the attempt delivered bytes.
func (s *Stream) failed(err error, progress bool) {
	if k := s.off / s.opts.PartSize; k != s.stretch {
		s.stretch = k
		s.retry = retrier{Policy: s.opts.Policy, off: k * s.opts.PartSize, end: (k + 1) * s.opts.PartSize, onRetry: s.opts.OnRetry}
	}
	s.err = s.retry.again(s.ctx, err, progress, s.off)
}

// Close closes the current body.
func (s *Stream) Close() error {
	if s.body != nil {
		return s.body.Close()
	}
	return nil
}
