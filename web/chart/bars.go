package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Pyramid is a population pyramid comparing two years: bars for Year filled, the base year's
// drawn as outlines over them. Men are on the left, women on the right, the youngest band at
// the bottom. Because bands span different numbers of years of age, each bar's length is the
// band's people divided by its number of years (Widths), so that the shape is a true pyramid;
// tooltips and the data table give the band totals.
type Pyramid struct {
	ID, Title string
	// Desc is the chart's description; empty: one is written from the data.
	Desc string
	// Bands name the age bands, youngest first; Widths gives each band's number of single years
	// of age (the open band counts as the years up to 90, plus 5).
	Bands  []string
	Widths []float64
	// BaseYear and Year label the two years. Base* are the base year's people by band, the
	// others the chosen year's.
	BaseYear, Year                     int
	BaseFemale, BaseMale, Female, Male []float64
}

// Describe writes a description: the people in the oldest band in each year, by sex.
func (p Pyramid) Describe() string {
	n := len(p.Bands)
	if n == 0 {
		return "No data."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Population by age band and sex in %d (filled bars) and %d (outlines).", p.Year, p.BaseYear)
	for i := n - 1; i >= 0 && i >= n-2; i-- {
		fmt.Fprintf(&b, " Aged %s: %s women and %s men in %d, against %s and %s in %d.", p.Bands[i],
			Number(p.Female[i]), Number(p.Male[i]), p.Year, Number(p.BaseFemale[i]), Number(p.BaseMale[i]), p.BaseYear)
	}
	return b.String()
}

// SVG draws the chart.
func (p Pyramid) SVG() template.HTML {
	const w = 640.0
	const top, bottom, mid = 46.0, 44.0, 64.0
	n := len(p.Bands)
	h := top + bottom + 34*float64(max(n, 1))
	desc := p.Desc
	if desc == "" {
		desc = p.Describe()
	}
	c := newCanvas(p.ID, p.Title, desc, w, h)
	if n == 0 {
		return c.empty("No data to show")
	}
	width := func(i int) float64 {
		if i < len(p.Widths) && p.Widths[i] > 0 {
			return p.Widths[i]
		}
		return 1
	}
	vmax := 0.0
	for i := range n {
		for _, v := range []float64{p.Female[i], p.Male[i], p.BaseFemale[i], p.BaseMale[i]} {
			vmax = math.Max(vmax, v/width(i))
		}
	}
	ticks := NiceTicks(0, vmax, 3)
	half := (w - mid) / 2
	cx := w / 2
	xs := scale{0, ticks[len(ticks)-1], 0, half - 34}
	rowH := (h - top - bottom) / float64(n)

	c.text(cx-mid/2-4, 18, "end", "axis-title", "Men")
	c.text(cx+mid/2+4, 18, "start", "axis-title", "Women")
	c.b.WriteString(`<g class="axis" aria-hidden="true">`)
	for _, t := range ticks {
		for _, sgn := range []float64{-1, 1} {
			x := cx + sgn*(mid/2+xs.at(t))
			c.line(x, top, x, h-bottom, "grid")
			c.text(x, h-bottom+16, "middle", "tick", Short(t))
		}
	}
	c.text(cx, h-bottom+34, "middle", "axis-title", "people per single year of age")
	c.b.WriteString(`</g>`)

	fill := [2]string{Colour(0), Colour(1)} // men, women
	for i := range n {
		y := h - bottom - float64(i+1)*rowH + 4
		bh := rowH - 8
		c.text(cx, y+bh/2+4, "middle", "band-label", p.Bands[i])
		for side, v := range [2][2]float64{{p.Male[i], p.BaseMale[i]}, {p.Female[i], p.BaseFemale[i]}} {
			sex := [2]string{"Men", "Women"}[side]
			sgn := [2]float64{-1, 1}[side]
			l := xs.at(v[0] / width(i))
			x0 := cx + sgn*mid/2
			c.rect(x0, y, sgn*l, bh, fill[side], "bar",
				fmt.Sprintf("%s aged %s in %d: %s", sex, p.Bands[i], p.Year, Number(v[0])))
			lb := xs.at(v[1] / width(i))
			bx := x0
			if sgn < 0 {
				bx = x0 - lb
			}
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#000" stroke-width="2" class="outline"><title>%s</title></rect>`,
				f1(bx), f1(y+2), f1(lb), f1(bh-4), esc(fmt.Sprintf("%s aged %s in %d: %s", sex, p.Bands[i], p.BaseYear, Number(v[1]))))
		}
	}
	// legend
	c.rect(12, 28, 14, 10, Colour(0), "legend", "")
	c.rect(26, 28, 14, 10, Colour(1), "legend", "")
	c.text(46, 37, "start", "legend-label", fmt.Sprint(p.Year))
	c.printf(`<rect x="96" y="28" width="28" height="10" fill="none" stroke="#000" stroke-width="2"/>`)
	c.text(130, 37, "start", "legend-label", fmt.Sprint(p.BaseYear))
	return c.html()
}

// Stack is one series of a stacked bar chart.
type Stack struct {
	Name   string
	Values []float64
}

// Stacked is a stacked bar chart: one bar per category (usually a year), each made of the
// series' values, the first series at the bottom.
type Stacked struct {
	ID, Title string
	// Desc is the chart's description; empty: one is written from the data.
	Desc       string
	Unit       string
	Categories []string
	Series     []Stack
}

// Describe writes a description: each series' first and last values and the totals.
func (s Stacked) Describe() string {
	n := len(s.Categories)
	if n == 0 || len(s.Series) == 0 {
		return "No data."
	}
	var parts []string
	var t0, t1 float64
	for _, ser := range s.Series {
		parts = append(parts, fmt.Sprintf("%s %s in %s and %s in %s", ser.Name, Number(ser.Values[0]), s.Categories[0], Number(ser.Values[n-1]), s.Categories[n-1]))
		t0 += ser.Values[0]
		t1 += ser.Values[n-1]
	}
	u := ""
	if s.Unit != "" {
		u = " (" + s.Unit + ")"
	}
	return fmt.Sprintf("Stacked bars%s. In all %s in %s and %s in %s: %s.", u, Number(t0), s.Categories[0], Number(t1), s.Categories[n-1], strings.Join(parts, "; "))
}

// SVG draws the chart.
func (s Stacked) SVG() template.HTML {
	const w = 640.0
	const left, right, bottom, legendW = 64.0, 16.0, 36.0, 170.0
	top := 30.0
	h := 340.0
	desc := s.Desc
	if desc == "" {
		desc = s.Describe()
	}
	c := newCanvas(s.ID, s.Title, desc, w, h)
	n := len(s.Categories)
	if n == 0 || len(s.Series) == 0 {
		return c.empty("No data to show")
	}
	totals := make([]float64, n)
	for _, ser := range s.Series {
		for i, v := range ser.Values {
			totals[i] += math.Max(v, 0)
		}
	}
	vmax := 0.0
	for _, t := range totals {
		vmax = math.Max(vmax, t)
	}
	ticks := NiceTicks(0, vmax, 5)
	plotR := w - right - legendW
	ys := scale{0, ticks[len(ticks)-1], h - bottom, top}
	slot := (plotR - left) / float64(n)
	bw := slot * 0.62

	c.b.WriteString(`<g class="axis" aria-hidden="true">`)
	for _, t := range ticks {
		y := ys.at(t)
		c.line(left, y, plotR, y, "grid")
		c.text(left-6, y+4, "end", "tick", Short(t))
	}
	c.line(left, h-bottom, plotR, h-bottom, "axisline")
	if s.Unit != "" {
		c.text(left-56, top-14, "start", "axis-title", s.Unit)
	}
	c.b.WriteString(`</g>`)
	for i, cat := range s.Categories {
		x := left + float64(i)*slot + (slot-bw)/2
		acc := 0.0
		for k, ser := range s.Series {
			v := math.Max(ser.Values[i], 0)
			y1 := ys.at(acc)
			y2 := ys.at(acc + v)
			c.rect(x, y2, bw, y1-y2, Colour(k), "segment", fmt.Sprintf("%s, %s: %s", ser.Name, cat, Number(ser.Values[i])))
			acc += v
		}
		c.text(x+bw/2, h-bottom+16, "middle", "tick", cat)
		c.text(x+bw/2, ys.at(acc)-4, "middle", "bar-total", Short(totals[i]))
	}
	// legend, top series first so that it reads in the bars' order
	for k := len(s.Series) - 1; k >= 0; k-- {
		y := top + 6 + float64(len(s.Series)-1-k)*22
		c.rect(plotR+14, y, 14, 14, Colour(k), "legend", "")
		c.text(plotR+34, y+12, "start", "legend-label", s.Series[k].Name)
	}
	return c.html()
}

// Step is one part of a waterfall: a named change.
type Step struct {
	Label string
	Delta float64
}

// Waterfall shows how a value moves from Start to End through named changes, drawn as
// horizontal bars: the start, each change floating from the running total (increases and
// decreases in different colours and with signed labels), and the end. Every label stays
// inside the chart: the right margin is as wide as the widest value label (up to a limit), a
// value that still does not fit beside its bar goes inside it, and row labels wrap to their
// column's width.
type Waterfall struct {
	ID, Title string
	// Desc is the chart's description; empty: one is written from the data.
	Desc string
	Unit string
	// Money formats values, changes and ticks as pounds (Money, SignedMoney: £1.2m, −£850k)
	// rather than as numbers (Number, Signed, Short).
	Money      bool
	StartLabel string
	Start      float64
	Steps      []Step
	EndLabel   string
	End        float64
}

// formats returns the waterfall's formats of a value, a change and a tick.
func (wf Waterfall) formats() (value, change, tick func(float64) string) {
	if wf.Money {
		return Money, SignedMoney, Money
	}
	return Number, Signed, Short
}

// Describe writes a description listing every step.
func (wf Waterfall) Describe() string {
	value, change, _ := wf.formats()
	var b strings.Builder
	fmt.Fprintf(&b, "From %s at %s to %s at %s", value(wf.Start), wf.StartLabel, value(wf.End), wf.EndLabel)
	if wf.Unit != "" {
		fmt.Fprintf(&b, " (%s)", wf.Unit)
	}
	b.WriteString(":")
	for i, st := range wf.Steps {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %s %s", sep, st.Label, change(st.Delta))
	}
	b.WriteString(".")
	return b.String()
}

// Font sizes of the waterfall's text, in viewBox units (style.css: svg.chart text, .tick,
// .step-value).
const (
	labelPx = 13.0
	tickPx  = 12.0
	valuePx = 12.0
)

// SVG draws the chart.
func (wf Waterfall) SVG() template.HTML {
	const w = 640.0
	const left, top, bottom, pad = 236.0, 16.0, 34.0, 4.0
	rows := len(wf.Steps) + 2
	rowH := 36.0
	h := top + bottom + rowH*float64(rows)
	desc := wf.Desc
	if desc == "" {
		desc = wf.Describe()
	}
	c := newCanvas(wf.ID, wf.Title, desc, w, h)
	value, change, tick := wf.formats()
	type bar struct {
		label, text string
		from, to    float64
		fill        string
	}
	bars := []bar{{wf.StartLabel, value(wf.Start), 0, wf.Start, "#6b6b6b"}}
	acc := wf.Start
	for _, st := range wf.Steps {
		fill := "#D55E00" // increase
		if st.Delta < 0 {
			fill = "#0072B2"
		}
		bars = append(bars, bar{st.Label, change(st.Delta), acc, acc + st.Delta, fill})
		acc += st.Delta
	}
	bars = append(bars, bar{wf.EndLabel, value(wf.End), 0, wf.End, "#3b3b3b"})
	lo, hi := 0.0, 0.0
	for _, b := range bars {
		lo, hi = math.Min(lo, math.Min(b.from, b.to)), math.Max(hi, math.Max(b.from, b.to))
	}
	ticks := NiceTicks(lo, hi, 4)
	// The right margin holds the widest value label beside the bar that reaches furthest
	// right, and half of the last tick's label.
	widest := 0.0
	for _, b := range bars {
		widest = math.Max(widest, textWidth(b.text, valuePx, true))
	}
	right := math.Max(widest+2*pad, textWidth(tick(ticks[len(ticks)-1]), tickPx, false)/2+pad)
	right = math.Min(math.Max(right, 24), 170)
	xs := scale{ticks[0], ticks[len(ticks)-1], left, w - right}

	c.b.WriteString(`<g class="axis" aria-hidden="true">`)
	for _, t := range ticks {
		x := xs.at(t)
		c.line(x, top, x, h-bottom, "grid")
		c.text(x, h-bottom+16, "middle", "tick", tick(t))
	}
	if wf.Unit != "" {
		c.text(w-pad, h-bottom+30, "end", "axis-title", wf.Unit)
	}
	c.b.WriteString(`</g>`)
	for i, b := range bars {
		y := top + float64(i)*rowH + 5
		c.lines(left-8, y+17, "end", "step-label", wrapWidth(b.label, left-8-pad, labelPx, 2))
		x0, x1 := xs.at(b.from), xs.at(b.to)
		c.rect(x0, y, x1-x0, rowH-10, b.fill, "step", b.label+": "+b.text)
		tw := textWidth(b.text, valuePx, true)
		lx, rx := math.Min(x0, x1), math.Max(x0, x1)
		switch {
		case rx+pad+tw <= w-pad: // beside the bar, on its right
			c.text(rx+pad, y+17, "start", "step-value", b.text)
		case rx-lx >= tw+2*pad: // inside the bar, against its right end
			c.text(rx-pad, y+17, "end", "step-value inside "+onFill(b.fill), b.text)
		case lx-pad-tw >= 0: // on the bar's left
			c.text(lx-pad, y+17, "end", "step-value", b.text)
		default:
			c.text(w-pad, y+17, "end", "step-value", b.text)
		}
	}
	return c.html()
}

// onFill names the text colour that reads best on a fill "#rrggbb": "on-dark" (white text)
// or "on-light" (ink), by WCAG contrast.
func onFill(fill string) string {
	var r, g, b int
	if _, err := fmt.Sscanf(fill, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return "on-light"
	}
	lin := func(c int) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	if (1.05)/(l+0.05) >= (l+0.05)/0.05 {
		return "on-dark"
	}
	return "on-light"
}
