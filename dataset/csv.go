// Package dataset decodes the four source files of the Anime Recommendation
// Database 2020 layout into typed, cleaned records. It streams, maps columns
// by header name (both the public layout and the pandas-indexed one), and
// turns every line it cannot decode or clean into an animetl.RowError instead
// of failing. The decoders read UTF-8 (with or without BOM) and UTF-16 text
// with LF, CRLF or CR-only line ends. It does no I/O of its own beyond the
// reader it is given, and it does not log.
package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRecordBytes bounds one CSV record. A quoted field that is still
// open after this many bytes is treated as an unterminated quote: the first
// line is rejected and parsing resumes on the next one, so a stray quote
// cannot swallow the rest of a file.
const DefaultMaxRecordBytes = 1 << 20

// Problems a Reader reports on malformed records. They become reject reasons.
const (
	ProblemBlank        = "blank line"
	ProblemUnterminated = "unterminated quoted field"
	ProblemAfterQuote   = "unexpected character after closing quote"
	ProblemTooLong      = "line too long"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// readerBufSize is the read buffer of a Reader.
const readerBufSize = 256 << 10

// Record is one CSV record. Its slices stay valid until the next call of Next.
type Record struct {
	// Line is the physical line the record starts on (1 is the header).
	Line int64
	// Raw is the record's text without its final line terminator.
	Raw []byte
	// Fields are the unquoted field values.
	Fields [][]byte
	// Problem is non-empty when the record is malformed; Fields are then
	// unreliable and the record must be rejected with Problem as reason.
	Problem string
}

type physLine struct {
	n       int64
	b       []byte
	tooLong bool
}

// Reader reads RFC 4180 CSV leniently and fast: it strips a UTF-8 BOM,
// accepts LF and CRLF line endings and a missing final newline, keeps quotes
// that appear inside unquoted fields, spans quoted fields over lines, and
// reports blank lines and broken quoting as records with a Problem rather than
// as errors. The only errors it returns are I/O errors and io.EOF.
type Reader struct {
	// MaxRecordBytes bounds a record; see DefaultMaxRecordBytes.
	MaxRecordBytes int
	// FieldsPerRecord, when positive, is the field count a record must have
	// for a quoted field spanning lines to be believed; a multi-line record
	// of another count is treated as an unterminated quote. Single-line
	// records are returned whatever their count.
	FieldsPerRecord int
	// SingleLine makes every record one physical line: a quoted field still
	// open at the end of a line is an unterminated quote (the line is
	// rejected). Files whose fields never hold line breaks (the user lists)
	// use it, which also lets them be cut into blocks and parsed in parallel.
	SingleLine bool

	br       *bufio.Reader
	nextLine int64
	eof      bool
	pending  []physLine // lines to re-read after a broken record

	rec    Record
	long   []byte     // line assembly when a line exceeds the bufio buffer
	raw    []byte     // raw text of a multi-line record
	val    []byte     // unquoted field bytes of the slow path
	ends   []int      // field end offsets into val
	fields [][]byte   // reused Fields slice
	lines  []physLine // owned copies of a multi-line record's lines
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return NewReaderAt(r, 1)
}

// NewReaderAt returns a Reader over a part of a file whose first line is
// line number first. Only line 1 can carry a byte order mark.
func NewReaderAt(r io.Reader, first int64) *Reader {
	return &Reader{
		MaxRecordBytes: DefaultMaxRecordBytes,
		br:             bufio.NewReaderSize(r, readerBufSize),
		nextLine:       first,
	}
}

// resetAt makes r read src from its start, numbering its first line
// first, as a new Reader would, keeping r's buffers.
func (r *Reader) resetAt(src io.Reader, first int64) {
	r.br.Reset(src)
	r.nextLine, r.eof, r.pending = first, false, nil
}

// Next returns the next record, or io.EOF after the last one.
func (r *Reader) Next() (*Record, error) {
	line, n, tooLong, err := r.readLine()
	if err != nil {
		return nil, err
	}
	r.rec = Record{Line: n, Raw: line}
	switch {
	case tooLong:
		r.rec.Problem = fmt.Sprintf("%s (over %d bytes)", ProblemTooLong, r.MaxRecordBytes)
		return &r.rec, nil
	case len(line) == 0:
		r.rec.Problem = ProblemBlank
		return &r.rec, nil
	case bytes.IndexByte(line, '"') < 0:
		r.fields = splitFields(r.fields[:0], line)
		r.rec.Fields = r.fields
		return &r.rec, nil
	}
	return r.slowRecord(line, n)
}

// splitFields splits an unquoted line on commas.
func splitFields(dst [][]byte, line []byte) [][]byte {
	for {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// Parser states of the slow path.
const (
	stFieldStart = iota
	stUnquoted
	stQuoted
	stQuoteSeen
)

// slowRecord parses a line with quotes, pulling more lines while a quoted
// field is open.
// copyTo appends the bytes of line from i up to the next stop byte to the
// field value in one step, and returns the stop byte's index and true, or
// len(line) and false when the line holds none.
func (r *Reader) copyTo(line []byte, i int, stop byte) (int, bool) {
	j := bytes.IndexByte(line[i:], stop)
	if j < 0 {
		r.val = append(r.val, line[i:]...)
		return len(line), false
	}
	r.val = append(r.val, line[i:i+j]...)
	return i + j, true
}

func (r *Reader) slowRecord(first []byte, n int64) (*Record, error) {
	r.val = r.val[:0]
	r.ends = r.ends[:0]
	r.lines = r.lines[:0]
	problem := ""
	state := stFieldStart
	line := first
	multi := false
	size := 0
	for {
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch state {
			case stFieldStart:
				switch c {
				case '"':
					state = stQuoted
				case ',':
					r.ends = append(r.ends, len(r.val))
				default:
					r.val = append(r.val, c)
					state = stUnquoted
				}
			case stUnquoted:
				var found bool
				if i, found = r.copyTo(line, i, ','); found {
					r.ends = append(r.ends, len(r.val))
					state = stFieldStart
				}
			case stQuoted:
				var found bool
				if i, found = r.copyTo(line, i, '"'); found {
					state = stQuoteSeen
				}
			case stQuoteSeen:
				switch c {
				case '"':
					r.val = append(r.val, '"')
					state = stQuoted
				case ',':
					r.ends = append(r.ends, len(r.val))
					state = stFieldStart
				default:
					if problem == "" {
						problem = ProblemAfterQuote
					}
					r.val = append(r.val, c)
					state = stUnquoted
				}
			}
		}
		size += len(line) + 1
		if state != stQuoted {
			break
		}
		// A quoted field is open at the end of the line: it spans lines.
		if r.SingleLine {
			r.rec = Record{Line: n, Raw: first, Problem: ProblemUnterminated}
			return &r.rec, nil
		}
		if !multi {
			multi = true
			r.lines = append(r.lines, physLine{n: n, b: append([]byte(nil), first...)})
		}
		next, nn, tooLong, err := r.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if err != nil || tooLong || size+len(next) > r.MaxRecordBytes {
			if err == nil {
				r.lines = append(r.lines, physLine{n: nn, b: append([]byte(nil), next...), tooLong: tooLong})
			}
			return r.broken(), nil
		}
		r.lines = append(r.lines, physLine{n: nn, b: append([]byte(nil), next...)})
		r.val = append(r.val, '\n')
		line = r.lines[len(r.lines)-1].b
	}
	r.ends = append(r.ends, len(r.val))
	if multi && (problem != "" || (r.FieldsPerRecord > 0 && len(r.ends) != r.FieldsPerRecord)) {
		// A field that spans lines and then breaks, or ends in a record of
		// the wrong shape, was most likely opened by a stray quote: reject
		// the first line and resync on the next one.
		return r.broken(), nil
	}
	r.fields = r.fields[:0]
	start := 0
	for _, end := range r.ends {
		r.fields = append(r.fields, r.val[start:end:end])
		start = end
	}
	r.rec = Record{Line: n, Fields: r.fields, Problem: problem}
	if multi {
		r.raw = r.raw[:0]
		for i, pl := range r.lines {
			if i > 0 {
				r.raw = append(r.raw, '\n')
			}
			r.raw = append(r.raw, pl.b...)
		}
		r.rec.Raw = r.raw
	} else {
		r.rec.Raw = first
	}
	return &r.rec, nil
}

// broken rejects the first line of an unterminated multi-line record and
// queues the lines after it to be parsed again as records of their own.
func (r *Reader) broken() *Record {
	first := r.lines[0]
	rest := r.lines[1:]
	pending := make([]physLine, 0, len(rest)+len(r.pending))
	pending = append(pending, rest...)
	pending = append(pending, r.pending...)
	r.pending = pending
	r.rec = Record{Line: first.n, Raw: first.b, Problem: ProblemUnterminated}
	return &r.rec
}

// readLine returns the next physical line without its terminator (LF or
// CRLF), its line number, and whether it was cut at MaxRecordBytes.
func (r *Reader) readLine() ([]byte, int64, bool, error) {
	if len(r.pending) > 0 {
		pl := r.pending[0]
		r.pending = r.pending[1:]
		return pl.b, pl.n, pl.tooLong, nil
	}
	if r.eof {
		return nil, 0, false, io.EOF
	}
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Keep up to MaxRecordBytes plus a CRLF, skip the rest of the line.
		r.long = append(r.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.br.ReadSlice('\n')
			if len(r.long) <= r.MaxRecordBytes+1 {
				r.long = append(r.long, b...)
			}
		}
		b = r.long
	}
	switch {
	case errors.Is(err, io.EOF):
		r.eof = true
		if len(b) == 0 {
			return nil, 0, false, io.EOF
		}
	case err != nil:
		return nil, 0, false, fmt.Errorf("read line %d: %w", r.nextLine, err)
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	tooLong := len(b) > r.MaxRecordBytes
	if tooLong {
		b = b[:r.MaxRecordBytes]
	}
	n := r.nextLine
	r.nextLine++
	if n == 1 {
		b = bytes.TrimPrefix(b, bom)
	}
	return b, n, tooLong, nil
}
