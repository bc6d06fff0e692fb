package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/s3"
	"github.com/animetl/animetl/schedule"
)

// readPointer reads a folder lake's _published.json.
func readPointer(t *testing.T, root string) (runID string) {
	t.Helper()
	var p struct {
		RunID string `json:"run_id"`
	}
	b, err := os.ReadFile(filepath.Join(root, "_published.json"))
	if err != nil || json.Unmarshal(b, &p) != nil {
		t.Fatalf("_published.json: %v: %s", err, b)
	}
	return p.RunID
}

// TestRunLake runs with --lake on both warehouses: the run's --json names
// the lake export of the run it published, with the ML tables; a second
// run moves the pointer and, with --lake-keep 1, removes the first run's
// folder. A lake that cannot be written fails the command (exit 1) while
// the publish stands, and --json says both.
func TestRunLake(t *testing.T) {
	for _, k := range warehouses(t) {
		t.Run(k.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
				t.Fatalf("gen: %s", stderr)
			}
			wh := k.spec(t)
			out := filepath.Join(t.TempDir(), "lake")
			run := func(args ...string) (int, map[string]any, string) {
				code, stdout, stderr := cli(t, append([]string{"run", "--source", dir, "--warehouse", wh, "--json"}, args...)...)
				return code, decodeOne(t, stdout), stderr
			}
			code, rep, stderr := run("--lake", out, "--lake-ml", "--lake-buckets", "4", "--lake-keep", "1")
			if code != exitOK {
				t.Fatalf("run --lake: exit %d: %s", code, stderr)
			}
			lk, _ := rep["lake"].(map[string]any)
			first, _ := rep["run_id"].(string)
			if lk == nil || lk["status"] != "succeeded" || lk["run_id"] != first || lk["ml"] != true || lk["buckets"] != float64(4) {
				t.Fatalf("run --json lake: %v; want the export of run %s", lk, first)
			}
			if got := readPointer(t, out); got != first {
				t.Fatalf("pointer %s, want %s", got, first)
			}
			for _, table := range []string{"interactions", "items", "anime"} {
				if _, err := os.Stat(filepath.Join(out, "runs", first, table, "part-00000.parquet")); err != nil {
					t.Errorf("%s: %v", table, err)
				}
			}

			code, rep, stderr = run("--lake", out, "--lake-ml", "--lake-buckets", "4", "--lake-keep", "1")
			second, _ := rep["run_id"].(string)
			lk, _ = rep["lake"].(map[string]any)
			if code != exitOK || second == first {
				t.Fatalf("second run: exit %d, run %s: %s", code, second, stderr)
			}
			if got := readPointer(t, out); got != second {
				t.Errorf("pointer %s, want %s", got, second)
			}
			if removed, _ := lk["removed"].([]any); len(removed) != 1 || removed[0] != first {
				t.Errorf("removed %v, want [%s]", lk["removed"], first)
			}
			if _, err := os.Stat(filepath.Join(out, "runs", first)); !os.IsNotExist(err) {
				t.Errorf("run %s kept with --lake-keep 1: %v", first, err)
			}

			// A lake that is a file: the run publishes, the export fails.
			notDir := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, rep, stderr = run("--lake", notDir)
			lk, _ = rep["lake"].(map[string]any)
			third, _ := rep["run_id"].(string)
			if code != exitFailed || rep["status"] != "succeeded" || rep["exit_code"] != float64(exitFailed) {
				t.Fatalf("run with an unwritable lake: exit %d, status %v; want 1 and a succeeded run", code, rep["status"])
			}
			if e, _ := lk["error"].(string); lk["status"] != "failed" || !strings.Contains(e, "was published") || !strings.Contains(stderr, "animetl export") {
				t.Errorf("lake report %v, stderr %q; want a failure that says the run was published and how to catch up", lk, stderr)
			}
			code, stdout, _ := cli(t, "runs", "--warehouse", wh, "--json", "--limit", "1")
			if code != exitOK || !strings.Contains(stdout, third) {
				t.Errorf("runs after the failed lake export: exit %d, %s; want run %s, published", code, stdout, third)
			}

			// A run that fails does not touch the lake and says so.
			code, rep, _ = run("--lake", out, "--max-reject-rate", "0", "--source", filepath.Join(t.TempDir(), "empty"))
			if code == exitOK {
				t.Fatal("run of a missing source: exit 0")
			}
			if lk, _ = rep["lake"].(map[string]any); lk == nil || lk["status"] != "skipped" {
				t.Errorf("failed run's lake report %v, want skipped", rep["lake"])
			}
			if got := readPointer(t, out); got != second {
				t.Errorf("pointer %s after a failed run, want %s", got, second)
			}
		})
	}
}

// TestExportToS3CLI: export --out s3://... against a real S3-protocol
// server with --s3-endpoint, the pointer last, the ML tables in.
func TestExportToS3CLI(t *testing.T) {
	endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs ANIMETL_TEST_S3_ENDPOINT=http://host:port of an S3-protocol server; `make test` starts moto and sets it")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "animetl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "animetl-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx := context.Background()
	bucket := fmt.Sprintf("animetl-lake-%d", time.Now().UnixNano())
	src, err := s3.New(ctx, "s3://"+bucket, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	c := src.Client()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	wh := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}
	code, stdout, stderr := cli(t, "export", "--warehouse", wh, "--out", "s3://"+bucket+"/team/lake", "--s3-endpoint", endpoint, "--ml", "--json")
	rep := decodeOne(t, stdout)
	if code != exitOK || rep["status"] != "succeeded" || rep["ml"] != true || rep["split_seed"] != float64(42) {
		t.Fatalf("export to S3: exit %d, %v: %s", code, rep, stderr)
	}
	obj, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("team/lake/_published.json")})
	if err != nil {
		t.Fatal(err)
	}
	var ptr struct {
		RunID    string `json:"run_id"`
		Manifest string `json:"manifest"`
	}
	json.NewDecoder(obj.Body).Decode(&ptr)
	obj.Body.Close()
	if ptr.RunID != rep["run_id"] || ptr.Manifest != rep["manifest"] {
		t.Errorf("pointer %+v, report %v", ptr, rep)
	}
	for _, table := range []string{"interactions", "items", "user_anime/user_bucket=15"} {
		key := "team/lake/runs/" + ptr.RunID + "/" + table + "/part-00000.parquet"
		if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
}

// TestScheduledRunExportsToTheLake: the scheduler's run takes --lake as run
// does; a lake that cannot be written fails the scheduled run without
// making it retryable (retrying would publish again only to reach the lake).
func TestScheduledRunExportsToTheLake(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	out := filepath.Join(t.TempDir(), "lake")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		lake string
		ok   bool
	}{{"writable lake", out, true}, {"lake is a file", notDir, false}} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(io.Discard, io.Discard)
			a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
			cmd := &cobra.Command{}
			a.warehouseFlags(cmd, true)
			a.sourceFlags(cmd)
			var f runFlags
			addRunFlags(cmd.Flags(), &f)
			if err := cmd.Flags().Parse([]string{"--source", dir, "--warehouse", duckWarehouse(t), "--lake", tc.lake, "--lake-ml"}); err != nil {
				t.Fatal(err)
			}
			bf, err := a.validateRun(f)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := a.scheduledRun(f, bf)(context.Background(), animetl.ModeFull)
			if sum == nil || sum.Status != animetl.StatusSucceeded {
				t.Fatalf("scheduled run: %v, %v", sum, err)
			}
			if tc.ok {
				if err != nil || readPointer(t, out) != sum.RunID {
					t.Errorf("scheduled run with --lake: %v; pointer should name %s", err, sum.RunID)
				}
				return
			}
			if err == nil || schedule.Retryable(err) || !strings.Contains(err.Error(), "was published") {
				t.Errorf("scheduled run with an unwritable lake: %v (retryable %v); want a failure that is not retried", err, schedule.Retryable(err))
			}
		})
	}
}
