package duckdb

import (
	"database/sql"
	"fmt"
	"math/big"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// rows adapts *sql.Rows to animetl.Rows with driver-neutral values.
type rows struct {
	r    *sql.Rows
	done func() error // after r is closed: returns its connection
	cols []string
	vals []any
	ptrs []any
	// intPtrs point into the last slice ScanInts was given.
	intPtrs []any
}

// newRows wraps r; done, when not nil, runs once r is closed.
func newRows(r *sql.Rows, done func() error) (*rows, error) {
	cols, err := r.Columns()
	if err != nil {
		r.Close()
		if done != nil {
			done()
		}
		return nil, fmt.Errorf("duckdb: columns: %w", err)
	}
	out := &rows{r: r, done: done, cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range out.vals {
		out.ptrs[i] = &out.vals[i]
	}
	return out, nil
}

func (r *rows) Columns() []string { return r.cols }
func (r *rows) Next() bool        { return r.r.Next() }
func (r *rows) Err() error        { return r.r.Err() }

// Close closes the result set, then runs done once.
func (r *rows) Close() error {
	err := r.r.Close()
	if r.done != nil {
		if derr := r.done(); err == nil {
			err = derr
		}
		r.done = nil
	}
	return err
}

// Values returns the current row: integers as int64, decimals as float64.
func (r *rows) Values() ([]any, error) {
	if err := r.r.Scan(r.ptrs...); err != nil {
		return nil, fmt.Errorf("duckdb: scan: %w", err)
	}
	out := make([]any, len(r.vals))
	for i, v := range r.vals {
		out[i] = normalize(v)
	}
	return out, nil
}

// ScanInts implements animetl.IntRows.
func (r *rows) ScanInts(dst []int64) error {
	if len(r.intPtrs) != len(dst) || (len(dst) > 0 && r.intPtrs[0] != &dst[0]) {
		r.intPtrs = r.intPtrs[:0]
		for i := range dst {
			r.intPtrs = append(r.intPtrs, &dst[i])
		}
	}
	if err := r.r.Scan(r.intPtrs...); err != nil {
		return fmt.Errorf("duckdb: scan: %w", err)
	}
	return nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case duck.Decimal:
		return x.Float64()
	}
	return v
}

var (
	_ animetl.Rows    = (*rows)(nil)
	_ animetl.IntRows = (*rows)(nil)
)
