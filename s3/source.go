// Package s3 is the Source of an S3 bucket prefix (AWS or any S3-compatible
// store: MinIO, Ceph, R2, moto), through aws-sdk-go-v2.
//
// Credentials and region come from the standard AWS chain (environment,
// shared profile, SSO, instance or task role). Public buckets are read
// anonymously when asked, or automatically when the chain has no
// credentials. AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL, or
// Options.Endpoint) points at an S3-compatible store; path-style addressing
// is used automatically for IP and localhost endpoints. Objects stream in
// parallel byte ranges pinned to the ETag the listing saw (and the version
// id, in versioned buckets), with retries that resume a broken range where
// it broke. Lake is the same bucket access as a Parquet lake's store
// (`animetl export --out s3://...`, `run --lake s3://...`).
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

var _ animetl.Source = (*Source)(nil)

// Options configure an S3 source. Zero values take the defaults.
type Options struct {
	// Region overrides the chain's region. When neither gives one, the
	// bucket's region is asked of S3 (us-east-1 for custom endpoints).
	Region string
	// Endpoint is an S3-compatible endpoint URL; empty uses
	// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS itself.
	Endpoint string
	// PathStyle forces path-style addressing (bucket in the path), which
	// most S3-compatible stores need. It is on automatically for IP and
	// localhost endpoints.
	PathStyle bool
	// Anonymous sends unsigned requests, for public buckets.
	Anonymous bool
	// Ranged tunes the parallel range reader (part size, concurrency) and
	// the retry policy of every request: listing pages, heads, ranges, and
	// (through the SDK's retryer) uploads.
	Ranged ranged.Options
	// HTTPClient replaces the SDK's HTTP client (tests).
	HTTPClient *http.Client
	// Logger receives retries and the anonymous fallback; nil discards them.
	Logger *slog.Logger
}

// Source is a bucket prefix. It holds only its configuration and client: it
// is safe for concurrent use and keeps nothing from one listing to the next.
type Source struct {
	bucket, prefix string
	client         *awss3.Client
	opts           Options
	log            *slog.Logger
}

// ParseURL splits s3://bucket/prefix into the bucket and the prefix, which
// ends with a slash unless empty.
func ParseURL(raw string) (bucket, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", fmt.Errorf("s3: %q: want s3://bucket/prefix: %w", raw, animetl.ErrConfig)
	}
	prefix = strings.TrimPrefix(u.Path, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return u.Host, prefix, nil
}

// New returns the source of an s3://bucket/prefix URL. It resolves
// credentials (falling back to anonymous access when there are none) and the
// bucket's region, but lists nothing yet.
func New(ctx context.Context, rawURL string, opts Options) (*Source, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	client, log, err := newClient(ctx, bucket, &opts)
	if err != nil {
		return nil, err
	}
	return &Source{bucket: bucket, prefix: prefix, client: client, opts: opts, log: log}, nil
}

// endpointURL is the custom endpoint in effect, if any.
func endpointURL(opts *Options) string {
	for _, e := range []string{opts.Endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")} {
		if e != "" {
			return e
		}
	}
	return ""
}

// localEndpoint reports whether an endpoint is an IP address or localhost,
// where virtual-hosted bucket names cannot resolve.
func localEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil
}

func newClient(ctx context.Context, bucket string, opts *Options) (*awss3.Client, *slog.Logger, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	log = log.With(animetl.LogComponent, "s3")
	opts.Ranged = opts.Ranged.WithDefaults()
	policy := opts.Ranged.Policy
	loads := []func(*config.LoadOptions) error{
		// S3-compatible stores reject the CRC checksums the SDK adds by default.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		// Reads retry under the policy themselves (see noRetry); the SDK's
		// retryer follows it for what reads do not cover: uploads and the
		// region lookup.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = policy.MaxAttempts
				o.MaxBackoff = policy.MaxDelay
				o.Backoff = retry.BackoffDelayerFunc(func(n int, _ error) (time.Duration, error) { return policy.Backoff(n), nil })
				// A burst of throttling must not exhaust a retry budget.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if opts.Region != "" {
		loads = append(loads, config.WithRegion(opts.Region))
	}
	if opts.HTTPClient != nil {
		loads = append(loads, config.WithHTTPClient(opts.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	anonymous := opts.Anonymous
	if !anonymous {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := cfg.Credentials.Retrieve(cctx)
		cancel()
		if err != nil {
			log.Info("no AWS credentials found; reading the bucket anonymously", animetl.LogError, err)
			anonymous = true
		}
	}
	endpoint := endpointURL(opts)
	pathStyle := opts.PathStyle || (endpoint != "" && localEndpoint(endpoint))
	mk := func(region string) *awss3.Client {
		return awss3.NewFromConfig(cfg, func(o *awss3.Options) {
			if opts.Endpoint != "" {
				o.BaseEndpoint = aws.String(opts.Endpoint)
			}
			o.UsePathStyle = pathStyle
			if anonymous {
				o.Credentials = aws.AnonymousCredentials{}
			}
			if region != "" {
				o.Region = region
			}
		})
	}
	if cfg.Region != "" {
		return mk(""), log, nil
	}
	if endpoint != "" {
		return mk("us-east-1"), log, nil
	}
	region, err := bucketRegion(ctx, mk("us-east-1"), bucket)
	if err != nil {
		return nil, nil, err
	}
	return mk(region), log, nil
}

// bucketRegion asks S3 where a bucket lives: HeadBucket answers with the
// region in a header, also when it refuses access.
func bucketRegion(ctx context.Context, c *awss3.Client, bucket string) (string, error) {
	out, err := c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil && out.BucketRegion != nil {
		return *out.BucketRegion, nil
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			return r, nil
		}
	}
	if err == nil {
		return "us-east-1", nil
	}
	return "", fmt.Errorf("s3: find the region of bucket %s (set AWS_REGION): %w", bucket, err)
}

// String returns s3://bucket/prefix.
func (s *Source) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// Client returns the SDK client, for uploads to the same prefix.
func (s *Source) Client() *awss3.Client { return s.client }

func (s *Source) location(key string) string { return "s3://" + s.bucket + "/" + key }

// List returns every object under the prefix, named relative to it, with
// the ETag Open pins the read to.
func (s *Source) List(ctx context.Context) ([]animetl.FileInfo, error) {
	var out []animetl.FileInfo
	p := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix),
	})
	for p.HasMorePages() {
		var page *awss3.ListObjectsV2Output
		err := s.do(ctx, s.String(), func(ctx context.Context) (err error) {
			page, err = p.NextPage(ctx, noRetry)
			return classify(describe(err))
		})
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", s, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			name := strings.TrimPrefix(key, s.prefix)
			if name == "" || strings.HasSuffix(name, "/") {
				continue // the prefix itself or a folder marker
			}
			fi := animetl.FileInfo{
				Name: name, Location: s.location(key), Size: aws.ToInt64(o.Size),
				ETag: strings.Trim(aws.ToString(o.ETag), `"`),
			}
			if o.LastModified != nil {
				fi.ModTime = o.LastModified.UTC()
			}
			out = append(out, fi)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// do runs one request under the retry policy, logging the retries.
func (s *Source) do(ctx context.Context, what string, try func(context.Context) error) error {
	return s.opts.Ranged.Do(ctx, try, func(_ int64, attempt int, err error) {
		s.log.Warn("retrying a request", animetl.LogFile, what, "attempt", attempt, animetl.LogError, err)
	})
}

// noRetry leaves the retrying of a request to the policy, which also
// resumes broken ranges.
func noRetry(o *awss3.Options) { o.RetryMaxAttempts = 1 }

// describe turns SDK errors into short messages with the HTTP status.
func describe(err error) error {
	if err == nil {
		return nil
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("HTTP %d: %w", re.HTTPStatusCode(), err)
	}
	return err
}

// classify marks an S3 error answered with an HTTP failure status with
// ranged.ClassifyStatus. Network errors and timeouts stay transient.
func classify(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
		return ranged.ClassifyStatus(re.HTTPStatusCode(), err)
	}
	return err
}
