package s3_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl/s3"
)

// TestOpenFailsWhenTheObjectChangedSinceListing: an object overwritten
// between List and Open (same size, other bytes) must fail the open naming
// it, not be read while the run records the listed ETag. Against moto.
func TestOpenFailsWhenTheObjectChangedSinceListing(t *testing.T) {
	endpoint := os.Getenv("ANIMETL_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs ANIMETL_TEST_S3_ENDPOINT=http://host:port of an S3-protocol server; `make test` starts moto and sets it")
	}
	testCreds(t)
	bucket := newBucket()
	old, replaced := bytes.Repeat([]byte("1,2,3\n"), 1000), bytes.Repeat([]byte("4,5,6\n"), 1000)
	upload(t, endpoint, bucket, "p/", map[string][]byte{"anime.csv": old, "animelist.csv": old})
	src, err := s3.New(context.Background(), "s3://"+bucket+"/p/", s3.Options{Endpoint: endpoint, Ranged: fastRanges})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	listing, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Client().PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("p/animelist.csv"), Body: bytes.NewReader(replaced),
	}); err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(ctx, listing[1])
	if err == nil {
		got, _ := io.ReadAll(rc)
		rc.Close()
		t.Fatalf("opened an object replaced since %+v was listed; read the new bytes: %v", listing[1], bytes.Equal(got, replaced))
	}
	if msg := err.Error(); !strings.Contains(msg, "s3://"+bucket+"/p/animelist.csv") || !strings.Contains(msg, "changed since it was listed") {
		t.Errorf("open: %v, want the object named and said to have changed", err)
	}
	// The unchanged object still opens, pinned to its listed ETag.
	rc, err = src.Open(ctx, listing[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, old) {
		t.Errorf("read anime.csv: %d bytes, %v", len(got), err)
	}
}
