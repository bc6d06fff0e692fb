package animetl

import (
	"context"
	"io"
	"time"
)

// FileInfo describes one source object as a listing saw it. Name is
// relative to the source's prefix with forward slashes ("anime.csv",
// "animelist/date=2026-11-28/part-0.csv"); Location is where it was read from,
// for the run record, and never carries credentials or signed query strings.
//
// A FileInfo is what Source.Open reads: it carries everything the source
// needs to read the object the listing saw, so the Source itself keeps no
// state from one listing to the next.
type FileInfo struct {
	Name     string
	Location string
	Size     int64 // -1 when unknown
	ETag     string
	Version  string
	ModTime  time.Time
	// Pin is what the source that listed the object needs, beyond the fields
	// above, to read exactly what it listed: the path a folder's link led to,
	// an HTTP server's validator as sent and whether it serves byte ranges.
	// Only that source reads it; it never holds a secret and is not recorded.
	// Nil when the source needs nothing more.
	Pin any
}

// Source lists and opens the source files of a run. Implementations stream:
// Open returns a reader over the object's bytes, never a buffered copy.
//
// A Source holds only its configuration: List returns what it saw and Open
// reads what it is given, so one Source serves any number of runs, in turn
// or at once, and nothing carries from one run to the next.
type Source interface {
	// List returns every object under the source's prefix, sorted by Name.
	List(ctx context.Context) ([]FileInfo, error)
	// Open starts reading the object f describes, normally a FileInfo List
	// returned, even from an older listing: it reads what that listing saw
	// (pinned to its ETag where the source has one), and fails, naming the
	// object, when that has changed and the source can tell. A FileInfo with
	// only a Name and Size -1 reads whatever the source holds under that name
	// now. The reader fails with an error (never a silent short read) if the
	// object cannot be read whole.
	Open(ctx context.Context, f FileInfo) (io.ReadCloser, error)
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
