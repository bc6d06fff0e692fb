package dataset

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// decodeAnimeRow decodes one anime.csv data line (after the public header)
// and returns the row or its reject.
func decodeAnimeRow(tb testing.TB, line string) (*animetl.Anime, *animetl.RowError) {
	tb.Helper()
	d := mustDecode(tb, DecodeAnime, animetl.FileAnime, animeHeader(false)+"\n"+line+"\n")
	if len(d.Rows)+len(d.Rejects) != 1 {
		tb.Fatalf("got %d rows and %d rejects for one line", len(d.Rows), len(d.Rejects))
	}
	if len(d.Rows) == 1 {
		return &d.Rows[0], nil
	}
	return nil, d.Rejects[0]
}

func TestDecodeAnimeGolden(t *testing.T) {
	a, rej := decodeAnimeRow(t, animeLine(-1, nil))
	if rej != nil {
		t.Fatalf("rejected: %v", rej)
	}
	want := animetl.Anime{
		ID: 1, Name: ptr("Cowboy Bebop"), EnglishName: ptr("Cowboy Bebop"), JapaneseName: ptr("カウボーイビバップ"),
		Type: ptr("TV"), Episodes: ptr[int32](26), AiredRaw: ptr("Apr 3, 1998 to Apr 24, 1999"),
		AiredFrom: day(1998, 4, 3), AiredTo: day(1999, 4, 24), PremieredSeason: ptr("Spring"), PremieredYear: ptr[int16](1998),
		Source: ptr("Original"), DurationMinutes: ptr(24.0), AgeRating: ptr("R - 17+ (violence & profanity)"),
		Score: ptr[animetl.Score](878), Ranked: ptr[int32](28), Popularity: ptr[int32](39), Members: ptr[int32](1251960),
		Favorites: ptr[int32](61971), Watching: ptr[int32](105808), Completed: ptr[int32](718161), OnHold: ptr[int32](71513),
		Dropped: ptr[int32](26678), PlanToWatch: ptr[int32](329800),
		Genres:    []string{"Action", "Adventure", "Comedy", "Drama", "Sci-Fi", "Space"},
		Producers: []string{"Bandai Visual"}, Licensors: []string{"Funimation", "Bandai Entertainment"}, Studios: []string{"Sunrise"},
		Votes: [10]*int32{ptr[int32](1580), ptr[int32](741), ptr[int32](1357), ptr[int32](3184), ptr[int32](8904),
			ptr[int32](20688), ptr[int32](62330), ptr[int32](131625), ptr[int32](182126), ptr[int32](229170)},
		Line: 2,
	}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("got  %s\nwant %s", dumpAnime(*a), dumpAnime(want))
	}
}

// dumpAnime renders an Anime with its pointers followed.
func dumpAnime(a animetl.Anime) string {
	v := reflect.ValueOf(a)
	var b strings.Builder
	for i := range v.NumField() {
		f := v.Field(i)
		fmt.Fprintf(&b, "%s=", v.Type().Field(i).Name)
		switch {
		case f.Kind() == reflect.Pointer && f.IsNil():
			b.WriteString("nil")
		case f.Kind() == reflect.Pointer:
			fmt.Fprintf(&b, "%v", f.Elem())
		case f.Kind() == reflect.Array:
			for j := range f.Len() {
				if e := f.Index(j); e.IsNil() {
					b.WriteString("nil ")
				} else {
					fmt.Fprintf(&b, "%v ", e.Elem())
				}
			}
		default:
			fmt.Fprintf(&b, "%q", f)
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestDecodeAnimeUnknown checks that Unknown is nil in every column that may
// miss, text and numeric alike, and never zero.
func TestDecodeAnimeUnknown(t *testing.T) {
	fields := func(a *animetl.Anime) map[string]any {
		return map[string]any{
			"Name": a.Name, "English name": a.EnglishName, "Japanese name": a.JapaneseName, "Type": a.Type,
			"Episodes": a.Episodes, "Aired": a.AiredRaw, "Premiered": a.PremieredSeason, "Source": a.Source,
			"Duration": a.DurationMinutes, "Rating": a.AgeRating, "Score": a.Score, "Ranked": a.Ranked,
			"Popularity": a.Popularity, "Members": a.Members, "Favorites": a.Favorites, "Watching": a.Watching,
			"Completed": a.Completed, "On-Hold": a.OnHold, "Dropped": a.Dropped, "Plan to Watch": a.PlanToWatch,
			"Genres": a.Genres, "Producers": a.Producers, "Licensors": a.Licensors, "Studios": a.Studios,
			"Score-1": a.Votes[0], "Score-2": a.Votes[1], "Score-3": a.Votes[2], "Score-4": a.Votes[3], "Score-5": a.Votes[4],
			"Score-6": a.Votes[5], "Score-7": a.Votes[6], "Score-8": a.Votes[7], "Score-9": a.Votes[8], "Score-10": a.Votes[9],
		}
	}
	for _, col := range AnimeColumns {
		if col == "MAL_ID" {
			continue
		}
		t.Run(col, func(t *testing.T) {
			a, rej := decodeAnimeRow(t, animeLine(-1, map[string]string{col: "Unknown"}))
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			got := fields(a)[col]
			if v := reflect.ValueOf(got); !v.IsNil() {
				t.Errorf("%s = %v, want nil", col, v.Elem())
			}
			switch col {
			case "Aired":
				if a.AiredFrom != nil || a.AiredTo != nil {
					t.Error("Aired Unknown has dates")
				}
			case "Premiered":
				if a.PremieredYear != nil {
					t.Error("Premiered Unknown has a year")
				}
			}
			// Every other column keeps its value.
			full, _ := decodeAnimeRow(t, animeLine(-1, nil))
			for name, v := range fields(full) {
				if name != col && reflect.ValueOf(fields(a)[name]).IsNil() != reflect.ValueOf(v).IsNil() {
					t.Errorf("Unknown in %s changed %s", col, name)
				}
			}
		})
	}
	t.Run("every column Unknown", func(t *testing.T) {
		set := map[string]string{}
		for _, c := range AnimeColumns[1:] {
			set[c] = "Unknown"
		}
		a, rej := decodeAnimeRow(t, animeLine(-1, set))
		if rej != nil {
			t.Fatalf("rejected: %v", rej)
		}
		if want := (animetl.Anime{ID: 1, Line: 2}); !reflect.DeepEqual(*a, want) {
			t.Errorf("got %s", dumpAnime(*a))
		}
	})
}

// animeCase is one anime.csv rule: columns to set on a valid row and either
// a check of the cleaned row or the column of the expected reject.
type animeCase struct {
	name      string
	set       map[string]string
	check     func(a *animetl.Anime) (got, want any)
	rejectCol string
}

func runAnimeCases(t *testing.T, tests []animeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rej := decodeAnimeRow(t, animeLine(-1, tt.set))
			if tt.rejectCol != "" {
				if rej == nil {
					t.Fatalf("accepted, want a reject in %s: %s", tt.rejectCol, dumpAnime(*a))
				}
				if rej.Column != tt.rejectCol || rej.Line != 2 || rej.Kind != animetl.KindReject || rej.Reason == "" || rej.Raw == "" {
					t.Errorf("reject %+v, want column %q on line 2", rej, tt.rejectCol)
				}
				return
			}
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			if got, want := tt.check(a); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", show(got), show(want))
			}
		})
	}
}

// show follows a pointer for messages.
func show(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

func TestDecodeAnimeNumbers(t *testing.T) {
	scoreIs := func(s animetl.Score) func(a *animetl.Anime) (any, any) {
		return func(a *animetl.Anime) (any, any) { return a.Score, &s }
	}
	int32Is := func(get func(*animetl.Anime) *int32, v int32) func(a *animetl.Anime) (any, any) {
		return func(a *animetl.Anime) (any, any) { return get(a), &v }
	}
	episodes := func(a *animetl.Anime) *int32 { return a.Episodes }
	ranked := func(a *animetl.Anime) *int32 { return a.Ranked }
	vote := func(i int) func(a *animetl.Anime) *int32 {
		return func(a *animetl.Anime) *int32 { return a.Votes[i-1] }
	}
	members := func(a *animetl.Anime) *int32 { return a.Members }
	tests := []animeCase{
		{name: "Score two decimals", set: map[string]string{"Score": "8.78"}, check: scoreIs(878)},
		{name: "Score one decimal", set: map[string]string{"Score": "7.9"}, check: scoreIs(790)},
		{name: "Score .0", set: map[string]string{"Score": "8.0"}, check: scoreIs(800)},
		{name: "Score 10", set: map[string]string{"Score": "10.0"}, check: scoreIs(1000)},
		{name: "Score 1", set: map[string]string{"Score": "1.00"}, check: scoreIs(100)},
		{name: "Score 11.5 out of range", set: map[string]string{"Score": "11.5"}, rejectCol: "Score"},
		{name: "Score 0.5 out of range", set: map[string]string{"Score": "0.5"}, rejectCol: "Score"},
		{name: "Score 0", set: map[string]string{"Score": "0"}, rejectCol: "Score"},
		{name: "Score garbage", set: map[string]string{"Score": "eight"}, rejectCol: "Score"},
		{name: "Score exponent", set: map[string]string{"Score": "8e0"}, rejectCol: "Score"},
		{name: "Score NaN", set: map[string]string{"Score": "NaN"}, rejectCol: "Score"},
		{name: "Episodes", set: map[string]string{"Episodes": "26"}, check: int32Is(episodes, 26)},
		{name: "Episodes 1", set: map[string]string{"Episodes": "1"}, check: int32Is(episodes, 1)},
		{name: "Episodes float text", set: map[string]string{"Episodes": "12.0"}, check: int32Is(episodes, 12)},
		{name: "Episodes large", set: map[string]string{"Episodes": "3057"}, check: int32Is(episodes, 3057)},
		{name: "Episodes negative", set: map[string]string{"Episodes": "-1"}, rejectCol: "Episodes"},
		{name: "Episodes fraction", set: map[string]string{"Episodes": "1.5"}, rejectCol: "Episodes"},
		{name: "Episodes garbage", set: map[string]string{"Episodes": "ongoing"}, rejectCol: "Episodes"},
		{name: "Ranked float text", set: map[string]string{"Ranked": "28.0"}, check: int32Is(ranked, 28)},
		{name: "Ranked 0.0", set: map[string]string{"Ranked": "0.0"}, check: int32Is(ranked, 0)},
		{name: "Ranked integer", set: map[string]string{"Ranked": "15"}, check: int32Is(ranked, 15)},
		{name: "Ranked tie value", set: map[string]string{"Ranked": "9419.0"}, check: int32Is(ranked, 9419)},
		{name: "Ranked fraction", set: map[string]string{"Ranked": "28.5"}, rejectCol: "Ranked"},
		{name: "Ranked negative", set: map[string]string{"Ranked": "-1.0"}, rejectCol: "Ranked"},
		{name: "Ranked garbage", set: map[string]string{"Ranked": "N/A"}, rejectCol: "Ranked"},
		{name: "Score-10 float text", set: map[string]string{"Score-10": "229170.0"}, check: int32Is(vote(10), 229170)},
		{name: "Score-1 float text", set: map[string]string{"Score-1": "1580.0"}, check: int32Is(vote(1), 1580)},
		{name: "Score-5 zero", set: map[string]string{"Score-5": "0.0"}, check: int32Is(vote(5), 0)},
		{name: "Score-3 integer", set: map[string]string{"Score-3": "12"}, check: int32Is(vote(3), 12)},
		{name: "Score-10 fraction", set: map[string]string{"Score-10": "1.5"}, rejectCol: "Score-10"},
		{name: "Score-2 garbage", set: map[string]string{"Score-2": "many"}, rejectCol: "Score-2"},
		{name: "Score-7 negative", set: map[string]string{"Score-7": "-3.0"}, rejectCol: "Score-7"},
		{name: "Members", set: map[string]string{"Members": "1"}, check: int32Is(members, 1)},
		{name: "Members garbage", set: map[string]string{"Members": "1.2M"}, rejectCol: "Members"},
		{name: "Popularity garbage", set: map[string]string{"Popularity": "#39"}, rejectCol: "Popularity"},
		{name: "Plan to Watch negative", set: map[string]string{"Plan to Watch": "-1"}, rejectCol: "Plan to Watch"},
		{name: "On-Hold over int32", set: map[string]string{"On-Hold": "3000000000"}, rejectCol: "On-Hold"},
		{name: "MAL_ID float text", set: map[string]string{"MAL_ID": "1.0"}, check: func(a *animetl.Anime) (any, any) { return a.ID, int32(1) }},
		{name: "MAL_ID garbage", set: map[string]string{"MAL_ID": "abc"}, rejectCol: "MAL_ID"},
		{name: "MAL_ID Unknown", set: map[string]string{"MAL_ID": "Unknown"}, rejectCol: "MAL_ID"},
		{name: "MAL_ID zero", set: map[string]string{"MAL_ID": "0"}, rejectCol: "MAL_ID"},
		{name: "MAL_ID negative", set: map[string]string{"MAL_ID": "-5"}, rejectCol: "MAL_ID"},
		{name: "MAL_ID empty", set: map[string]string{"MAL_ID": ""}, rejectCol: "MAL_ID"},
	}
	runAnimeCases(t, tests)
}

func TestDecodeAnimeLists(t *testing.T) {
	get := func(col string) func(a *animetl.Anime) []string {
		return func(a *animetl.Anime) []string {
			return map[string][]string{"Genres": a.Genres, "Producers": a.Producers, "Licensors": a.Licensors, "Studios": a.Studios}[col]
		}
	}
	var tests []animeCase
	for _, col := range []string{"Genres", "Producers", "Licensors", "Studios"} {
		is := func(want []string) func(a *animetl.Anime) (any, any) {
			return func(a *animetl.Anime) (any, any) { return get(col)(a), want }
		}
		tests = append(tests,
			animeCase{name: col + " unsorted", set: map[string]string{col: "Shounen, Action, Comedy"}, check: is([]string{"Shounen", "Action", "Comedy"})},
			animeCase{name: col + " single", set: map[string]string{col: "Sunrise"}, check: is([]string{"Sunrise"})},
			animeCase{name: col + " Unknown is empty", set: map[string]string{col: "Unknown"}, check: is(nil)},
			animeCase{name: col + " repeats deduped", set: map[string]string{col: "Aniplex, Dentsu, Aniplex"}, check: is([]string{"Aniplex", "Dentsu"})},
			animeCase{name: col + " non-ASCII", set: map[string]string{col: "京都アニメーション, Studio °"}, check: is([]string{"京都アニメーション", "Studio °"})},
			animeCase{name: col + " invalid UTF-8", set: map[string]string{col: "Action, \xfe"}, rejectCol: col},
		)
	}
	runAnimeCases(t, tests)
}

func TestDecodeAnimeDates(t *testing.T) {
	aired := func(raw string, from, to *time.Time) animeCase {
		return animeCase{name: "Aired " + raw, set: map[string]string{"Aired": raw}, check: func(a *animetl.Anime) (any, any) {
			return [3]any{show(a.AiredRaw), show(a.AiredFrom), show(a.AiredTo)}, [3]any{raw, show(from), show(to)}
		}}
	}
	premiered := func(raw, season string, year int16) animeCase {
		return animeCase{name: "Premiered " + raw, set: map[string]string{"Premiered": raw}, check: func(a *animetl.Anime) (any, any) {
			return [2]any{show(a.PremieredSeason), show(a.PremieredYear)}, [2]any{season, year}
		}}
	}
	tests := []animeCase{
		aired("Apr 3, 1998 to Apr 24, 1999", day(1998, 4, 3), day(1999, 4, 24)),
		aired("Sep 1, 2001", day(2001, 9, 1), day(2001, 9, 1)),
		aired("2005", day(2005, 1, 1), day(2005, 12, 31)),
		aired("Apr, 2005", day(2005, 4, 1), day(2005, 4, 30)),
		aired("Apr 2005 to ?", day(2005, 4, 1), nil),
		aired("2019 to ?", day(2019, 1, 1), nil),
		aired("Oct 20, 1999 to ?", day(1999, 10, 20), nil),
		aired("Not available", nil, nil),               // garbage: nil dates, raw kept
		aired("Apr 24, 1999 to Apr 3, 1998", nil, nil), // reversed: nil dates, raw kept
		aired("Feb 30, 2001", nil, nil),
		premiered("Spring 1998", "Spring", 1998),
		premiered("Fall 2019", "Fall", 2019),
		premiered("Winter 1963", "Winter", 1963),
		premiered("Summer 2020", "Summer", 2020),
		{name: "Premiered garbage", set: map[string]string{"Premiered": "Spring"}, rejectCol: "Premiered"},
		{name: "Premiered bad season", set: map[string]string{"Premiered": "Autumn 1998"}, rejectCol: "Premiered"},
	}
	runAnimeCases(t, tests)
}

func TestDecodeAnimeDuration(t *testing.T) {
	dur := func(raw string, want float64) animeCase {
		return animeCase{name: raw, set: map[string]string{"Duration": raw}, check: func(a *animetl.Anime) (any, any) {
			if a.DurationMinutes == nil {
				return nil, want
			}
			return math.Round(*a.DurationMinutes*1e9) / 1e9, want
		}}
	}
	tests := []animeCase{
		dur("24 min. per ep.", 24),
		dur("24 min.", 24),
		dur("1 hr. 55 min.", 115),
		dur("30 sec.", 0.5),
		dur("2 hr.", 120),
		dur("1 hr. 5 min. per ep.", 65),
		dur("1 min. 30 sec. per ep.", 1.5),
		{name: "Unknown", set: map[string]string{"Duration": "Unknown"}, check: func(a *animetl.Anime) (any, any) { return a.DurationMinutes, (*float64)(nil) }},
		{name: "garbage", set: map[string]string{"Duration": "about half an hour"}, rejectCol: "Duration"},
		{name: "number only", set: map[string]string{"Duration": "24"}, rejectCol: "Duration"},
		{name: "negative", set: map[string]string{"Duration": "-24 min."}, rejectCol: "Duration"},
	}
	runAnimeCases(t, tests)
}

func TestDecodeAnimeText(t *testing.T) {
	textIs := func(get func(*animetl.Anime) *string, want string) func(a *animetl.Anime) (any, any) {
		return func(a *animetl.Anime) (any, any) { return show(get(a)), want }
	}
	name := func(a *animetl.Anime) *string { return a.Name }
	japanese := func(a *animetl.Anime) *string { return a.JapaneseName }
	rating := func(a *animetl.Anime) *string { return a.AgeRating }
	typ := func(a *animetl.Anime) *string { return a.Type }
	var tests []animeCase
	for _, r := range []string{"G - All Ages", "PG - Children", "PG-13 - Teens 13 or older",
		"R - 17+ (violence & profanity)", "R+ - Mild Nudity", "Rx - Hentai"} {
		tests = append(tests, animeCase{name: "Rating " + r, set: map[string]string{"Rating": r}, check: textIs(rating, r)})
	}
	for _, ty := range []string{"TV", "OVA", "Movie", "Special", "ONA", "Music"} {
		tests = append(tests, animeCase{name: "Type " + ty, set: map[string]string{"Type": ty}, check: textIs(typ, ty)})
	}
	tests = append(tests,
		animeCase{name: "degree sign", set: map[string]string{"Name": "Ginga Nagareboshi Gin°"}, check: textIs(name, "Ginga Nagareboshi Gin°")},
		animeCase{name: "star", set: map[string]string{"Name": "Gintama★Kouhan-sen"}, check: textIs(name, "Gintama★Kouhan-sen")},
		animeCase{name: "Japanese", set: map[string]string{"Japanese name": "銀魂°"}, check: textIs(japanese, "銀魂°")},
		animeCase{name: "comma in name", set: map[string]string{"Name": "Hello, World"}, check: textIs(name, "Hello, World")},
		animeCase{name: "doubled quotes in name", set: map[string]string{"Name": `The "Movie", part 2`}, check: textIs(name, `The "Movie", part 2`)},
		animeCase{name: "name only quotes", set: map[string]string{"Name": `""`}, check: textIs(name, `""`)},
		animeCase{name: "invalid UTF-8 name", set: map[string]string{"Name": "Bebop\xff"}, rejectCol: "Name"},
		animeCase{name: "NUL in Source", set: map[string]string{"Source": "Man\x00ga"}, rejectCol: "Source"},
	)
	runAnimeCases(t, tests)
}

func TestDecodeAnimeShape(t *testing.T) {
	full := animeLine(-1, nil)
	tests := []struct {
		name   string
		line   string
		reason string
	}{
		{"one field short", full[:strings.LastIndexByte(full, ',')], "expected 35 fields, got 34"},
		{"one field too many", full + ",extra", "expected 35 fields, got 36"},
		{"one field", "1", "expected 35 fields, got 1"},
		{"unquoted comma in name", animeLine(-1, nil)[:2] + "Hello, World" + full[len("1,Cowboy Bebop"):], "expected 35 fields, got 36"},
		{"blank", "", ProblemBlank},
		{"after quote", `1,"Cowboy" Bebop` + full[len("1,Cowboy Bebop"):], ProblemAfterQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rej := decodeAnimeRow(t, tt.line)
			if rej == nil {
				t.Fatalf("accepted %s", dumpAnime(*a))
			}
			if rej.Reason != tt.reason || rej.Column != "" || rej.Raw != tt.line || rej.Line != 2 {
				t.Errorf("reject %+v, want reason %q and the raw line", rej, tt.reason)
			}
		})
	}
}

func TestDecodeAnimeIndexed(t *testing.T) {
	data := animeHeader(true) + "\n" + animeLine(0, nil) + "\n" + animeLine(1, map[string]string{"MAL_ID": "5", "Score": "Unknown"}) + "\n"
	d := mustDecode(t, DecodeAnime, animetl.FileAnime, data)
	if !d.Res.Indexed || len(d.Rows) != 2 || d.Rows[1].ID != 5 || d.Rows[1].Score != nil || *d.Rows[0].Score != 878 {
		t.Errorf("indexed decode: %+v rejects %+v", d.Res, d.Rejects)
	}
}
