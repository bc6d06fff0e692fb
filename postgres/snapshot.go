package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/singleflight"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var (
	_ animetl.Publication = (*Reader)(nil)
	_ animetl.PoolStatser = (*Reader)(nil)
)

// publishChannel is the NOTIFY channel a publish signals on, with the
// target schema as payload; a Reader LISTENs on it.
const publishChannel = "animetl_publish"

// notifySQL is the statement a publish runs in its transaction: PostgreSQL
// delivers the notification when (and only if) the publish commits.
func notifySQL(target string) string {
	return fmt.Sprintf("SELECT pg_notify('%s', '%s')", publishChannel, strings.ReplaceAll(target, "'", "''"))
}

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// URL is a postgres:// connection URL, as for Open.
	URL string
	// MaxConns bounds the reader's pool: the most connections readers hold
	// at once, however many requests come in.
	MaxConns int
	// StatementTimeout bounds every statement of a snapshot, the wait for
	// a publish in flight included.
	StatementTimeout time.Duration
	// Recheck is how old the cached published run may get before Published
	// asks the database again; notifications make a publish visible sooner.
	Recheck time.Duration
	// Logger receives the adapter's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults for ReaderOptions.
const (
	DefaultMaxConns         = 8
	DefaultStatementTimeout = 5 * time.Second
	DefaultRecheck          = 2 * time.Second
)

// retryDown is how long Published answers a failure from memory before it
// asks an unreachable database again.
const retryDown = 250 * time.Millisecond

// Reader reads the published state for a long-lived reader (the server):
// a small bounded pool of read-only connections, one REPEATABLE READ
// transaction per Snapshot, and the published run kept current by
// LISTEN/NOTIFY.
type Reader struct {
	opts ReaderOptions
	log  *slog.Logger
	pool *pgxpool.Pool

	targetMu sync.Mutex
	target   string

	mu    sync.Mutex
	state publishedState
	sf    singleflight.Group

	cancel context.CancelFunc
	done   chan struct{}
}

type publishedState struct {
	run     animetl.PublishedRun
	err     error
	checked time.Time
}

// OpenReader returns a Reader. It does not connect: the first request does,
// so a server can start while the database is down and recover by itself.
func OpenReader(opts ReaderOptions) (*Reader, error) {
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = DefaultStatementTimeout
	}
	if opts.Recheck <= 0 {
		opts.Recheck = DefaultRecheck
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: cannot parse the warehouse URL: %w", animetl.ErrConfig)
	}
	cfg.MaxConns = int32(opts.MaxConns)
	cfg.MinConns = 0
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = opts.StatementTimeout
	}
	// Every transaction of these connections is read-only, not only the
	// snapshots'.
	cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.ConnConfig.RuntimeParams["application_name"] = "animetl serve"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: reader pool: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Reader{opts: opts, log: log.With(animetl.LogComponent, "postgres-reader"), pool: pool,
		cancel: cancel, done: make(chan struct{})}
	go r.listen(ctx, cfg.ConnConfig.Copy())
	return r, nil
}

// Dialect returns "postgres".
func (r *Reader) Dialect() string { return "postgres" }

// Close stops listening and closes the pool.
func (r *Reader) Close() error {
	r.cancel()
	<-r.done
	r.pool.Close()
	return nil
}

// PoolStats reports the reader pool's state.
func (r *Reader) PoolStats() animetl.PoolStats {
	s := r.pool.Stat()
	return animetl.PoolStats{
		MaxConns: int64(s.MaxConns()), TotalConns: int64(s.TotalConns()), AcquiredConns: int64(s.AcquiredConns()),
		IdleConns: int64(s.IdleConns()), AcquireCount: s.AcquireCount(), EmptyAcquireCount: s.EmptyAcquireCount(),
		AcquireDuration: s.AcquireDuration(),
	}
}

// schemaName returns the schema of the published tables, asked once.
func (r *Reader) schemaName(ctx context.Context) (string, error) {
	r.targetMu.Lock()
	defer r.targetMu.Unlock()
	if r.target != "" {
		return r.target, nil
	}
	var target *string
	if err := r.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&target); err != nil {
		return "", fmt.Errorf("postgres: connect: %w", err)
	}
	if target == nil {
		return "", fmt.Errorf("postgres: no schema of search_path exists; create it or set ?search_path=: %w", animetl.ErrConfig)
	}
	r.target = *target
	return r.target, nil
}

// Published returns the published run, from memory while it is recent: a
// publish's notification refreshes it at once, and it is asked again after
// Recheck in any case.
func (r *Reader) Published(ctx context.Context) (animetl.PublishedRun, error) {
	r.mu.Lock()
	st := r.state
	r.mu.Unlock()
	age := time.Since(st.checked)
	if !st.checked.IsZero() {
		if (st.err == nil || errors.Is(st.err, animetl.ErrNotFound)) && age < r.opts.Recheck {
			return st.run, st.err
		}
		if st.err != nil && age < retryDown {
			return st.run, st.err
		}
	}
	v, err, _ := r.sf.Do("published", func() (any, error) {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.StatementTimeout)
		defer cancel()
		run, err := readPublished(qctx, r.pool)
		r.setState(run, err)
		return run, err
	})
	return v.(animetl.PublishedRun), err
}

func (r *Reader) setState(run animetl.PublishedRun, err error) {
	r.mu.Lock()
	r.state = publishedState{run: run, err: err, checked: time.Now()}
	r.mu.Unlock()
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readPublished reads the latest succeeded run from etl_run.
func readPublished(ctx context.Context, q queryRower) (animetl.PublishedRun, error) {
	sql, err := schema.Query("published_run")
	if err != nil {
		return animetl.PublishedRun{}, err
	}
	var run animetl.PublishedRun
	var at *time.Time
	err = q.QueryRow(ctx, sql).Scan(&run.RunID, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows), isUndefinedTable(err):
		return animetl.PublishedRun{}, fmt.Errorf("postgres: nothing published yet (run `animetl run` first): %w", animetl.ErrNotFound)
	case err != nil:
		return animetl.PublishedRun{}, fmt.Errorf("postgres: read the published run: %w", err)
	}
	if at != nil {
		run.At = *at
	}
	return run, nil
}

func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000")
}

// listen keeps a connection LISTENing for publishes and refreshes the
// published run on each; while the database is unreachable it records the
// failure, so Published reports it, and reconnects.
func (r *Reader) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(r.done)
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, cfg)
		if ctx.Err() != nil {
			return
		}
		r.setState(animetl.PublishedRun{}, fmt.Errorf("postgres: warehouse unreachable: %w", err))
		r.log.Debug("listening for publishes", animetl.LogError, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

func (r *Reader) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+publishChannel); err != nil {
		return err
	}
	for {
		run, err := readPublished(ctx, conn)
		if err != nil && !errors.Is(err, animetl.ErrNotFound) {
			return err
		}
		r.setState(run, err)
		if err := conn.PgConn().WaitForNotification(ctx); err != nil {
			return err
		}
	}
}

// Snapshot opens a snapshot of the published state: one REPEATABLE READ,
// READ ONLY transaction on a connection of the pool, whose first statement
// takes ACCESS SHARE locks on the published tables. A publish swaps those
// tables under an ACCESS EXCLUSIVE lock, so it waits for the snapshots in
// flight, and a snapshot opened during a publish waits for it (at most the
// statement timeout): a snapshot never spans a publish, and all its
// queries read one published state. It fails with ErrNotFound when nothing
// is published yet.
func (r *Reader) Snapshot(ctx context.Context) (animetl.Snapshot, error) {
	target, err := r.schemaName(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &snapshot{conn: conn}
	// The recommendation tables are locked with the rest; a warehouse
	// published before they existed has none, and is locked without them.
	for _, withRecs := range []bool{true, false} {
		err = r.lockTables(ctx, conn, target, withRecs)
		if err == nil || !isUndefinedTable(err) {
			break
		}
		if _, rerr := conn.Conn().PgConn().Exec(ctx, "ROLLBACK").ReadAll(); rerr != nil {
			break
		}
	}
	if err != nil {
		s.Close()
		if isUndefinedTable(err) {
			return nil, fmt.Errorf("postgres: nothing published yet (run `animetl run` first): %w", animetl.ErrNotFound)
		}
		return nil, fmt.Errorf("postgres: snapshot: %w", err)
	}
	if s.run, err = readPublished(ctx, conn.Conn()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// lockTables begins the snapshot's transaction and locks the published
// tables (and the recommendation tables when withRecs) in one round trip,
// simple protocol: the locks come before any statement that takes the
// transaction's snapshot.
func (r *Reader) lockTables(ctx context.Context, conn *pgxpool.Conn, target string, withRecs bool) error {
	names := schema.ModelTables
	if withRecs {
		names = append(slices.Clip(names), schema.RecTables...)
	}
	tables := make([]string, len(names))
	for i, t := range names {
		tables[i] = ident(target, t)
	}
	setup := fmt.Sprintf("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = %d; LOCK TABLE %s IN ACCESS SHARE MODE",
		r.opts.StatementTimeout.Milliseconds(), strings.Join(tables, ", "))
	_, err := conn.Conn().PgConn().Exec(ctx, setup).ReadAll()
	return err
}

// snapshot is one read-only transaction on one connection.
type snapshot struct {
	conn *pgxpool.Conn
	run  animetl.PublishedRun
}

func (s *snapshot) Run() animetl.PublishedRun { return s.run }

// Query runs a statement in the snapshot's transaction.
func (s *snapshot) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	if s.conn == nil {
		return nil, errors.New("postgres: query on a closed snapshot")
	}
	r, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, queryError(q, err)
	}
	return &rows{r: r, q: q}, nil
}

// Close rolls the transaction back, which releases its locks, and returns
// the connection to the pool (or closes it when the rollback failed).
func (s *snapshot) Close() error {
	if s.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.conn.Conn().PgConn().Exec(ctx, "ROLLBACK").ReadAll()
	if err != nil {
		s.conn.Conn().Close(ctx)
	}
	s.conn.Release()
	s.conn = nil
	return nil
}
