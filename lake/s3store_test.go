package lake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/internal/faultproxy"
	"github.com/animetl/animetl/internal/ranged"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/recommend"
	"github.com/animetl/animetl/s3"
)

var _ lake.Store = (*s3.Lake)(nil)

// s3Lake returns a bucket on the test S3 server (moto in `make test`), a
// client of it, and the server's URL, with static test credentials.
func s3Lake(t *testing.T) (bucket string, client *awss3.Client, endpoint string) {
	t.Helper()
	endpoint = os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
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
	bucket = fmt.Sprintf("lake-%d", time.Now().UnixNano())
	src, err := s3.New(context.Background(), "s3://"+bucket, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	client = src.Client()
	if _, err := client.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return bucket, client, endpoint
}

// keys lists the keys under prefix.
func keys(t *testing.T, c *awss3.Client, bucket, prefix string) []string {
	t.Helper()
	var out []string
	p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out
}

// download copies every key under prefix into a local folder, so that
// DuckDB (which has no S3 client without an extension download) reads it.
func download(t *testing.T, c *awss3.Client, bucket, prefix string) string {
	t.Helper()
	root := t.TempDir()
	for _, k := range keys(t, c, bucket, prefix) {
		out, err := c.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(k, prefix)))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ReadFrom(out.Body); err != nil {
			t.Fatal(err)
		}
		out.Body.Close()
		f.Close()
	}
	return root
}

func pointerOf(t *testing.T, c *awss3.Client, bucket, prefix string) lake.Pointer {
	t.Helper()
	out, err := c.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + lake.PointerName)})
	if err != nil {
		t.Fatalf("pointer: %v", err)
	}
	defer out.Body.Close()
	var p lake.Pointer
	if err := json.NewDecoder(out.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportToS3 exports to a bucket prefix on a real S3-protocol server:
// the files read back (DuckDB over a download, pyarrow over S3 itself) are
// the published state; an upload that fails leaves the pointer as it was
// and no file of the failed run; a later export removes the runs past
// Keep, after its pointer moved.
func TestExportToS3(t *testing.T) {
	bucket, client, endpoint := s3Lake(t)
	const prefix = "ml/lake/"
	ctx := context.Background()
	wh, pub := openDuck(t)
	fast := ranged.Options{Policy: ranged.Policy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}
	store, err := s3.NewLake(ctx, "s3://"+bucket+"/"+prefix, s3.Options{Endpoint: endpoint, Ranged: fast})
	if err != nil {
		t.Fatal(err)
	}
	opts := lake.Options{Buckets: 4, MemoryLimit: "256MB", ML: true, Seed: recommend.DefaultSeed, Keep: 1}
	first, err := lake.Export(ctx, pub, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	runA := first.Manifest.RunID
	if p := pointerOf(t, client, bucket, prefix); p.RunID != runA || p.Manifest != lake.ManifestPath(runA) {
		t.Fatalf("pointer %+v, want run %s", p, runA)
	}
	root := download(t, client, bucket, prefix)
	var m lake.Manifest
	readJSON(t, filepath.Join(root, lake.ManifestPath(runA)), &m)
	got := lakeFingerprints(t, root, lake.Manifest{Tables: m.Tables[:len(m.Tables)-2]})
	for table, want := range snapshotFingerprints(t, pub) {
		if got[table] != want {
			t.Errorf("%s: read back from S3 %+v, warehouse %+v", table, got[table], want)
		}
	}
	for _, tm := range m.Tables {
		for _, f := range tm.Files {
			st, err := os.Stat(filepath.Join(root, filepath.FromSlash(f.Path)))
			if err != nil || st.Size() != f.Bytes {
				t.Errorf("%s: %v (size %d, manifest %d)", f.Path, err, sizeOf(st), f.Bytes)
			}
		}
	}
	if python := os.Getenv("ANIMETL_TEST_PYARROW"); python != "" {
		cmd := exec.Command(python, filepath.Join("testdata", "read_s3.py"), endpoint, bucket, prefix)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("read_s3.py: %v", err)
		}
		var py struct {
			RunID string           `json:"run_id"`
			Rows  map[string]int64 `json:"rows"`
		}
		if err := json.Unmarshal(b, &py); err != nil {
			t.Fatalf("read_s3.py printed %s: %v", b, err)
		}
		for _, tm := range m.Tables {
			if py.RunID != runA || py.Rows[tm.Name] != tm.Rows {
				t.Errorf("pyarrow over S3: run %s, %s %d rows; want %s, %d", py.RunID, tm.Name, py.Rows[tm.Name], runA, tm.Rows)
			}
		}
	} else {
		t.Log("pyarrow over S3 skipped: set ANIMETL_TEST_PYARROW (make test does)")
	}

	// A second published run whose upload fails at its manifest.
	dir, _ := contract.Gen(t, other)
	contract.MustRun(t, wh, dir, 0)
	proxy := faultproxy.New(t, endpoint)
	manifestPut := func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifest.json")
	}
	proxy.Inject(manifestPut, faultproxy.Fault{Kind: faultproxy.Internal}, faultproxy.Fault{Kind: faultproxy.Internal},
		faultproxy.Fault{Kind: faultproxy.Internal}, faultproxy.Fault{Kind: faultproxy.Internal})
	broken, err := s3.NewLake(ctx, "s3://"+bucket+"/"+prefix, s3.Options{Endpoint: proxy.URL, Ranged: fast})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lake.Export(ctx, pub, broken, opts); err == nil {
		t.Fatal("export with the manifest's upload failing: no error")
	}
	if proxy.Injected() == 0 {
		t.Fatal("no fault injected: the test proves nothing")
	}
	if p := pointerOf(t, client, bucket, prefix); p.RunID != runA {
		t.Errorf("after a failed export the pointer names %s, want %s", p.RunID, runA)
	}
	snap, err := pub.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runB := snap.Run().RunID
	snap.Close()
	if left := keys(t, client, bucket, prefix+lake.RunDir(runB)+"/"); len(left) != 0 {
		t.Errorf("the failed upload left %d files of run %s: %v", len(left), runB, head(left))
	}

	// The export that succeeds moves the pointer, then removes run A.
	second, err := lake.Export(ctx, pub, store, opts)
	if err != nil || second.PruneErr != nil {
		t.Fatalf("second export: %v, prune: %v", err, second.PruneErr)
	}
	if second.Manifest.RunID != runB || len(second.Removed) != 1 || second.Removed[0] != runA {
		t.Errorf("second export: run %s, removed %v; want %s, [%s]", second.Manifest.RunID, second.Removed, runB, runA)
	}
	if p := pointerOf(t, client, bucket, prefix); p.RunID != runB {
		t.Errorf("pointer %s, want %s", p.RunID, runB)
	}
	if left := keys(t, client, bucket, prefix+lake.RunDir(runA)+"/"); len(left) != 0 {
		t.Errorf("run %s was kept: %v", runA, head(left))
	}
	if ids, err := store.Runs(ctx); err != nil || len(ids) != 1 || ids[0] != runB {
		t.Errorf("runs %v, %v; want [%s]", ids, err, runB)
	}
}
