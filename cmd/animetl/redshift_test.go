package main

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/animetl/animetl/s3"
)

// TestRedshiftCopyReadsTheLakeOnS3 exports a warehouse to a local lake,
// uploads it to an S3 server, and prints the COPY statements from the
// pointer and manifest read there: one per table, from the published run.
func TestRedshiftCopyReadsTheLakeOnS3(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "animetl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "animetl-redshift-secret-9d8e")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx := context.Background()
	src, err := s3.New(ctx, "s3://rs-lake/prod", s3.Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("rs-lake")}); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::123456789012:role/redshift-copy"
	args := []string{"redshift", "copy", "--lake", "s3://rs-lake/prod", "--iam-role", role, "--s3-endpoint", srv.URL}
	if code, _, stderr := cli(t, args...); code != exitFailed || !strings.Contains(stderr, "_published.json") {
		t.Errorf("copy from an empty lake: exit %d, %s; want 1 naming the pointer", code, stderr)
	}

	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := cli(t, "gen", "--out", dir, "--rows", "3000", "--anime", "300"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	wh := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}
	out := filepath.Join(t.TempDir(), "lake")
	if code, _, stderr := cli(t, "export", "--warehouse", wh, "--out", out, "--buckets", "4"); code != exitOK {
		t.Fatalf("export: %s", stderr)
	}
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		return src.Upload(ctx, filepath.ToSlash(rel), path)
	})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, append(args, "--schema", "dw")...)
	if code != exitOK {
		t.Fatalf("copy: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "animetl-redshift-secret-9d8e") {
		t.Error("the secret key appears in the output")
	}
	run := stdout[strings.Index(stdout, "/runs/")+len("/runs/"):]
	run = run[:strings.Index(run, "/")]
	for _, want := range []string{"\nBEGIN;\n", "\nCOMMIT;\n", "DELETE FROM dw.user_anime;",
		"COPY dw.user_anime FROM 's3://rs-lake/prod/runs/" + run + "/user_anime/' IAM_ROLE '" + role + "' FORMAT AS PARQUET;",
		"COPY dw.anime FROM 's3://rs-lake/prod/runs/" + run + "/anime/' IAM_ROLE '" + role + "' FORMAT AS PARQUET;"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("copy output lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "\nCOPY "); n != 17 {
		t.Errorf("%d COPY statements, want 17 (14 model tables, 3 recommendation tables)", n)
	}
}

// TestRedshiftDDLPrintsEveryTable: ddl prints one CREATE TABLE per
// published table in the schema given, and the keys of the fact.
func TestRedshiftDDLPrintsEveryTable(t *testing.T) {
	code, stdout, stderr := cli(t, "redshift", "ddl", "--schema", "analytics")
	if code != exitOK {
		t.Fatalf("ddl: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, "CREATE TABLE analytics."); n != 17 {
		t.Errorf("%d tables, want 17 (14 model tables, 3 recommendation tables)", n)
	}
	for _, want := range []string{"CREATE SCHEMA IF NOT EXISTS analytics;", "DISTKEY (user_id)\nCOMPOUND SORTKEY (watching_status, anime_id);", "DISTSTYLE ALL"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("ddl lacks %q", want)
		}
	}
}
