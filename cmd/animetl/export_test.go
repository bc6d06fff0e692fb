package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportWritesTheLake runs export on both warehouses: the pointer names
// the published run's manifest, and bad usage exits 2 and writes nothing.
func TestExportWritesTheLake(t *testing.T) {
	for _, k := range warehouses(t) {
		t.Run(k.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
				t.Fatalf("gen: %s", stderr)
			}
			wh := k.spec(t)
			out := filepath.Join(t.TempDir(), "lake")
			if code, _, _ := cli(t, "export", "--warehouse", wh, "--out", out); code != exitFailed {
				t.Fatalf("export before any run: exit %d, want 1", code)
			}
			if _, err := os.Stat(filepath.Join(out, "_published.json")); err == nil {
				t.Fatal("export before any run wrote a pointer")
			}
			if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
				t.Fatalf("run: %s", stderr)
			}
			for _, bad := range [][]string{
				{"--buckets", "0"}, {"--buckets", "101"}, {"--out", ""}, {"--out", "s3://bucket/lake"},
				{"--export-memory-limit", "lots"},
			} {
				args := append([]string{"export", "--warehouse", wh, "--out", out}, bad...)
				if code, _, _ := cli(t, args...); code != exitUsage {
					t.Errorf("export %v: exit %d, want 2", bad, code)
				}
			}
			code, stdout, stderr := cli(t, "export", "--warehouse", wh, "--out", out, "--buckets", "8")
			if code != exitOK {
				t.Fatalf("export: exit %d: %s", code, stderr)
			}
			var ptr struct {
				RunID    string `json:"run_id"`
				Manifest string `json:"manifest"`
			}
			b, err := os.ReadFile(filepath.Join(out, "_published.json"))
			if err != nil || json.Unmarshal(b, &ptr) != nil || ptr.RunID == "" {
				t.Fatalf("_published.json: %v: %s", err, b)
			}
			if !strings.Contains(stdout, ptr.RunID) {
				t.Errorf("stdout %q does not name run %s", stdout, ptr.RunID)
			}
			var m struct {
				Buckets int
				Tables  []struct{ Name string }
			}
			b, err = os.ReadFile(filepath.Join(out, filepath.FromSlash(ptr.Manifest)))
			if err != nil || json.Unmarshal(b, &m) != nil || m.Buckets != 8 || len(m.Tables) == 0 {
				t.Fatalf("manifest %s: %v: %s", ptr.Manifest, err, b)
			}
			buckets, _ := filepath.Glob(filepath.Join(out, "runs", ptr.RunID, "user_anime", "user_bucket=*", "part-00000.parquet"))
			if len(buckets) != 8 || filepath.Base(filepath.Dir(buckets[0])) != "user_bucket=00" {
				t.Errorf("user_anime buckets %v, want user_bucket=00 to 07", buckets)
			}
		})
	}
}
