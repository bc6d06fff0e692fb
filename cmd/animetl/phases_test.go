package main

import (
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// TestJSONPhases: run --json lists the run's phases, each a name and
// seconds, from begin to publish; a run refused for its usage lists none.
func TestJSONPhases(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	code, out, stderr := cli(t, "run", "--source", dir, "--warehouse", duckWarehouse(t), "--json", "--progress", "never")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ps, ok := decodeOne(t, out)["phases"].([]any)
	if !ok || len(ps) < 8 {
		t.Fatalf("phases %v: want begin, plan, a load per file, finalize, checks, publish", ps)
	}
	var names []string
	for _, p := range ps {
		m, _ := p.(map[string]any)
		if s, ok := m["seconds"].(float64); !ok || s < 0 {
			t.Errorf("phase %v: seconds not a number of at least 0", p)
		}
		names = append(names, m["name"].(string))
	}
	if got := strings.Join(names, " "); !strings.HasPrefix(got, "begin plan load:") || !strings.HasSuffix(got, " finalize checks publish") {
		t.Errorf("phases %s", got)
	}

	code, out, _ = cli(t, "run", "--source", dir, "--batch-size", "0", "--json")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if ps, ok := decodeOne(t, out)["phases"].([]any); !ok || len(ps) != 0 {
		t.Errorf("phases of a usage error %v, want an empty list", ps)
	}
}

// TestRunVerbosePrintsPhases: --verbose adds the phase table to the human
// summary; without it the summary has none.
func TestRunVerbosePrintsPhases(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	for _, wk := range warehouses(t) {
		t.Run(wk.name, func(t *testing.T) {
			wh := wk.spec(t)
			code, out, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--verbose", "--progress", "never")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, want := range []string{"phase", "seconds", "share", "begin", "plan", "load:animelist.csv", "finalize", "checks", "publish"} {
				if !strings.Contains(out, want) {
					t.Errorf("--verbose summary lacks %q:\n%s", want, out)
				}
			}
			code, out, stderr = cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Contains(out, "load:animelist.csv") {
				t.Errorf("summary without --verbose shows the phases:\n%s", out)
			}
		})
	}
}
