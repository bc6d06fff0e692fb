// Package quality declares the warehouse's data-quality checks as data (a
// name, one SQL query returning one number, a comparison, a threshold and a
// severity) and runs them against any animetl.Querier: a run's stage before
// publish, or the published warehouse for `animetl check`. It does not log.
package quality

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/animetl/animetl"
)

// Op compares an observed value with a threshold.
type Op string

// The comparisons a check can make: the check passes when
// observed Op threshold holds.
const (
	OpLE Op = "<="
	OpGE Op = ">="
	OpEQ Op = "="
)

// Check is one declared data-quality check.
type Check struct {
	Name        string
	Description string
	Severity    animetl.Severity
	// SQL returns one row; the observed value is its only column, or the
	// column named Column. It may use $1, the id of the run whose ledger rows
	// it checks. Checks with the same SQL share one execution, so several
	// checks can read one scan of a big table.
	SQL    string
	Column string
	// Dialects replaces SQL on the named engines ("postgres", "duckdb").
	Dialects map[string]string
	// Delta replaces SQL and Dialects in a run of ScopeDelta, by engine
	// ("" for every engine): a query that proves the same rule from the
	// day's rows and what they changed, instead of scanning the history.
	Delta map[string]string
	// When, if set, is a query of one boolean ($1 may be the run): when it
	// is false the check's SQL is not run and it observes NULL (nothing to
	// measure, a pass). It spares a scan that only some runs need.
	When string
	// Passes, when set, splits a query that holds {{LO}} and {{HI}} into
	// passes over ranges of a column (see Passes).
	Passes *Passes
	// Early says the query reads only the list's rows and the model
	// (user_anime, the catalogue, the marts), no ledger: a warehouse may
	// run it as soon as those are final, beside the rest of its Finalize
	// (animetl.FinalizeOptions.EarlyChecks), and answer the checks from that.
	Early     bool
	Op        Op
	Threshold float64
}

// Passes splits a check's query into passes over ranges of an integer
// column, so that work which grows with the rows a pass holds (a hash of
// keys) stays within the engine's memory however big the table is: the
// query's {{LO}} and {{HI}} become each range's bounds (LO inclusive, HI
// exclusive), and each column of its row is summed over the passes. The
// ranges hold about Rows rows each, counted per value of the column
// (passRanges), so a stray value far from the others cannot put the table
// in one pass. A table stored in the column's order (user_anime after a
// full run: the list file's users are contiguous) reads only the row
// groups of each range, so the passes together read it about once.
type Passes struct {
	Table, Column string
	Rows          int64
}

// sqlFor returns the check's SQL on an engine in a scope.
func (c Check) sqlFor(dialect string, scope Scope) string {
	if scope == ScopeDelta {
		if q, ok := c.Delta[dialect]; ok {
			return q
		}
		if q, ok := c.Delta[""]; ok {
			return q
		}
	}
	if q, ok := c.Dialects[dialect]; ok {
		return q
	}
	return c.SQL
}

// EarlySQL returns the distinct queries of the Early checks as Run sends
// them with p (none with When or Passes, which Run splits or guards): the
// statements a warehouse may run during its Finalize.
func EarlySQL(checks []Check, p Params) []string {
	var out []string
	for _, c := range checks {
		if !c.Early || c.When != "" || c.Passes != nil {
			continue
		}
		if q := c.sqlFor(p.Dialect, p.Scope); !strings.Contains(q, "$1") && !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// Params are the values a check run needs.
type Params struct {
	// RunID is the run whose ledger rows (etl_file, etl_reject) are checked.
	RunID string
	// Dialect selects per-engine SQL (Check.Dialects).
	Dialect string
	// Scope is ScopeDelta when the checked stage is an incremental run's:
	// checks with a Delta query then prove their rule from the day's rows.
	Scope Scope
	// Timed, when set, is told how long each query took, under the name of
	// the first check that ran it (the checks sharing a query share it).
	Timed func(check string, took time.Duration)
}

// Scope says what a check run may assume about the checked tables.
type Scope int

// The scopes of a check run.
const (
	// ScopeFull checks every table whole: a full run, `animetl check`.
	ScopeFull Scope = iota
	// ScopeDelta checks an incremental run's stage: the published tables it
	// started from passed the checks when they were published, and the day's
	// work tables (list_load, delete_load, ua_old; in DuckDB's scratch
	// schema) are still there. Only a stage may be checked in this scope.
	ScopeDelta
)

// DefaultMaxRejectRate is the default share of rejected lines a run tolerates.
const DefaultMaxRejectRate = 0.01

// Failed reports whether any result of error severity failed.
func Failed(results []animetl.CheckResult) []string {
	var names []string
	for _, r := range results {
		if r.Severity == animetl.SeverityError && r.Status == animetl.CheckFail {
			names = append(names, r.Name)
		}
	}
	return names
}

// Run runs every check in order and returns their results. A check whose
// query fails is an error: the checks are part of the product, and a broken
// one must not pass silently. The checks sharing a query share one run of
// it. When q is a ConcurrentQuerier, the passes of a check (Passes) run side
// by side, as many at a time as it says.
func Run(ctx context.Context, q animetl.Querier, checks []Check, p Params) ([]animetl.CheckResult, error) {
	results := make([]animetl.CheckResult, 0, len(checks))
	rows := map[string]map[string]*float64{} // SQL -> column -> value
	for _, c := range checks {
		sql := c.sqlFor(p.Dialect, p.Scope)
		row, ok := rows[sql]
		if !ok {
			var err error
			t0 := time.Now()
			if row, err = run(ctx, q, c, sql, p); err != nil {
				return results, fmt.Errorf("check %s: %w", c.Name, err)
			}
			rows[sql] = row
			if p.Timed != nil {
				p.Timed(c.Name, time.Since(t0))
			}
		}
		v, ok := row[strings.ToLower(c.Column)]
		if !ok && row != nil {
			return results, fmt.Errorf("check %s: the query has no column %q", c.Name, c.Column)
		}
		results = append(results, Evaluate(c, v))
	}
	return results, nil
}

// run observes sql, c's query: guarded by c.When, split into c.Passes.
// A nil row (nothing to measure) has every column NULL.
func run(ctx context.Context, q animetl.Querier, c Check, sql string, p Params) (map[string]*float64, error) {
	if c.When != "" {
		when, err := observe(ctx, q, c.When, p, nil)
		if err != nil {
			return nil, err
		}
		if when[""] == nil || *when[""] == 0 {
			return nil, nil
		}
	}
	if c.Passes == nil || !strings.Contains(sql, "{{LO}}") {
		return observe(ctx, q, sql, p, nil)
	}
	cq, ok := q.(animetl.ConcurrentQuerier)
	if !ok {
		return observePasses(ctx, q, *c.Passes, sql, p, nil)
	}
	n, done, err := cq.Concurrently(ctx)
	if err != nil {
		return nil, err
	}
	var g gate
	if n > 1 {
		g = make(gate, n)
	}
	row, err := observePasses(ctx, q, *c.Passes, sql, p, g)
	return row, errors.Join(err, done())
}

// gate bounds the queries a concurrent check run has open at once: each
// holds a slot from before it is sent until its rows are closed. A nil
// gate runs them one after another.
type gate chan struct{}

func (g gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g gate) leave() {
	if g != nil {
		<-g
	}
}

// Evaluate turns an observed value into a result. A NULL observation (nil)
// passes: it means there was nothing to measure (an empty ratio).
func Evaluate(c Check, observed *float64) animetl.CheckResult {
	r := animetl.CheckResult{
		Name:        c.Name,
		Severity:    c.Severity,
		Status:      animetl.CheckPass,
		Observed:    "null",
		Threshold:   fmt.Sprintf("%s %s", c.Op, formatNum(c.Threshold)),
		Description: c.Description,
	}
	if observed == nil {
		return r
	}
	v := *observed
	r.Observed = formatNum(v)
	ok := false
	switch c.Op {
	case OpLE:
		ok = v <= c.Threshold
	case OpGE:
		ok = v >= c.Threshold
	case OpEQ:
		ok = v == c.Threshold
	}
	if !ok || math.IsNaN(v) {
		r.Status = animetl.CheckFail
	}
	return r
}

func formatNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// observe runs sql and returns its one row by lower-case column name; a
// one-column row is also under "" (a check without Column).
func observe(ctx context.Context, q animetl.Querier, sql string, p Params, g gate) (map[string]*float64, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	defer g.leave()
	var args []any
	if strings.Contains(sql, "$1") {
		args = append(args, p.RunID)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("query returned no row")
	}
	vals, err := rows.Values()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*float64, len(vals)+1)
	for i, col := range rows.Columns() {
		v, err := toFloat(vals[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", col, err)
		}
		out[strings.ToLower(col)] = v
		if len(vals) == 1 {
			out[""] = v
		}
	}
	if rows.Next() {
		return nil, fmt.Errorf("query returned more than one row")
	}
	return out, rows.Err()
}

// observePasses runs sql once per range of ps.Column (see Passes) and sums
// each column over the passes; a column NULL in every pass stays NULL.
// Through a gate, the passes run side by side.
func observePasses(ctx context.Context, q animetl.Querier, ps Passes, sql string, p Params, g gate) (map[string]*float64, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	ranges, err := passRanges(ctx, q, ps, p.Dialect)
	g.leave()
	if err != nil {
		return nil, fmt.Errorf("ranges of %s.%s: %w", ps.Table, ps.Column, err)
	}
	rows := make([]map[string]*float64, len(ranges))
	pass := func(ctx context.Context, i int) error {
		r := ranges[i]
		var err error
		rows[i], err = observe(ctx, q, strings.NewReplacer("{{LO}}", strconv.FormatInt(r[0], 10), "{{HI}}", strconv.FormatInt(r[1], 10)).Replace(sql), p, g)
		return err
	}
	if g == nil {
		for i := range ranges {
			if err := pass(ctx, i); err != nil {
				return nil, err
			}
		}
	} else {
		// The first pass to fail stops the others and is the error.
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
		)
		for i := range ranges {
			wg.Go(func() {
				if err := pass(pctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if first != nil {
			return nil, first
		}
	}
	out := map[string]*float64{}
	for _, row := range rows {
		for col, v := range row { // observe may share one value between two names
			switch {
			case v == nil:
				if _, ok := out[col]; !ok {
					out[col] = nil
				}
			case out[col] == nil:
				out[col] = new(float64)
				*out[col] = *v
			default:
				*out[col] += *v
			}
		}
	}
	return out, nil
}

// passRanges returns the ranges [from, to) of ps.Column's values, in order,
// that cover every row and hold about ps.Rows rows each. On DuckDB they come
// from a sample of the values (sampledRanges); elsewhere from the rows
// counted per value (countedRanges). Either way the ranges are cut by
// value, so a few values far from the others (a stray id) do not put the
// whole table in one range, as ranges of equal width would, and the rows
// of one value stay in one range. The ranges only bound the work of each
// pass: the passes cover every value between the least and the greatest
// whatever the ranges, so a check's sum does not depend on them. An empty
// table has one empty range.
func passRanges(ctx context.Context, q animetl.Querier, ps Passes, dialect string) ([][2]int64, error) {
	if dialect == "duckdb" {
		return sampledRanges(ctx, q, ps)
	}
	return countedRanges(ctx, q, ps)
}

// samplesPerRange is how many sampled values sampledRanges draws per range:
// a range then holds ps.Rows rows give or take about an eighth (the
// spread of a quantile estimated from 64 values).
const samplesPerRange = 64

// sampledRanges cuts the values at quantiles of a reservoir sample of them,
// after one query for their least, greatest and number. Counting the rows
// per value (countedRanges) is a hash aggregate and a sort of every value:
// 0.05-0.09 s of an 8M-row full run's checks on DuckDB, against 0.01-0.02 s
// for the two scans here.
func sampledRanges(ctx context.Context, q animetl.Querier, ps Passes) ([][2]int64, error) {
	rows := max(ps.Rows, 1)
	col := ps.Column
	b, err := queryInts(ctx, q, fmt.Sprintf(`SELECT COALESCE(min(%s), 0), COALESCE(max(%s), 0), count(%s) FROM %s`, col, col, col, ps.Table))
	if err != nil {
		return nil, err
	}
	if len(b) != 3 {
		return nil, fmt.Errorf("bounds of %s: %d values", col, len(b))
	}
	lo, hi, n := b[0], b[1], b[2]
	if n == 0 {
		return [][2]int64{{0, 0}}, nil
	}
	k := (n + rows - 1) / rows
	if k <= 1 {
		return [][2]int64{{lo, hi + 1}}, nil
	}
	size := min(k*samplesPerRange, n)
	sample, err := queryInts(ctx, q, fmt.Sprintf(`SELECT %s FROM %s TABLESAMPLE reservoir(%d ROWS) REPEATABLE (1) WHERE %s IS NOT NULL`,
		col, ps.Table, size, col))
	if err != nil {
		return nil, err
	}
	slices.Sort(sample)
	out := make([][2]int64, 0, k)
	from := lo
	for i := int64(1); i < k && len(sample) > 0; i++ {
		cut := sample[i*int64(len(sample))/k]
		if cut <= from || cut > hi {
			continue
		}
		out = append(out, [2]int64{from, cut})
		from = cut
	}
	return append(out, [2]int64{from, hi + 1}), nil
}

// queryInts returns every value of every row of query's result as integers
// (NULL is an error).
func queryInts(ctx context.Context, q animetl.Querier, query string) ([]int64, error) {
	rs, err := q.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []int64
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			switch x := v.(type) {
			case int64:
				out = append(out, x)
			case int32:
				out = append(out, int64(x))
			case int16:
				out = append(out, int64(x))
			default:
				return nil, fmt.Errorf("value %v (%T): not an integer", v, v)
			}
		}
	}
	return out, rs.Err()
}

// countedRanges counts the rows per value, and a range ends at the value
// where its running count reaches a multiple of ps.Rows.
func countedRanges(ctx context.Context, q animetl.Querier, ps Passes) ([][2]int64, error) {
	rows := max(ps.Rows, 1)
	col := ps.Column
	query := fmt.Sprintf(`SELECT min(v) AS lo, max(v) AS hi FROM (
		SELECT v, sum(n) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) AS upto
		FROM (SELECT %s AS v, count(*) AS n FROM %s WHERE %s IS NOT NULL GROUP BY %s) c) r
		GROUP BY CAST(floor((upto - 1) / %d.0) AS BIGINT)
		ORDER BY hi`, col, ps.Table, col, col, rows)
	rs, err := q.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out [][2]int64
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return nil, err
		}
		var b [2]int64
		for i, v := range vals[:2] {
			f, err := toFloat(v)
			if err != nil || f == nil {
				return nil, fmt.Errorf("range bound %v: %v", v, err)
			}
			b[i] = int64(*f)
		}
		from := b[0] // the first range starts at the least value
		if len(out) > 0 {
			from = out[len(out)-1][1]
		}
		out = append(out, [2]int64{from, b[1] + 1})
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = [][2]int64{{0, 0}}
	}
	return out, nil
}

func toFloat(v any) (*float64, error) {
	var f float64
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case int16:
		f = float64(x)
	case int:
		f = float64(x)
	case float64:
		f = x
	case float32:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	case string:
		p, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return nil, fmt.Errorf("observed value %q is not a number", x)
		}
		f = p
	default:
		return nil, fmt.Errorf("observed value of type %T is not a number", v)
	}
	return &f, nil
}
