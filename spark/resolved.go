package spark

import (
	"context"
	"fmt"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var _ animetl.ResolvedOutput = (*output)(nil)

// countBase counts the base list's clean entries (the winners of its
// repeats) on Spark, from the Parquet lists.sql wrote at loc, for
// output.BaseCounts. A run without the base list (incremental) counts
// nothing.
func countBase(ctx context.Context, s Session, loc string, lists []sqlFile, out *output) error {
	for _, f := range lists {
		if out.files[f.ID].Load.Date != "" {
			continue
		}
		rows, err := s.Query(ctx, baseCountsSQL(loc, f.ID))
		if err != nil {
			return fmt.Errorf("spark: count the base list: %w", err)
		}
		counts := make([]animetl.StatusCount, 0, len(rows))
		for _, r := range rows {
			c, ok := statusCountOf(r)
			if !ok {
				return fmt.Errorf("spark: count the base list: unexpected row %v", r)
			}
			counts = append(counts, c)
		}
		if out.counts == nil {
			out.counts = map[int16][]animetl.StatusCount{}
		}
		out.counts[f.ID] = counts
	}
	return nil
}

// baseCountsSQL counts the clean entries of file id in the lists' Parquet
// at loc with the warehouses' own text (schema.StatusCounts); a rating of
// 0 is none, as the warehouses store it (NULL). A few thousand rows, collected.
func baseCountsSQL(loc string, id int16) string {
	return schema.StatusCounts(fmt.Sprintf("(SELECT anime_id, watching_status, NULLIF(rating, 0) AS rating FROM parquet.`%s` WHERE outcome = 'entry' AND file_id = %d) base",
		loc, id))
}

func statusCountOf(r []any) (animetl.StatusCount, bool) {
	if len(r) != 5 {
		return animetl.StatusCount{}, false
	}
	var v [5]int64
	for i, x := range r {
		n, ok := x.(int64)
		if !ok {
			return animetl.StatusCount{}, false
		}
		v[i] = n
	}
	return animetl.StatusCount{AnimeID: int32(v[0]), Status: int16(v[1]), Entries: v[2], Ratings: v[3], RatingSum: v[4]}, true
}

// BaseCounts implements animetl.ResolvedOutput: the counts Spark made of
// the base list file f's clean entries, the winners of its repeats.
func (o *output) BaseCounts(f *animetl.FileLoad) ([]animetl.StatusCount, error) {
	c, ok := o.counts[f.ID]
	if !ok {
		return nil, fmt.Errorf("spark: %s: no counts (not the base list, or not transformed)", f.Info.Name)
	}
	return c, nil
}
