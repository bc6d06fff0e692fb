package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// healthz says the process answers; it reads nothing.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says a published state is readable: 503 when nothing is published
// or the warehouse cannot be read.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	pub, err := s.pub.Published(r.Context())
	if err != nil {
		s.logReadError(r, err)
		writeError(w, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "run_id": pub.RunID, "published_at": formatTime(pub.At)})
}

// clock is a time of day.
type clock struct{ hour, minute int }

// parseClock reads "HH:MM" (24-hour).
func parseClock(s string) (clock, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return clock{}, fmt.Errorf("serve: deadline %q: want HH:MM, such as 07:00: %w", s, animetl.ErrConfig)
	}
	return clock{hh, mm}, nil
}

// on returns the clock's moment on t's day, in t's zone.
func (c clock) on(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), c.hour, c.minute, 0, 0, t.Location())
}

// Freshness statuses.
const (
	fresh = "fresh" // today's publish came before the deadline, or the deadline has not come yet and yesterday's did
	late  = "late"  // the deadline passed without a publish before it
	none  = "none"  // nothing is published
)

// freshnessStatus judges the publish at pub against the deadline at now
// (both in the deadline's zone). Before today's deadline, a publish since
// the start of yesterday is fresh: yesterday's data is what today has
// until the deadline. From the deadline on, only a publish today at or
// before the deadline is.
func freshnessStatus(pub, now time.Time, deadline clock) (string, time.Time) {
	d := deadline.on(now)
	if now.Before(d) {
		y := now.AddDate(0, 0, -1)
		if !pub.Before(time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, now.Location())) {
			return fresh, d
		}
		return late, d
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if !pub.Before(today) && !pub.After(d) {
		return fresh, d
	}
	return late, d
}

// freshness answers how old the published state is and whether it met the
// daily deadline. It is never cached: its answer moves with the clock.
func (s *Server) freshness(w http.ResponseWriter, r *http.Request) {
	p := newParams(r, false)
	if e := p.done(); e != nil {
		writeError(w, e)
		return
	}
	now := s.opts.Now().In(s.opts.Location)
	pub, err := s.pub.Published(r.Context())
	if errors.Is(err, animetl.ErrNotFound) {
		writeJSON(w, http.StatusOK, map[string]any{"run_id": nil, "published_at": nil, "age_seconds": nil,
			"deadline": s.deadline.on(now).Format(time.RFC3339), "tz": s.opts.Location.String(), "status": none})
		return
	}
	if err != nil {
		s.logReadError(r, err)
		writeError(w, asAPIError(err))
		return
	}
	status, d := freshnessStatus(pub.At.In(s.opts.Location), now, s.deadline)
	writeJSON(w, http.StatusOK, map[string]any{
		"run_id": pub.RunID, "published_at": formatTime(pub.At),
		"age_seconds": int64(now.Sub(pub.At).Seconds()),
		"deadline":    d.Format(time.RFC3339), "tz": s.opts.Location.String(), "status": status,
	})
}
