package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync/atomic"
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
