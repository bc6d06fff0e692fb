package ranged

import (
	"strings"
	"testing"
)

func TestParseContentRange(t *testing.T) {
	cases := []struct {
		name, in           string
		first, last, total int64
		ok                 bool
	}{
		{"Range", "bytes 0-99/1234", 0, 99, 1234, true},
		{"UnknownTotal", "bytes 100-199/*", 100, 199, -1, true},
		{"Unsatisfied", "bytes */1234", -1, -1, 1234, true},
		{"Empty", "bytes */0", -1, -1, 0, true},
		{"CaseAndSpaces", " Bytes 5-5/6 ", 5, 5, 6, true},
		{"Missing", "", 0, 0, 0, false},
		{"OtherUnit", "items 0-1/2", 0, 0, 0, false},
		{"RangeHeaderSyntax", "bytes=0-99/100", 0, 0, 0, false},
		{"NoTotal", "bytes 0-99", 0, 0, 0, false},
		{"Backwards", "bytes 9-1/10", 0, 0, 0, false},
		{"PastTheEnd", "bytes 0-10/10", 0, 0, 0, false},
		{"NothingKnown", "bytes */*", 0, 0, 0, false},
		{"Negative", "bytes -1-5/10", 0, 0, 0, false},
		{"NegativeTotal", "bytes 0-5/-10", 0, 0, 0, false},
		{"PlusSign", "bytes +0-+5/+10", 0, 0, 0, false},
		{"NotANumber", "bytes a-b/c", 0, 0, 0, false},
		{"Hex", "bytes 0x0-0x5/0x10", 0, 0, 0, false},
		{"Overflow", "bytes 0-99999999999999999999/99999999999999999999", 0, 0, 0, false},
		{"InnerSpaces", "bytes 0 - 5/10", 0, 0, 0, false},
		{"TwoRanges", "bytes 0-1/10, bytes 2-3/10", 0, 0, 0, false},
		{"TwoSlashes", "bytes 0-1/10/10", 0, 0, 0, false},
		{"NoLast", "bytes 5-/10", 0, 0, 0, false},
		{"NoFirst", "bytes -5/10", 0, 0, 0, false},
		{"Unicode digits", "bytes ０-５/１０", 0, 0, 0, false},
		{"NUL", "bytes 0-5\x00/10", 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cr, err := ParseContentRange(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseContentRange(%q) error %v, want ok %v", tc.in, err, tc.ok)
			}
			if tc.ok && (cr.First != tc.first || cr.Last != tc.last || cr.Total != tc.total) {
				t.Errorf("ParseContentRange(%q) = %+v, want %d, %d, %d", tc.in, cr, tc.first, tc.last, tc.total)
			}
		})
	}
}

func TestCheckContentRange(t *testing.T) {
	cases := []struct {
		name, in       string
		off, end, size int64
		total          int64
		err            string // "" when accepted
	}{
		{"Exact", "bytes 100-199/1000", 100, 200, 1000, 1000, ""},
		{"ExactUnknownTotal", "bytes 100-199/*", 100, 200, 1000, -1, ""},
		{"StreamToTheEnd", "bytes 100-999/1000", 100, -1, -1, 1000, ""},
		{"StreamUnknownTotal", "bytes 100-500/*", 100, -1, -1, -1, ""},
		{"OtherTotal", "bytes 100-199/999", 100, 200, 1000, 0, "changed during the read"},
		{"Shifted", "bytes 101-200/1000", 100, 200, 1000, 0, "asked for bytes 100-199"},
		{"Shorter", "bytes 100-198/1000", 100, 200, 1000, 0, "asked for bytes 100-199"},
		{"StreamShort", "bytes 100-500/1000", 100, -1, -1, 0, "asked for bytes 100-"},
		{"Unsatisfied", "bytes */1000", 100, 200, 1000, 0, "bad Content-Range"},
		{"Garbage", "lol", 100, 200, 1000, 0, "bad Content-Range"},
		{"Missing", "", 0, 1, -1, 0, "bad Content-Range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			total, err := CheckContentRange(tc.in, tc.off, tc.end, tc.size)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("CheckContentRange(%q) = %v", tc.in, err)
			case tc.err == "" && total != tc.total:
				t.Errorf("CheckContentRange(%q) total %d, want %d", tc.in, total, tc.total)
			case tc.err != "" && (err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("CheckContentRange(%q) = %v, want a permanent error with %q", tc.in, err, tc.err)
			}
		})
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1234", "bytes */0", "bytes 1-2/*", "", "bytes +1-2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cr, err := ParseContentRange(s)
		if err != nil {
			return
		}
		if cr.Total < -1 || (cr.First >= 0 && (cr.Last < cr.First || (cr.Total >= 0 && cr.Last >= cr.Total))) ||
			(cr.First < 0 && (cr.Last != -1 || cr.Total < 0)) {
			t.Errorf("ParseContentRange(%q) = %+v", s, cr)
		}
	})
}
