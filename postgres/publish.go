package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// ErrPublishTimeout is returned (wrapped) when readers held the published
// tables for longer than Options.PublishTimeout: nothing was published.
var ErrPublishTimeout = errors.New("readers held the published tables past the publish timeout")

// recordRun writes the run's outcome to etl_run.
func recordRun(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, target string, sum *animetl.RunSummary) error {
	t := sum.Totals()
	_, err := q.Exec(ctx, fmt.Sprintf(`UPDATE %s SET status = $1, finished_at = $2, rows_read = $3, rows_loaded = $4,
		rows_rejected = $5, rows_duplicate = $6, error = $7, phases = $8 WHERE run_id = $9`, ident(target, "etl_run")),
		string(sum.Status), sum.FinishedAt, t.RowsRead, t.RowsLoaded, t.RowsRejected, t.RowsDuplicate,
		nullString(sum.Error), sum.PhasesJSON(), sum.RunID)
	if err != nil {
		return fmt.Errorf("postgres: record run: %w", err)
	}
	return nil
}

// Publish moves the stage's tables and views into the target schema in one
// transaction, replacing the published ones, and records the run. In an
// incremental run that transaction is the one that merged the day into
// user_anime, which stays where it is. The swap waits for readers in
// attempts of PublishAttempt up to PublishTimeout (ErrPublishTimeout); the
// transaction commits only while the run lock is still held (ErrLockLost).
// Older runs' ledger rows are pruned after the commit.
func (s *stage) Publish(ctx context.Context, sum *animetl.RunSummary) error {
	if err := s.commit(ctx, sum); err != nil {
		return err
	}
	s.closed = true
	if err := s.pruneLedger(ctx); err != nil {
		s.log.Warn("pruning the ledger; the run was published", animetl.LogError, err)
	}
	s.cleanup(ctx)
	return nil
}

// commit swaps, records the run and commits while the lock is held.
func (s *stage) commit(ctx context.Context, sum *animetl.RunSummary) error {
	if err := s.lock.alive(ctx); err != nil {
		return fmt.Errorf("postgres: publish: %w", err)
	}
	if err := s.waitAnalyzed(); err != nil {
		return err
	}
	tx := s.tx
	if tx == nil {
		// A connection of the run (tagged, checked against the lock): the
		// next holder of the lock would end it.
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("postgres: publish: %w", s.lockErr(ctx, err))
		}
		defer conn.Release()
		if tx, err = conn.BeginTx(ctx, pgx.TxOptions{}); err != nil {
			return fmt.Errorf("postgres: publish: %w", s.lockErr(ctx, err))
		}
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if s.run.Mode == animetl.ModeFull {
		if err := s.stageFactView(ctx, tx); err != nil {
			return s.lockErr(ctx, err)
		}
	}
	if s.compact {
		if err := s.compactFact(ctx, tx); err != nil {
			return s.lockErr(ctx, err)
		}
	}
	if err := s.swap(ctx, tx); err != nil {
		return err
	}
	if err := recordRun(ctx, tx, s.w.target, sum); err != nil {
		return s.lockErr(ctx, err)
	}
	if err := s.lock.verify(ctx, tx); err != nil {
		return fmt.Errorf("postgres: publish: %w", s.lockErr(ctx, err))
	}
	animetl.Failpoint("publish")
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: publish: %w", s.lockErr(ctx, err))
	}
	return nil
}

// lockErr reports a failure as the loss of the run lock when the lock is
// gone (its session ended, and the next run ended ours), else as itself.
func (s *stage) lockErr(ctx context.Context, err error) error {
	if lost := s.lock.alive(context.WithoutCancel(ctx)); lost != nil && !errors.Is(err, ErrLockLost) {
		return fmt.Errorf("%w (%v)", lost, err)
	}
	return err
}

// swap replaces the published tables and views with the stage's inside
// tx, in attempts of PublishAttempt: an attempt that times out waiting for a
// reader's lock is rolled back to its savepoint (releasing the locks it
// took, so readers queued behind it go on) and retried after a pause, until
// PublishTimeout has passed.
func (s *stage) swap(ctx context.Context, tx pgx.Tx) error {
	w := s.w
	start := time.Now()
	pause := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wait := min(w.opts.PublishAttempt, max(w.opts.PublishTimeout-time.Since(start), time.Millisecond))
		stmt, err := s.trySwap(ctx, tx, wait)
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // lock_not_available
			if errors.As(err, &pgErr) && pgErr.Code == "2BP01" {
				return fmt.Errorf("postgres: publish: %s; drop or re-point objects that depend on animetl's tables: %w", pgErr.Detail, err)
			}
			return fmt.Errorf("postgres: publish: %w", s.lockErr(ctx, err))
		}
		if time.Since(start)+pause >= w.opts.PublishTimeout {
			return fmt.Errorf("postgres: publish: %w (%s, %d attempts, the last waiting at %s); nothing was published",
				ErrPublishTimeout, w.opts.PublishTimeout, attempt, stmt)
		}
		s.log.Info("publish waits for readers of the published tables", "attempt", attempt, "statement", stmt)
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres: publish: %w", ctx.Err())
		case <-time.After(pause):
		}
		pause = min(pause*2, w.opts.PublishAttempt)
	}
}

// trySwap runs the swap's statements once with lock_timeout wait, under a
// savepoint it rolls back to on failure; it returns the statement that failed.
func (s *stage) trySwap(ctx context.Context, tx pgx.Tx, wait time.Duration) (string, error) {
	w := s.w
	// A full run replaces user_anime (the view) and the tables behind it, as
	// does an incremental one that compacted them; else an incremental one
	// wrote the day tables in place, in this transaction.
	replaceFact := s.run.Mode == animetl.ModeFull || s.compact
	var tables []string
	for _, t := range schema.ModelTables {
		if t != schema.FactView && !slices.Contains(s.kept, t) {
			tables = append(tables, t)
		}
	}
	views := schema.ModelViews
	if replaceFact {
		tables = append(tables, schema.FactTables...)
		views = append(slices.Clip(views), schema.FactView)
	}
	tables = append(tables, schema.RecTables...) // Finalize made them in the stage, in every mode
	// The grants of the relations about to be replaced, read before the
	// savepoint's locks so that a retried attempt reads them again.
	grants, err := grantsOf(ctx, tx, w.target, append(append([]string{}, tables...), views...))
	if err != nil {
		return "read grants", err
	}
	// The published user_anime is the view, or the table of a warehouse
	// made before it.
	kind, err := factKind(ctx, tx, w.target)
	if err != nil {
		return "read user_anime's kind", err
	}
	stmts := []string{"SAVEPOINT animetl_publish", fmt.Sprintf("SET LOCAL lock_timeout = %d", max(wait.Milliseconds(), 1))}
	for _, v := range schema.ModelViews {
		stmts = append(stmts, "DROP VIEW IF EXISTS "+ident(w.target, v))
	}
	if replaceFact && kind == "v" {
		stmts = append(stmts, "DROP VIEW "+ident(w.target, schema.FactView))
	} else if replaceFact && kind == "r" {
		stmts = append(stmts, "DROP TABLE "+ident(w.target, schema.FactView))
	}
	for _, t := range tables {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+ident(w.target, t))
	}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s SET SCHEMA %s", ident(w.stage, t), ident(w.target)))
	}
	if replaceFact {
		stmts = append(stmts, autovacuumAgain(ident(w.target, "user_anime_base")))
	}
	for _, v := range views {
		stmts = append(stmts, fmt.Sprintf("ALTER VIEW %s SET SCHEMA %s", ident(w.stage, v), ident(w.target)))
	}
	stmts = append(stmts, grants...)           // the replaced relations' grants, onto the new ones
	stmts = append(stmts, notifySQL(w.target)) // readers (serve) drop their caches when this commits
	stmts = append(stmts, "RELEASE SAVEPOINT animetl_publish")
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT animetl_publish"); rerr != nil {
				return q, errors.Join(err, rerr)
			}
			return q, err
		}
	}
	return "", nil
}

// Abort rolls back an incremental run's transaction, drops the stage and
// records the failed run; the published tables were never touched. A run
// that lost its lock records its failure but leaves the stage schema to the
// run that holds the lock now.
func (s *stage) Abort(ctx context.Context, sum *animetl.RunSummary) error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.endTx(ctx)
	err := recordRun(ctx, lockExecer{s.lock}, s.w.target, sum)
	if errors.Is(err, ErrLockLost) {
		// The next run marked this one abandoned; say why it stopped. Only
		// this run's own ledger row is written.
		err = recordRun(ctx, s.w.pool, s.w.target, sum)
	}
	s.cleanup(ctx)
	return err
}

// lockExecer runs statements on the lock's session.
type lockExecer struct{ l *runLock }

func (e lockExecer) Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error) {
	return e.l.exec(ctx, q, args...)
}

// endTx rolls back the incremental transaction, if any, and frees its connection.
func (s *stage) endTx(ctx context.Context) {
	if s.tx != nil {
		s.tx.Rollback(context.WithoutCancel(ctx))
		s.tx = nil
	}
	if s.txConn != nil {
		s.txConn.Release()
		s.txConn = nil
	}
}

func (s *stage) discard(ctx context.Context) {
	s.closed = true
	s.cleanup(ctx)
}

// cleanup drops the stage schema (only while the lock is held: without it
// the schema may be the next run's), closes its connections and releases
// the lock.
func (s *stage) cleanup(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	_ = s.waitAnalyzed() // the stage goes: its statistics do not matter
	s.dropEarly()
	s.endTx(ctx)
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	if s.lock == nil {
		return
	}
	if _, err := s.lock.exec(ctx, "DROP SCHEMA IF EXISTS "+ident(s.w.stage)+" CASCADE"); errors.Is(err, ErrLockLost) {
		s.log.Warn("the run lock was lost; the stage schema is left to the run that holds it now", animetl.LogError, err)
	} else if err != nil {
		s.log.Warn("dropping the stage schema", animetl.LogError, err)
	}
	if err := s.lock.release(ctx); err != nil {
		s.log.Warn("releasing the run lock", animetl.LogError, err)
	}
	s.lock = nil
}

// pruneLedger deletes older runs' rejects, checks and table sizes, and
// their files unless the published state depends on them (the files of the
// latest succeeded full run and of the succeeded runs after it, which
// incremental planning reads), once they are older than LedgerKeepDays.
// etl_run keeps every run. It runs right after the publish, in a
// transaction of its own, so that deleting many rejects does not prolong
// the publish's locks on the published tables.
func (s *stage) pruneLedger(ctx context.Context) error {
	t := func(name string) string { return ident(s.w.target, name) }
	old := fmt.Sprintf(`SELECT run_id FROM %s WHERE started_at < now() - make_interval(days => $1) AND run_id <> $2`, t("etl_run"))
	stmts := []string{
		fmt.Sprintf("DELETE FROM %s WHERE run_id IN (%s)", t("etl_reject"), old),
		fmt.Sprintf("DELETE FROM %s WHERE run_id IN (%s)", t("etl_check"), old),
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, s.w.opts.LedgerKeepDays, s.run.ID); err != nil {
				return fmt.Errorf("postgres: prune the ledger: %w", err)
			}
		}
		return nil
	})
}
