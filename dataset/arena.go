package dataset

import (
	"bytes"
	"time"
	"unsafe"

	"github.com/animetl/animetl"
)

// arena holds the text and the optional values of the rows one cleaner
// makes, in chunks. A catalogue row has about fifty of them (names, tags,
// counts, votes, dates); made one allocation each, they cost the anime
// decoder 56 allocations a row and most of its time in the allocator and
// the garbage collector. A chunk lives as long as any row made from it, so
// the arena suits files whose rows are kept together anyway (the catalogue:
// its repeat check holds every row); the list's cleaner does not use it.
//
// Text is copied into byte chunks and handed out as strings over them
// (unsafe.String, as strings.Builder does): the arena only ever appends
// past what it handed out and never writes a byte of a chunk twice, so the
// strings are immutable like any other.
type arena struct {
	buf    []byte
	lists  []string // the items of list columns
	strs   []string // the targets of *string
	i32    []int32
	i16    []int16
	f64    []float64
	scores []animetl.Score
	times  []time.Time
}

const (
	arenaTextChunk = 64 << 10
	arenaChunk     = 512
)

// str returns b as a string held by the arena.
func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(arenaTextChunk, len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}

// strings returns an empty slice with room for n strings, held by the
// arena (a full slice expression: appending past n reallocates instead of
// writing over the next row's).
func (a *arena) strings(n int) []string {
	if n > arenaChunk {
		return make([]string, 0, n)
	}
	if cap(a.lists)-len(a.lists) < n {
		a.lists = make([]string, 0, arenaChunk)
	}
	start := len(a.lists)
	a.lists = a.lists[:start+n]
	return a.lists[start : start : start+n]
}

// put stores v in the chunk *free and returns a pointer to it.
func put[T any](free *[]T, v T) *T {
	if len(*free) == cap(*free) {
		*free = make([]T, 0, arenaChunk)
	}
	*free = append(*free, v)
	return &(*free)[len(*free)-1]
}

// text is text (fields.go) with the string held by the arena.
func (a *arena) text(column string, b []byte) (*string, *fieldError) {
	v, err := textBytes(column, b)
	if v == nil {
		return nil, err
	}
	return put(&a.strs, a.str(v)), nil
}

// optInt is optInt (fields.go) with the value held by the arena.
func (a *arena) optInt(column string, b []byte, min, max int64) (*int32, *fieldError) {
	v, ok, err := optIntValue(column, b, min, max)
	if !ok {
		return nil, err
	}
	return put(&a.i32, v), nil
}

// list is list (fields.go) with the items and their slice held by the arena.
func (a *arena) list(column string, b []byte) ([]string, *fieldError) {
	b, err := textBytes(column, b)
	if b == nil {
		return nil, err
	}
	return splitList(b, a.strings(bytes.Count(b, comma)+1), a.str), nil
}
