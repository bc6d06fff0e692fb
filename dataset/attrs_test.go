package dataset

import (
	"math"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestParseAired(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		from, to *time.Time
		ok       bool
	}{
		{"full range", "Apr 3, 1998 to Apr 24, 1999", day(1998, 4, 3), day(1999, 4, 24), true},
		{"single date", "Sep 1, 2001", day(2001, 9, 1), day(2001, 9, 1), true},
		{"year only", "2005", day(2005, 1, 1), day(2005, 12, 31), true},
		{"month comma year", "Apr, 2005", day(2005, 4, 1), day(2005, 4, 30), true},
		{"month year", "Apr 2005", day(2005, 4, 1), day(2005, 4, 30), true},
		{"month year still airing", "Apr 2005 to ?", day(2005, 4, 1), nil, true},
		{"year still airing", "2019 to ?", day(2019, 1, 1), nil, true},
		{"full date still airing", "Oct 20, 1999 to ?", day(1999, 10, 20), nil, true},
		{"unknown start", "? to Apr 2005", nil, day(2005, 4, 30), true},
		{"unknown both", "? to ?", nil, nil, true},
		{"question mark", "?", nil, nil, true},
		{"Unknown", "Unknown", nil, nil, true},
		{"range of years", "2005 to 2006", day(2005, 1, 1), day(2006, 12, 31), true},
		{"date to month", "Oct 2, 2009 to Mar, 2010", day(2009, 10, 2), day(2010, 3, 31), true},
		{"single day range", "Jul 1, 2016 to Jul 1, 2016", day(2016, 7, 1), day(2016, 7, 1), true},
		{"leap February", "Feb, 2004", day(2004, 2, 1), day(2004, 2, 29), true},
		{"plain February", "Feb 2005", day(2005, 2, 1), day(2005, 2, 28), true},
		{"December", "Dec 2005", day(2005, 12, 1), day(2005, 12, 31), true},
		{"full month name", "April 3, 1998", day(1998, 4, 3), day(1998, 4, 3), true},
		{"lower case month", "apr 3, 1998", day(1998, 4, 3), day(1998, 4, 3), true},
		{"no comma", "Apr 3 1998", day(1998, 4, 3), day(1998, 4, 3), true},
		{"padded", "  2005 to ?  ", day(2005, 1, 1), nil, true},
		{"empty", "", nil, nil, false},
		{"garbage", "not yet aired", nil, nil, false},
		{"garbage range", "soon to later", nil, nil, false},
		{"end before start", "Apr 24, 1999 to Apr 3, 1998", nil, nil, false},
		{"Feb 30", "Feb 30, 2001", nil, nil, false},
		{"day 32", "Jan 32, 2001", nil, nil, false},
		{"day 0", "Jan 0, 2001", nil, nil, false},
		{"unknown month", "Foo 3, 2001", nil, nil, false},
		{"year too early", "1899", nil, nil, false},
		{"year too late", "2101", nil, nil, false},
		{"two-digit year", "Apr 98", nil, nil, false},
		{"five-digit year", "20050", nil, nil, false},
		{"dangling to", "Apr 3, 1998 to", nil, nil, false},
		{"two tos", "2001 to 2002 to ?", nil, nil, false},
		{"bad end", "Apr 3, 1998 to whenever", nil, nil, false},
		{"bad start", "whenever to Apr 3, 1998", nil, nil, false},
		{"too many tokens", "Mon Apr 3, 1998", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, ok := ParseAired(tt.in)
			if ok != tt.ok || !sameDate(from, tt.from) || !sameDate(to, tt.to) {
				t.Errorf("ParseAired(%q) = %v, %v, %v; want %v, %v, %v", tt.in, deref(from), deref(to), ok, deref(tt.from), deref(tt.to), tt.ok)
			}
			for _, d := range []*time.Time{from, to} {
				if d != nil && (d.Location() != time.UTC || d.Hour() != 0) {
					t.Errorf("date %v is not a UTC midnight", d)
				}
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"24 min. per ep.", 24, true},
		{"24 min.", 24, true},
		{"1 hr. 55 min.", 115, true},
		{"30 sec.", 0.5, true},
		{"2 hr.", 120, true},
		{"1 hr. 5 min. per ep.", 65, true},
		{"1 min. 30 sec.", 1.5, true},
		{"3 min. 20 sec. per ep.", 3 + 20.0/60, true},
		{"1 hr. 1 min. 1 sec.", 61 + 1.0/60, true},
		{"45 sec. per ep.", 0.75, true},
		{"0 min.", 0, true},
		{"  24  min.  per  ep. ", 24, true},
		{"Unknown", 0, false},
		{"", 0, false},
		{"per ep.", 0, false},
		{"24", 0, false},
		{"min.", 0, false},
		{"24 mins", 0, false},
		{"24 min", 0, false},
		{"24 min. per episode", 0, false},
		{"-5 min.", 0, false},
		{"x min.", 0, false},
		{"1.5 hr.", 0, false},
		{"24 min. 5 min.", 0, false},
		{"1 day", 0, false},
		{"24 min. per ep. per ep.", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseDuration(tt.in)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseScore(t *testing.T) {
	tests := []struct {
		in   string
		want animetl.Score
		ok   bool
	}{
		{"8.78", 878, true},
		{"7.9", 790, true},
		{"8.0", 800, true},
		{"8", 800, true},
		{"10", 1000, true},
		{"10.00", 1000, true},
		{"1.00", 100, true},
		{"1", 100, true},
		{" 8.78 ", 878, true},
		{"6.786", 679, true}, // finer than hundredths rounds
		{"9.999", 1000, true},
		{"11.5", 0, false},
		{"0.5", 0, false},
		{"0", 0, false},
		{"0.99", 0, false},
		{"10.01", 0, false},
		{"-8", 0, false},
		{"", 0, false},
		{"Unknown", 0, false},
		{"abc", 0, false},
		{"8.78a", 0, false},
		{"8,78", 0, false},
		{"8.", 0, false},
		{".5", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e1", 0, false},
		{"0x1p3", 0, false},
		{"8_0", 0, false},
		{"8.7.8", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseScore(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseScore(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if ok && (got.Float() < 1 || got.Float() > 10) {
				t.Errorf("score %v out of [1, 10]", got.Float())
			}
		})
	}
}

func TestParsePremiered(t *testing.T) {
	tests := []struct {
		in     string
		season string
		year   int16
		ok     bool
	}{
		{"Spring 1998", "Spring", 1998, true},
		{"Summer 2012", "Summer", 2012, true},
		{"Fall 2019", "Fall", 2019, true},
		{"Winter 2021", "Winter", 2021, true},
		{"spring 1998", "Spring", 1998, true},
		{" Fall  1961 ", "Fall", 1961, true},
		{"Autumn 1998", "", 0, false},
		{"Spring", "", 0, false},
		{"1998", "", 0, false},
		{"Spring 98", "", 0, false},
		{"Spring 1899", "", 0, false},
		{"Spring 1998 TV", "", 0, false},
		{"Spring abcd", "", 0, false},
		{"", "", 0, false},
		{"Unknown", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			season, year, ok := ParsePremiered(tt.in)
			if season != tt.season || year != tt.year || ok != tt.ok {
				t.Errorf("ParsePremiered(%q) = %q, %d, %v; want %q, %d, %v", tt.in, season, year, ok, tt.season, tt.year, tt.ok)
			}
		})
	}
}
