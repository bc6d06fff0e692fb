package dataset

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// decoder is the shape shared by the four Decode functions.
type decoder[T any] func(io.Reader, string, func(T) error, func(*animetl.RowError) error) (Result, error)

// decoded is everything one decoder run produced.
type decoded[T any] struct {
	Res     Result
	Rows    []T
	Rejects []*animetl.RowError
}

// decodeAll runs dec over data and collects what it emits and rejects.
func decodeAll[T any](dec decoder[T], file string, data []byte) (decoded[T], error) {
	var d decoded[T]
	var err error
	d.Res, err = dec(bytes.NewReader(data), file,
		func(v T) error { d.Rows = append(d.Rows, v); return nil },
		func(e *animetl.RowError) error { d.Rejects = append(d.Rejects, e); return nil })
	return d, err
}

// mustDecode is decodeAll failing the test on an error, and checking the
// invariants every run must keep: every row after the header is emitted or
// rejected, and every reject names its file, line, reason, raw text and kind.
func mustDecode[T any](tb testing.TB, dec decoder[T], file, data string) decoded[T] {
	tb.Helper()
	d, err := decodeAll(dec, file, []byte(data))
	if err != nil {
		tb.Fatalf("decode %s: %v", file, err)
	}
	checkInvariants(tb, file, d)
	return d
}

func checkInvariants[T any](tb testing.TB, file string, d decoded[T]) {
	tb.Helper()
	if got := int64(len(d.Rows) + len(d.Rejects)); got != d.Res.Rows {
		tb.Errorf("%s: Rows = %d, emitted %d + rejected %d = %d", file, d.Res.Rows, len(d.Rows), len(d.Rejects), got)
	}
	for _, e := range d.Rejects {
		if e.File != file || e.Line < 2 || e.Reason == "" {
			tb.Errorf("%s: incomplete reject %+v", file, e)
		}
		if e.Kind != animetl.KindReject && e.Kind != animetl.KindDuplicate {
			tb.Errorf("%s: reject of line %d has kind %q", file, e.Line, e.Kind)
		}
	}
}

// csvField quotes a value the way pandas does (QUOTE_MINIMAL).
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// csvLine joins values into one CSV line without terminator.
func csvLine(values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = csvField(v)
	}
	return strings.Join(q, ",")
}

// bebop is a valid anime.csv row (Cowboy Bebop as the real file has it),
// keyed by column.
func bebop() map[string]string {
	return map[string]string{
		"MAL_ID": "1", "Name": "Cowboy Bebop", "Score": "8.78",
		"Genres":       "Action, Adventure, Comedy, Drama, Sci-Fi, Space",
		"English name": "Cowboy Bebop", "Japanese name": "カウボーイビバップ", "Type": "TV",
		"Episodes": "26", "Aired": "Apr 3, 1998 to Apr 24, 1999", "Premiered": "Spring 1998",
		"Producers": "Bandai Visual", "Licensors": "Funimation, Bandai Entertainment",
		"Studios": "Sunrise", "Source": "Original", "Duration": "24 min. per ep.",
		"Rating": "R - 17+ (violence & profanity)", "Ranked": "28.0", "Popularity": "39",
		"Members": "1251960", "Favorites": "61971", "Watching": "105808", "Completed": "718161",
		"On-Hold": "71513", "Dropped": "26678", "Plan to Watch": "329800",
		"Score-10": "229170.0", "Score-9": "182126.0", "Score-8": "131625.0", "Score-7": "62330.0",
		"Score-6": "20688.0", "Score-5": "8904.0", "Score-4": "3184.0", "Score-3": "1357.0",
		"Score-2": "741.0", "Score-1": "1580.0",
	}
}

// animeLine renders a bebop row with the given columns replaced, in the
// column order of AnimeColumns, with an index column when index >= 0.
func animeLine(index int, set map[string]string) string {
	row := bebop()
	for k, v := range set {
		row[k] = v
	}
	vals := make([]string, 0, len(AnimeColumns)+1)
	if index >= 0 {
		vals = append(vals, strconv.Itoa(index))
	}
	for _, c := range AnimeColumns {
		vals = append(vals, row[c])
	}
	return csvLine(vals...)
}

// animeHeader is the anime.csv header, with the empty index column when indexed.
func animeHeader(indexed bool) string {
	h := strings.Join(AnimeColumns, ",")
	if indexed {
		return "," + h
	}
	return h
}

func ptr[T any](v T) *T { return &v }

// deref renders a pointer for messages.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
