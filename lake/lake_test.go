package lake_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/schema"
	"github.com/animetl/animetl/synth"
)

var small = synth.Config{Rows: 20_000, Anime: 800, Seed: 11, Layout: synth.LayoutIndexed, DefectRate: 0.002}

// engine makes a warehouse loaded with the small set and returns it, open,
// and a Publication on it.
type engine struct {
	name string
	open func(t *testing.T) (animetl.Warehouse, animetl.Publication)
}

func engines(t *testing.T) []engine {
	es := []engine{{"duckdb", openDuck}}
	if os.Getenv("ANIMETL_TEST_POSTGRES") != "" {
		es = append(es, engine{"postgres", openPostgres})
	} else {
		t.Log("PostgreSQL cases skipped: set ANIMETL_TEST_POSTGRES=postgres://... (make test does)")
	}
	return es
}

func load(t *testing.T, wh animetl.Warehouse) {
	dir, _ := contract.Gen(t, small)
	contract.MustRun(t, wh, dir, 0)
}

func openDuck(t *testing.T) (animetl.Warehouse, animetl.Publication) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	load(t, wh)
	r, err := duckdb.OpenReader(duckdb.Options{Path: path, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return wh, r
}

func openPostgres(t *testing.T) (animetl.Warehouse, animetl.Publication) {
	u := contract.NewPostgresDB(t)
	wh, err := postgres.Open(context.Background(), postgres.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	load(t, wh)
	r, err := postgres.OpenReader(postgres.ReaderOptions{URL: u, MaxConns: 2, StatementTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return wh, r
}

// parquetDB is an in-memory DuckDB that reads the files back, as a
// reader of the lake would.
type parquetDB struct{ db *sql.DB }

func newParquetDB(t *testing.T) parquetDB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return parquetDB{db}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func (p parquetDB) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	r, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return newSQLRows(r)
}

func TestExport(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			_, pub := e.open(t)
			ctx := context.Background()
			out := t.TempDir()
			store, err := lake.NewDir(out)
			if err != nil {
				t.Fatal(err)
			}
			const buckets = 4
			res, err := lake.Export(ctx, pub, store, lake.Options{Buckets: buckets, MemoryLimit: "256MB", TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			snap, err := pub.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			run := snap.Run()

			var ptr lake.Pointer
			readJSON(t, filepath.Join(out, "_published.json"), &ptr)
			if ptr.RunID != run.RunID || ptr.Manifest != "runs/"+run.RunID+"/manifest.json" {
				t.Fatalf("_published.json = %+v, want run %s", ptr, run.RunID)
			}
			var m lake.Manifest
			readJSON(t, filepath.Join(out, ptr.Manifest), &m)
			if m.RunID != run.RunID || m.Engine != e.name || m.Buckets != buckets || !m.PublishedAt.Equal(run.At) {
				t.Fatalf("manifest head = %s %s %d %s, want %s %s %d %s", m.RunID, m.Engine, m.Buckets, m.PublishedAt, run.RunID, e.name, buckets, run.At)
			}
			wantTables := append(slices.Clip(schema.ModelTables), schema.RecTables...)
			if len(m.Tables) != len(wantTables) || len(res.Manifest.Tables) != len(m.Tables) {
				t.Fatalf("manifest has %d tables, want %d", len(m.Tables), len(wantTables))
			}
			leftovers, _ := filepath.Glob(filepath.Join(out, "runs", ".*"))
			leftovers2, _ := filepath.Glob(filepath.Join(out, ".*"))
			if len(leftovers)+len(leftovers2) != 0 {
				t.Errorf("staging files left: %v %v", leftovers, leftovers2)
			}

			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			pq := parquetDB{db}
			for i, tm := range m.Tables {
				table := wantTables[i]
				if tm.Name != table {
					t.Fatalf("manifest table %d = %s, want %s", i, tm.Name, table)
				}
				want := contract.TableFingerprint(t, snap, table, contract.TableKeys[table])
				if tm.Rows != want.Rows {
					t.Errorf("%s: manifest rows %d, warehouse %d", table, tm.Rows, want.Rows)
				}
				var paths []string
				for _, f := range tm.Files {
					st, err := os.Stat(filepath.Join(out, filepath.FromSlash(f.Path)))
					if err != nil || st.Size() != f.Bytes {
						t.Errorf("%s: file %s: %v (size %d, manifest %d)", table, f.Path, err, sizeOf(st), f.Bytes)
					}
					paths = append(paths, sqlString(filepath.Join(out, filepath.FromSlash(f.Path))))
				}
				wantFiles := 1
				if table == lake.FactTable {
					wantFiles = buckets
				}
				if len(tm.Files) != wantFiles {
					t.Fatalf("%s: %d files, want %d", table, len(tm.Files), wantFiles)
				}
				// Without hive_partitioning DuckDB would add the bucket folder's
				// user_bucket to the warehouse's columns.
				view := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet([%s], hive_partitioning = false)", table, strings.Join(paths, ", "))
				if _, err := db.Exec(view); err != nil {
					t.Fatal(err)
				}
				if got := contract.TableFingerprint(t, pq, table, contract.TableKeys[table]); got != want {
					t.Errorf("%s: Parquet fingerprint %+v, warehouse %+v", table, got, want)
				}
				// The files' types are the manifest's.
				desc := contract.QueryAll(t, pq, "SELECT column_name, column_type FROM (DESCRIBE "+table+")")
				if len(desc) != len(tm.Columns) {
					t.Fatalf("%s: %d columns in Parquet, %d in the manifest", table, len(desc), len(tm.Columns))
				}
				for j, c := range tm.Columns {
					if desc[j][0] != c.Name || desc[j][1] != c.Type {
						t.Errorf("%s: Parquet column %v, manifest %+v", table, desc[j], c)
					}
				}
			}

			// The specified types, by name.
			for _, c := range []struct{ table, column, typ string }{
				{"anime", "score", "DECIMAL(4,2)"},
				{"anime", "aired_from", "DATE"},
				{"anime", "anime_id", "INTEGER"},
				{"anime", "name", "VARCHAR"},
				{"anime", "is_inferred", "BOOLEAN"},
				{"anime", "duration_minutes", "DOUBLE"},
				{"user_anime", "watching_status", "SMALLINT"},
				{"anime_stats", "list_users", "BIGINT"},
			} {
				got := contract.QueryAll(t, pq, "SELECT column_type FROM (DESCRIBE "+c.table+") WHERE column_name = $1", c.column)
				if len(got) != 1 || got[0][0] != c.typ {
					t.Errorf("%s.%s: Parquet type %v, want %s", c.table, c.column, got, c.typ)
				}
			}
			// Parquet's own logical types, not only what DuckDB infers.
			for _, c := range []struct{ column, logical string }{{"score", "DECIMAL"}, {"aired_from", "DATE"}} {
				f := filepath.Join(out, "runs", run.RunID, "anime", "part-00000.parquet")
				lt := contract.QueryAll(t, pq, "SELECT coalesce(logical_type, converted_type) FROM parquet_schema("+sqlString(f)+") WHERE name = $1", c.column)
				comp := contract.QueryAll(t, pq, "SELECT DISTINCT compression FROM parquet_metadata("+sqlString(f)+") WHERE path_in_schema = $1", c.column)
				if len(lt) != 1 || !strings.Contains(strings.ToUpper(lt[0][0]), c.logical) || len(comp) != 1 || comp[0][0] != "ZSTD" {
					t.Errorf("anime.%s: Parquet logical type %v and compression %v, want %s and ZSTD", c.column, lt, comp, c.logical)
				}
			}

			// Each bucket holds only its users, and the buckets add up.
			var sum int64
			for b := range buckets {
				f := filepath.Join(out, "runs", run.RunID, "user_anime", fmt.Sprintf("user_bucket=%02d", b), "part-00000.parquet")
				n := contract.QueryInt(t, pq, "SELECT count(*) FROM read_parquet("+sqlString(f)+")")
				bad := contract.QueryInt(t, pq, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE user_id %% %d <> %d", sqlString(f), buckets, b))
				if bad != 0 || n == 0 {
					t.Errorf("bucket %02d: %d rows, %d of another bucket", b, n, bad)
				}
				sum += n
			}
			if want := contract.QueryInt(t, snap, "SELECT count(*) FROM user_anime"); sum != want {
				t.Errorf("buckets hold %d rows, user_anime %d", sum, want)
			}
			// A reader of the hive layout sees the bucket as a column.
			hive := filepath.Join(out, "runs", run.RunID, "user_anime", "*", "*.parquet")
			if bad := contract.QueryInt(t, pq, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s, hive_partitioning = true) WHERE user_bucket <> user_id %% %d", sqlString(hive), buckets)); bad != 0 {
				t.Errorf("%d rows in a folder not their bucket's", bad)
			}

			// A second export of the same run writes only the pointer.
			again, err := lake.Export(ctx, pub, store, lake.Options{Buckets: buckets})
			if err != nil || !again.Reused {
				t.Fatalf("second export: reused %v, %v", again.Reused, err)
			}
			if _, err := lake.Export(ctx, pub, store, lake.Options{Buckets: buckets + 1}); err == nil {
				t.Fatal("export of the same run with other buckets: no error")
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return -1
	}
	return st.Size()
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
