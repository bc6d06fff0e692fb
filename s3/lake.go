package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/animetl/animetl"
)

// The lake layout's names (docs/ARCHITECTURE.md), which package lake
// defines too: this package implements lake.Store without importing it.
const (
	lakeRuns     = "runs/"
	lakeManifest = "manifest.json"
	lakePointer  = "_published.json"
)

// maxDeleteKeys is the most keys one DeleteObjects request takes.
const maxDeleteKeys = 1000

// Lake is a Parquet lake under an s3://bucket/prefix: the lake.Store that
// `animetl export --out s3://...` and `run --lake s3://...` write to. A
// run's files are encoded into a local staging folder, then uploaded
// under runs/<run_id>/, its manifest last; the pointer _published.json is
// one PUT after that, so a reader following it never meets a run folder
// that is still uploading. A failed upload deletes what it uploaded (as
// far as it can) and leaves the pointer as it was.
//
// Its methods match lake.Store with standard types only, so that this
// adapter does not import package lake; cmd/animetl asserts the match.
type Lake struct {
	bucket, prefix string
	client         *awss3.Client
	concurrency    int
	log            *slog.Logger
}

// NewLake returns the lake of an s3://bucket/prefix URL with the same
// credentials, endpoint, addressing and retry settings as New. Uploads run
// opts.Ranged.Concurrency at a time.
func NewLake(ctx context.Context, rawURL string, opts Options) (*Lake, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	client, log, err := newClient(ctx, bucket, &opts)
	if err != nil {
		return nil, err
	}
	return &Lake{bucket: bucket, prefix: prefix, client: client, concurrency: opts.Ranged.Concurrency, log: log}, nil
}

// String returns s3://bucket/prefix.
func (l *Lake) String() string { return "s3://" + l.bucket + "/" + l.prefix }

func (l *Lake) location(key string) string { return "s3://" + l.bucket + "/" + key }

func (l *Lake) runKey(runID string) (string, error) {
	if runID == "" || runID == "." || runID == ".." || strings.ContainsAny(runID, "/\\") {
		return "", fmt.Errorf("s3: run id %q is not a safe key segment", runID)
	}
	return l.prefix + lakeRuns + runID + "/", nil
}

// Stage makes a local temporary folder for the run's files.
func (l *Lake) Stage(_ context.Context, runID string) (string, error) {
	if _, err := l.runKey(runID); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "animetl-lake-upload-")
	if err != nil {
		return "", fmt.Errorf("s3: stage: %w", err)
	}
	return dir, nil
}

// Discard removes a staged folder.
func (l *Lake) Discard(staged string) { os.RemoveAll(staged) }

// CommitRun uploads the staged folder under runs/<run_id>/: every file but
// the manifest in parallel, then the manifest, which marks the run
// complete. On failure it deletes the keys it uploaded. On success the
// staged folder is removed.
func (l *Lake) CommitRun(ctx context.Context, runID, staged string) error {
	base, err := l.runKey(runID)
	if err != nil {
		return err
	}
	var files []string
	err = filepath.WalkDir(staged, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(staged, path)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel != lakeManifest {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("s3: commit run %s: %w", runID, err)
	}
	if _, err := os.Stat(filepath.Join(staged, lakeManifest)); err != nil {
		return fmt.Errorf("s3: commit run %s: %w", runID, err)
	}
	uploaded := make([]bool, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, l.concurrency))
	for i, rel := range files {
		g.Go(func() error {
			if err := l.upload(gctx, base+rel, filepath.Join(staged, filepath.FromSlash(rel))); err != nil {
				return err
			}
			uploaded[i] = true
			return nil
		})
	}
	err = g.Wait()
	if err == nil {
		err = l.upload(ctx, base+lakeManifest, filepath.Join(staged, lakeManifest))
	}
	if err != nil {
		var keys []string
		for i, ok := range uploaded {
			if ok {
				keys = append(keys, base+files[i])
			}
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if derr := l.delete(dctx, keys); derr != nil {
			l.log.Warn("could not delete the files of an upload that failed", "run_id", runID, animetl.LogError, derr)
		}
		return fmt.Errorf("s3: commit run %s: %w", runID, err)
	}
	os.RemoveAll(staged)
	return nil
}

// upload copies a local file to key, in parallel multipart uploads for big
// files; a failed multipart upload is aborted by the SDK.
func (l *Lake) upload(ctx context.Context, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := uploadObject(ctx, l.client, l.bucket, key, f); err != nil {
		return fmt.Errorf("upload %s: %w", l.location(key), describe(err))
	}
	return nil
}

// Manifest reads runs/<run_id>/manifest.json.
func (l *Lake) Manifest(ctx context.Context, runID string) ([]byte, error) {
	base, err := l.runKey(runID)
	if err != nil {
		return nil, err
	}
	return l.get(ctx, base+lakeManifest)
}

// Pointer reads _published.json.
func (l *Lake) Pointer(ctx context.Context) ([]byte, error) {
	return l.get(ctx, l.prefix+lakePointer)
}

// Publish writes _published.json in one PUT, which S3 makes visible whole
// or not at all.
func (l *Lake) Publish(ctx context.Context, pointer []byte) error {
	key := l.prefix + lakePointer
	_, err := l.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(l.bucket), Key: aws.String(key), Body: bytes.NewReader(pointer),
		ContentType: aws.String("application/json"), CacheControl: aws.String("no-cache"),
	})
	if err != nil {
		return fmt.Errorf("s3: publish %s: %w", l.location(key), describe(err))
	}
	return nil
}

// Runs lists the folders under runs/.
func (l *Lake) Runs(ctx context.Context) ([]string, error) {
	p := awss3.NewListObjectsV2Paginator(l.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket), Prefix: aws.String(l.prefix + lakeRuns), Delimiter: aws.String("/"),
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", l.location(l.prefix+lakeRuns), describe(err))
		}
		for _, cp := range page.CommonPrefixes {
			id := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), l.prefix+lakeRuns), "/")
			if id != "" {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// RemoveRun deletes every key under runs/<run_id>/, the manifest last, so
// that a removal cut short leaves a run the next prune finds again.
func (l *Lake) RemoveRun(ctx context.Context, runID string) error {
	base, err := l.runKey(runID)
	if err != nil {
		return err
	}
	p := awss3.NewListObjectsV2Paginator(l.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket), Prefix: aws.String(base),
	})
	var keys []string
	manifest := false
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3: remove run %s: list: %w", runID, describe(err))
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); k == base+lakeManifest {
				manifest = true
			} else {
				keys = append(keys, k)
			}
		}
	}
	if manifest {
		keys = append(keys, base+lakeManifest)
	}
	if err := l.delete(ctx, keys); err != nil {
		return fmt.Errorf("s3: remove run %s: %w", runID, err)
	}
	return nil
}

// delete removes keys in order, up to maxDeleteKeys per request.
func (l *Lake) delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), maxDeleteKeys)
		objs := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			objs[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := l.client.DeleteObjects(ctx, &awss3.DeleteObjectsInput{
			Bucket: aws.String(l.bucket), Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete: %w", describe(err))
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s: %s", l.location(aws.ToString(e.Key)), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		keys = keys[n:]
	}
	return nil
}

// get reads a small object whole; a missing key wraps animetl.ErrNotFound.
func (l *Lake) get(ctx context.Context, key string) ([]byte, error) {
	out, err := l.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)})
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return nil, fmt.Errorf("s3: %s: %w", l.location(key), animetl.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", l.location(key), describe(err))
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", l.location(key), err)
	}
	return b, nil
}
