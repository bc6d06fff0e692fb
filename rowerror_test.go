package animetl

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClipRaw(t *testing.T) {
	long := strings.Repeat("a", MaxRawBytes-1) + "銀河" // the first rune straddles the limit
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short kept", "1,2,3", "1,2,3"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"NUL replaced", "a\x00b", "a\uFFFDb"},
		{"cut at a rune boundary", long, strings.Repeat("a", MaxRawBytes-1) + "…[cut, 4101 bytes]"},
		{"exactly the limit kept", strings.Repeat("b", MaxRawBytes), strings.Repeat("b", MaxRawBytes)},
		{"a 2 MB line cut to 4 KB", strings.Repeat("c", 2<<20), strings.Repeat("c", MaxRawBytes) + "…[cut, 2097152 bytes]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ClipRaw([]byte(tc.in))
			if got != tc.want {
				t.Errorf("ClipRaw = %q (len %d), want %q (len %d)", clip(got), len(got), clip(tc.want), len(tc.want))
			}
			if len(got) > MaxRawText {
				t.Errorf("len %d > MaxRawText %d", len(got), MaxRawText)
			}
			if !utf8.ValidString(got) {
				t.Error("result is not valid UTF-8")
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return "…" + s[len(s)-40:]
	}
	return s
}
