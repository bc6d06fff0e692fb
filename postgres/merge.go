package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// prepareMerge makes the deltas' keys (day_keys.sql), resolves the repeats
// they show among the upserts and matches the upserts and deletes of the
// same keys (merge.sql, when there are any): nothing it does writes
// user_anime. It returns the
// rows the repeats removed per file.
func (s *stage) prepareMerge(ctx context.Context, q execer, p schema.Params) (map[int16]int64, error) {
	steps := []string{"ANALYZE " + ident(s.w.stage, "list_load"), "ANALYZE " + ident(s.w.stage, "delete_load")}
	if err := execAll(ctx, q, append(steps, schema.DayKeys(p)...), s.run.ID); err != nil {
		return nil, err
	}
	removed, err := s.resolveRepeats(ctx, q, p, "list_load", "delta", nil, nil, schema.DayRepeats(p))
	if err != nil {
		return nil, err
	}
	var both int64
	if err := q.QueryRow(ctx, schema.DayMatches(p)).Scan(&both); err != nil {
		return nil, fmt.Errorf("postgres: merge: %w", err)
	}
	if both == 0 { // no key has both upserts and deletes to match
		return removed, nil
	}
	return removed, execAll(ctx, q, schema.Merge(p), s.run.ID)
}

// applyMerge removes the rows of the day's keys from user_anime and inserts
// the upserts (merge_apply.sql), looking keys up in its primary key. It
// returns how many rows it removed.
func (s *stage) applyMerge(ctx context.Context, q execer, p schema.Params) (int64, error) {
	del, insert := schema.MergeApply(p)
	tag, err := q.Exec(ctx, del)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", animetl.NewStatementError(del, err))
	}
	if _, err := q.Exec(ctx, insert); err != nil {
		return 0, fmt.Errorf("postgres: %w", animetl.NewStatementError(insert, err))
	}
	return tag.RowsAffected(), nil
}

// applyDay is an incremental run's end of the merge (merge_day.sql), in its
// transaction: the day's keys leave user_anime_delta and its upserts join
// it; once based is closed (ua_old, the rows the day replaces or removes as
// the published tables show them, is committed by another connection), the
// base keys the day hides join user_anime_gone. The base is not written. It
// returns how many rows it removed from the delta.
func (s *stage) applyDay(ctx context.Context, q execer, p schema.Params, based <-chan struct{}) (int64, error) {
	_, del, gone, insert := schema.MergeDay(p)
	tag, err := q.Exec(ctx, del)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", animetl.NewStatementError(del, err))
	}
	if _, err := q.Exec(ctx, insert); err != nil {
		return 0, fmt.Errorf("postgres: %w", animetl.NewStatementError(insert, err))
	}
	select {
	case <-based:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if _, err := q.Exec(ctx, gone); err != nil {
		return 0, fmt.Errorf("postgres: %w", animetl.NewStatementError(gone, err))
	}
	return tag.RowsAffected(), nil
}

// fillDayOld fills ua_old in an incremental run (merge_day.sql's first
// statement): the day's keys looked up in the published base and delta,
// read only. The lookups keep one core busy while the merge's transaction
// waits for them (0.5 s at 8M rows, 5-6 s at 80M), so two connections take
// half of the day's users each, split at their median, each in a
// transaction of its own. It runs before the transaction writes the day
// tables' published rows, which it must not see: it reads them committed.
func (s *stage) fillDayOld(ctx context.Context, p schema.Params) error {
	old, _, _, _ := schema.MergeDay(p)
	var lo, mid, hi int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(min(user_id), 0), COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY user_id), 0),
		COALESCE(max(user_id), 0) + 1 FROM ua_keys`).Scan(&lo, &mid, &hi); err != nil {
		return fmt.Errorf("postgres: split the day's keys: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range [][2]int64{{lo, mid}, {mid, hi}} {
		g.Go(func() error {
			return s.inTx(gctx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(gctx, old, r[0], r[1]); err != nil {
					return fmt.Errorf("postgres: %w", animetl.NewStatementError(old, err))
				}
				return nil
			})
		})
	}
	return g.Wait()
}
