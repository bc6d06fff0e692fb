package duckdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	duckdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
)

// publishedVariants builds a published warehouse and returns two files of
// it that differ in one visible way: the number of etl_run rows (a, then
// a+1 in the second). Renaming either over the warehouse's path is what a
// publish does.
func publishedVariants(t *testing.T) (path, a, b string, runsA int64) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := contract.Gen(t, synth.Config{Rows: 3_000, Anime: 200, Seed: 5, Layout: synth.LayoutIndexed})
	contract.MustRun(t, wh, src, 0)
	runsA = contract.QueryInt(t, wh, "SELECT count(*) FROM etl_run")
	wh.Close()
	a, b = filepath.Join(dir, "a.duckdb"), filepath.Join(dir, "b.duckdb")
	copyTo(t, path, a)
	copyTo(t, path, b)
	c, err := duckdriver.NewConnector(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	if _, err := db.Exec(`INSERT INTO etl_run (run_id, mode, status, started_at) VALUES ('variant-b', 'full', 'failed', now())`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path, a, b, runsA
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	bs, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, bs, 0o644); err != nil {
		t.Fatal(err)
	}
}

// publishFile renames a copy of variant over path, as a run's publish does.
func publishFile(t *testing.T, variant, path string) {
	t.Helper()
	tmp := path + ".next"
	copyTo(t, variant, tmp)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func runs(ctx context.Context, q animetl.Querier) (int64, error) {
	rows, err := q.Query(ctx, "SELECT count(*) FROM etl_run")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, fmt.Errorf("no row: %v", rows.Err())
	}
	v, err := rows.Values()
	if err != nil {
		return 0, err
	}
	return v[0].(int64), nil
}

// TestReadersProgressAcrossPublishes: eight readers keep answering across
// two publishes while one result set of the first file stays open, and
// each sees the newly published file soon after its publish.
func TestReadersProgressAcrossPublishes(t *testing.T) {
	ctx := context.Background()
	path, a, b, runsA := publishedVariants(t)
	publishFile(t, a, path)
	wh, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	held, err := wh.Query(ctx, "SELECT user_id FROM user_anime")
	if err != nil {
		t.Fatal(err)
	}
	if !held.Next() {
		t.Fatal("no list entries")
	}

	var want atomic.Int64
	want.Store(runsA)
	stop := make(chan struct{})
	var seen [8]atomic.Int64 // per reader: the last count read
	var failures atomic.Int64
	var wg sync.WaitGroup
	for i := range seen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := runs(ctx, wh)
				if err != nil {
					failures.Add(1)
					t.Errorf("reader %d: %v", i, err)
					return
				}
				seen[i].Store(n)
			}
		}()
	}
	waitAll := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			all := true
			for i := range seen {
				all = all && seen[i].Load() == n
			}
			if all {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(stop)
		held.Close()
		t.Fatalf("readers did not all reach the published file (want %d runs): stalled behind the open result set", n)
	}
	waitAll(runsA)
	publishFile(t, b, path)
	waitAll(runsA + 1)
	publishFile(t, a, path)
	waitAll(runsA)
	// The result set opened on the first file still reads it.
	n := 1
	for held.Next() {
		n++
	}
	if err := held.Err(); err != nil || n < 2 {
		t.Errorf("the held result set after two publishes: %d rows, %v", n, err)
	}
	held.Close()
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d readers failed", failures.Load())
	}
}

// TestTwoWarehousesOnOnePathSeeThePublish: two values on one path in one
// process (the server and the scheduler) both read a new publish.
func TestTwoWarehousesOnOnePathSeeThePublish(t *testing.T) {
	ctx := context.Background()
	path, a, b, runsA := publishedVariants(t)
	publishFile(t, a, path)
	var whs [2]*duckdb.Warehouse
	for i := range whs {
		w, err := duckdb.Open(duckdb.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		whs[i] = w
		if n, err := runs(ctx, w); err != nil || n != runsA {
			t.Fatalf("warehouse %d before: %d runs, %v", i, n, err)
		}
	}
	publishFile(t, b, path)
	for i, w := range whs {
		if n, err := runs(ctx, w); err != nil || n != runsA+1 {
			t.Errorf("warehouse %d after the publish: %d runs (%v), want %d", i, n, err, runsA+1)
		}
	}
}

func openFiles(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd here: %v", err)
	}
	return len(es)
}

// TestNoHandleLeaksAcrossPublishes: fifty publishes, each read, leave the
// process with as many open files as before.
func TestNoHandleLeaksAcrossPublishes(t *testing.T) {
	ctx := context.Background()
	path, a, b, runsA := publishedVariants(t)
	publishFile(t, a, path)
	wh, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := runs(ctx, wh); err != nil {
		t.Fatal(err)
	}
	before := openFiles(t)
	for i := range 50 {
		variant, want := a, runsA
		if i%2 == 0 {
			variant, want = b, runsA+1
		}
		publishFile(t, variant, path)
		if n, err := runs(ctx, wh); err != nil || n != want {
			t.Fatalf("publish %d: %d runs (%v), want %d", i, n, err, want)
		}
	}
	if after := openFiles(t); after > before+4 {
		t.Errorf("open files grew from %d to %d across 50 publishes", before, after)
	}
}

// TestAPublishOpensOneReadHandle: readers that see a newly published file
// at the same moment share one new read instance instead of each opening
// (and closing) one: under load every request after a publish did.
func TestAPublishOpensOneReadHandle(t *testing.T) {
	ctx := context.Background()
	path, a, b, _ := publishedVariants(t)
	publishFile(t, a, path)
	r, err := duckdb.OpenReader(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read := func() error {
		snap, err := r.Snapshot(ctx)
		if err != nil {
			return err
		}
		defer snap.Close()
		_, err = runs(ctx, snap)
		return err
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	publishFile(t, b, path)
	before := duckdb.ReaderOpens()
	start := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- read()
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := duckdb.ReaderOpens() - before; n != 1 {
		t.Errorf("16 readers of a new publish opened %d read instances, want 1", n)
	}
}
