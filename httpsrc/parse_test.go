package httpsrc

import (
	"strings"
	"testing"
)

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
