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
