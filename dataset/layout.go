package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/animetl/animetl"
)

// IntRule is the cleaning rule of an integer column of the list files: the
// trimmed text is a decimal integer (or integral decimal text such as
// "28.0") from Min to Max.
type IntRule struct {
	Column   string
	Min, Max int64
}

// ListRules are the rules of animelist.csv's columns, in the order the
// decoder checks them: a line is rejected for the first column that fails.
var ListRules = []IntRule{
	{"user_id", 0, maxInt32},
	{"anime_id", 1, maxInt32},
	{"rating", 0, 10},
	{"watching_status", 0, math.MaxInt16},
	{"watched_episodes", 0, maxInt32},
}

// DeleteRules are the rules of a deletes file's columns, in order.
var DeleteRules = []IntRule{
	{"user_id", 0, maxInt32},
	{"anime_id", 1, maxInt32},
}

// IntReason applies an integer rule to one field's text as the decoders do
// and returns the reason it fails ("not an integer: \"abc\""), or "" when
// the text passes. Engines that clean the list files elsewhere (Spark) word
// their rejects with it, so the reasons are the decoders' own.
func IntReason(r IntRule, value []byte) string {
	if _, err := parseInt(r.Column, value, r.Min, r.Max); err != nil {
		return err.reason
	}
	return ""
}

// ListLayout is what the header of a list or deletes file says: the field
// count of its records and where each column is.
type ListLayout struct {
	// Plain is true for UTF-8 text (with or without BOM) whose first line
	// ends in LF or CRLF; UTF-16 and CR-only files are not Plain (only the
	// decoders transcode them), and then the other fields are unset.
	Plain bool
	// Fields is the number of fields of the header, which every record
	// must have.
	Fields int
	// Pos maps each rule's column (ListRules or DeleteRules) to its field
	// index from 0.
	Pos map[string]int
	// Ignored lists the header's columns the layout does not know, as
	// Result.Ignored does.
	Ignored []string
}

// ReadListLayout reads the header of a list file (kind KindAnimeList) or a
// deletes file (KindListDelete) from the start of r and maps it as the
// decoders do; it reads no further than the header line. Errors wrap
// animetl.ErrHeader for a missing or bad header.
func ReadListLayout(r io.Reader, file string, kind animetl.Kind) (ListLayout, error) {
	spec, rules := animeListSpec, ListRules
	if kind == animetl.KindListDelete {
		spec, rules = listDeleteSpec, DeleteRules
	}
	var lay ListLayout
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := peek(br)
	if err != nil {
		return lay, fmt.Errorf("%s: %w", file, err)
	}
	if utf16Decoder(head) != nil || crOnly(head) {
		return lay, nil
	}
	line, err := readHeaderLine(br)
	if err != nil {
		return lay, fmt.Errorf("%s: %w", file, err)
	}
	if line == nil {
		return lay, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	hr := NewReader(bytes.NewReader(line))
	hr.SingleLine = spec.singleLine
	rec, err := hr.Next()
	if err != nil {
		return lay, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	h, err := mapHeader(file, rec, spec)
	if err != nil {
		return lay, err
	}
	lay = ListLayout{Plain: true, Fields: h.n, Pos: map[string]int{}, Ignored: h.extra}
	for _, r := range rules {
		lay.Pos[r.Column] = h.col(r.Column)
	}
	return lay, nil
}
