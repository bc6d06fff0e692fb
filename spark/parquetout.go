package spark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/animetl/animetl"
)

var _ animetl.ParquetOutput = (*output)(nil)

// ListParquet implements animetl.ParquetOutput: the in-memory DuckDB
// writes f's clean entries, with their line numbers and in line order, as
// one Parquet file of animetl.ListParquetColumns under the run's stage
// folder (a local pass, no row crossing Go), then streams f's rejects as
// Read does.
func (o *output) ListParquet(ctx context.Context, f *animetl.FileLoad, reject func(*animetl.RowError) error) ([]string, int64, int64, error) {
	if lf, ok := o.files[f.ID]; !ok || lf.Load.Kind != animetl.KindAnimeList {
		return nil, 0, 0, fmt.Errorf("spark: %s was not transformed as a list file", f.Info.Name)
	}
	db, err := o.open(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	var files []string
	var clean int64
	if src := o.parquet("lists", "entry"); src != "" {
		dir := filepath.Join(o.dir, "ingest")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, 0, 0, fmt.Errorf("spark: %s: %w", f.Info.Name, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("file-%d.parquet", f.ID))
		res, err := db.ExecContext(ctx, fmt.Sprintf(`COPY (
			SELECT t.user_id, t.anime_id, t.watching_status, t.rating, t.watched_episodes, `+lineExpr+` AS line
			FROM %s t JOIN offs o ON o.file_id = t.file_id AND o.block = t.block
			WHERE t.file_id = %d ORDER BY line) TO %s (FORMAT parquet)`, src, f.ID, duckString(path)))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("spark: write %s entries: %w", f.Info.Name, err)
		}
		if clean, err = res.RowsAffected(); err != nil {
			return nil, 0, 0, fmt.Errorf("spark: write %s entries: %w", f.Info.Name, err)
		}
		if clean > 0 {
			files = append(files, path)
		}
	}
	rejected, err := o.readRejects(ctx, db, f, "lists", reject)
	if err != nil {
		return nil, 0, 0, err
	}
	rows := o.lines(f.ID) - 1 // the header
	if rows < 0 {
		return nil, 0, 0, fmt.Errorf("spark: %s: Spark read no line, not even the header", f.Info.Name)
	}
	if clean+rejected != rows {
		return nil, 0, 0, fmt.Errorf("spark: %s: read %d records, yet %d clean and %d rejected", f.Info.Name, rows, clean, rejected)
	}
	return files, clean, rows, nil
}
