package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/quality"
)

// maxErrorLen bounds what a failed run may print or store as its error.
const maxErrorLen = 1 << 10

// runJSONInto runs `animetl run --json` on dir into warehouse spec and returns the
// exit code, the summary and stderr.
func runJSONInto(t *testing.T, dir, spec string) (int, map[string]any, string) {
	t.Helper()
	code, out, stderr := cli(t, "run", "--source", dir, "--warehouse", spec, "--json", "--progress", "never")
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%.2000s", err, out)
	}
	return code, sum, stderr
}

// rowsRead returns rows_read per file of a summary.
func rowsRead(t *testing.T, sum map[string]any) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range sum["files"].([]any) {
		m := f.(map[string]any)
		out[m["name"].(string)] = m["rows_read"].(float64)
	}
	return out
}

// rewrite replaces a file of dir by edit of its content.
func rewrite(t *testing.T, dir, name string, edit func([]byte) []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// toUTF16 encodes text as UTF-16 in the given byte order, with a BOM or not.
func toUTF16(b []byte, big, bom bool) []byte {
	units := utf16.Encode([]rune(string(b)))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 2*len(units))
	for i, u := range units {
		if big {
			binary.BigEndian.PutUint16(out[2*i:], u)
		} else {
			binary.LittleEndian.PutUint16(out[2*i:], u)
		}
	}
	return out
}

// headerOnly keeps the first line of a file.
func headerOnly(b []byte) []byte {
	if i := strings.IndexByte(string(b), '\n'); i >= 0 {
		return b[:i+1]
	}
	return b
}

// TestOddEncodingsLoadLikeUTF8 runs the generated dataset re-saved with
// old-Mac CR-only line endings and as UTF-16 (both byte orders, with and
// without BOM): each run succeeds and reads as many rows per file as the
// plain UTF-8, LF run.
func TestOddEncodingsLoadLikeUTF8(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	code, sum, stderr := runJSONInto(t, dir, duckWarehouse(t))
	if code != exitOK {
		t.Fatalf("plain run: exit %d: %s", code, stderr)
	}
	want := rowsRead(t, sum)
	crOnly := func(b []byte) []byte {
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		return []byte(strings.ReplaceAll(s, "\n", "\r"))
	}
	tests := []struct {
		name  string
		files []string
		edit  func([]byte) []byte
	}{
		{"CR-only line endings", animetl.BaseFiles, crOnly},
		{"UTF-16LE with BOM", []string{animetl.FileWatchingStatus, animetl.FileAnimeList}, func(b []byte) []byte { return toUTF16(b, false, true) }},
		{"UTF-16BE with BOM", []string{animetl.FileWatchingStatus, animetl.FileAnimeList}, func(b []byte) []byte { return toUTF16(b, true, true) }},
		{"UTF-16LE without BOM", []string{animetl.FileWatchingStatus, animetl.FileAnimeList}, func(b []byte) []byte { return toUTF16(b, false, false) }},
		{"UTF-16BE without BOM, CR-only", []string{animetl.FileWatchingStatus}, func(b []byte) []byte { return toUTF16(crOnly(b), true, false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := contract.CopyDir(t, dir)
			for _, f := range tc.files {
				rewrite(t, src, f, tc.edit)
			}
			code, sum, stderr := runJSONInto(t, src, duckWarehouse(t))
			if code != exitOK {
				t.Fatalf("exit %d, error %.2000v", code, sum["error"])
			}
			if len(stderr) > 4*maxErrorLen {
				t.Errorf("stderr holds %d bytes", len(stderr))
			}
			got := rowsRead(t, sum)
			for _, f := range tc.files {
				if got[f] != want[f] {
					t.Errorf("%s: rows_read %v, the UTF-8 LF file has %v", f, got[f], want[f])
				}
			}
		})
	}
}

// TestErrorsAreBoundedAndNameTheCause runs inputs that must fail and checks
// that the error (summary, stderr and etl_run.error) names the file and the
// cause and stays short.
func TestErrorsAreBoundedAndNameTheCause(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	hugeHeader := func(b []byte) []byte { // no line break at all: the header is the whole file (3,000 lines)
		lines := strings.SplitN(string(b), "\n", 3001)
		return []byte(strings.ReplaceAll(strings.Join(lines[:3000], ";"), "watched_episodes", "episodes"))
	}
	tests := []struct {
		name string
		file string
		edit func([]byte) []byte
		want []string
	}{
		{"header-only anime.csv", animetl.FileAnime, headerOnly, []string{"anime.csv", "no data rows"}},
		{"header-only watching_status.csv", animetl.FileWatchingStatus, headerOnly, []string{"watching_status.csv", "no data rows"}},
		{"header-only animelist.csv", animetl.FileAnimeList, headerOnly, []string{"animelist.csv", "no data rows"}},
		{"one-line list with a wrong header", animetl.FileAnimeList, hugeHeader, []string{"animelist.csv", "watched_episodes"}},
		{"one-line catalogue with a wrong header", animetl.FileAnime, func(b []byte) []byte {
			return []byte(strings.Replace(strings.ReplaceAll(string(b), "\n", ";"), "Genres", "Genre", 1))
		}, []string{"anime.csv", "Genres"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := contract.CopyDir(t, dir)
			rewrite(t, src, tc.file, tc.edit)
			wh := duckWarehouse(t)
			// A published state first: a failed first run leaves no
			// warehouse to query, only the side ledger.
			if code, _, stderr := runJSONInto(t, dir, wh); code != exitOK {
				t.Fatalf("the good run: exit %d: %.2000s", code, stderr)
			}
			code, sum, stderr := runJSONInto(t, src, wh)
			if code != exitFailed {
				t.Fatalf("exit %d, want %d; stderr %.2000s", code, exitFailed, stderr)
			}
			msg, _ := sum["error"].(string)
			assertBounded(t, "summary error", msg, tc.want...)
			if len(stderr) > 4*maxErrorLen {
				t.Errorf("stderr holds %d bytes: %.600s", len(stderr), stderr)
			}
			assertBounded(t, "etl_run.error", lastRunError(t, wh), tc.want...)
		})
	}
}

// TestEmptyDeltaIsFine checks that a delta file with a header and no rows (a
// day without changes) loads.
func TestEmptyDeltaIsFine(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	src := contract.CopyDir(t, dir)
	b, err := os.ReadFile(filepath.Join(src, animetl.FileAnimeList))
	if err != nil {
		t.Fatal(err)
	}
	day := filepath.Join(src, "animelist", "date=2026-01-01")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(day, "part-0.csv"), headerOnly(b), 0o644); err != nil {
		t.Fatal(err)
	}
	code, sum, stderr := runJSONInto(t, src, duckWarehouse(t))
	if code != exitOK {
		t.Fatalf("exit %d: %v\n%.2000s", code, sum["error"], stderr)
	}
	if n := rowsRead(t, sum)["animelist/date=2026-01-01/part-0.csv"]; n != 0 {
		t.Errorf("empty delta read %v rows", n)
	}
}

// TestFailedStatementErrorIsOneLineWithoutSQL makes a check query fail on a
// table that does not exist, on every warehouse: the run's error names the
// check and the database's first line, never the SQL text or DuckDB's
// "LINE 1:" excerpt.
func TestFailedStatementErrorIsOneLineWithoutSQL(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	checks := append(quality.Defaults(quality.DefaultLimits()), quality.Check{
		Name: "broken_check", Description: "reads a table that does not exist", Severity: animetl.SeverityError,
		SQL: "SELECT count(*)\n  FROM no_such_table\n  WHERE anime_id > 0", Op: quality.OpEQ, Threshold: 0,
	})
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			src, err := local.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			wh := b.open(t)
			contract.MustRun(t, wh, dir, 0) // a published state, where the failed run's record can be read
			cfg := pipeline.DefaultConfig()
			cfg.Source, cfg.Warehouse, cfg.WarehouseName, cfg.Checks = src, wh, b.name, checks
			sum, err := pipeline.Run(context.Background(), cfg)
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, msg := range []string{err.Error(), sum.Error, lastRunErrorOf(t, wh)} {
				assertBounded(t, "error", msg, "broken_check", "no_such_table")
				for _, bad := range []string{"SELECT", "FROM no_such", "LINE ", "\n", "^"} {
					if strings.Contains(msg, bad) {
						t.Errorf("error holds %q: %s", bad, msg)
					}
				}
			}
		})
	}
}

// assertBounded checks that msg is short and holds every wanted text.
func assertBounded(t *testing.T, what, msg string, want ...string) {
	t.Helper()
	t.Logf("%s: %s", what, msg)
	if len(msg) >= maxErrorLen {
		t.Errorf("%s is %d bytes: %.300s", what, len(msg), msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s %q does not name %q", what, msg, w)
		}
	}
}

// lastRunError reads the error of the latest run from a DuckDB warehouse spec.
func lastRunError(t *testing.T, spec string) string {
	t.Helper()
	w, err := duckdb.Open(duckdb.Options{Path: strings.TrimPrefix(spec, "duckdb:")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return lastRunErrorOf(t, w)
}

// lastRunErrorOf reads the error of the latest run from a warehouse.
func lastRunErrorOf(t *testing.T, wh animetl.Warehouse) string {
	t.Helper()
	rows := contract.QueryAll(t, wh, "SELECT error FROM etl_run ORDER BY started_at DESC LIMIT 1")
	if len(rows) != 1 {
		t.Fatalf("etl_run: %v", rows)
	}
	return rows[0][0]
}

// TestOutOfMemoryErrorIsOneLine starves DuckDB of memory so that a run fails
// while recording the run, while appending, and in a finalize statement:
// DuckDB's messages there run over several lines ("Possible solutions: ...")
// and the statement was appended to them; the run's error keeps one line and
// no SQL.
func TestOutOfMemoryErrorIsOneLine(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	for _, limit := range []string{"1MB", "4MB", "12MB"} {
		t.Run(limit, func(t *testing.T) {
			w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: limit, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			src, err := local.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			cfg := pipeline.DefaultConfig()
			cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, w, "duckdb"
			sum, err := pipeline.Run(context.Background(), cfg)
			if err == nil {
				t.Fatalf("the run succeeded within %s", limit)
			}
			for _, msg := range []string{err.Error(), sum.Error} {
				assertBounded(t, "error", msg, "block of size")
				for _, bad := range []string{"SELECT", "CREATE", "INSERT", "LINE ", "\n", "Possible solutions"} {
					if strings.Contains(msg, bad) {
						t.Errorf("error holds %q: %s", bad, msg)
					}
				}
			}
		})
	}
}
