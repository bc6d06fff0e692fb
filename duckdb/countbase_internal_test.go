package duckdb

import (
	"context"
	"database/sql"
	"maps"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// TestCountBase: a full run's user_anime holds the rows of its one base
// list and has no file_id (scratchParams): they are counted under the base
// list's id, a delta list's id gets none, an empty table counts nothing,
// rows without a base list or two base lists are an error.
func TestCountBase(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE user_anime (user_id INTEGER, line BIGINT)"); err != nil {
		t.Fatal(err)
	}
	base := &animetl.FileLoad{ID: 3, Kind: animetl.KindAnimeList}
	delta := &animetl.FileLoad{ID: 4, Kind: animetl.KindAnimeList, Date: "2026-11-29"}
	anime := &animetl.FileLoad{ID: 1, Kind: animetl.KindAnime}
	cases := []struct {
		name   string
		stmts  []string
		files  []*animetl.FileLoad
		want   map[int16]int64
		wantID int16
		err    string
	}{
		{"empty, no base list", nil, []*animetl.FileLoad{anime}, map[int16]int64{}, -1, ""},
		{"empty", nil, []*animetl.FileLoad{anime, base, delta}, map[int16]int64{}, 3, ""},
		{"one file", []string{"INSERT INTO user_anime SELECT i, i + 2 FROM range(5000) t(i)"},
			[]*animetl.FileLoad{anime, base, delta}, map[int16]int64{3: 5000}, 3, ""},
		{"rows without a base list", nil, []*animetl.FileLoad{anime, delta}, nil, -1, "loaded no base list"},
		{"two base lists", nil, []*animetl.FileLoad{base, {ID: 5, Kind: animetl.KindAnimeList}}, nil, -1, "got two"},
	}
	for _, tc := range cases {
		for _, q := range tc.stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		s := &stage{db: db, files: tc.files}
		got := map[int16]int64{}
		id, err := s.countBase(context.Background(), got)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if id != tc.wantID || !maps.Equal(got, tc.want) {
			t.Errorf("%s: counted %v under %d, want %v under %d", tc.name, got, id, tc.want, tc.wantID)
		}
	}
}
