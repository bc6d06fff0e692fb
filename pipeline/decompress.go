package pipeline

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// codec is how a source file is stored: plain, gzip or zstd.
type codec string

const (
	codecNone codec = ""
	codecGzip codec = "gzip"
	codecZstd codec = "zstd"
)

// splitCodec returns the name a file is read as (without a compression
// ending) and its codec: "anime.csv.gz" is anime.csv stored as gzip.
func splitCodec(name string) (string, codec) {
	switch {
	case strings.HasSuffix(name, ".gz"):
		return strings.TrimSuffix(name, ".gz"), codecGzip
	case strings.HasSuffix(name, ".zst"):
		return strings.TrimSuffix(name, ".zst"), codecZstd
	}
	return name, codecNone
}

// decompress returns a reader of the decompressed bytes of r, which holds
// file as stored. Reading it reads r to its end, so the bytes counted and
// hashed below it are the whole stored object. A stream that is not valid
// gzip or zstd, or ends early, fails with an error naming file; errors of r
// itself pass through as they are.
func decompress(file string, c codec, r io.Reader) (io.ReadCloser, error) {
	src := &errMark{r: r}
	var dr io.ReadCloser
	switch c {
	case codecNone:
		return io.NopCloser(r), nil
	case codecGzip:
		// Decompression of one gzip stream is sequential; the list decoder
		// parses what it yields in parallel.
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, corrupt(file, c, src, err)
		}
		dr = zr
	case codecZstd:
		// zstd decodes blocks ahead in its own goroutines.
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(min(4, runtime.GOMAXPROCS(0))),
			zstd.WithDecoderLowmem(false))
		if err != nil {
			return nil, corrupt(file, c, src, err)
		}
		dr = zr.IOReadCloser()
	default:
		return nil, fmt.Errorf("%s: unknown compression %q", file, c)
	}
	return &decompressed{file: file, c: c, src: src, r: dr}, nil
}

// decompressed names the file in the errors of the decompressor.
type decompressed struct {
	file string
	c    codec
	src  *errMark
	r    io.ReadCloser
}

func (d *decompressed) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = corrupt(d.file, d.c, d.src, err)
	}
	return n, err
}

func (d *decompressed) Close() error { return d.r.Close() }

// corrupt wraps an error of the decompressor. The error of the stored
// bytes' reader (the source failing, the run cancelled) is returned as it
// is; anything else is the data's fault.
func corrupt(file string, c codec, src *errMark, err error) error {
	last := src.last()
	if last != nil && last != io.EOF && errors.Is(err, last) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || (last == io.EOF && err == io.EOF) {
		return fmt.Errorf("%s: not valid %s data: the stream ends early: %w", file, c, err)
	}
	return fmt.Errorf("%s: not valid %s data: %w", file, c, err)
}

// errMark remembers the last error of the reader below a decompressor,
// which may read it from its own goroutine.
type errMark struct {
	r   io.Reader
	mu  sync.Mutex
	err error
}

func (m *errMark) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil {
		m.mu.Lock()
		m.err = err
		m.mu.Unlock()
	}
	return n, err
}

func (m *errMark) last() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}
