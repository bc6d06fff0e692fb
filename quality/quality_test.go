package quality

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func f(v float64) *float64 { return &v }

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		op       Op
		limit    float64
		observed *float64
		want     animetl.CheckStatus
		shown    string
	}{
		{"le pass", OpLE, 0.01, f(0.005), animetl.CheckPass, "0.005"},
		{"le fail", OpLE, 0.01, f(0.5), animetl.CheckFail, "0.5"},
		{"le equal passes", OpLE, 0.01, f(0.01), animetl.CheckPass, "0.01"},
		{"ge pass", OpGE, 1, f(17562), animetl.CheckPass, "17562"},
		{"ge fail on empty table", OpGE, 1, f(0), animetl.CheckFail, "0"},
		{"eq pass", OpEQ, 0, f(0), animetl.CheckPass, "0"},
		{"eq fail", OpEQ, 0, f(3), animetl.CheckFail, "3"},
		{"null observation passes", OpLE, 0.01, nil, animetl.CheckPass, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(Check{Name: "c", Severity: animetl.SeverityError, Op: tc.op, Threshold: tc.limit}, tc.observed)
			if r.Status != tc.want || r.Observed != tc.shown {
				t.Errorf("Evaluate = %s observed %q, want %s %q", r.Status, r.Observed, tc.want, tc.shown)
			}
		})
	}
}

func TestFailedOnlyCountsErrors(t *testing.T) {
	results := []animetl.CheckResult{
		{Name: "a", Severity: animetl.SeverityError, Status: animetl.CheckFail},
		{Name: "b", Severity: animetl.SeverityWarn, Status: animetl.CheckFail},
		{Name: "c", Severity: animetl.SeverityError, Status: animetl.CheckPass},
	}
	if got := Failed(results); len(got) != 1 || got[0] != "a" {
		t.Errorf("Failed = %v, want [a]", got)
	}
}

func TestToFloat(t *testing.T) {
	for _, v := range []any{int64(3), int32(3), int16(3), 3, float64(3), float32(3), "3"} {
		got, err := toFloat(v)
		if err != nil || *got != 3 {
			t.Errorf("toFloat(%T %v) = %v, %v", v, v, got, err)
		}
	}
	if _, err := toFloat("three"); err == nil {
		t.Error("toFloat(three) succeeded")
	}
	if _, err := toFloat([]int{1}); err == nil {
		t.Error("toFloat([]int) succeeded")
	}
}

func TestDefaultsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Defaults(Limits{MaxRejectRate: 0.02, MaxDrift: 0.5, MaxDeltaAgeDays: 2}) {
		if seen[c.Name] {
			t.Errorf("check %s declared twice", c.Name)
		}
		seen[c.Name] = true
		if c.SQL == "" || c.Description == "" || (c.Severity != animetl.SeverityError && c.Severity != animetl.SeverityWarn) {
			t.Errorf("check %s is incomplete: %+v", c.Name, c)
		}
		if c.Name == "reject_rate" && (c.Threshold != 0.02 || !strings.Contains(c.SQL, "$1")) {
			t.Errorf("reject_rate: threshold %v, sql %q", c.Threshold, c.SQL)
		}
	}
}

// TestPassRanges: the ranges cover [lo, hi] exactly, in order, without
// overlap, as many as the rows need (fewer when the column has fewer
// values), and the widest INTEGER span does not overflow.
func TestPassRanges(t *testing.T) {
	tests := []struct {
		lo, hi, n, rows int64
		want            int
	}{
		{0, 60392, 8000000, 1 << 20, 8},
		{-1, 10, 100, 10, 6}, // width ceil(12 / 10) = 2: six ranges
		{5, 5, 1000, 1, 1},   // one value: one range, however many rows
		{0, 9, 3, 1 << 20, 1},
		{0, 9, 0, 1 << 20, 1},
		{-2147483648, 2147483647, 3, 1, 3},
	}
	for _, tc := range tests {
		got := passRanges(tc.lo, tc.hi, tc.n, tc.rows)
		if len(got) != tc.want {
			t.Errorf("passRanges(%d, %d, %d, %d) = %d ranges, want %d: %v", tc.lo, tc.hi, tc.n, tc.rows, len(got), tc.want, got)
			continue
		}
		next := tc.lo
		for _, r := range got {
			if r[0] != next || r[1] <= r[0] {
				t.Errorf("passRanges(%d, %d, %d, %d): range %v after %d", tc.lo, tc.hi, tc.n, tc.rows, r, next)
			}
			next = r[1]
		}
		if next != tc.hi+1 {
			t.Errorf("passRanges(%d, %d, %d, %d) ends at %d, want %d", tc.lo, tc.hi, tc.n, tc.rows, next, tc.hi+1)
		}
	}
}
