package backtest

import (
	"fmt"
	"math"
	"slices"
)

// PopulationErrorModel is an empirical model of the error of carecast's district population
// projections, for ranges: the log error log(projected / actual) of a district's persons in an
// age band, h years after the single-year estimate the projection starts from, is taken to
// have a spread SD(band, h) around zero. An 80% interval is projected × exp(±Z80 · SD).
//
// It is fitted (FitPopulationErrors) on the Origin2011 back-test's districts, whose
// projections start from the mid-2011 estimates: the age bands are scored only in 2020
// (horizon 9, RefHorizon), all ages in every year 2012-2020. The spread at RefHorizon is, per
// band, the 80th percentile of the districts' absolute log errors divided by Z80 — the
// standard deviation of a normal whose 80% interval holds as many districts as the back-test's
// errors did; it includes the errors' bias (the intervals are centred on the projection) and
// is robust to the few districts with very large errors. The spread grows with the horizon as
// the all-age errors did: SD(band, h) = SD(band, RefHorizon) · (h / RefHorizon)^Power, Power
// fitted by least squares on the logs of the all-age spreads at horizons 1..RefHorizon.
// Beyond RefHorizon it is an extrapolation.
//
// The model is plain data: the lead wires it into the engine's Monte Carlo. The errors are of
// the back-test's one-estimate method (see the package documentation), larger than those of a
// projection calibrated on two estimates, so the model is conservative for the engine in use.
type PopulationErrorModel struct {
	Level      float64 // the central interval the spreads are calibrated for: 0.8
	RefHorizon int     // the horizon at which the bands were scored (9: 2011 to 2020)
	Power      float64 // growth of the spread with the horizon
	Bands      []BandError
	AllAges    []HorizonError // the all-age spreads the power was fitted on, with the model's
	Source     string         // what it was fitted on
}

// BandError is the error model of one age band at the reference horizon.
type BandError struct {
	AgeBand string
	N       int     // districts
	SD      float64 // the spread of the log error: the 80th percentile of |log error| / Z80
	Mean    float64 // mean log error (positive: projections too high); part of SD, not removed

	// National is England's log error (the sum of districts); Local, sqrt(max(SD² −
	// National², 0)), is what is left for districts to err by on their own. A Monte Carlo
	// that draws districts independently should draw a common component of spread National
	// (one observation: a rough scale) and a district one of spread Local, or aggregates come
	// out far too narrow.
	National, Local float64
}

// HorizonError is the spread of the all-age log errors at one horizon: observed, and the
// model's.
type HorizonError struct {
	Horizon   int
	N         int
	SD, Model float64
	Coverage  float64 // share of districts inside the model's 80% interval (in sample)
}

// SD returns the spread of the log error of band at horizon h years after the base estimate:
// 0 at h ≤ 0; false if the model has no such band.
func (m *PopulationErrorModel) SD(band string, h int) (float64, bool) {
	b, ok := m.band(band)
	if !ok {
		return math.NaN(), false
	}
	return b.SD * m.growth(h), true
}

// Components returns the national and district spreads of band at horizon h (see BandError);
// false if the model has no such band.
func (m *PopulationErrorModel) Components(band string, h int) (national, local float64, ok bool) {
	b, ok := m.band(band)
	if !ok {
		return math.NaN(), math.NaN(), false
	}
	g := m.growth(h)
	return b.National * g, b.Local * g, true
}

// Interval returns the model's central interval (at m.Level) of a projection of band at
// horizon h: projected × exp(±Z80 · SD). It returns NaNs and false if the model has no such
// band.
func (m *PopulationErrorModel) Interval(band string, h int, projected float64) (lo, hi float64, ok bool) {
	s, ok := m.SD(band, h)
	if !ok {
		return math.NaN(), math.NaN(), false
	}
	return projected * math.Exp(-Z80*s), projected * math.Exp(Z80*s), true
}

func (m *PopulationErrorModel) growth(h int) float64 {
	if h <= 0 {
		return 0
	}
	return math.Pow(float64(h)/float64(m.RefHorizon), m.Power)
}

func (m *PopulationErrorModel) band(name string) (*BandError, bool) {
	for i := range m.Bands {
		if m.Bands[i].AgeBand == name {
			return &m.Bands[i], true
		}
	}
	return nil, false
}

// spread returns the 80th percentile of |x| over Z80.
func spread(x []float64) float64 {
	a := make([]float64, len(x))
	for i, v := range x {
		a[i] = math.Abs(v)
	}
	return Quantile(a, 0.8) / Z80
}

// FitPopulationErrors fits the error model on the rows of the Origin2011 back-test (other rows
// are ignored): districts' age bands at the last year scored, their all-age totals at every
// horizon, and England's errors for the national components. It returns an error if the rows
// lack districts' all-age totals at two horizons or any band at the last.
func FitPopulationErrors(rows []Row) (*PopulationErrorModel, error) {
	byBand := map[string][]float64{}
	all := map[int][]float64{}
	nat := map[string]float64{}
	ref := 0
	for i := range rows {
		r := &rows[i]
		if r.Backtest != Origin2011 || r.Measure != MeasurePopulation || r.Sex != "all" || !(r.Forecast > 0) || !(r.Actual > 0) {
			continue
		}
		ref = max(ref, r.Horizon)
	}
	for i := range rows {
		r := &rows[i]
		if r.Backtest != Origin2011 || r.Measure != MeasurePopulation || r.Sex != "all" || !(r.Forecast > 0) || !(r.Actual > 0) {
			continue
		}
		e := math.Log(r.Forecast / r.Actual)
		switch r.Level {
		case LevelDistrict:
			if r.AgeBand == "all" {
				all[r.Horizon] = append(all[r.Horizon], e)
			}
			if r.Horizon == ref {
				byBand[r.AgeBand] = append(byBand[r.AgeBand], e)
			}
		case LevelCountry:
			if r.Horizon == ref {
				nat[r.AgeBand] = e
			}
		}
	}
	if len(all) < 2 || len(byBand) == 0 {
		return nil, fmt.Errorf("population error model: want %s districts' totals at two horizons at least and bands at the last, have %d horizons and %d bands",
			Origin2011, len(all), len(byBand))
	}
	// Power: least squares of log SD on log h.
	var hs []int
	for h := range all {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	var sx, sy, sxx, sxy float64
	n := 0
	for _, h := range hs {
		s := spread(all[h])
		if !(s > 0) || h <= 0 {
			continue
		}
		x, y := math.Log(float64(h)), math.Log(s)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		n++
	}
	if n < 2 {
		return nil, fmt.Errorf("population error model: fewer than two horizons with a positive spread")
	}
	fn := float64(n)
	m := &PopulationErrorModel{Level: 0.8, RefHorizon: ref, Power: (fn*sxy - sx*sy) / (fn*sxx - sx*sx),
		Source: fmt.Sprintf("%s: districts' log errors, age bands at horizon %d, all ages at horizons %d-%d", Origin2011, ref, hs[0], hs[len(hs)-1])}
	var names []string
	for b := range byBand {
		names = append(names, b)
	}
	slices.SortFunc(names, func(a, b string) int { return bandRank(a) - bandRank(b) })
	for _, b := range names {
		e := byBand[b]
		var sum float64
		for _, v := range e {
			sum += v
		}
		be := BandError{AgeBand: b, N: len(e), SD: spread(e), Mean: sum / float64(len(e)), National: math.NaN(), Local: math.NaN()}
		if v, ok := nat[b]; ok {
			be.National = math.Abs(v)
			be.Local = math.Sqrt(max(be.SD*be.SD-v*v, 0))
		}
		m.Bands = append(m.Bands, be)
	}
	for _, h := range hs {
		s, _ := m.SD("all", h)
		he := HorizonError{Horizon: h, N: len(all[h]), SD: spread(all[h]), Model: s}
		in := 0
		for _, e := range all[h] {
			if math.Abs(e) <= Z80*s {
				in++
			}
		}
		he.Coverage = float64(in) / float64(len(all[h]))
		m.AllAges = append(m.AllAges, he)
	}
	return m, nil
}

// PopulationCoverage is the out-of-sample check of the error model on the contest: the share
// of districts whose 2020 outturn fell inside the model's 80% interval around carecast's
// projection and around the benchmark's.
type PopulationCoverage struct {
	AgeBand string
	N       int

	// Ours: carecast's contest projection, whose base estimate is mid-2011, at the horizon
	// from it (BaseHorizon, 9 for 2020); OursOrigin: the same at the horizon from the contest's
	// origin (OriginHorizon, 4), as if the projection had started in 2016.
	BaseHorizon, OriginHorizon int
	Ours, OursOrigin           float64

	// Benchmark: the benchmark's projection (ONS 2016-based, which starts from its own mid-2016
	// estimates) at OriginHorizon. NaN without a benchmark; BenchmarkN districts scored.
	Benchmark  float64
	BenchmarkN int
}

// contestCoverage fills the contest rows' intervals from the model (at the horizon from their
// base estimate, base) and returns the coverage by band.
func contestCoverage(rows []Row, m *PopulationErrorModel, base int) []PopulationCoverage {
	type acc struct {
		n, in, inO, bn, bin int
		origin, base        int
	}
	by := map[string]*acc{}
	var names []string
	for i := range rows {
		r := &rows[i]
		if r.Backtest != Contest2016 || r.Level != LevelDistrict {
			continue
		}
		hb := r.Year - base
		lo, hi, ok := m.Interval(r.AgeBand, hb, r.Forecast)
		if !ok {
			continue
		}
		r.Lo, r.Hi, r.IntervalLevel = lo, hi, m.Level
		a := by[r.AgeBand]
		if a == nil {
			a = &acc{origin: r.Horizon, base: hb}
			by[r.AgeBand] = a
			names = append(names, r.AgeBand)
		}
		a.n++
		if lo <= r.Actual && r.Actual <= hi {
			a.in++
		}
		if lo, hi, _ := m.Interval(r.AgeBand, r.Horizon, r.Forecast); lo <= r.Actual && r.Actual <= hi {
			a.inO++
		}
		if !math.IsNaN(r.Benchmark) {
			a.bn++
			if lo, hi, _ := m.Interval(r.AgeBand, r.Horizon, r.Benchmark); lo <= r.Actual && r.Actual <= hi {
				a.bin++
			}
		}
	}
	// Rows of other levels keep no interval: the model is of districts.
	slices.SortFunc(names, func(a, b string) int { return bandRank(a) - bandRank(b) })
	var out []PopulationCoverage
	for _, b := range names {
		a := by[b]
		c := PopulationCoverage{AgeBand: b, N: a.n, BaseHorizon: a.base, OriginHorizon: a.origin,
			Ours: float64(a.in) / float64(a.n), OursOrigin: float64(a.inO) / float64(a.n), Benchmark: math.NaN(), BenchmarkN: a.bn}
		if a.bn > 0 {
			c.Benchmark = float64(a.bin) / float64(a.bn)
		}
		out = append(out, c)
	}
	return out
}
