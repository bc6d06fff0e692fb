package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	stmts := s.factStatements()
	for _, v := range schema.ModelViews {
		stmts = append(stmts, "DROP VIEW IF EXISTS "+ident(s.w.stage, v))
	}
	stmts = append(stmts, schema.Views()...)
	return execAll(ctx, tx, stmts, s.run.ID)
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
