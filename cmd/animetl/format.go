package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// formatCell renders a value for the table format.
func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		// Four decimals at most, without trailing zeros: 8.93, 9.3793, and
		// without a dangling point: 0.00002 is 0, 3.00001 is 3.
		s := strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(x, 'f', 4, 64), "0"), ".")
		if s == "-0" {
			s = "0"
		}
		return s
	case time.Time:
		return formatTime(x)
	case []byte:
		return fmt.Sprintf("%x", x)
	}
	return fmt.Sprint(v)
}

func formatTime(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// jsonValue renders a value for the JSON format: numbers stay numbers.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return formatTime(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}

// writeRows streams a result in the given format: table, csv or json.
func writeRows(w io.Writer, rows animetl.Rows, format string) (int, error) {
	defer rows.Close()
	cols := rows.Columns()
	n := 0
	switch format {
	case "table":
		t := newTable(cols...)
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return n, err
			}
			t.row(vals...)
			n++
		}
		if err := rows.Err(); err != nil {
			return n, err
		}
		t.write(w)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return n, err
		}
		rec := make([]string, len(cols))
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return n, err
			}
			for i, v := range vals {
				switch x := v.(type) {
				case nil:
					rec[i] = ""
				case float64:
					rec[i] = strconv.FormatFloat(x, 'g', -1, 64)
				default:
					rec[i] = formatCell(x)
				}
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if err := rows.Err(); err != nil {
			return n, err
		}
	case "json":
		out := []map[string]any{}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return n, err
			}
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = jsonValue(vals[i])
			}
			out = append(out, m)
			n++
		}
		if err := rows.Err(); err != nil {
			return n, err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return n, err
		}
	default:
		return 0, usagef("format %q: want table, csv or json", format)
	}
	return n, nil
}
