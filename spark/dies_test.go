package spark_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/spark"
	"github.com/animetl/animetl/synth"
)

// TestSparkDiesMidRun kills the JVM of a Spark Connect server of its own
// while a run's first Spark job writes: the run fails naming the server as
// unavailable, is recorded as failed, the published warehouse is as it
// was, and the next run (on the shared server) leaves no stage folder.
func TestSparkDiesMidRun(t *testing.T) {
	shared := sparkRemote(t)
	dir := t.TempDir()
	// The kill lands in the run's first Spark job (a catalogue file's); the
	// run has several more, so a small set does.
	if _, err := synth.WriteDir(context.Background(), dir, synth.Config{Rows: 30000, Anime: 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	wh := openDuck(t)
	if _, err := run(t, wh, dir, nil); err != nil {
		t.Fatalf("publishing run: %v", err)
	}
	before := contract.Fingerprints(t, wh)
	start := time.Now()
	remote, state := startThrowawaySpark(t)
	t.Logf("throwaway server up in %v", time.Since(start).Round(time.Millisecond))
	stage := t.TempDir()
	type result struct {
		sum *animetl.RunSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := run(t, wh, dir, &spark.Engine{Remote: remote, Stage: stage})
		done <- result{sum, err}
	}()
	var res result
	killed := false
	deadline := time.Now().Add(2 * time.Minute)
	for !killed {
		select {
		case res = <-done:
			t.Fatalf("the run ended before the server could be killed: %v", res.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("gave up waiting for the run's stage folder to get a subfolder")
		}
		if m, _ := filepath.Glob(filepath.Join(stage, "*", "*", "")); hasDir(m) {
			killSpark(t, state)
			killed = true
			start = time.Now()
			continue
		}
		time.Sleep(20 * time.Millisecond)
	}
	res = <-done
	if res.err == nil {
		t.Fatal("the run succeeded on a server killed mid-run")
	}
	t.Logf("the run failed %v after the kill: %v", time.Since(start).Round(time.Millisecond), res.err)
	if !errors.Is(res.err, spark.ErrUnavailable) {
		t.Errorf("err = %v, want one wrapping spark.ErrUnavailable", res.err)
	}
	if strings.ContainsAny(res.err.Error(), "\r\n") {
		t.Errorf("error not one line: %q", res.err)
	}
	if res.sum == nil || res.sum.Status != animetl.StatusFailed {
		t.Fatalf("summary %+v, want status failed", res.sum)
	}
	after := contract.Fingerprints(t, wh)
	for table, f := range before {
		if after[table] != f {
			t.Errorf("%s changed: %+v -> %+v", table, f, after[table])
		}
	}
	if got := contract.QueryAll(t, wh, `SELECT status FROM etl_run WHERE run_id = $1`, res.sum.RunID); fmt.Sprint(got) != "[[failed]]" {
		t.Errorf("etl_run status %v, want failed", got)
	}
	// The failed run removes its own folder (the output's Close); one a
	// killed animetl left is the next run's (TestSparkDown).
	if left, _ := os.ReadDir(stage); len(left) != 0 {
		t.Errorf("stage entries left by the failed run: %v", left)
	}

	start = time.Now()
	sum, err := run(t, wh, dir, &spark.Engine{Remote: shared, Stage: stage})
	t.Logf("next run on the shared server: %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("next run on %s: %v", shared, err)
	}
	if sum.Status != animetl.StatusSucceeded {
		t.Errorf("next run: status %v, want succeeded", sum.Status)
	}
	if left, _ := os.ReadDir(stage); len(left) != 0 {
		t.Errorf("stage entries left after the next run: %v", left)
	}
}

// hasDir reports whether any of paths is a folder.
func hasDir(paths []string) bool {
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// startThrowawaySpark starts a Spark Connect server of the test's own on a
// free port (local[1], driver memory 1g) with scripts/spark-connect.sh,
// stops it when the test ends, and returns its URL and state folder.
func startThrowawaySpark(t *testing.T) (remote, state string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	state = t.TempDir()
	script, err := filepath.Abs(filepath.Join("..", "scripts", "spark-connect.sh"))
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "SPARK_CONNECT_PORT="+port, "SPARK_CONNECT_DIR="+state,
		"SPARK_CONNECT_MASTER=local[1]", "SPARK_CONNECT_DRIVER_MEMORY=1g")
	sh := func(ctx context.Context, verb string) (string, error) {
		cmd := exec.CommandContext(ctx, "bash", script, verb)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("spark-connect.sh %s: %w: %s", verb, err, errb.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := sh(ctx, "stop"); err != nil {
			t.Errorf("stop the throwaway server: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	remote, err = sh(ctx, "start")
	if err != nil {
		t.Fatal(err)
	}
	return remote, state
}

// killSpark kills the server's JVM, as a lost machine would end it: the
// pid is the one sbin/spark-daemon.sh wrote to the state folder.
func killSpark(t *testing.T, state string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(state, "spark-*.pid"))
	if len(m) != 1 {
		t.Fatalf("pid files in %s: %v, want one", state, m)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %s: %v", m[0], err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the server's JVM %d: %v", pid, err)
	}
}
