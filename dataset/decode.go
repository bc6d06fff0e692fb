package dataset

import (
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/animetl/animetl"
)

// Result says what a decoder read from one file.
type Result struct {
	// Rows counts the records after the header: every one was either passed
	// to emit or to reject.
	Rows int64
	// Indexed is true for the pandas layout with a leading index column.
	Indexed bool
	// Ignored lists header columns the file has and its layout does not know,
	// by name, or as "#N (no name)" for an empty header other than the first
	// (the expected index column of the indexed layout, never listed).
	Ignored []string
}

// cleaner turns a well-formed record (right field count) into a typed value.
type cleaner[T any] interface {
	clean(rec *Record) (T, *fieldError)
}

// DecodeAnime streams anime.csv: every record after the header goes to emit
// as a cleaned animetl.Anime or to reject as an animetl.RowError. The error
// is an I/O error, a header error (wrapping animetl.ErrHeader), or the first
// error emit or reject returned. UTF-16 input is transcoded and CR-only line
// ends are read as LF (see openText).
//
// A repeated MAL_ID is a duplicate when the cleaned rows are identical and a
// conflicting repeat (rejected) otherwise; the first occurrence is emitted.
func DecodeAnime(r io.Reader, file string, emit func(animetl.Anime) error, reject func(*animetl.RowError) error) (Result, error) {
	rep := NewRepeats(file, "MAL_ID", func(a, b animetl.Anime) bool {
		a.Line, b.Line = 0, 0
		return reflect.DeepEqual(a, b)
	})
	return decode(r, file, animeSpec, newAnimeCleaner, keyed(rep, func(a animetl.Anime) (int64, int64) { return int64(a.ID), a.Line }), emit, reject)
}

// DecodeAnimeList streams animelist.csv or a delta file of its layout; see DecodeAnime.
// Repeated (user_id, anime_id) pairs are left to the warehouse, which finds
// them without holding every key in memory.
func DecodeAnimeList(r io.Reader, file string, emit func(animetl.ListEntry) error, reject func(*animetl.RowError) error) (Result, error) {
	return decode(r, file, animeListSpec, newListCleaner, nil, emit, reject)
}

// DecodeWatchingStatus streams watching_status.csv; see DecodeAnime.
// A repeated status code is handled as in DecodeAnime.
func DecodeWatchingStatus(r io.Reader, file string, emit func(animetl.WatchingStatus) error, reject func(*animetl.RowError) error) (Result, error) {
	rep := NewRepeats(file, "status", func(a, b animetl.WatchingStatus) bool {
		return a.Status == b.Status && a.Description == b.Description
	})
	return decode(r, file, statusSpec, newStatusCleaner, keyed(rep, func(s animetl.WatchingStatus) (int64, int64) { return int64(s.Status), s.Line }), emit, reject)
}

// DecodeSynopsis streams anime_with_synopsis.csv; see DecodeAnime.
// A repeated MAL_ID is handled as in DecodeAnime.
func DecodeSynopsis(r io.Reader, file string, emit func(animetl.Synopsis) error, reject func(*animetl.RowError) error) (Result, error) {
	rep := NewRepeats(file, "MAL_ID", func(a, b animetl.Synopsis) bool {
		a.Line, b.Line = 0, 0
		return reflect.DeepEqual(a, b)
	})
	return decode(r, file, synopsisSpec, newSynopsisCleaner, keyed(rep, func(s animetl.Synopsis) (int64, int64) { return int64(s.AnimeID), s.Line }), emit, reject)
}

// keyed adapts a Repeats to the repeat hook of decode.
func keyed[T any](rep *Repeats[T], key func(T) (k, line int64)) func(T, *Record) *animetl.RowError {
	return func(v T, rec *Record) *animetl.RowError {
		k, line := key(v)
		return rep.Check(k, v, line, rec.Raw) // clipped only for a repeat
	}
}

func decode[T any, C cleaner[T]](r io.Reader, file string, spec fileSpec, mk func(*header) C,
	repeat func(T, *Record) *animetl.RowError, emit func(T) error, reject func(*animetl.RowError) error) (Result, error) {
	var res Result
	br, err := openText(r, readerBufSize)
	if err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	rd := NewReader(br)
	rd.SingleLine = spec.singleLine // the header too
	rec, err := rd.Next()
	if errors.Is(err, io.EOF) {
		return res, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	h, err := mapHeader(file, rec, spec)
	if err != nil {
		return res, err
	}
	res.Indexed, res.Ignored = h.indexed, h.extra
	rd.FieldsPerRecord = h.n
	c := mk(h)
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", file, err)
		}
		res.Rows++
		v, ferr := cleanRecord[T](rec, h.n, c)
		if ferr != nil {
			if err := reject(NewRowError(file, rec, ferr.column, ferr.reason)); err != nil {
				return res, err
			}
			continue
		}
		if repeat != nil {
			if rerr := repeat(v, rec); rerr != nil {
				if err := reject(rerr); err != nil {
					return res, err
				}
				continue
			}
		}
		if err := emit(v); err != nil {
			return res, err
		}
	}
}

// cleanRecord turns one record into a clean value, or says why it cannot:
// the reader's problem, a wrong field count, or the cleaner's verdict.
func cleanRecord[T any, C cleaner[T]](rec *Record, fields int, c C) (T, *fieldError) {
	var zero T
	switch {
	case rec.Problem != "":
		return zero, &fieldError{reason: rec.Problem}
	case len(rec.Fields) != fields:
		return zero, &fieldError{reason: fmt.Sprintf("expected %d fields, got %d", fields, len(rec.Fields))}
	}
	return c.clean(rec)
}

// NewRowError builds the reject of a record, copying its raw text.
func NewRowError(file string, rec *Record, column, reason string) *animetl.RowError {
	return &animetl.RowError{
		File:   file,
		Line:   rec.Line,
		Column: column,
		Reason: reason,
		Raw:    animetl.ClipRaw(rec.Raw),
		Kind:   animetl.KindReject,
	}
}
