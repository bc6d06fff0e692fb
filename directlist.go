package animetl

import (
	"context"
	"errors"
)

// ErrDirectMismatch says a warehouse's own reading of a list file did not
// agree with the pipeline's scan of the same file (its rows, their lines
// or their values differ): the warehouse removed what it loaded of the
// file, and the pipeline decodes the file itself instead.
var ErrDirectMismatch = errors.New("the warehouse's reading of the file disagrees with the scan")

// LocalFiles is implemented by sources whose files are plain files on the
// local file system, so that a warehouse in this process can read them
// itself (DuckDB's parallel CSV reader).
type LocalFiles interface {
	// LocalPath returns the path of the file a listing of this source
	// returned as f, and false for any other FileInfo.
	LocalPath(f FileInfo) (string, bool)
}

// DirectListLoader is implemented by stages that read the clean lines of a
// plain list file themselves, in bulk, while the pipeline decodes the rest
// (the lines its scan found anything but clean) and accounts for every line.
type DirectListLoader interface {
	// LoadListDirect loads the data lines of the list file at path that d
	// does not skip, as LoadList would load them, then proves them against
	// d (count, line numbers and values). On a disagreement it removes what
	// it loaded of f and returns an error wrapping ErrDirectMismatch.
	LoadListDirect(ctx context.Context, f *FileLoad, path string, d DirectList) error
}

// DirectList is what a pipeline's scan of a plain list file tells the
// warehouse that reads it: the file's LF lines, its header first, split
// on commas with no quoting, every non-blank line after the header one
// record numbered by its ordinal from 1 (blank lines have none).
type DirectList struct {
	// Fields is the header's field count; Pos maps the list columns
	// (user_id, anime_id, rating, watching_status, watched_episodes) to
	// their field index from 0.
	Fields int
	Pos    map[string]int
	// Skip are the ordinals, ascending, of the records the pipeline decodes
	// itself; the others are clean: decimal digits within the list rules.
	Skip []int64
	// BlankAfter are, for each blank line in file order, the number of
	// records before it: record k is on line k + 1 + (blank lines with
	// BlankAfter < k).
	BlankAfter []int64
	// Rows is the number of clean records, LineSum the sum of their lines;
	// Sums fingerprint them with their lines, as decimal text (see
	// dataset.ListSums).
	Rows, LineSum int64
	Sums          [2]string
}

// KeyOrderLoader is implemented by stages that load a list faster when each
// user's entries come in key order: the pipeline then orders, within every
// block it decodes (and so every batch it sends to LoadList), each user's
// run of entries by anime id (repeated keys keep their file order, and
// every entry its line). PostgreSQL builds its key index from the heap the
// load wrote, and sorts rows that lie nearly in key order faster.
type KeyOrderLoader interface {
	// LoadsInKeyOrder reports whether LoadList wants its entries so.
	LoadsInKeyOrder() bool
}
