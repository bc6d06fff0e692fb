package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// NewPostgresDB creates a fresh database on the test server
// (ANIMETL_TEST_POSTGRES) for one test and returns its URL; the database is
// dropped when the test ends. Without the variable the test is skipped,
// saying how to run it.
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	base := os.Getenv("ANIMETL_TEST_POSTGRES")
	if base == "" {
		t.Skip("needs ANIMETL_TEST_POSTGRES=postgres://...; `make test` starts a throwaway server and sets it")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to ANIMETL_TEST_POSTGRES: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "animetl_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
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
	return u.String()
}
