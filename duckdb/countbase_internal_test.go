package duckdb

import (
	"context"
	"database/sql"
	"maps"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestCountBase: a full run's user_anime holds one file's rows, counted
// from DuckDB's statistics and metadata; should it hold two files' (or
// rows deleted after the statistics were taken), each file is counted by
// grouping, and an empty table counts nothing.
func TestCountBase(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &stage{db: db}
	cases := []struct {
		name  string
		stmts []string
		want  map[int16]int64
	}{
		{"empty", []string{"CREATE TABLE user_anime (user_id INTEGER, file_id SMALLINT)"}, map[int16]int64{}},
		{"one file", []string{"INSERT INTO user_anime SELECT i, 3 FROM range(5000) t(i)"}, map[int16]int64{3: 5000}},
		{"two files", []string{"INSERT INTO user_anime SELECT i, 4 FROM range(7) t(i)"}, map[int16]int64{3: 5000, 4: 7}},
		{"one file again, the other's rows deleted", []string{"DELETE FROM user_anime WHERE file_id = 4"}, map[int16]int64{3: 5000}},
	}
	for _, tc := range cases {
		for _, q := range tc.stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.countBase(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: counted %v, want %v", tc.name, got, tc.want)
		}
	}
}
