package serve

import (
	"encoding/json"
	"math"
	"testing"
)

// TestAppendJSONIsEncodingJSON: the fast path writes every value byte for
// byte as encoding/json does, including the float formats, escapes and
// HTML-safe characters, and refuses what it refuses.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, int64(0), int64(-42), int64(math.MaxInt64), int64(math.MinInt64), 7, int32(-3),
		0.0, math.Copysign(0, -1), 1.5, -2.25, 0.1, 1.0 / 3, 123456789.125, 1e20, 1e21, 1.5e21, 1e-6, 9.99e-7,
		1e-7, -1e-9, 5e-324, math.MaxFloat64, 8.78, 0.4169,
		"", "Cowboy Bebop", `quote " backslash \`, "<b>&amp;</b>", "tab\tnewline\n", "日本語", "\u2028", "\x7f", "\xff",
		[]string{"a"}, map[string]int{"b": 1},
	}
	for _, v := range values {
		want, werr := json.Marshal(v)
		got, gerr := appendJSON([]byte("x"), v)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%#v: error %v, encoding/json %v", v, gerr, werr)
			continue
		}
		if werr == nil && string(got) != "x"+string(want) {
			t.Errorf("%#v: %s, encoding/json %s", v, got[1:], want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1)} {
		if _, err := appendJSON(nil, v); err == nil {
			t.Errorf("%v: no error", v)
		}
	}
	o := object{cols: []string{"rank", "name", "score"}, vals: []any{int64(1), "A & B", 0.5}}
	b, err := json.Marshal(o)
	if err != nil || string(b) != `{"rank":1,"name":"A \u0026 B","score":0.5}` {
		t.Errorf("object: %s, %v", b, err)
	}
}

// TestTableJSONIsTheObjectsArray: a table's JSON is the array of its row
// objects, as encoding/json would write that array.
func TestTableJSONIsTheObjectsArray(t *testing.T) {
	tb := &table{Columns: []string{"rank", "anime_id", "name", "score"}, Rows: [][]any{
		{int64(1), int64(5114), "Fullmetal <Alchemist>", 9.1},
		{int64(2), int64(9253), nil, 0.0000001},
	}}
	got, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"rank":1,"anime_id":5114,"name":"Fullmetal \u003cAlchemist\u003e","score":9.1},{"rank":2,"anime_id":9253,"name":null,"score":1e-7}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if b, _ := json.Marshal(&table{Columns: []string{"a"}}); string(b) != "[]" {
		t.Errorf("empty table: %s", b)
	}
}
