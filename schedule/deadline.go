package schedule

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// Clock24 is a time of day, such as the daily deadline.
type Clock24 struct{ Hour, Minute int }

// ParseClock reads "HH:MM" (24-hour). It fails with animetl.ErrConfig.
func ParseClock(s string) (Clock24, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return Clock24{}, fmt.Errorf("schedule: deadline %q: want HH:MM such as 07:00, or off: %w", s, animetl.ErrConfig)
	}
	return Clock24{hh, mm}, nil
}

// On returns the clock's moment on t's day in loc.
func (c Clock24) On(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return place(time.Date(t.Year(), t.Month(), t.Day(), c.Hour, c.Minute, 0, 0, time.UTC), loc)
}

// dayStart is midnight of t's day in loc (or the first moment of the day
// where midnight does not exist).
func dayStart(t time.Time, loc *time.Location) time.Time {
	return Clock24{}.On(t, loc)
}

// nextDeadline is the first deadline strictly after now; zero when off.
func (s *Scheduler) nextDeadline(now time.Time) time.Time {
	if s.deadline == nil {
		return time.Time{}
	}
	d := s.deadline.On(now, s.opts.Location)
	if !d.After(now) {
		d = s.deadline.On(now.In(s.opts.Location).AddDate(0, 0, 1), s.opts.Location)
	}
	s.update(func(st *State) { st.Deadline = d })
	s.metrics.deadline.Set(float64(d.Unix()))
	return d
}

// checkLate judges today at now: once today's deadline has passed, the day
// is late unless a run published between the start of the day and the
// deadline. A day found late is logged at ERROR, shown by the metric and
// alerted, once; a publish after it clears the metric (the recovery notice
// goes with the success). atStart is the check when the process starts,
// which says nothing before the deadline.
func (s *Scheduler) checkLate(ctx context.Context, now time.Time, atStart bool) {
	if s.deadline == nil {
		return
	}
	d := s.deadline.On(now, s.opts.Location)
	if now.Before(d) {
		if !atStart {
			s.setLate(false)
		}
		return
	}
	last, err := s.opts.LastSuccess(ctx)
	switch {
	case errors.Is(err, animetl.ErrNotFound):
		last = time.Time{}
	case err != nil:
		s.log.Warn("reading the last succeeded run for the deadline", animetl.LogError, err)
		last = s.State().LastSuccess
	default:
		s.setLastSuccess(last)
	}
	start := dayStart(now, s.opts.Location)
	if !last.Before(start) {
		// A publish today: on time, or late and now recovered.
		s.setLate(false)
		return
	}
	day := now.In(s.opts.Location).Format(time.DateOnly)
	s.mu.Lock()
	first := s.lateDay != day
	s.lateDay = day
	if first {
		s.alerting = true
	}
	s.mu.Unlock()
	s.setLate(true)
	if !first {
		return
	}
	lastText := "never"
	if !last.IsZero() {
		lastText = last.In(s.opts.Location).Format(time.RFC3339)
	}
	s.log.Error("deadline missed: no run published today by the deadline", "deadline", d.Format(time.RFC3339),
		"last_success", lastText)
	s.metrics.lateDays.Inc()
	s.notify(Alert{Status: AlertLate, Text: fmt.Sprintf("animetl is late: nothing published on %s by %s %s (last publish: %s)",
		day, d.Format("15:04"), s.opts.Location, lastText)})
}

func (s *Scheduler) setLate(late bool) {
	s.update(func(st *State) { st.Late = late })
	v := 0.0
	if late {
		v = 1
	}
	s.metrics.late.Set(v)
}
