package serve_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/serve"
)

// fixedPublication is a Publication that has published one run at a fixed
// time; freshness reads nothing else.
type fixedPublication struct {
	animetl.Publication
	at time.Time
}

func (p fixedPublication) Published(context.Context) (animetl.PublishedRun, error) {
	return animetl.PublishedRun{RunID: "r1", At: p.at}, nil
}

func TestFreshness(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ name, published, now, want string }{
		{"published today before the deadline", "2026-03-10 05:00", "2026-03-10 12:00", "fresh"},
		{"deadline passed, last publish yesterday", "2026-03-09 05:00", "2026-03-10 07:01", "late"},
		{"published today after the deadline", "2026-03-10 08:00", "2026-03-10 09:00", "late"},
		{"before the deadline, yesterday's publish", "2026-03-09 05:00", "2026-03-10 06:00", "fresh"},
		{"before the deadline, older publish", "2026-03-08 05:00", "2026-03-10 06:00", "late"},
		{"exactly at the deadline", "2026-03-10 07:00", "2026-03-10 07:00", "fresh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := at(c.now)
			ts := newServer(t, serve.Options{Publication: fixedPublication{at: at(c.published)}, Deadline: "07:00",
				Location: tokyo, Now: func() time.Time { return now }})
			r := get(t, ts, "/api/v1/freshness")
			if r.code != http.StatusOK {
				t.Fatalf("%d %s", r.code, r.body)
			}
			m := r.json(t)
			if m["status"] != c.want || m["deadline"] != "2026-03-10T07:00:00+09:00" {
				t.Errorf("status %v deadline %v, want %s", m["status"], m["deadline"], c.want)
			}
			if age := now.Sub(at(c.published)).Seconds(); m["age_seconds"].(float64) != age {
				t.Errorf("age %v, want %v", m["age_seconds"], age)
			}
		})
	}
	if _, err := serve.New(serve.Options{Publication: fixedPublication{}, Deadline: "25:00"}); err == nil {
		t.Error("deadline 25:00 accepted")
	}
}
