// Package serve is animetl's HTTP server: a read-only JSON API and an HTML
// dashboard over the published warehouse, for many readers at once.
//
// Every answer is read from one published state (an animetl.Snapshot) and
// says which (run_id, published_at). Answers about the published data are
// cached per published run: a publish empties the cache the moment the
// Publication notices it (a notification on PostgreSQL, the file's inode on
// DuckDB), and the ETag is made of the run id and the canonical request, so
// If-None-Match is answered 304 without touching the warehouse.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/animetl/animetl"
)

// Options configure a Server.
type Options struct {
	// Publication is the warehouse's read side. Required.
	Publication animetl.Publication
	// Token, when not empty, is the bearer token every request but /healthz
	// must carry.
	Token string
	// Deadline is the daily publish deadline, "HH:MM" in Location.
	Deadline string
	// Location is the deadline's time zone; nil means the local zone.
	Location *time.Location
	// CacheBytes bounds the response cache.
	CacheBytes int64
	// ReadTimeout bounds one request's reads of the warehouse.
	ReadTimeout time.Duration
	// ShutdownTimeout bounds the drain of requests in flight at shutdown.
	ShutdownTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults for Options.
const (
	DefaultDeadline        = "07:00"
	DefaultCacheBytes      = 64 << 20
	DefaultReadTimeout     = 10 * time.Second
	DefaultShutdownTimeout = 30 * time.Second
)

// Server serves the API. It is an http.Handler.
type Server struct {
	opts     Options
	pub      animetl.Publication
	log      *slog.Logger
	deadline clock
	cache    *cache
	flight   singleflight.Group
	metrics  *metrics
	mux      *http.ServeMux
	handler  http.Handler
	models   *models
	// ledgerCache holds the answers that read the run ledger, for one
	// published run and ledger version at a time.
	ledgerCache *cache
	ledger      ledgerVersion
	// stop ends background work (model builds) when Serve returns.
	stop context.CancelFunc
}

// New returns a Server. It fails with animetl.ErrConfig on a bad deadline
// or a missing Publication.
func New(opts Options) (*Server, error) {
	if opts.Publication == nil {
		return nil, fmt.Errorf("serve: no warehouse: %w", animetl.ErrConfig)
	}
	if opts.Deadline == "" {
		opts.Deadline = DefaultDeadline
	}
	d, err := parseClock(opts.Deadline)
	if err != nil {
		return nil, err
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{opts: opts, pub: opts.Publication, log: log.With(animetl.LogComponent, "serve"),
		deadline: d, cache: newCache(opts.CacheBytes), ledgerCache: newCache(opts.CacheBytes / 4), mux: http.NewServeMux()}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.models = &models{pub: s.pub, log: s.log, ctx: bg}
	s.metrics = newMetrics(s)
	s.routes()
	s.handler = s.instrument(securityHeaders(s.authenticate(s.mux)))
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// The HTTP server's limits.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
)

// Serve answers requests on ln until ctx is done, then stops accepting,
// lets the requests in flight finish (up to ShutdownTimeout) and returns
// nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	defer s.ledger.wg.Wait()
	defer s.models.wait()
	defer s.stop()
	// Build the published run's model now rather than on the first request.
	if pub, err := s.pub.Published(ctx); err == nil {
		s.models.get(pub) // starts the build of the published run's model
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// CheckExposure refuses to serve a non-loopback address without a token
// unless public is set: the warehouse is not for the whole network by
// accident. The error wraps animetl.ErrConfig.
func CheckExposure(addr string, token, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: addr %q: want HOST:PORT: %w", addr, animetl.ErrConfig)
	}
	if isLoopback(host) || token || public {
		return nil
	}
	return fmt.Errorf("serve: addr %q is reachable from other machines: give --token-file FILE (a bearer token) or --public to serve it without one: %w", addr, animetl.ErrConfig)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
