package dataset

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// TestAnimeArenaRowsStayIntact decodes a catalogue whose rows outgrow the
// arena's chunks many times over (text, strings, values) and holds every
// row until the end: each must equal the same line decoded alone, so no row
// shares or overwrites another's text or values.
func TestAnimeArenaRowsStayIntact(t *testing.T) {
	const n = 1500 // > 512 values a chunk; 1500 rows of ~700 bytes > 64 KiB of text
	var b strings.Builder
	b.WriteString(animeHeader(false) + "\n")
	lines := make([]string, n)
	for i := range n {
		id := strconv.Itoa(i + 1)
		lines[i] = animeLine(-1, map[string]string{
			"MAL_ID": id, "Name": "Name " + id + strings.Repeat("x", i%97),
			"Genres":   fmt.Sprintf("Action, G%d, Unknown, G%d, Drama", i, i%7),
			"Aired":    []string{"Apr 3, 1998 to Apr 24, 1999", "2005", "Oct, 2001 to ?", "Unknown"}[i%4],
			"Members":  strconv.Itoa(i * 3),
			"Score-3":  []string{"12", "Unknown"}[i%2],
			"Duration": []string{"24 min. per ep.", "1 hr. 55 min.", "Unknown"}[i%3],
			"Score":    []string{"8.78", "Unknown", "7.0"}[i%3],
		})
		b.WriteString(lines[i] + "\n")
	}
	d := mustDecode(t, DecodeAnime, animetl.FileAnime, b.String())
	if len(d.Rows) != n || len(d.Rejects) != 0 {
		t.Fatalf("got %d rows and %d rejects, want %d rows", len(d.Rows), len(d.Rejects), n)
	}
	for i, line := range lines {
		alone, rej := decodeAnimeRow(t, line)
		if rej != nil {
			t.Fatalf("line %d alone: %v", i+2, rej)
		}
		got := d.Rows[i]
		got.Line, alone.Line = 0, 0
		if !reflect.DeepEqual(got, *alone) {
			t.Fatalf("row %d\ngot  %s\nwant %s", i, dumpAnime(got), dumpAnime(*alone))
		}
	}
	// Appending to a row's list must not write into the next row's.
	g := d.Rows[0].Genres
	next := append([]string(nil), d.Rows[1].Genres...)
	_ = append(g, "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")
	if !reflect.DeepEqual(d.Rows[1].Genres, next) {
		t.Errorf("appending to row 0's genres changed row 1's: %q", d.Rows[1].Genres)
	}
}

// TestFieldsOf holds fieldsOf and lookupLower to what they replace,
// strings.Fields (after commas became spaces) and a map lookup of
// strings.ToLower, on white space and case past ASCII.
func TestFieldsOf(t *testing.T) {
	for _, s := range []string{
		"", " ", "Apr 3, 1998", "Apr,2005", ",,a,,b,,", "\t2005\v", "a\u00a0b", "a\u0085b", "a\u2003b c",
		"1 hr. 55 min. per ep.", "\xff\xfe 12", "a\u3000,b", "Spring  1998 ",
	} {
		for _, commas := range []bool{false, true} {
			in := s
			if commas {
				in = strings.ReplaceAll(s, ",", " ")
			}
			want := strings.Fields(in)
			var buf [2]string
			got := fieldsOf(buf[:0], s, commas)
			if len(want) == 0 {
				want = nil
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fieldsOf(%q, %v) = %q, want %q", s, commas, got, want)
			}
		}
	}
	for _, k := range []string{"apr", "APR", "Apr", "SePtember", "APRİL", "september1", "ſpring", "SPRING", strings.Repeat("a", 40), ""} {
		for _, m := range []map[string]string{PremieredSeasons(), {"april": "4", "apr": "4", "september": "9"}} {
			want, wok := m[strings.ToLower(k)]
			got, ok := lookupLower(m, k)
			if got != want || ok != wok {
				t.Errorf("lookupLower(%q) = %q, %v, want %q, %v", k, got, ok, want, wok)
			}
		}
	}
}
