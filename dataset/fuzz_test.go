package dataset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/animetl/animetl"
)

// addFixture seeds f with a file of the hostile fixture.
func addFixture(f *testing.F, file string) {
	data, err := os.ReadFile(filepath.Join(hostileDir, file))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

// physicalLines counts the lines of data as the Reader numbers them.
func physicalLines(data []byte) int64 {
	n := int64(bytes.Count(data, []byte{'\n'}))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"", "\n", "a,b\n1,2\n", "\xEF\xBB\xBFa,b\r\n1,2", "a\n\n\nb\n\n", "1,\"a, b\",\"say \"\"hi\"\"\"\n",
		"h\n1,\"a\nb\nc\",2\n3,x\n", "h\n1,\"abc\n2,\"x, y\",3\n4,z\n", "h\n1,\"abc", "1,5'11\" tall,2\n",
		"1,\"ab\"c,2\n", "\"\"\"\"\n", ",,\n", "a\r", "1,\"a\r\n\r\nb\"\r\n", realWatchingStatus,
	} {
		f.Add([]byte(s))
	}
	for _, file := range animetl.BaseFiles {
		addFixture(f, file)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := physicalLines(data)
		var full []rec
		for _, cfg := range []struct{ max, fields int }{{DefaultMaxRecordBytes, 0}, {16, 0}, {DefaultMaxRecordBytes, 3}} {
			max := cfg.max
			r := NewReader(bytes.NewReader(data))
			r.MaxRecordBytes, r.FieldsPerRecord = max, cfg.fields
			recs, err := readAll(t, r) // fails on non-increasing lines
			if err != nil {
				t.Fatalf("error from a bytes.Reader: %v", err)
			}
			// Every physical line belongs to exactly one record.
			next := int64(1)
			for _, c := range recs {
				if c.Line != next {
					t.Fatalf("record starts on line %d, want %d", c.Line, next)
				}
				next = c.Line + int64(strings.Count(c.Raw, "\n")) + 1
			}
			if next-1 != lines {
				t.Fatalf("records cover lines 1..%d of %d", next-1, lines)
			}
			for _, c := range recs {
				if c.Line < 1 || c.Line > lines {
					t.Fatalf("line %d outside 1..%d", c.Line, lines)
				}
				// A broken record is rejected alone: the lines after it are
				// parsed again, never swallowed.
				if c.Problem != "" && strings.Contains(c.Raw, "\n") {
					t.Fatalf("line %d: %s spanning lines %q", c.Line, c.Problem, c.Raw)
				}
				if len(c.Raw) > max {
					t.Fatalf("raw of line %d has %d bytes, max %d", c.Line, len(c.Raw), max)
				}
				if c.Problem == "" && len(c.Fields) == 0 {
					t.Fatalf("line %d: no fields and no problem", c.Line)
				}
				if c.Problem == ProblemBlank && c.Raw != "" {
					t.Fatalf("line %d: blank with raw %q", c.Line, c.Raw)
				}
			}
			for _, c := range recs {
				if cfg.fields > 0 && strings.Contains(c.Raw, "\n") && len(c.Fields) != cfg.fields {
					t.Fatalf("line %d: multi-line record of %d fields, want %d", c.Line, len(c.Fields), cfg.fields)
				}
			}
			if cfg == (struct{ max, fields int }{DefaultMaxRecordBytes, 0}) {
				full = recs
			}
		}
		compareWithEncodingCSV(t, data, full)
	})
}

// compareWithEncodingCSV checks the Reader against encoding/csv on input the
// standard reader accepts strictly: the same records, fields and lines,
// except that the Reader also reports blank lines and strips a BOM.
func compareWithEncodingCSV(t *testing.T, data []byte, got []rec) {
	std := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	std.FieldsPerRecord = -1
	var want []rec
	for {
		fields, err := std.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return // input encoding/csv rejects: nothing to compare
		}
		line, _ := std.FieldPos(0)
		want = append(want, rec{Line: int64(line), Fields: fields})
	}
	var ours []rec
	for _, c := range got {
		if c.Problem == ProblemBlank {
			continue
		}
		if c.Problem != "" {
			t.Fatalf("line %d: %s on input encoding/csv accepts", c.Line, c.Problem)
		}
		ours = append(ours, rec{Line: c.Line, Fields: c.Fields})
	}
	if !reflect.DeepEqual(ours, want) {
		t.Fatalf("records differ from encoding/csv:\n ours %v\n std  %v", ours, want)
	}
}

// sink records, in call order, what a decoder emitted and rejected, and checks
// the contract on each call.
type sink struct {
	t       *testing.T
	file    string
	last    int64
	emitted int64
	rejects int64
}

func (s *sink) line(n int64) {
	if n <= s.last {
		s.t.Fatalf("%s: line %d after line %d", s.file, n, s.last)
	}
	if n < 2 {
		s.t.Fatalf("%s: data line %d", s.file, n)
	}
	s.last = n
}

func (s *sink) reject(e *animetl.RowError) error {
	s.line(e.Line)
	s.rejects++
	if e.File != s.file || e.Reason == "" || (e.Kind != animetl.KindReject && e.Kind != animetl.KindDuplicate) {
		s.t.Fatalf("incomplete reject %+v", e)
	}
	if !utf8.ValidString(e.Raw) || strings.IndexByte(e.Raw, 0) >= 0 || len(e.Raw) > animetl.MaxRawText {
		s.t.Fatalf("raw of line %d is not storable text: %q", e.Line, e.Raw)
	}
	return nil
}

// done checks the counts against the Result.
func (s *sink) done(res Result, err error) {
	if err != nil {
		if !errors.Is(err, animetl.ErrHeader) {
			s.t.Fatalf("%s: error %v is neither nil nor ErrHeader", s.file, err)
		}
		if res.Rows != 0 || s.emitted+s.rejects != 0 {
			s.t.Fatalf("%s: header error after %d rows", s.file, res.Rows)
		}
		return
	}
	if res.Rows != s.emitted+s.rejects {
		s.t.Fatalf("%s: Rows %d != emitted %d + rejected %d", s.file, res.Rows, s.emitted, s.rejects)
	}
}

func checkText(t *testing.T, col string, p *string) {
	if p == nil {
		return
	}
	if *p == "" || *p == unknown || !utf8.ValidString(*p) || strings.IndexByte(*p, 0) >= 0 || *p != strings.Trim(*p, " \t") {
		t.Fatalf("%s: bad text %q", col, *p)
	}
}

func FuzzDecodeAnime(f *testing.F) {
	head := animeHeader(false) + "\n"
	f.Add([]byte(head + animeLine(-1, nil) + "\n"))
	f.Add([]byte(animeHeader(true) + "\r\n" + animeLine(0, nil) + "\r\n" + animeLine(1, map[string]string{"Aired": "Apr 2005 to ?", "Duration": "30 sec."})))
	unk := map[string]string{}
	for _, c := range AnimeColumns[1:] {
		unk[c] = "Unknown"
	}
	f.Add([]byte(head + animeLine(-1, unk) + "\n" + animeLine(-1, unk) + "\n" + animeLine(-1, nil)))
	for _, set := range []map[string]string{
		{"Score": "7.9"}, {"Score": "11.5"}, {"Aired": "2019 to ?"}, {"Aired": "Apr, 2005"}, {"Duration": "1 hr. 5 min. per ep."},
		{"Premiered": "Spring 1998"}, {"Ranked": "0.0"}, {"Score-10": "229170.0"}, {"Name": `Ginga° ★ "x", y`},
	} {
		f.Add([]byte(head + animeLine(-1, set) + "\n"))
	}
	addFixture(f, animetl.FileAnime)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &sink{t: t, file: animetl.FileAnime}
		res, err := DecodeAnime(bytes.NewReader(data), s.file, func(a animetl.Anime) error {
			s.line(a.Line)
			s.emitted++
			if a.ID < 1 {
				t.Fatalf("MAL_ID %d", a.ID)
			}
			if a.Score != nil && (*a.Score < 100 || *a.Score > 1000) {
				t.Fatalf("score %d", *a.Score)
			}
			if a.DurationMinutes != nil && (*a.DurationMinutes < 0 || math.IsInf(*a.DurationMinutes, 0) || math.IsNaN(*a.DurationMinutes)) {
				t.Fatalf("duration %v", *a.DurationMinutes)
			}
			if a.AiredFrom != nil && a.AiredTo != nil && a.AiredTo.Before(*a.AiredFrom) {
				t.Fatalf("aired %v to %v", a.AiredFrom, a.AiredTo)
			}
			if (a.AiredFrom != nil || a.AiredTo != nil) && a.AiredRaw == nil {
				t.Fatal("dates without raw Aired")
			}
			if (a.PremieredSeason == nil) != (a.PremieredYear == nil) {
				t.Fatal("half a Premiered")
			}
			for col, p := range map[string]*string{"Name": a.Name, "English name": a.EnglishName, "Japanese name": a.JapaneseName,
				"Type": a.Type, "Aired": a.AiredRaw, "Source": a.Source, "Rating": a.AgeRating} {
				checkText(t, col, p)
			}
			for col, l := range map[string][]string{"Genres": a.Genres, "Producers": a.Producers, "Licensors": a.Licensors, "Studios": a.Studios} {
				seen := map[string]bool{}
				for _, item := range l {
					checkText(t, col, &item)
					if seen[item] || strings.Contains(item, ",") {
						t.Fatalf("%s: item %q repeated or with a comma", col, item)
					}
					seen[item] = true
				}
			}
			for _, n := range append([]*int32{a.Episodes, a.Ranked, a.Popularity, a.Members, a.Favorites, a.Watching,
				a.Completed, a.OnHold, a.Dropped, a.PlanToWatch}, a.Votes[:]...) {
				if n != nil && *n < 0 {
					t.Fatalf("negative count %d", *n)
				}
			}
			return nil
		}, s.reject)
		s.done(res, err)
	})
}

func FuzzDecodeAnimeList(f *testing.F) {
	f.Add([]byte(listHeader+"\n0,67,9,1,1\n0,6702,0,6,0\n"), int64(0), int64(67), int64(9), int64(1), int64(1))
	f.Add([]byte(","+listHeader+"\r\n0,0,67,9,1,1\r\n1,1,1,8.0,5,0"), int64(2147483647), int64(1), int64(0), int64(6), int64(12))
	f.Add([]byte(listHeader+"\n1,2,11,2,1\n1,-2,1,2,1\n\n1,\"2,1,2,1\n1,2\n"), int64(-1), int64(0), int64(11), int64(-1), int64(-3))
	f.Add([]byte(listHeader+"\nabc,1,1,1,1\n1,1,1,1,1,1\n"), int64(3000000000), int64(5), int64(10), int64(40000), int64(0))
	addFixture2 := func(file string) {
		data, err := os.ReadFile(filepath.Join(hostileDir, file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, int64(1), int64(1), int64(1), int64(1), int64(1))
	}
	addFixture2(animetl.FileAnimeList)
	f.Fuzz(func(t *testing.T, data []byte, user, anime, rating, status, eps int64) {
		s := &sink{t: t, file: animetl.FileAnimeList}
		res, err := DecodeAnimeList(bytes.NewReader(data), s.file, func(e animetl.ListEntry) error {
			s.line(e.Line)
			s.emitted++
			if e.UserID < 0 || e.AnimeID < 1 || e.Rating < 0 || e.Rating > 10 || e.Status < 0 || e.Episodes < 0 {
				t.Fatalf("entry out of range %+v", e)
			}
			return nil
		}, s.reject)
		s.done(res, err)

		// Round trip: integers written as the source writes them come back
		// exactly when in range, and are rejected in their column when not.
		for _, floatText := range []bool{false, true} {
			vals := []int64{user, anime, rating, status, eps}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = strconv.FormatInt(v, 10)
				if floatText {
					parts[i] += ".0"
				}
			}
			var got []animetl.ListEntry
			var rejects []*animetl.RowError
			_, err := DecodeAnimeList(strings.NewReader(listHeader+"\n"+strings.Join(parts, ",")+"\n"), s.file,
				func(e animetl.ListEntry) error { got = append(got, e); return nil },
				func(e *animetl.RowError) error { rejects = append(rejects, e); return nil })
			if err != nil {
				t.Fatal(err)
			}
			bad := ""
			for i, c := range []struct {
				col      string
				min, max int64
			}{{"user_id", 0, math.MaxInt32}, {"anime_id", 1, math.MaxInt32}, {"rating", 0, 10}, {"watching_status", 0, math.MaxInt16}, {"watched_episodes", 0, math.MaxInt32}} {
				if vals[i] < c.min || vals[i] > c.max {
					bad = c.col
					break
				}
			}
			if bad == "" {
				want := animetl.ListEntry{UserID: int32(user), AnimeID: int32(anime), Rating: int16(rating), Status: int16(status), Episodes: int32(eps), Line: 2}
				if len(got) != 1 || got[0] != want {
					t.Fatalf("%v: got %+v rejects %+v, want %+v", parts, got, rejects, want)
				}
			} else if len(rejects) != 1 || rejects[0].Column != bad {
				t.Fatalf("%v: got %+v rejects %+v, want a reject in %s", parts, got, rejects, bad)
			}
		}
	})
}

func FuzzDecodeWatchingStatus(f *testing.F) {
	f.Add([]byte(realWatchingStatus))
	f.Add([]byte(",status, description\r\n0,1,Currently Watching\r\n1,2,Completed\r\n"))
	f.Add([]byte("status, description\n4,Dropped\n4,Dropped\n4,Paused\n\nx,y\n4,\n"))
	addFixture(f, animetl.FileWatchingStatus)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &sink{t: t, file: animetl.FileWatchingStatus}
		codes := map[int16]bool{}
		res, err := DecodeWatchingStatus(bytes.NewReader(data), s.file, func(w animetl.WatchingStatus) error {
			s.line(w.Line)
			s.emitted++
			if codes[w.Status] {
				t.Fatalf("status %d emitted twice", w.Status)
			}
			codes[w.Status] = true
			checkText(t, "description", &w.Description)
			return nil
		}, s.reject)
		s.done(res, err)
	})
}

func FuzzDecodeSynopsis(f *testing.F) {
	f.Add([]byte(synopsisHeader + "\n1,Cowboy Bebop,8.78,\"Action, Adventure\",\"In the year 2071, \"\"Cowboys.\"\" (Source: ANN)\"\n"))
	f.Add([]byte("," + synopsisHeader + "\n0,5,X,8,Drama,\"Line one.\n\nLine two.\"\n1,6,Y,7,Drama,\n"))
	f.Add([]byte("MAL_ID,synopsis\n16,No synopsis information has been added to this title. Help improve\n16,x\n"))
	addFixture(f, animetl.FileSynopsis)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &sink{t: t, file: animetl.FileSynopsis}
		ids := map[int32]bool{}
		res, err := DecodeSynopsis(bytes.NewReader(data), s.file, func(y animetl.Synopsis) error {
			s.line(y.Line)
			s.emitted++
			if y.AnimeID < 1 || ids[y.AnimeID] {
				t.Fatalf("MAL_ID %d bad or emitted twice", y.AnimeID)
			}
			ids[y.AnimeID] = true
			checkText(t, "Name", y.Name)
			checkText(t, "sypnopsis", y.Text)
			if y.Text != nil && IsSynopsisPlaceholder(*y.Text) {
				t.Fatalf("placeholder kept: %q", *y.Text)
			}
			return nil
		}, s.reject)
		s.done(res, err)
	})
}
