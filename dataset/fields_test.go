package dataset

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		min, max int64
		want     int64
		reason   string // substring of the reason when it fails
	}{
		{"plain", "42", 0, maxInt32, 42, ""},
		{"padded", " 42\t", 0, maxInt32, 42, ""},
		{"float text", "28.0", 0, maxInt32, 28, ""},
		{"float zero", "0.0", 0, maxInt32, 0, ""},
		{"vote count", "229170.0", 0, maxInt32, 229170, ""},
		{"two zero decimals", "8.00", 0, 10, 8, ""},
		{"leading zeros", "007", 0, maxInt32, 7, ""},
		{"plus sign", "+5", 0, maxInt32, 5, ""},
		{"minus zero", "-0", 0, maxInt32, 0, ""},
		{"max int32", "2147483647", 0, maxInt32, math.MaxInt32, ""},
		{"max int32 float text", "2147483647.0", 0, maxInt32, math.MaxInt32, ""},
		{"negative in range", "-3", -5, 5, -3, ""},
		{"empty", "", 0, maxInt32, 0, "empty value"},
		{"spaces only", "  ", 0, maxInt32, 0, "empty value"},
		{"Unknown", "Unknown", 0, maxInt32, 0, "not an integer"},
		{"word", "abc", 0, maxInt32, 0, "not an integer"},
		{"digits then letters", "12a", 0, maxInt32, 0, "not an integer"},
		{"fraction", "8.5", 0, 10, 0, "not a whole number"},
		{"negative", "-1", 0, 10, 0, "out of range"},
		{"negative float text", "-1.0", 0, 10, 0, "out of range"},
		{"above max", "11", 0, 10, 0, "out of range"},
		{"above int32", "2147483648", 0, maxInt32, 0, "out of range"},
		{"twenty digits", "99999999999999999999", 0, maxInt32, 0, "out of range"},
		{"exponent", "1e3", 0, maxInt32, 0, "not an integer"},
		{"underscore", "1_000", 0, maxInt32, 0, "not an integer"},
		{"hex float", "0x1p3", 0, maxInt32, 0, "not an integer"},
		{"NaN", "NaN", 0, maxInt32, 0, "not an integer"},
		{"Inf", "Inf", 0, maxInt32, 0, "not an integer"},
		{"trailing dot", "8.", 0, maxInt32, 0, "not an integer"},
		{"leading dot", ".0", 0, maxInt32, 0, "not an integer"},
		{"two dots", "1.0.0", 0, maxInt32, 0, "not an integer"},
		{"sign only", "-", 0, maxInt32, 0, "not an integer"},
		{"inner space", "1 000", 0, maxInt32, 0, "not an integer"},
		{"comma", "1,000", 0, maxInt32, 0, "not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseInt("col", []byte(tt.in), tt.min, tt.max)
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("parseInt(%q) failed: %s", tt.in, err.reason)
			case tt.reason == "" && got != tt.want:
				t.Errorf("parseInt(%q) = %d, want %d", tt.in, got, tt.want)
			case tt.reason != "" && err == nil:
				t.Errorf("parseInt(%q) = %d, want an error", tt.in, got)
			case tt.reason != "" && (err.column != "col" || !strings.Contains(err.reason, tt.reason)):
				t.Errorf("parseInt(%q) error %+v, want column col and %q", tt.in, err, tt.reason)
			}
		})
	}
}

func TestOptInt(t *testing.T) {
	for _, in := range []string{"Unknown", " Unknown ", ""} {
		if got, err := optInt("c", []byte(in), 0, 10); got != nil || err != nil {
			t.Errorf("optInt(%q) = %v, %v; want nil, nil", in, deref(got), err)
		}
	}
	if got, err := optInt("c", []byte("7.0"), 0, 10); err != nil || got == nil || *got != 7 {
		t.Errorf("optInt(7.0) = %v, %v", deref(got), err)
	}
	if _, err := optInt("c", []byte("unknown"), 0, 10); err == nil {
		t.Error("optInt(unknown) accepted a lower-case Unknown")
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   []string
		reason string
	}{
		{"genres", "Action, Adventure, Comedy, Drama, Sci-Fi, Space", []string{"Action", "Adventure", "Comedy", "Drama", "Sci-Fi", "Space"}, ""},
		{"unsorted kept in source order", "Shounen, Action, Comedy", []string{"Shounen", "Action", "Comedy"}, ""},
		{"single", "Sunrise", []string{"Sunrise"}, ""},
		{"Unknown", "Unknown", nil, ""},
		{"empty", "", nil, ""},
		{"repeats deduped", "Action, Drama, Action, Drama", []string{"Action", "Drama"}, ""},
		{"Unknown item dropped", "Aniplex, Unknown", []string{"Aniplex"}, ""},
		{"empty items dropped", "Aniplex, , Dentsu,", []string{"Aniplex", "Dentsu"}, ""},
		{"padded", "  Action ,  Drama  ", []string{"Action", "Drama"}, ""},
		{"non-ASCII", "Studio °, ★Pro, 京都アニメーション", []string{"Studio °", "★Pro", "京都アニメーション"}, ""},
		{"bare comma splits too", "Action,Drama", []string{"Action", "Drama"}, ""},
		{"invalid UTF-8", "Action, \xff", nil, "invalid UTF-8"},
		{"NUL", "Action\x00", nil, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := list("Genres", []byte(tt.in))
			if tt.reason != "" {
				if err == nil || err.column != "Genres" || !strings.Contains(err.reason, tt.reason) {
					t.Errorf("list(%q) error %+v, want %q", tt.in, err, tt.reason)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("list(%q) = %q, %+v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   *string
		reason string
	}{
		{"plain", "Cowboy Bebop", ptr("Cowboy Bebop"), ""},
		{"Unknown", "Unknown", nil, ""},
		{"padded Unknown", " Unknown ", nil, ""},
		{"empty", "", nil, ""},
		{"lower-case unknown is text", "unknown", ptr("unknown"), ""},
		{"padded", "  Naruto ", ptr("Naruto"), ""},
		{"degree sign", "Yuu☆Yuu☆Hakusho°", ptr("Yuu☆Yuu☆Hakusho°"), ""},
		{"star", "Gintama★", ptr("Gintama★"), ""},
		{"Japanese", "カウボーイビバップ", ptr("カウボーイビバップ"), ""},
		{"quotes and commas", `Kiss x Sis "OVA", part 2`, ptr(`Kiss x Sis "OVA", part 2`), ""},
		{"invalid UTF-8", "Bebop\xc3", nil, "invalid UTF-8"},
		{"NUL", "Be\x00bop", nil, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := text("Name", []byte(tt.in))
			if tt.reason != "" {
				if err == nil || err.column != "Name" || !strings.Contains(err.reason, tt.reason) {
					t.Errorf("text(%q) error %+v, want %q", tt.in, err, tt.reason)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("text(%q) = %v, %+v; want %v", tt.in, deref(got), err, deref(tt.want))
			}
		})
	}
}

func TestQuoteCuts(t *testing.T) {
	long := strings.Repeat("a", 1000)
	if got := quote([]byte(long)); len(got) > animetl.MaxExcerptBytes+2+len(animetl.ClipMark) || !strings.HasSuffix(got, `"`+animetl.ClipMark) {
		t.Errorf("quote(1000 bytes) = %s", got)
	}
	if got := quote([]byte(`a"b`)); got != `"a\"b"` {
		t.Errorf("quote = %s", got)
	}
}
