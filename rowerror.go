package animetl

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// RejectKind says why a source line did not become a row of the warehouse.
type RejectKind string

// The reject kinds. A duplicate is an identical repeat of an earlier line and
// loses nothing; a reject is a line that could not be decoded or cleaned, or
// that conflicts with an earlier line of the same key.
const (
	KindReject    RejectKind = "reject"
	KindDuplicate RejectKind = "duplicate"
)

// MaxRawBytes bounds the raw text kept with a reject. Longer raw records are
// cut at a rune boundary and end with a mark saying how long they were
// ("…[cut, 2000000 bytes]"), so neither a runaway quoted field nor a million
// long bad lines can blow up the reject table or a warehouse's memory.
const MaxRawBytes = 4 << 10

// MaxRawText bounds the length of a raw text as stored: MaxRawBytes plus
// the cut mark.
const MaxRawText = MaxRawBytes + len(rawCutMark) + 20

// rawCutMark ends a raw text that was cut to MaxRawBytes; %d is the length
// of the whole raw record in bytes.
const rawCutMark = "…[cut, %d bytes]"

// RowError is a bad source line: data, not an exception. It is counted in the
// run, stored in etl_reject with its file, line and reason, and the run goes on.
type RowError struct {
	File   string
	Line   int64
	Column string // the offending column, empty when the whole line is at fault
	Reason string
	Raw    string
	Kind   RejectKind
}

// Error implements error so a RowError can travel through error-returning
// helpers; callers route it to the reject sink rather than failing.
func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// ClipRaw returns raw cut to MaxRawBytes at a rune boundary, marked when cut,
// and with invalid UTF-8 and NUL bytes replaced by U+FFFD so every warehouse
// accepts it as text.
func ClipRaw(raw []byte) string {
	return ClipRawHead(raw, len(raw))
}

// ClipRawHead is ClipRaw of a raw record of whole bytes of which only the
// head is at hand: at least its first MaxRawBytes+1 bytes when it is
// longer than MaxRawBytes (an engine that ships only the start of a long
// rejected line gives the same text as ClipRaw of the whole line).
func ClipRawHead(raw []byte, whole int) string {
	cut := false
	if whole > MaxRawBytes && len(raw) > MaxRawBytes {
		n := MaxRawBytes
		for n > 0 && !utf8.RuneStart(raw[n]) {
			n-- // back to the start of the rune that straddles the limit
		}
		raw = raw[:n]
		cut = true
	}
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if cut {
		s += fmt.Sprintf(rawCutMark, whole)
	}
	return s
}

// ListRepeat is the reject of a later line of a list key within a file
// (user_id, anime_id, the values as the entry holds them, a missing rating
// as 0), worded as the warehouses' repeats SQL (schema/sql/repeats.sql)
// words it, so that every engine that resolves repeats records the same
// row: a duplicate when same (status, rating and episodes equal the first
// line's), else a conflicting repeat of the key; the raw text is rebuilt
// from the values.
func ListRepeat(file string, line, firstLine int64, user, anime, rating, status, episodes int64, same bool) RowError {
	raw := fmt.Sprintf("%d,%d,%d,%d,%d", user, anime, rating, status, episodes)
	if same {
		return RowError{File: file, Line: line, Kind: KindDuplicate, Raw: raw,
			Reason: fmt.Sprintf("duplicate of line %d (user_id %d, anime_id %d)", firstLine, user, anime)}
	}
	return RowError{File: file, Line: line, Kind: KindReject, Column: "user_id,anime_id", Raw: raw,
		Reason: fmt.Sprintf("conflicting repeat of (user_id %d, anime_id %d) first seen at line %d", user, anime, firstLine)}
}
