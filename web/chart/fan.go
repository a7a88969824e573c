package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Series is one projected quantity over the years: its central value and, when Lo and Hi are
// not nil, its 80% range (p10 to p90). Years, Mid, Lo and Hi have equal lengths.
type Series struct {
	Name  string
	Years []int
	Mid   []float64
	Lo    []float64
	Hi    []float64
}

// hasBand reports whether the series has a range that is not everywhere zero-width.
func (s Series) hasBand() bool {
	if s.Lo == nil || s.Hi == nil {
		return false
	}
	for i := range s.Lo {
		if s.Hi[i]-s.Lo[i] > 1e-9*math.Max(1, math.Abs(s.Mid[i])) {
			return true
		}
	}
	return false
}

// Fan is a fan chart: each series is drawn as its median line inside its shaded 80% band.
// Several series (scenarios being compared) share the axes. Mark, when not 0, draws a
// vertical line at that year.
type Fan struct {
	ID, Title string
	// Desc is the chart's description; empty: one is written from the data.
	Desc string
	// Unit labels the vertical axis, e.g. "hours per week".
	Unit   string
	Series []Series
	Mark   int
}

// Describe writes a description of the series: each one's first and last central values,
// with the 80% range at the end when there is one, and at Mark when set.
func (f Fan) Describe() string {
	var parts []string
	for _, s := range f.Series {
		n := len(s.Years)
		if n == 0 {
			continue
		}
		p := fmt.Sprintf("%s: %s in %d", s.Name, Number(s.Mid[0]), s.Years[0])
		at := func(i int) string {
			t := fmt.Sprintf("%s in %d", Number(s.Mid[i]), s.Years[i])
			if s.hasBand() {
				t += fmt.Sprintf(" (80%% range %s to %s)", Number(s.Lo[i]), Number(s.Hi[i]))
			}
			return t
		}
		for i, y := range s.Years {
			if y == f.Mark && i != n-1 && i != 0 {
				p += ", " + at(i)
			}
		}
		p += ", " + at(n-1)
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "No data."
	}
	u := ""
	if f.Unit != "" {
		u = " (" + f.Unit + ")"
	}
	return "Projection" + u + ". " + strings.Join(parts, ". ") + "."
}

// SVG draws the chart.
func (f Fan) SVG() template.HTML {
	const w = 640.0
	const left, right, bottom = 64.0, 20.0, 40.0
	top := 52.0 + 18*float64(len(f.Series))
	h := top + 260 + bottom
	desc := f.Desc
	if desc == "" {
		desc = f.Describe()
	}
	c := newCanvas(f.ID, f.Title, desc, w, h)
	y0, y1 := math.MaxInt, math.MinInt
	vmax := 0.0
	vmin := 0.0
	for _, s := range f.Series {
		for i, y := range s.Years {
			y0, y1 = min(y0, y), max(y1, y)
			for _, v := range []float64{s.Mid[i], at(s.Lo, i), at(s.Hi, i)} {
				if finite(v) {
					vmax, vmin = math.Max(vmax, v), math.Min(vmin, v)
				}
			}
		}
	}
	if y0 > y1 {
		return c.empty("No data to show")
	}
	ticks := NiceTicks(vmin, vmax, 5)
	xs := scale{float64(y0), float64(y1), left, w - right}
	ys := scale{ticks[0], ticks[len(ticks)-1], h - bottom, top}

	// grid and axes
	c.b.WriteString(`<g class="axis" aria-hidden="true">`)
	for _, t := range ticks {
		y := ys.at(t)
		c.line(left, y, w-right, y, "grid")
		c.text(left-6, y+4, "end", "tick", Short(t))
	}
	for _, yr := range yearTicks(y0, y1) {
		x := xs.at(float64(yr))
		c.line(x, h-bottom, x, h-bottom+5, "tickmark")
		c.text(x, h-bottom+18, "middle", "tick", fmt.Sprint(yr))
	}
	c.line(left, h-bottom, w-right, h-bottom, "axisline")
	if f.Unit != "" {
		c.text(left-56, top-14, "start", "axis-title", f.Unit)
	}
	c.b.WriteString(`</g>`)

	if f.Mark != 0 && f.Mark >= y0 && f.Mark <= y1 {
		x := xs.at(float64(f.Mark))
		c.line(x, top, x, h-bottom, "mark")
		c.text(x+4, top+10, "start", "mark-label", fmt.Sprint(f.Mark))
	}

	for i, s := range f.Series {
		col := Colour(i)
		if s.hasBand() {
			var pts []string
			for j, yr := range s.Years {
				pts = append(pts, f1(xs.at(float64(yr)))+","+f1(ys.at(s.Hi[j])))
			}
			for j := len(s.Years) - 1; j >= 0; j-- {
				pts = append(pts, f1(xs.at(float64(s.Years[j])))+","+f1(ys.at(s.Lo[j])))
			}
			c.printf(`<polygon class="band" points="%s" fill="%s" fill-opacity="0.22" stroke="%s" stroke-opacity="0.5" stroke-dasharray="3 3"><title>%s</title></polygon>`,
				strings.Join(pts, " "), col, col, esc(s.Name+": 80% range (p10 to p90)"))
		}
		var pts []string
		for j, yr := range s.Years {
			pts = append(pts, f1(xs.at(float64(yr)))+","+f1(ys.at(s.Mid[j])))
		}
		dash := ""
		if i%2 == 1 {
			dash = ` stroke-dasharray="8 4"`
		}
		c.printf(`<polyline class="median" points="%s" fill="none" stroke="%s" stroke-width="2.5"%s><title>%s</title></polyline>`,
			strings.Join(pts, " "), col, dash, esc(s.Name+": central projection"))
		// points with values as tooltips, for pointer users
		for j, yr := range s.Years {
			tip := fmt.Sprintf("%s, %d: %s", s.Name, yr, Number(s.Mid[j]))
			if s.hasBand() {
				tip += fmt.Sprintf(" (80%% range %s to %s)", Number(s.Lo[j]), Number(s.Hi[j]))
			}
			c.printf(`<circle cx="%s" cy="%s" r="2.5" fill="%s"><title>%s</title></circle>`, f1(xs.at(float64(yr))), f1(ys.at(s.Mid[j])), col, esc(tip))
		}
	}

	// legend: one line per series, and what lines and bands mean
	c.b.WriteString(`<g class="legend">`)
	anyBand := false
	for i, s := range f.Series {
		col := Colour(i)
		y := 14 + 18*float64(i)
		dash := ""
		if i%2 == 1 {
			dash = ` stroke-dasharray="8 4"`
		}
		c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"%s/>`, f1(left), f1(y), f1(left+22), f1(y), col, dash)
		x := left + 28
		if s.hasBand() {
			anyBand = true
			c.printf(`<rect x="%s" y="%s" width="14" height="12" fill="%s" fill-opacity="0.22" stroke="%s" stroke-dasharray="3 3"/>`, f1(x), f1(y-6), col, col)
			x += 20
		}
		c.text(x, y+4, "start", "legend-label", wrap(s.Name, int((w-right-x)/7.2), 1)[0])
	}
	note := "Lines: central projection."
	if anyBand {
		note += " Shaded bands: 80% range."
	}
	c.text(left, 14+18*float64(len(f.Series)), "start", "legend-note", note)
	c.b.WriteString(`</g>`)
	return c.html()
}

func at(s []float64, i int) float64 {
	if s == nil {
		return math.NaN()
	}
	return s[i]
}
