package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/carecast/carecast/forecast"
)

// The whole care-home market (forecast.MeasureNotCouncilFunded): this file holds the one
// estimate of the care-home residents whom their council does not fund, and the chain
// projects it (worker.chain).

// marketEstimate is one council's estimate of its care-home residents not funded by it, in
// the year of the activity that measures residential and nursing care (plan.marketYear).
// Counts are people (beds); share is a proportion 0..1 of all its care-home residents.
type marketEstimate struct {
	code                               string
	beds, occupied, council, notFunded float64
	share                              float64
}

// marketYear is the year the estimate is made in: the latest year of the activity that
// measures residential care (SALT 2021-22 in the default data), else the base year.
func (p *plan) marketYear() int {
	if ys := p.rates.series[svcResidential].Years; len(ys) > 0 {
		return ys[len(ys)-1]
	}
	return p.base
}

// estimateMarket estimates, for every council in force with care home beds in the data, its
// care-home residents not funded by it:
//
//	notFunded = max(0, beds × occupancy − council-supported residents)
//	share     = notFunded ÷ (notFunded + council-supported residents)
//
// with beds its CQC beds (residential and nursing homes) at or before the estimate's year,
// the scenario's occupancy, and its residential and nursing residents, 18-64 and 65+, in that
// year as the projection has them (serviceRates.careHomes: the activity itself where the
// council reported it; for an age group it did not report, or a council that submitted
// nothing, the wider pooled rate the projection uses). A council without beds has no
// estimate; one without supported residents has share 0. Sorted by council code.
func (p *plan) estimateMarket() []marketEstimate {
	e := p.e
	occ := p.sc.Capacity.Occupancy
	year := p.marketYear()
	var out []marketEstimate
	for i := range e.in.Areas {
		a := &e.in.Areas[i]
		if !a.IsCouncil() || a.ValidTo != "" {
			continue
		}
		beds, ok := p.supplyOf(a.Code, careHomeServices, "beds", year)
		if !ok {
			continue
		}
		m := marketEstimate{code: a.Code, beds: beds, occupied: beds * occ, council: p.rates.careHomes[a.Code]}
		m.notFunded = max(0, m.occupied-m.council)
		if all := m.notFunded + m.council; all > 0 {
			m.share = m.notFunded / all
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y marketEstimate) int { return cmp.Compare(x.code, y.code) })
	return out
}

// prepareMarket sets each district's base share of care-home residents not funded by its
// council (its council's estimate, NaN where there is none) and notes how the run's councils
// were estimated.
func (p *plan) prepareMarket() {
	if p.mMarket.notFunded == nil {
		return
	}
	e := p.e
	byCode := map[string]marketEstimate{}
	for _, m := range p.estimateMarket() {
		byCode[m.code] = m
	}
	p.marketShare = make([]float64, len(e.districts))
	for d := range p.marketShare {
		p.marketShare[d] = math.NaN()
		if m, ok := byCode[e.council[d]]; ok {
			p.marketShare[d] = m.share
		}
	}

	// Notes, for the councils the run projects.
	var councils []string
	for _, d := range p.leaves {
		if c := e.council[d]; !slices.Contains(councils, c) {
			councils = append(councils, c)
		}
	}
	slices.Sort(councils)
	occ := p.sc.Capacity.Occupancy
	ser := p.rates.series[svcResidential]
	when := fmt.Sprintf("%s %s %d-%02d", ser.Activity, ser.Measure, p.marketYear(), (p.marketYear()+1)%100)
	p.notes = append(p.notes, fmt.Sprintf("care-home market: the residents not funded by their council (self-funders, and also NHS-funded "+
		"residents and other councils' placements, which the data cannot tell apart) are estimated as max(0, care home beds (residential "+
		"and nursing homes, all ages and client groups) × occupancy %g − the council's supported residential and nursing residents 18-64 and 65+ "+
		"(%s, as the projection has them)); their share of all care-home residents then holds in every year unless a %s lever moves it, "+
		"so that they grow with the council's care-home residents as projected from population and need; whole-market beds = "+
		"(council-supported + not council funded) ÷ %g",
		occ, when, forecast.LeverNotCouncilFunded, occ))
	name := func(c string) string { return e.areas[c].Name + " (" + c + ")" }
	var zero, noBeds []string
	var nf, occupied, all float64
	n := 0
	for _, c := range councils {
		m, ok := byCode[c]
		if !ok {
			noBeds = append(noBeds, name(c))
			continue
		}
		n++
		nf += m.notFunded
		occupied += m.occupied
		all += m.notFunded + m.council
		if m.notFunded == 0 {
			zero = append(zero, fmt.Sprintf("%s (%.0f council-supported, %.2f occupied beds)", name(c), m.council, m.occupied))
		}
		if len(councils) <= 3 {
			p.notes = append(p.notes, fmt.Sprintf("care-home market: %s: %.0f beds × %g = %.2f occupied − %.2f council-supported = %.2f not council funded, share %.4f",
				name(c), m.beds, occ, m.occupied, m.council, m.notFunded, m.share))
		}
	}
	if len(councils) > 3 && all > 0 {
		p.notes = append(p.notes, fmt.Sprintf("care-home market: over the run's %d councils with beds, %.0f of %.0f occupied beds are not council funded (%.4f of all their care-home residents)",
			n, nf, occupied, nf/all))
	}
	if len(zero) > 0 {
		p.notes = append(p.notes, "care-home market: share 0 (the whole market is the council's own residents) where a council supports at least as many care-home residents as its occupied beds, placing residents in homes elsewhere: "+
			strings.Join(zero, "; "))
	}
	if len(noBeds) > 0 {
		p.notes = append(p.notes, "care-home market: no whole-market figures (no care home beds in the data) for "+strings.Join(noBeds, ", "))
	}
}

// notCouncilFunded returns district d's care-home residents not funded by its council in year
// index k, given its council-supported care-home residents as projected from population and
// need (before the council's service levers): share/(1 − share) of them, the share being its
// council's base share moved by the active not_council_funded_share levers (base × (1 − f) +
// value × f for each, with f its profile fraction). NaN where there is no estimate.
func (p *plan) notCouncilFunded(d, k int, dr *draw, active []bool, council float64) float64 {
	s := p.marketShare[d]
	if math.IsNaN(s) {
		return s
	}
	year := p.years[k]
	for i := range p.levers {
		l := &p.levers[i]
		if !active[i] || l.spec.Type != forecast.LeverNotCouncilFunded || !l.appliesTo(d) {
			continue
		}
		f := l.profile.Fraction(year, l.spec.Start, l.spec.End)
		s = s*(1-f) + dr.values[i]*f
	}
	return s / (1 - s) * council
}
