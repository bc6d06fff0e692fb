package contract

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// HostileDir is the small fixture with every defect of DATASET.md; its
// testdata/hostile/EXPECTED.md explains each line.
func HostileDir() string { return filepath.Join(RepoRoot(), "testdata", "hostile") }

// hostileWant is what a warehouse must report for the hostile fixture
// (testdata/hostile/EXPECTED.md): the decoder's rejects plus, for the list,
// the repeats the warehouse finds (lines 5, 20, 21 identical repeats; line 6
// a conflicting one).
var hostileWant = map[string]animetl.FileSummary{
	animetl.FileWatchingStatus: {RowsRead: 9, RowsLoaded: 5, RowsRejected: 3, RowsDuplicate: 1},
	animetl.FileAnime:          {RowsRead: 16, RowsLoaded: 7, RowsRejected: 8, RowsDuplicate: 1},
	animetl.FileSynopsis:       {RowsRead: 11, RowsLoaded: 5, RowsRejected: 5, RowsDuplicate: 1},
	animetl.FileAnimeList:      {RowsRead: 23, RowsLoaded: 9, RowsRejected: 11, RowsDuplicate: 3},
}

func testHostile(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	sum := MustRun(t, wh, HostileDir(), 1)
	for name, want := range hostileWant {
		got := fileByName(t, sum, name)
		if got.RowsRead != want.RowsRead || got.RowsLoaded != want.RowsLoaded ||
			got.RowsRejected != want.RowsRejected || got.RowsDuplicate != want.RowsDuplicate {
			t.Errorf("%s: read/loaded/rejected/duplicate = %d/%d/%d/%d, want %d/%d/%d/%d", name,
				got.RowsRead, got.RowsLoaded, got.RowsRejected, got.RowsDuplicate,
				want.RowsRead, want.RowsLoaded, want.RowsRejected, want.RowsDuplicate)
		}
	}
	// The list's repeats, line by line.
	got := QueryAll(t, wh, `SELECT line, kind FROM etl_reject WHERE run_id = $1 AND file = 'animelist.csv'
		AND (kind = 'duplicate' OR reason LIKE 'conflicting%') ORDER BY line`, sum.RunID)
	want := [][]string{{"5", "duplicate"}, {"6", "reject"}, {"20", "duplicate"}, {"21", "duplicate"}}
	if len(got) != len(want) {
		t.Fatalf("list repeats in etl_reject: %v, want %v", got, want)
	}
	for i := range want {
		if got[i][0] != want[i][0] || got[i][1] != want[i][1] {
			t.Errorf("list repeat %d: %v, want %v", i, got[i], want[i])
		}
	}
	// The first occurrence of the conflicting pair (line 4) is the one kept.
	checks := []struct {
		sql  string
		want int64
	}{
		{"SELECT count(*) FROM user_anime", 9},
		{"SELECT count(*) FROM user_anime WHERE rating IS NULL", 3},
		{"SELECT count(*) FROM watching_status WHERE NOT is_documented", 2},
		{"SELECT count(*) FROM watching_status WHERE status IN (0, 5) AND NOT is_documented", 2},
		{"SELECT count(*) FROM anime WHERE is_inferred", 2},
		{"SELECT count(*) FROM anime WHERE anime_id = 99999 AND is_inferred", 1},
		{"SELECT count(*) FROM anime WHERE anime_id = 14 AND is_inferred AND synopsis IS NOT NULL", 1},
		{"SELECT count(*) FROM anime", 9},
		{"SELECT count(*) FROM anime WHERE anime_id = 1 AND score = 8.78 AND ranked = 28", 1},
		{"SELECT count(*) FROM anime WHERE anime_id = 8 AND synopsis IS NULL", 1},
		{"SELECT count(*) FROM etl_reject WHERE run_id = $1 AND raw IS NOT NULL AND line > 1", 33},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.sql, "$1") {
			args = []any{sum.RunID}
		}
		if n := QueryInt(t, wh, c.sql, args...); n != c.want {
			t.Errorf("%s = %d, want %d", c.sql, n, c.want)
		}
	}
}
