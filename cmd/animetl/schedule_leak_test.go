package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// resources measures what a long-lived process could leak.
type resources struct {
	goroutines int
	fds        int
	heap       uint64
}

func measure(t *testing.T) resources {
	t.Helper()
	var r resources
	// Let goroutines that are ending end.
	for i := 0; i < 20; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	r.goroutines = runtime.NumGoroutine()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	r.fds = len(fds)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.heap = ms.HeapInuse
	return r
}

// TestFiftyScheduledRunsLeaveNothingBehind drives 50 scheduled runs in one
// process (@every ticks, a delta day added every tenth run) on DuckDB and
// checks that goroutines, open files and the Go heap stay flat: nothing
// of one run (a connection, a handle, a listing, a goroutine) outlives it.
func TestFiftyScheduledRunsLeaveNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("50 runs; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "1000", "--anime", "100"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	args := []string{"--source", dir, "--warehouse", "duckdb:" + path, "--cron", "@every 10ms",
		"--addr", "off", "--deadline", "off", "--duckdb-threads", "2"}
	succeeded := "SELECT count(*) FROM etl_run WHERE status = 'succeeded'"

	stop := scheduled(t, args...)
	waitLedger(t, path, succeeded, 5)
	if code, stderr := stop(); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	base := measure(t)

	stop = scheduled(t, args...)
	for day := 1; ; day++ {
		n := ledgerCount(t, path, succeeded)
		if n >= 50 {
			break
		}
		if code, _, stderr := cli(t, "gen", "--out", dir, "--delta", fmt.Sprintf("2026-12-%02d", day), "--rows", "50"); code != exitOK {
			t.Fatalf("gen --delta: %s", stderr)
		}
		waitLedger(t, path, succeeded, min(n+10, 50))
	}
	if code, stderr := stop(); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after := measure(t)
	t.Logf("after 5 runs: %+v; after 50: %+v", base, after)
	if after.goroutines > base.goroutines+5 {
		t.Errorf("goroutines grew from %d to %d", base.goroutines, after.goroutines)
	}
	if after.fds > base.fds+5 {
		t.Errorf("open files grew from %d to %d", base.fds, after.fds)
	}
	if after.heap > base.heap*2+32<<20 {
		t.Errorf("heap in use grew from %d to %d bytes", base.heap, after.heap)
	}
}
