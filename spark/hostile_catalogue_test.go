package spark

import (
	"fmt"
	"strings"

	"github.com/animetl/animetl/dataset"
)

// csvField quotes a value as a CSV writer does when it must.
func csvField(v string) string {
	if strings.ContainsAny(v, ",\"\n\r") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// animeRow is a clean anime.csv record of id in the public column order,
// with the columns of over replaced (raw text, quoted as needed).
func animeRow(id int, over map[string]string) []string {
	base := map[string]string{
		"MAL_ID": fmt.Sprint(id), "Name": fmt.Sprintf("Hostile %d", id), "Score": "7.5", "Genres": "Action, Comedy",
		"English name": "Unknown", "Japanese name": "進撃の巨人", "Type": "TV", "Episodes": "12",
		"Aired": "Apr 3, 1998 to Apr 24, 1999", "Premiered": "Spring 1998", "Producers": "P1, P2", "Licensors": "Unknown",
		"Studios": "Sunrise", "Source": "Manga", "Duration": "24 min. per ep.", "Rating": "R - 17+ (violence & profanity)",
		"Ranked": "10.0", "Popularity": "5", "Members": "100", "Favorites": "1", "Watching": "2", "Completed": "3",
		"On-Hold": "4", "Dropped": "5", "Plan to Watch": "6",
	}
	for i := 1; i <= 10; i++ {
		base[fmt.Sprintf("Score-%d", i)] = fmt.Sprintf("%d.0", i*3)
	}
	for k, v := range over {
		base[k] = v
	}
	out := make([]string, len(dataset.AnimeColumns))
	for i, c := range dataset.AnimeColumns {
		out[i] = csvField(base[c])
	}
	return out
}

// HostileAnime returns anime.csv records (after the header) with ids from
// first: clean rows of every shape the decoder reads, values it rejects,
// repeats (identical and conflicting) and broken records; indexed adds
// the pandas index column. The lines join with "\n".
func HostileAnime(first int, indexed bool) []string {
	var lines []string
	id := first
	add := func(fields []string) {
		if indexed {
			fields = append([]string{fmt.Sprint(len(lines))}, fields...)
		}
		lines = append(lines, strings.Join(fields, ","))
	}
	row := func(over map[string]string) {
		add(animeRow(id, over))
		id++
	}
	for _, c := range []struct {
		col    string
		values []string
	}{
		{"Score", []string{"8.78", "7.9", "8.0", " 8.5 ", "\u00a08.5\u2003", "10", "1", "0.99", "10.01", "abc", "1e1", "8.", ".5", "+8.5",
			"-8", "8.555", "8.125", "8.005", "Unknown", "", " Unknown ", "Infinity", "0x8"}},
		{"Aired", []string{"Apr 3, 1998", "Apr, 2005", "Apr 2005", "2005", "Apr 3, 1998 to ?", "? to Apr 1999", "? to ?", "?",
			"Feb 30, 2001", "Feb 29, 2000", "Feb 29, 2001", "apr 3, 1998", "APRİL 3, 1998", "Not available",
			"Apr 3, 1998 to Mar 1, 1998", "1899", "2101", "Sept 2005", "Jun +3, 2005", "Jun 03, 2005",
			"Apr\u00a03,\u00a01998", "Apr 3 , 1998", "2005 to 2004", "Dec 31, 2100 to Jan 1, 2101", "Unknown", "",
			"Jan 1, 2000 to", "to Jan 1, 2000", "Apr 3, 1998 to Apr 24, 1999 to May 1, 2000", "September 2005 to October 2006",
			"\xff 2005", "Name\x00", " Jan 32, 2000"}},
		{"Premiered", []string{"spring 1998", "SPRING 1998", "Fall +1998", "Fall 1899", "Autumn 1998", "Spring", "Spring 1998 x",
			"Summer\u00a02001", "Unknown", "Winter 01998", "wİnter 2001", ""}},
		{"Duration", []string{"1 hr. 55 min.", "30 sec.", "2 hr.", "1 hr. 1 hr.", "per ep.", "24 min per ep.", "-1 min.", "+5 min.",
			"-0 min.", "24 min. per ep. per ep.", "Unknown", "5 min. 30 sec. per ep.", "99999999999999999999 min.",
			"1 min. 2 sec. 3 hr.", "7 sec. per ep.", "1 hr.\u00a02 min."}},
		{"Episodes", []string{"12.0", "12.5", "-1", "Unknown", "2147483648", "abc", " 7 ", "0"}},
		{"Members", []string{"1e3", "99999999999999999999", "2147483647"}},
		{"Ranked", []string{"0", "-0", "3.000"}},
		{"Score-3", []string{"x", ""}},
		{"Name", []string{"\xff\xfe", "a\x00b", "  Spaced  ", "Unknown", "Pokémon: \"The\" Movie", "Line one\nLine two", "Ünknown", "\ttabbed\t",
			"\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", "\xef\xbf\xbd", "\U0010FFFF", "a\u2028b"}},
		{"English name", []string{"", "Tokyo, \"Ghoul\""}},
		{"Genres", []string{"Action, Action, Unknown, , Comedy", "Unknown", " , ", "Drama,Drama", "\xc3\x28"}},
		{"Studios", []string{"A\x00", "Ufotable, \"Studio\" X"}},
		{"Rating", []string{"PG-13 - Teens 13 or older\r\nsecond line"}},
	} {
		for _, v := range c.values {
			row(map[string]string{c.col: v})
		}
	}
	// Repeats: identical (a duplicate), conflicting (a reject), and an id
	// whose first record is rejected (the next clean one wins).
	rep := id
	row(nil)
	add(animeRow(rep, nil))
	add(animeRow(rep, map[string]string{"Score": "6.1"}))
	add(animeRow(rep, map[string]string{"Genres": "Comedy, Action"}))
	add(animeRow(rep, map[string]string{"Genres": "Action, Comedy, Action"})) // identical once cleaned
	add(animeRow(id, map[string]string{"Score": "bad"}))
	add(animeRow(id, nil))
	add(animeRow(id, map[string]string{"Aired": "Apr 3, 1998 to Apr 24, 1999 "}))
	id++
	add(animeRow(id, map[string]string{"MAL_ID": fmt.Sprintf("%d.0", id)}))
	add(animeRow(id, nil))
	id++
	// Repeats that clean to the same values: identical.
	add(animeRow(id, map[string]string{"Genres": "Unknown", "Score": "8"}))
	add(animeRow(id, map[string]string{"Genres": " , Unknown", "Score": " 8.00"}))
	id++
	for _, bad := range []string{"0", "-5", "x", "", "2147483648"} {
		add(animeRow(id, map[string]string{"MAL_ID": bad}))
	}
	// Broken records: blank, short, long, junk after a quote, a stray quote
	// that opens a field spanning the next lines (the first line is
	// rejected and the next ones read again), a multi-line record of the
	// wrong shape, a CR before the line break.
	lines = append(lines, "")
	lines = append(lines, "1,2,3")
	add(append(animeRow(id, nil), "extra"))
	id++
	f := animeRow(id, nil)
	f[1] = `"Junk"x`
	add(f)
	id++
	f = animeRow(id, nil)
	f[len(f)-1] = `"9` // opens a quoted field at the line's end
	add(f)
	id++
	row(map[string]string{"Name": "closes the stray\"", "Japanese name": "and \"more"})
	f = animeRow(id, nil)
	f[1] = "\"Short\nrecord\""
	add(f[:20])
	id++
	row(nil)
	lines[len(lines)-1] += "\r"
	row(map[string]string{"Name": "a quote \"inside\" unquoted"})
	f = animeRow(id, nil)
	f[1] = `Not "quoted"`
	add(f)
	id++
	row(map[string]string{"Name": strings.Repeat("é", 2500)})
	f = animeRow(id, nil)
	f[2] = strings.Repeat("9", 5000)
	add(f)
	id++
	return lines
}

// HostileSynopses returns anime_with_synopsis.csv records with ids from
// first, with its five columns (withName false: MAL_ID and synopsis only).
func HostileSynopses(first int, indexed, withName bool) []string {
	var lines []string
	id := first
	add := func(fields ...string) {
		if !withName {
			fields = []string{fields[0], fields[len(fields)-1]}
		}
		for i := range fields {
			fields[i] = csvField(fields[i])
		}
		if indexed {
			fields = append([]string{fmt.Sprint(len(lines))}, fields...)
		}
		lines = append(lines, strings.Join(fields, ","))
	}
	for _, text := range []string{
		"A plain synopsis.", "Spans\nthree\nlines, with \"quotes\".", "CRLF\r\ninside", "",
		"No synopsis information has been added to this title. Help improve our database by adding a synopsis here.",
		"No synopsis has been added for this series yet. Click here to update this information.",
		"  padded  ", "Unknown", "bad \xff byte", "nul \x00 byte", "(Source: ANN)\n\n", strings.Repeat("long ", 1500),
		"ends with a quote\"",
	} {
		add(fmt.Sprint(id), fmt.Sprintf("Name %d", id), "7.1", "Action", text)
		id++
	}
	add(fmt.Sprint(id), "Same", "7.1", "Action", "Same text")
	add(fmt.Sprint(id), "Same", "8.1", "Drama", "Same text") // Score and Genres are not kept: identical
	add(fmt.Sprint(id), "Same", "7.1", "Action", "Other text")
	id++
	add("x", "N", "7", "A", "t")
	add("0", "N", "7", "A", "t")
	lines = append(lines, "")
	open := fmt.Sprintf(`%d,"Open, never closed`, id)
	if indexed {
		open = "99," + open
	}
	lines = append(lines, open)
	add(fmt.Sprint(id+1), "After", "7", "A", "read again")
	return lines
}

// HostileStatuses returns watching_status.csv records (codes from 10).
func HostileStatuses(indexed bool) []string {
	rows := [][2]string{
		{"10", " Rewatching"}, {"10", "Rewatching"}, {"10", "Rewatch"}, {"11", ""}, {"12", "Unknown"}, {"-1", "Neg"},
		{" 13 ", "Spaced"}, {"14.0", "Float"}, {"14.5", "Half"}, {"32768", "Big"}, {"15", "bad \xff"}, {"x", "X"},
	}
	var lines []string
	for i, r := range rows {
		l := r[0] + "," + csvField(r[1])
		if indexed {
			l = fmt.Sprint(100+i) + "," + l
		}
		lines = append(lines, l)
	}
	return append(lines, "", "16,a,b")
}
