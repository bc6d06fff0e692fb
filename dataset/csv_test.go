package dataset

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// rec is a Record copied out of the Reader for comparison.
type rec struct {
	Line    int64
	Fields  []string // nil for a record with a Problem
	Problem string
	Raw     string
}

// readAll reads every record of r, copying them, and checks that line numbers
// strictly increase.
func readAll(tb testing.TB, r *Reader) ([]rec, error) {
	tb.Helper()
	var out []rec
	last := int64(0)
	for {
		got, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if got.Line <= last {
			tb.Fatalf("line %d after line %d", got.Line, last)
		}
		last = got.Line
		c := rec{Line: got.Line, Problem: got.Problem, Raw: string(got.Raw)}
		if got.Problem == "" {
			c.Fields = make([]string, len(got.Fields))
			for i, f := range got.Fields {
				c.Fields[i] = string(f)
			}
		}
		out = append(out, c)
	}
}

func (r rec) String() string {
	return fmt.Sprintf("{%d %q %q %q}", r.Line, r.Problem, r.Raw, r.Fields)
}

func mustReadAll(tb testing.TB, r *Reader) []rec {
	tb.Helper()
	out, err := readAll(tb, r)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	return out
}

func ok(line int64, raw string, fields ...string) rec {
	return rec{Line: line, Raw: raw, Fields: fields}
}

func bad(line int64, raw, problem string) rec {
	return rec{Line: line, Raw: raw, Problem: problem}
}

func TestReader(t *testing.T) {
	const bomText = "\xEF\xBB\xBF"
	tests := []struct {
		name string
		in   string
		want []rec
	}{
		{"empty input", "", nil},
		{"simple", "a,b\n1,2\n", []rec{ok(1, "a,b", "a", "b"), ok(2, "1,2", "1", "2")}},
		{"BOM stripped from first line", bomText + "a,b\n1,2\n", []rec{ok(1, "a,b", "a", "b"), ok(2, "1,2", "1", "2")}},
		{"BOM with quoted header", bomText + "\"a\",b\n", []rec{ok(1, "\"a\",b", "a", "b")}},
		{"BOM after first line kept", "a\n" + bomText + "b\n", []rec{ok(1, "a", "a"), ok(2, bomText+"b", bomText+"b")}},
		{"CRLF", "a,b\r\n1,2\r\n", []rec{ok(1, "a,b", "a", "b"), ok(2, "1,2", "1", "2")}},
		{"CRLF without final newline", "a,b\r\n1,2", []rec{ok(1, "a,b", "a", "b"), ok(2, "1,2", "1", "2")}},
		{"CR only at end of file", "a\r", []rec{ok(1, "a", "a")}},
		{"no final newline", "a,b\n1,2", []rec{ok(1, "a,b", "a", "b"), ok(2, "1,2", "1", "2")}},
		{"no final newline quoted", "a\n\"x,y\"", []rec{ok(1, "a", "a"), ok(2, "\"x,y\"", "x,y")}},
		{"blank lines", "a\n\n1\n\n\n2\n", []rec{
			ok(1, "a", "a"), bad(2, "", ProblemBlank), ok(3, "1", "1"),
			bad(4, "", ProblemBlank), bad(5, "", ProblemBlank), ok(6, "2", "2"),
		}},
		{"trailing blank line", "a\n1\n\n", []rec{ok(1, "a", "a"), ok(2, "1", "1"), bad(3, "", ProblemBlank)}},
		{"CRLF blank line", "a\r\n\r\n1\r\n", []rec{ok(1, "a", "a"), bad(2, "", ProblemBlank), ok(3, "1", "1")}},
		{"only a newline", "\n", []rec{bad(1, "", ProblemBlank)}},
		{"blank line without newline at EOF", "a\n\r", []rec{ok(1, "a", "a"), bad(2, "", ProblemBlank)}},
		{"spaces are not blank", "a\n \n", []rec{ok(1, "a", "a"), ok(2, " ", " ")}},
		{"quoted comma", "1,\"a, b\",2\n", []rec{ok(1, "1,\"a, b\",2", "1", "a, b", "2")}},
		{"doubled quotes", "1,\"say \"\"hi\"\"\",2\n", []rec{ok(1, "1,\"say \"\"hi\"\"\",2", "1", `say "hi"`, "2")}},
		{"only a doubled quote", "\"\"\"\"\n", []rec{ok(1, "\"\"\"\"", `"`)}},
		{"empty quoted field", "1,\"\",2\n", []rec{ok(1, "1,\"\",2", "1", "", "2")}},
		{"trailing comma", "1,2,\n", []rec{ok(1, "1,2,", "1", "2", "")}},
		{"trailing comma after quoted", "\"1\",\n", []rec{ok(1, "\"1\",", "1", "")}},
		{"only commas", ",,\n", []rec{ok(1, ",,", "", "", "")}},
		{"empty header name first (indexed)", ",MAL_ID\n0,1\n", []rec{ok(1, ",MAL_ID", "", "MAL_ID"), ok(2, "0,1", "0", "1")}},
		{"non-ASCII", "1,Ginga° ★ 銀河鉄道999\n", []rec{ok(1, "1,Ginga° ★ 銀河鉄道999", "1", "Ginga° ★ 銀河鉄道999")}},
		{"bare quote inside unquoted field kept", "1,5'11\" tall,2\n", []rec{ok(1, "1,5'11\" tall,2", "1", "5'11\" tall", "2")}},
		{"bare quote at end of unquoted field", "1,abc\",2\n3\n", []rec{ok(1, "1,abc\",2", "1", "abc\"", "2"), ok(2, "3", "3")}},
		{"two bare quotes", "a\"b\"c\n", []rec{ok(1, "a\"b\"c", "a\"b\"c")}},
		{"char after closing quote", "h\n1,\"ab\"c,2\n3,4\n", []rec{
			ok(1, "h", "h"), bad(2, "1,\"ab\"c,2", ProblemAfterQuote), ok(3, "3,4", "3", "4"),
		}},
		{"space after closing quote", "1,\"ab\" ,2\n", []rec{bad(1, "1,\"ab\" ,2", ProblemAfterQuote)}},
		{"multi-line quoted field", "h\n1,\"a\nb\nc\",2\n3,x\n", []rec{
			ok(1, "h", "h"), ok(2, "1,\"a\nb\nc\",2", "1", "a\nb\nc", "2"), ok(5, "3,x", "3", "x"),
		}},
		{"multi-line quoted field with CRLF", "h\r\n1,\"a\r\nb\",2\r\n3\r\n", []rec{
			ok(1, "h", "h"), ok(2, "1,\"a\nb\",2", "1", "a\nb", "2"), ok(4, "3", "3"),
		}},
		{"multi-line with blank line inside", "1,\"a\n\nb\"\n2\n", []rec{ok(1, "1,\"a\n\nb\"", "1", "a\n\nb"), ok(4, "2", "2")}},
		{"multi-line with doubled quote at line start", "1,\"a\n\"\"b\"\"\"\n2\n", []rec{ok(1, "1,\"a\n\"\"b\"\"\"", "1", "a\n\"b\""), ok(3, "2", "2")}},
		{"multi-line ending in empty field", "\"a\nb\",\n", []rec{ok(1, "\"a\nb\",", "a\nb", "")}},
		{"unterminated quote on last line", "h\n1,\"abc", []rec{ok(1, "h", "h"), bad(2, "1,\"abc", ProblemUnterminated)}},
		{"unterminated quote at EOF", "h\n1,\"abc\n2,x\n3,y", []rec{
			ok(1, "h", "h"), bad(2, "1,\"abc", ProblemUnterminated), ok(3, "2,x", "2", "x"), ok(4, "3,y", "3", "y"),
		}},
		{"unterminated quote mid-file before a quoted field", "h\n1,\"abc\n2,\"x, y\",3\n4,z\n", []rec{
			ok(1, "h", "h"), bad(2, "1,\"abc", ProblemUnterminated),
			ok(3, "2,\"x, y\",3", "2", "x, y", "3"), ok(4, "4,z", "4", "z"),
		}},
		{"unterminated quote mid-file after quote-free lines", "h\n1,\"abc\n2,x\n3,\"q\",4\n5,z\n", []rec{
			ok(1, "h", "h"), bad(2, "1,\"abc", ProblemUnterminated), ok(3, "2,x", "2", "x"),
			ok(4, "3,\"q\",4", "3", "q", "4"), ok(5, "5,z", "5", "z"),
		}},
		{"two unterminated quotes", "1,\"a\n2,\"b\n3,c\n", []rec{
			bad(1, "1,\"a", ProblemUnterminated), bad(2, "2,\"b", ProblemUnterminated), ok(3, "3,c", "3", "c"),
		}},
		{"unterminated quote then blank lines", "1,\"a\n\n2\n\n", []rec{
			bad(1, "1,\"a", ProblemUnterminated), bad(2, "", ProblemBlank), ok(3, "2", "2"), bad(4, "", ProblemBlank),
		}},
		{"unterminated quote in CRLF file", "h\r\n1,\"abc\r\n2,x\r\n", []rec{
			ok(1, "h", "h"), bad(2, "1,\"abc", ProblemUnterminated), ok(3, "2,x", "2", "x"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustReadAll(t, NewReader(strings.NewReader(tt.in)))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records of %q:\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestReaderMaxRecordBytes(t *testing.T) {
	tests := []struct {
		name string
		max  int
		in   string
		want []rec
	}{
		{"line at the limit", 5, "12345\n1\n", []rec{ok(1, "12345", "12345"), ok(2, "1", "1")}},
		{"line at the limit with CRLF", 5, "12345\r\n1\r\n", []rec{ok(1, "12345", "12345"), ok(2, "1", "1")}},
		{"line over the limit", 5, "h\n123456\n1\n", []rec{ok(1, "h", "h"), bad(2, "12345", ProblemTooLong+" (over 5 bytes)"), ok(3, "1", "1")}},
		{"quoted line over the limit", 5, "\"1,34\"\n1\n", []rec{bad(1, "\"1,34", ProblemTooLong+" (over 5 bytes)"), ok(2, "1", "1")}},
		{"multi-line record over the limit", 8, "1,\"ab\ncd\nef\"\n2\n", []rec{
			bad(1, "1,\"ab", ProblemUnterminated), ok(2, "cd", "cd"), ok(3, "ef\"", "ef\""), ok(4, "2", "2"),
		}},
		{"multi-line record with an over-long line", 6, "1,\"ab\n1234567\"\n2\n", []rec{
			bad(1, "1,\"ab", ProblemUnterminated), bad(2, "123456", ProblemTooLong+" (over 6 bytes)"), ok(3, "2", "2"),
		}},
		{"multi-line record at the limit", 8, "1,\"ab\nc\"\n2\n", []rec{ok(1, "1,\"ab\nc\"", "1", "ab\nc"), ok(3, "2", "2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in))
			r.MaxRecordBytes = tt.max
			got := mustReadAll(t, r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records of %q:\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestReaderLongLines covers lines longer than the bufio buffer (256 KiB):
// under MaxRecordBytes they are read whole, over it they are cut, reported and
// skipped to their end without losing the next line's number.
func TestReaderLongLines(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	huge := strings.Repeat("y", 3*DefaultMaxRecordBytes)
	tests := []struct {
		name string
		in   string
		want []rec
	}{
		{"long unquoted field", "h\n1," + big + ",2\n3\n", []rec{
			ok(1, "h", "h"), ok(2, "1,"+big+",2", "1", big, "2"), ok(3, "3", "3"),
		}},
		{"long quoted field with commas and quotes", "h\n1,\"" + big + ", \"\"q\"\"\",2\n3", []rec{
			ok(1, "h", "h"), ok(2, "1,\""+big+", \"\"q\"\"\",2", "1", big+`, "q"`, "2"), ok(3, "3", "3"),
		}},
		{"long multi-line quoted field", "h\r\n1,\"" + big + "\r\n" + big + "\",2\r\n3\r\n", []rec{
			ok(1, "h", "h"), ok(2, "1,\""+big+"\n"+big+"\",2", "1", big+"\n"+big, "2"), ok(4, "3", "3"),
		}},
		{"line exactly at the default limit", "h\n" + huge[:DefaultMaxRecordBytes] + "\r\n3\n", []rec{
			ok(1, "h", "h"), ok(2, huge[:DefaultMaxRecordBytes], huge[:DefaultMaxRecordBytes]), ok(3, "3", "3"),
		}},
		{"line over the default limit", "h\n" + huge + "\n3\n", []rec{
			ok(1, "h", "h"), bad(2, huge[:DefaultMaxRecordBytes], ProblemTooLong+" (over 1048576 bytes)"), ok(3, "3", "3"),
		}},
		{"line over the default limit at EOF", "h\n" + huge, []rec{
			ok(1, "h", "h"), bad(2, huge[:DefaultMaxRecordBytes], ProblemTooLong+" (over 1048576 bytes)"),
		}},
		{"unterminated quote before long lines", "h\n1,\"a\n" + big + "\n" + big + "\n" + big + "\n" + big + "\n2\n", []rec{
			ok(1, "h", "h"), bad(2, "1,\"a", ProblemUnterminated),
			ok(3, big, big), ok(4, big, big), ok(5, big, big), ok(6, big, big), ok(7, "2", "2"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustReadAll(t, NewReader(strings.NewReader(tt.in)))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %d records, want %d", len(got), len(tt.want))
				for i := range min(len(got), len(tt.want)) {
					if !reflect.DeepEqual(got[i], tt.want[i]) {
						g, w := got[i], tt.want[i]
						t.Errorf("record %d: line %d/%d, problem %q/%q, raw %d/%d bytes, %d/%d fields",
							i, g.Line, w.Line, g.Problem, w.Problem, len(g.Raw), len(w.Raw), len(g.Fields), len(w.Fields))
					}
				}
			}
		})
	}
}

// TestReaderIOError checks that read errors are returned, wrapped, and never
// taken for the end of a file or for an unterminated quote.
func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		in   string
		max  int
		recs int // records read before the error
	}{
		{"between lines", "a,b\n1,2\n", DefaultMaxRecordBytes, 2},
		{"inside a line", "a,b\n1,2", DefaultMaxRecordBytes, 1},
		{"inside a multi-line field", "a,b\n1,\"2\n3", DefaultMaxRecordBytes, 1},
		{"inside a multi-line field at the limit", "\"abcdefghi\n", 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(io.MultiReader(strings.NewReader(tt.in), iotest.ErrReader(boom)))
			r.MaxRecordBytes = tt.max
			got, err := readAll(t, r)
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want %v", err, boom)
			}
			if len(got) != tt.recs {
				t.Errorf("read %v before the error, want %d records", got, tt.recs)
			}
		})
	}
}

func TestReaderFieldsPerRecord(t *testing.T) {
	const spanning = "1,\"a\n2,3,4\n5,6,7\"\n8,9,10\n"
	tests := []struct {
		name   string
		fields int
		in     string
		want   []rec
	}{
		{"multi-line record of the right shape", 3, "1,\"a\nb\",c\n2,3,4\n", []rec{ok(1, "1,\"a\nb\",c", "1", "a\nb", "c"), ok(3, "2,3,4", "2", "3", "4")}},
		{"multi-line record of the wrong shape", 3, spanning, []rec{
			bad(1, "1,\"a", ProblemUnterminated), ok(2, "2,3,4", "2", "3", "4"), ok(3, "5,6,7\"", "5", "6", "7\""), ok(4, "8,9,10", "8", "9", "10"),
		}},
		{"shape not checked when zero", 0, spanning, []rec{ok(1, "1,\"a\n2,3,4\n5,6,7\"", "1", "a\n2,3,4\n5,6,7"), ok(4, "8,9,10", "8", "9", "10")}},
		{"single-line records of any shape", 3, "1\n1,2,3,4\n\"1\",2\n", []rec{ok(1, "1", "1"), ok(2, "1,2,3,4", "1", "2", "3", "4"), ok(3, "\"1\",2", "1", "2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in))
			r.FieldsPerRecord = tt.fields
			got := mustReadAll(t, r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records of %q:\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}
