package s3

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/ranged"
)

// object is an open object: a parallel range reader pinned to one version.
type object struct {
	*ranged.Reader
	info animetl.FileInfo
}

// Described returns the ETag and version id the read is pinned to.
func (o *object) Described() animetl.FileInfo { return o.info }

// noRetry leaves the retrying of ranges to the range reader, which also
// resumes broken bodies.
func noRetry(o *awss3.Options) { o.RetryMaxAttempts = 1 }

// Open heads the object, then streams it in parallel ranges. Every range
// asks for the version id seen by the head (or, in unversioned buckets,
// carries If-Match with its ETag), so an object replaced mid-read fails
// instead of mixing two versions.
func (s *Source) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	key := s.prefix + name
	head, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("s3: head %s: %w", s.location(key), describe(err))
	}
	size := aws.ToInt64(head.ContentLength)
	etag := aws.ToString(head.ETag)
	version := aws.ToString(head.VersionId)
	if version == "null" { // unversioned bucket
		version = ""
	}
	fetch := func(ctx context.Context, off, end int64) (io.ReadCloser, error) {
		in := &awss3.GetObjectInput{
			Bucket: aws.String(s.bucket), Key: aws.String(key),
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1)),
		}
		if version != "" {
			in.VersionId = aws.String(version)
		} else if etag != "" {
			in.IfMatch = aws.String(etag)
		}
		out, err := s.client.GetObject(ctx, in, noRetry)
		if err != nil {
			err = fmt.Errorf("get %s: %w", s.location(key), describe(err))
			if permanent(err) {
				return nil, ranged.Permanent(err)
			}
			return nil, err
		}
		if total, ok := contentRangeTotal(aws.ToString(out.ContentRange)); ok && total != size {
			out.Body.Close()
			return nil, ranged.Permanent(fmt.Errorf("get %s: the object is %d bytes now, %d when opened: it changed during the read", s.location(key), total, size))
		}
		return out.Body, nil
	}
	opts := s.opts.Ranged
	opts.OnRetry = func(off int64, attempt int, err error) {
		s.log.Warn("retrying a range", animetl.LogFile, name, "offset", off, "attempt", attempt, animetl.LogError, err)
	}
	return &object{
		Reader: ranged.NewReader(ctx, size, fetch, opts),
		info:   animetl.FileInfo{Name: name, Location: s.location(key), Size: size, ETag: strings.Trim(etag, `"`), Version: version},
	}, nil
}

// contentRangeTotal reads the total of "bytes 0-99/1234".
func contentRangeTotal(cr string) (int64, bool) {
	i := strings.LastIndexByte(cr, '/')
	if i < 0 || cr[i+1:] == "*" {
		return 0, false
	}
	n, err := strconv.ParseInt(cr[i+1:], 10, 64)
	return n, err == nil
}
