package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/internal/faultproxy"
	"github.com/animetl/animetl/internal/ranged"
	"github.com/animetl/animetl/s3"
)

// testCreds points the AWS chain at static test credentials and nothing else.
func testCreds(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "animetl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "animetl-test-secret-4f9a")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
}

// fastRanges keeps the tests quick: 1 MiB parts, millisecond backoff.
var fastRanges = ranged.Options{PartSize: 1 << 20, Policy: ranged.Policy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}}

// fakeS3 starts an in-process S3 server and returns its URL.
func fakeS3(t *testing.T) string {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

var bucketSeq int

// upload creates a bucket on endpoint and puts files under prefix.
func upload(t *testing.T, endpoint, bucket, prefix string, files map[string][]byte) {
	t.Helper()
	src, err := s3.New(context.Background(), "s3://"+bucket+"/"+prefix, s3.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	c := src.Client()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatalf("create bucket: %v", err)
	}
	for name, body := range files {
		if _, err := c.PutObject(ctx, &awss3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(prefix + name), Body: bytes.NewReader(body),
		}); err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
	}
}

func newBucket() string {
	bucketSeq++
	return fmt.Sprintf("animetl-test-%d-%d", os.Getpid(), bucketSeq)
}

// factory serves files from a fresh bucket on endpoint through a source
// that may read via readVia (a fault proxy) instead.
func factory(endpoint string, opts s3.Options) contract.SourceFactory {
	changing := changingFactory(endpoint, opts)
	return func(t *testing.T, files map[string][]byte) animetl.Source {
		src, _ := changing(t, files)
		return src
	}
}

// changingFactory is factory that also returns the Put that replaces an
// object of the bucket.
func changingFactory(endpoint string, opts s3.Options) contract.ChangingSourceFactory {
	return func(t *testing.T, files map[string][]byte) (animetl.Source, contract.Put) {
		bucket := newBucket()
		upload(t, endpoint, bucket, "team/2026/", files)
		if opts.Endpoint == "" {
			opts.Endpoint = endpoint
		}
		if opts.Ranged.PartSize == 0 {
			opts.Ranged = fastRanges
		}
		src, err := s3.New(context.Background(), "s3://"+bucket+"/team/2026", opts)
		if err != nil {
			t.Fatal(err)
		}
		put := func(t *testing.T, name string, body []byte) {
			if _, err := src.Client().PutObject(context.Background(), &awss3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String("team/2026/" + name), Body: bytes.NewReader(body),
			}); err != nil {
				t.Fatalf("put %s: %v", name, err)
			}
		}
		return src, put
	}
}

func TestSourceContractInProcess(t *testing.T) {
	testCreds(t)
	contract.RunSource(t, factory(fakeS3(t), s3.Options{}), contract.SourceOptions{Lists: true})
}

// TestSourceReuse: one S3 Source serves run after run, and runs at once; an
// older listing's FileInfo fails once its object was replaced.
func TestSourceReuse(t *testing.T) {
	testCreds(t)
	t.Run("InProcess", func(t *testing.T) {
		contract.RunSourceReuse(t, changingFactory(fakeS3(t), s3.Options{}), contract.ReuseOptions{Pins: true})
	})
	t.Run("Server", func(t *testing.T) {
		endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
		if endpoint == "" {
			t.Skip("needs ANIMETL_TEST_S3_ENDPOINT=http://host:port of an S3-protocol server; `make test` starts moto and sets it")
		}
		contract.RunSourceReuse(t, changingFactory(endpoint, s3.Options{}), contract.ReuseOptions{Pins: true})
	})
}

// TestSourceContractServer runs the contract against a real S3-protocol
// server process (moto, started by scripts/test.sh).
func TestSourceContractServer(t *testing.T) {
	endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs ANIMETL_TEST_S3_ENDPOINT=http://host:port of an S3-protocol server; `make test` starts moto and sets it")
	}
	testCreds(t)
	contract.RunSource(t, factory(endpoint, s3.Options{}), contract.SourceOptions{Lists: true})
}

// TestAWSCLIUpload uploads a generated set with the real AWS CLI and shows
// a run from the bucket equals a run from the folder.
func TestAWSCLIUpload(t *testing.T) {
	endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
	aws, err := exec.LookPath("aws")
	if endpoint == "" || err != nil {
		t.Skip("needs ANIMETL_TEST_S3_ENDPOINT and the aws CLI on PATH; `make test` installs both")
	}
	testCreds(t)
	dir, _ := contract.Gen(t, contract.Generated)
	bucket := newBucket()
	upload(t, endpoint, bucket, "", nil) // creates the bucket
	cmd := exec.Command(aws, "--endpoint-url", endpoint, "s3", "cp", "--recursive", "--only-show-errors", dir, "s3://"+bucket+"/upload/")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws s3 cp: %v\n%s", err, out)
	}
	src, err := s3.New(context.Background(), "s3://"+bucket+"/upload/", s3.Options{Endpoint: endpoint, Ranged: fastRanges})
	if err != nil {
		t.Fatal(err)
	}
	remote := openDuck(t, "remote")
	sum, err := contract.RunFrom(t, remote, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	local := openDuck(t, "local")
	want := contract.MustRun(t, local, dir, 0)
	for i := range want.Files {
		if want.Files[i].Checksum != sum.Files[i].Checksum || want.Files[i].RowsLoaded != sum.Files[i].RowsLoaded {
			t.Errorf("%s: local %+v, S3 %+v", want.Files[i].Name, want.Files[i], sum.Files[i])
		}
	}
	if a, b := contract.Fingerprints(t, local), contract.Fingerprints(t, remote); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("warehouses differ:\n local %v\n S3    %v", a, b)
	}
	locs := contract.QueryAll(t, remote, "SELECT location, etag FROM etl_file WHERE run_id = $1 AND name = 'animelist.csv'", sum.RunID)
	if len(locs) != 1 || locs[0][0] != "s3://"+bucket+"/upload/animelist.csv" || locs[0][1] == "NULL" {
		t.Errorf("etl_file of animelist.csv: %v, want its s3 location and ETag", locs)
	}
}

func openDuck(t *testing.T, name string) animetl.Warehouse {
	w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), name+".duckdb"), LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// attempts are fastRanges giving up after n attempts.
func attempts(n int) ranged.Options {
	o := fastRanges
	o.MaxAttempts = n
	return o
}

// faulty serves files through a fault proxy and returns the proxy and a source.
func faulty(t *testing.T, files map[string][]byte, opts s3.Options) (*faultproxy.Proxy, *s3.Source) {
	backend := fakeS3(t)
	bucket := newBucket()
	upload(t, backend, bucket, "", files)
	proxy := faultproxy.New(t, backend)
	opts.Endpoint = proxy.URL
	if opts.Ranged.PartSize == 0 {
		opts.Ranged = fastRanges
	}
	src, err := s3.New(context.Background(), "s3://"+bucket, opts)
	if err != nil {
		t.Fatal(err)
	}
	return proxy, src
}

func TestTransientFaultsGiveIdenticalResults(t *testing.T) {
	testCreds(t)
	dir, _ := contract.Gen(t, contract.Generated)
	files := contract.ReadFiles(t, dir)
	proxy, src := faulty(t, files, s3.Options{})
	// A burst of 6 consecutive mixed failures on the big object, more on the
	// catalogue, and throttled listing: the defaults ride them out.
	proxy.Inject(faultproxy.GetsOf("/animelist.csv"),
		faultproxy.Fault{Kind: faultproxy.SlowDown}, faultproxy.Fault{Kind: faultproxy.Reset, After: 100_000},
		faultproxy.Fault{Kind: faultproxy.Truncate, After: 5000}, faultproxy.Fault{Kind: faultproxy.Internal},
		faultproxy.Fault{Kind: faultproxy.Drop}, faultproxy.Fault{Kind: faultproxy.Reset, After: 10})
	proxy.Inject(faultproxy.GetsOf("/anime.csv"),
		faultproxy.Fault{Kind: faultproxy.Truncate, After: 1000}, faultproxy.Fault{Kind: faultproxy.SlowDown})
	proxy.Inject(func(r *http.Request) bool { return r.URL.Query().Has("list-type") },
		faultproxy.Fault{Kind: faultproxy.SlowDown}, faultproxy.Fault{Kind: faultproxy.Internal})
	remote := openDuck(t, "remote")
	sum, err := contract.RunFrom(t, remote, src, 0)
	if err != nil {
		t.Fatalf("run through faults: %v", err)
	}
	if p := proxy.Pending(); p != 0 {
		t.Errorf("%d faults were never injected", p)
	}
	local := openDuck(t, "local")
	want := contract.MustRun(t, local, dir, 0)
	for i := range want.Files {
		if want.Files[i].Checksum != sum.Files[i].Checksum || want.Files[i].RowsRead != sum.Files[i].RowsRead {
			t.Errorf("%s: local %+v, through faults %+v", want.Files[i].Name, want.Files[i], sum.Files[i])
		}
	}
	if a, b := contract.Fingerprints(t, local), contract.Fingerprints(t, remote); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("warehouses differ:\n local  %v\n faults %v", a, b)
	}
}

func TestPermanentFaultsFailCleanly(t *testing.T) {
	testCreds(t)
	dir, _ := contract.Gen(t, contract.Generated)
	wh := openDuck(t, "w")
	before := contract.MustRun(t, wh, dir, 0)
	beforeFP := contract.Fingerprints(t, wh)
	files := contract.ReadFiles(t, dir)
	proxy, src := faulty(t, files, s3.Options{Ranged: attempts(4)})
	faults := make([]faultproxy.Fault, 10)
	for i := range faults {
		faults[i] = faultproxy.Fault{Kind: faultproxy.SlowDown}
	}
	proxy.Inject(faultproxy.GetsOf("/animelist.csv"), faults...)
	sum, err := contract.RunFrom(t, wh, src, 0)
	var ex *ranged.ExhaustedError
	if err == nil || !errors.As(err, &ex) || !strings.Contains(err.Error(), "animelist.csv") {
		t.Fatalf("run with retries exhausted: err = %v, want an ExhaustedError naming animelist.csv", err)
	}
	if sum.Status != animetl.StatusFailed {
		t.Errorf("status %s", sum.Status)
	}
	if after := contract.Fingerprints(t, wh); fmt.Sprint(after) != fmt.Sprint(beforeFP) {
		t.Error("a failed S3 run changed the published warehouse")
	}
	if got := contract.QueryAll(t, wh, "SELECT status FROM etl_run WHERE run_id = $1", sum.RunID); len(got) != 1 || got[0][0] != "failed" {
		t.Errorf("etl_run of the failed run: %v", got)
	}
	_ = before
}

func TestMissingObjectIsPermanent(t *testing.T) {
	testCreds(t)
	proxy, src := faulty(t, map[string][]byte{"anime.csv": []byte("x\n")}, s3.Options{})
	_, err := src.Open(context.Background(), named("gone.csv"))
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("open missing: %v, want a 404", err)
	}
	if n := proxy.Requests(); n > 2 {
		t.Errorf("%d requests for a missing object: a 404 must not be retried", n)
	}
}

func TestSecretsStayOutOfErrorsAndLogs(t *testing.T) {
	testCreds(t)
	secret := os.Getenv("AWS_SECRET_ACCESS_KEY")
	t.Setenv("AWS_SESSION_TOKEN", "animetl-session-token-77c1")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	proxy, src := faulty(t, map[string][]byte{"animelist.csv": contractBytes()}, s3.Options{Ranged: attempts(2), Logger: log})
	proxy.Inject(faultproxy.GetsOf("/animelist.csv"), faultproxy.Fault{Kind: faultproxy.Internal}, faultproxy.Fault{Kind: faultproxy.SlowDown})
	rc, err := src.Open(context.Background(), named("animelist.csv"))
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if err == nil {
		t.Fatal("expected the read to fail")
	}
	_, err2 := src.Open(context.Background(), named("missing.csv"))
	for _, s := range []string{err.Error(), err2.Error(), logs.String(), src.String()} {
		for _, bad := range []string{secret, "animetl-session-token-77c1"} {
			if strings.Contains(s, bad) {
				t.Errorf("a secret leaked: %q", s)
			}
		}
	}
	if !strings.Contains(logs.String(), "retrying a range") {
		t.Errorf("retries were not logged: %s", logs.String())
	}
}

// named is the FileInfo of an object no listing saw: Open reads whatever
// is there now.
func named(name string) animetl.FileInfo { return animetl.FileInfo{Name: name, Size: -1} }

func contractBytes() []byte { return bytes.Repeat([]byte("1,2,3,4,5\n"), 1000) }

func TestAnonymousWhenNoCredentials(t *testing.T) {
	testCreds(t)
	endpoint := fakeS3(t)
	bucket := newBucket()
	upload(t, endpoint, bucket, "", map[string][]byte{"anime.csv": []byte("MAL_ID\n1\n")})
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	var logs bytes.Buffer
	src, err := s3.New(context.Background(), "s3://"+bucket, s3.Options{Endpoint: endpoint,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "anonymously") {
		t.Errorf("no anonymous fallback logged: %s", logs.String())
	}
	files, err := src.List(context.Background())
	if err != nil || len(files) != 1 || files[0].Name != "anime.csv" {
		t.Fatalf("anonymous list: %v %v", files, err)
	}
}

func TestUploadThenRead(t *testing.T) {
	testCreds(t)
	endpoint := fakeS3(t)
	bucket := newBucket()
	upload(t, endpoint, bucket, "", nil)
	src, err := s3.New(context.Background(), "s3://"+bucket+"/gen", s3.Options{Endpoint: endpoint, Ranged: fastRanges})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB: multipart
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, body, 0o644)
	if err := src.Upload(context.Background(), "big.csv", p); err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(context.Background(), named("big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes, err %v", len(got), err)
	}
}
