package dataset

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// anyDecoder is a decoder with its row type erased, so one table can cover
// the four files.
type anyDecoder func(data []byte) (res Result, emitted int, rejects []*animetl.RowError, err error)

func erase[T any](dec decoder[T], file string) anyDecoder {
	return func(data []byte) (Result, int, []*animetl.RowError, error) {
		d, err := decodeAll(dec, file, data)
		return d.Res, len(d.Rows), d.Rejects, err
	}
}

// sourceFile is one of the four files with a valid sample: its header in the
// public layout and data lines matching it.
type sourceFile struct {
	file    string
	dec     anyDecoder
	columns []string // every column of the public header, in order
	header  string
	rows    []string
}

func sourceFiles() []sourceFile {
	return []sourceFile{
		{
			file: animetl.FileAnime, dec: erase(DecodeAnime, animetl.FileAnime), columns: AnimeColumns,
			header: animeHeader(false),
			rows:   []string{animeLine(-1, nil), animeLine(-1, map[string]string{"MAL_ID": "5", "Name": "Cowboy Bebop: Tengoku no Tobira"})},
		},
		{
			file: animetl.FileAnimeList, dec: erase(DecodeAnimeList, animetl.FileAnimeList), columns: AnimeListColumns,
			header: "user_id,anime_id,rating,watching_status,watched_episodes",
			rows:   []string{"0,67,9,1,1", "0,6702,7,1,4"},
		},
		{
			file: animetl.FileWatchingStatus, dec: erase(DecodeWatchingStatus, animetl.FileWatchingStatus), columns: []string{"status", " description"},
			header: "status, description",
			rows:   []string{"1,Currently Watching", "2,Completed"},
		},
		{
			file: animetl.FileSynopsis, dec: erase(DecodeSynopsis, animetl.FileSynopsis), columns: SynopsisColumns,
			header: "MAL_ID,Name,Score,Genres,sypnopsis",
			rows: []string{
				`1,Cowboy Bebop,8.78,"Action, Adventure","In the year 2071, humanity has colonized... ""Bebop"""`,
				`5,Cowboy Bebop: Tengoku no Tobira,8.39,"Action, Drama","Another day, another bounty."`,
			},
		},
	}
}

// indexLines turns lines of the public layout into the pandas-indexed one.
func indexLines(header string, rows []string) (string, []string) {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strconv.Itoa(i) + "," + r
	}
	return "," + header, out
}

func TestHeaderLayouts(t *testing.T) {
	for _, sf := range sourceFiles() {
		indexedHeader, indexedRows := indexLines(sf.header, sf.rows)
		tests := []struct {
			name    string
			data    string
			indexed bool
		}{
			{"public", sf.header + "\n" + strings.Join(sf.rows, "\n") + "\n", false},
			{"indexed", indexedHeader + "\n" + strings.Join(indexedRows, "\n") + "\n", true},
			{"public CRLF BOM no final newline", "\uFEFF" + sf.header + "\r\n" + strings.Join(sf.rows, "\r\n"), false},
			{"indexed CRLF BOM no final newline", "\uFEFF" + indexedHeader + "\r\n" + strings.Join(indexedRows, "\r\n"), true},
			{"upper case, padded names", padNames(strings.ToUpper(sf.header)) + "\n" + strings.Join(sf.rows, "\n") + "\n", false},
			{"lower case names, indexed", strings.ToLower(indexedHeader) + "\n" + strings.Join(indexedRows, "\n") + "\n", true},
			{"quoted names", quoteNames(sf.header) + "\n" + strings.Join(sf.rows, "\n") + "\n", false},
		}
		for _, tt := range tests {
			t.Run(sf.file+"/"+tt.name, func(t *testing.T) {
				res, emitted, rejects, err := sf.dec([]byte(tt.data))
				if err != nil {
					t.Fatal(err)
				}
				if res.Indexed != tt.indexed || res.Rows != int64(len(sf.rows)) || emitted != len(sf.rows) || len(rejects) != 0 {
					t.Errorf("indexed %v rows %d emitted %d rejects %v; want indexed %v, %d rows all emitted",
						res.Indexed, res.Rows, emitted, rejects, tt.indexed, len(sf.rows))
				}
				if len(res.Ignored) != 0 {
					t.Errorf("ignored columns %q", res.Ignored)
				}
			})
		}
	}
}

func padNames(header string) string {
	names := strings.Split(header, ",")
	for i, n := range names {
		names[i] = "  " + n + "\t"
	}
	return strings.Join(names, ",")
}

func quoteNames(header string) string {
	names := strings.Split(header, ",")
	for i, n := range names {
		names[i] = `"` + n + `"`
	}
	return strings.Join(names, ",")
}

// TestHeaderByName checks that columns are found by name, not position.
func TestHeaderByName(t *testing.T) {
	t.Run("animelist reordered", func(t *testing.T) {
		d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList,
			"watched_episodes,watching_status,rating,anime_id,user_id\n4,2,9,67,3\n")
		want := animetl.ListEntry{UserID: 3, AnimeID: 67, Rating: 9, Status: 2, Episodes: 4, Line: 2}
		if len(d.Rows) != 1 || d.Rows[0] != want {
			t.Errorf("rows %+v, want %+v", d.Rows, want)
		}
	})
	t.Run("watching_status reordered", func(t *testing.T) {
		d := mustDecode(t, DecodeWatchingStatus, animetl.FileWatchingStatus, "description,status\nDropped,4")
		if len(d.Rows) != 1 || d.Rows[0].Status != 4 || d.Rows[0].Description != "Dropped" {
			t.Errorf("rows %+v", d.Rows)
		}
	})
	t.Run("anime reversed", func(t *testing.T) {
		cols := append([]string(nil), AnimeColumns...)
		row := bebop()
		vals := make([]string, len(cols))
		for i := range cols {
			j := len(cols) - 1 - i
			vals[j] = row[cols[i]]
		}
		rev := make([]string, len(cols))
		for i := range cols {
			rev[len(cols)-1-i] = cols[i]
		}
		d := mustDecode(t, DecodeAnime, animetl.FileAnime, strings.Join(rev, ",")+"\n"+csvLine(vals...)+"\n")
		if len(d.Rows) != 1 || d.Rows[0].ID != 1 || *d.Rows[0].Name != "Cowboy Bebop" || *d.Rows[0].Score != 878 {
			t.Errorf("rows %+v rejects %+v", d.Rows, d.Rejects)
		}
	})
	t.Run("synopsis with only required columns and alias", func(t *testing.T) {
		d := mustDecode(t, DecodeSynopsis, animetl.FileSynopsis, "Synopsis,mal_id\n\"Text, with comma\",7\n")
		if len(d.Rows) != 1 || d.Rows[0].AnimeID != 7 || d.Rows[0].Name != nil || *d.Rows[0].Text != "Text, with comma" {
			t.Errorf("rows %+v rejects %+v", d.Rows, d.Rejects)
		}
	})
}

func TestHeaderErrors(t *testing.T) {
	type errCase struct {
		name string
		data string
		want []string // substrings of the error
	}
	for _, sf := range sourceFiles() {
		var tests []errCase
		tests = append(tests,
			errCase{"empty file", "", []string{"empty file"}},
			errCase{"blank header line", "\n" + sf.header + "\n", []string{ProblemBlank}},
			errCase{"only a BOM", "\uFEFF", []string{ProblemBlank}},
			errCase{"unterminated quote in header", `"` + sf.header + "\n" + sf.rows[0] + "\n", []string{ProblemUnterminated}},
			errCase{"300 KB header", strings.Repeat("junk,", 60_000) + "\n", []string{"lacks column(s)", `(found "junk,junk`, `"` + animetl.ClipMark}},
		)
		required := map[string]bool{}
		for _, c := range requiredColumns(sf.file) {
			required[strings.ToLower(c)] = true
		}
		for i, c := range sf.columns {
			name := strings.TrimSpace(c)
			if !required[strings.ToLower(name)] {
				continue
			}
			others := append(append([]string(nil), sf.columns[:i]...), sf.columns[i+1:]...)
			tests = append(tests, errCase{"missing " + name, strings.Join(others, ",") + "\n", []string{"lacks column(s) " + name + " (found"}})
			tests = append(tests, errCase{"repeated " + name, sf.header + "," + strings.ToUpper(name) + "\n", []string{`repeats column "` + strings.ToLower(name) + `"`}})
		}
		for _, tt := range tests {
			t.Run(sf.file+"/"+tt.name, func(t *testing.T) {
				_, emitted, rejects, err := sf.dec([]byte(tt.data))
				if !errors.Is(err, animetl.ErrHeader) {
					t.Fatalf("err = %v, want ErrHeader", err)
				}
				if len(err.Error()) >= 1<<10 {
					t.Errorf("error of %d bytes: %.300s", len(err.Error()), err)
				}
				for _, w := range append(tt.want, sf.file) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if emitted != 0 || len(rejects) != 0 {
					t.Errorf("emitted %d, rejected %d after a header error", emitted, len(rejects))
				}
			})
		}
	}
	t.Run("synopsis column and its alias", func(t *testing.T) {
		_, err := decodeAll(DecodeSynopsis, animetl.FileSynopsis, []byte("MAL_ID,sypnopsis,synopsis\n1,a,b\n"))
		if !errors.Is(err, animetl.ErrHeader) || !strings.Contains(err.Error(), "sypnopsis") {
			t.Errorf("err = %v, want a repeated sypnopsis ErrHeader", err)
		}
	})
	t.Run("all missing columns named", func(t *testing.T) {
		_, err := decodeAll(DecodeAnimeList, animetl.FileAnimeList, []byte("user_id,rating\n"))
		for _, c := range []string{"anime_id", "watching_status", "watched_episodes"} {
			if err == nil || !strings.Contains(err.Error(), c) {
				t.Errorf("err = %v, does not name %s", err, c)
			}
		}
	})
}

func requiredColumns(file string) []string {
	switch file {
	case animetl.FileAnime:
		return animeSpec.required
	case animetl.FileAnimeList:
		return animeListSpec.required
	case animetl.FileWatchingStatus:
		return statusSpec.required
	case animetl.FileSynopsis:
		return synopsisSpec.required
	}
	return nil
}

func TestHeaderExtraColumns(t *testing.T) {
	for _, sf := range sourceFiles() {
		t.Run(sf.file, func(t *testing.T) {
			rows := make([]string, len(sf.rows))
			for i, r := range sf.rows {
				rows[i] = "x," + r + ",y,z"
			}
			data := "Unnamed: 0," + sf.header + ",extra, Another Extra \n" + strings.Join(rows, "\n") + "\n"
			res, emitted, rejects, err := sf.dec([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if emitted != len(sf.rows) || len(rejects) != 0 {
				t.Errorf("emitted %d rejects %v", emitted, rejects)
			}
			if want := []string{"Unnamed: 0", "extra", "Another Extra"}; !reflect.DeepEqual(res.Ignored, want) {
				t.Errorf("Ignored = %q, want %q", res.Ignored, want)
			}
			if res.Indexed {
				t.Error("Indexed without an empty first header")
			}
		})
	}
	t.Run("repeated unknown columns ignored", func(t *testing.T) {
		d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, "user_id,anime_id,rating,watching_status,watched_episodes,x,x\n1,2,3,4,5,a,b\n")
		if len(d.Rows) != 1 || !reflect.DeepEqual(d.Res.Ignored, []string{"x", "x"}) {
			t.Errorf("rows %d ignored %q", len(d.Rows), d.Res.Ignored)
		}
	})
	t.Run("empty header names listed except the index column", func(t *testing.T) {
		d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, ",user_id,anime_id,,rating,watching_status,watched_episodes,\n0,1,2,,3,4,5,\n")
		if want := []string{"#4 (no name)", "#8 (no name)"}; len(d.Rows) != 1 || !reflect.DeepEqual(d.Res.Ignored, want) || !d.Res.Indexed {
			t.Errorf("rows %d ignored %q indexed %v, want %q", len(d.Rows), d.Res.Ignored, d.Res.Indexed, want)
		}
	})
	t.Run("header only", func(t *testing.T) {
		d := mustDecode(t, DecodeAnimeList, animetl.FileAnimeList, "user_id,anime_id,rating,watching_status,watched_episodes")
		if d.Res.Rows != 0 {
			t.Errorf("rows %d", d.Res.Rows)
		}
	})
}
