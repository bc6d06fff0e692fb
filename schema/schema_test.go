package schema

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"two statements", "SELECT 1;\nSELECT 2;\n", 2},
		{"comments only chunk dropped", "-- note\n;\nSELECT 1;", 1},
		{"semicolon inside line kept", "SELECT ';x' AS a;\n", 1},
		{"no final semicolon", "SELECT 1", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Split(tc.script); len(got) != tc.want {
				t.Fatalf("Split(%q) = %d statements %q, want %d", tc.script, len(got), got, tc.want)
			}
		})
	}
}

// TestStatusCountsShared proves the warehouses' count of user_anime and
// an engine's count of a list (StatusCounts) are one text, and that the
// zero Dialect renders as DuckDB's.
func TestStatusCountsShared(t *testing.T) {
	agg := Aggregate(Params{Scratch: "scratch."})
	if len(agg) != 1 || !strings.HasSuffix(agg[0], StatusCounts("user_anime")) {
		t.Errorf("Aggregate %q does not end with StatusCounts %q", agg, StatusCounts("user_anime"))
	}
	for name, pair := range map[string][2][]string{
		"ops":     {Ops(Params{}), Ops(Params{Dialect: DuckDB})},
		"repeats": {Repeats(Params{}, "t", "x"), Repeats(Params{Dialect: DuckDB}, "t", "x")},
		"merge":   {Merge(Params{}), Merge(Params{Dialect: DuckDB})},
	} {
		if strings.Join(pair[0], ";") != strings.Join(pair[1], ";") {
			t.Errorf("%s: the zero Dialect renders otherwise than DuckDB", name)
		}
	}
	if got := strings.Join(Repeats(Params{Dialect: Postgres}, "t", "x"), ";"); !strings.Contains(got, "ctid") || strings.Contains(got, "rowid") {
		t.Errorf("repeats on PostgreSQL do not locate rows by ctid: %s", got)
	}
}

func TestRenderAll(t *testing.T) {
	p := Params{Scratch: "scratch.", ListTable: "user_anime", Prior: 50, Full: true}
	mergeDel, mergeInsert := MergeByRange(p)
	sets := map[string][]string{
		"ops": Ops(p), "ops on postgres": Ops(Params{Dialect: Postgres}), "load": Load(p), "model": Model(), "repeats": Repeats(p, "user_anime", "base"),
		"finalize": Finalize(p), "views": Views(), "aggregate": Aggregate(p), "merge": Merge(p), "aggregate delta": AggregateDelta(p),
		"merge on postgres":   Merge(Params{Dialect: Postgres}),
		"repeats of keys":     RepeatsOf(p, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}, {UserID: 3, AnimeID: 4}}),
		"repeats on postgres": RepeatsOf(Params{Dialect: Postgres}, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}}),
		"repeats by range":    {RepeatsDeleteByRange(p, "user_anime", "base")},
		"merge by range":      {mergeDel, mergeInsert},
	}
	for name, stmts := range sets {
		if len(stmts) == 0 {
			t.Errorf("%s: no statements", name)
		}
		for _, s := range stmts {
			if strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
				t.Errorf("%s: unrendered template in %q", name, s)
			}
		}
	}
	// The repeats resolve the same way whether the keys are searched or
	// given: the statements differ only in how the keys table is filled.
	searched, known := Repeats(p, "user_anime", "base"), RepeatsOf(p, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}})
	// DuckDB deletes the gone rows by ranges (RepeatsDeleteByRange).
	if len(searched) != len(known) || len(known) != 3 {
		t.Fatalf("repeats: %d statements searched, %d known, want 3", len(searched), len(known))
	}
	if !strings.Contains(known[0], "VALUES (1, 2)") || strings.Contains(known[0], "GROUP BY") {
		t.Errorf("repeats of known keys: %q", known[0])
	}
	for i := 1; i < len(known); i++ {
		if searched[i] != known[i] {
			t.Errorf("repeats statement %d differs: %q vs %q", i, searched[i], known[i])
		}
	}
	model := strings.Join(Model(), "\n")
	for _, table := range ModelTables {
		if table == "user_anime" {
			continue
		}
		if !strings.Contains(model, "CREATE TABLE "+table+" (") {
			t.Errorf("model lacks table %s", table)
		}
	}
	if !strings.Contains(strings.Join(Finalize(p), "\n"), "scratch.ua_agg") {
		t.Error("finalize does not use the scratch prefix")
	}
}

func TestQuery(t *testing.T) {
	for _, name := range []string{"top_rated", "most_watched"} {
		if q, err := Query(name); err != nil || !strings.Contains(q, "anime_stats") {
			t.Errorf("Query(%q) = %q, %v", name, q, err)
		}
	}
	if _, err := Query("nope"); err == nil {
		t.Error("Query(nope) succeeded")
	}
}
