package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/animetl/animetl"
)

var (
	_ animetl.Rows    = (*rows)(nil)
	_ animetl.IntRows = (*rows)(nil)
)

// rows adapts pgx.Rows to animetl.Rows with driver-neutral values.
type rows struct {
	r      pgx.Rows
	cols   []string
	done   func()
	closed bool
	// q is the statement, to word a read-only refusal the server reports
	// while the rows are read (readOnlyError); "" for internal queries.
	q string
	// intPtrs point into the last slice ScanInts was given.
	intPtrs []any
}

func (r *rows) Columns() []string {
	if r.cols == nil {
		for _, f := range r.r.FieldDescriptions() {
			r.cols = append(r.cols, f.Name)
		}
	}
	return r.cols
}

func (r *rows) Next() bool { return r.r.Next() }
func (r *rows) Err() error { return r.refusal(r.r.Err()) }

func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.r.Close()
	if r.done != nil {
		r.done()
	}
	return r.refusal(r.r.Err())
}

// refusal words a read-only refusal of a reader's statement as
// animetl.ErrReadOnly; other errors are returned as they are.
func (r *rows) refusal(err error) error {
	if err == nil || r.q == "" {
		return err
	}
	if ro := readOnlyError(r.q, err); ro != nil {
		return ro
	}
	return err
}

// ScanInts implements animetl.IntRows: pgx decodes each integer straight
// into dst.
func (r *rows) ScanInts(dst []int64) error {
	if len(r.intPtrs) != len(dst) || (len(dst) > 0 && r.intPtrs[0] != &dst[0]) {
		r.intPtrs = r.intPtrs[:0]
		for i := range dst {
			r.intPtrs = append(r.intPtrs, &dst[i])
		}
	}
	if err := r.r.Scan(r.intPtrs...); err != nil {
		return fmt.Errorf("postgres: scan: %w", err)
	}
	return nil
}

// Values returns the current row: integers as int64, numerics as float64.
func (r *rows) Values() ([]any, error) {
	vals, err := r.r.Values()
	if err != nil {
		return nil, fmt.Errorf("postgres: scan: %w", err)
	}
	for i, v := range vals {
		vals[i] = normalize(v)
	}
	return vals, nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		return float64(x)
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	}
	return v
}
