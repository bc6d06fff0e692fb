package serve

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The dashboard's charts are SVG drawn here, on the server, and inlined in
// the page: they need no JavaScript, nothing loaded from elsewhere and no
// style attribute (the CSP forbids inline styles; the classes are styled by
// app.css). Bar charts are all the dashboard draws, and drawing them is a
// page of arithmetic: no Go library renders plain SVG bar charts without a
// browser-side script, and a vendored JavaScript library would need one.

// bar is one bar of a chart.
type bar struct {
	Label string
	Value float64
	// Text is the value as the chart writes it; empty means the value
	// formatted by the chart.
	Text string
}

// chart describes a bar chart: Title and Desc name it for assistive
// technology (role="img" with aria-labelledby).
type chart struct {
	ID    string
	Title string
	Desc  string
	Bars  []bar
	// Decimals of the values written beside the bars.
	Decimals int
	// Height of a vertical chart's plot area; 0 means vChartHeight.
	Height int
}

// Geometry of the charts, in SVG user units. The viewBox scales to the
// container's width; the units are chosen so that the 12-unit text stays
// readable (about 10 px) on a 360 px wide phone.
const (
	svgWidth      = 420
	hBarHeight    = 18
	hBarGap       = 5
	hLabelWidth   = 130
	hValueWidth   = 62
	vChartHeight  = 200
	vMaxBarWidth  = 48
	minFontSize   = 10
	vAxisHeight   = 34
	vTopMargin    = 18
	fontSize      = 12
	maxLabelRunes = 20
)

func (c chart) value(b bar) string {
	if b.Text != "" {
		return b.Text
	}
	return formatNumber(b.Value, c.Decimals)
}

func (c chart) maxValue() float64 {
	m := 0.0
	for _, b := range c.Bars {
		if b.Value > m && !math.IsInf(b.Value, 0) {
			m = b.Value
		}
	}
	return m
}

// open writes the <svg> element with its accessible name and description.
func (c chart) open(sb *strings.Builder, class string, height int) {
	fmt.Fprintf(sb, `<svg class="chart %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		class, svgWidth, height, c.ID, c.ID)
	fmt.Fprintf(sb, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`,
		c.ID, template.HTMLEscapeString(c.Title), c.ID, template.HTMLEscapeString(c.describe()))
}

// describe is the chart's data in words, for screen readers.
func (c chart) describe() string {
	if len(c.Bars) == 0 {
		return c.Desc + " No data."
	}
	parts := make([]string, len(c.Bars))
	for i, b := range c.Bars {
		parts[i] = b.Label + ": " + c.value(b)
	}
	d := strings.Join(parts, "; ")
	if c.Desc != "" {
		d = c.Desc + " " + d
	}
	return d
}

// HBars draws horizontal bars, one row per bar, labels on the left and
// values on the right: for long category names (genres).
func (c chart) HBars() template.HTML {
	var sb strings.Builder
	height := len(c.Bars)*(hBarHeight+hBarGap) + hBarGap
	if len(c.Bars) == 0 {
		height = hBarHeight * 2
	}
	c.open(&sb, "hbars", height)
	maxV := c.maxValue()
	span := float64(svgWidth - hLabelWidth - hValueWidth)
	for i, b := range c.Bars {
		y := hBarGap + i*(hBarHeight+hBarGap)
		w := 0.0
		if maxV > 0 {
			w = math.Max(b.Value/maxV*span, 1)
		}
		ty := y + hBarHeight/2 + fontSize/3
		fmt.Fprintf(&sb, `<g><title>%s: %s</title>`, esc(b.Label), esc(c.value(b)))
		fmt.Fprintf(&sb, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, hLabelWidth-6, ty, esc(shorten(b.Label)))
		fmt.Fprintf(&sb, `<rect class="bar" x="%d" y="%d" width="%s" height="%d"/>`, hLabelWidth, y, num(w), hBarHeight)
		fmt.Fprintf(&sb, `<text class="value" x="%s" y="%d">%s</text></g>`, num(float64(hLabelWidth)+w+4), ty, esc(c.value(b)))
	}
	if len(c.Bars) == 0 {
		fmt.Fprintf(&sb, `<text class="label" x="%d" y="%d">No data</text>`, 4, hBarHeight)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// VBars draws vertical bars over a labelled axis: for ordered categories
// (score buckets, runs). Labels are thinned out when they would collide;
// values are written above the bars when they fit (in a smaller font if
// need be), else a gridline marks the largest value.
func (c chart) VBars() template.HTML {
	var sb strings.Builder
	plot := c.Height
	if plot <= 0 {
		plot = vChartHeight
	}
	c.open(&sb, "vbars", vTopMargin+plot+vAxisHeight)
	n := len(c.Bars)
	base := vTopMargin + plot
	fmt.Fprintf(&sb, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, base, svgWidth, base)
	if n == 0 {
		fmt.Fprintf(&sb, `<text class="label" x="%d" y="%d" text-anchor="middle">No data</text>`, svgWidth/2, base-plot/2)
		sb.WriteString(`</svg>`)
		return template.HTML(sb.String())
	}
	maxV := c.maxValue()
	slot := float64(svgWidth) / float64(n)
	bw := math.Min(slot*0.8, vMaxBarWidth)
	// A character is about 0.6 em wide.
	fits := func(runes, size int) bool { return float64(runes*size*6/10+4) <= slot }
	longest, widest := 1, 0
	for _, b := range c.Bars {
		longest = max(longest, len([]rune(b.Label)))
		widest = max(widest, len([]rune(c.value(b))))
	}
	every := max(int(math.Ceil(float64(longest*fontSize*6/10+6)/slot)), 1)
	valueSize := 0
	for _, size := range []int{fontSize, minFontSize} {
		if fits(widest, size) {
			valueSize = size
			break
		}
	}
	if valueSize == 0 && maxV > 0 {
		top := base - plot
		fmt.Fprintf(&sb, `<line class="grid" x1="0" y1="%d" x2="%d" y2="%d"/>`, top, svgWidth, top)
		fmt.Fprintf(&sb, `<text class="value" x="2" y="%d">%s</text>`, top-4, esc(formatNumber(maxV, c.Decimals)))
	}
	for i, b := range c.Bars {
		x := float64(i)*slot + (slot-bw)/2
		h := 0.0
		if maxV > 0 {
			h = b.Value / maxV * float64(plot)
			if b.Value > 0 {
				h = math.Max(h, 1)
			}
		}
		cx := x + bw/2
		fmt.Fprintf(&sb, `<g><title>%s: %s</title>`, esc(b.Label), esc(c.value(b)))
		fmt.Fprintf(&sb, `<rect class="bar" x="%s" y="%s" width="%s" height="%s"/>`, num(x), num(float64(base)-h), num(bw), num(h))
		if valueSize > 0 {
			fmt.Fprintf(&sb, `<text class="value" font-size="%d" x="%s" y="%s" text-anchor="middle">%s</text>`, valueSize, num(cx), num(float64(base)-h-4), esc(c.value(b)))
		}
		if i%every == 0 {
			fmt.Fprintf(&sb, `<text class="label" x="%s" y="%d" text-anchor="middle">%s</text>`, num(cx), base+fontSize+6, esc(shorten(b.Label)))
		}
		sb.WriteString(`</g>`)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// num writes a coordinate with one decimal at most.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// shorten cuts a label that would not fit beside its bar.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxLabelRunes {
		return s
	}
	return string(r[:maxLabelRunes-1]) + "…"
}

// formatNumber writes a number with thousands separators and the given
// decimals: 12,345 or 7.81.
func formatNumber(f float64, decimals int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
