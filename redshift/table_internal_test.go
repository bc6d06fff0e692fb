package redshift

import (
	"strings"
	"testing"
)

// TestParseCreateRefusesWhatItCannotCarry: a construct of schema/sql that
// the generator does not know stops it instead of being dropped.
func TestParseCreateRefusesWhatItCannotCarry(t *testing.T) {
	tests := []struct {
		name, stmt, want string
	}{
		{"default", "CREATE TABLE t (\n    a INTEGER DEFAULT 0,\n    PRIMARY KEY (a)\n)", "a INTEGER DEFAULT 0"},
		{"unknown type", "CREATE TABLE t (\n    a JSONB NOT NULL\n)", "JSONB"},
		{"not a table", "CREATE VIEW v AS SELECT 1", "not a CREATE TABLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseCreate(tc.stmt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseCreate: %v, want an error naming %q", err, tc.want)
			}
		})
	}
	tb, err := parseCreate("-- a note\nCREATE TABLE t (\n    a INTEGER PRIMARY KEY,\n    b DECIMAL(4,2),\n    c TEXT NOT NULL\n)")
	if err != nil || len(tb.Columns) != 3 || tb.PrimaryKey[0] != "a" || !tb.Columns[2].NotNull || tb.Columns[1].Type != "DECIMAL(4,2)" {
		t.Errorf("parseCreate: %+v, %v", tb, err)
	}
	if _, err := createTable("dw", Table{Name: "anime", Columns: []Column{{Name: "anime_id", Type: "INTEGER"}, {Name: "motto", Type: "TEXT"}}, PrimaryKey: []string{"anime_id"}}); err == nil || !strings.Contains(err.Error(), "anime.motto") {
		t.Errorf("a TEXT column without a length: %v", err)
	}
	if _, err := createTable("dw", Table{Name: "anime_theme", Columns: []Column{{Name: "anime_id", Type: "INTEGER"}}, PrimaryKey: []string{"anime_id"}}); err == nil {
		t.Error("a table without a layout was generated")
	}
	if _, err := createTable("dw", Table{Name: "anime", Columns: []Column{{Name: "id", Type: "INTEGER"}}, PrimaryKey: []string{"id"}}); err == nil {
		t.Error("a sort key on a missing column was generated")
	}
}
