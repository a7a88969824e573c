package web

import (
	"math"
	"slices"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/web/chart"
)

// frame indexes result rows for the pages.
type frame struct {
	rows     map[cellKey]forecast.ResultRow
	years    []int
	measures []string            // in order of first appearance
	bands    map[string][]string // measure → bands in order of first appearance
	units    map[string]string
	areas    []string
}

type cellKey struct {
	area, measure, sex, band string
	year                     int
}

func newFrame(rows []forecast.ResultRow) *frame {
	f := &frame{rows: make(map[cellKey]forecast.ResultRow, len(rows)), bands: map[string][]string{}, units: map[string]string{}}
	years := map[int]bool{}
	areas := map[string]bool{}
	for _, r := range rows {
		f.rows[cellKey{r.AreaCode, r.Measure, r.Sex, r.AgeBand, r.Year}] = r
		years[r.Year] = true
		if !areas[r.AreaCode] {
			areas[r.AreaCode] = true
			f.areas = append(f.areas, r.AreaCode)
		}
		if _, ok := f.units[r.Measure]; !ok {
			f.units[r.Measure] = r.Unit
			f.measures = append(f.measures, r.Measure)
		}
		if !slices.Contains(f.bands[r.Measure], r.AgeBand) {
			f.bands[r.Measure] = append(f.bands[r.Measure], r.AgeBand)
		}
	}
	for y := range years {
		f.years = append(f.years, y)
	}
	slices.Sort(f.years)
	return f
}

func (f *frame) get(area, measure, sex, band string, year int) (forecast.ResultRow, bool) {
	r, ok := f.rows[cellKey{area, measure, sex, band, year}]
	return r, ok
}

// band returns the headline band of a measure in this frame.
func (f *frame) band(measure string) string { return headlineBand(measure, f.bands[measure]) }

// head returns the measure's headline cell (all sexes, headline band) in year.
func (f *frame) head(area, measure string, year int) (forecast.ResultRow, bool) {
	return f.get(area, measure, "all", f.band(measure), year)
}

// headValue returns the headline cell's mean, or NaN.
func (f *frame) headValue(area, measure string, year int) float64 {
	if r, ok := f.head(area, measure, year); ok {
		return r.Mean
	}
	return math.NaN()
}

// series returns the headline cell of a measure over the years as a chart series with its
// 80% range.
func (f *frame) series(name, area, measure string) chart.Series {
	s := chart.Series{Name: name}
	for _, y := range f.years {
		r, ok := f.head(area, measure, y)
		if !ok {
			continue
		}
		s.Years = append(s.Years, y)
		s.Mid = append(s.Mid, r.Mean)
		s.Lo = append(s.Lo, r.P10)
		s.Hi = append(s.Hi, r.P90)
	}
	return s
}

// has reports whether the frame has the measure.
func (f *frame) has(measure string) bool { _, ok := f.units[measure]; return ok }

// family returns the frame's measures of one family, in order.
func (f *frame) family(fam string) []string {
	var out []string
	for _, m := range f.measures {
		if forecast.Family(m) == fam {
			out = append(out, m)
		}
	}
	return out
}

// yearsIn returns those of want that the frame has, keeping their order and dropping repeats.
func (f *frame) yearsIn(want ...int) []int {
	var out []int
	for _, y := range want {
		if slices.Contains(f.years, y) && !slices.Contains(out, y) {
			out = append(out, y)
		}
	}
	return out
}

// first returns the frame's first year (0 if empty).
func (f *frame) first() int {
	if len(f.years) == 0 {
		return 0
	}
	return f.years[0]
}

// last returns the frame's last year (0 if empty).
func (f *frame) last() int {
	if len(f.years) == 0 {
		return 0
	}
	return f.years[len(f.years)-1]
}
