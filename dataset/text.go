package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffBytes is how much of a file's start openText looks at.
const sniffBytes = 64 << 10

// openText returns a buffered reader of a whole file's text as UTF-8 with LF
// (or CRLF) line ends, whatever the file was saved as:
//
//   - UTF-16, little or big endian, is transcoded to UTF-8. It is recognised
//     by its byte order mark, or without one by the NUL high bytes of the
//     header's ASCII column names.
//   - Old-Mac CR-only line ends are read as LF. A file uses them when its
//     first line ends with a CR not followed by LF; then every lone CR is a
//     line end (inside a quoted field too, as the Reader turns a quoted
//     line break into LF anyway) and CRLF stays CRLF. A file whose first
//     line ends in LF or CRLF is left alone, lone CRs in its fields included.
//
// Anything else (UTF-8, with or without BOM, or unknown bytes) passes
// through untouched at no cost beyond the buffer. The only error is a read
// error at the start of the file.
func openText(r io.Reader, size int) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, size)
	head, err := peek(br)
	if err != nil {
		return nil, err
	}
	if dec := utf16Decoder(head); dec != nil {
		br = bufio.NewReaderSize(transform.NewReader(br, dec.NewDecoder()), size)
		if head, err = peek(br); err != nil {
			return nil, err
		}
	}
	if crOnly(head) {
		br = bufio.NewReaderSize(&crReader{br: br}, size)
	}
	return br, nil
}

// peek returns the start of br's input without consuming it.
func peek(br *bufio.Reader) ([]byte, error) {
	head, err := br.Peek(min(sniffBytes, br.Size()))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	return head, nil
}

// utf16Decoder returns the encoding of a UTF-16 file start, nil for others.
func utf16Decoder(head []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	// Without a BOM: the header's column names are ASCII, so UTF-16 puts a
	// NUL in every other byte, which UTF-8 text never does.
	n := min(len(head), 32) &^ 1
	if n < 4 {
		return nil
	}
	le, be := true, true
	for i := 0; i < n; i += 2 {
		lo, hi := head[i], head[i+1]
		if i >= 4 && (lo == 0 && (hi == '\n' || hi == '\r') || hi == 0 && (lo == '\n' || lo == '\r')) {
			break // the end of the first line: the data after it may be any text
		}
		le = le && lo != 0 && hi == 0
		be = be && lo == 0 && hi != 0
	}
	switch {
	case le:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case be:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return nil
}

// crOnly reports whether a file's first line ends with a lone CR.
func crOnly(head []byte) bool {
	i := bytes.IndexAny(head, "\r\n")
	return i >= 0 && head[i] == '\r' && (i+1 == len(head) || head[i+1] != '\n')
}

// crReader turns every CR not followed by LF into LF.
type crReader struct {
	br *bufio.Reader
}

func (c *crReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\r')
		if j < 0 {
			break
		}
		i += j
		switch {
		case i+1 < n:
			if p[i+1] != '\n' {
				p[i] = '\n'
			}
		default: // the last byte read: look at the next one
			if next, _ := c.br.Peek(1); len(next) == 0 || next[0] != '\n' {
				p[i] = '\n'
			}
		}
		i++
	}
	return n, err
}
