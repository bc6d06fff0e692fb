package dataset

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func FuzzParseAired(f *testing.F) {
	for _, s := range []string{
		"Apr 3, 1998 to Apr 24, 1999", "Sep 1, 2001", "2005", "Apr, 2005", "Apr 2005 to ?", "2019 to ?", "Unknown",
		"? to ?", "?", "", "Feb 30, 2001", "Apr 24, 1999 to Apr 3, 1998", "not yet aired", "Jan 1, 2000 to Dec 31, 1999 to ?",
	} {
		f.Add(s, uint16(1998), uint8(4), uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, y uint16, m, d uint8) {
		from, to, ok := ParseAired(s)
		if !ok && (from != nil || to != nil) {
			t.Fatalf("%q: dates without ok", s)
		}
		for _, p := range []*time.Time{from, to} {
			if p != nil && (p.Year() < 1900 || p.Year() > 2100 || p.Location() != time.UTC) {
				t.Fatalf("%q: date %v", s, p)
			}
		}
		if from != nil && to != nil && to.Before(*from) {
			t.Fatalf("%q: %v after %v", s, from, to)
		}
		// Round trip of a real date in each shape the source writes.
		year, month := 1900+int(y)%201, time.Month(1+int(m)%12)
		last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
		dd := 1 + int(d)%last
		date := time.Date(year, month, dd, 0, 0, 0, 0, time.UTC)
		mon := monthAbbr[month-1]
		shapes := []struct {
			in       string
			from, to *time.Time
		}{
			{fmt.Sprintf("%s %d, %d", mon, dd, year), &date, &date},
			{fmt.Sprintf("%s %d, %d to ?", mon, dd, year), &date, nil},
			{fmt.Sprintf("%s, %d", mon, year), day(year, month, 1), day(year, month, last)},
			{fmt.Sprintf("%s %d to ?", mon, year), day(year, month, 1), nil},
			{fmt.Sprintf("%d", year), day(year, 1, 1), day(year, 12, 31)},
			{fmt.Sprintf("%d to ?", year), day(year, 1, 1), nil},
			{fmt.Sprintf("%s %d, %d to %s %d, %d", mon, dd, year, mon, dd, year), &date, &date},
		}
		for _, sh := range shapes {
			gf, gt, ok := ParseAired(sh.in)
			if !ok || !sameDate(gf, sh.from) || !sameDate(gt, sh.to) {
				t.Fatalf("ParseAired(%q) = %v, %v, %v; want %v, %v", sh.in, deref(gf), deref(gt), ok, deref(sh.from), deref(sh.to))
			}
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"24 min. per ep.", "24 min.", "1 hr. 55 min.", "30 sec.", "2 hr.", "1 hr. 5 min. per ep.", "Unknown", "",
		"per ep.", "24 min. 5 min.", "-5 min.", "99999999999999999999 hr.",
	} {
		f.Add(s, uint8(1), uint8(5), uint8(30))
	}
	f.Fuzz(func(t *testing.T, s string, h, m, sec uint8) {
		got, ok := ParseDuration(s)
		if !ok && got != 0 {
			t.Fatalf("%q: %v without ok", s, got)
		}
		if ok && (got < 0 || math.IsNaN(got) || math.IsInf(got, 0)) {
			t.Fatalf("%q: %v minutes", s, got)
		}
		// Round trip of every combination of units the source writes.
		want := float64(h)*60 + float64(m) + float64(sec)/60
		var parts []string
		var sum float64
		for _, u := range []struct {
			v    uint8
			unit string
			mins float64
		}{{h, "hr.", 60}, {m, "min.", 1}, {sec, "sec.", 1.0 / 60}} {
			if u.v != 0 {
				parts = append(parts, fmt.Sprintf("%d %s", u.v, u.unit))
				sum += float64(u.v) * u.mins
			}
		}
		if len(parts) == 0 {
			return
		}
		for _, in := range []string{strings.Join(parts, " "), strings.Join(parts, " ") + " per ep."} {
			got, ok := ParseDuration(in)
			if !ok || math.Abs(got-want) > 1e-9 || math.Abs(got-sum) > 1e-9 {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", in, got, ok, want)
			}
		}
	})
}
