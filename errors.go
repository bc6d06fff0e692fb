package animetl

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors callers inspect with errors.Is. Adapters wrap them with
// context ("s3: list s3://b/p: missing anime.csv: %w").
var (
	// ErrMissingFile means a required source file is absent; the run fails
	// before loading anything.
	ErrMissingFile = errors.New("required source file missing")
	// ErrSourceLayout means the source holds an entry that cannot be read as
	// it stands: a file present both plain and compressed, a delta folder of
	// a date that does not exist, a link that leads out of the source folder.
	// The message names the entries; the run fails before loading anything.
	ErrSourceLayout = errors.New("bad source layout")
	// ErrHeader means a file's header lacks a required column or cannot be read.
	ErrHeader = errors.New("bad header")
	// ErrNoRows means a base file without which a run means nothing
	// (anime.csv, watching_status.csv, the base animelist.csv) has a header
	// and no data rows; the run fails naming the file. Empty delta files and
	// an empty anime_with_synopsis.csv are fine.
	ErrNoRows = errors.New("no data rows")
	// ErrChecks means a quality check of error severity failed; nothing was published.
	ErrChecks = errors.New("quality check failed")
	// ErrLocked means another run holds the warehouse's run lock.
	ErrLocked = errors.New("warehouse locked by another run")
	// ErrNotFound means the warehouse has no published data yet.
	ErrNotFound = errors.New("not found")
	// ErrReadOnly means a statement given to a read-only query would write,
	// change a setting, or reach outside the warehouse; it did not run.
	ErrReadOnly = errors.New("read-only: only a single SELECT may run")
	// ErrConfig means a setting is invalid; the message names the field and value.
	ErrConfig = errors.New("invalid configuration")
)

// MaxExcerptBytes bounds a piece of input quoted in an error or a reject
// reason: a hostile file (a header that is the whole file, a runaway field)
// must not paste itself into stderr and the run ledger.
const MaxExcerptBytes = 200

// MaxErrorBytes bounds a run's error as stored in etl_run.error and printed
// in the summary.
const MaxErrorBytes = 2 << 10

// ClipMark ends a text that Excerpt, FirstLine or OneLine cut short.
const ClipMark = "…"

// Excerpt quotes input for an error message or a reject reason: Go-quoted
// (so control bytes, NULs and invalid UTF-8 show as escapes), cut at a rune
// boundary so that the quoted text stays within MaxExcerptBytes (plus its
// quotes), and followed by ClipMark when cut.
func Excerpt[T ~string | ~[]byte](b T) string {
	s := string(b)
	for n := MaxExcerptBytes; ; n /= 2 {
		c, cut := cutAt(s, n)
		q := strconv.Quote(c)
		if len(q) <= MaxExcerptBytes+2 || n < 8 {
			if cut {
				q += ClipMark
			}
			return q
		}
	}
}

// OneLine presents err as one line of at most MaxErrorBytes: its first line,
// cut at a rune boundary and marked with ClipMark when cut. A run's error
// goes through it before it is printed or stored in etl_run.error, so a
// driver's multi-line message (DuckDB's "Possible solutions" or "LINE 1:"
// lines) cannot flood either. errors.Is and errors.As see through it; nil
// stays nil.
func OneLine(err error) error {
	if err == nil {
		return nil
	}
	return &oneLineError{err: err}
}

type oneLineError struct{ err error }

func (e *oneLineError) Error() string {
	return FirstLine(e.err.Error(), MaxErrorBytes-len(ClipMark))
}

func (e *oneLineError) Unwrap() error { return e.err }

// cutAt cuts s to at most n bytes at a rune boundary and says whether it did.
func cutAt(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
