package postgres

import (
	"context"
	"fmt"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// prepareMerge resolves repeats among the deltas and makes the merge's
// work tables (merge.sql): nothing it does writes user_anime. It returns the
// rows the repeats removed per file.
func (s *stage) prepareMerge(ctx context.Context, q execer, p schema.Params) (map[int16]int64, error) {
	removed, err := s.resolveRepeats(ctx, q, p, "list_load", "delta", nil, nil)
	if err != nil {
		return nil, err
	}
	steps := []string{"ANALYZE " + ident(s.w.stage, "list_load"), "ANALYZE " + ident(s.w.stage, "delete_load")}
	return removed, execAll(ctx, q, append(steps, schema.Merge(p)...), s.run.ID)
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

// dayOld is the statement that fills ua_old in an incremental run.
func dayOld(p schema.Params) string {
	old, _, _, _ := schema.MergeDay(p)
	return old
}
