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

// MarshalJSON writes the rows as an array of objects, keys in column order.
func (t *table) MarshalJSON() ([]byte, error) { return json.Marshal(t.objects()) }

// object is one row as a JSON object whose keys keep the column order.
type object struct {
	cols []string
	vals []any
}

// MarshalJSON writes the object with its keys in column order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range o.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(jsonValue(o.vals[i]))
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
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
