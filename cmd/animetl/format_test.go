package main

import (
	"math"
	"testing"
)

// TestFormatCellFloats: a float has at most four decimals, no trailing
// zeros and no dangling point.
func TestFormatCellFloats(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{8.93, "8.93"}, {9.37934, "9.3793"}, {12, "12"}, {0.00002, "0"}, {3.00001, "3"}, {-0.00001, "0"},
		{-2.5, "-2.5"}, {0.4169, "0.4169"}, {1e20, "100000000000000000000"}, {math.Pi, "3.1416"},
	} {
		if got := formatCell(tc.in); got != tc.want {
			t.Errorf("formatCell(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
