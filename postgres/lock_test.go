package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
)

// TestLostLockStopsThePublish kills a run's lock session just before it
// publishes and lets a second run take the lock and build its stage: the
// first run must fail naming the lost lock, publish nothing and leave the
// second's stage alone, and the second must publish.
func TestLostLockStopsThePublish(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	admin := mustConnect(t, dbURL)

	secondAtPublish := make(chan struct{})
	releaseSecond := make(chan struct{})
	var release sync.Once
	defer release.Do(func() { close(releaseSecond) })
	second := make(chan error, 1)
	var secondSum *animetl.RunSummary
	first := beforePublish{Warehouse: mustOpen(t, dbURL, postgresOptions()), hook: func() {
		// The session holding the lock dies (idle_session_timeout, a NAT, a failover).
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_locks
			WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil || n != 1 {
			t.Errorf("terminate the lock session: %d sessions, %v", n, err)
		}
		go func() {
			w2 := beforePublish{Warehouse: mustOpen(t, dbURL, postgresOptions()), hook: func() {
				close(secondAtPublish)
				<-releaseSecond
			}}
			sum, err := runOn(t, w2, dir, animetl.ModeFull)
			secondSum = sum
			second <- err
		}()
		select {
		case <-secondAtPublish: // the second run holds the lock and its stage is built
		case err := <-second:
			t.Fatalf("second run ended before publishing: %v", err)
		}
	}}
	sum, err := runOn(t, first, dir, animetl.ModeFull)
	if err == nil || !strings.Contains(err.Error(), "run lock lost") {
		t.Fatalf("first run: err = %v, want a run lock lost error", err)
	}
	release.Do(func() { close(releaseSecond) })
	if err := <-second; err != nil {
		t.Fatalf("second run: %v", err)
	}
	wh := mustOpen(t, dbURL, postgresOptions())
	got := contract.QueryAll(t, wh, "SELECT run_id, status FROM etl_run ORDER BY started_at")
	want := [][]string{{sum.RunID, "failed"}, {secondSum.RunID, "succeeded"}}
	if len(got) != 2 || got[0][0] != want[0][0] || got[0][1] != want[0][1] || got[1][0] != want[1][0] || got[1][1] != want[1][1] {
		t.Fatalf("etl_run = %v, want %v", got, want)
	}
	if n := contract.QueryInt(t, wh, "SELECT count(*) FROM etl_run WHERE run_id = $1 AND error LIKE '%run lock lost%'", sum.RunID); n != 1 {
		t.Errorf("the first run's ledger row does not say it lost the lock")
	}
	if n := contract.QueryInt(t, wh, "SELECT count(*) FROM user_anime"); n == 0 {
		t.Errorf("nothing published")
	}
}

// TestLockSurvivesIdleSessionTimeout: with idle_session_timeout shorter
// than a run's quiet phase, the keep-alive keeps the lock's session (which
// is otherwise idle from Begin to Publish) alive and the run publishes.
// The pause before the publish is five times the keep-alive interval.
func TestLockSurvivesIdleSessionTimeout(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	admin := mustConnect(t, dbURL)
	if _, err := admin.Exec(context.Background(), "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET idle_session_timeout = 1000', current_database()); END $$"); err != nil {
		t.Fatal(err)
	}
	opts := postgresOptions()
	opts.LockKeepAlive = 200 * time.Millisecond
	wh := beforePublish{Warehouse: mustOpen(t, dbURL, opts), hook: func() { time.Sleep(2500 * time.Millisecond) }}
	mustRunOn(t, wh, dir, animetl.ModeFull)
}
