package dataset

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/animetl/animetl"
)

var months = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
	"january": time.January, "february": time.February, "march": time.March, "april": time.April,
	"june": time.June, "july": time.July, "august": time.August, "september": time.September,
	"october": time.October, "november": time.November, "december": time.December,
}

// ParseAired parses the Aired column into a start and an end date. Partial
// dates resolve to their period: the first day of the month or year for the
// start, the last day for the end. "to ?" (still airing) leaves the end nil;
// a single date is both start and end. Shapes it cannot read give nil dates
// (the raw text is kept by the caller), so ok is false only for those.
func ParseAired(s string) (from, to *time.Time, ok bool) {
	lo, hi, hasFrom, hasTo, ok := parseAired(s)
	if hasFrom {
		from = &lo
	}
	if hasTo {
		to = &hi
	}
	return from, to, ok
}

// parseAired is ParseAired with the dates as values, each with whether
// there is one.
func parseAired(s string) (from, to time.Time, hasFrom, hasTo, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == unknown || s == "?" {
		return from, to, false, false, s != ""
	}
	left, right, ranged := strings.Cut(s, " to ")
	lo, hi, okL := parseDatePeriod(left)
	if !ranged {
		if !okL {
			return from, to, false, false, false
		}
		return lo, hi, true, true, true
	}
	right = strings.TrimSpace(right)
	left = strings.TrimSpace(left)
	if okL {
		from, hasFrom = lo, true
	} else if left != "?" {
		return from, to, false, false, false
	}
	if right != "?" {
		_, end, okR := parseDatePeriod(right)
		if !okR {
			return time.Time{}, to, false, false, false
		}
		to, hasTo = end, true
	}
	if hasFrom && hasTo && to.Before(from) {
		return time.Time{}, time.Time{}, false, false, false
	}
	return from, to, hasFrom, hasTo, true
}

// parseDatePeriod reads "Apr 3, 1998", "Apr, 2005", "Apr 2005" or "2005" and
// returns the first and last day of the period it names.
func parseDatePeriod(s string) (first, last time.Time, ok bool) {
	var buf [4]string
	tokens := fieldsOf(buf[:0], s, true)
	year := func(t string) (int, bool) {
		y, err := strconv.Atoi(t)
		return y, err == nil && len(t) == 4 && y >= 1900 && y <= 2100
	}
	switch len(tokens) {
	case 1:
		y, ok := year(tokens[0])
		if !ok {
			return first, last, false
		}
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC), true
	case 2:
		m, okM := lookupLower(months, tokens[0])
		y, okY := year(tokens[1])
		if !okM || !okY {
			return first, last, false
		}
		first = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, -1), true
	case 3:
		m, okM := lookupLower(months, tokens[0])
		d, errD := strconv.Atoi(tokens[1])
		y, okY := year(tokens[2])
		if !okM || errD != nil || !okY || d < 1 || d > 31 {
			return first, last, false
		}
		first = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if first.Day() != d { // Feb 30 and friends
			return time.Time{}, time.Time{}, false
		}
		return first, first, true
	}
	return first, last, false
}

// seasons maps the Premiered season names to their canonical spelling.
var seasons = map[string]string{"winter": "Winter", "spring": "Spring", "summer": "Summer", "fall": "Fall"}

// ParsePremiered reads "Spring 1998" into a season and a year.
func ParsePremiered(s string) (season string, year int16, ok bool) {
	var buf [2]string
	f := fieldsOf(buf[:0], s, false)
	if len(f) != 2 {
		return "", 0, false
	}
	season, ok = lookupLower(seasons, f[0])
	y, err := strconv.Atoi(f[1])
	if !ok || err != nil || y < 1900 || y > 2100 {
		return "", 0, false
	}
	return season, int16(y), true
}

var durationUnits = [3]string{"hr.", "min.", "sec."}

// ParseDuration reads "24 min. per ep.", "1 hr. 55 min.", "30 sec.", "2 hr."
// and their combinations into minutes (per episode where the source says so).
func ParseDuration(s string) (minutes float64, ok bool) {
	var buf [8]string
	f := fieldsOf(buf[:0], s, false)
	if n := len(f); n >= 2 && f[n-2] == "per" && f[n-1] == "ep." {
		f = f[:n-2]
	}
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, false
	}
	var seen [3]bool // hr., min., sec.
	for i := 0; i < len(f); i += 2 {
		v, err := strconv.Atoi(f[i])
		if err != nil || v < 0 {
			return 0, false
		}
		unit := slices.Index(durationUnits[:], f[i+1])
		if unit < 0 || seen[unit] {
			return 0, false
		}
		seen[unit] = true
		switch unit {
		case 0:
			minutes += float64(v) * 60
		case 1:
			minutes += float64(v)
		default:
			minutes += float64(v) / 60
		}
	}
	return minutes, true
}

// ParseScore reads a catalogue score ("8.78", "7.9", "8.0") in 1-10 into
// hundredths, rounding anything finer than two decimals.
func ParseScore(s string) (animetl.Score, bool) {
	s = strings.TrimSpace(s)
	if !isDecimal([]byte(s)) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 1 || v > 10 {
		return 0, false
	}
	return animetl.Score(math.Round(v * 100)), true
}

// fieldsOf appends to dst the fields of s as strings.Fields splits it (on
// runs of Unicode white space), and on commas too when commas is set: the
// parsers above read short values into a buffer of their own instead of a
// new slice each.
func fieldsOf(dst []string, s string, commas bool) []string {
	start := -1
	for i := 0; i < len(s); {
		c, size := rune(s[i]), 1
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || ('\t' <= c && c <= '\r') || (commas && c == ',')
		} else {
			c, size = utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(c)
		}
		if space {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// lookupLower is m[strings.ToLower(k)] for maps keyed by lower-case words
// (months, seasons), without making the lower-case copy when k is ASCII.
func lookupLower[V any](m map[string]V, k string) (V, bool) {
	var buf [16]byte
	if len(k) > len(buf) {
		v, ok := m[strings.ToLower(k)]
		return v, ok
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 0x80 {
			v, ok := m[strings.ToLower(k)]
			return v, ok
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	v, ok := m[string(buf[:len(k)])]
	return v, ok
}
