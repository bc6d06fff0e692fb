package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"
)

// Stage is the Spark engine's stage location under an s3://bucket/prefix:
// Spark writes a run's Parquet there (s3:// through EMRFS, s3a:// through
// hadoop-aws, the same objects), and animetl downloads it and deletes it.
// Its methods match spark.StageStore with standard types only, so that
// this adapter does not import package spark; cmd/animetl asserts the
// match. Keys are named relative to the prefix.
type Stage struct {
	l *Lake
}

// NewStage returns the stage of an s3://bucket/prefix URL with the same
// credentials, endpoint, addressing and retry settings as New; downloads
// run opts.Ranged.Concurrency at a time.
func NewStage(ctx context.Context, rawURL string, opts Options) (*Stage, error) {
	l, err := NewLake(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	return &Stage{l: l}, nil
}

// String returns s3://bucket/prefix.
func (s *Stage) String() string { return s.l.String() }

// List returns the keys under the folder dir ("" for all), relative to
// the stage's prefix, in key order.
func (s *Stage) List(ctx context.Context, dir string) ([]string, error) {
	p := awss3.NewListObjectsV2Paginator(s.l.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.l.bucket), Prefix: aws.String(s.l.prefix + dir),
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", s.l.location(s.l.prefix+dir), describe(err))
		}
		for _, o := range page.Contents {
			out = append(out, strings.TrimPrefix(aws.ToString(o.Key), s.l.prefix))
		}
	}
	return out, nil
}

// Put writes a small object.
func (s *Stage) Put(ctx context.Context, key string, body []byte) error {
	if err := uploadObject(ctx, s.l.client, s.l.bucket, s.l.prefix+key, bytes.NewReader(body)); err != nil {
		return fmt.Errorf("s3: put %s: %w", s.l.location(s.l.prefix+key), describe(err))
	}
	return nil
}

// Download copies the objects keys to the files paths (parents made as
// need be), a few at a time; the first failure stops the rest.
func (s *Stage) Download(ctx context.Context, keys, paths []string) error {
	if len(keys) != len(paths) {
		return fmt.Errorf("s3: download: %d keys, %d paths", len(keys), len(paths))
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(s.l.concurrency, 4))
	for i := range keys {
		key, path := s.l.prefix+keys[i], paths[i]
		g.Go(func() error { return s.download(ctx, key, path) })
	}
	return g.Wait()
}

func (s *Stage) download(ctx context.Context, key, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("s3: download %s: %w", s.l.location(key), err)
	}
	out, err := s.l.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.l.bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("s3: get %s: %w", s.l.location(key), describe(err))
	}
	defer out.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("s3: download %s: %w", s.l.location(key), err)
	}
	if _, err := io.Copy(f, out.Body); err != nil {
		f.Close()
		return fmt.Errorf("s3: get %s: %w", s.l.location(key), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("s3: download %s: %w", s.l.location(key), err)
	}
	return nil
}

// Delete removes the keys, up to a thousand per request.
func (s *Stage) Delete(ctx context.Context, keys []string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.l.prefix + k
	}
	if err := s.l.delete(ctx, full); err != nil {
		return fmt.Errorf("s3: %s: %w", s, err)
	}
	return nil
}
