package animetl

import "context"

// ListParquetColumns are the columns, in order, of the Parquet in which a
// ParquetOutput hands over a list file's clean entries: user_id INT32,
// anime_id INT32, watching_status INT16, rating INT16 (0: none, as in
// ListEntry), watched_episodes INT32 and line INT64 (the physical line the
// entry starts on).
var ListParquetColumns = []string{"user_id", "anime_id", "watching_status", "rating", "watched_episodes", "line"}

// ParquetStage is a Stage that ingests a list file's clean entries from
// finished Parquet, whole and inside the database, so that no row crosses
// Go: the file-level counterpart of LoadList, for engines that write their
// output as Parquet. The pipeline uses it when the ListOutput is a
// ParquetOutput, else LoadList.
type ParquetStage interface {
	Stage
	// IngestListParquet loads the rows of files (local paths, columns
	// ListParquetColumns) as f's entries, where LoadList would put them,
	// and returns the number of rows loaded. An empty files loads nothing.
	IngestListParquet(ctx context.Context, f *FileLoad, files []string) (int64, error)
}

// ParquetOutput is a ListOutput that hands a list file's clean entries over
// as Parquet files instead of streaming them.
type ParquetOutput interface {
	ListOutput
	// ListParquet is Read for a list file without the entries: it streams
	// f's rejects and duplicates to reject and returns the local Parquet
	// files holding its clean entries (columns ListParquetColumns, in line
	// order; none when it has none), how many entries they hold, and the
	// number of records read after the header. The files live until Close.
	ListParquet(ctx context.Context, f *FileLoad, reject func(*RowError) error) (files []string, entries, rows int64, err error)
}
