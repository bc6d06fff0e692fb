package dataset

import (
	"fmt"

	"github.com/animetl/animetl"
)

// Repeats finds repeated keys in the small files (catalogue, synopses,
// status lookup), where holding every key in memory is cheap. The first
// occurrence of a key wins; an identical repeat is a duplicate, a different
// one is a conflicting repeat and is rejected. The fact file is deduplicated
// in the warehouse instead, where its keys live.
type Repeats[T any] struct {
	file  string
	what  string
	same  func(a, b T) bool
	first map[int64]seen[T]
}

type seen[T any] struct {
	line int64
	v    T
}

// NewRepeats returns a Repeats for file; what names the key ("MAL_ID") and
// same compares two records ignoring their line numbers.
func NewRepeats[T any](file, what string, same func(a, b T) bool) *Repeats[T] {
	return &Repeats[T]{file: file, what: what, same: same, first: map[int64]seen[T]{}}
}

// Check records v under key and returns nil for a first occurrence, or the
// RowError of a repeat (Kind duplicate or reject). raw is the record as read,
// clipped (animetl.ClipRaw) into the RowError of a repeat only.
func (r *Repeats[T]) Check(key int64, v T, line int64, raw []byte) *animetl.RowError {
	prev, ok := r.first[key]
	if !ok {
		r.first[key] = seen[T]{line: line, v: v}
		return nil
	}
	e := &animetl.RowError{File: r.file, Line: line, Column: r.what, Raw: animetl.ClipRaw(raw)}
	e.Kind, e.Reason = RepeatReason(r.what, key, prev.line, r.same(prev.v, v))
	return e
}

// RepeatReason words the repeat of a key first seen at line first: a
// duplicate when identical (the record is counted, not loaded), else a
// conflicting repeat (rejected). Engines that find repeats elsewhere
// (Spark) word theirs with it, so the reasons are the decoders' own.
func RepeatReason(what string, key, first int64, identical bool) (animetl.RejectKind, string) {
	if identical {
		return animetl.KindDuplicate, fmt.Sprintf("duplicate of line %d (%s %d)", first, what, key)
	}
	return animetl.KindReject, fmt.Sprintf("conflicting repeat of %s %d first seen at line %d", what, key, first)
}
