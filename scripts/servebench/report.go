package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// report is the tool's output.
type report struct {
	Label    string            `json:"label,omitempty"`
	Base     string            `json:"base"`
	Clients  int               `json:"clients"`
	Seconds  float64           `json:"seconds"`
	Requests int               `json:"requests"`
	RPS      float64           `json:"rps"`
	Latency  latency           `json:"latency_ms"`
	Errors   map[string]int    `json:"errors"`
	Routes   map[string]*route `json:"routes"`
	RunsSeen []runSeen         `json:"runs_seen"`
	Notes    []string          `json:"notes,omitempty"`
}

type route struct {
	Hot      bool           `json:"hot"`
	Requests int            `json:"requests"`
	Latency  latency        `json:"latency_ms"`
	Errors   map[string]int `json:"errors,omitempty"`
}

type latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// runSeen is a published run the freshness poll saw, and when first.
type runSeen struct {
	RunID     string  `json:"run_id"`
	FirstSeen float64 `json:"first_seen_s"` // seconds after the load started
}

func percentiles(ns []int64) latency {
	if len(ns) == 0 {
		return latency{}
	}
	slices.Sort(ns)
	at := func(q float64) float64 {
		i := int(q*float64(len(ns)-1) + 0.5)
		return float64(ns[i]) / 1e6
	}
	return latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: float64(ns[len(ns)-1]) / 1e6}
}

func (rep *report) summarize(mix []target, workers []*worker) {
	rep.Errors = map[string]int{}
	rep.Routes = map[string]*route{}
	var all []int64
	per := make([][]int64, len(mix))
	for _, w := range workers {
		for _, s := range w.samples {
			all = append(all, s.nanos)
			per[s.route] = append(per[s.route], s.nanos)
			t := mix[s.route]
			rt := rep.Routes[t.route]
			if rt == nil {
				rt = &route{Hot: t.hot, Errors: map[string]int{}}
				rep.Routes[t.route] = rt
			}
			if s.err != "" {
				rep.Errors[s.err]++
				rt.Errors[s.err]++
			}
		}
	}
	rep.Requests = len(all)
	rep.RPS = float64(len(all)) / rep.Seconds
	rep.Latency = percentiles(all)
	for i, t := range mix {
		if rt := rep.Routes[t.route]; rt != nil {
			rt.Requests = len(per[i])
			rt.Latency = percentiles(per[i])
		}
	}
}

// runWatch polls the published run.
type runWatch struct {
	start time.Time
	mu    sync.Mutex
	seen  []runSeen
}

func (w *runWatch) poll(ctx context.Context, client *http.Client, base string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/freshness", nil)
	if err != nil {
		return
	}
	res, err := client.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	var f struct {
		RunID string `json:"run_id"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&f) != nil {
		io.Copy(io.Discard, res.Body)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.seen); n == 0 || w.seen[n-1].RunID != f.RunID {
		w.seen = append(w.seen, runSeen{RunID: f.RunID, FirstSeen: time.Since(w.start).Seconds()})
	}
}

// changedAt is when a second published run was first seen (0: not yet).
func (w *runWatch) changedAt() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.seen) < 2 {
		return 0
	}
	return time.Duration(w.seen[1].FirstSeen * float64(time.Second))
}
