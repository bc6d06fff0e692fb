package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl"
)

// defaultFiles generates the default catalogue once for the tests that need
// its full size.
var defaultFiles = sync.OnceValues(func() (memFiles, Stats) {
	files := memFiles{}
	st, err := Generate(context.Background(), Config{Seed: 42}, files.create)
	if err != nil {
		panic(err)
	}
	return files, st
})

// airedShapes and durationShapes classify every real shape of the columns.
var (
	airedShapes = map[string]*regexp.Regexp{
		"Apr 3, 1998 to Apr 24, 1999": regexp.MustCompile(`^[A-Z][a-z]{2} \d{1,2}, \d{4} to [A-Z][a-z]{2} \d{1,2}, \d{4}$`),
		"Sep 1, 2001":                 regexp.MustCompile(`^[A-Z][a-z]{2} \d{1,2}, \d{4}$`),
		"2005":                        regexp.MustCompile(`^\d{4}$`),
		"Apr, 2005":                   regexp.MustCompile(`^[A-Z][a-z]{2}, \d{4}$`),
		"Apr 2005 to ?":               regexp.MustCompile(`^[A-Z][a-z]{2} \d{4} to \?$`),
		"2019 to ?":                   regexp.MustCompile(`^\d{4} to \?$`),
		"Apr 3, 2020 to ?":            regexp.MustCompile(`^[A-Z][a-z]{2} \d{1,2}, \d{4} to \?$`),
		"Unknown":                     regexp.MustCompile(`^Unknown$`),
	}
	durationShapes = map[string]*regexp.Regexp{
		"24 min. per ep.":      regexp.MustCompile(`^\d+ min\. per ep\.$`),
		"24 min.":              regexp.MustCompile(`^\d+ min\.$`),
		"1 hr. 55 min.":        regexp.MustCompile(`^\d+ hr\. \d+ min\.$`),
		"30 sec.":              regexp.MustCompile(`^\d+ sec\.$`),
		"2 hr.":                regexp.MustCompile(`^\d+ hr\.$`),
		"1 hr. 5 min. per ep.": regexp.MustCompile(`^\d+ hr\. \d+ min\. per ep\.$`),
		"30 sec. per ep.":      regexp.MustCompile(`^\d+ sec\. per ep\.$`),
		"2 hr. per ep.":        regexp.MustCompile(`^\d+ hr\. per ep\.$`),
		"Unknown":              regexp.MustCompile(`^Unknown$`),
	}
	scoreText = regexp.MustCompile(`^\d{1,2}\.\d{1,2}$`)
	voteText  = regexp.MustCompile(`^\d+\.0$`)
	season    = regexp.MustCompile(`^(Winter|Spring|Summer|Fall) \d{4}$`)
)

// classify returns the name of the first shape s matches, or "".
func classify(shapes map[string]*regexp.Regexp, s string) string {
	for name, re := range shapes {
		if re.MatchString(s) {
			return name
		}
	}
	return ""
}

func TestAnimeCSV(t *testing.T) {
	for _, l := range layouts {
		t.Run(string(l.layout), func(t *testing.T) {
			files, st := MustGenerate(t, Config{Seed: 3, Layout: l.layout})
			data := files[animetl.FileAnime].Bytes()
			r := csv.NewReader(bytes.NewReader(data)) // strict: fixed field count, no lazy quotes
			all, err := r.ReadAll()
			if err != nil {
				t.Fatalf("encoding/csv: %v", err)
			}
			want := 35
			if l.indexed {
				want = 36
			}
			if len(all[0]) != want || int64(len(all)-1) != st.Anime.Records || len(all)-1 != DefaultAnime {
				t.Fatalf("%d fields, %d records, want %d fields and %d records", len(all[0]), len(all)-1, want, DefaultAnime)
			}
			_, recs := MustRecords(t, data, l.indexed)
			checkCatalogue(t, recs)
		})
	}
}

// checkCatalogue checks the content rules of anime.csv on clean records.
func checkCatalogue(t *testing.T, recs [][]string) {
	t.Helper()
	unknowns := make([]int, animeColumns)
	aired, durations := map[string]int{}, map[string]int{}
	names := map[string]int{}
	var lastID int
	var nonASCII, commaName, quoteName, degree, star, zeroRank int
	for i, rec := range recs {
		for c, f := range rec {
			if f == "" {
				t.Fatalf("record %d column %d empty", i, c)
			}
			if f == unknown {
				unknowns[c]++
			}
		}
		id, err := strconv.Atoi(rec[colID])
		if err != nil || id <= lastID {
			t.Fatalf("record %d: MAL_ID %q not increasing after %d", i, rec[colID], lastID)
		}
		lastID = id
		names[rec[colName]]++
		commaName += b2i(strings.Contains(rec[colName], ","))
		quoteName += b2i(strings.Contains(rec[colName], `"`))
		degree += b2i(strings.Contains(rec[colName], "°"))
		star += b2i(strings.Contains(rec[colName], "★"))
		nonASCII += b2i(rec[colJapanese] != unknown && !isASCII(rec[colJapanese]))
		zeroRank += b2i(rec[colRanked] == "0.0")
		aired[classify(airedShapes, rec[colAired])]++
		durations[classify(durationShapes, rec[colDuration])]++
		checkAnimeRecord(t, i, rec)
	}
	for c := range animeColumns {
		canBeUnknown := c != colID && c != colName && (c < colPopularity || c >= colScore10)
		if canBeUnknown != (unknowns[c] > 0) {
			t.Errorf("column %d: %d Unknown, want some: %v", c, unknowns[c], canBeUnknown)
		}
	}
	for shape := range airedShapes {
		if aired[shape] == 0 {
			t.Errorf("no Aired like %q", shape)
		}
	}
	for shape := range durationShapes {
		if durations[shape] == 0 {
			t.Errorf("no Duration like %q", shape)
		}
	}
	if aired[""] > 0 || durations[""] > 0 {
		t.Errorf("unclassified shapes: %d Aired, %d Duration", aired[""], durations[""])
	}
	repeated := 0
	for _, n := range names {
		repeated += b2i(n > 1)
	}
	for what, n := range map[string]int{"repeated names": repeated, "non-ASCII Japanese names": nonASCII,
		"names with commas": commaName, "names with quotes": quoteName, "names with °": degree,
		"names with ★": star, "Ranked 0.0": zeroRank} {
		if n == 0 {
			t.Errorf("no %s", what)
		}
	}
}

// checkAnimeRecord checks the rules within one anime.csv record.
func checkAnimeRecord(t *testing.T, i int, rec []string) {
	t.Helper()
	var members, sum int64
	for c := colMembers; c <= colPlanToWatch; c++ {
		n, err := strconv.ParseInt(rec[c], 10, 64)
		if err != nil || n < 0 {
			t.Fatalf("record %d column %d: %q not a count", i, c, rec[c])
		}
		if c == colMembers {
			members = n
		} else if c != colFavorites {
			sum += n
		}
	}
	if members != sum {
		t.Fatalf("record %d: Members %d != status sum %d", i, members, sum)
	}
	var votes, weighted float64
	for k := range 10 {
		f := rec[colScore10+k]
		if f == unknown {
			continue
		}
		if !voteText.MatchString(f) {
			t.Fatalf("record %d: vote count %q", i, f)
		}
		v, _ := strconv.ParseFloat(f, 64)
		votes += v
		weighted += v * float64(10-k)
	}
	if s := rec[colScore]; s != unknown {
		score, _ := strconv.ParseFloat(s, 64)
		if !scoreText.MatchString(s) || score < 1 || score > 10 || math.Abs(score-weighted/votes) > 0.0051 {
			t.Fatalf("record %d: Score %q, histogram mean %.4f", i, s, weighted/votes)
		}
	}
	if s := rec[colRanked]; s != unknown && !voteText.MatchString(s) {
		t.Fatalf("record %d: Ranked %q", i, s)
	}
	if s := rec[colEpisodes]; s != unknown {
		if n, err := strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("record %d: Episodes %q", i, s)
		}
	}
	if s := rec[colPremiered]; s != unknown && (!season.MatchString(s) || rec[colType] != "TV") {
		t.Fatalf("record %d: Premiered %q for %s", i, s, rec[colType])
	}
	if !slices.Contains(types, rec[colType]) || !slices.Contains(append(slices.Clone(ratings), ratingRx), rec[colRating]) {
		t.Fatalf("record %d: Type %q Rating %q", i, rec[colType], rec[colRating])
	}
	if g := rec[colGenres]; g != unknown {
		for _, name := range strings.Split(g, ", ") {
			if !slices.Contains(genres[:], name) {
				t.Fatalf("record %d: genre %q", i, name)
			}
		}
		if hentai := strings.Contains(g, "Hentai"); hentai != (rec[colRating] == ratingRx) {
			t.Fatalf("record %d: genres %q with rating %q", i, g, rec[colRating])
		}
	}
}

func TestSynopsisCSV(t *testing.T) {
	files, st := defaultFiles()
	_, anime := MustRecords(t, files[animetl.FileAnime].Bytes(), false)
	_, syn := MustRecords(t, files[animetl.FileSynopsis].Bytes(), false)
	byID := map[string][]string{}
	rx := 0
	for _, rec := range anime {
		byID[rec[colID]] = rec
		rx += b2i(rec[colRating] == ratingRx)
	}
	if len(syn) != len(anime)-rx || int64(len(syn)) != st.Synopsis.Records {
		t.Errorf("%d synopses, want %d (catalogue %d less %d Rx)", len(syn), len(anime)-rx, len(anime), rx)
	}
	var placeholders, empty, newline, note int
	for i, rec := range syn {
		a, ok := byID[rec[0]]
		if !ok || len(rec) != 5 {
			t.Fatalf("synopsis %d: %q not in catalogue or wrong field count", i, rec[0])
		}
		if a[colRating] == ratingRx || a[colName] != rec[1] || a[colScore] != rec[2] || a[colGenres] != rec[3] {
			t.Fatalf("synopsis %d: %q differs from catalogue %q", i, rec[:4], a[:4])
		}
		placeholders += b2i(rec[4] == placeholder)
		empty += b2i(rec[4] == "")
		newline += b2i(strings.Contains(rec[4], "\n"))
		note += b2i(strings.Contains(rec[4], "(Source: "))
	}
	if placeholders == 0 || empty == 0 || newline == 0 || note == 0 {
		t.Errorf("placeholders %d, empty %d, with newline %d, with source note %d: want some of each", placeholders, empty, newline, note)
	}
	if st.Synopsis.Lines <= st.Synopsis.Records {
		t.Errorf("Lines %d should exceed Records %d", st.Synopsis.Lines, st.Synopsis.Records)
	}
}

func TestAnimeDefects(t *testing.T) {
	files, st := MustGenerate(t, Config{Anime: smallAnime, DefectRate: 0.05, Seed: 9})
	_, recs := MustRecords(t, files[animetl.FileAnime].Bytes(), false)
	var got Defects
	var clean [][]string
	for _, rec := range recs {
		switch {
		case len(rec) < animeColumns:
			got.ShortLine++
		case rec[colID] == "abc":
			got.NonNumeric++
		case rec[colScore] == "11.5":
			got.OutOfRange++
		default:
			clean = append(clean, rec)
		}
	}
	if got != st.AnimeDefects || got.Total() == 0 || len(clean) != smallAnime {
		t.Errorf("scanned %+v and %d clean, stats %+v", got, len(clean), st.AnimeDefects)
	}
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isASCII reports whether s is plain ASCII.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
