package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	code, out, stderr := cli(t, "version", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	semver := regexp.MustCompile(`^v\d+\.\d+\.\d+`)
	for _, k := range []string{"duckdb", "duckdb_go", "pgx"} {
		if !semver.MatchString(v[k]) {
			t.Errorf("%s = %q, want a version", k, v[k])
		}
	}
	if !strings.HasPrefix(v["go"], "go1.") || v["version"] == "" || v["commit"] == "" {
		t.Errorf("version %v: want go, version and commit (unknown without VCS stamping)", v)
	}
	_, plain, _ := cli(t, "version")
	_, flag, _ := cli(t, "--version")
	if plain != flag || !strings.HasPrefix(plain, "animetl ") || !strings.Contains(plain, "duckdb ") {
		t.Errorf("animetl version:\n%s\nanimetl --version:\n%s\nwant the same report", plain, flag)
	}
}
