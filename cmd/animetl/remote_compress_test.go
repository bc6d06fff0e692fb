package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/s3"
)

// sameCounts fails unless got has the files of want, by the name they are
// read as, with the same counts.
func sameCounts(t *testing.T, got, want []animetl.FileSummary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("files %v, want %v", names(got), names(want))
	}
	for i, f := range got {
		w := want[i]
		if readName(f.Name) != w.Name || f.RowsRead != w.RowsRead || f.RowsLoaded != w.RowsLoaded ||
			f.RowsRejected != w.RowsRejected || f.RowsDuplicate != w.RowsDuplicate {
			t.Errorf("%s: %+v, plain %+v", f.Name, f, w)
		}
	}
}

// TestRunReadsGzipFromS3 uploads a set with a gzipped list and a gzipped
// delta day to a real S3-protocol server: the counts of the plain set.
func TestRunReadsGzipFromS3(t *testing.T) {
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
	plain := withDelta(t)
	packed := copyTree(t, plain)
	compressFile(t, packed, animetl.FileAnimeList, ".gz")
	compressFile(t, packed, deltaDay+"part-0.csv", ".gz")
	compressFile(t, packed, deltaDay+"deletes/part-0.csv", ".gz")

	ctx := context.Background()
	bucket := fmt.Sprintf("animetl-gz-%d", os.Getpid())
	src, err := s3.New(ctx, "s3://"+bucket, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	c := src.Client()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(packed, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(packed, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("drop/" + filepath.ToSlash(rel)), Body: bytes.NewReader(b)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	code, want, stderr, _ := runJSON(t, plain)
	if code != exitOK {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	code, got, stderr, _ := runJSON(t, "s3://"+bucket+"/drop", "--s3-endpoint", endpoint, "--part-size", "1MiB")
	if code != exitOK {
		t.Fatalf("run from s3: exit %d: %s\n%s", code, got.Error, stderr)
	}
	sameCounts(t, got.Files, want.Files)
	if got.Files[3].Name != "animelist.csv.gz" {
		t.Errorf("files %v: want animelist.csv.gz loaded", names(got.Files))
	}
}

// TestRunReadsGzipFromHTTP serves a set with a gzipped list from a web server.
func TestRunReadsGzipFromHTTP(t *testing.T) {
	base, _ := contract.Gen(t, contract.Generated) // HTTP cannot list deltas: the base files only
	plain := contract.CopyDir(t, base)
	packed := copyTree(t, plain)
	compressFile(t, packed, animetl.FileAnimeList, ".gz")
	compressFile(t, packed, animetl.FileAnime, ".gz")
	srv := httptest.NewServer(http.StripPrefix("/exports/", http.FileServer(http.Dir(packed))))
	defer srv.Close()
	code, want, stderr, _ := runJSON(t, plain)
	if code != exitOK {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	code, got, stderr, _ := runJSON(t, srv.URL+"/exports/", "--part-size", "1MiB")
	if code != exitOK {
		t.Fatalf("run from http: exit %d: %s\n%s", code, got.Error, stderr)
	}
	sameCounts(t, got.Files, want.Files)
	if got.Files[1].Name != "anime.csv.gz" || got.Files[3].Name != "animelist.csv.gz" {
		t.Errorf("files %v: want the gzipped files loaded", names(got.Files))
	}
}
