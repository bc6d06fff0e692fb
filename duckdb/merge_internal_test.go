package duckdb

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"183.1 MiB": 191994265,
		"953.6 MiB": 999922073,
		"1.5 GiB":   3 << 29,
		"16.0 MiB":  16 << 20,
		"512 KiB":   512 << 10,
		"2 GB":      2e9,
		"100 bytes": 100,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "12", "1.5 XB", "-3 MiB"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
