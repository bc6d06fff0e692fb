package lake_test

import (
	"database/sql"
	"math/big"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
)

// sqlRows adapts *sql.Rows of the reading DuckDB to animetl.Rows with the
// values the warehouses' adapters return (integers int64, decimals
// float64), so fingerprints compare.
type sqlRows struct {
	r    *sql.Rows
	cols []string
	vals []any
	ptrs []any
}

var _ animetl.Rows = (*sqlRows)(nil)

func newSQLRows(r *sql.Rows) (*sqlRows, error) {
	cols, err := r.Columns()
	if err != nil {
		r.Close()
		return nil, err
	}
	s := &sqlRows{r: r, cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s, nil
}

func (s *sqlRows) Columns() []string { return s.cols }
func (s *sqlRows) Next() bool        { return s.r.Next() }
func (s *sqlRows) Err() error        { return s.r.Err() }
func (s *sqlRows) Close() error      { return s.r.Close() }

func (s *sqlRows) Values() ([]any, error) {
	if err := s.r.Scan(s.ptrs...); err != nil {
		return nil, err
	}
	out := make([]any, len(s.vals))
	for i, v := range s.vals {
		switch x := v.(type) {
		case int8:
			out[i] = int64(x)
		case int16:
			out[i] = int64(x)
		case int32:
			out[i] = int64(x)
		case uint64:
			out[i] = int64(x)
		case float32:
			out[i] = float64(x)
		case *big.Int:
			out[i] = x.Int64()
		case duck.Decimal:
			out[i] = x.Float64()
		default:
			out[i] = v
		}
	}
	return out, nil
}
