package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeScheduleRefreshesWhatItServes runs serve --schedule on an empty
// warehouse: the scheduler's first run publishes, freshness names it, a
// delta day added later is published by a later tick and freshness follows,
// and /metrics holds the scheduler's metrics beside the server's.
func TestServeScheduleRefreshesWhatItServes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	wh := duckWarehouse(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"serve", "--warehouse", wh, "--addr", "127.0.0.1:0", "--source", dir,
			"--schedule", "@every 200ms", "--retry-delay", "50ms"}, &out, &errOut)
	}()
	addr := regexp.MustCompile(`addr=(http://[0-9.:]+)`)
	var base string
	for base == "" {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		if m := addr.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
	}
	freshRun := func() string {
		res, err := http.Get(base + "/api/v1/freshness")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var f struct {
			RunID *string `json:"run_id"`
		}
		json.NewDecoder(res.Body).Decode(&f)
		if f.RunID == nil {
			return ""
		}
		return *f.RunID
	}
	waitRun := func(not string) string {
		for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if id := freshRun(); id != "" && id != not {
				return id
			}
		}
		t.Fatalf("freshness never named a run other than %q:\n%s", not, errOut.String())
		return ""
	}
	first := waitRun("")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--delta", "2026-12-01", "--rows", "200"); code != exitOK {
		t.Fatalf("gen --delta: %s", stderr)
	}
	waitRun(first)

	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{`animetl_schedule_runs_total{outcome="succeeded"}`, "animetl_schedule_next_run_timestamp_seconds",
		"animetl_schedule_deadline_late", "animetl_http_requests_total"} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after the signal, want 0: %s", code, errOut.String())
	}
}
