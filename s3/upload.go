package s3

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Upload copies a local file to name under the prefix, in parallel
// multipart uploads for big files. A failed upload leaves no object behind
// (the SDK aborts the multipart upload).
func (s *Source) Upload(ctx context.Context, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("s3: upload: %w", err)
	}
	defer f.Close()
	key := s.prefix + name
	if err := uploadObject(ctx, s.client, s.bucket, key, f); err != nil {
		return fmt.Errorf("s3: upload %s: %w", s.location(key), describe(err))
	}
	return nil
}

// uploadObject puts body at key through the transfer manager: one PUT for
// a small body, parallel 16 MiB parts for a big one.
func uploadObject(ctx context.Context, client *awss3.Client, bucket, key string, body io.Reader) error {
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.PartSizeBytes = 16 << 20
	})
	_, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: body,
	})
	return err
}
