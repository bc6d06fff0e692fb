package ranged

import (
	"fmt"
	"strings"
)

// ContentRange is a parsed Content-Range header, "bytes First-Last/Total".
// First and Last are -1 for "bytes */Total"; Total is -1 for ".../*".
type ContentRange struct {
	First, Last, Total int64
}

// ParseContentRange reads "bytes first-last/total", "bytes first-last/*" or
// "bytes */total". It accepts only decimal digits (no signs, no spaces
// inside), last at or past first, and last before a known total.
func ParseContentRange(v string) (ContentRange, error) {
	bad := fmt.Errorf("bad Content-Range %q", v)
	unit, spec, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(unit, "bytes") {
		return ContentRange{}, bad
	}
	rng, size, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok {
		return ContentRange{}, bad
	}
	cr := ContentRange{First: -1, Last: -1, Total: -1}
	if size != "*" {
		if cr.Total, ok = digits(size); !ok {
			return ContentRange{}, bad
		}
	}
	if rng == "*" {
		if cr.Total < 0 {
			return ContentRange{}, bad
		}
		return cr, nil
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return ContentRange{}, bad
	}
	var okA, okB bool
	cr.First, okA = digits(a)
	cr.Last, okB = digits(b)
	if !okA || !okB || cr.Last < cr.First || (cr.Total >= 0 && cr.Last >= cr.Total) {
		return ContentRange{}, bad
	}
	return cr, nil
}

// digits reads a non-negative decimal number of at most 18 digits, which
// cannot overflow an int64.
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// CheckContentRange vets the Content-Range v of a 206 answering a request
// for bytes [off, end), or [off, ...) when end is -1, of an object of size
// bytes (-1 when unknown). It returns the object's total size (-1 when the
// server does not say). A mismatch fails Permanent: another total means the
// object changed, another range that the server did not honour the request.
func CheckContentRange(v string, off, end, size int64) (int64, error) {
	cr, err := ParseContentRange(v)
	switch {
	case err != nil:
		return 0, Permanent(err)
	case cr.First < 0:
		return 0, Permanent(fmt.Errorf("bad Content-Range %q for a 206", v))
	case size >= 0 && cr.Total >= 0 && cr.Total != size:
		return 0, Permanent(fmt.Errorf("the object is %d bytes now, %d before: it changed during the read", cr.Total, size))
	case end >= 0 && (cr.First != off || cr.Last != end-1):
		return 0, Permanent(fmt.Errorf("asked for bytes %d-%d, got Content-Range %q", off, end-1, v))
	case end < 0 && (cr.First != off || (cr.Total >= 0 && cr.Last != cr.Total-1)):
		return 0, Permanent(fmt.Errorf("asked for bytes %d-, got Content-Range %q", off, v))
	}
	return cr.Total, nil
}
