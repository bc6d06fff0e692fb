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
				{"--buckets", "0"}, {"--buckets", "101"}, {"--out", ""}, {"--out", "ftp://host/lake"},
				{"--export-memory-limit", "lots"}, {"--lake-keep", "-1"},
			} {
				args := append([]string{"export", "--warehouse", wh, "--out", out}, bad...)
				if code, _, _ := cli(t, args...); code != exitUsage {
					t.Errorf("export %v: exit %d, want 2", bad, code)
				}
			}
			code, stdout, _ := cli(t, "export", "--warehouse", wh, "--out", out, "--buckets", "0", "--json")
			if rep := decodeOne(t, stdout); code != exitUsage || rep["status"] != "failed" || rep["exit_code"] != float64(exitUsage) {
				t.Errorf("export --buckets 0 --json: exit %d, %v; want 2 and one failed report", code, rep)
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
			code, stdout, stderr = cli(t, "export", "--warehouse", wh, "--out", out, "--buckets", "8", "--json")
			if rep := decodeOne(t, stdout); code != exitOK || rep["status"] != "succeeded" || rep["reused"] != true ||
				rep["run_id"] != ptr.RunID || rep["manifest"] != ptr.Manifest {
				t.Errorf("second export --json: exit %d, %v, %s; want the same run, reused", code, rep, stderr)
			}
			buckets, _ := filepath.Glob(filepath.Join(out, "runs", ptr.RunID, "user_anime", "user_bucket=*", "part-00000.parquet"))
			if len(buckets) != 8 || filepath.Base(filepath.Dir(buckets[0])) != "user_bucket=00" {
				t.Errorf("user_anime buckets %v, want user_bucket=00 to 07", buckets)
			}
		})
	}
}

// TestExportJSONIsOneObjectOnEveryExit: export --json prints exactly one
// object with its status and exit code, flag errors included.
func TestExportJSONIsOneObjectOnEveryExit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	published := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", published, "--progress", "never"); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		status string
	}{
		{"succeeds", []string{"--warehouse", published, "--out", t.TempDir()}, exitOK, "succeeded"},
		{"before any run", []string{"--warehouse", duckWarehouse(t), "--out", t.TempDir()}, exitFailed, "failed"},
		{"bad flag value", []string{"--warehouse", published, "--out", t.TempDir(), "--buckets", "many"}, exitUsage, "failed"},
		{"bad buckets", []string{"--warehouse", published, "--out", t.TempDir(), "--buckets", "101"}, exitUsage, "failed"},
		{"unknown flag", []string{"--bogus"}, exitUsage, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := cli(t, append(append([]string{"export"}, tc.args...), "--json")...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			obj := decodeOne(t, out)
			if obj["status"] != tc.status || obj["exit_code"] != float64(tc.code) {
				t.Errorf("status %v, exit_code %v; want %s, %d", obj["status"], obj["exit_code"], tc.status, tc.code)
			}
			if e, _ := obj["error"].(string); (tc.code != exitOK) != (e != "") {
				t.Errorf("exit %d with error %q", code, e)
			}
			if tc.code == exitOK && (obj["run_id"] == "" || obj["rows"].(float64) <= 0) {
				t.Errorf("a success without a run or rows: %v", obj)
			}
		})
	}
}
