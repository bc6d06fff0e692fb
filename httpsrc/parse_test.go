package httpsrc

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
		{"NoTotal", "bytes 0-99", 0, 0, 0, false},
		{"Backwards", "bytes 9-1/10", 0, 0, 0, false},
		{"PastTheEnd", "bytes 0-10/10", 0, 0, 0, false},
		{"NothingKnown", "bytes */*", 0, 0, 0, false},
		{"Negative", "bytes -1-5/10", 0, 0, 0, false},
		{"NotANumber", "bytes a-b/c", 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first, last, total, err := parseContentRange(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("parseContentRange(%q) error %v, want ok %v", tc.in, err, tc.ok)
			}
			if tc.ok && (first != tc.first || last != tc.last || total != tc.total) {
				t.Errorf("parseContentRange(%q) = %d, %d, %d, want %d, %d, %d", tc.in, first, last, total, tc.first, tc.last, tc.total)
			}
		})
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1234", "bytes */0", "bytes 1-2/*", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, total, err := parseContentRange(s)
		if err != nil {
			return
		}
		if total < -1 || (first >= 0 && (last < first || (total >= 0 && last >= total))) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d", s, first, last, total)
		}
	})
}

func TestRedact(t *testing.T) {
	raw := "https://user:secretpass@example.com/data/?token=s3cr3t-token&X-Amz-Signature=abc&v=1"
	cases := []struct{ name, in, want string }{
		{"Password", "auth failed for secretpass", "auth failed for REDACTED"},
		{"EscapedPassword", "p=secretpass", "p=REDACTED"},
		{"LongQueryValue", "token s3cr3t-token refused", "token REDACTED refused"},
		{"WholeQuery", "sent token=s3cr3t-token&X-Amz-Signature=abc&v=1", "sent REDACTED"},
		{"ShortValuesLeftInPlainText", "v=1 abc", "v=1 abc"},
		{"AnyURLsQuery", `redirect to "https://other.example/x?X-Amz-Signature=zzz" failed`, `redirect to "https://other.example/x" failed`},
		{"AnyURLsUserinfo", "get http://bob:hunter2@h/x: refused", "get http://h/x: refused"},
		{"Clean", "read https://example.com/data/anime.csv: 503", "read https://example.com/data/anime.csv: 503"},
	}
	r := newRedactor(raw)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.redact(tc.in); got != tc.want {
				t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := r.rawURL(raw); got != "https://example.com/data/" || strings.Contains(got, "secret") {
		t.Errorf("rawURL = %q", got)
	}
}
