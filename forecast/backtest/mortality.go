package backtest

import (
	"fmt"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Mortality says how the national death rates are set for the periods of a back-test, all of
// which, for carecast's default data, come before the first year of the only national
// assumptions there are (ONS's 2018-based projection). Each path scales the FirstYear death
// probabilities of every age by one factor per sex and year (population.LifeExpectancyFactor)
// so that period life expectancy at 65 moves as the path says; fertility stays at FirstYear's.
type Mortality int

const (
	// MortalityTrend (the default) uses only what was known at the origin: life expectancy at
	// 65 follows ONS's published past values up to the year before the origin, then carries
	// on along its average yearly change over the ten years before that (a random walk with
	// drift, as ONS's own projections of the time assumed improvement would continue).
	MortalityTrend Mortality = iota

	// MortalityLevel is MortalityTrend without the drift: life expectancy at 65 is held at
	// the last value known at the origin (no further improvement).
	MortalityLevel

	// MortalityPublished follows ONS's published life expectancy at 65 for every year before
	// FirstYear, and ONS's 2018-based assumptions from FirstYear: the nearest the data come to
	// the mortality that actually happened. It uses years after the origin (look-ahead).
	MortalityPublished

	// MortalityFirstYear uses the FirstYear rates in every period (look-ahead: they are
	// ONS's 2018 rates).
	MortalityFirstYear
)

// String names the path as reports do.
func (m Mortality) String() string {
	switch m {
	case MortalityTrend:
		return "life expectancy at 65 known at the origin, then its 10-year trend"
	case MortalityLevel:
		return "life expectancy at 65 known at the origin, then held"
	case MortalityPublished:
		return "life expectancy at 65 as published to 2017, then ONS 2018-based assumptions"
	case MortalityFirstYear:
		return "ONS 2018-based rates for 2018-19 in every year"
	}
	return fmt.Sprintf("Mortality(%d)", int(m))
}

// trendYears is the window of past life expectancy whose average change MortalityTrend
// carries on.
const trendYears = 10

// nationalModel returns a population.Model with national rates for the periods first..last
// (mid-year first to last+1) along path m, for a back-test made at origin.
func nationalModel(n *National, first, last, origin int, m Mortality) (*population.Model, error) {
	if len(n.Rates) == 0 {
		return nil, fmt.Errorf("national assumptions: no rates")
	}
	r0 := &n.Rates[0]
	e65 := func(y int) ([forecast.NumSexes]float64, error) {
		e, ok := n.PeriodE65[y]
		if !ok {
			return e, fmt.Errorf("national assumptions: no period life expectancy at 65 for %d", y)
		}
		return e, nil
	}
	anchor, err := e65(n.FirstYear)
	if err != nil {
		return nil, err
	}
	// target returns the life expectancy at 65 that path m gives period y, by sex.
	target := func(y int) ([forecast.NumSexes]float64, error) {
		known := origin - 1
		if m == MortalityPublished || y <= known {
			return e65(y)
		}
		last, err := e65(known)
		if err != nil {
			return last, err
		}
		if m == MortalityLevel {
			return last, nil
		}
		past, err := e65(known - trendYears)
		if err != nil {
			return past, err
		}
		var e [forecast.NumSexes]float64
		for s := range e {
			e[s] = last[s] + float64(y-known)*(last[s]-past[s])/trendYears
		}
		return e, nil
	}
	rs := make([]population.Rates, 0, last-first+1)
	for y := first; y <= last; y++ {
		if m == MortalityFirstYear || (m == MortalityPublished && y >= n.FirstYear) {
			i := 0
			if m == MortalityPublished {
				i = y - n.FirstYear
			}
			if i >= len(n.Rates) {
				return nil, fmt.Errorf("national assumptions: no rates for %d", y)
			}
			rs = append(rs, n.Rates[i])
			continue
		}
		e, err := target(y)
		if err != nil {
			return nil, err
		}
		r := *r0
		for s := range r.Q {
			e0 := population.LifeExpectancy(r0.Q[s][65:])
			k, err := population.LifeExpectancyFactor(r0.Q[s][65:], e0+e[s]-anchor[s])
			if err != nil {
				return nil, fmt.Errorf("national death rates for %d, %v: %w", y, forecast.Sex(s), err)
			}
			for x := range r.Q[s] {
				r.Q[s][x] = min(k*r0.Q[s][x], 1)
			}
			r.QBirth[s] = min(k*r0.QBirth[s], 1)
		}
		rs = append(rs, r)
	}
	return population.NewModel(first, rs)
}
