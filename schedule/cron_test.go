package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("zone %s: %v", name, err)
	}
	return loc
}

func mustParse(tb testing.TB, spec string, loc *time.Location) Schedule {
	tb.Helper()
	s, err := Parse(spec, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// times walks n due moments after from.
func times(s Schedule, from time.Time, n int) []time.Time {
	var out []time.Time
	for t := from; len(out) < n; {
		t = s.Next(t)
		out = append(out, t)
	}
	return out
}

func TestNextAcrossDaylightSaving(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	berlin := mustZone(t, "Europe/Berlin")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name string
		spec string
		loc  *time.Location
		from string // RFC3339
		want []string
	}{
		{"a time in the spring gap fires once, when the clock jumps", "30 2 * * *", ny, "2026-03-07T12:00:00-05:00",
			[]string{"2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"a time in the repeated hour fires once, the first time", "30 1 * * *", ny, "2026-10-31T12:00:00-04:00",
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"started inside the repeated hour after its first 01:30", "30 1 * * *", ny, "2026-11-01T01:10:00-05:00",
			[]string{"2026-11-02T01:30:00-05:00"}},
		{"every half hour through the spring gap", "*/30 * * * *", ny, "2026-03-08T01:00:00-05:00",
			[]string{"2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00", "2026-03-08T04:00:00-04:00"}},
		{"hourly through the repeated hour", "0 * * * *", ny, "2026-10-31T23:30:00-04:00",
			[]string{"2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"}},
		{"Berlin spring gap", "30 2 * * *", berlin, "2026-03-28T12:00:00+01:00",
			[]string{"2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{"Berlin repeated hour", "30 2 * * *", berlin, "2026-10-24T12:00:00+02:00",
			[]string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
		{"the default 05:00 on both change days", DefaultSpec, ny, "2026-03-07T06:00:00-05:00",
			[]string{"2026-03-08T05:00:00-04:00", "2026-03-09T05:00:00-04:00"}},
		{"@daily is midnight in the zone", "@daily", berlin, "2026-10-24T12:00:00+02:00",
			[]string{"2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"}},
		{"weekday ranges", "0 5 * * 1-5", ny, "2026-03-06T06:00:00-05:00", // a Friday
			[]string{"2026-03-09T05:00:00-04:00"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.spec, c.loc)
			got := times(s, utc(c.from), len(c.want))
			for i, w := range c.want {
				if !got[i].Equal(utc(w)) {
					t.Errorf("next #%d = %s, want %s", i+1, got[i].In(c.loc).Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, spec := range []string{"0 5 * * *", "@daily", "@hourly", "@every 100ms", "*/15 3-6 * * mon-fri", "0 0 29 2 *"} {
		if _, err := Parse(spec, time.UTC); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	for _, spec := range []string{"", "0 5 * *", "0 25 * * *", "@sometimes", "@every -1m", "@every 0s", "TZ=UTC 0 5 * * *", "0 0 5 * * *"} {
		if _, err := Parse(spec, time.UTC); !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("%q: err = %v, want ErrConfig", spec, err)
		}
	}
}

// TestParseErrorsNameTheField: a refused spec says which field and what it
// allows, and a spec that is never due (30 February) is refused, not run
// never.
func TestParseErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"0 25 * * *", `hour field "25": want 0-23`},
		{"61 * * * *", `minute field "61": want 0-59`},
		{"0 5 32 * *", `day of month field "32": want 1-31`},
		{"0 5 * 13 *", `month field "13": want 1-12`},
		{"0 5 * * MON-XYZ", `day of week field "MON-XYZ": want 0-6`},
		{"* * *", "3 fields: want 5"},
		{"@sometimes", "unknown descriptor"},
		{"0 0 30 2 *", "never due"},
		{"0 0 31 4 *", "never due"},
	} {
		_, err := Parse(tc.spec, time.UTC)
		if !errors.Is(err, animetl.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want ErrConfig saying %q", tc.spec, err, tc.want)
		}
	}
}
