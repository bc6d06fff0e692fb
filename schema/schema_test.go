package schema

import (
	"slices"
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
		"ops": Ops(p), "ops on postgres": Ops(Params{Dialect: Postgres}), "load": Load(p), "model": Model(DuckDB), "model on postgres": Model(Postgres), "repeats": Repeats(p, "user_anime", "base"),
		"finalize": Finalize(p), "views": Views(), "aggregate": Aggregate(p), "merge": Merge(p), "aggregate delta": AggregateDelta(p),
		"merge on postgres":   Merge(Params{Dialect: Postgres}),
		"repeats of keys":     RepeatsOf(p, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}, {UserID: 3, AnimeID: 4}}, nil),
		"repeats on postgres": RepeatsOf(Params{Dialect: Postgres}, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}}, nil),
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
	// given: given keys (and users) add one scan that takes their users'
	// rows, which the keys table and the rows table then read instead of
	// the table; the rejects and the delete are the same statements.
	searched := Repeats(p, "user_anime", "base")
	known := RepeatsOf(p, "user_anime", "base", []animetl.ListKey{{UserID: 1, AnimeID: 2}}, []int32{7, 1})
	// DuckDB deletes the gone rows by ranges (RepeatsDeleteByRange).
	if len(searched) != 3 || len(known) != 4 {
		t.Fatalf("repeats: %d statements searched, %d known, want 3 and 4", len(searched), len(known))
	}
	if !strings.Contains(known[0], "WHERE l.user_id IN (1, 7)") {
		t.Errorf("repeats: the candidates' scan does not take users 1 and 7 once each: %q", known[0])
	}
	if !strings.Contains(known[1], "VALUES (1, 2)") || !strings.Contains(known[1], "base_repeat_cand") ||
		!strings.Contains(known[1], "IN (7, 1)") || strings.Contains(known[1], "FROM user_anime") {
		t.Errorf("repeats of known keys and users: %q", known[1])
	}
	if !strings.Contains(known[2], "base_repeat_cand l") || strings.Contains(known[2], "FROM user_anime") {
		t.Errorf("repeat rows of known keys: %q", known[2])
	}
	if searched[2] != known[3] {
		t.Errorf("the rejects differ: %q vs %q", searched[2], known[3])
	}
	model := strings.Join(Model(DuckDB), "\n")
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

// TestModelKeys: the derived tables get their keys where the dialect says
// so, and only there, once filled (catalogue.sql, finalize.sql: an index
// build, not a key insert per row); the other tables' keys are declared on
// both when made.
func TestModelKeys(t *testing.T) {
	derived := []string{"anime_genre", "anime_studio", "anime_producer", "anime_licensor", "anime_score_votes", "anime_status_stats"}
	for _, d := range []Dialect{DuckDB, Postgres} {
		for _, q := range Model(d) {
			m := createTable.FindStringSubmatch(q)
			if m == nil {
				continue
			}
			keyed := strings.Contains(q, "PRIMARY KEY")
			want := !slices.Contains(derived, m[1])
			if keyed != want {
				t.Errorf("%s on %s: primary key declared %v, want %v", m[1], d.Name, keyed, want)
			}
		}
		for _, counted := range []bool{false, true} {
			p := Params{Dialect: d, Counted: counted}
			fill := strings.Join(append(Catalogue(p), Finalize(p)...), "\n")
			for _, table := range derived {
				if got := strings.Count(fill, "ALTER TABLE "+table+" ADD PRIMARY KEY"); got != map[bool]int{false: 0, true: 1}[d.ModelKeys] {
					t.Errorf("%s on %s (counted %v): its key is added %d times", table, d.Name, counted, got)
				}
			}
			if inserted := strings.Contains(fill, "INSERT INTO anime_status_stats"); inserted == counted {
				t.Errorf("on %s, counted %v: Finalize inserts anime_status_stats: %v", d.Name, counted, inserted)
			}
		}
	}
}

// TestModelExcept: the statements creating the named tables, and only
// those, are left out.
func TestModelExcept(t *testing.T) {
	all := Model(Postgres)
	kept := ModelExcept(Postgres, CatalogueTables...)
	if len(all)-len(kept) != len(CatalogueTables) {
		t.Fatalf("ModelExcept left out %d statements, want %d", len(all)-len(kept), len(CatalogueTables))
	}
	for _, q := range kept {
		m := createTable.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("not a CREATE TABLE: %.60s", q)
			continue
		}
		for _, c := range CatalogueTables {
			if m[1] == c {
				t.Errorf("%s is still created", c)
			}
		}
	}
}

// TestCatalogueSplit: the two parts hold every statement of Catalogue once,
// in its order; the first writes anime alone, the second every
// CatalogueFixed table and nothing else.
func TestCatalogueSplit(t *testing.T) {
	for _, d := range []Dialect{DuckDB, Postgres} {
		p := Params{Dialect: d, Prior: 50, Full: true}
		anime, fixed := CatalogueSplit(p)
		if got, want := append(slices.Clone(anime), fixed...), Catalogue(p); len(got) != len(want) {
			t.Fatalf("%s: %d statements in the parts, Catalogue has %d", d.Name, len(got), len(want))
		}
		if len(anime) == 0 || len(fixed) == 0 {
			t.Fatalf("%s: a part is empty (%d, %d statements)", d.Name, len(anime), len(fixed))
		}
		for _, q := range anime {
			if m := writesTable.FindStringSubmatch(q); m == nil || m[1] != "anime" {
				t.Errorf("%s: the anime part holds %.60q", d.Name, q)
			}
		}
		written := map[string]bool{}
		for _, q := range fixed {
			m := writesTable.FindStringSubmatch(q)
			if m == nil || !slices.Contains(CatalogueFixed, m[1]) {
				t.Errorf("%s: the fixed part holds %.60q", d.Name, q)
				continue
			}
			written[m[1]] = true
		}
		for _, tbl := range CatalogueFixed {
			if !written[tbl] {
				t.Errorf("%s: no statement of the fixed part writes %s", d.Name, tbl)
			}
		}
		// Each part keeps Catalogue's order.
		i, j := 0, 0
		for _, q := range Catalogue(p) {
			switch {
			case i < len(anime) && anime[i] == q:
				i++
			case j < len(fixed) && fixed[j] == q:
				j++
			default:
				t.Fatalf("%s: the parts do not keep Catalogue's order at %.60q", d.Name, q)
			}
		}
	}
}
