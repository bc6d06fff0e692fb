package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// factKind returns the relkind of user_anime in the schema: 'v' for the
// view over user_anime_base and its day tables (schema/sql/fact.sql), 'r'
// for a table (a full run's list table in the stage, or the user_anime of
// a warehouse published before the view), "" when there is none.
func factKind(ctx context.Context, q execer, schemaName string) (string, error) {
	var kind string
	err := q.QueryRow(ctx, `SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2`, schemaName, schema.FactView).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: user_anime: %w", err)
	}
	return kind, nil
}

// factStatements turn the table user_anime, first on the search_path, into
// user_anime_base behind the user_anime view with empty day tables.
func (s *stage) factStatements() []string {
	return append([]string{"ALTER TABLE user_anime RENAME TO user_anime_base"}, schema.Fact(s.params)...)
}

// stageFactView, in a full run's publish (tx, on a connection of the run),
// makes the stage's keyed and checked list table the base of the
// user_anime view, and makes the seed views again so that they read the
// view (a view names the relations it reads by their identity, and
// anime_list's was the table's).
func (s *stage) stageFactView(ctx context.Context, tx pgx.Tx) error {
	return execAll(ctx, tx, append(s.factStatements(), s.seedViewsAgain()...), s.run.ID)
}

// seedViewsAgain makes the stage's seed views again, on the user_anime view
// the stage has just made (its own, not the published one).
func (s *stage) seedViewsAgain() []string {
	var stmts []string
	for _, v := range schema.ModelViews {
		stmts = append(stmts, "DROP VIEW IF EXISTS "+ident(s.w.stage, v))
	}
	return append(stmts, schema.Views()...)
}

// convertPublished makes the published user_anime of a warehouse made
// before the view (a table) the base of the view, with empty day tables,
// in a transaction of its own, before an incremental run merges its day
// there. Readers see the same rows before and after; those with a grant on
// the table get it on the view. The rename waits for readers of the table
// up to PublishTimeout.
func (s *stage) convertPublished(ctx context.Context) error {
	kind, err := factKind(ctx, s.pool, s.w.target)
	if err != nil || kind != "r" {
		return err
	}
	s.log.Info("user_anime becomes a view over user_anime_base and its day tables (a warehouse made by an older animetl)")
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		grants, err := grantsOf(ctx, tx, s.w.target, []string{schema.FactView})
		if err != nil {
			return fmt.Errorf("postgres: user_anime: %w", err)
		}
		stmts := []string{
			fmt.Sprintf("SET LOCAL lock_timeout = %d", max(s.w.opts.PublishTimeout.Milliseconds(), 1)),
			"SET LOCAL search_path = " + ident(s.w.target),
		}
		stmts = append(stmts, s.factStatements()...)
		stmts = append(stmts, grants...)
		if err := execAll(ctx, tx, stmts, s.run.ID); err != nil {
			return fmt.Errorf("%w (waited up to %s for readers of user_anime)", err, s.w.opts.PublishTimeout.Round(time.Millisecond))
		}
		return nil
	})
}

// pastCompaction, after an incremental run's merge (q its transaction),
// analyzes the day tables (their statistics serve the next day's lookups
// and the readers' plans) and reports whether they hold more than share of
// the base's rows, by the statistics' row counts.
func (s *stage) pastCompaction(ctx context.Context, q execer, share float64) (bool, error) {
	if share <= 0 {
		share = animetl.DefaultCompactAbove
	}
	t := func(name string) string { return ident(s.w.target, name) }
	if err := execAll(ctx, q, []string{"ANALYZE " + t("user_anime_delta") + ", " + t("user_anime_gone")}, s.run.ID); err != nil {
		return false, err
	}
	var base, day float64
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(GREATEST(reltuples, 0)) FILTER (WHERE oid = to_regclass($1)), 0),
		COALESCE(SUM(GREATEST(reltuples, 0)) FILTER (WHERE oid <> to_regclass($1)), 0)
		FROM pg_class WHERE oid IN (to_regclass($1), to_regclass($2), to_regclass($3))`,
		t("user_anime_base"), t("user_anime_delta"), t("user_anime_gone")).Scan(&base, &day); err != nil {
		return false, fmt.Errorf("postgres: size of user_anime's tables: %w", err)
	}
	return day > share*base, nil
}

// compactFact, in an incremental run's publish (tx, after the checks),
// writes user_anime_base again in the stage from the checked user_anime
// view (the day merged: the transaction's own writes; in the view's order,
// the base's rows then the delta's: the key's index sorts them), keys it,
// makes empty day tables and the view beside it and the seed views again
// on them: the swap then replaces the published ones as a full run's does.
// The copy must hold as many rows as the checked marts count.
func (s *stage) compactFact(ctx context.Context, tx pgx.Tx) error {
	t0 := time.Now()
	var want int64
	if err := tx.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM `+ident(s.w.stage, "ua_agg")).Scan(&want); err != nil {
		return fmt.Errorf("postgres: compact user_anime: %w", err)
	}
	unlogged := ""
	if s.params.ListUnlogged {
		unlogged = "UNLOGGED "
	}
	base := ident(s.w.stage, "user_anime_base")
	tag, err := tx.Exec(ctx, fmt.Sprintf(`CREATE %sTABLE %s AS
		SELECT user_id, anime_id, watching_status, rating, watched_episodes FROM %s`,
		unlogged, base, ident(s.w.target, schema.FactView)))
	if err != nil {
		return fmt.Errorf("postgres: compact user_anime: %w", err)
	}
	if got := tag.RowsAffected(); got != want {
		return fmt.Errorf("postgres: compact user_anime: the copy holds %d rows, the checked marts count %d", got, want)
	}
	stmts := []string{"ALTER TABLE " + base + " ADD CONSTRAINT user_anime_pkey PRIMARY KEY (user_id, anime_id)"}
	stmts = append(stmts, schema.Fact(s.params)...)
	stmts = append(stmts, s.seedViewsAgain()...)
	stmts = append(stmts, "ANALYZE "+base)
	if err := execAll(ctx, tx, stmts, s.run.ID); err != nil {
		return err
	}
	s.log.Info("user_anime compacted: its base written again from the view, its day tables emptied",
		"rows", want, animetl.LogDuration, time.Since(t0))
	return nil
}
