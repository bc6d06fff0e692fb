package dataset

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func utf16Bytes(s string, big, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 2*len(units))
	for i, u := range units {
		if big {
			binary.BigEndian.PutUint16(out[2*i:], u)
		} else {
			binary.LittleEndian.PutUint16(out[2*i:], u)
		}
	}
	return out
}

// textBuf is the buffer of openText in tests: small, so files span many fills.
const textBuf = 64

func readText(t *testing.T, in []byte, oneByte bool) string {
	t.Helper()
	var r io.Reader = bytes.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r) // CRs at the edge of every read
	}
	br, err := openText(r, textBuf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"LF untouched", []byte("a,b\n1,2\n"), "a,b\n1,2\n"},
		{"CRLF untouched", []byte("a,b\r\n1,2\r\n"), "a,b\r\n1,2\r\n"},
		{"lone CR in a field of an LF file kept", []byte("a,b\n1,\"x\ry\"\n"), "a,b\n1,\"x\ry\"\n"},
		{"CR-only", []byte("a,b\r1,2\r3,4"), "a,b\n1,2\n3,4"},
		{"CR-only, quoted line break", []byte("a,b\r1,\"x\ry\"\r"), "a,b\n1,\"x\ny\"\n"},
		{"CR-only with a stray CRLF", []byte("a,b\r1,2\r\n3,4\r"), "a,b\n1,2\r\n3,4\n"},
		{"CR-only, blank line", []byte("a\r\r1\r"), "a\n\n1\n"},
		{"UTF-8 BOM untouched", []byte("\xEF\xBB\xBFa,b\n"), "\xEF\xBB\xBFa,b\n"},
		{"UTF-16LE BOM", utf16Bytes("a,b\n1,é\n", false, true), "a,b\n1,é\n"},
		{"UTF-16BE BOM", utf16Bytes("a,b\n1,é\n", true, true), "a,b\n1,é\n"},
		{"UTF-16LE no BOM", utf16Bytes("MAL_ID,Name\n1,銀河\n", false, false), "MAL_ID,Name\n1,銀河\n"},
		{"UTF-16BE no BOM, CR-only", utf16Bytes("MAL_ID,Name\r1,x\r", true, false), "MAL_ID,Name\n1,x\n"},
		{"UTF-32LE BOM untouched", []byte("\xFF\xFE\x00\x00a\x00\x00\x00"), "\xFF\xFE\x00\x00a\x00\x00\x00"},
		{"NUL in UTF-8 text untouched", []byte("a,\x00b,c\n"), "a,\x00b,c\n"},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			if got := readText(t, tc.in, oneByte); got != tc.want {
				t.Errorf("%s (one byte reads %v): got %q, want %q", tc.name, oneByte, got, tc.want)
			}
		}
	}
}

// FuzzCROnly checks that an LF file saved with CR-only line ends reads back
// as the LF file, whatever its content and read sizes.
func FuzzCROnly(f *testing.F) {
	f.Add("a,b\n1,\"x\ny\"\n\n2,3", false)
	f.Add("h\n", true)
	f.Fuzz(func(t *testing.T, s string, oneByte bool) {
		s = strings.ReplaceAll(s, "\r", "")
		if i := strings.IndexByte(s, '\n'); i < 0 || i >= textBuf-1 {
			return // one line, or a first line beyond the sniffed start: nothing says CR-only
		}
		if utf16Decoder([]byte(s)) != nil {
			return // looks like UTF-16: transcoded, not compared
		}
		if got := readText(t, []byte(strings.ReplaceAll(s, "\n", "\r")), oneByte); got != s {
			t.Errorf("got %q, want %q", got, s)
		}
	})
}
