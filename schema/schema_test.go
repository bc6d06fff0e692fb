package schema

import (
	"strings"
	"testing"
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

func TestRenderAll(t *testing.T) {
	p := Params{Scratch: "scratch.", ListTable: "user_anime", Prior: 50, Full: true}
	sets := map[string][]string{
		"ops": Ops(p), "ops on postgres": Ops(Params{Postgres: true}), "load": Load(p), "model": Model(), "repeats": Repeats(p, "user_anime", "base"),
		"finalize": Finalize(p), "views": Views(), "aggregate": Aggregate(p), "merge": Merge(p), "aggregate delta": AggregateDelta(p),
		"merge on postgres": Merge(Params{Postgres: true}),
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
