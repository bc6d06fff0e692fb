package pipeline

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func TestDecompress(t *testing.T) {
	text := []byte(strings.Repeat("user_id,anime_id,score\n1,2,3\n", 5000))
	gz, zs := gzipped(t, text), zstded(t, text)
	failing := errors.New("connection reset")
	tests := []struct {
		name   string
		file   string
		stored io.Reader
		want   string // part of the error; empty for success
		cause  error  // the error must wrap this
	}{
		{"plain", "a.csv", bytes.NewReader(text), "", nil},
		{"gzip", "a.csv.gz", bytes.NewReader(gz), "", nil},
		{"two gzip members", "a.csv.gz", io.MultiReader(bytes.NewReader(gzipped(t, text[:100])), bytes.NewReader(gzipped(t, text[100:]))), "", nil},
		{"zstd", "a.csv.zst", bytes.NewReader(zs), "", nil},
		{"not gzip", "a.csv.gz", bytes.NewReader(text), "a.csv.gz: not valid gzip data", nil},
		{"empty gzip", "a.csv.gz", bytes.NewReader(nil), "a.csv.gz: not valid gzip data: the stream ends early", nil},
		{"cut gzip", "a.csv.gz", bytes.NewReader(gz[:len(gz)/2]), "a.csv.gz: not valid gzip data: the stream ends early", nil},
		{"flipped gzip", "a.csv.gz", bytes.NewReader(flip(gz)), "a.csv.gz: not valid gzip data", nil},
		{"not zstd", "a.csv.zst", bytes.NewReader(text), "a.csv.zst: not valid zstd data", nil},
		{"cut zstd", "a.csv.zst", bytes.NewReader(zs[:len(zs)/2]), "a.csv.zst: not valid zstd data", nil},
		{"the source fails", "a.csv.gz", io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), iotestErr(failing)), "connection reset", failing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := splitCodec(tc.file)
			got, err := func() ([]byte, error) {
				r, err := decompress(tc.file, c, tc.stored)
				if err != nil {
					return nil, err
				}
				defer r.Close()
				return io.ReadAll(r)
			}()
			if tc.want == "" {
				if err != nil || !bytes.Equal(got, text) {
					t.Fatalf("read %d bytes, %v; want the text", len(got), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("err = %v does not wrap %v", err, tc.cause)
			}
			if tc.cause == nil && strings.Contains(err.Error(), "connection") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// flip corrupts the middle of a compressed stream.
func flip(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 3; i < len(c)/3+16; i++ {
		c[i] ^= 0xff
	}
	return c
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func iotestErr(err error) io.Reader { return errReader{err} }
