package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/s3"
)

// TestGenToS3ThenRunFromS3 uploads a generated set with `gen --out s3://`
// and loads it with `run --source s3://`: the same warehouse as from disk.
func TestGenToS3ThenRunFromS3(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "animetl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "animetl-cli-secret-1b2c")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL) // as a user pointing at MinIO would
	src, err := s3.New(context.Background(), "s3://cli-bucket", s3.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String("cli-bucket")}); err != nil {
		t.Fatal(err)
	}
	g := contract.Generated
	code, out, stderr := cli(t, "gen", "--out", "s3://cli-bucket/anime/2026-11-29", "--rows", "60000", "--anime", "3000",
		"--seed", "7", "--layout", "indexed", "--defect-rate", "0.002")
	if code != exitOK {
		t.Fatalf("gen to s3: exit %d\n%s\n%s", code, out, stderr)
	}
	wh := duckWarehouse(t)
	code, out, stderr = cli(t, "run", "--source", "s3://cli-bucket/anime/2026-11-29", "--warehouse", wh, "--json",
		"--part-size", "1MiB", "--concurrency", "3")
	if code != exitOK {
		t.Fatalf("run from s3: exit %d\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(out+stderr, "animetl-cli-secret-1b2c") {
		t.Error("the secret key appears in the output")
	}
	var sum struct {
		Source string `json:"source"`
		Files  []struct {
			Name     string `json:"name"`
			Checksum string `json:"checksum"`
			ETag     string `json:"etag"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Source != "s3://cli-bucket/anime/2026-11-29/" {
		t.Errorf("source %q", sum.Source)
	}
	dir, _ := contract.Gen(t, g)
	local := duckWarehouse(t)
	code, lout, _ := cli(t, "run", "--source", dir, "--warehouse", local, "--json")
	if code != exitOK {
		t.Fatal("local run failed")
	}
	var lsum struct {
		Files []struct {
			Checksum string `json:"checksum"`
		} `json:"files"`
	}
	json.Unmarshal([]byte(lout), &lsum)
	for i, f := range sum.Files {
		if f.Checksum != lsum.Files[i].Checksum || f.ETag == "" {
			t.Errorf("%s: S3 checksum %s etag %q, local checksum %s", f.Name, f.Checksum, f.ETag, lsum.Files[i].Checksum)
		}
	}
	code, _, stderr = cli(t, "run", "--source", "s3://cli-bucket/nothing-here", "--warehouse", wh)
	if code != exitFailed || !strings.Contains(stderr, "anime.csv") {
		t.Errorf("run from an empty prefix: exit %d, stderr %s; want 1 naming the missing files", code, stderr)
	}
	if code, _, _ := cli(t, "run", "--source", "s3://cli-bucket/x", "--part-size", "lots"); code != exitUsage {
		t.Errorf("bad --part-size: exit %d, want 2", code)
	}
}

// TestRunFromHTTPS loads the set from a web server prefix.
func TestRunFromHTTP(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	srv := httptest.NewServer(http.StripPrefix("/exports/anime/", http.FileServer(http.Dir(dir))))
	defer srv.Close()
	wh := duckWarehouse(t)
	code, out, stderr := cli(t, "run", "--source", srv.URL+"/exports/anime/?token=abc123secret", "--warehouse", wh, "--json", "--part-size", "1MiB")
	if code != exitOK {
		t.Fatalf("run from http: exit %d\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(out+stderr, "abc123secret") {
		t.Error("the URL's token appears in the output")
	}
	var sum struct {
		Status string `json:"status"`
		Files  []struct {
			Name     string `json:"name"`
			RowsRead int64  `json:"rows_read"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Status != "succeeded" || len(sum.Files) != 4 {
		t.Fatalf("summary: %v %s", err, out)
	}
}
