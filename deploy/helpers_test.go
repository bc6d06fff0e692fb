package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/animetl/animetl/internal/contract"
)

// tmpRoot holds what the tests build once for the whole package (the binary).
var tmpRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "animetl-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := contract.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// mustAnimetl builds cmd/animetl once and returns the binary's path.
func mustAnimetl(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(tmpRoot, "bin", "animetl")
		cmd := exec.Command(goCmd, "build", "-o", binPath, "./cmd/animetl")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/animetl: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// run runs name with args in env (nil: the test's own) and waits at most timeout.
func run(t *testing.T, timeout time.Duration, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %s\n%s\n%s", filepath.Base(name), strings.Join(args, " "), timeout, res.stdout, res.stderr)
	}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", name, err)
		}
		res.code = ee.ExitCode()
	}
	return res
}

// query runs one read-only statement through `animetl query --sql` and
// returns its rows.
func query(t *testing.T, bin, warehouse, sql string) []map[string]any {
	t.Helper()
	res := run(t, time.Minute, cleanEnv(), bin, "query", "--warehouse", warehouse, "--format", "json", "--sql", sql)
	if res.code != 0 {
		t.Fatalf("animetl query %q: exit %d\n%s", sql, res.code, res.stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
		t.Fatalf("animetl query %q: %v\n%s", sql, err, res.stdout)
	}
	return rows
}

// cleanEnv is the test's environment without any ANIMETL_ or AIRFLOW
// setting, so that only what a test sets configures the commands it runs.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ANIMETL_") || strings.HasPrefix(kv, "AIRFLOW_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

var pgDatabases atomic.Int64

// pgWarehouse creates an empty database for one test and returns its URL.
func pgWarehouse(t *testing.T) string {
	t.Helper()
	return contract.NewPostgresDB(t)
}
