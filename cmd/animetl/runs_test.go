package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunsListsTheLedger(t *testing.T) {
	for _, k := range warehouses(t) {
		t.Run(k.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
				t.Fatalf("gen: %s", stderr)
			}
			wh := k.spec(t)
			code, out, stderr := cli(t, "runs", "--warehouse", wh, "--json")
			if code != exitOK || strings.TrimSpace(out) != "[]" {
				t.Fatalf("runs before any run: exit %d, %q, %s; want []", code, out, stderr)
			}
			if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
				t.Fatalf("run: %s", stderr)
			}
			if err := os.Remove(filepath.Join(dir, "anime.csv")); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitFailed {
				t.Fatalf("run without anime.csv: exit %d, want 1", code)
			}
			code, out, stderr = cli(t, "runs", "--warehouse", wh, "--json")
			if code != exitOK {
				t.Fatalf("runs: exit %d: %s", code, stderr)
			}
			var recs []runRecord
			if err := json.Unmarshal([]byte(out), &recs); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if len(recs) != 2 || recs[0].Status != "failed" || recs[1].Status != "succeeded" {
				t.Fatalf("runs %+v: want the failed run, then the succeeded one", recs)
			}
			if !strings.Contains(recs[0].Error, "anime.csv") || recs[1].RowsRead == 0 ||
				recs[1].RowsRead != recs[1].RowsLoaded+recs[1].RowsRejected+recs[1].RowsDuplicate ||
				recs[1].DurationSeconds == nil || recs[1].Mode != "full" {
				t.Errorf("runs %+v: want the error, balanced counts, a duration and the mode", recs)
			}
			_, out, _ = cli(t, "runs", "--warehouse", wh, "--limit", "1")
			if !strings.Contains(out, recs[0].RunID) || strings.Contains(out, recs[1].RunID) || !strings.Contains(out, "failed") {
				t.Errorf("runs --limit 1:\n%s\nwant only the newest run", out)
			}
			if code, _, stderr := cli(t, "runs", "--warehouse", wh, "--limit", "0"); code != exitUsage || !strings.Contains(stderr, "limit") {
				t.Errorf("--limit 0: exit %d %s, want 2 naming the flag", code, stderr)
			}
		})
	}
}
