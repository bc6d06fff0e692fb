// Command recseed fills the recommendation tables of a published warehouse
// with rows of the real shape for `make bench-serve` while runs do not
// train them yet: per user the 20 most listed anime they have not listed
// (popularity, as the fallback), per anime the 20 most listed others. It
// creates the tables when missing. On DuckDB it rewrites a copy of the
// published file and renames it over the path, as a publish does.
//
//	recseed -warehouse duckdb:PATH | postgres://...
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/animetl/animetl/schema"
)

const (
	sqlHasTables = `SELECT count(*) FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('rec_user', 'rec_similar', 'rec_model')`
	sqlUsers = `INSERT INTO rec_user
SELECT user_id, anime_id, score, rank FROM (
  SELECT u.user_id, p.anime_id, CAST(p.list_users AS REAL) AS score,
         CAST(row_number() OVER (PARTITION BY u.user_id ORDER BY p.list_users DESC, p.anime_id) AS SMALLINT) AS rank
  FROM (SELECT DISTINCT user_id FROM user_anime) u
  CROSS JOIN (SELECT anime_id, list_users FROM anime_stats ORDER BY list_users DESC, anime_id LIMIT 200) p
  WHERE NOT EXISTS (SELECT 1 FROM user_anime x WHERE x.user_id = u.user_id AND x.anime_id = p.anime_id)
) r WHERE rank <= 20`
	sqlSimilar = `INSERT INTO rec_similar
SELECT anime_id, similar_id, score, rank FROM (
  SELECT a.anime_id, p.anime_id AS similar_id, CAST(1.0 / (1 + p.n) AS REAL) AS score,
         CAST(row_number() OVER (PARTITION BY a.anime_id ORDER BY p.n) AS SMALLINT) AS rank
  FROM anime a
  CROSS JOIN (SELECT anime_id, row_number() OVER (ORDER BY list_users DESC, anime_id) AS n FROM anime_stats ORDER BY list_users DESC, anime_id LIMIT 21) p
  WHERE p.anime_id <> a.anime_id
) r WHERE rank <= 20`
	sqlModels = `INSERT INTO rec_model VALUES
('rec_user', 'popularity', 'recseed', $1, '{}', 0, 0, 0, 0),
('rec_similar', 'popularity', 'recseed', $1, '{}', 0, 0, 0, 0)`
)

func main() {
	wh := flag.String("warehouse", "", "duckdb:PATH or a postgres:// URL")
	flag.Parse()
	if err := run(context.Background(), *wh); err != nil {
		fmt.Fprintln(os.Stderr, "recseed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, spec string) error {
	path, duck := strings.CutPrefix(spec, "duckdb:")
	driver, dsn := "pgx", spec
	if duck {
		driver, dsn = "duckdb", path+".recseed"
		if err := copyFile(path, dsn); err != nil {
			return err
		}
	} else if !strings.HasPrefix(spec, "postgres") {
		return fmt.Errorf("-warehouse %q: want duckdb:PATH or postgres://", spec)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, sqlHasTables).Scan(&n); err != nil {
		return err
	}
	var stmts []string
	if n < 3 {
		stmts = append(stmts, schema.Recommendations()...)
	}
	stmts = append(stmts, "DELETE FROM rec_user", "DELETE FROM rec_similar", "DELETE FROM rec_model", sqlUsers, sqlSimilar)
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(s, "\n", 2)[0], err)
		}
	}
	if _, err := db.ExecContext(ctx, sqlModels, time.Now().UTC()); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if duck {
		return os.Rename(dsn, path)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
