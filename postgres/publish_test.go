package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
)

// publishWaits reports whether a publish is queued for a lock on anime.
func publishWaits(t *testing.T, c *pgx.Conn) bool {
	var n int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
		WHERE relation = to_regclass('public.anime') AND NOT granted`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// holdAnime opens a transaction on c that reads anime and keeps it open.
func holdAnime(t *testing.T, c *pgx.Conn) pgx.Tx {
	tx, err := c.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "SELECT count(*) FROM anime"); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestPublishWaitsForAReaderInAttempts: a reader holding anime delays the
// publish, which tries in short attempts; a second reader that arrives
// while the publish waits gets through while the first still holds anime
// (it is not queued behind the publish until the first reader ends), and
// the publish succeeds once the first reader commits.
func TestPublishWaitsForAReaderInAttempts(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	opts := postgresOptions()
	opts.PublishAttempt = 200 * time.Millisecond
	opts.PublishTimeout = time.Minute
	wh := mustOpen(t, dbURL, opts)
	mustRunOn(t, wh, dir, animetl.ModeFull)

	first := holdAnime(t, mustConnect(t, dbURL))
	defer first.Rollback(ctx)
	type result struct {
		sum *animetl.RunSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := runOn(t, wh, dir, animetl.ModeFull)
		done <- result{sum, err}
	}()
	probe := mustConnect(t, dbURL)
	waitFor(t, "the publish to wait for the reader of anime", func() bool { return publishWaits(t, probe) })

	// Queued behind a publish that waits for the first reader, this reader
	// would wait as long as the first one holds anime; the statement
	// timeout only keeps a failing test from hanging.
	second := mustConnect(t, dbURL)
	if _, err := second.Exec(ctx, "SET statement_timeout = '15s'"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := second.QueryRow(ctx, "SELECT count(*) FROM anime").Scan(&n); err != nil {
		t.Fatalf("a reader that arrived while the publish waited was blocked behind it: %v", err)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("publish after the reader committed: %v", r.err)
	}
	if got := contract.QueryAll(t, wh, "SELECT run_id FROM etl_run WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1"); got[0][0] != r.sum.RunID {
		t.Fatalf("latest succeeded run %v, want %s", got, r.sum.RunID)
	}
}

// TestPublishGivesUpAfterTheTimeout: a reader holding anime past the
// publish timeout fails the run with ErrPublishTimeout and leaves the
// published state as it was.
func TestPublishGivesUpAfterTheTimeout(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	opts := postgresOptions()
	opts.PublishAttempt = 200 * time.Millisecond
	opts.PublishTimeout = time.Second
	wh := mustOpen(t, dbURL, opts)
	published := mustRunOn(t, wh, dir, animetl.ModeFull)
	before := contract.Fingerprints(t, wh)

	reader := holdAnime(t, mustConnect(t, dbURL))
	sum, err := runOn(t, wh, dir, animetl.ModeFull)
	if err == nil || !strings.Contains(err.Error(), "past the publish timeout") {
		t.Fatalf("run with a reader holding anime: err = %v, want a publish timeout", err)
	}
	if !errors.Is(err, postgres.ErrPublishTimeout) {
		t.Errorf("err = %v, want errors.Is ErrPublishTimeout", err)
	}
	if err := reader.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	after := contract.Fingerprints(t, wh)
	for name, fp := range before {
		if after[name] != fp {
			t.Errorf("published %s changed by a run that failed to publish", name)
		}
	}
	got := contract.QueryAll(t, wh, "SELECT run_id, status FROM etl_run ORDER BY started_at")
	if len(got) != 2 || got[0][0] != published.RunID || got[0][1] != "succeeded" || got[1][0] != sum.RunID || got[1][1] != "failed" {
		t.Fatalf("etl_run = %v", got)
	}
	// The stage was dropped by the failed run's abort; the next run publishes.
	mustRunOn(t, wh, dir, animetl.ModeFull)
}
