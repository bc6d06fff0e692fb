package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/synth"
)

// TestSnapshotNeverSpansAPublish: a publish that comes while a snapshot is
// open waits for it, and the snapshot's later queries still see the state
// it began on (without the snapshot's locks they saw the swapped tables,
// empty).
func TestSnapshotNeverSpansAPublish(t *testing.T) {
	base := serverURL(t)
	ctx := context.Background()
	open := newStore(t)
	wh := open(t, time.Second)
	dir, _ := contract.Gen(t, synth.Config{Rows: 5_000, Anime: 300, Seed: 3, Layout: synth.LayoutIndexed})
	first := contract.MustRun(t, wh, dir, 0)

	r, err := postgres.OpenReader(postgres.ReaderOptions{URL: dbURL(t, wh), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	snap, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	const q = "SELECT count(*), COALESCE(SUM(list_users), 0) FROM anime_stats"
	// The snapshot reads anime only after the publish began: the tables a
	// snapshot has not touched yet are the ones it must have locked.
	const qAnime = "SELECT count(*) FROM anime"
	animeBefore := contract.QueryAll(t, wh, qAnime)
	before := contract.QueryAll(t, snap, q)
	if snap.Run().RunID != first.RunID || before[0][0] == "0" {
		t.Fatalf("snapshot run %s, %v", snap.Run().RunID, before)
	}

	other, _ := contract.Gen(t, synth.Config{Rows: 3_000, Anime: 200, Seed: 4, Layout: synth.LayoutIndexed})
	done := make(chan *animetl.RunSummary, 1)
	go func() {
		sum, err := contract.RunDir(t, open(t, time.Second), other, 0)
		if err != nil {
			t.Errorf("second run: %v", err)
		}
		done <- sum
	}()
	// Wait until the publish waits for the snapshot's locks.
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := contract.QueryAll(t, wh, "SELECT current_database()")[0][0]
	for waiting := false; !waiting; {
		select {
		case sum := <-done:
			t.Fatalf("the run ended (%v) while a snapshot was open: the publish did not wait", sum.Status)
		case <-time.After(20 * time.Millisecond):
		}
		if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE NOT l.granted AND l.mode = 'AccessExclusiveLock' AND d.datname = $1)`, name).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if got := contract.QueryAll(t, snap, qAnime); got[0][0] != animeBefore[0][0] {
		t.Errorf("the snapshot sees %s anime, %s were published when it began", got[0][0], animeBefore[0][0])
	}
	if after := contract.QueryAll(t, snap, q); after[0][0] != before[0][0] || after[0][1] != before[0][1] {
		t.Errorf("one snapshot saw %v, then %v", before, after)
	}
	if id := contract.QueryAll(t, snap, "SELECT run_id FROM etl_run WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1"); id[0][0] != first.RunID {
		t.Errorf("the snapshot sees run %s published", id[0][0])
	}
	snap.Close()
	second := <-done
	if second == nil || second.Status != animetl.StatusSucceeded {
		t.Fatalf("second run: %+v", second)
	}
	s2, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Run().RunID != second.RunID {
		t.Errorf("a new snapshot reads run %s, want %s", s2.Run().RunID, second.RunID)
	}
	if now := contract.QueryAll(t, s2, q); now[0][0] == before[0][0] {
		t.Errorf("the new snapshot still sees %v", now)
	}
}

func TestReaderBeforeAnyPublishIsNotFound(t *testing.T) {
	serverURL(t)
	wh := newStore(t)(t, time.Second)
	r, err := postgres.OpenReader(postgres.ReaderOptions{URL: dbURL(t, wh)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Published(context.Background()); !errors.Is(err, animetl.ErrNotFound) {
		t.Errorf("Published: %v, want ErrNotFound", err)
	}
	if _, err := r.Snapshot(context.Background()); !errors.Is(err, animetl.ErrNotFound) {
		t.Errorf("Snapshot: %v, want ErrNotFound", err)
	}
}

// dbURL is the URL of the database wh is connected to.
func dbURL(t *testing.T, wh animetl.Warehouse) string {
	t.Helper()
	name := contract.QueryAll(t, wh, "SELECT current_database()")[0][0]
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestSnapshotLocksTheRecommendations: the recommendation tables are locked
// with the rest (a publish swaps them too), and a warehouse published before
// they existed still opens snapshots.
func TestSnapshotLocksTheRecommendations(t *testing.T) {
	serverURL(t)
	ctx := context.Background()
	wh := newStore(t)(t, time.Second)
	dir, _ := contract.Gen(t, synth.Config{Rows: 2_000, Anime: 100, Seed: 5})
	contract.MustRun(t, wh, dir, 0)
	r, err := postgres.OpenReader(postgres.ReaderOptions{URL: dbURL(t, wh), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	admin, err := pgx.Connect(ctx, dbURL(t, wh))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	locked := func() []string {
		rows, err := admin.Query(ctx, `SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE l.mode = 'AccessShareLock' AND l.granted AND c.relname LIKE 'rec\_%' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	snap, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := locked(); !slices.Equal(got, []string{"rec_model", "rec_similar", "rec_user"}) {
		t.Errorf("a snapshot locks %v of the recommendation tables", got)
	}
	snap.Close()
	if _, err := admin.Exec(ctx, "DROP TABLE rec_user, rec_similar, rec_model"); err != nil {
		t.Fatal(err)
	}
	snap, err = r.Snapshot(ctx)
	if err != nil {
		t.Fatalf("a warehouse without recommendation tables: %v", err)
	}
	defer snap.Close()
	if got := contract.QueryAll(t, snap, "SELECT count(*) FROM anime"); got[0][0] == "0" {
		t.Error("the snapshot reads no anime")
	}
}
