package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/animetl/animetl"
)

// countingReader hashes and counts the bytes a decoder reads, so the run can
// record the checksum of exactly what it loaded and report progress.
type countingReader struct {
	r    io.Reader
	h    hash.Hash
	n    atomic.Int64
	tick func(n int64)
}

func newCountingReader(r io.Reader, tick func(n int64)) *countingReader {
	return &countingReader{r: r, h: sha256.New(), tick: tick}
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.h.Write(p[:n])
		total := c.n.Add(int64(n))
		if c.tick != nil {
			c.tick(total)
		}
	}
	return n, err
}

// Checksum returns "sha256:<hex>" of the bytes read so far.
func (c *countingReader) Checksum() string {
	return "sha256:" + hex.EncodeToString(c.h.Sum(nil))
}

// openCounted opens fl's file, records the ETag and version the source
// described as it opened it, and wraps it in a countingReader that reports
// progress. The caller closes rc.
func openCounted(ctx context.Context, cfg Config, fl *animetl.FileLoad) (io.ReadCloser, *countingReader, error) {
	name := fl.Info.Name
	rc, err := cfg.Source.Open(ctx, fl.Info)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	if d, ok := rc.(animetl.Described); ok {
		got := d.Described()
		if got.ETag != "" {
			fl.Info.ETag = got.ETag
		}
		if got.Version != "" {
			fl.Info.Version = got.Version
		}
	}
	var tick func(int64)
	if cfg.Progress != nil {
		tick = func(n int64) { cfg.Progress(Progress{File: name, Bytes: n, Size: fl.Info.Size}) }
	}
	return rc, newCountingReader(rc, tick), nil
}
