package s3

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
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
	tm := transfermanager.New(s.client, func(o *transfermanager.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.PartSizeBytes = 16 << 20
	})
	key := s.prefix + name
	if _, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), Body: f,
	}); err != nil {
		return fmt.Errorf("s3: upload %s: %w", s.location(key), describe(err))
	}
	return nil
}
