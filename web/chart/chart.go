// Package chart draws carecast's charts as SVG written by hand: fan charts (a median line in an
// 80% band), population pyramids, stacked bars and driver waterfalls.
//
// The charts are drawn on the server so that pages need no JavaScript. They are hand-written
// rather than made with gonum.org/v1/plot because plot's SVG back end cannot give a chart the
// <title> and <desc> elements, ARIA roles and CSS classes that screen readers and high-contrast
// styles need, and embeds its own fonts where the page's would do.
//
// Every chart is an <svg role="img"> whose accessible name is its <title> and whose
// description is its <desc>: a sentence or two saying what the chart shows, with the first and
// last values. The page shows the chart's data as a table too. Charts scale to the width of
// their container (a viewBox and no fixed width), and colours come from the Okabe–Ito palette,
// which people with the common colour-vision deficiencies can tell apart; no chart relies on
// colour alone (lines are labelled, bands and outlines differ in form).
//
// Inputs are never modified. A chart with no data draws an empty frame that says so.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Palette is the Okabe–Ito palette in the order series take it.
var Palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// Colour returns the palette colour of series i (wrapping round).
func Colour(i int) string { return Palette[i%len(Palette)] }

// canvas is an SVG being written, in viewBox units.
type canvas struct {
	b    strings.Builder
	w, h float64
}

func newCanvas(id, title, desc string, w, h float64) *canvas {
	c := &canvas{w: w, h: h}
	id = attr(id)
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %g %g" preserveAspectRatio="xMidYMid meet">`,
		id, id, id, w, h)
	fmt.Fprintf(&c.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	fmt.Fprintf(&c.b, `<rect class="chart-bg" x="0" y="0" width="%g" height="%g" fill="#fff"/>`, w, h)
	return c
}

func (c *canvas) html() template.HTML {
	c.b.WriteString(`</svg>`)
	return template.HTML(c.b.String()) // every piece of text was escaped with esc or attr
}

func (c *canvas) printf(format string, args ...any) { fmt.Fprintf(&c.b, format, args...) }

// text writes a text element; anchor is start, middle or end.
func (c *canvas) text(x, y float64, anchor, class, s string) {
	c.printf(`<text x="%s" y="%s" text-anchor="%s" class="%s">%s</text>`, f1(x), f1(y), anchor, class, esc(s))
}

// lines writes text on up to len(ls) lines centred on y.
func (c *canvas) lines(x, y float64, anchor, class string, ls []string) {
	y -= 7.5 * float64(len(ls)-1)
	c.printf(`<text x="%s" y="%s" text-anchor="%s" class="%s">`, f1(x), f1(y), anchor, class)
	for i, l := range ls {
		dy := "0"
		if i > 0 {
			dy = "15"
		}
		c.printf(`<tspan x="%s" dy="%s">%s</tspan>`, f1(x), dy, esc(l))
	}
	c.b.WriteString(`</text>`)
}

// wrap breaks s into at most n lines of at most width characters at spaces, ending the last
// with "…" if it does not fit.
func wrap(s string, width, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	if len(out) > n {
		out = out[:n]
		last := []rune(out[n-1])
		if len(last) > width-1 {
			last = last[:width-1]
		}
		out[n-1] = string(last) + "…"
	}
	for i, l := range out {
		if r := []rune(l); len(r) > width {
			out[i] = string(r[:width-1]) + "…"
		}
	}
	return out
}

func (c *canvas) line(x1, y1, x2, y2 float64, class string) {
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"/>`, f1(x1), f1(y1), f1(x2), f1(y2), class)
}

// rect writes a rectangle with a tooltip.
func (c *canvas) rect(x, y, w, h float64, fill, class, tip string) {
	if w < 0 {
		x, w = x+w, -w
	}
	if h < 0 {
		y, h = y+h, -h
	}
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" class="%s">`, f1(x), f1(y), f1(w), f1(h), fill, class)
	if tip != "" {
		c.printf(`<title>%s</title>`, esc(tip))
	}
	c.b.WriteString(`</rect>`)
}

// empty draws the frame of a chart with no data.
func (c *canvas) empty(msg string) template.HTML {
	c.text(c.w/2, c.h/2, "middle", "chart-note", msg)
	return c.html()
}

// scale maps a data interval onto a pixel interval.
type scale struct{ d0, d1, p0, p1 float64 }

func (s scale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.p0 + s.p1) / 2
	}
	return s.p0 + (v-s.d0)/(s.d1-s.d0)*(s.p1-s.p0)
}

// NiceTicks returns about n round tick values (1, 2 or 5 times a power of ten apart) covering
// lo..hi, the first ≤ lo and the last ≥ hi. It returns [lo] when lo == hi.
func NiceTicks(lo, hi float64, n int) []float64 {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return []float64{0, 1}
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			return []float64{0, 1}
		}
		return []float64{math.Min(0, lo), math.Max(0, hi)}
	}
	n = max(n, 2)
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	first := math.Floor(lo/step) * step
	last := math.Ceil(hi/step) * step
	var out []float64
	for v := first; v <= last+step/2; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// yearTicks returns the years to label on an axis from y0 to y1: every 5 (or 10) years, plus the
// first year.
func yearTicks(y0, y1 int) []int {
	step := 5
	if y1-y0 > 40 {
		step = 10
	}
	if y1-y0 < 8 {
		step = 1
	}
	out := []int{y0}
	for y := (y0/step + 1) * step; y <= y1; y += step {
		if y-y0 >= step/2+1 || step == 1 {
			out = append(out, y)
		}
	}
	return out
}

// Short formats v compactly for axis labels: 1.2k, 35k, 1.5m, 2.1bn.
func Short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "bn"
	case a >= 1e6:
		return trim(v/1e6) + "m"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	case a >= 1e3:
		return Number(v)
	}
	return trim(v)
}

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Number formats v rounded to a whole number with thousands separators: 12,345.
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	r := math.Round(v)
	neg := r < 0
	s := strconv.FormatFloat(math.Abs(r), 'f', 0, 64)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// Signed formats v like Number with a leading + for positive values and − (minus sign) for
// negative ones.
func Signed(v float64) string {
	s := Number(v)
	switch {
	case s == "0" || s == "–":
		return s
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	}
	return "+" + s
}

func esc(s string) string { return html.EscapeString(s) }

// attr makes s safe as an id or class attribute value.
func attr(s string) string {
	var b strings.Builder
	for _, c := range s {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "chart"
	}
	return b.String()
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
