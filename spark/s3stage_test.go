package spark

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/s3"
)

// testStage returns an object-store stage in a new bucket of the test S3
// server (moto in `make test`), with static test credentials.
func testStage(t *testing.T) (*s3.Stage, string) {
	t.Helper()
	endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs ANIMETL_TEST_S3_ENDPOINT=http://host:port of an S3-protocol server; `make test` starts moto and sets it")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "animetl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "animetl-test-secret-4f9a")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	ctx := context.Background()
	bucket := fmt.Sprintf("spark-stage-%d", time.Now().UnixNano())
	src, err := s3.New(ctx, "s3://"+bucket, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	url := "s3://" + bucket + "/team/stage/"
	st, err := s3.NewStage(ctx, url, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return st, url
}

func put(t *testing.T, st StageStore, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := st.Put(context.Background(), k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
}

func list(t *testing.T, st StageStore) []string {
	t.Helper()
	keys, err := st.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// writeStage writes a run's stage folder as Spark lays it out: Parquet per
// outcome of a job, _SUCCESS files. It returns the files' relative paths.
func writeStage(t *testing.T, dir string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files := map[string]string{
		"lists/outcome=entry/part-00000.parquet":    "SELECT 1 AS file_id, 0 AS block, range + 1 AS mid, range AS user_id, range % 7 AS anime_id FROM range(0, 600)",
		"lists/outcome=entry/part-00001.parquet":    "SELECT 1 AS file_id, 1 AS block, range + 1 AS mid, range AS user_id, range % 7 AS anime_id FROM range(600, 1000)",
		"lists/outcome=reject/part-00000.parquet":   "SELECT 1 AS file_id, 0 AS block, 0 AS mid, 'fields' AS verdict",
		"catalogue2/outcome=row/part-00000.parquet": "SELECT 2 AS file_id, range AS anime_id FROM range(5)",
	}
	var rels []string
	for rel, q := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("COPY (" + q + ") TO " + duckString(p) + " (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	for _, rel := range []string{"lists/_SUCCESS", "catalogue2/_SUCCESS"} {
		if err := os.WriteFile(filepath.Join(dir, rel), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	return rels
}

// TestObjectStageCollect: the leftovers of earlier runs are deleted (and
// nothing else), then a run's folder, uploaded as Spark writes it, is
// downloaded whole, readable as Parquet, and deleted from the store.
func TestObjectStageCollect(t *testing.T) {
	st, _ := testStage(t)
	ctx := context.Background()
	const runID = "20260102T030405Z-abc123"
	put(t, st,
		"20200101T000000Z-dead00/lists/outcome=entry/part-0.parquet", // a run id's folder, unmarked
		"20200101T000000Z-dead00_$folder$",                           // EMRFS's marker of it
		"old-run/"+stageMark, "old-run/lists/part-0.parquet",         // marked
		"keep-me/data.csv", "notes.txt") // not a run's
	if err := removeObjectLeftovers(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, want := list(t, st), []string{"keep-me/data.csv", "notes.txt"}; !slices.Equal(got, want) {
		t.Fatalf("after removing leftovers: %v, want %v", got, want)
	}

	local := t.TempDir()
	rels := writeStage(t, local)
	put(t, st, runID+"/"+stageMark, runID+"_$folder$", runID+"/lists_$folder$")
	for _, rel := range rels {
		b, err := os.ReadFile(filepath.Join(local, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, runID+"/"+rel, b); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := collectStage(ctx, st, runID, dir, nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, rels) {
		t.Errorf("downloaded %v, want %v", got, rels)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, sum int64
	if err := db.QueryRow("SELECT count(*), sum(user_id) FROM read_parquet("+
		duckString(filepath.Join(dir, "lists", "outcome=entry", "*.parquet"))+")").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 1000 || sum != 999*1000/2 {
		t.Errorf("entries read back: %d rows, user_id sum %d; want 1000, %d", n, sum, 999*1000/2)
	}
	if got, want := list(t, st), []string{"keep-me/data.csv", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("after collecting the run: %v, want %v", got, want)
	}
}

// TestObjectStageServerDown: a run on an object-store stage whose Spark
// server does not answer fails with ErrUnavailable and leaves nothing in
// the store but what was not a run's; earlier runs' folders are gone.
func TestObjectStageServerDown(t *testing.T) {
	st, url := testStage(t)
	put(t, st, "20200101T000000Z-dead00/lists/part-0.parquet", "keep-me/data.csv")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var opened string
	e := &Engine{Remote: "sc://" + addr, Stage: "s3a" + url[len("s3"):], DialTimeout: time.Second,
		OpenStore: func(_ context.Context, u string) (StageStore, error) { opened = u; return st, nil }}
	_, err = e.Transform(context.Background(), "20260102T030405Z-abc123", nil)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if opened != url {
		t.Errorf("store opened at %q, want %q", opened, url)
	}
	if got, want := list(t, st), []string{"keep-me/data.csv"}; !slices.Equal(got, want) {
		t.Errorf("left in the store: %v, want %v", got, want)
	}
	e.OpenStore = nil
	if _, err := e.Transform(context.Background(), "20260102T030405Z-abc124", nil); !errors.Is(err, animetl.ErrConfig) {
		t.Errorf("no store: err = %v, want ErrConfig", err)
	}
}

// TestObjectStageURIs: the stage URIs Spark writes to and animetl opens.
func TestObjectStageURIs(t *testing.T) {
	for _, c := range []struct{ stage, store, run string }{
		{"s3://b/stage", "s3://b/stage/", "s3://b/stage/R"},
		{"s3a://b/a/b/", "s3://b/a/b/", "s3a://b/a/b/R"},
		{"s3a://b", "s3://b/", "s3a://b/R"},
	} {
		st, ok, err := parseObjectStage(c.stage)
		if !ok || err != nil {
			t.Fatalf("%s: ok %v, err %v", c.stage, ok, err)
		}
		if st.storeURL() != c.store || st.runURI("R") != c.run {
			t.Errorf("%s: store %s, run %s; want %s, %s", c.stage, st.storeURL(), st.runURI("R"), c.store, c.run)
		}
	}
	for _, bad := range []string{"s3:///stage", "s3a://b/x//y", "s3://b/../y", "s3://b/x?y=1", "s3://u:p@b/x"} {
		if err := CheckStage(bad); !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", bad, err)
		}
	}
	for _, good := range []string{"s3://b/x", "s3a://b/x/", "file:///x", "/x"} {
		if err := CheckStage(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}
