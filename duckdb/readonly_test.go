package duckdb_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
)

// mustPublished makes a small database file at path, as if a run had
// published it, so reader tests need no run.
func mustPublished(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append([]string{"CREATE TABLE anime (anime_id INTEGER, name TEXT)", "INSERT INTO anime VALUES (1, 'a'), (2, 'b')"}, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec("CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
}

func TestQueryIsReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	mustPublished(t, path)
	secret := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(secret, []byte("x\nsecret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	refused := []struct{ name, sql string }{
		{"copy over the warehouse", "COPY (SELECT 'oops' AS x) TO '" + path + "' (FORMAT csv)"},
		{"copy to another file", "COPY anime TO '" + out + "' (FORMAT csv)"},
		{"read a file outside", "SELECT * FROM read_csv('" + secret + "')"},
		{"read a file by replacement scan", "SELECT * FROM '" + secret + "'"},
		{"read text", "SELECT * FROM read_text('" + secret + "')"},
		{"attach", "ATTACH '" + filepath.Join(dir, "other.duckdb") + "' AS o"},
		{"install", "INSTALL httpfs"},
		{"load", "LOAD httpfs"},
		{"set", "SET enable_external_access = true"},
		{"reset", "RESET enable_external_access"},
		{"set lock", "SET lock_configuration = false"},
		{"delete", "DELETE FROM anime"},
		{"create", "CREATE TABLE t AS SELECT 1"},
		{"export", "EXPORT DATABASE '" + filepath.Join(dir, "exp") + "'"},
		{"two statements", "SELECT 1; COPY (SELECT 1) TO '" + out + "'"},
		{"copy then select", "COPY (SELECT 1) TO '" + out + "'; SELECT 1"},
		{"explain analyze a copy", "EXPLAIN ANALYZE COPY (SELECT 1) TO '" + out + "'"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := w.Query(ctx, tc.sql)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			if err == nil {
				t.Fatalf("%s: ran on the read-only warehouse", tc.sql)
			}
		})
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the warehouse file changed (%d -> %d bytes, err %v)", len(before), len(after), err)
	}
	for _, p := range []string{out, filepath.Join(dir, "other.duckdb"), filepath.Join(dir, "exp")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was written by a read-only query", p)
		}
	}
	_, err = w.Query(ctx, "DELETE FROM anime")
	if !errors.Is(err, animetl.ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("DELETE: err = %v, want ErrReadOnly saying read-only", err)
	}
	for _, q := range []string{"SELECT current_setting('enable_external_access')", "SELECT current_setting('lock_configuration')"} {
		rows, err := w.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows.Next()
		v, _ := rows.Values()
		rows.Close()
		want := q != "SELECT current_setting('enable_external_access')"
		if v[0] != want {
			t.Errorf("%s = %v, want %v on every read handle", q, v[0], want)
		}
	}
	if _, err := w.Query(ctx, "SELECT * FROM read_csv('"+secret+"')"); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("read_csv outside the warehouse: err = %v, want the engine's refusal", err)
	}
	for _, q := range []string{"SELECT count(*) FROM anime", "WITH a AS (SELECT * FROM anime) SELECT count(*) FROM a", "FROM anime SELECT count(*)"} {
		rows, err := w.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !rows.Next() {
			t.Fatalf("%s: no row: %v", q, rows.Err())
		}
		v, err := rows.Values()
		rows.Close()
		if err != nil || v[0] != int64(2) {
			t.Errorf("%s = %v, %v; want 2", q, v, err)
		}
	}
}

// TestRefusedReadIsOneLine: a read the handle refuses (a file outside the
// warehouse) fails with one line naming the cause, without DuckDB's
// "LINE 1:" excerpt of the statement.
func TestRefusedReadIsOneLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	mustPublished(t, path)
	w, err := duckdb.Open(duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.Query(context.Background(), "SELECT * FROM read_csv('/etc/passwd')")
	if err == nil {
		t.Fatal("read_csv of /etc/passwd ran")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "LINE 1") || !strings.Contains(msg, "disabled by configuration") {
		t.Errorf("error %q: want one line naming the refusal", msg)
	}
}
