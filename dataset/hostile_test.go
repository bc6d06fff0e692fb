package dataset

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// hostileDir holds the hostile fixture shared with the warehouse tests.
var hostileDir = filepath.Join("..", "testdata", "hostile")

// expectedFile is what EXPECTED.md says about one fixture file.
type expectedFile struct {
	rowsRead, emitted, rejected, duplicates int64
	emittedLines                            []int64
	rejects                                 []expectedReject
}

type expectedReject struct {
	line           int64
	kind, column   string
	reasonContains string
}

// warehouseRepeat is a row of the animelist "Warehouse repeats" table.
type warehouseRepeat struct {
	line, user, anime, first int64
	class                    string
}

// parseExpected reads EXPECTED.md: the summary table, each file's emitted
// lines and rejects table, and the animelist warehouse repeats.
func parseExpected(tb testing.TB) (map[string]*expectedFile, []warehouseRepeat) {
	tb.Helper()
	f, err := os.Open(filepath.Join(hostileDir, "EXPECTED.md"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	files := map[string]*expectedFile{}
	get := func(name string) *expectedFile {
		if files[name] == nil {
			files[name] = &expectedFile{}
		}
		return files[name]
	}
	var repeats []warehouseRepeat
	num := func(s string) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			tb.Fatalf("EXPECTED.md: %q is not a number", s)
		}
		return n
	}
	section, sub := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			section, sub = strings.TrimSpace(line[3:]), ""
		case strings.HasPrefix(line, "### "):
			sub = strings.TrimSpace(line[4:])
		case strings.HasPrefix(line, "Emitted lines:"):
			rest, _, _ := strings.Cut(strings.TrimPrefix(line, "Emitted lines:"), "(")
			for _, n := range strings.Fields(rest) {
				get(section).emittedLines = append(get(section).emittedLines, num(n))
			}
		case strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if cells[0] == "file" || cells[0] == "line" {
				continue // table header
			}
			switch {
			case section == "Summary":
				e := get(cells[0])
				e.rowsRead, e.emitted, e.rejected, e.duplicates = num(cells[2]), num(cells[3]), num(cells[4]), num(cells[5])
			case sub == "Rejects":
				get(section).rejects = append(get(section).rejects, expectedReject{num(cells[0]), cells[1], cells[2], cells[3]})
			case sub == "Warehouse repeats":
				repeats = append(repeats, warehouseRepeat{num(cells[0]), num(cells[1]), num(cells[2]), num(cells[3]), cells[4]})
			default:
				tb.Fatalf("EXPECTED.md: table row outside a known table: %s", line)
			}
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(files) != 4 || len(repeats) == 0 {
		tb.Fatalf("EXPECTED.md: parsed %d files and %d repeats", len(files), len(repeats))
	}
	return files, repeats
}

// hostileRun decodes one fixture file and returns the lines of the emitted
// rows along with the decoded values.
func hostileRun[T any](tb testing.TB, dec decoder[T], file string, line func(T) int64) (decoded[T], []int64) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(hostileDir, file))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := decodeAll(dec, file, data)
	if err != nil {
		tb.Fatalf("decode %s: %v", file, err)
	}
	checkInvariants(tb, file, d)
	lines := make([]int64, len(d.Rows))
	for i, v := range d.Rows {
		lines[i] = line(v)
	}
	return d, lines
}

func TestHostileFixture(t *testing.T) {
	want, repeats := parseExpected(t)
	check := func(t *testing.T, file string, res Result, emitted []int64, rejects []*animetl.RowError) {
		w := want[file]
		if w == nil {
			t.Fatalf("EXPECTED.md says nothing of %s", file)
		}
		var dups int64
		for _, r := range rejects {
			if r.Kind == animetl.KindDuplicate {
				dups++
			}
			// A blank line's raw text is empty; every other reject keeps its line.
			if r.File != file || r.Line <= 1 || r.Reason == "" || (r.Raw == "") != (r.Reason == ProblemBlank) {
				t.Errorf("incomplete reject %+v", r)
			}
		}
		if res.Rows != w.rowsRead || int64(len(emitted)) != w.emitted || int64(len(rejects)) != w.rejected || dups != w.duplicates {
			t.Errorf("rows_read %d emitted %d rejected %d duplicates %d; EXPECTED.md says %d %d %d %d",
				res.Rows, len(emitted), len(rejects), dups, w.rowsRead, w.emitted, w.rejected, w.duplicates)
		}
		if res.Rows != int64(len(emitted)+len(rejects)) {
			t.Errorf("rows %d != emitted %d + rejected %d", res.Rows, len(emitted), len(rejects))
		}
		if !equalInts(emitted, w.emittedLines) {
			t.Errorf("emitted lines %v, EXPECTED.md says %v", emitted, w.emittedLines)
		}
		if len(rejects) != len(w.rejects) {
			for _, r := range rejects {
				t.Logf("reject %d %s %q: %s", r.Line, r.Kind, r.Column, r.Reason)
			}
			t.Fatalf("%d rejects, EXPECTED.md lists %d", len(rejects), len(w.rejects))
		}
		for i, r := range rejects {
			e := w.rejects[i]
			if r.Line != e.line || string(r.Kind) != e.kind || r.Column != e.column || !strings.Contains(r.Reason, e.reasonContains) {
				t.Errorf("reject %d %s %q %q; EXPECTED.md says %d %s %q %q", r.Line, r.Kind, r.Column, r.Reason, e.line, e.kind, e.column, e.reasonContains)
			}
		}
	}

	t.Run(animetl.FileAnime, func(t *testing.T) {
		d, lines := hostileRun(t, DecodeAnime, animetl.FileAnime, func(a animetl.Anime) int64 { return a.Line })
		check(t, animetl.FileAnime, d.Res, lines, d.Rejects)
		if !d.Res.Indexed {
			t.Error("anime.csv fixture is in the indexed layout")
		}
		byID := map[int32]animetl.Anime{}
		for _, a := range d.Rows {
			byID[a.ID] = a
		}
		if a := byID[8]; *a.Name != `Ginga° ★ "Star" 銀河` || a.Score != nil || a.Episodes != nil || a.Genres != nil || a.Votes != [10]*int32{} {
			t.Errorf("all-Unknown row: %s", dumpAnime(a))
		}
		if a := byID[9]; *a.DurationMinutes != 0.5 || *a.JapaneseName != "銀魂°" || a.AiredTo != nil || !a.AiredFrom.Equal(*day(2019, 1, 1)) {
			t.Errorf("id 9: %s", dumpAnime(a))
		}
		if a := byID[6]; *a.Name != `Trigun "Stampede"` || *a.Ranked != 0 {
			t.Errorf("id 6: %s", dumpAnime(a))
		}
		if a := byID[13]; *a.Name != "Last Line, No Newline" || *a.DurationMinutes != 120 || a.Votes[9] != nil {
			t.Errorf("id 13: %s", dumpAnime(a))
		}
	})
	t.Run(animetl.FileAnimeList, func(t *testing.T) {
		d, lines := hostileRun(t, DecodeAnimeList, animetl.FileAnimeList, func(e animetl.ListEntry) int64 { return e.Line })
		check(t, animetl.FileAnimeList, d.Res, lines, d.Rejects)
		// The repeats the warehouse must find, computed from the emitted rows.
		type key struct{ user, anime int32 }
		first := map[key]animetl.ListEntry{}
		var got []warehouseRepeat
		for _, e := range d.Rows {
			k := key{e.UserID, e.AnimeID}
			f, seen := first[k]
			if !seen {
				first[k] = e
				continue
			}
			class := "conflicting"
			g := e
			g.Line, f.Line = 0, 0
			if g == f {
				class = "duplicate"
			}
			got = append(got, warehouseRepeat{e.Line, int64(e.UserID), int64(e.AnimeID), first[k].Line, class})
		}
		if !reflect.DeepEqual(got, repeats) {
			t.Errorf("warehouse repeats %+v, EXPECTED.md says %+v", got, repeats)
		}
		if len(first) != 9 {
			t.Errorf("%d distinct pairs, EXPECTED.md says 9", len(first))
		}
	})
	t.Run(animetl.FileWatchingStatus, func(t *testing.T) {
		d, lines := hostileRun(t, DecodeWatchingStatus, animetl.FileWatchingStatus, func(s animetl.WatchingStatus) int64 { return s.Line })
		check(t, animetl.FileWatchingStatus, d.Res, lines, d.Rejects)
	})
	t.Run(animetl.FileSynopsis, func(t *testing.T) {
		d, lines := hostileRun(t, DecodeSynopsis, animetl.FileSynopsis, func(s animetl.Synopsis) int64 { return s.Line })
		check(t, animetl.FileSynopsis, d.Res, lines, d.Rejects)
		for _, s := range d.Rows {
			switch s.AnimeID {
			case 1:
				if !strings.Contains(*s.Text, `as "Cowboys."`) || !strings.HasSuffix(*s.Text, "(Source: ANN)") {
					t.Errorf("synopsis 1: %q", *s.Text)
				}
			case 5:
				if *s.Text != "Another day, another bounty.\nLine two of the same synopsis." {
					t.Errorf("synopsis 5: %q", *s.Text)
				}
			case 6, 8:
				if s.Text != nil {
					t.Errorf("synopsis %d: %q, want nil", s.AnimeID, *s.Text)
				}
			}
		}
	})
}
