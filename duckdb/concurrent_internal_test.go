package duckdb

import (
	"context"
	"database/sql"
	"testing"
)

// TestConcurrentlyOneThreadPerQuery: readied for the checks' passes, the
// stage says as many queries at once as it had threads, and every
// connection they may use runs one thread (the pool's connections set the
// configured threads when they open, so a connection opened afterwards
// would undo it); done sets the threads again. A stage of one thread runs
// its queries one after another and changes nothing.
func TestConcurrentlyOneThreadPerQuery(t *testing.T) {
	ctx := context.Background()
	threadsOf := func(t *testing.T, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, `SELECT CAST(current_setting('threads') AS INTEGER)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, threads := range []int{3, 1} {
		w := &Warehouse{opts: Options{MemoryLimit: "192MB", Threads: threads}}
		c, err := w.connector("", false)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(c)
		s := &stage{db: db, w: w}
		n, done, err := s.Concurrently(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != threads {
			t.Errorf("%d threads: %d queries at once, want %d", threads, n, threads)
		}
		conns := make([]*sql.Conn, n)
		for i := range conns {
			if conns[i], err = db.Conn(ctx); err != nil {
				t.Fatal(err)
			}
			if got := threadsOf(t, conns[i]); got != 1 {
				t.Errorf("%d threads: connection %d of the checks runs %d threads, want 1", threads, i, got)
			}
		}
		for _, c := range conns {
			c.Close()
		}
		if err := done(); err != nil {
			t.Fatal(err)
		}
		if got := threadsOf(t, db); got != threads {
			t.Errorf("%d threads: after the checks %d threads, want %d", threads, got, threads)
		}
		db.Close()
	}
}
