package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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

// Open heads the object f describes, then streams it in parallel ranges.
// The head carries If-Match with f's ETag, the one its listing saw, so an
// object replaced since that listing fails here, naming it, instead of being
// read while the run records the listed ETag; and an object whose size is
// not f's fails too. A FileInfo without an ETag (and Size -1) is pinned to
// what the head finds. Every range asks for the version id the head returned
// (or, in unversioned buckets, carries If-Match with the ETag), so an object
// replaced mid-read fails instead of mixing two versions.
func (s *Source) Open(ctx context.Context, f animetl.FileInfo) (io.ReadCloser, error) {
	name := f.Name
	key := s.prefix + name
	in := &awss3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}
	if f.ETag != "" {
		in.IfMatch = aws.String(`"` + f.ETag + `"`)
	}
	var head *awss3.HeadObjectOutput
	err := s.do(ctx, name, func(ctx context.Context) (err error) {
		head, err = s.client.HeadObject(ctx, in, noRetry)
		return classify(describe(err))
	})
	var re *awshttp.ResponseError
	switch {
	case err != nil && in.IfMatch != nil && errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed:
		return nil, fmt.Errorf("s3: open %s: the object changed since it was listed with ETag %s: %w", s.location(key), f.ETag, err)
	case err != nil:
		return nil, fmt.Errorf("s3: head %s: %w", s.location(key), err)
	}
	size := aws.ToInt64(head.ContentLength)
	etag := aws.ToString(head.ETag)
	if f.Size >= 0 && size != f.Size {
		return nil, fmt.Errorf("s3: open %s: the object is %d bytes now, %d when listed: it changed since it was listed", s.location(key), size, f.Size)
	}
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
			return nil, classify(fmt.Errorf("get %s: %w", s.location(key), describe(err)))
		}
		// A store may answer a range that is the whole object with all of it.
		if cr := aws.ToString(out.ContentRange); cr != "" || off != 0 || end != size {
			if _, err := ranged.CheckContentRange(cr, off, end, size); err != nil {
				out.Body.Close()
				return nil, fmt.Errorf("get %s: %w", s.location(key), err)
			}
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
