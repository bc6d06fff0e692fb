package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
	base := serverURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to ANIMETL_TEST_POSTGRES: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "animetl_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	return func(t *testing.T, lockTimeout time.Duration) animetl.Warehouse {
		w, err := postgres.Open(ctx, postgres.Options{URL: dbURL, LockTimeout: lockTimeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
}

func TestContract(t *testing.T) {
	serverURL(t)
	contract.Run(t, newStore)
}
