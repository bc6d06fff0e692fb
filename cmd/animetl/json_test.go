package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// closedPort returns a local TCP port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestJSONIsOneObjectOnEveryExit: with --json, run and check print exactly
// one JSON object on stdout whatever the exit: success, a failed check, bad
// usage of every kind, a warehouse that cannot be reached.
func TestJSONIsOneObjectOnEveryExit(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	bad := contract.CopyDir(t, dir)
	garbleList(t, bad)
	published := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", published); code != exitOK {
		t.Fatalf("setup run: %s", stderr)
	}
	unreachable := "postgres://etl@" + closedPort(t) + "/wh?sslmode=disable&connect_timeout=5"
	tests := []struct {
		name   string
		args   []string
		code   int
		status string
	}{
		{"run succeeds", []string{"run", "--source", dir, "--warehouse", duckWarehouse(t)}, exitOK, "succeeded"},
		{"run fails its checks", []string{"run", "--source", bad, "--warehouse", duckWarehouse(t)}, exitFailed, "failed"},
		{"run bad flag value", []string{"run", "--source", dir, "--batch-size", "many"}, exitUsage, "failed"},
		{"run bad flag value before --json", []string{"--log-level", "loud", "run", "--source", dir}, exitUsage, "failed"},
		{"run unknown flag", []string{"run", "--source", dir, "--bogus"}, exitUsage, "failed"},
		{"run missing source", []string{"run", "--source", filepath.Join(dir, "nope"), "--warehouse", duckWarehouse(t)}, exitUsage, "failed"},
		{"run no source", []string{"run", "--warehouse", duckWarehouse(t)}, exitUsage, "failed"},
		{"run bad mode", []string{"run", "--source", dir, "--mode", "weekly"}, exitUsage, "failed"},
		{"run unreachable warehouse", []string{"run", "--source", dir, "--warehouse", unreachable}, exitFailed, "failed"},
		{"check passes", []string{"check", "--warehouse", published}, exitOK, "pass"},
		{"check fails a check", []string{"check", "--warehouse", published, "--max-reject-rate", "0"}, exitFailed, "fail"},
		{"check before any run", []string{"check", "--warehouse", duckWarehouse(t)}, exitFailed, "failed"},
		{"check bad flag value", []string{"check", "--warehouse", published, "--max-drift", "lots"}, exitUsage, "failed"},
		{"check unknown flag", []string{"check", "--bogus"}, exitUsage, "failed"},
		{"check bad warehouse", []string{"check", "--warehouse", "mysql://x"}, exitUsage, "failed"},
		{"check unreachable warehouse", []string{"check", "--warehouse", unreachable}, exitFailed, "failed"},
	}
	for _, tc := range tests {
		for _, form := range []string{"--json", "--json=true"} {
			t.Run(tc.name+" "+form, func(t *testing.T) {
				args := append(append([]string{}, tc.args...), form, "--progress", "never")
				if tc.args[0] == "check" || tc.args[0] == "--log-level" {
					args = append(append([]string{}, tc.args...), form)
				}
				code, out, stderr := cli(t, args...)
				if code != tc.code {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
				}
				obj := decodeOne(t, out)
				if obj["status"] != tc.status {
					t.Errorf("status %v, want %s", obj["status"], tc.status)
				}
				if got, ok := obj["exit_code"].(float64); !ok || int(got) != tc.code {
					t.Errorf("exit_code %v, want %d", obj["exit_code"], tc.code)
				}
				if _, ok := obj["checks"].([]any); !ok {
					t.Errorf("checks is not a list: %v", obj["checks"])
				}
				if tc.args[0] != "check" {
					for _, k := range []string{"files", "ignored", "phases"} {
						if _, ok := obj[k].([]any); !ok {
							t.Errorf("%s is not a list: %v", k, obj[k])
						}
					}
				}
				if tc.code != exitOK && strings.TrimSpace(obj["error"].(string)) == "" {
					t.Errorf("a failure without an error: %v", obj)
				}
			})
		}
	}
}

// garbleList turns every other line of animelist.csv into a reject.
func garbleList(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, "animelist.csv")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 1; i < len(lines); i += 2 {
		lines[i] = "x,y"
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
