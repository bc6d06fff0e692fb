// Package postgres is the Warehouse on PostgreSQL, through pgx.
//
// The published tables live in the connection's current schema (the first
// schema of search_path; set it with ?search_path=NAME in the URL). A run
// loads into a stage schema next to it with binary COPY over several
// connections, builds keys, marts and views there with set-based SQL, checks
// them, and publishes by moving the stage's tables into the target schema in
// one transaction, so readers see the old state or the new one, never a mix.
// The run ledger (etl_*) lives in the target schema and is written as the run
// goes, so a failed run's rejects and checks stay inspectable. A session
// advisory lock keeps runs from overlapping; the server releases it when a
// run's connection dies, and a run whose lock's session ended stops
// without publishing.
package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/animetl/animetl"
)

var _ animetl.Warehouse = (*Warehouse)(nil)

// Options configure a PostgreSQL warehouse.
type Options struct {
	// URL is a postgres:// connection URL (libpq keywords and PG* variables
	// work as in pgx).
	URL string
	// CopyWorkers is the number of connections that COPY list entries in parallel.
	CopyWorkers int
	// LockTimeout is how long a run waits for another run's lock.
	LockTimeout time.Duration
	// LockKeepAlive is how often the run lock's otherwise idle session is
	// queried, so that idle_session_timeout or a NAT cannot end it unnoticed.
	LockKeepAlive time.Duration
	// PublishTimeout bounds the wait for readers' locks when publishing.
	PublishTimeout time.Duration
	// PublishAttempt bounds one attempt of the publish's swap: it waits that
	// long for readers' locks (and new readers wait behind it at most that
	// long), then lets them pass and tries again, keeping the stage, until
	// PublishTimeout. Keep it below the server's deadlock_timeout (1s by
	// default): a reader that locks the tables in another order than the
	// swap then never waits long enough for the server to end it as a
	// deadlock victim; the attempt gives way first.
	PublishAttempt time.Duration
	// LedgerKeepDays is how many days the ledger keeps runs' rejects, checks,
	// table sizes and (unless the published state depends on them) files;
	// etl_run keeps every run. 0 means DefaultLedgerKeepDays; negative is
	// invalid.
	LedgerKeepDays int
	// MaintenanceWorkMem is the session's maintenance_work_mem for index builds.
	MaintenanceWorkMem string
	// WorkMem is the run sessions' work_mem, for the aggregations and joins
	// that find repeated keys.
	WorkMem string
	// UnloggedFact makes user_anime an UNLOGGED table: it loads without
	// writing the write-ahead log (faster, about 30% of a run), at the price
	// PostgreSQL states: after a server crash the table is empty until the
	// next run, and it is not replicated to standbys.
	UnloggedFact bool
	// Logger receives the adapter's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults for Options.
const (
	DefaultCopyWorkers        = 2
	DefaultLockTimeout        = 30 * time.Second
	DefaultLockKeepAlive      = 10 * time.Second
	DefaultPublishTimeout     = time.Minute
	DefaultPublishAttempt     = 500 * time.Millisecond
	DefaultLedgerKeepDays     = 90
	DefaultMaintenanceWorkMem = "256MB"
	DefaultWorkMem            = "64MB"
)

// Warehouse is a PostgreSQL warehouse.
type Warehouse struct {
	opts   Options
	log    *slog.Logger
	pool   *pgxpool.Pool
	target string // schema of the published tables
	stage  string // schema of a run's stage
	lockID int64
}

// Open connects and finds the target schema. It does not create anything:
// a run does.
func Open(ctx context.Context, opts Options) (*Warehouse, error) {
	if opts.CopyWorkers <= 0 {
		opts.CopyWorkers = DefaultCopyWorkers
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.LockKeepAlive <= 0 {
		opts.LockKeepAlive = DefaultLockKeepAlive
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	if opts.PublishAttempt <= 0 {
		opts.PublishAttempt = DefaultPublishAttempt
	}
	switch {
	case opts.LedgerKeepDays < 0:
		return nil, fmt.Errorf("postgres: ledger keep days %d: want 0 (the default, %d) or more: %w", opts.LedgerKeepDays, DefaultLedgerKeepDays, animetl.ErrConfig)
	case opts.LedgerKeepDays == 0:
		opts.LedgerKeepDays = DefaultLedgerKeepDays
	}
	if opts.MaintenanceWorkMem == "" {
		opts.MaintenanceWorkMem = DefaultMaintenanceWorkMem
	}
	if opts.WorkMem == "" {
		opts.WorkMem = DefaultWorkMem
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		// pgx's parse errors can quote the URL; never echo it.
		return nil, fmt.Errorf("postgres: cannot parse the warehouse URL: %w", animetl.ErrConfig)
	}
	cfg.MaxConns = int32(opts.CopyWorkers + 4)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	w := &Warehouse{opts: opts, log: log.With(animetl.LogComponent, "postgres"), pool: pool}
	var target *string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&target); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if target == nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: no schema of search_path exists; create it or set ?search_path=: %w", animetl.ErrConfig)
	}
	w.target = *target
	w.stage = "animetl_stage_" + w.target
	h := fnv.New64a()
	h.Write([]byte("animetl run lock " + w.target))
	w.lockID = int64(h.Sum64())
	return w, nil
}

// Dialect returns "postgres".
func (w *Warehouse) Dialect() string { return "postgres" }

// Schema returns the schema of the published tables.
func (w *Warehouse) Schema() string { return w.target }

// Close closes the connection pool.
func (w *Warehouse) Close() error {
	w.pool.Close()
	return nil
}

// Query runs a statement in a read-only transaction on the published tables.
func (w *Warehouse) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	tx, err := w.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	r, err := tx.Query(ctx, q, args...)
	if err != nil {
		tx.Rollback(ctx)
		return nil, queryError(q, err)
	}
	return &rows{r: r, q: q, done: func() { tx.Rollback(context.WithoutCancel(ctx)) }}, nil
}

func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// lockHolder describes the run that holds the lock, from the ledger.
func (w *Warehouse) lockHolder(ctx context.Context) animetl.LockHolder {
	var h animetl.LockHolder
	var pid *int32
	var host *string
	err := w.pool.QueryRow(ctx, fmt.Sprintf(`SELECT run_id, host, pid, started_at FROM %s
		WHERE status = 'running' ORDER BY started_at DESC LIMIT 1`, ident(w.target, "etl_run"))).Scan(&h.RunID, &host, &pid, &h.StartedAt)
	if err != nil {
		return animetl.LockHolder{}
	}
	if host != nil {
		h.Host = *host
	}
	if pid != nil {
		h.PID = int(*pid)
	}
	return h
}
