package quality

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

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

// fakeRows serves fixed rows to a Querier.
type fakeRows struct {
	rows [][]any
	i    int
}

func (r *fakeRows) Columns() []string { return []string{"lo", "hi"} }
func (r *fakeRows) Next() bool        { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Values() ([]any, error) {
	return r.rows[r.i-1], nil
}
func (r *fakeRows) Err() error   { return nil }
func (r *fakeRows) Close() error { return nil }

type fakeQuerier struct{ rows [][]any }

func (q fakeQuerier) Query(context.Context, string, ...any) (animetl.Rows, error) {
	return &fakeRows{rows: q.rows}, nil
}

// TestPassRangesFromGroups: the ranges start at the least value, end one
// past each group's greatest, follow each other without gap or overlap,
// reach the widest INTEGER values without overflow, and an empty table
// gets one empty range.
func TestPassRangesFromGroups(t *testing.T) {
	tests := []struct {
		groups [][]any
		want   [][2]int64
	}{
		{[][]any{{int64(3), int64(10)}, {int64(11), int64(20)}, {int64(2147483647), int64(2147483647)}},
			[][2]int64{{3, 11}, {11, 21}, {21, 2147483648}}},
		{[][]any{{int64(-2147483648), int64(-2147483648)}}, [][2]int64{{-2147483648, -2147483647}}},
		{nil, [][2]int64{{0, 0}}},
	}
	for _, tc := range tests {
		got, err := passRanges(context.Background(), fakeQuerier{rows: tc.groups}, Passes{Table: "t", Column: "c", Rows: 10}, "postgres")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("groups %v: ranges %v, want %v", tc.groups, got, tc.want)
		}
	}
}

// sampleQuerier answers sampledRanges' two queries: the bounds, then the
// sample.
type sampleQuerier struct {
	bounds []any
	sample []int64
}

func (q sampleQuerier) Query(_ context.Context, sql string, _ ...any) (animetl.Rows, error) {
	if !strings.Contains(sql, "TABLESAMPLE") {
		return &fakeRows{rows: [][]any{q.bounds}}, nil
	}
	rows := make([][]any, len(q.sample))
	for i, v := range q.sample {
		rows[i] = []any{int32(v)}
	}
	return &fakeRows{rows: rows}, nil
}

// TestSampledRanges: on DuckDB the ranges are cut at quantiles of the
// sample, from the least value to one past the greatest without gap or
// overlap; repeated cuts (a value most of the sample holds) merge, a stray
// greatest value gets no range of its own, and a table of one range or none
// needs no sample.
func TestSampledRanges(t *testing.T) {
	seq := func(from, to int64) []int64 {
		var out []int64
		for v := from; v < to; v++ {
			out = append(out, v)
		}
		return out
	}
	tests := []struct {
		name   string
		bounds []any
		sample []int64
		want   [][2]int64
	}{
		{"empty", []any{int32(0), int32(0), int64(0)}, nil, [][2]int64{{0, 0}}},
		{"one range", []any{int32(5), int32(9), int64(10)}, nil, [][2]int64{{5, 10}}},
		{"quartiles", []any{int32(0), int32(99), int64(40)}, seq(0, 100), [][2]int64{{0, 25}, {25, 50}, {50, 75}, {75, 100}}},
		{"stray greatest", []any{int32(0), int32(2147483647), int64(40)}, append(seq(0, 99), 2147483647),
			[][2]int64{{0, 25}, {25, 50}, {50, 75}, {75, 2147483648}}},
		{"one value most", []any{int32(1), int32(3), int64(40)}, []int64{1, 2, 2, 2, 2, 2, 2, 3},
			[][2]int64{{1, 2}, {2, 4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := passRanges(context.Background(), sampleQuerier{bounds: tc.bounds, sample: tc.sample},
				Passes{Table: "t", Column: "c", Rows: 10}, "duckdb")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ranges %v, want %v", got, tc.want)
			}
		})
	}
}

// failingPasses is a ConcurrentQuerier over ten ranges of one value each
// whose pass over the range starting at bad fails; the other passes wait
// for their context to end (or a while), as slow queries would.
type failingPasses struct{ bad int64 }

func (q failingPasses) Concurrently(context.Context) (int, func() error, error) {
	return 10, func() error { return nil }, nil // every pass at once
}

func (q failingPasses) Query(ctx context.Context, sql string, _ ...any) (animetl.Rows, error) {
	if strings.Contains(sql, "ORDER BY hi") { // the ranges
		var groups [][]any
		for v := range int64(10) {
			groups = append(groups, []any{v, v})
		}
		return &fakeRows{rows: groups}, nil
	}
	if strings.Contains(sql, "c >= "+strconv.FormatInt(q.bad, 10)+" ") {
		return nil, errors.New("boom")
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(5 * time.Second):
		return &fakeRows{rows: [][]any{{int64(0), int64(0)}}}, nil
	}
}

// TestConcurrentPassFailureIsTheError: when one of the passes run side by
// side fails, the check fails with that pass's error, not with the
// cancellation it causes the others, and the others stop.
func TestConcurrentPassFailureIsTheError(t *testing.T) {
	c := Check{Name: "k", SQL: "SELECT count(*) FROM t WHERE c >= {{LO}} AND c < {{HI}}", Op: OpEQ,
		Passes: &Passes{Table: "t", Column: "c", Rows: 1}}
	t0 := time.Now()
	_, err := Run(context.Background(), failingPasses{bad: 7}, []Check{c}, Params{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error %v, want the failing pass's", err)
	}
	if took := time.Since(t0); took > time.Second {
		t.Errorf("the other passes ran on for %v after the failure", took)
	}
}
