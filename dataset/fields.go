package dataset

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/animetl/animetl"
)

// unknown is how the source spells a missing value, in text and numeric columns.
const unknown = "Unknown"

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isMissing reports whether a field is the literal Unknown or empty.
func isMissing(b []byte) bool {
	b = trimSpace(b)
	return len(b) == 0 || string(b) == unknown
}

// fieldError is a cleaning failure of one column.
type fieldError struct {
	column string
	reason string
}

func errf(column, format string, args ...any) *fieldError {
	return &fieldError{column: column, reason: fmt.Sprintf(format, args...)}
}

// quote renders a field value for a reason, cut short (animetl.Excerpt).
func quote(b []byte) string {
	return animetl.Excerpt(b)
}

// parseInt parses a decimal integer in [min, max]. It accepts surrounding
// spaces and integral float text ("28.0"), which pandas writes for integer
// columns that once held a missing value.
func parseInt(column string, b []byte, min, max int64) (int64, *fieldError) {
	b = trimSpace(b)
	v, ok := fastInt(b)
	if !ok {
		v, ok = fastWholeFloat(b)
	}
	if !ok {
		if len(b) == 0 {
			return 0, errf(column, "empty value")
		}
		if !isDecimal(b) {
			return 0, errf(column, "not an integer: %s", quote(b))
		}
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, errf(column, "not an integer: %s", quote(b))
		}
		if f != math.Trunc(f) {
			return 0, errf(column, "not a whole number: %s", quote(b))
		}
		if f < float64(min) || f > float64(max) {
			return 0, errf(column, "out of range [%d, %d]: %s", min, max, quote(b))
		}
		v = int64(f)
	}
	if v < min || v > max {
		return 0, errf(column, "out of range [%d, %d]: %d", min, max, v)
	}
	return v, nil
}

// isDecimal reports whether b is plain decimal text, [+-]digits[.digits], the
// only number shape the source writes. strconv.ParseFloat alone would also
// take "1e3", "1_000", "0x1p3", "Inf" and "NaN".
func isDecimal(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	digits, dot := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot < 0 && i > 0:
			dot = i
		default:
			return false
		}
	}
	return digits > 0 && dot != len(b)-1
}

// fastInt parses an optionally signed run of at most 18 decimal digits.
func fastInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// fastWholeFloat reads the integral float text pandas writes for an integer
// column that once held a missing value ("6.0", "10870.00"): fastInt of the
// digits before a point followed by zeros only, what the slow path's
// ParseFloat would give, without its cost (a catalogue has 11 such columns).
func fastWholeFloat(b []byte) (int64, bool) {
	dot := bytes.IndexByte(b, '.')
	if dot < 0 || dot == len(b)-1 {
		return 0, false
	}
	for _, c := range b[dot+1:] {
		if c != '0' {
			return 0, false
		}
	}
	return fastInt(b[:dot])
}

// optInt parses an integer column that may say Unknown.
func optInt(column string, b []byte, min, max int64) (*int32, *fieldError) {
	v, ok, err := optIntValue(column, b, min, max)
	if !ok {
		return nil, err
	}
	return &v, nil
}

// optIntValue is optInt's value, ok false when the column says Unknown
// (or, with the error, when it is no integer in range).
func optIntValue(column string, b []byte, min, max int64) (int32, bool, *fieldError) {
	if isMissing(b) {
		return 0, false, nil
	}
	v, err := parseInt(column, b, min, max)
	if err != nil {
		return 0, false, err
	}
	return int32(v), true, nil
}

// text cleans a text column: Unknown and empty become nil; invalid UTF-8 and
// NUL bytes, which no warehouse stores as text, are errors.
func text(column string, b []byte) (*string, *fieldError) {
	v, err := textBytes(column, b)
	if v == nil {
		return nil, err
	}
	s := string(v)
	return &s, nil
}

// textBytes is the value of a text column trimmed, or nil when it is
// Unknown or empty or (with the error) invalid UTF-8 or holds a NUL byte.
func textBytes(column string, b []byte) ([]byte, *fieldError) {
	b = trimSpace(b)
	if len(b) == 0 || string(b) == unknown {
		return nil, nil
	}
	if !utf8.Valid(b) {
		return nil, errf(column, "invalid UTF-8")
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, errf(column, "NUL byte in text")
	}
	return b, nil
}

var comma = []byte{','}

// list splits a ", "-separated list column into its distinct items in source
// order; Unknown (as the whole value or as an item) and empty items are dropped.
func list(column string, b []byte) ([]string, *fieldError) {
	b, err := textBytes(column, b)
	if b == nil {
		return nil, err
	}
	return splitList(b, nil, func(b []byte) string { return string(b) }), nil
}

// splitList appends the distinct items of the list b (valid text) to out,
// made strings by str, and returns out, or nil when it holds none.
func splitList(b []byte, out []string, str func([]byte) string) []string {
	for {
		part, rest, more := bytes.Cut(b, comma)
		if item := trimSpace(part); len(item) > 0 && string(item) != unknown && !slices.Contains(out, string(item)) {
			out = append(out, str(item))
		}
		if !more {
			break
		}
		b = rest
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
