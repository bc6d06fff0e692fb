package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl/internal/contract"
)

// queryCount runs `animetl query --sql` and returns the one value it prints.
func queryCount(t *testing.T, wh, q string) string {
	t.Helper()
	code, out, stderr := cli(t, "query", "--sql", q, "--warehouse", wh, "--format", "csv")
	if code != exitOK {
		t.Fatalf("query %s: exit %d\n%s", q, code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestRunRecommend: `run --recommend` (or ANIMETL_RECOMMEND=true) trains
// the recommenders in a "recommend" phase and publishes rec_user with no
// anime its users list; a run without it keeps them, on both warehouses.
func TestRunRecommend(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	for _, wh := range warehouses(t) {
		t.Run(wh.name, func(t *testing.T) {
			spec := wh.spec(t)
			code, out, stderr := cli(t, "run", "--source", dir, "--warehouse", spec, "--recommend", "--rec-seed", "3", "--json")
			if code != exitOK {
				t.Fatalf("run --recommend: exit %d\n%s\n%s", code, out, stderr)
			}
			obj := decodeOne(t, out)
			var phases []string
			for _, p := range obj["phases"].([]any) {
				phases = append(phases, p.(map[string]any)["name"].(string))
			}
			if !strings.Contains(strings.Join(phases, ","), "finalize,recommend,checks,publish") {
				t.Errorf("phases %v, want recommend between finalize and checks", phases)
			}
			if n := queryCount(t, spec, "SELECT count(*) FROM rec_user"); n == "0" {
				t.Error("rec_user is empty after run --recommend")
			}
			if n := queryCount(t, spec, "SELECT count(*) FROM rec_user r JOIN user_anime u ON u.user_id = r.user_id AND u.anime_id = r.anime_id"); n != "0" {
				t.Errorf("rec_user recommends %s listed anime", n)
			}
			want := `"als {""model"":{""Factors"":24,""Regularization"":30,""Iterations"":15,""Alpha"":1,""CGSteps"":3,""Seed"":3},""seed"":3,""top"":20}"`
			if got := queryCount(t, spec, "SELECT model || ' ' || params FROM rec_model WHERE table_name = 'rec_user'"); got != want {
				t.Errorf("rec_model row of rec_user: %s, want %s", got, want)
			}
			if got := queryCount(t, spec, "SELECT model FROM rec_model WHERE table_name = 'rec_similar'"); got != "itemknn" {
				t.Errorf("rec_model row of rec_similar: %s, want itemknn", got)
			}
			trained := queryCount(t, spec, "SELECT run_id FROM rec_model WHERE table_name = 'rec_user'")
			if trained != obj["run_id"] {
				t.Errorf("rec_model names run %s, want %v", trained, obj["run_id"])
			}
			if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", spec); code != exitOK {
				t.Fatalf("run without --recommend: exit %d\n%s", code, stderr)
			}
			if got := queryCount(t, spec, "SELECT run_id FROM rec_model WHERE table_name = 'rec_user'"); got != trained {
				t.Errorf("a run without --recommend replaced rec_user's model row: %s, want %s", got, trained)
			}
			t.Setenv("ANIMETL_RECOMMEND", "true")
			code, out, stderr = cli(t, "run", "--source", dir, "--warehouse", spec, "--json")
			if code != exitOK {
				t.Fatalf("run with ANIMETL_RECOMMEND=true: exit %d\n%s", code, stderr)
			}
			if got := queryCount(t, spec, "SELECT run_id FROM rec_model WHERE table_name = 'rec_user'"); got != decodeOne(t, out)["run_id"] {
				t.Errorf("ANIMETL_RECOMMEND=true did not retrain rec_user: rec_model names %s", got)
			}
		})
	}
}

// TestScheduledRunsRecommend: the scheduler's runs take the run's
// --recommend, and refresh the recommendations.
func TestScheduledRunsRecommend(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"schedule", "--source", dir, "--warehouse", "duckdb:" + path, "--cron", "@every 100ms",
			"--mode", "full", "--recommend", "--addr", "off", "--deadline", "off"}, &bytes.Buffer{}, &stderr)
	}()
	for end := time.Now().Add(2 * time.Minute); ledgerCount(t, path, "SELECT count(*) FROM rec_model WHERE table_name = 'rec_user'") == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no scheduled run published recommendations:\n%s", stderr.String())
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("schedule did not stop")
	}
	if n := ledgerCount(t, path, "SELECT count(*) FROM rec_user"); n == 0 {
		t.Error("a scheduled run with --recommend published an empty rec_user")
	}
}
