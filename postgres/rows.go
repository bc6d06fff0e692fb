package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/animetl/animetl"
)

var _ animetl.Rows = (*rows)(nil)

// rows adapts pgx.Rows to animetl.Rows with driver-neutral values.
type rows struct {
	r      pgx.Rows
	cols   []string
	done   func()
	closed bool
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
func (r *rows) Err() error { return r.r.Err() }

func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.r.Close()
	if r.done != nil {
		r.done()
	}
	return r.r.Err()
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
