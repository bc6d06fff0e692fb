package animetl

import (
	"context"
	"io"
	"time"
)

// FileInfo describes one source object. Name is relative to the source's
// prefix with forward slashes ("anime.csv",
// "animelist/date=2026-11-28/part-0.csv"); Location is where it was read from,
// for the run record, and never carries credentials or signed query strings.
type FileInfo struct {
	Name     string
	Location string
	Size     int64 // -1 when unknown
	ETag     string
	Version  string
	ModTime  time.Time
}

// Source lists and opens the source files of a run. Implementations stream:
// Open returns a reader over the object's bytes, never a buffered copy.
type Source interface {
	// List returns every object under the source's prefix, sorted by Name.
	List(ctx context.Context) ([]FileInfo, error)
	// Open starts reading one object named as List names it. The reader fails
	// with an error (never a silent short read) if the object cannot be read whole.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// String names the source for logs and the run record, without secrets.
	String() string
}

// Described is implemented by the readers of sources that learn more about
// an object when opening it than when listing it (the version id an S3 read
// is pinned to). The pipeline records what Described returns.
type Described interface {
	Described() FileInfo
}

// CompressedSuffixes are the name endings of compressed source files, which
// a run reads as if they were the file without the ending: gzip and zstd
// ("anime.csv.gz", "animelist/date=2026-11-28/part-0.csv.zst").
var CompressedSuffixes = []string{".gz", ".zst"}
