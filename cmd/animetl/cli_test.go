package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// cli runs the CLI in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func duckWarehouse(t *testing.T) string {
	return "duckdb:" + filepath.Join(t.TempDir(), "w.duckdb")
}

func TestRunJSONIsOneObjectWithTheContractKeys(t *testing.T) {
	dir, st := contract.Gen(t, contract.Generated)
	code, out, stderr := cli(t, "run", "--source", dir, "--warehouse", duckWarehouse(t), "--json", "--progress", "never")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", out)
	}
	for _, k := range []string{"run_id", "status", "mode", "files", "checks"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if obj["status"] != "succeeded" || obj["mode"] != "full" {
		t.Errorf("status %v mode %v", obj["status"], obj["mode"])
	}
	files := obj["files"].([]any)
	if len(files) != 4 {
		t.Fatalf("files: %v", files)
	}
	for _, f := range files {
		m := f.(map[string]any)
		read, loaded, rej, dup := m["rows_read"].(float64), m["rows_loaded"].(float64), m["rows_rejected"].(float64), m["rows_duplicate"].(float64)
		if read != loaded+rej+dup {
			t.Errorf("%v: read %v != %v + %v + %v", m["name"], read, loaded, rej, dup)
		}
		if m["name"] == "animelist.csv" && int64(read) != st.AnimeList.Records {
			t.Errorf("animelist rows_read %v, generated %d", read, st.AnimeList.Records)
		}
	}
	for _, c := range obj["checks"].([]any) {
		m := c.(map[string]any)
		for _, k := range []string{"name", "severity", "status", "observed"} {
			if _, ok := m[k]; !ok {
				t.Errorf("check %v lacks %q", m["name"], k)
			}
		}
	}
	if strings.Contains(stderr, "{") && strings.Contains(out, "level=") {
		t.Error("logs leaked to stdout")
	}
}

func TestExitCodes(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	bad := contract.CopyDir(t, dir)
	b, _ := os.ReadFile(filepath.Join(bad, "animelist.csv"))
	lines := strings.Split(string(b), "\n")
	for i := 1; i < len(lines); i += 2 {
		lines[i] = "x,y"
	}
	os.WriteFile(filepath.Join(bad, "animelist.csv"), []byte(strings.Join(lines, "\n")), 0o644)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"unknown flag", []string{"run", "--bogus"}, exitUsage},
		{"bad mode", []string{"run", "--source", dir, "--mode", "weekly"}, exitUsage},
		{"bad warehouse", []string{"run", "--source", dir, "--warehouse", "mysql://x"}, exitUsage},
		{"no source", []string{"run", "--warehouse", duckWarehouse(t)}, exitUsage},
		{"source not a folder", []string{"run", "--source", filepath.Join(dir, "anime.csv"), "--warehouse", duckWarehouse(t)}, exitUsage},
		{"bad reject rate", []string{"run", "--source", dir, "--max-reject-rate", "2"}, exitUsage},
		{"reject rate exceeded", []string{"run", "--source", bad, "--warehouse", duckWarehouse(t), "--progress", "never"}, exitFailed},
		{"query without question", []string{"query", "--warehouse", duckWarehouse(t)}, exitUsage},
		{"query unknown question", []string{"query", "best", "--warehouse", duckWarehouse(t)}, exitUsage},
		{"query before any run", []string{"query", "top-rated", "--warehouse", duckWarehouse(t)}, exitFailed},
		{"check before any run", []string{"check", "--warehouse", duckWarehouse(t)}, exitFailed},
		{"gen without out", []string{"gen"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			if code != tc.want {
				t.Errorf("animetl %s: exit %d, want %d; stderr:\n%s", strings.Join(tc.args, " "), code, tc.want, stderr)
			}
		})
	}
}

func TestFailedRunJSONSaysFailed(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	bad := contract.CopyDir(t, dir)
	os.Remove(filepath.Join(bad, "watching_status.csv"))
	code, out, _ := cli(t, "run", "--source", bad, "--warehouse", duckWarehouse(t), "--json")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if obj["status"] != "failed" || !strings.Contains(obj["error"].(string), "watching_status.csv") {
		t.Errorf("summary: %v", obj)
	}
}

func TestSettingsFromEnvironmentAndConfigFile(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	wh := duckWarehouse(t)
	cfg := filepath.Join(t.TempDir(), "animetl.env")
	os.WriteFile(cfg, []byte("# settings\nANIMETL_SOURCE="+dir+"\nANIMETL_WAREHOUSE=\""+wh+"\"\n"), 0o644)
	code, out, stderr := cli(t, "run", "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("run from config file: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, strings.TrimPrefix(wh, "duckdb:")) {
		t.Errorf("summary does not name the configured warehouse:\n%s", out)
	}
	// The environment wins over the file, and a flag over both.
	t.Setenv("ANIMETL_SOURCE", "/nonexistent/folder")
	if code, _, _ := cli(t, "run", "--config", cfg); code != exitUsage {
		t.Errorf("env ANIMETL_SOURCE should override the file: exit %d", code)
	}
	if code, _, stderr := cli(t, "run", "--config", cfg, "--source", dir); code != exitOK {
		t.Errorf("flag should override env: exit %d\n%s", code, stderr)
	}
	// A misspelt key is refused, not silently left at its default; a key of
	// another command (serve's ANIMETL_ADDR) is fine in a shared file.
	typo := filepath.Join(t.TempDir(), "typo.env")
	os.WriteFile(typo, []byte("ANIMETL_SOURCE="+dir+"\nANIMETL_WAREHOUS="+wh+"\nANIMETL_ADDR=127.0.0.1:9\n"), 0o644)
	if code, _, stderr := cli(t, "run", "--config", typo, "--source", dir); code != exitUsage || !strings.Contains(stderr, "ANIMETL_WAREHOUS") || strings.Contains(stderr, "ANIMETL_ADDR") {
		t.Errorf("misspelt config key: exit %d, stderr %q; want exit 2 naming ANIMETL_WAREHOUS only", code, stderr)
	}
	t.Setenv("ANIMETL_MAX_REJECT_RATE", "lots")
	if code, _, stderr := cli(t, "run", "--config", cfg, "--source", dir); code != exitUsage || !strings.Contains(stderr, "ANIMETL_MAX_REJECT_RATE") {
		t.Errorf("bad env value: exit %d, stderr %q; want exit 2 naming the variable", code, stderr)
	}
}

func TestQueryFormatsAndReadOnly(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	wh := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}
	code, out, _ := cli(t, "query", "top-rated", "--limit", "3", "--min-ratings", "5", "--format", "json", "--warehouse", wh)
	var rows []map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 3 {
		t.Fatalf("top-rated json: exit %d\n%s", code, out)
	}
	if rows[0]["rating_mean"].(float64) < rows[2]["rating_mean"].(float64) {
		t.Errorf("top-rated not ordered by rating_mean: %v", rows)
	}
	for _, r := range rows {
		if r["ratings"].(float64) < 5 {
			t.Errorf("row below --min-ratings: %v", r)
		}
	}
	code, out, _ = cli(t, "query", "most-watched", "--limit", "5", "--format", "csv", "--warehouse", wh)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 6 || !strings.HasPrefix(lines[0], "anime_id,name,watching") {
		t.Errorf("most-watched csv: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, "query", "--sql", "SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)", "--warehouse", wh)
	if code != exitOK || !strings.Contains(out, "MAL_ID") {
		t.Errorf("seed query: exit %d\n%s", code, out)
	}
	if code, _, _ := cli(t, "query", "--sql", "DELETE FROM anime", "--warehouse", wh); code != exitFailed {
		t.Errorf("query --sql DELETE: exit %d, want %d (read-only)", code, exitFailed)
	}
	if code, out, _ := cli(t, "query", "--sql", "SELECT count(*) AS n FROM anime", "--warehouse", wh, "--format", "csv"); code != exitOK || strings.Contains(out, "n\n0") {
		t.Errorf("anime emptied by a read-only query? exit %d\n%s", code, out)
	}
	file := strings.TrimPrefix(wh, "duckdb:")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(filepath.Dir(file), "secret.csv")
	if err := os.WriteFile(secret, []byte("x\nsecret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"COPY (SELECT 'oops' AS x) TO '" + file + "' (FORMAT csv)",
		"SELECT * FROM read_csv('" + secret + "')",
		"ATTACH '" + secret + ".duckdb' AS o",
		"SET enable_external_access = true",
	} {
		code, out, stderr := cli(t, "query", "--sql", q, "--warehouse", wh)
		if code != exitFailed || strings.Contains(out, "secret") || stderr == "" {
			t.Errorf("query --sql %q: exit %d, want %d with an error\n%s\n%s", q, code, exitFailed, out, stderr)
		}
	}
	if after, err := os.ReadFile(file); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the warehouse changed under read-only queries (%d -> %d bytes)", len(before), len(after))
	}
	if code, out, stderr := cli(t, "check", "--warehouse", wh, "--json"); code != exitOK || !strings.Contains(out, `"status": "pass"`) {
		t.Errorf("check: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestDemo(t *testing.T) {
	code, out, stderr := cli(t, "demo", "--rows", "20000", "--warehouse", duckWarehouse(t))
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"succeeded", "Which anime do users rate highest?", "most people watching", "anime_master"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
