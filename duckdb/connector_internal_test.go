package duckdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestConnectorSetsOnce: the warehouse's settings are made on a
// database's first connection only, so a connection the pool opens later
// keeps what a phase set for the database meanwhile (a lower memory limit,
// one thread).
func TestConnectorSetsOnce(t *testing.T) {
	w, err := Open(Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: "192MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, err := w.connector(filepath.Join(t.TempDir(), "s.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := context.Background()
	first, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	var limit, threads string
	if err := first.QueryRowContext(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&limit, &threads); err != nil {
		t.Fatal(err)
	}
	if limit != "183.1 MiB" || threads != "2" {
		t.Fatalf("first connection: memory_limit %s, threads %s, want 183.1 MiB (192MB) and 2", limit, threads)
	}
	if _, err := first.ExecContext(ctx, "SET memory_limit = '64MB'; SET threads = 1"); err != nil {
		t.Fatal(err)
	}
	second, err := db.Conn(ctx) // first is held: the pool opens a new one
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.QueryRowContext(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&limit, &threads); err != nil {
		t.Fatal(err)
	}
	if limit != "61.0 MiB" || threads != "1" {
		t.Errorf("a later connection: memory_limit %s, threads %s, want 61.0 MiB (64MB) and 1 as set", limit, threads)
	}
}
