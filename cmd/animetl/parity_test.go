package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/schema"
)

// TestParity loads the same generated data into DuckDB and PostgreSQL and
// proves the two warehouses hold the same rows and give the same answers.
func TestParity(t *testing.T) {
	ctx := context.Background()
	dbURL := contract.NewPostgresDB(t)
	pg, err := postgres.Open(ctx, postgres.Options{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	duck, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "p.duckdb"), LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()

	dir, _ := contract.Gen(t, contract.Generated)
	sums := map[string]*animetl.RunSummary{}
	for _, wh := range []animetl.Warehouse{duck, pg} {
		sum, err := contract.RunRecommend(t, wh, dir, animetl.ModeFull, "popularity", "cooccurrence")
		if err != nil {
			t.Fatalf("%s: %v", wh.Dialect(), err)
		}
		sums[wh.Dialect()] = sum
	}
	for i := range sums["duckdb"].Files {
		d, p := sums["duckdb"].Files[i], sums["postgres"].Files[i]
		if d != p {
			t.Errorf("file counts differ:\n duckdb   %+v\n postgres %+v", d, p)
		}
	}
	fd, fp := contract.Fingerprints(t, duck), contract.Fingerprints(t, pg)
	for table, f := range fd {
		if table == "rec_model" { // names the run that trained, and when
			continue
		}
		if fp[table] != f {
			t.Errorf("%s: duckdb %+v, postgres %+v", table, f, fp[table])
		}
		if f.Rows == 0 {
			t.Errorf("%s is empty", table)
		}
	}
	top, _ := schema.Query("top_rated")
	most, _ := schema.Query("most_watched")
	queries := []struct {
		name string
		sql  string
		args []any
	}{
		{"top-rated", top, []any{20, 25}},
		{"most-watched", most, []any{25}},
		{"seed max score", "SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master) ORDER BY MAL_ID", nil},
		{"anime_meta", "SELECT * FROM anime_meta ORDER BY MAL_ID LIMIT 200", nil},
		{"anime_score", "SELECT * FROM anime_score ORDER BY MAL_ID LIMIT 200", nil},
		{"rejects", "SELECT file, line, kind, field, reason, raw FROM etl_reject ORDER BY file, line, kind", nil},
	}
	for _, q := range queries {
		d := contract.QueryAll(t, duck, q.sql, q.args...)
		p := contract.QueryAll(t, pg, q.sql, q.args...)
		if len(d) == 0 || len(d) != len(p) {
			t.Errorf("%s: duckdb %d rows, postgres %d rows", q.name, len(d), len(p))
			continue
		}
		for i := range d {
			for j := range d[i] {
				if d[i][j] != p[i][j] {
					t.Errorf("%s row %d col %d: duckdb %q, postgres %q", q.name, i, j, d[i][j], p[i][j])
				}
			}
		}
	}
}
