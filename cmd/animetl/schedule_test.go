package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/schedule"
)

// hookServer is a test webhook that collects alerts.
func hookServer(t *testing.T) (string, <-chan schedule.Alert) {
	t.Helper()
	ch := make(chan schedule.Alert, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a schedule.Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || a.Text == "" {
			t.Errorf("webhook body: %v, %+v", err, a)
		}
		ch <- a
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/services/T0/B0/secret-key", ch
}

func waitAlert(t *testing.T, ch <-chan schedule.Alert, status string) schedule.Alert {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case a := <-ch:
			if a.Status == status {
				return a
			}
		case <-deadline:
			t.Fatalf("no %s alert", status)
		}
	}
}

// ledgerCount counts the rows of a query on the published DuckDB warehouse
// (0 when nothing is published yet).
func ledgerCount(t *testing.T, path, q string) int64 {
	t.Helper()
	w, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Query(context.Background(), q)
	if err != nil {
		return 0
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		v, _ := rows.Values()
		n, _ = v[0].(int64)
	}
	return n
}

func waitLedger(t *testing.T, path, q string, want int64) {
	t.Helper()
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if ledgerCount(t, path, q) >= want {
			return
		}
	}
	t.Fatalf("ledger: %s never reached %d", q, want)
}

// scheduled runs animetl schedule in-process until stop is called, which
// returns the exit code and stderr.
func scheduled(t *testing.T, args ...string) (stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, append([]string{"schedule"}, args...), &bytes.Buffer{}, &stderr)
	}()
	stopped := false
	stop = func() (int, string) {
		if !stopped {
			stopped = true
			cancel()
		}
		select {
		case code := <-done:
			done <- code
			return code, stderr.String()
		case <-time.After(2 * time.Minute):
			t.Fatal("schedule did not stop")
			return 0, ""
		}
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestScheduleDeltaDaysFailureAndRecovery drives the scheduler with @every
// ticks: the first run is full (the warehouse is empty), the next ones
// incremental, applying each delta day added between ticks; a base file
// removed makes the runs fail (retried, then alerted), and putting it back
// makes the next run succeed and alert the recovery once.
func TestScheduleDeltaDaysFailureAndRecovery(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	hook, alerts := hookServer(t)
	stop := scheduled(t, "--source", dir, "--warehouse", "duckdb:"+path, "--cron", "@every 200ms",
		"--addr", "127.0.0.1:0", "--deadline", "off", "--retries", "2", "--retry-delay", "20ms",
		"--alert-webhook", hook, "--lock-timeout", "5s")

	waitLedger(t, path, "SELECT count(*) FROM etl_run WHERE status = 'succeeded' AND mode = 'full'", 1)
	for _, day := range []string{"2026-12-01", "2026-12-02"} {
		if code, _, stderr := cli(t, "gen", "--out", dir, "--delta", day, "--rows", "200", "--deletes", "10"); code != exitOK {
			t.Fatalf("gen --delta %s: %s", day, stderr)
		}
		waitLedger(t, path, "SELECT count(*) FROM etl_file f JOIN etl_run r USING (run_id) WHERE r.status = 'succeeded'"+
			" AND r.mode = 'incremental' AND f.name LIKE 'animelist/date="+day+"/%'", 1)
	}

	aside := filepath.Join(t.TempDir(), "anime.csv")
	if err := os.Rename(filepath.Join(dir, "anime.csv"), aside); err != nil {
		t.Fatal(err)
	}
	failed := waitAlert(t, alerts, schedule.AlertFailed)
	if !strings.Contains(failed.Error, "missing") || !strings.Contains(failed.Text, "3 attempt") {
		t.Errorf("failed alert %+v: want the missing file after 3 attempts", failed)
	}
	if err := os.Rename(aside, filepath.Join(dir, "anime.csv")); err != nil {
		t.Fatal(err)
	}
	waitAlert(t, alerts, schedule.AlertRecovered)
	succeeded := ledgerCount(t, path, "SELECT count(*) FROM etl_run WHERE status = 'succeeded'")
	waitLedger(t, path, "SELECT count(*) FROM etl_run WHERE status = 'succeeded'", succeeded+2)
	code, stderr := stop()
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, stderr)
	}
	for len(alerts) > 0 {
		if a := <-alerts; a.Status == schedule.AlertRecovered {
			t.Errorf("a second recovery alert: %s", a.Text)
		}
	}
	if ledgerCount(t, path, "SELECT count(*) FROM etl_run WHERE status = 'failed'") < 3 {
		t.Error("the failed attempts are not in the ledger")
	}
	if strings.Contains(stderr, "secret-key") {
		t.Error("the webhook's key is in the logs")
	}
	for _, want := range []string{"scheduled run failed", "run failed; retrying", "the warehouse has no succeeded run"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("logs lack %q", want)
		}
	}
}

func TestScheduleFlagsAreValidated(t *testing.T) {
	dir, wh := t.TempDir(), duckWarehouse(t)
	for _, c := range []struct{ flag, value string }{
		{"cron", "61 * * * *"}, {"cron", "@every -1s"}, {"tz", "Mars/Olympus"}, {"deadline", "7am"},
		{"retries", "-1"}, {"retry-delay", "0s"}, {"alert-webhook", "ftp://x/y"}, {"mode", "sometimes"},
		{"shutdown-grace", "-1s"}, {"alert-repeat", "-1h"}, {"rec-user-model", "magic"}, {"rec-seed", "-1"},
	} {
		code, _, stderr := cli(t, "schedule", "--source", dir, "--warehouse", wh, "--addr", "off", "--"+c.flag, c.value)
		if code != exitUsage || !strings.Contains(stderr, c.flag) {
			t.Errorf("--%s %s: exit %d, %q; want 2 naming the flag", c.flag, c.value, code, stderr)
		}
	}
}

// TestScheduleSIGTERMDuringRunLeavesPublishedState stops the scheduler
// (as SIGTERM does: main's context ends) in the middle of a run with no
// grace: the run is cancelled, recorded as failed, the published run and
// its data are untouched, and the process exits 0.
func TestScheduleSIGTERMDuringRunLeavesPublishedState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", "duckdb:"+path, "--progress", "never"); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}
	published := "SELECT count(*) FROM user_anime"
	before := ledgerCount(t, path, published)
	if code, _, stderr := cli(t, "gen", "--out", dir, "--delta", "2026-12-01", "--rows", "400000"); code != exitOK {
		t.Fatalf("gen --delta: %s", stderr)
	}
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"schedule", "--source", dir, "--warehouse", "duckdb:" + path, "--cron", "@every 100ms",
			"--addr", "off", "--deadline", "off", "--shutdown-grace", "0s"}, &bytes.Buffer{}, &stderr)
	}()
	for end := time.Now().Add(time.Minute); !strings.Contains(stderr.String(), "file loaded"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no run started:\n%s", stderr.String())
		}
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("schedule did not stop")
	}
	if code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "cancelled by shutdown") {
		t.Errorf("logs do not say the run was cancelled:\n%s", stderr.String())
	}
	if got := ledgerCount(t, path, "SELECT count(*) FROM etl_run WHERE status = 'succeeded'"); got != 1 {
		t.Errorf("%d succeeded runs, want only the first", got)
	}
	if got := ledgerCount(t, path, "SELECT count(*) FROM etl_run WHERE status = 'failed' AND mode = 'incremental'"); got != 1 {
		t.Errorf("%d failed incremental runs, want the cancelled one", got)
	}
	if after := ledgerCount(t, path, published); after != before {
		t.Errorf("user_anime has %d rows after the cancelled run, want %d as published", after, before)
	}
}
