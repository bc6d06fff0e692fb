package quality_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	duckdriver "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/quality"
)

// TestChecksCatchViolations publishes a clean warehouse, then breaks one
// rule at a time in a copy and shows that exactly the check of that rule fails.
func TestChecksCatchViolations(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	clean := filepath.Join(t.TempDir(), "clean.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: clean, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sum := contract.MustRun(t, wh, dir, 0)
	wh.Close()

	tests := []struct {
		check  string
		break_ []string
	}{
		{"no_unknown_literals", []string{"UPDATE anime SET type = 'Unknown' WHERE anime_id = (SELECT min(anime_id) FROM anime)"}},
		{"no_unknown_literals", []string{"INSERT INTO genre VALUES (999, 'Unknown')"}},
		{"user_anime_rating_range", []string{"UPDATE user_anime_base SET rating = 0 WHERE user_id = (SELECT min(user_id) FROM user_anime_base)"}},
		{"anime_score_range", []string{"UPDATE anime SET score = 0.5 WHERE anime_id = (SELECT min(anime_id) FROM anime)"}},
		{"score_votes_non_negative", []string{"UPDATE anime_score_votes SET votes = -1 WHERE anime_id = (SELECT min(anime_id) FROM anime_score_votes)"}},
		{"user_anime_anime_in_catalogue", []string{"DELETE FROM anime WHERE anime_id = (SELECT min(anime_id) FROM user_anime)"}},
		{"user_anime_status_in_lookup", []string{"DELETE FROM watching_status WHERE status = 2"}},
		{"user_anime_pk_unique", []string{"INSERT INTO user_anime_base (SELECT * FROM user_anime_base LIMIT 1)"}},
		// A key of the delta that the base has and user_anime_gone does not hide.
		{"user_anime_pk_unique", []string{"INSERT INTO user_anime_delta (SELECT * FROM user_anime_base LIMIT 1)"}},
		{"anime_genre_pk_unique", []string{"INSERT INTO anime_genre (SELECT * FROM anime_genre LIMIT 1)"}},
		{"anime_licensor_pk_unique", []string{"INSERT INTO anime_licensor (SELECT * FROM anime_licensor LIMIT 1)"}},
		{"anime_score_votes_pk_unique", []string{"INSERT INTO anime_score_votes (SELECT anime_id, score, 0 FROM anime_score_votes LIMIT 1)"}},
		{"anime_status_stats_pk_unique", []string{"INSERT INTO anime_status_stats (SELECT anime_id, watching_status, 0, 0, 0 FROM anime_status_stats LIMIT 1)"}},
		{"anime_pk_unique", []string{"CREATE TABLE a2 AS SELECT * FROM anime", "DROP VIEW anime_master", "DROP VIEW anime_meta", "DROP VIEW anime_score",
			"DROP TABLE anime", "CREATE TABLE anime AS SELECT * FROM a2 UNION ALL (SELECT * FROM a2 LIMIT 1)"}},
		{"files_reconciled", []string{"UPDATE etl_file SET rows_loaded = rows_loaded - 1 WHERE name = 'animelist.csv'"}},
		{"reject_rate", []string{"UPDATE etl_file SET rows_rejected = rows_read / 2, rows_loaded = rows_read - rows_read / 2 - rows_duplicate WHERE name = 'animelist.csv'"}},
		{"user_anime_not_empty", []string{"DELETE FROM user_anime_base"}},
		{"anime_stats_matches_user_anime", []string{"UPDATE anime_stats SET watching = watching + 1 WHERE anime_id = (SELECT min(anime_id) FROM anime_stats)"}},
		{"anime_stats_matches_user_anime", []string{"UPDATE anime_stats SET ratings = ratings - 1 WHERE ratings > 0 AND anime_id = (SELECT min(anime_id) FROM anime_stats WHERE ratings > 0)"}},
		// Two slips that cancel out in the totals: the per-anime comparison catches them.
		{"anime_stats_matches_user_anime", []string{
			"UPDATE anime_stats SET watching = watching + 1 WHERE anime_id = (SELECT min(anime_id) FROM anime_stats WHERE watching > 0)",
			"UPDATE anime_stats SET watching = watching - 1 WHERE anime_id = (SELECT max(anime_id) FROM anime_stats WHERE watching > 0)"}},
		{"anime_stats_matches_user_anime", []string{
			"UPDATE anime_status_stats SET entries = entries + 1 WHERE watching_status = 2 AND anime_id = (SELECT min(anime_id) FROM anime_status_stats WHERE watching_status = 2)",
			"UPDATE anime_status_stats SET entries = entries - 1 WHERE watching_status = 2 AND anime_id = (SELECT max(anime_id) FROM anime_status_stats WHERE watching_status = 2)"}},
		{"anime_stats_matches_user_anime", []string{
			"UPDATE anime_status_stats SET rating_sum = rating_sum + 1 WHERE watching_status = 2 AND anime_id = (SELECT min(anime_id) FROM anime_status_stats WHERE watching_status = 2 AND ratings > 0)"}},
		{"table_shrink", []string{
			"INSERT INTO etl_run (run_id, mode, status, started_at) VALUES ('older-run', 'full', 'succeeded', TIMESTAMPTZ '2000-01-01 00:00:00+00')",
			"INSERT INTO etl_table SELECT 'older-run', table_name, row_count * 3 FROM etl_table"}},
		{"inferred_anime_share", []string{"UPDATE anime SET is_inferred = TRUE"}},
		{"undocumented_status_share", []string{"UPDATE watching_status SET is_documented = FALSE"}},
		{"table_drift", []string{
			"INSERT INTO etl_run (run_id, mode, status, started_at) VALUES ('older-run', 'full', 'succeeded', TIMESTAMPTZ '2000-01-01 00:00:00+00')",
			"INSERT INTO etl_table SELECT 'older-run', table_name, row_count FROM etl_table",
			"UPDATE etl_table SET row_count = row_count * 3 WHERE table_name = 'anime' AND run_id <> 'older-run'"}},
		{"anime_members_balance", []string{"UPDATE anime SET members = members + 1 WHERE anime_id = (SELECT min(anime_id) FROM anime WHERE members IS NOT NULL)"}},
	}
	for _, tc := range tests {
		t.Run(tc.check, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.duckdb")
			b, err := os.ReadFile(clean)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			mutate(t, path, tc.break_)
			w, err := duckdb.Open(duckdb.Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			results, err := quality.Run(context.Background(), w, quality.Defaults(quality.DefaultLimits()),
				quality.Params{RunID: sum.RunID, Dialect: "duckdb"})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range results {
				found = found || r.Name == tc.check
				if r.Name == tc.check && r.Status != animetl.CheckFail {
					t.Errorf("%s passed on data that breaks it (observed %s)", r.Name, r.Observed)
				}
				if r.Name != tc.check && r.Status == animetl.CheckFail && r.Name != "anime_members_balance" {
					t.Logf("%s also failed (observed %s)", r.Name, r.Observed)
				}
			}
			if !found {
				t.Errorf("no check named %s ran", tc.check)
			}
		})
	}
}

func mutate(t *testing.T, path string, stmts []string) {
	t.Helper()
	c, err := duckdriver.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestPostgresChecksCatchViolations breaks rules in a published PostgreSQL
// warehouse; the primary-key check there reads the catalog. The marts'
// check compares fingerprints there and, when they differ, counts the
// differing (anime, status) pairs exactly (observed, where given).
func TestPostgresChecksCatchViolations(t *testing.T) {
	base := os.Getenv("ANIMETL_TEST_POSTGRES")
	if base == "" {
		t.Skip("needs ANIMETL_TEST_POSTGRES=postgres://...; `make test` starts a throwaway server and sets it")
	}
	dir, _ := contract.Gen(t, contract.Generated)
	tests := []struct {
		check    string
		break_   []string
		observed string
	}{
		{"user_anime_pk_unique", []string{"DROP VIEW anime_list", "ALTER TABLE user_anime_base DROP CONSTRAINT user_anime_pkey"}, ""},
		{"anime_studio_pk_unique", []string{"ALTER TABLE anime_studio DROP CONSTRAINT anime_studio_pkey"}, "1"},
		{"anime_status_stats_pk_unique", []string{"ALTER TABLE anime_status_stats DROP CONSTRAINT anime_status_stats_pkey"}, "1"},
		{"user_anime_rating_range", []string{"UPDATE user_anime_base SET rating = 11 WHERE user_id = (SELECT min(user_id) FROM user_anime_base)"}, ""},
		{"user_anime_anime_in_catalogue", []string{"DELETE FROM anime WHERE anime_id = (SELECT min(anime_id) FROM user_anime)"}, ""},
		{"user_anime_status_in_lookup", []string{"DELETE FROM watching_status WHERE status = 2"}, ""},
		{"anime_stats_matches_user_anime", []string{
			"UPDATE anime_status_stats SET ratings = ratings + 1 WHERE watching_status = 2 AND anime_id = (SELECT min(anime_id) FROM anime_status_stats WHERE watching_status = 2)",
			"UPDATE anime_status_stats SET ratings = ratings - 1 WHERE watching_status = 2 AND anime_id = (SELECT max(anime_id) FROM anime_status_stats WHERE watching_status = 2 AND ratings > 0)"}, "4"}, // two pairs, and the two anime's ratings in anime_stats
		// Rating sums moved between two pairs, totals kept.
		{"anime_stats_matches_user_anime", []string{
			"UPDATE anime_status_stats SET rating_sum = rating_sum + 3 WHERE watching_status = 2 AND anime_id = (SELECT min(anime_id) FROM anime_status_stats WHERE watching_status = 2)",
			"UPDATE anime_status_stats SET rating_sum = rating_sum - 3 WHERE watching_status = 2 AND anime_id = (SELECT max(anime_id) FROM anime_status_stats WHERE watching_status = 2 AND rating_sum >= 3)"}, "2"},
		// One entry moved to another status in the fact table: its old and
		// new (anime, status) pairs no longer match the mart.
		{"anime_stats_matches_user_anime", []string{
			"UPDATE user_anime_base SET watching_status = 4 WHERE watching_status = 2 AND (user_id, anime_id) = (SELECT user_id, anime_id FROM user_anime_base WHERE watching_status = 2 ORDER BY user_id, anime_id LIMIT 1)"}, "2"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%d_%s", i, tc.check), func(t *testing.T) {
			ctx := context.Background()
			dbURL := contract.NewPostgresDB(t)
			w, err := postgres.Open(ctx, postgres.Options{URL: dbURL})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			sum := contract.MustRun(t, w, dir, 0)
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for _, q := range tc.break_ {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			results, err := quality.Run(ctx, w, quality.Defaults(quality.DefaultLimits()),
				quality.Params{RunID: sum.RunID, Dialect: w.Dialect()})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range results {
				found = found || r.Name == tc.check
				if r.Name == tc.check && r.Status != animetl.CheckFail {
					t.Errorf("%s passed on data that breaks it (observed %s)", r.Name, r.Observed)
				}
				if r.Name == tc.check && tc.observed != "" && r.Observed != tc.observed {
					t.Errorf("%s observed %s, want %s", r.Name, r.Observed, tc.observed)
				}
			}
			if !found {
				t.Errorf("no check named %s ran", tc.check)
			}
		})
	}
}

// TestUserAnimeRepeatsCounted: on DuckDB the key check observes the rows
// beyond the first of each (user_id, anime_id) pair, however many copies a
// key has, and keys that differ in one column only are not repeats; the
// same in one pass over the table and in passes of a few rows each (the
// repeats at the lowest and highest user_id, on the ranges' edges).
func TestUserAnimeRepeatsCounted(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	path := filepath.Join(t.TempDir(), "repeats.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sum := contract.MustRun(t, wh, dir, 0)
	wh.Close()
	mutate(t, path, []string{
		"CREATE TABLE ua AS SELECT * FROM user_anime_base",
		// Three copies of one key (two repeats) and two keys that share a
		// user, or an anime, with it.
		`INSERT INTO user_anime_base SELECT * FROM (SELECT * FROM ua WHERE false
		 UNION ALL (SELECT * FROM ua WHERE user_id = (SELECT min(user_id) FROM ua) ORDER BY anime_id LIMIT 1)
		 UNION ALL (SELECT * FROM ua WHERE user_id = (SELECT min(user_id) FROM ua) ORDER BY anime_id LIMIT 1)
		 UNION ALL (SELECT -1 AS user_id, * EXCLUDE (user_id) FROM ua WHERE user_id = (SELECT min(user_id) FROM ua) ORDER BY anime_id LIMIT 1)
		 UNION ALL (SELECT * REPLACE (-anime_id AS anime_id) FROM ua WHERE user_id = (SELECT min(user_id) FROM ua) ORDER BY anime_id LIMIT 1)
		 UNION ALL (SELECT * FROM ua WHERE user_id = (SELECT max(user_id) FROM ua) ORDER BY anime_id DESC LIMIT 1))`,
	})
	w, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var pk []quality.Check
	for _, c := range quality.Defaults(quality.DefaultLimits()) {
		if c.Name == "user_anime_pk_unique" {
			pk = append(pk, c)
		}
	}
	if len(pk) != 1 || pk[0].Passes == nil {
		t.Fatalf("user_anime_pk_unique = %+v, want one check in passes", pk)
	}
	total := contract.QueryInt(t, w, "SELECT count(*) FROM user_anime")
	biggest := contract.QueryInt(t, w, "SELECT max(n) FROM (SELECT count(*) AS n FROM user_anime GROUP BY user_id)")
	for _, tc := range []struct {
		rows int64
		at   int // queries at once (a ConcurrentQuerier), 0: a plain Querier
	}{{1 << 40, 0}, {5, 0}, {400, 0}, {5, 3}, {400, 2}} {
		rows := tc.rows
		c := pk[0]
		ps := *c.Passes
		ps.Rows = rows
		c.Passes = &ps
		rec := &recorder{q: w}
		var q animetl.Querier = rec
		var cr *concurrentRecorder
		if tc.at > 0 {
			cr = &concurrentRecorder{recorder: rec, at: tc.at, both: make(chan struct{})}
			q = cr
		}
		results, err := quality.Run(context.Background(), q, []quality.Check{c}, quality.Params{RunID: sum.RunID, Dialect: "duckdb"})
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 1 || results[0].Status != animetl.CheckFail || results[0].Observed != "3" {
			t.Errorf("passes of %d rows, %d at once: user_anime_pk_unique = %+v, want a failure observing 3 repeated rows", rows, tc.at, results)
		}
		if cr != nil {
			if cr.readied != 1 || cr.done != 1 {
				t.Errorf("passes of %d rows, %d at once: readied %d times, done %d times, want once each", rows, tc.at, cr.readied, cr.done)
			}
			if cr.most > tc.at {
				t.Errorf("passes of %d rows, %d at once: %d queries ran at once", rows, tc.at, cr.most)
			}
		}
		// The passes cover every row once, each at most twice its share
		// plus one user's rows (a user is never split; the cuts are
		// quantiles of a sample, off by about an eighth of a share).
		var seen int64
		for _, b := range rec.bounds(t) {
			n := contract.QueryInt(t, w, fmt.Sprintf("SELECT count(*) FROM user_anime WHERE user_id >= %d AND user_id < %d", b[0], b[1]))
			if n > 2*max(rows, 1)+biggest {
				t.Errorf("passes of %d rows: [%d, %d) holds %d rows", rows, b[0], b[1], n)
			}
			seen += n
		}
		if seen != total {
			t.Errorf("passes of %d rows cover %d rows of %d", rows, seen, total)
		}
	}
}

// recorder passes queries to q and keeps them.
type recorder struct {
	q       animetl.Querier
	mu      sync.Mutex
	queries []string
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (animetl.Rows, error) {
	r.mu.Lock()
	r.queries = append(r.queries, sql)
	r.mu.Unlock()
	return r.q.Query(ctx, sql, args...)
}

// concurrentRecorder is a recorder that answers at queries at once. Its
// first pass waits for a second one to start (or fails after a while), so
// passes that run one after another cannot pass; it counts the most
// queries it held open at once, and the calls of Concurrently and of done.
type concurrentRecorder struct {
	*recorder
	at            int
	both          chan struct{} // closed once two passes ran at once
	open, passes  int
	most          int
	readied, done int
}

func (r *concurrentRecorder) Concurrently(context.Context) (int, func() error, error) {
	r.readied++
	return r.at, func() error { r.done++; return nil }, nil
}

func (r *concurrentRecorder) Query(ctx context.Context, sql string, args ...any) (animetl.Rows, error) {
	pass := passBounds.MatchString(sql)
	r.mu.Lock()
	r.open++
	r.most = max(r.most, r.open)
	first := false
	if pass {
		r.passes++
		first = r.passes == 1
		if r.passes == 2 {
			close(r.both)
		}
	}
	r.mu.Unlock()
	defer func() { r.mu.Lock(); r.open--; r.mu.Unlock() }()
	if first {
		select {
		case <-r.both:
		case <-time.After(20 * time.Second):
			return nil, fmt.Errorf("no second pass started while the first one ran")
		}
	}
	return r.recorder.Query(ctx, sql, args...)
}

var passBounds = regexp.MustCompile(`user_id >= (-?\d+) AND user_id < (-?\d+)`)

// bounds returns the ranges of the key check's passes among the queries.
func (r *recorder) bounds(t *testing.T) [][2]int64 {
	t.Helper()
	var out [][2]int64
	for _, q := range r.queries {
		m := passBounds.FindStringSubmatch(q)
		if m == nil {
			continue
		}
		lo, _ := strconv.ParseInt(m[1], 10, 64)
		hi, _ := strconv.ParseInt(m[2], 10, 64)
		out = append(out, [2]int64{lo, hi})
	}
	if len(out) == 0 {
		t.Fatal("no pass of the key check ran")
	}
	return out
}
