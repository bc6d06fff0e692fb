package postgres_test

import (
	"os"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
)

// ServerURL returns the test server's URL or skips the test, saying how to
// run it.
func serverURL(t *testing.T) string {
	u := os.Getenv("ANIMETL_TEST_POSTGRES")
	if u == "" {
		t.Skip("PostgreSQL integration tests need ANIMETL_TEST_POSTGRES=postgres://...; `make test` starts a throwaway server and sets it")
	}
	return u
}

// newStore gives each test a fresh database on the test server.
func newStore(t *testing.T) contract.Opener {
	dbURL := newDatabase(t)
	return func(t *testing.T, lockTimeout time.Duration) animetl.Warehouse {
		return mustOpen(t, dbURL, postgres.Options{LockTimeout: lockTimeout})
	}
}

func TestContract(t *testing.T) {
	serverURL(t)
	contract.Run(t, newStore)
}
