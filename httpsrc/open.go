package httpsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

// Open starts reading the file f describes, f.Name being a slash-separated
// path under the prefix. A FileInfo List returned is read as that listing
// saw it (its size, ETag or modification time, and whether the server serves
// ranges), so a file replaced since fails instead of mixing versions; any
// other FileInfo is asked about first, and a missing file fails here with an
// error matching fs.ErrNotExist.
//
// A file of known size on a server that honours byte ranges is fetched in
// parallel ranges; any other is streamed. Transient failures are retried and
// a broken body resumes where it broke. The reader fails, never ends short,
// when the bytes delivered do not add up to the known size, when the object
// changes during the read, or when the context ends.
func (s *Source) Open(ctx context.Context, f animetl.FileInfo) (io.ReadCloser, error) {
	name := f.Name
	if !fs.ValidPath(name) || name == "." {
		return nil, s.wrap(fmt.Errorf("open %q: not a file name under the prefix: %w", name, fs.ErrInvalid))
	}
	o := s.listed(f)
	if o == nil {
		var err error
		if o, err = s.stat(ctx, name); err != nil {
			return nil, s.wrap(fmt.Errorf("open %s: %w", s.location(name), err))
		}
	}
	r := &reader{s: s, ctx: ctx, o: o, total: o.size, ranges: o.ranges}
	if o.size >= 0 && o.ranges {
		r.cur = ranged.NewReader(ctx, o.size, r.fetch, s.rangedOptions(name))
	} else {
		r.stream(0)
	}
	return r, nil
}

// rangedOptions are the reader options with retries logged for name.
func (s *Source) rangedOptions(name string) ranged.Options {
	opts := s.ranged
	hook := opts.OnRetry
	opts.OnRetry = func(off int64, attempt int, err error) {
		s.logRetry(name, off, attempt, err)
		if hook != nil {
			hook(off, attempt, err)
		}
	}
	return opts
}

// errIgnoresRange is returned (as Permanent) by a range fetch answered 200.
var errIgnoresRange = errors.New("the server ignores Range requests")

// reader delivers one file, in parallel ranges or as a stream, and checks
// that the bytes add up to its size.
type reader struct {
	s      *Source
	ctx    context.Context
	o      *object
	cur    io.ReadCloser // *ranged.Reader or *ranged.Stream
	base   int64         // offset the stream started at
	n      int64         // bytes delivered
	total  int64         // expected size: listed, or learnt from an answer; -1 unknown
	ranges bool          // ask resumed streams for Range: bytes=off-
	err    error
}

// Described returns what the read is pinned to: the listed size, ETag and
// modification time.
func (r *reader) Described() animetl.FileInfo { return r.o.info() }

// Read implements io.Reader. Errors name the file's location.
func (r *reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil && r.err == nil {
		// Deterministic: buffered parts are not delivered after a cancel.
		r.err = r.fail(err)
	}
	for r.err == nil {
		n, err := r.cur.Read(p)
		r.n += int64(n)
		switch {
		case r.total >= 0 && r.n > r.total:
			r.err = r.fail(fmt.Errorf("got more than the %d bytes the object had: it changed during the read", r.total))
		case err == nil:
			return n, nil
		case err == io.EOF && r.total >= 0 && r.n < r.total:
			r.err = r.fail(fmt.Errorf("the body ended after %d of %d bytes: %w", r.n, r.total, io.ErrUnexpectedEOF))
		case err == io.EOF:
			r.err = io.EOF
		case errors.Is(err, errIgnoresRange): // only ranged fetches return it
			// Advertised ranges that do not work: read on sequentially.
			r.cur.Close()
			r.s.log.Info("the server ignores Range requests; reading the file sequentially",
				animetl.LogFile, r.o.name, logOffset, r.n)
			r.ranges = false
			r.stream(r.n)
			if n == 0 {
				continue
			}
			return n, nil
		default:
			r.err = r.fail(err)
		}
		return n, r.err
	}
	return 0, r.err
}

func (r *reader) fail(err error) error {
	return r.s.wrap(fmt.Errorf("read %s: %w", r.o.location, err))
}

// Close stops the fetches in flight and waits for them.
func (r *reader) Close() error {
	if r.err == nil {
		r.err = r.fail(fs.ErrClosed)
	}
	return r.cur.Close()
}

// fetch is the ranged.Fetcher: GET bytes [off, end) of the listed version.
func (r *reader) fetch(ctx context.Context, off, end int64) (io.ReadCloser, error) {
	h := r.o.conditions()
	h.Set("Range", fmt.Sprintf("bytes=%d-%d", off, end-1))
	resp, err := r.s.send(ctx, http.MethodGet, r.o.url, h)
	if err != nil {
		return nil, err
	}
	if err := r.o.checkPart(resp, off, end); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// checkPart accepts a 206 for exactly [off, end) of an object of the listed
// size and version, or a 200 when the range is the whole object.
func (o *object) checkPart(resp *http.Response, off, end int64) error {
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusOK:
		if off != 0 || end != o.size {
			return ranged.Permanent(errIgnoresRange)
		}
		if resp.ContentLength >= 0 && resp.ContentLength != o.size {
			return ranged.Permanent(fmt.Errorf("the object is %d bytes now, %d when listed: it changed during the read", resp.ContentLength, o.size))
		}
		return o.checkVersion(resp.Header)
	default:
		return statusErr(resp)
	}
	if err := o.checkVersion(resp.Header); err != nil {
		return err
	}
	_, err := ranged.CheckContentRange(resp.Header.Get("Content-Range"), off, end, o.size)
	return err
}

// stream reads on sequentially from byte base.
func (r *reader) stream(base int64) {
	r.base = base
	r.cur = ranged.NewStream(r.ctx, r.open, r.s.rangedOptions(r.o.name))
}

// open is the ranged.Opener: the body from byte base+rel onward, with a
// Range request while ranges work, else the whole body with its head skipped.
func (r *reader) open(ctx context.Context, rel int64) (io.ReadCloser, error) {
	off := r.base + rel
	h := r.o.conditions()
	asked := off > 0 && r.ranges
	if asked {
		h.Set("Range", fmt.Sprintf("bytes=%d-", off))
	}
	resp, err := r.s.send(ctx, http.MethodGet, r.o.url, h)
	if err != nil {
		return nil, err
	}
	body, err := r.checkStream(resp, off, asked)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	return body, nil
}

// checkStream vets the answer to a stream request from byte off and learns
// the total size from it when List could not.
func (r *reader) checkStream(resp *http.Response, off int64, asked bool) (io.ReadCloser, error) {
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusPartialContent:
		if !asked {
			return nil, ranged.Permanent(fmt.Errorf("got a 206 to a request without Range"))
		}
	case http.StatusRequestedRangeNotSatisfiable:
		// The body broke right at its end: nothing is left to read.
		if cr, err := ranged.ParseContentRange(resp.Header.Get("Content-Range")); asked && err == nil && cr.Total == off && (r.total < 0 || r.total == off) {
			resp.Body.Close()
			r.total = off
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, statusErr(resp)
	default:
		return nil, statusErr(resp)
	}
	if err := r.o.checkVersion(resp.Header); err != nil {
		return nil, err
	}
	total := resp.ContentLength
	if resp.StatusCode == http.StatusPartialContent {
		t, err := ranged.CheckContentRange(resp.Header.Get("Content-Range"), off, -1, r.total)
		if err != nil {
			return nil, err
		}
		total = t
	}
	if total >= 0 && r.total >= 0 && total != r.total {
		return nil, ranged.Permanent(fmt.Errorf("the object is %d bytes now, %d before: it changed during the read", total, r.total))
	}
	if total >= 0 {
		r.total = total
	}
	if resp.StatusCode == http.StatusPartialContent {
		return resp.Body, nil
	}
	if asked {
		r.ranges = false
		r.s.log.Info("the server ignores Range requests; skipping what was read", animetl.LogFile, r.o.name, logOffset, off)
	}
	if off > 0 {
		if _, err := io.CopyN(io.Discard, resp.Body, off); err == io.EOF {
			return nil, ranged.Permanent(fmt.Errorf("the body ended before byte %d, read before: the object changed during the read", off))
		} else if err != nil {
			return nil, fmt.Errorf("skip the %d bytes read before: %w", off, err)
		}
	}
	return resp.Body, nil
}
