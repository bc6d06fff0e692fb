// Package schedule runs the pipeline on a schedule in a long-lived process:
// one run at a time, retries of failures that can pass by waiting, a catch-up
// run at start when the machine slept through a scheduled time, and a daily
// deadline whose miss is logged, counted and sent to a webhook.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/animetl/animetl"
)

// Schedule gives the moments a run is due.
type Schedule interface {
	// Next returns the first moment strictly after t when a run is due.
	Next(t time.Time) time.Time
}

// DefaultSpec is the default schedule: 05:00 every day, which leaves the
// default 07:00 deadline room for retries.
const DefaultSpec = "0 5 * * *"

// parser reads standard 5-field specs and the descriptors (@daily,
// @hourly, @every 10m).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a cron spec: 5 fields (minute hour day-of-month month
// day-of-week), a descriptor (@yearly, @monthly, @weekly, @daily, @hourly)
// or @every DURATION. The times of a spec are wall-clock times in loc (nil
// means the local zone). It fails with animetl.ErrConfig naming the spec.
func Parse(spec string, loc *time.Location) (Schedule, error) {
	if loc == nil {
		loc = time.Local
	}
	if s := strings.TrimSpace(spec); strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule: cron %q: give the zone with --tz, not in the spec: %w", spec, animetl.ErrConfig)
	}
	// @every is read here: robfig/cron rounds intervals to whole seconds,
	// and tests tick faster.
	if d, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every "); ok {
		iv, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || iv <= 0 {
			return nil, fmt.Errorf("schedule: cron %q: want @every and a positive duration such as 10m: %w", spec, animetl.ErrConfig)
		}
		return every{iv}, nil
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule: cron %q: %s: %w", spec, fieldError(spec, err), animetl.ErrConfig)
	}
	if s, ok := s.(*cron.SpecSchedule); ok {
		w := &wallSchedule{spec: s, loc: loc}
		if w.Next(time.Now()).IsZero() {
			return nil, fmt.Errorf("schedule: cron %q: never due (no such day in the next %d years): %w", spec, searchYears, animetl.ErrConfig)
		}
		return w, nil
	}
	return nil, fmt.Errorf("schedule: cron %q: unsupported: %w", spec, animetl.ErrConfig)
}

// cronFields names the five fields of a spec, in order.
var cronFields = [5]string{"minute", "hour", "day of month", "month", "day of week"}

// fieldError says which field of a 5-field spec the parser refused, with the
// field's allowed range: robfig/cron's own message names neither.
func fieldError(spec string, err error) string {
	fields := strings.Fields(spec)
	if len(fields) != len(cronFields) {
		if strings.HasPrefix(strings.TrimSpace(spec), "@") {
			return "unknown descriptor: want @yearly, @monthly, @weekly, @daily, @hourly or @every DURATION"
		}
		return fmt.Sprintf("%d fields: want 5 (minute hour day-of-month month day-of-week) or a descriptor such as @daily", len(fields))
	}
	ranges := [5]string{"0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-6 or SUN-SAT"}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, perr := parser.Parse(strings.Join(probe, " ")); perr != nil {
			return fmt.Sprintf("%s field %q: want %s (%v)", cronFields[i], f, ranges[i], perr)
		}
	}
	return err.Error()
}

// every is @every DURATION: due each interval after the previous moment.
// Its moments are real time apart, whatever the wall clock does.
type every struct{ d time.Duration }

func (e every) Next(t time.Time) time.Time { return t.Add(e.d) }

// wallSchedule is a cron spec read as wall-clock times in loc, with the
// daylight-saving rule the pipeline needs and robfig/cron's own Next does
// not keep: a wall time that does not exist on a spring-forward day (02:30
// in America/New_York) is due once, at the moment the clock jumps to (03:30
// daylight time), not skipped for the day; a wall time that happens twice
// on a fall-back day (01:30) is due once, at its first occurrence.
// robfig/cron skips the first and fires the second twice. Only the parser
// of robfig/cron is used.
type wallSchedule struct {
	spec *cron.SpecSchedule
	loc  *time.Location
}

// starBit marks a field given as * (robfig/cron's own, unexported).
const starBit = 1 << 63

// searchYears bounds the search for a matching wall time (Feb 29 specs
// match once in four years; a spec that never matches, such as 30 Feb,
// gives the zero time).
const searchYears = 5

func (w *wallSchedule) Next(t time.Time) time.Time {
	// Walk wall-clock minutes as naive UTC times, where no day has a gap
	// or a repeat, then place each match in the zone.
	lt := t.In(w.loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), 0, 0, time.UTC).Add(time.Minute)
	end := wall.AddDate(searchYears, 0, 0)
	for wall.Before(end) {
		switch {
		case 1<<uint(wall.Month())&w.spec.Month == 0:
			wall = time.Date(wall.Year(), wall.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !w.dayMatches(wall):
			wall = time.Date(wall.Year(), wall.Month(), wall.Day()+1, 0, 0, 0, 0, time.UTC)
		case 1<<uint(wall.Hour())&w.spec.Hour == 0:
			wall = wall.Truncate(time.Hour).Add(time.Hour)
		case 1<<uint(wall.Minute())&w.spec.Minute == 0:
			wall = wall.Add(time.Minute)
		default:
			at := place(wall, w.loc)
			if at.After(t) {
				return at
			}
			// A wall time of a repeated hour already passed at its first
			// occurrence, or one of a gap that maps to a moment already due.
			wall = wall.Add(time.Minute)
		}
	}
	return time.Time{}
}

// dayMatches is cron's day rule: when day-of-month or day-of-week is *,
// both must match; else either.
func (w *wallSchedule) dayMatches(t time.Time) bool {
	dom := 1<<uint(t.Day())&w.spec.Dom > 0
	dow := 1<<uint(t.Weekday())&w.spec.Dow > 0
	if w.spec.Dom&starBit > 0 || w.spec.Dow&starBit > 0 {
		return dom && dow
	}
	return dom || dow
}

// place returns the moment a wall-clock time (a naive time in UTC) names in
// loc: the earlier of two when the wall time happens twice, and for a wall
// time skipped by a spring-forward change, the moment it would have been
// without the change (02:30 standard time, shown as 03:30 daylight time).
// time.Date does not promise which it picks in either case.
func place(wall time.Time, loc *time.Location) time.Time {
	// Zone offsets a day and a half either side of the wall time straddle
	// any change near it.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	_, after := wall.Add(36 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		at := time.Unix(wall.Unix()-int64(off), 0).In(loc)
		if sameWall(at, wall) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if best.IsZero() {
		best = time.Unix(wall.Unix()-int64(before), 0).In(loc)
	}
	return best
}

// sameWall reports whether at shows the wall-clock time wall (to the minute).
func sameWall(at, wall time.Time) bool {
	return at.Year() == wall.Year() && at.Month() == wall.Month() && at.Day() == wall.Day() &&
		at.Hour() == wall.Hour() && at.Minute() == wall.Minute()
}
