package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web/chart"
)

// maxCompare is the most runs one comparison shows.
const maxCompare = 6

// compareMeasures are the rows of the comparison's key table.
var compareMeasures = []string{
	"capacity.home_care_hours", "capacity.residential_beds", "capacity.nursing_beds", forecast.MeasureWholeMarketBeds, "workforce.total_fte", "cost.total",
	"service.home_care", "service.residential", "service.nursing", "need.adl_need_help", "need.dementia", "population",
}

// compared is one run (or the computed baseline) in a comparison.
type compared struct {
	Name, RunID string
	f           *frame
	// noCentral is set for a run with draws whose central projection was not stored: its
	// values are the draws' means, which are not compared with other runs' central values.
	noCentral bool
}

type compareCell struct {
	Value, Range, Change string
	HasRange             bool
}

type compareRow struct {
	Measure, Label, Band string
	Cells                []compareCell
}

type runChoice struct {
	runRow
	Checked bool
}

type comparePage struct {
	base
	Choices  []runChoice
	Columns  []compared
	Area     forecast.AreaInfo
	Areas    []areaOption
	Measure  string
	Measures []measureOption
	Year     int
	Years    []int
	Baseline bool
	Fan      fanBlock
	Rows     []compareRow
	CSV      string
	Notes    []string
	// Compared says in words which statistic the values and changes are.
	Compared string
}

// comparedWords says on the page what the comparison sets side by side.
const comparedWords = "Values and changes are central projections: every input at its central value. A run with ranges " +
	"(Monte Carlo draws) is also projected without draws for this, so that it is compared with a run without ranges like " +
	"with like; its range is the 80% range of its draws (10th to 90th percentile), whose mean can differ from the central value."

// withCentral returns rows with each Mean replaced by the central projection's value of the
// same cell (area, year, measure, sex, band), keeping the draws' quantiles as the range. Rows
// without a central value are dropped.
func withCentral(rows, central []forecast.ResultRow) []forecast.ResultRow {
	type key struct {
		area, measure, sex, band string
		year                     int
	}
	c := make(map[key]float64, len(central))
	for _, r := range central {
		c[key{r.AreaCode, r.Measure, r.Sex, r.AgeBand, r.Year}] = r.Mean
	}
	out := make([]forecast.ResultRow, 0, len(rows))
	for _, r := range rows {
		if v, ok := c[key{r.AreaCode, r.Measure, r.Sex, r.AgeBand, r.Year}]; ok {
			r.Mean = v
			out = append(out, r)
		}
	}
	return out
}

// compareRunIDs reads the runs to compare from ?runs=a,b and ?run=a&run=b.
func compareRunIDs(q url.Values) []string {
	var ids []string
	for _, v := range append(q["runs"], q["run"]...) {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) && len(ids) < maxCompare {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func (s *site) compare(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	ids := compareRunIDs(q)
	d := &comparePage{base: base{Title: "Compare scenarios", User: &p, Section: "compare"}}
	if runs, err := s.d.Backend.Runs(r.Context(), p, "", 100); err == nil {
		for _, row := range s.runRows(r, p, runs) {
			if row.Succeeded {
				d.Choices = append(d.Choices, runChoice{runRow: row, Checked: slices.Contains(ids, row.ID)})
			}
		}
	}
	if len(ids) == 0 {
		s.render(w, r, http.StatusOK, "compare", d)
		return
	}
	// Load the runs and the areas they share.
	type loaded struct {
		run store.Run
		sc  store.Scenario
		doc forecast.Scenario
	}
	var runs []loaded
	var common []string
	for i, id := range ids {
		run, sc, doc, err := s.loadRun(r.Context(), p, id)
		if err != nil {
			s.failErr(w, r, &p, "run "+id, err)
			return
		}
		if run.Status != store.RunSucceeded {
			d.Notes = append(d.Notes, fmt.Sprintf("Run %s of %s has not succeeded (%s), so it is left out.", id, sc.Name, run.Status))
			continue
		}
		areas := doc.Areas
		if len(areas) == 0 {
			for _, a := range s.areas.choices() {
				if rank(&a) < 3 {
					areas = append(areas, a.Code)
				}
			}
		}
		if i == 0 || common == nil {
			common = areas
		} else {
			common = slices.DeleteFunc(slices.Clone(common), func(a string) bool { return !slices.Contains(areas, a) })
		}
		runs = append(runs, loaded{run, sc, doc})
	}
	if len(runs) == 0 {
		s.render(w, r, http.StatusOK, "compare", d)
		return
	}
	// Oldest first, so that later scenarios are compared with earlier ones.
	slices.SortStableFunc(runs, func(a, b loaded) int { return a.run.Created.Compare(b.run.Created) })
	if len(common) == 0 {
		d.Notes = append(d.Notes, "These runs have no area in common, so they cannot be compared.")
		s.render(w, r, http.StatusOK, "compare", d)
		return
	}
	if s.d.Results == nil {
		d.Notes = append(d.Notes, "This server cannot read results yet.")
		s.render(w, r, http.StatusOK, "compare", d)
		return
	}
	code := q.Get("area")
	if !slices.Contains(common, code) {
		code = common[0]
	}
	for _, a := range common {
		d.Areas = append(d.Areas, areaOption{Code: a, Name: s.areas.name(a), Selected: a == code})
	}
	if a := s.areas.get(code); a != nil {
		d.Area = *a
	} else {
		d.Area = forecast.AreaInfo{Code: code, Name: code}
	}
	names := map[string]int{}
	for _, l := range runs {
		names[l.sc.Name]++
	}
	for _, l := range runs {
		flt := ResultFilter{Areas: []string{code},
			Measures: []string{"population", "need.*", "service.*", "capacity.*", "workforce.*", "cost.*"}, Sexes: []string{"all"}}
		rows, err := s.d.Results.Rows(r.Context(), l.run, flt)
		if err != nil {
			s.failErr(w, r, &p, "results", err)
			return
		}
		name := l.sc.Name
		if names[name] > 1 {
			name += fmt.Sprintf(" (v%d, run %s)", l.sc.Version, shortID(l.run.ID))
		}
		central, err := s.d.Results.Central(r.Context(), l.run, flt)
		noCentral := errors.Is(err, ErrNoCentral)
		if err != nil && !noCentral {
			s.failErr(w, r, &p, "results", err)
			return
		}
		if noCentral {
			d.Notes = append(d.Notes, fmt.Sprintf("%s has ranges but no central projection stored (it was run by an older carecast), "+
				"so it shows the mean of its draws and no change is worked out against it: run its scenario again to compare it.", name))
		} else {
			rows = withCentral(rows, central)
		}
		d.Columns = append(d.Columns, compared{Name: name, RunID: l.run.ID, f: newFrame(rows), noCentral: noCentral})
	}
	// The baseline of the first run, when asked or when only one run is chosen.
	d.Baseline = q.Get("baseline") == "1" || (len(runs) == 1 && q.Get("baseline") == "")
	if d.Baseline && len(runs[0].doc.Levers) > 0 {
		b := baselineOf(runs[0].doc, code, s.areas.get(code))
		rows, err := s.project(r.Context(), b)
		if err == nil && b.Uncertainty.Draws > 0 {
			// Like the runs, the baseline is compared by its central projection; its range
			// still comes from the draws.
			c := b
			c.Uncertainty.Draws = 0
			var central []forecast.ResultRow
			if central, err = s.project(r.Context(), c); err == nil {
				rows = withCentral(rows, central)
			}
		}
		if err != nil {
			d.Notes = append(d.Notes, "The baseline could not be projected: "+err.Error())
		} else {
			d.Columns = append([]compared{{Name: "Baseline (no levers)", f: newFrame(rows)}}, d.Columns...)
		}
	}
	d.Compared = comparedWords
	f0 := d.Columns[0].f
	if len(f0.years) == 0 {
		d.Notes = append(d.Notes, "The first run has no results for "+d.Area.Name+".")
		s.render(w, r, http.StatusOK, "compare", d)
		return
	}
	d.Year = yearParam(r, f0, 2035)
	d.Years = f0.years[1:]
	d.Measure = q.Get("measure")
	if !f0.has(d.Measure) {
		d.Measure = "capacity.home_care_hours"
	}
	for _, m := range f0.measures {
		d.Measures = append(d.Measures, measureOption{Name: m, Label: shortLabel(m) + " (" + f0.band(m) + ")", Selected: m == d.Measure})
	}
	var series []chart.Series
	for _, c := range d.Columns {
		series = append(series, c.f.series(c.Name, code, d.Measure))
	}
	d.Fan = fanOf("fan-compare", fmt.Sprintf("%s (%s), %s: scenarios compared", label(d.Measure), bandWords(f0.band(d.Measure)), d.Area.Name),
		f0.units[d.Measure], d.Year, series...)
	for _, m := range compareMeasures {
		if !f0.has(m) {
			continue
		}
		row := compareRow{Measure: m, Label: shortLabel(m), Band: f0.band(m)}
		unit := f0.units[m]
		first := math.NaN()
		for i, c := range d.Columns {
			cell := compareCell{Value: "–"}
			if v, ok := c.f.head(code, m, d.Year); ok {
				cell.Value = value(v.Mean, unit)
				if v.P90-v.P10 > 1e-9*math.Max(1, math.Abs(v.Mean)) {
					cell.HasRange = true
					cell.Range = value(v.P10, unit) + " to " + value(v.P90, unit)
				}
				switch {
				case c.noCentral: // the draws' mean: no change against central values
				case i == 0:
					first = v.Mean
				case !math.IsNaN(first):
					cell.Change = signedValue(v.Mean-first, unit) + " (" + pct(first, v.Mean) + ")"
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		d.Rows = append(d.Rows, row)
	}
	v := url.Values{"runs": {strings.Join(ids, ",")}, "area": {code}, "measure": {d.Measure}}
	d.CSV = "/compare/data.csv?" + v.Encode()
	d.Fan.CSV = d.CSV
	s.render(w, r, http.StatusOK, "compare", d)
}

// compareData downloads the compared runs' rows of one area and measure as one CSV.
func (s *site) compareData(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	flt := ResultFilter{Areas: []string{q.Get("area")}, Measures: []string{q.Get("measure")}}
	if flt.Areas[0] == "" || flt.Measures[0] == "" {
		s.fail(w, r, &p, http.StatusBadRequest, "Choose an area and a measure", "The download needs ?area= and ?measure=.")
		return
	}
	if s.d.Results == nil {
		s.fail(w, r, &p, http.StatusConflict, "No results", "This server cannot read results yet.")
		return
	}
	var all []forecast.ResultRow
	checked := false
	for _, id := range compareRunIDs(q) {
		run, err := s.d.Backend.Run(r.Context(), p, id)
		if err != nil {
			s.failErr(w, r, &p, "run "+id, err)
			return
		}
		if run.Status != store.RunSucceeded {
			continue
		}
		if !checked { // the first run's results, as the API's comparison checks
			if err := s.d.Results.Check(r.Context(), run, flt); err != nil {
				s.failErr(w, r, &p, "results", err)
				return
			}
			checked = true
		}
		rows, err := s.d.Results.Rows(r.Context(), run, flt)
		if err != nil {
			s.failErr(w, r, &p, "results", err)
			return
		}
		all = append(all, rows...)
	}
	writeCSV(w, "comparison-"+flt.Areas[0]+"-"+flt.Measures[0]+".csv", all, flt)
}

// shortID is the last 6 characters of an ID, enough to tell runs apart on a page.
func shortID(id string) string {
	if len(id) <= 6 {
		return id
	}
	return id[len(id)-6:]
}
