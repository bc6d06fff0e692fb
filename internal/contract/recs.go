package contract

import (
	"context"
	"database/sql"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/animetl/animetl/schema"
)

// Recs is what PublishRecs wrote into a published warehouse: known rows
// of rec_user, rec_similar and rec_model, and ids of each case a reader
// must tell apart.
type Recs struct {
	// UserModel and SimilarModel are rec_model's models; RunID its run.
	UserModel, SimilarModel, RunID string
	// User has 20 rec_user rows: UserRecs, rank 1 first.
	User     int64
	UserRecs []int64
	// NotModeled lists anime (NotModeledSeen) but has no rec_user rows.
	NotModeled     int64
	NotModeledSeen []int64
	// NoHistory is a user id below the largest with no list entries (the
	// fixture deletes them); Unknown is beyond the largest.
	NoHistory, Unknown int64
	// Anime has 20 rec_similar rows: Similar, rank 1 first, with
	// SimilarScores; Lonely is in the catalogue without any.
	Anime         int64
	Similar       []int64
	SimilarScores []float64
	Lonely        int64
	// Popular is the anime on the most lists, first.
	Popular []int64
}

// Fixture models and run of PublishRecs.
const (
	RecUserModel    = "fixture-als"
	RecSimilarModel = "fixture-itemknn"
	RecRunID        = "fixture-rec-run"
)

// PublishRecs writes known recommendations into the published state of
// spec (duckdb:PATH or a postgres:// URL), creating the tables
// (schema.Recommendations) when the warehouse has none: a fixture until
// runs publish them. DuckDB's file is rewritten on a copy and renamed over
// the published one, as a publish does.
func PublishRecs(t testing.TB, spec string) Recs {
	t.Helper()
	var r Recs
	MutatePublished(t, spec, func(ctx context.Context, db *sql.DB) {
		if !hasRecTables(t, ctx, db) {
			for _, s := range schema.Recommendations() {
				mustExec(t, ctx, db, s)
			}
		}
		for _, tb := range schema.RecTables {
			mustExec(t, ctx, db, "DELETE FROM "+tb)
		}
		users := ints(t, ctx, db, "SELECT DISTINCT user_id FROM user_anime ORDER BY user_id LIMIT 3")
		if len(users) < 3 {
			t.Fatalf("PublishRecs: want 3 users, have %d", len(users))
		}
		r.User, r.NotModeled, r.NoHistory = users[0], users[1], users[2]
		for _, tb := range []string{"user_anime_base", "user_anime_delta"} { // the tables behind the view
			mustExec(t, ctx, db, "DELETE FROM "+tb+" WHERE user_id = $1", r.NoHistory)
		}
		r.Unknown = ints(t, ctx, db, "SELECT max(user_id) FROM user_anime")[0] + 1
		r.NotModeledSeen = ints(t, ctx, db, "SELECT anime_id FROM user_anime WHERE user_id = $1 ORDER BY anime_id", r.NotModeled)
		r.Popular = ints(t, ctx, db, `SELECT s.anime_id FROM anime_stats s JOIN anime a ON a.anime_id = s.anime_id
WHERE s.list_users > 0 ORDER BY s.list_users DESC, s.anime_id`)
		r.UserRecs = ints(t, ctx, db, `SELECT anime_id FROM anime WHERE name IS NOT NULL AND anime_id NOT IN
(SELECT anime_id FROM user_anime WHERE user_id = $1) ORDER BY anime_id DESC LIMIT 20`, r.User)
		for i, a := range r.UserRecs {
			mustExec(t, ctx, db, "INSERT INTO rec_user VALUES ($1, $2, $3, $4)", r.User, a, float32(1-0.01*float64(i)), i+1)
		}
		named := ints(t, ctx, db, "SELECT anime_id FROM anime WHERE name IS NOT NULL ORDER BY anime_id LIMIT 22")
		r.Anime, r.Similar, r.Lonely = named[0], named[1:21], named[21]
		for i, a := range r.Similar {
			score := float32(0.9 - 0.02*float64(i))
			r.SimilarScores = append(r.SimilarScores, float64(score))
			mustExec(t, ctx, db, "INSERT INTO rec_similar VALUES ($1, $2, $3, $4)", r.Anime, a, score, i+1)
		}
		r.UserModel, r.SimilarModel, r.RunID = RecUserModel, RecSimilarModel, RecRunID
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		mustExec(t, ctx, db, "INSERT INTO rec_model VALUES ('rec_user', $1, $2, $3, '{}', 3, 20, 60, 0.5)", RecUserModel, RecRunID, now)
		mustExec(t, ctx, db, "INSERT INTO rec_model VALUES ('rec_similar', $1, $2, $3, '{}', 3, 22, 60, 0.25)", RecSimilarModel, RecRunID, now)
	})
	return r
}

// DropRecs removes the recommendation tables from the published state of
// spec, as in a warehouse older than them.
func DropRecs(t testing.TB, spec string) {
	t.Helper()
	MutatePublished(t, spec, func(ctx context.Context, db *sql.DB) {
		for _, tb := range schema.RecTables {
			mustExec(t, ctx, db, "DROP TABLE IF EXISTS "+tb)
		}
	})
}

// MutatePublished runs fn on the published state of spec (duckdb:PATH,
// on a copy renamed over the file, or a postgres:// URL).
func MutatePublished(t testing.TB, spec string, fn func(ctx context.Context, db *sql.DB)) {
	t.Helper()
	ctx := context.Background()
	if path, ok := strings.CutPrefix(spec, "duckdb:"); ok {
		tmp := path + ".fixture"
		copyPath(t, path, tmp)
		db, err := sql.Open("duckdb", tmp)
		if err != nil {
			t.Fatal(err)
		}
		fn(ctx, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		return
	}
	db, err := sql.Open("pgx", spec)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(ctx, db)
}

func copyPath(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func hasRecTables(t testing.TB, ctx context.Context, db *sql.DB) bool {
	n := ints(t, ctx, db, `SELECT count(*) FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('rec_user', 'rec_similar', 'rec_model')`)
	return n[0] == 3
}

func mustExec(t testing.TB, ctx context.Context, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func ints(t testing.TB, ctx context.Context, db *sql.DB, q string, args ...any) []int64 {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
