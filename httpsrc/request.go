package httpsrc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

// Log attribute keys of this package, beside the shared ones of animetl.
const (
	logOffset  = "offset"
	logAttempt = "attempt"
)

// StatusError is an HTTP answer other than the one asked for. Errors of the
// source wrap it, so callers can tell a denied access (401, 403) from a
// server failure with errors.As. A 404 or 410 also matches fs.ErrNotExist.
type StatusError struct {
	Code   int
	Status string // as the server sent it, "403 Forbidden"
}

// Error returns the status line.
func (e *StatusError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return e.Status
}

// Unwrap makes 404 and 410 match fs.ErrNotExist.
func (e *StatusError) Unwrap() error {
	if e.Code == http.StatusNotFound || e.Code == http.StatusGone {
		return fs.ErrNotExist
	}
	return nil
}

// statusErr classifies an unwanted answer with ranged.ClassifyStatus.
func statusErr(resp *http.Response) error {
	err := &StatusError{Code: resp.StatusCode, Status: resp.Status}
	if resp.StatusCode == http.StatusPreconditionFailed {
		return ranged.Permanent(fmt.Errorf("the object changed during the read: %w", err))
	}
	return ranged.ClassifyStatus(resp.StatusCode, err)
}

// errStalled is the cause of a request abandoned by the stall timer.
var errStalled = errors.New("no byte received within the stall timeout")

// send makes one request to rawURL with the source's credentials and
// headers. A timer abandons the request when no byte arrives for the stall
// timeout; the returned body keeps re-arming it. Errors never quote the URL.
func (s *Source) send(ctx context.Context, method, rawURL string, hdr http.Header) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	stall := time.AfterFunc(s.stall, func() { cancel(errStalled) })
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		stall.Stop()
		cancel(nil)
		// The error quotes the URL; the URL parsed in New, so this is a bug.
		return nil, ranged.Permanent(errors.New("cannot build the request"))
	}
	maps.Copy(req.Header, hdr)
	req.Header.Set("User-Agent", s.agent)
	// Ask for the bytes as stored: sizes and ranges refer to them, and the
	// transport would otherwise ungzip bodies behind our back.
	req.Header.Set("Accept-Encoding", "identity")
	if s.user != nil {
		pass, _ := s.user.Password()
		req.SetBasicAuth(s.user.Username(), pass)
	}
	resp, err := s.client.Do(req)
	stall.Stop()
	if err != nil {
		err = transportErr(ctx, err)
		cancel(nil)
		return nil, err
	}
	resp.Body = &watchedBody{body: resp.Body, ctx: ctx, cancel: cancel, timer: stall, stall: s.stall}
	return resp, nil
}

// transportErr replaces the *url.Error of a failed request, whose message
// carries the full URL, by its cause, and marks what no retry can fix.
func transportErr(ctx context.Context, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errStalled) {
		return errStalled
	}
	var (
		verr  *tls.CertificateVerificationError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	if errors.As(err, &verr) || errors.As(err, &uaerr) || errors.As(err, &herr) || errors.As(err, &cerr) {
		return ranged.Permanent(err)
	}
	return err
}

// watchedBody re-arms the stall timer around every Read, and releases the
// request's context when closed.
type watchedBody struct {
	body   io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	stall  time.Duration
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.stall)
	n, err := b.body.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), errStalled) {
		err = errStalled
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.timer.Stop()
	err := b.body.Close()
	b.cancel(nil)
	return err
}

func (s *Source) logRetry(name string, off int64, attempt int, err error) {
	s.log.Warn("retrying a request", animetl.LogFile, name, logOffset, off, logAttempt, attempt,
		animetl.LogError, s.redactor.redact(err.Error()))
}

// object is what the server said about one file.
type object struct {
	name     string
	url      string // with the query string: for requests only
	location string // without secrets: for messages
	size     int64  // -1 when unknown
	etag     string // as sent, weak or strong
	modTime  time.Time
	ranges   bool // the server advertised or answered byte ranges
}

// pin is the FileInfo.Pin of a listed file: what the listing learnt that the
// other fields do not keep. It holds no URL, so no secret.
type pin struct {
	etag   string // as the server sent it, quotes and W/ included
	ranges bool
}

func (o *object) info() animetl.FileInfo {
	return animetl.FileInfo{Name: o.name, Location: o.location, Size: o.size, ETag: RecordETag(o.etag), ModTime: o.modTime,
		Pin: pin{etag: o.etag, ranges: o.ranges}}
}

// listed rebuilds the object a listing described in f, or returns nil when
// no listing of an HTTP source made f.
func (s *Source) listed(f animetl.FileInfo) *object {
	p, ok := f.Pin.(pin)
	if !ok {
		return nil
	}
	return &object{name: f.Name, url: s.fileURL(f.Name), location: s.location(f.Name), size: f.Size,
		etag: p.etag, modTime: f.ModTime, ranges: p.ranges}
}

// describe takes the validators of a file from an answer's headers.
func (o *object) describe(h http.Header) {
	o.etag = strings.TrimSpace(h.Get("ETag"))
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.modTime = t.UTC()
	}
}

// conditions are the headers that make the server refuse (412) to serve
// another version than the one described: If-Match with a strong ETag
// (weak ones never match it), else If-Unmodified-Since.
func (o *object) conditions() http.Header {
	h := http.Header{}
	switch {
	case o.etag != "" && !strings.HasPrefix(o.etag, "W/"):
		h.Set("If-Match", o.etag)
	case !o.modTime.IsZero():
		h.Set("If-Unmodified-Since", o.modTime.Format(http.TimeFormat))
	}
	return h
}

// checkVersion fails permanently when an answer describes another version:
// another ETag (compared weakly, ignoring W/), or an encoded body.
func (o *object) checkVersion(h http.Header) error {
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return ranged.Permanent(fmt.Errorf("the server sent the body with Content-Encoding %q although asked for identity", ce))
	}
	got := strings.TrimSpace(h.Get("ETag"))
	if got != "" && o.etag != "" && strings.TrimPrefix(got, "W/") != strings.TrimPrefix(o.etag, "W/") {
		return ranged.Permanent(fmt.Errorf("the ETag is %s now, %s when listed: the object changed during the read", got, o.etag))
	}
	return nil
}

// stat asks the server about name, retrying transient failures. A missing
// file fails with an error matching fs.ErrNotExist.
func (s *Source) stat(ctx context.Context, name string) (*object, error) {
	var o *object
	err := s.ranged.Do(ctx, func(ctx context.Context) (err error) {
		o, err = s.statOnce(ctx, name)
		return err
	}, func(off int64, attempt int, err error) { s.logRetry(name, off, attempt, err) })
	return o, err
}

// statOnce sends a HEAD, or a one-byte GET to a server that refuses HEAD.
func (s *Source) statOnce(ctx context.Context, name string) (*object, error) {
	o := &object{name: name, url: s.fileURL(name), location: s.location(name), size: -1}
	resp, err := s.send(ctx, http.MethodHead, o.url, nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented:
		return s.probe(ctx, o)
	case resp.StatusCode/100 != 2:
		return nil, statusErr(resp)
	}
	o.size = resp.ContentLength
	o.ranges = acceptsRanges(resp.Header)
	o.describe(resp.Header)
	if err := o.checkVersion(resp.Header); err != nil {
		return nil, err
	}
	return o, nil
}

// probe learns a file's size from a GET of its first byte: a 206 tells the
// size and that ranges work, a 200 that they do not (and the size if the
// server sends a Content-Length), a 416 that the file is empty.
func (s *Source) probe(ctx context.Context, o *object) (*object, error) {
	resp, err := s.send(ctx, http.MethodGet, o.url, http.Header{"Range": {"bytes=0-0"}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close() // a 200 body is not read: closing drops the connection
	switch resp.StatusCode {
	case http.StatusPartialContent:
		cr, err := ranged.ParseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || cr.First != 0 {
			return nil, ranged.Permanent(fmt.Errorf("asked for byte 0, got Content-Range %q", resp.Header.Get("Content-Range")))
		}
		o.size, o.ranges = cr.Total, true
	case http.StatusOK:
		o.size = resp.ContentLength
	case http.StatusRequestedRangeNotSatisfiable:
		cr, err := ranged.ParseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || cr.Total < 0 {
			return nil, statusErr(resp)
		}
		o.size, o.ranges = cr.Total, true
	default:
		return nil, statusErr(resp)
	}
	o.describe(resp.Header)
	if err := o.checkVersion(resp.Header); err != nil {
		return nil, err
	}
	return o, nil
}

func acceptsRanges(h http.Header) bool {
	for _, v := range h.Values("Accept-Ranges") {
		for unit := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(unit), "bytes") {
				return true
			}
		}
	}
	return false
}

// RecordETag is an ETag as the run record keeps it: without its quotes, as
// the S3 source records them ("v1" is v1, W/"v1" is W/v1).
func RecordETag(etag string) string {
	if rest, weak := strings.CutPrefix(etag, "W/"); weak {
		return "W/" + strings.Trim(rest, `"`)
	}
	return strings.Trim(etag, `"`)
}
