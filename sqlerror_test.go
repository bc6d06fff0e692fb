package animetl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestStatementStep(t *testing.T) {
	tests := []struct{ stmt, want string }{
		{"CREATE TABLE anime_stats AS SELECT 1", "build anime_stats"},
		{"-- the mart\nCREATE OR REPLACE TABLE scratch.ua_base (x INT)", "build scratch.ua_base"},
		{"CREATE TABLE IF NOT EXISTS etl_run (run_id TEXT)", "build etl_run"},
		{"CREATE VIEW anime_master AS SELECT 1", "build view anime_master"},
		{"CREATE SCHEMA stage_1", "make schema stage_1"},
		{"INSERT INTO etl_table (t, n) SELECT 1", "fill etl_table"},
		{"INSERT OR REPLACE INTO etl_check BY NAME SELECT 1", "fill etl_check"},
		{"/* c */ DELETE FROM user_anime AS u USING x", "delete from user_anime"},
		{"UPDATE anime SET x = 1", "update anime"},
		{"DROP TABLE IF EXISTS genre", "drop genre"},
		{"ALTER TABLE user_anime DROP COLUMN line", "alter user_anime"},
		{"SELECT count(*) FROM anime", "query"},
		{"WITH gone AS (SELECT 1) DELETE FROM x", "query"},
		{"CHECKPOINT", "checkpoint"},
		{"  ", "empty statement"},
	}
	for _, tc := range tests {
		if got := StatementStep(tc.stmt); got != tc.want {
			t.Errorf("StatementStep(%q) = %q, want %q", tc.stmt, got, tc.want)
		}
	}
}

func TestStatementErrorIsOneLine(t *testing.T) {
	db := errors.New("Binder Error: Referenced column \"x\" not found\n\nLINE 1: SELECT x FROM anime\n               ^")
	err := NewStatementError("CREATE TABLE anime_stats AS\nSELECT x FROM anime", db)
	if got, want := err.Error(), `build anime_stats: Binder Error: Referenced column "x" not found`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, db) {
		t.Error("the driver's error is not unwrapped")
	}
	long := NewStatementError("UPDATE anime SET x = 1", errors.New(strings.Repeat("é", 1000)))
	if n := len(long.Error()); n > MaxDBMessageBytes+len("update anime: ")+len(ClipMark) {
		t.Errorf("message of %d bytes", n)
	}
}

func TestExcerptAndOneLine(t *testing.T) {
	if got := Excerpt("a,b"); got != `"a,b"` {
		t.Errorf("Excerpt(short) = %s", got)
	}
	long := strings.Repeat("ab\x00", 1000)
	got := Excerpt([]byte(long))
	if !strings.HasSuffix(got, ClipMark) || len(got) > MaxExcerptBytes+2+len(ClipMark) {
		t.Errorf("Excerpt(long) = %d bytes, ends %q", len(got), got[len(got)-8:])
	}
	base := errors.New(strings.Repeat("ü", MaxErrorBytes) + "\nPossible solutions:\n* more memory")
	err := OneLine(fmt.Errorf("finalize: %w", base))
	if msg := err.Error(); len(msg) > MaxErrorBytes || !strings.HasSuffix(msg, ClipMark) || strings.Contains(msg, "\n") {
		t.Errorf("OneLine: %d bytes", len(msg))
	}
	if !errors.Is(err, base) {
		t.Error("OneLine hides the error from errors.Is")
	}
	if got := OneLine(errors.New("a: b\n\nLINE 1: x\n ^")).Error(); got != "a: b" {
		t.Errorf("OneLine = %q", got)
	}
	if OneLine(nil) != nil {
		t.Error("OneLine(nil) is not nil")
	}
}
