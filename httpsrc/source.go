// Package httpsrc is the Source of a folder served over HTTP or HTTPS: a web
// server, a CDN, a bucket's public or presigned URLs.
//
// Plain HTTP cannot list a prefix, so the source knows only the four base
// files, plain, .gz and .zst, and asks the server about each (HEAD, or a
// one-byte GET for servers that refuse HEAD). A file whose size is known on a server that honours
// byte ranges is read in parallel ranges pinned to the ETag its listing saw;
// any other file is streamed and, when a body breaks, reopened where it
// broke (with a Range request, or by skipping what was already read when the
// server ignores ranges). Either way the reader fails, never silently
// delivers a short or mixed object.
//
// Credentials in the URL (user:password@ and signed query strings such as
// X-Amz-Signature or token) are sent with every request but never appear in
// String, FileInfo.Location, errors or log lines.
package httpsrc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

var _ animetl.Source = (*Source)(nil)

// Defaults of Options and of the client New builds when none is given.
const (
	DefaultUserAgent             = "animetl-httpsrc"
	DefaultStallTimeout          = time.Minute
	DefaultDialTimeout           = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
)

// Options configure an HTTP source. Zero values take the defaults.
type Options struct {
	// HTTPClient sends the requests. Nil builds one with dial and TLS
	// handshake timeouts of 10s and a response header timeout of 30s, but no
	// overall timeout, since a body can take long; AttemptTimeout and
	// StallTimeout bound the reads instead.
	HTTPClient *http.Client
	// Ranged tunes reads and retries: part size, concurrency, attempts,
	// backoff and the timeout of one request. Its MaxAttempts and backoff
	// also govern the HEAD requests of List and Open.
	Ranged ranged.Options
	// StallTimeout abandons (and retries) a request that receives no byte
	// for this long, the wait for its headers included (default 1m). It
	// matters most for streamed files, whose requests have no overall bound.
	StallTimeout time.Duration
	// Logger receives retries at warn level; nil discards them. Log lines
	// name the file and never carry the URL's credentials or query.
	Logger *slog.Logger
	// UserAgent is sent with every request (default "animetl-httpsrc").
	UserAgent string
}

// Source reads the four base files under one URL prefix. It holds only its
// configuration: it is safe for concurrent use and keeps nothing from one
// listing to the next. Open reads the version of a file the listing that
// returned its FileInfo saw.
type Source struct {
	base     *url.URL // prefix URL with the query, without userinfo
	user     *url.Userinfo
	client   *http.Client
	ranged   ranged.Options // defaults filled in
	stall    time.Duration
	agent    string
	log      *slog.Logger
	redactor *redactor
}

// New returns the source of an http:// or https:// prefix URL; a trailing
// slash is optional. It sends nothing yet. A URL that does not parse, has
// another scheme or lacks a host fails with an error wrapping
// animetl.ErrConfig that shows the URL without its secrets.
func New(rawURL string, opts Options) (*Source, error) {
	red := newRedactor(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote the whole URL: never show them.
		return nil, fmt.Errorf("httpsrc: url %q does not parse: %w", red.rawURL(rawURL), animetl.ErrConfig)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("httpsrc: url %q: scheme must be http or https: %w", red.rawURL(rawURL), animetl.ErrConfig)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("httpsrc: url %q: no host: %w", red.rawURL(rawURL), animetl.ErrConfig)
	}
	user := u.User
	base := *u
	base.User = nil
	base.Fragment, base.RawFragment = "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		if base.RawPath != "" {
			base.RawPath += "/"
		}
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ro := opts.Ranged.WithDefaults()
	client := opts.HTTPClient
	if client == nil {
		client = newClient(ro.Concurrency)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{
		base:     &base,
		user:     user,
		client:   client,
		ranged:   ro,
		stall:    cmp.Or(opts.StallTimeout, DefaultStallTimeout),
		agent:    cmp.Or(opts.UserAgent, DefaultUserAgent),
		log:      log.With(animetl.LogComponent, "httpsrc"),
		redactor: red,
	}, nil
}

// validate rejects negative sizes, counts and durations, which would
// otherwise silently mean the default.
func (o *Options) validate() error {
	for _, f := range []struct {
		name     string
		value    any
		negative bool
	}{
		{"Ranged.PartSize", o.Ranged.PartSize, o.Ranged.PartSize < 0},
		{"Ranged.Concurrency", o.Ranged.Concurrency, o.Ranged.Concurrency < 0},
		{"Ranged.MaxAttempts", o.Ranged.MaxAttempts, o.Ranged.MaxAttempts < 0},
		{"Ranged.BaseDelay", o.Ranged.BaseDelay, o.Ranged.BaseDelay < 0},
		{"Ranged.MaxDelay", o.Ranged.MaxDelay, o.Ranged.MaxDelay < 0},
		{"Ranged.AttemptTimeout", o.Ranged.AttemptTimeout, o.Ranged.AttemptTimeout < 0},
		{"Ranged.MinRate", o.Ranged.MinRate, o.Ranged.MinRate < 0},
		{"Ranged.RateWindow", o.Ranged.RateWindow, o.Ranged.RateWindow < 0},
		{"StallTimeout", o.StallTimeout, o.StallTimeout < 0},
	} {
		if f.negative {
			return fmt.Errorf("httpsrc: %s is %v: must not be negative: %w", f.name, f.value, animetl.ErrConfig)
		}
	}
	return nil
}

// newClient builds a client whose timeouts bound connecting and waiting for
// headers, but not bodies, which can take long.
func newClient(concurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   DefaultTLSHandshakeTimeout,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   concurrency + 4, // ranges in flight plus the HEADs of List
		ForceAttemptHTTP2:     true,
	}}
}

// String returns the prefix URL without credentials or query string.
func (s *Source) String() string { return s.location("") }

// location is the URL of name (or of the prefix) without secrets.
func (s *Source) location(name string) string {
	u := *s.base
	u.RawQuery, u.ForceQuery = "", false
	if name != "" {
		u = *u.JoinPath(name)
	}
	return u.String()
}

// fileURL is the URL requests for name go to, query string included. name
// must be a valid fs path (no "..", no leading slash), so it stays under the
// prefix.
func (s *Source) fileURL(name string) string {
	return s.base.JoinPath(name).String()
}

// knownNames are the names List asks about: each base file, plain and with
// every compressed ending (the pipeline decompresses and refuses a file
// present twice).
func knownNames() []string {
	var names []string
	for _, b := range animetl.BaseFiles {
		names = append(names, b)
		for _, suffix := range animetl.CompressedSuffixes {
			names = append(names, b+suffix)
		}
	}
	return names
}

// List asks the server about each of the four base files and returns those
// that exist, sorted by name. A file the server answers 404 or 410 for is
// left out, so the pipeline names it as missing; any other failure
// (401, 403, a server down after every retry) fails the listing.
func (s *Source) List(ctx context.Context) ([]animetl.FileInfo, error) {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	names := knownNames()
	objs := make([]*object, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			o, err := s.stat(hctx, name)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				cancel() // one failure fails the listing: stop the others
				err = fmt.Errorf("%s: %w", name, err)
			}
			objs[i], errs[i] = o, err
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, s.wrap(fmt.Errorf("list %s: %w", s, err))
	}
	// Report the failure that cancelled the others, not their cancellation.
	for _, err := range errs {
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, context.Canceled) {
			return nil, s.wrap(fmt.Errorf("list %s: %w", s, err))
		}
	}
	var out []animetl.FileInfo
	for i := range names {
		if errors.Is(errs[i], fs.ErrNotExist) {
			continue // absent: the pipeline names it
		}
		if errs[i] != nil {
			return nil, s.wrap(fmt.Errorf("list %s: %w", s, errs[i]))
		}
		out = append(out, objs[i].info())
	}
	slices.SortFunc(out, func(a, b animetl.FileInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
