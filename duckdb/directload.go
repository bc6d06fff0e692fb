package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

var _ animetl.DirectListLoader = (*stage)(nil)

// LoadListDirect has DuckDB's parallel CSV reader load the clean lines of
// a plain list file (the base into user_anime, a delta into
// scratch.list_load): every line after the header is one record, split on
// commas with no quoting, numbered WITH ORDINALITY; the records d skips
// (the pipeline decodes them) are left out, the others' lines are derived
// from their ordinals and d's blank lines. It then proves the load against
// d: the count, the sum of the lines and two fingerprints of lines and
// values must agree, else it deletes the file's rows and returns an error
// wrapping animetl.ErrDirectMismatch.
func (s *stage) LoadListDirect(ctx context.Context, f *animetl.FileLoad, path string, d animetl.DirectList) error {
	target, file := listTarget(f)
	n := listSeq.Add(1)
	skip := fmt.Sprintf("scratch.direct_skip_%d", n)
	from, err := s.directSkip(ctx, skip, d.Skip)
	if err != nil {
		return err
	}
	defer s.db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+skip) //nolint:errcheck // scratch is thrown away anyway
	cols := make([]string, d.Fields)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	c := func(name, typ string) string { return fmt.Sprintf("CAST(r.c%d AS %s)", d.Pos[name], typ) }
	csv := fmt.Sprintf(`read_csv('%s', header = false, skip = 1, auto_detect = false, delim = ',', quote = '', escape = '',
		new_line = '\n', strict_mode = false, null_padding = true, columns = {%s}) WITH ORDINALITY AS r`,
		sqlString(path), strings.Join(cols, ", "))
	q := fmt.Sprintf(`INSERT INTO %s
		SELECT %s, %s, %s, NULLIF(%s, 0), %s, %s%s
		FROM %s %s`, target,
		c("user_id", "INTEGER"), c("anime_id", "INTEGER"), c("watching_status", "SMALLINT"), c("rating", "SMALLINT"),
		c("watched_episodes", "INTEGER"), file, lineExpr("r.ordinality", d.BlankAfter), csv, from)
	t0 := time.Now()
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("duckdb: read %s: %w", f.Info.Name, animetl.NewStatementError(q, err))
	}
	t1 := time.Now()
	err = s.proveDirect(ctx, f, target, d)
	s.log.Debug("direct list load", animetl.LogFile, f.Info.Name, "skipped", len(d.Skip), "read", t1.Sub(t0), "prove", time.Since(t1))
	return err
}

// directSkip stores the ordinals to skip and returns the anti join that
// leaves them out ("" for none).
func (s *stage) directSkip(ctx context.Context, table string, skip []int64) (string, error) {
	if len(skip) == 0 {
		return "", nil
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s (k BIGINT)", table)); err != nil {
		return "", fmt.Errorf("duckdb: %w", err)
	}
	in := make(chan []int64, 1)
	in <- skip
	close(in)
	cat, name, _ := strings.Cut(table, ".")
	if err := appendAll(ctx, s, cat, name, in, func(a *duck.Appender, k int64) error { return a.AppendRow(k) }); err != nil {
		return "", err
	}
	return fmt.Sprintf("ANTI JOIN %s AS skip ON r.ordinality = skip.k", table), nil
}

// lineExpr maps a record's ordinal k to its line: k + 1 (the header) plus
// the blank lines before it.
func lineExpr(k string, blankAfter []int64) string {
	if len(blankAfter) == 0 {
		return fmt.Sprintf("CAST(%s + 1 AS BIGINT)", k)
	}
	var b strings.Builder
	b.WriteString("CAST(CASE")
	for j, after := range blankAfter {
		fmt.Fprintf(&b, " WHEN %s <= %d THEN %s + %d", k, after, k, j+1)
	}
	fmt.Fprintf(&b, " ELSE %s + %d END AS BIGINT)", k, len(blankAfter)+1)
	return b.String()
}

// proveDirect compares what the reader loaded of f with the scan's count,
// line sum and fingerprints. The base list is the only file in
// user_anime when the reader loads it (its decoded lines follow), so there
// every row is the file's.
func (s *stage) proveDirect(ctx context.Context, f *animetl.FileLoad, target string, d animetl.DirectList) error {
	s1, s2 := dataset.ListSumsSQL("user_id", "anime_id", "coalesce(rating, 0)", "watching_status", "watched_episodes", "line")
	mine := fmt.Sprintf("file_id = %d", f.ID)
	if target == "user_anime" {
		mine = "true"
	}
	q := fmt.Sprintf(`SELECT count(*), coalesce(CAST(sum(line) AS BIGINT), 0), %s, %s
		FROM %s WHERE %s`, s1, s2, target, mine)
	var rows, lineSum int64
	var sums [2]string
	if err := s.db.QueryRowContext(ctx, q).Scan(&rows, &lineSum, &sums[0], &sums[1]); err != nil {
		return fmt.Errorf("duckdb: prove %s: %w", f.Info.Name, animetl.NewStatementError(q, err))
	}
	if rows == d.Rows && lineSum == d.LineSum && sums == d.Sums {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s", target, mine)); err != nil {
		return fmt.Errorf("duckdb: remove %s after a mismatch: %w", f.Info.Name, err)
	}
	return fmt.Errorf("duckdb: %s: %d rows, line sum %d (scan: %d, %d): %w", f.Info.Name, rows, lineSum, d.Rows, d.LineSum, animetl.ErrDirectMismatch)
}
