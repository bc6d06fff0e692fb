package serve

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// table is a query result read whole: the columns in order and the rows as
// driver-neutral values.
type table struct {
	Columns []string
	Rows    [][]any
}

// readTable reads rows whole and closes them.
func readTable(rows animetl.Rows) (*table, error) {
	defer rows.Close()
	t := &table{Columns: rows.Columns(), Rows: [][]any{}}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return t, rows.Close()
}

// objects returns the rows as objects keyed by column, in column order.
func (t *table) objects() []object {
	out := make([]object, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = object{cols: t.Columns, vals: r}
	}
	return out
}

// MarshalJSON writes the rows as an array of objects, keys in column order,
// into one buffer (encoding/json re-reads what each MarshalJSON returns, so
// one call for the array is cheaper than one per row).
func (t *table) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+len(t.Rows)*24*len(t.Columns))
	b = append(b, '[')
	for i, r := range t.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = (object{cols: t.Columns, vals: r}).appendTo(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// object is one row as a JSON object whose keys keep the column order.
type object struct {
	cols []string
	vals []any
}

// MarshalJSON writes the object with its keys in column order. Integers,
// floats, booleans and nulls are appended directly, as encoding/json
// writes them; other values go through encoding/json. An answer is many
// small objects, so this is most of a list endpoint's work on a cache miss.
func (o object) MarshalJSON() ([]byte, error) { return o.appendTo(make([]byte, 0, 32*len(o.cols))) }

// appendTo appends the object's JSON to b.
func (o object) appendTo(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, c := range o.cols {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, c); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = appendJSON(b, jsonValue(o.vals[i])); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSON appends v's JSON, byte for byte what json.Marshal gives.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			break // json.Marshal's error
		}
		// encoding/json's float format: %f between 1e-6 and 1e21, else
		// %e with a two-digit exponent cut to one.
		f := byte('f')
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			f = 'e'
		}
		b = strconv.AppendFloat(b, x, f, -1, 64)
		if f == 'e' {
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		}
		return b, nil
	case string:
		if plainASCII(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"'), nil
		}
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// plainASCII says s needs no escaping in JSON (encoding/json escapes
// control characters, quotes, backslashes and <, >, & for HTML).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// get returns the value of a column, nil when absent.
func (o object) get(col string) any {
	for i, c := range o.cols {
		if c == col {
			return o.vals[i]
		}
	}
	return nil
}

// jsonValue renders a value as JSON does best: numbers stay numbers, times
// are RFC 3339 (dates as YYYY-MM-DD), bytes are hex.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return formatTime(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case []byte:
		return strconv.Quote(string(x))
	}
	return v
}

func formatTime(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// csvCell renders a value for CSV: NULL is an empty cell.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		// A cell a spreadsheet would run as a formula is quoted.
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return formatTime(x)
	}
	b, _ := json.Marshal(jsonValue(v))
	return string(b)
}

// csvBytes renders a table as CSV with a header line.
func csvBytes(t *table) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(t.Columns); err != nil {
		return nil, err
	}
	rec := make([]string, len(t.Columns))
	for _, r := range t.Rows {
		for i, v := range r {
			rec[i] = csvCell(v)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
