package dataset

import (
	"math"
	"strconv"
	"strings"
	"time"

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
	s = strings.TrimSpace(s)
	if s == "" || s == unknown || s == "?" {
		return nil, nil, s != ""
	}
	left, right, ranged := strings.Cut(s, " to ")
	lo, hi, okL := parseDatePeriod(left)
	if !ranged {
		if !okL {
			return nil, nil, false
		}
		return &lo, &hi, true
	}
	right = strings.TrimSpace(right)
	left = strings.TrimSpace(left)
	var pFrom, pTo *time.Time
	if okL {
		pFrom = &lo
	} else if left != "?" {
		return nil, nil, false
	}
	if right != "?" {
		_, end, okR := parseDatePeriod(right)
		if !okR {
			return nil, nil, false
		}
		pTo = &end
	}
	if pFrom != nil && pTo != nil && pTo.Before(*pFrom) {
		return nil, nil, false
	}
	return pFrom, pTo, true
}

// parseDatePeriod reads "Apr 3, 1998", "Apr, 2005", "Apr 2005" or "2005" and
// returns the first and last day of the period it names.
func parseDatePeriod(s string) (first, last time.Time, ok bool) {
	tokens := strings.Fields(strings.ReplaceAll(s, ",", " "))
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
		m, okM := months[strings.ToLower(tokens[0])]
		y, okY := year(tokens[1])
		if !okM || !okY {
			return first, last, false
		}
		first = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, -1), true
	case 3:
		m, okM := months[strings.ToLower(tokens[0])]
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
	f := strings.Fields(s)
	if len(f) != 2 {
		return "", 0, false
	}
	season, ok = seasons[strings.ToLower(f[0])]
	y, err := strconv.Atoi(f[1])
	if !ok || err != nil || y < 1900 || y > 2100 {
		return "", 0, false
	}
	return season, int16(y), true
}

// ParseDuration reads "24 min. per ep.", "1 hr. 55 min.", "30 sec.", "2 hr."
// and their combinations into minutes (per episode where the source says so).
func ParseDuration(s string) (minutes float64, ok bool) {
	f := strings.Fields(s)
	if n := len(f); n >= 2 && f[n-2] == "per" && f[n-1] == "ep." {
		f = f[:n-2]
	}
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, false
	}
	seen := map[string]bool{}
	for i := 0; i < len(f); i += 2 {
		v, err := strconv.Atoi(f[i])
		if err != nil || v < 0 || seen[f[i+1]] {
			return 0, false
		}
		seen[f[i+1]] = true
		switch f[i+1] {
		case "hr.":
			minutes += float64(v) * 60
		case "min.":
			minutes += float64(v)
		case "sec.":
			minutes += float64(v) / 60
		default:
			return 0, false
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
