package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/animetl/animetl"
)

var _ animetl.ParquetStage = (*stage)(nil)

// IngestListParquet implements animetl.ParquetStage: one INSERT ... SELECT
// from read_parquet into the table LoadList fills (the base into
// user_anime, a delta into scratch.list_load), in the files' order.
func (s *stage) IngestListParquet(ctx context.Context, f *animetl.FileLoad, files []string) (int64, error) {
	if len(files) == 0 {
		return 0, nil
	}
	quoted := make([]string, len(files))
	for i, p := range files {
		quoted[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	target, file := listTarget(f)
	res, err := s.db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s
		SELECT user_id, anime_id, watching_status, NULLIF(rating, 0), watched_episodes, %sline
		FROM read_parquet([%s])`, target, file, strings.Join(quoted, ", ")))
	if err != nil {
		return 0, fmt.Errorf("duckdb: load %s from parquet: %w", f.Info.Name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("duckdb: load %s from parquet: %w", f.Info.Name, err)
	}
	return n, nil
}
