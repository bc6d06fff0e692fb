package synth

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// writeBufferSize is the size of the buffered writer in front of each file.
const writeBufferSize = 1 << 20

// recordWriter writes CSV lines the way pandas' to_csv does (QUOTE_MINIMAL,
// "\n" line ends) through one reused buffer, adds the index column of the
// indexed layout and counts records, lines and bytes.
type recordWriter struct {
	bw      *bufio.Writer
	indexed bool
	index   int64 // next value of the index column
	buf     []byte
	records int64
	lines   int64
	bytes   int64
}

// newRecordWriter returns a recordWriter writing to w in layout.
func newRecordWriter(w io.Writer, layout Layout) *recordWriter {
	return &recordWriter{
		bw:      bufio.NewWriterSize(w, writeBufferSize),
		indexed: layout == LayoutIndexed,
		buf:     make([]byte, 0, 4096),
	}
}

// header writes the header line; the indexed layout gets an empty first name.
// It counts bytes but no record.
func (w *recordWriter) header(names string) error {
	b := w.buf[:0]
	if w.indexed {
		b = append(b, ',')
	}
	b = append(b, names...)
	b = append(b, '\n')
	w.buf = b
	return w.raw(b)
}

// begin starts a record in the reused buffer, with its index column when the
// layout has one, and returns the buffer to append fields to.
func (w *recordWriter) begin() []byte {
	b := w.buf[:0]
	if w.indexed {
		b = strconv.AppendInt(b, w.index, 10)
		b = append(b, ',')
		w.index++
	}
	return b
}

// end terminates the record in b with "\n" and writes it as one record of
// one line. Callers whose fields may hold newlines use endMultiline.
func (w *recordWriter) end(b []byte) error {
	b = append(b, '\n')
	w.buf = b
	w.records++
	w.lines++
	return w.raw(b)
}

// endMultiline is end for records whose quoted fields may hold newlines.
func (w *recordWriter) endMultiline(b []byte) error {
	w.lines += int64(bytes.Count(b, []byte{'\n'}))
	return w.end(b)
}

// blank writes an empty line: one record without an index column.
func (w *recordWriter) blank() error {
	w.records++
	w.lines++
	return w.raw([]byte{'\n'})
}

// raw writes b as it is and counts its bytes.
func (w *recordWriter) raw(b []byte) error {
	n, err := w.bw.Write(b)
	w.bytes += int64(n)
	return err
}

// flush writes out what the buffer holds.
func (w *recordWriter) flush() error { return w.bw.Flush() }

// appendField appends s as one CSV field, quoted with inner quotes doubled
// when it holds a comma, a quote, CR or LF (Python's QUOTE_MINIMAL).
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendFields appends fields separated by commas, each with appendField.
func appendFields(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, f)
	}
	return b
}

// floatCount formats a count as pandas writes an integer column that held
// NaN: float text such as "229170.0".
func floatCount(n int64) string { return strconv.FormatInt(n, 10) + ".0" }

// hundredths formats a value in hundredths as pandas writes a float64 read
// from two-decimal text: 878 is "8.78", 790 is "7.9", 800 is "8.0".
func hundredths(h int64) string {
	s := strconv.FormatInt(h/100, 10) + "."
	switch c := h % 100; {
	case c == 0:
		return s + "0"
	case c%10 == 0:
		return s + strconv.FormatInt(c/10, 10)
	case c < 10:
		return s + "0" + strconv.FormatInt(c, 10)
	default:
		return s + strconv.FormatInt(c, 10)
	}
}
