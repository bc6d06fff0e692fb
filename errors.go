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
	// ErrHeader means a file's header lacks a required column or cannot be read.
	ErrHeader = errors.New("bad header")
	// ErrChecks means a quality check of error severity failed; nothing was published.
	ErrChecks = errors.New("quality check failed")
	// ErrLocked means another run holds the warehouse's run lock.
	ErrLocked = errors.New("warehouse locked by another run")
	// ErrNotFound means the warehouse has no published data yet.
	ErrNotFound = errors.New("not found")
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

// ClipMark ends a text that Excerpt or ClipError cut short.
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

// ClipError bounds an error message to MaxErrorBytes, cut at a rune
// boundary and marked with ClipMark, for the run ledger and the summary.
func ClipError(msg string) string {
	s, cut := cutAt(msg, MaxErrorBytes-len(ClipMark))
	if cut {
		s += ClipMark
	}
	return s
}

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
