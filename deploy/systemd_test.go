package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// unitFiles are the files of deploy/systemd.
var unitFiles = []string{"animetl.service", "animetl.timer", "animetl-schedule.service"}

// installedBinary is the path the units run; the test points it at a stub.
const installedBinary = "/usr/local/bin/animetl"

// TestSystemdUnitsVerify runs `systemd-analyze verify` on the units, with
// ExecStart pointing at an executable that exists (verify checks it): no
// error and no warning. A unit with a typo must not pass the same check.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("needs systemd-analyze (apt-get install systemd; make test installs it)")
	}
	dir := t.TempDir()
	stub := filepath.Join(dir, "bin", "animetl")
	if err := os.MkdirAll(filepath.Dir(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range unitFiles {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), installedBinary) && strings.HasSuffix(name, ".service") {
			t.Fatalf("%s does not run %s", name, installedBinary)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(b), installedBinary, stub)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	verify := func(paths ...string) result {
		return run(t, time.Minute, nil, analyze, append([]string{"verify"}, paths...)...)
	}
	if res := verify(paths...); res.code != 0 || strings.TrimSpace(res.stdout+res.stderr) != "" {
		t.Fatalf("systemd-analyze verify: exit %d, want 0 and no output:\n%s%s", res.code, res.stdout, res.stderr)
	}

	// The same check finds a typo (verify itself exits 0 on one).
	b, _ := os.ReadFile(paths[0])
	broken := filepath.Join(dir, "broken.service")
	if err := os.WriteFile(broken, []byte(strings.Replace(string(b), "Type=oneshot", "Type=oneshoot", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := verify(broken); strings.TrimSpace(res.stdout+res.stderr) == "" {
		t.Fatalf("systemd-analyze verify said nothing about Type=oneshoot")
	}
}

// TestSystemdUnitsFields checks what the units promise: a hardened oneshot
// incremental run, retried for exit 1 but not exit 2; a daily timer at 05:00
// in a named zone that catches up; a scheduler service that systemd gives
// more time to stop than the scheduler's shutdown grace (5m).
func TestSystemdUnitsFields(t *testing.T) {
	hardening := map[string]string{
		"EnvironmentFile": "/etc/animetl.env", "DynamicUser": "yes", "StateDirectory": "animetl",
		"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
		"CapabilityBoundingSet": "", "RestartPreventExitStatus": "2", "Restart": "on-failure", "KillSignal": "SIGTERM",
	}
	for _, tc := range []struct {
		file string
		want map[string]string
	}{
		{"animetl.service", merge(hardening, map[string]string{
			"Service.Type": "oneshot", "Service.ExecStart": installedBinary + " run --mode incremental --json"})},
		{"animetl.timer", map[string]string{
			"Timer.OnCalendar": "*-*-* 05:00:00 UTC", "Timer.Persistent": "true", "Timer.Unit": "animetl.service",
			"Timer.RandomizedDelaySec": "5min", "Install.WantedBy": "timers.target"}},
		{"animetl-schedule.service", merge(hardening, map[string]string{
			"Service.Type": "simple", "Service.ExecStart": installedBinary + " schedule", "Service.TimeoutStopSec": "6min",
			"Unit.Conflicts": "animetl.timer animetl.service"})},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := parseUnit(t, filepath.Join("systemd", tc.file))
			for key, want := range tc.want {
				if !strings.Contains(key, ".") {
					key = "Service." + key
				}
				if v, ok := got[key]; !ok || v != want {
					t.Errorf("%s: %s = %q (set: %v), want %q", tc.file, key, v, ok, want)
				}
			}
		})
	}
}

// parseUnit reads a unit file into "Section.Key" -> value (the last one set).
func parseUnit(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: line %q is not Key=value", path, line)
			}
			out[section+"."+strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
