package lake

import (
	"context"
	"fmt"
	"strings"

	"github.com/animetl/animetl"
)

// column is a warehouse column: its lake type (DuckDB's spelling, the
// Parquet file's type) and the type it is staged in before the encoder
// casts it.
type column struct {
	name  string
	lake  string
	stage string
}

// columnsQuery reads a table's columns as the snapshot sees them; the same
// text serves DuckDB and PostgreSQL.
const columnsQuery = `SELECT column_name, data_type, numeric_precision, numeric_scale
FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = $1
ORDER BY ordinal_position`

// columns returns table's columns in order.
func columns(ctx context.Context, q animetl.Querier, table string) ([]column, error) {
	rows, err := q.Query(ctx, columnsQuery, table)
	if err != nil {
		return nil, fmt.Errorf("lake: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("lake: columns of %s: %w", table, err)
		}
		name, _ := v[0].(string)
		typ, _ := v[1].(string)
		prec, _ := v[2].(int64)
		scale, _ := v[3].(int64)
		c, err := lakeType(name, typ, prec, scale)
		if err != nil {
			return nil, fmt.Errorf("lake: %s.%w", table, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lake: columns of %s: %w", table, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lake: table %s: no columns: %w", table, animetl.ErrNotFound)
	}
	return out, nil
}

// lakeType maps an information_schema type of either engine to the type
// the Parquet file holds. Decimals are staged as DOUBLE (the snapshot
// yields them as float64) and cast back to their precision and scale.
func lakeType(name, typ string, prec, scale int64) (column, error) {
	t := strings.ToLower(strings.TrimSpace(typ))
	same := func(lt string) (column, error) { return column{name: name, lake: lt, stage: lt}, nil }
	switch t {
	case "smallint", "int2":
		return same("SMALLINT")
	case "integer", "int", "int4":
		return same("INTEGER")
	case "bigint", "int8":
		return same("BIGINT")
	case "text", "varchar", "character varying":
		return same("VARCHAR")
	case "double precision", "double", "float8":
		return same("DOUBLE")
	case "real", "float", "float4":
		return same("FLOAT")
	case "boolean", "bool":
		return same("BOOLEAN")
	case "date":
		return same("DATE")
	case "timestamp with time zone", "timestamptz":
		return same("TIMESTAMPTZ")
	case "timestamp without time zone", "timestamp":
		return same("TIMESTAMP")
	}
	if t == "numeric" || strings.HasPrefix(t, "decimal") || strings.HasPrefix(t, "numeric(") {
		if prec <= 0 || prec > 38 || scale < 0 || scale > prec {
			return column{}, fmt.Errorf("%s: %s: want a decimal of fixed precision and scale", name, typ)
		}
		return column{name: name, lake: fmt.Sprintf("DECIMAL(%d,%d)", prec, scale), stage: "DOUBLE"}, nil
	}
	return column{}, fmt.Errorf("%s: type %s has no lake type", name, typ)
}

// ident quotes an identifier for either engine.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlString quotes a string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
