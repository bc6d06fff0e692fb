package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
)

// newDatabase creates a fresh database on the test server for one test and
// returns its URL; the database is dropped when the test ends.
func newDatabase(t *testing.T) string {
	t.Helper()
	return contract.NewPostgresDB(t)
}

// mustOpen opens a warehouse on dbURL with opts (URL filled in).
func mustOpen(t *testing.T, dbURL string, opts postgres.Options) *postgres.Warehouse {
	t.Helper()
	opts.URL = dbURL
	w, err := postgres.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// mustConnect opens a plain connection to dbURL, closed when the test ends.
func mustConnect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// waitFor polls cond until it holds or a generous deadline passes; the
// deadline only bounds a test that would otherwise hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postgresOptions are the options the tests start from.
func postgresOptions() postgres.Options {
	return postgres.Options{LockTimeout: 5 * time.Second}
}
