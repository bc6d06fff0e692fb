package serve

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		f    float64
		d    int
		want string
	}{
		{0, 0, "0"}, {999, 0, "999"}, {1000, 0, "1,000"}, {1234567, 0, "1,234,567"},
		{-1234.5, 1, "-1,234.5"}, {7.8149, 2, "7.81"}, {100000, 2, "100,000.00"},
	} {
		if got := formatNumber(c.f, c.d); got != c.want {
			t.Errorf("formatNumber(%v, %d) = %q, want %q", c.f, c.d, got, c.want)
		}
	}
}

// Every chart is well-formed XML whatever its labels, names itself for
// screen readers, and writes every value in its description.
func TestChartsAreWellFormedAndLabelled(t *testing.T) {
	hostile := chart{ID: "c", Title: `<b>"x" & y</b>`, Bars: []bar{
		{Label: `</svg><script>alert(1)</script>`, Value: 3},
		{Label: "a very long genre name that does not fit", Value: 1234567},
		{Label: "zero", Value: 0},
	}}
	empty := chart{ID: "e", Title: "Empty"}
	many := chart{ID: "m", Title: "Many"}
	for i := range 40 {
		many.Bars = append(many.Bars, bar{Label: "11-30 08:59", Value: float64(i * 1000)})
	}
	for name, svg := range map[string]string{
		"hostile h": string(hostile.HBars()), "hostile v": string(hostile.VBars()),
		"empty h": string(empty.HBars()), "empty v": string(empty.VBars()),
		"many v": string(many.VBars()),
	} {
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", name, err, svg)
			}
		}
		if strings.Contains(svg, "<script") {
			t.Errorf("%s: a label became markup", name)
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-labelledby=`) {
			t.Errorf("%s: no accessible name", name)
		}
	}
	if !strings.Contains(string(hostile.HBars()), "1,234,567") {
		t.Error("values are not written")
	}
}
