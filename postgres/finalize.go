package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// Finalize keys user_anime (resolving repeated keys only when the unique
// index finds some), builds the model, marts and views, analyzes them, and
// measures every file's counts. When the pipeline's counts make the marts
// independent of user_anime, the model is built on a second connection
// while the key index builds.
func (s *stage) Finalize(ctx context.Context, opts animetl.FinalizeOptions) ([]animetl.FileSummary, error) {
	p := s.params
	p.Prior = opts.PriorRatings
	if p.Prior <= 0 {
		p.Prior = animetl.DefaultPriorRatings
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	s.mu.Lock()
	loaded := make(map[int16]int64, len(s.copied))
	for id, n := range s.copied {
		loaded[id] = n
	}
	files := append([]*animetl.FileLoad(nil), s.files...)
	s.mu.Unlock()

	var deletes int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM delete_load").Scan(&deletes); err != nil {
		return nil, fmt.Errorf("postgres: count deletes: %w", err)
	}
	var removed map[int16]int64
	var q execer = conn
	switch {
	case s.run.Mode == animetl.ModeIncremental:
		if removed, err = s.mergeIncremental(ctx, p, opts); err != nil {
			return nil, err
		}
		q = s.tx
	case opts.ListCounts != nil && deletes == 0:
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			var err error
			removed, err = s.keyUserAnime(gctx, conn, p, false)
			return err
		})
		g.Go(func() error {
			c2, err := s.pool.Acquire(gctx)
			if err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			defer c2.Release()
			return s.buildModel(gctx, c2, p, opts.ListCounts)
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
	default:
		if removed, err = s.keyUserAnime(ctx, conn, p, deletes > 0); err != nil {
			return nil, err
		}
		if err := s.buildModel(ctx, conn, p, nil); err != nil {
			return nil, err
		}
	}
	for id, n := range removed {
		loaded[id] -= n
	}
	var userAnime any // the fact table's size, known without a scan when the pipeline counted it
	if opts.ListCounts != nil && deletes == 0 && s.run.Mode == animetl.ModeFull {
		var n int64
		for _, c := range opts.ListCounts {
			n += c.Entries
		}
		userAnime = n
	}
	steps := []string{tableCounts(userAnime)}
	if s.run.Mode == animetl.ModeFull {
		steps = append(steps, "ANALYZE "+ident(s.w.stage, "user_anime"))
	}
	if err := execAll(ctx, q, steps, s.run.ID); err != nil {
		return nil, err
	}
	small, err := countByFile(ctx, q, `SELECT file_id, count(*) FROM anime_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM synopsis_load GROUP BY file_id
		UNION ALL SELECT file_id, count(*) FROM status_load GROUP BY file_id`)
	if err != nil {
		return nil, err
	}
	for id, n := range small {
		loaded[id] += n
	}
	c := animetl.Counts{Loaded: loaded, Rejected: map[string]int64{}, Duplicate: map[string]int64{}}
	rows, err := q.Query(ctx, `SELECT file, kind, count(*) FROM etl_reject WHERE run_id = $1 GROUP BY file, kind`, s.run.ID)
	if err != nil {
		return nil, fmt.Errorf("postgres: count rejects: %w", err)
	}
	for rows.Next() {
		var file, kind string
		var n int64
		if err := rows.Scan(&file, &kind, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if kind == string(animetl.KindDuplicate) {
			c.Duplicate[file] += n
		} else {
			c.Rejected[file] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sums := animetl.Summaries(files, c)
	for i, f := range files {
		fs := sums[i]
		if _, err := s.pool.Exec(ctx, `UPDATE etl_file SET rows_loaded = $1, rows_rejected = $2, rows_duplicate = $3
			WHERE run_id = $4 AND file_id = $5`, fs.RowsLoaded, fs.RowsRejected, fs.RowsDuplicate, s.run.ID, f.ID); err != nil {
			return nil, fmt.Errorf("postgres: record counts of %s: %w", f.Info.Name, err)
		}
	}
	return sums, nil
}

// tableCounts records the published tables' sizes in etl_table ($1 is the
// run), for the drift check; user_anime's from userAnime when not nil.
func tableCounts(userAnime any) string {
	var parts []string
	for _, t := range schema.ModelTables {
		if t == "user_anime" && userAnime != nil {
			parts = append(parts, fmt.Sprintf("SELECT $1, 'user_anime', CAST(%d AS BIGINT)", userAnime))
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT $1, '%s', count(*) FROM %s", t, t))
	}
	return "INSERT INTO etl_table (run_id, table_name, row_count)\n" + strings.Join(parts, "\nUNION ALL ")
}

// mergeIncremental opens the run's transaction and, inside it, resolves
// repeats among the day's entries, merges upserts and deletes into the
// published user_anime, and builds the rest of the model in the stage.
// Readers keep seeing the published state until Publish commits.
func (s *stage) mergeIncremental(ctx context.Context, p schema.Params, opts animetl.FinalizeOptions) (map[int16]int64, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	s.tx, s.txConn = tx, conn
	var removed map[int16]int64
	var repeats int64
	if !opts.ListKeysUnique {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM list_load
			GROUP BY user_id, anime_id HAVING count(*) > 1) r`).Scan(&repeats); err != nil {
			return nil, fmt.Errorf("postgres: find repeats: %w", err)
		}
	}
	if repeats > 0 {
		if err := execAll(ctx, tx, schema.Repeats(p), s.run.ID); err != nil {
			return nil, err
		}
		if removed, err = countByFile(ctx, tx, `SELECT file_id, count(*) FROM ua_repeat_rows WHERE rn > 1 GROUP BY file_id`); err != nil {
			return nil, err
		}
	}
	if err := execAll(ctx, tx, schema.Merge(p), s.run.ID); err != nil {
		return nil, err
	}
	return removed, s.buildModel(ctx, tx, p, nil)
}

// keyUserAnime builds the unique index on (user_id, anime_id), resolving
// repeated keys first when the build finds some, drops the lineage columns
// and makes the index the primary key. It returns the rows removed per file.
func (s *stage) keyUserAnime(ctx context.Context, conn *pgxpool.Conn, p schema.Params, deletes bool) (map[int16]int64, error) {
	const keyIndex = "CREATE UNIQUE INDEX user_anime_pkey ON user_anime (user_id, anime_id)"
	var removed map[int16]int64
	_, err := conn.Exec(ctx, keyIndex)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		if err := execAll(ctx, conn, schema.Repeats(p), s.run.ID); err != nil {
			return nil, err
		}
		if removed, err = countByFile(ctx, conn, `SELECT file_id, count(*) FROM ua_repeat_rows WHERE rn > 1 GROUP BY file_id`); err != nil {
			return nil, err
		}
		if _, err = conn.Exec(ctx, keyIndex); err != nil {
			return nil, fmt.Errorf("postgres: key user_anime: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("postgres: key user_anime: %w", err)
	}
	var steps []string
	if deletes {
		steps = append(steps, schema.Deletes(p)...)
	}
	steps = append(steps, `ALTER TABLE user_anime DROP COLUMN file_id, DROP COLUMN line,
		 ADD CONSTRAINT user_anime_pkey PRIMARY KEY USING INDEX user_anime_pkey`)
	return removed, execAll(ctx, conn, steps, s.run.ID)
}

// buildModel fills ua_agg (from counts, or by scanning the keyed
// user_anime) and builds the model, marts and views.
func (s *stage) buildModel(ctx context.Context, conn execer, p schema.Params, counts []animetl.StatusCount) error {
	if counts == nil {
		if err := execAll(ctx, conn, schema.Aggregate(p), s.run.ID); err != nil {
			return err
		}
	} else {
		rows := make([][]any, len(counts))
		for i, c := range counts {
			rows[i] = []any{c.AnimeID, c.Status, c.Entries, c.Ratings, c.RatingSum}
		}
		if _, err := conn.(*pgxpool.Conn).CopyFrom(ctx, pgx.Identifier{s.w.stage, "ua_agg"},
			[]string{"anime_id", "watching_status", "n", "ratings", "rating_sum"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("postgres: copy counts: %w", err)
		}
	}
	steps := append([]string{"ANALYZE " + ident(s.w.stage, "ua_agg")}, schema.Model()...)
	steps = append(steps, schema.Finalize(p)...)
	steps = append(steps, schema.Views()...)
	// Statistics for the planner on the tables readers join most; the small
	// ones are analyzed by autovacuum soon after they appear.
	for _, t := range []string{"anime", "anime_stats"} {
		steps = append(steps, "ANALYZE "+ident(s.w.stage, t))
	}
	return execAll(ctx, conn, steps, s.run.ID)
}

// execer runs statements: a pooled connection or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func execAll(ctx context.Context, conn execer, stmts []string, runID string) error {
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{runID}
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("postgres: %w\n%s", err, firstLine(q))
		}
	}
	return nil
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		return q[:i] + " ..."
	}
	return q
}

func countByFile(ctx context.Context, conn execer, q string) (map[int16]int64, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: count: %w", err)
	}
	defer rows.Close()
	out := map[int16]int64{}
	for rows.Next() {
		var id int16
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] += n
	}
	return out, rows.Err()
}

// RecordChecks stores check results in etl_check.
func (s *stage) RecordChecks(ctx context.Context, results []animetl.CheckResult) error {
	for _, r := range results {
		if _, err := s.pool.Exec(ctx, `INSERT INTO etl_check (run_id, name, severity, status, observed, threshold, checked_at)
			VALUES ($1, $2, $3, $4, $5, $6, now())
			ON CONFLICT (run_id, name) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status,
			observed = EXCLUDED.observed, threshold = EXCLUDED.threshold, checked_at = EXCLUDED.checked_at`,
			s.run.ID, r.Name, string(r.Severity), string(r.Status), r.Observed, r.Threshold); err != nil {
			return fmt.Errorf("postgres: record check %s: %w", r.Name, err)
		}
	}
	return nil
}

// recordRun writes the run's outcome to etl_run.
func recordRun(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, target string, sum *animetl.RunSummary) error {
	t := sum.Totals()
	_, err := q.Exec(ctx, fmt.Sprintf(`UPDATE %s SET status = $1, finished_at = $2, rows_read = $3, rows_loaded = $4,
		rows_rejected = $5, rows_duplicate = $6, error = $7 WHERE run_id = $8`, ident(target, "etl_run")),
		string(sum.Status), sum.FinishedAt, t.RowsRead, t.RowsLoaded, t.RowsRejected, t.RowsDuplicate,
		nullString(sum.Error), sum.RunID)
	if err != nil {
		return fmt.Errorf("postgres: record run: %w", err)
	}
	return nil
}

// Publish moves the stage's tables and views into the target schema in one
// transaction, replacing the published ones, and records the run. In an
// incremental run that transaction is the one that merged the day into
// user_anime, which stays where it is.
func (s *stage) Publish(ctx context.Context, sum *animetl.RunSummary) error {
	w := s.w
	tx := s.tx
	if tx == nil {
		var err error
		if tx, err = w.pool.BeginTx(ctx, pgx.TxOptions{}); err != nil {
			return fmt.Errorf("postgres: publish: %w", err)
		}
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	stmts := []string{fmt.Sprintf("SET LOCAL lock_timeout = %d", w.opts.PublishTimeout.Milliseconds())}
	var tables []string
	for _, t := range schema.ModelTables {
		if t != "user_anime" || s.run.Mode == animetl.ModeFull {
			tables = append(tables, t)
		}
	}
	for _, v := range schema.ModelViews {
		stmts = append(stmts, "DROP VIEW IF EXISTS "+ident(w.target, v))
	}
	for _, t := range tables {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+ident(w.target, t))
	}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s SET SCHEMA %s", ident(w.stage, t), ident(w.target)))
	}
	for _, v := range schema.ModelViews {
		stmts = append(stmts, fmt.Sprintf("ALTER VIEW %s SET SCHEMA %s", ident(w.stage, v), ident(w.target)))
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "2BP01" {
				return fmt.Errorf("postgres: publish: %s; drop or re-point objects that depend on animetl's tables: %w", pgErr.Detail, err)
			}
			return fmt.Errorf("postgres: publish: %w", err)
		}
	}
	if err := recordRun(ctx, tx, w.target, sum); err != nil {
		return err
	}
	animetl.Failpoint("publish")
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: publish: %w", err)
	}
	s.closed = true
	s.cleanup(ctx)
	return nil
}

// Abort rolls back an incremental run's transaction, drops the stage and
// records the failed run; the published tables were never touched.
func (s *stage) Abort(ctx context.Context, sum *animetl.RunSummary) error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.endTx(ctx)
	err := recordRun(ctx, s.lock, s.w.target, sum)
	s.cleanup(ctx)
	return err
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

// cleanup drops the stage schema, closes its connections and releases the lock.
func (s *stage) cleanup(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	s.endTx(ctx)
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	if s.lock != nil {
		if _, err := s.lock.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident(s.w.stage)+" CASCADE"); err != nil {
			s.log.Warn("dropping the stage schema", animetl.LogError, err)
		}
		if err := releaseLock(s.lock, s.w.lockID); err != nil {
			s.log.Warn("releasing the run lock", animetl.LogError, err)
		}
		s.lock = nil
	}
}
