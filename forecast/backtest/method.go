package backtest

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Shape says where a district's net migration by age comes from.
type Shape int

const (
	// ShapeCohort (the default) reads the district's migration by age from its own age
	// structure at the base year (the synthetic-cohort method: see the package documentation),
	// and sets its level from its recorded total population.
	ShapeCohort Shape = iota

	// ShapeNational gives every district the nation's net migration age profile, scaled so that
	// its recorded total population is met: the simplest method that uses the totals.
	ShapeNational
	// ShapeResidual reads the district's net migration by age from how each cohort changed
	// between the mid-2011 and the base-year estimates beyond what national mortality explains
	// (the residual method), which also carries the district's own mortality relative to the
	// nation's; its level, too, is then set from the totals. It needs the mid-2011 estimates.
	ShapeResidual
)

// String names the shape as reports do.
func (s Shape) String() string {
	switch s {
	case ShapeCohort:
		return "synthetic cohorts from the base-year age structure, level from the totals"
	case ShapeNational:
		return "national age profile scaled to the totals"
	case ShapeResidual:
		return "each cohort's change from mid-2011 beyond national mortality, level from the totals"
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

// Options choose the variant of the method; the zero value is the default method.
type Options struct {
	Mortality Mortality
	Shape     Shape

	// Smoothing is the Whittaker smoothing parameter λ for the log ratio of the district's
	// population to the nation's across ages (weights: the district's population at each age
	// over its mean); 0 means DefaultSmoothing.
	Smoothing float64

	// LevelYears is how many years of totals before a single-year base set the migration
	// level when the origin is the base year itself (see the package documentation); 0 means
	// DefaultLevelYears.
	LevelYears int
}

// DefaultSmoothing is the Whittaker λ of ShapeCohort: a second-difference penalty of λ has an
// equivalent kernel about λ^¼ ≈ 3 years of age wide, narrow enough to keep the sharp rise and
// fall of young adults around a university or a city centre and wide enough to smooth random
// differences between the sizes of adjacent cohorts. The first version used 4,096 (≈ 8 years,
// set before scoring); the 2011-origin back-test showed that it blurred the young-adult peak
// into childhood ages (children aged 0-17 in 2020: district MAPE 9.5%, against 5.3% at 64),
// while the older ages hardly change (see Report.Sensitivity).
const DefaultSmoothing = 64

// DefaultLevelYears is the length of the window of totals that sets the level of migration.
const DefaultLevelYears = 5

// Fit is what the method estimated for one district.
type Fit struct {
	Area string

	// Fertility is the factor on the national fertility rates: the district's children aged
	// 0-4 at the base over five years of the births its women would have at those rates.
	Fertility float64

	// Level is the multiple of the district's share of national net migration added to the
	// shape so that the totals are met (see the package documentation).
	Level float64

	// NetMigration is the district's net migration a year, persons, all ages.
	NetMigration float64
}

// run is one projection of every district: the method with its options, from the estimates
// of base, using totals up to origin.
type run struct {
	base, origin, last int
	fits               []Fit                         // in district order
	pop                map[string][]population.Pop90 // district → populations base..last
}

// project projects every district from its single-year estimate at base to mid-year last,
// using national assumptions and the districts' totals up to origin and nothing later. If
// jumpOff is not nil, the projection is restarted at origin from the population it projected
// there with the persons of each age that jumpOff has (not NaN) replaced by jumpOff's, both
// sexes scaled alike (90+ spread over 90..105+ as projected).
func (ix *index) project(n *National, base, origin, last int, opt Options, jumpOff map[string]*[forecast.NumAges]float64) (*run, error) {
	if origin < base || last <= base {
		panic(fmt.Sprintf("backtest: projection base %d, origin %d, last %d", base, origin, last))
	}
	if opt.Smoothing == 0 {
		opt.Smoothing = DefaultSmoothing
	}
	if opt.LevelYears == 0 {
		opt.LevelYears = DefaultLevelYears
	}
	est, err := ix.estimates(base)
	if err != nil {
		return nil, err
	}
	var nation population.Pop90
	for _, c := range ix.districts {
		addTo(&nation, est[c])
	}
	model, err := nationalModel(n, base, last-1, origin, opt.Mortality)
	if err != nil {
		return nil, err
	}
	r0 := model.Rates(base)
	natRate := nationalCohortRate(n)
	var est11 map[string]*population.Pop90
	if opt.Shape == ShapeResidual {
		if est11, err = ix.estimates(residualFrom); err != nil {
			return nil, err
		}
	}
	years := last - base
	out := make([]population.Pop, years+1)
	res := &run{base: base, origin: origin, last: last, pop: map[string][]population.Pop90{}}

	levelYear := origin
	if origin == base {
		levelYear = base + opt.LevelYears
		if levelYear > last {
			panic(fmt.Sprintf("backtest: level year %d after the last year %d", levelYear, last))
		}
	}
	for _, c := range ix.districts {
		p90 := est[c]
		var start population.Pop
		if err := population.SplitOpenTo(&start, p90, &n.Population); err != nil {
			return nil, fmt.Errorf("%s %d: %w", c, base, err)
		}
		fit := Fit{Area: c, Fertility: fertilityFactor(p90, r0)}
		var shape [forecast.NumSexes][population.NumAges]float64
		switch opt.Shape {
		case ShapeCohort:
			if err := cohortMigration(&shape, p90, &nation, &start, r0, &natRate, opt.Smoothing); err != nil {
				return nil, fmt.Errorf("%s: %w", c, err)
			}
		case ShapeResidual:
			if base-residualFrom < residualMinYears {
				return nil, fmt.Errorf("the residual shape needs a base at least %d years after mid-%d, not %d", residualMinYears, residualFrom, base)
			}
			if err := residualMigration(&shape, est11[c], p90, &start, r0, &n.Population, base-residualFrom, opt.Smoothing); err != nil {
				return nil, fmt.Errorf("%s: %w", c, err)
			}
		}
		var scale [forecast.NumSexes][population.NumAges]float64
		share := p90.Total() / nation.Total()
		for s := range scale {
			for x := range scale[s] {
				scale[s][x] = share * n.Rates[0].Migration[s][x]
			}
		}
		// The level: the district's total at levelYear.
		var target float64
		if origin > base {
			t, ok := ix.total(c, origin)
			if !ok {
				return nil, fmt.Errorf("%s: no total for %d", c, origin)
			}
			target = t
		} else {
			t0, ok0 := ix.total(c, base-opt.LevelYears)
			t1, ok1 := ix.total(c, base)
			if !ok0 || !ok1 {
				return nil, fmt.Errorf("%s: no totals for %d and %d", c, base-opt.LevelYears, base)
			}
			target = p90.Total() + (t1 - t0)
		}
		var mig [forecast.NumSexes][population.NumAges]float64
		loc := population.Local{Mortality: [forecast.NumSexes]float64{1, 1}, Fertility: fit.Fertility, Migration: &mig}
		at := func(k float64) (float64, error) {
			for s := range mig {
				for x := range mig[s] {
					mig[s][x] = shape[s][x] + k*scale[s][x]
				}
			}
			if err := model.ProjectTo(out[:levelYear-base+1], base, &start, &loc, nil); err != nil {
				return 0, err
			}
			return out[levelYear-base].Total(), nil
		}
		k, err := solveLevel(at, target)
		if err != nil {
			return nil, fmt.Errorf("%s: migration level: %w", c, err)
		}
		if _, err := at(k); err != nil {
			return nil, err
		}
		fit.Level = k
		for s := range mig {
			for _, v := range mig[s] {
				fit.NetMigration += v
			}
		}
		if err := model.ProjectTo(out, base, &start, &loc, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		if j := jumpOff[c]; j != nil && origin > base {
			i := origin - base
			restart := out[i]
			replaceAges(&restart, j)
			if err := model.ProjectTo(out[i:], origin, &restart, &loc, nil); err != nil {
				return nil, fmt.Errorf("%s from %d: %w", c, origin, err)
			}
		}
		ps := make([]population.Pop90, len(out))
		for i := range out {
			population.CollapseTo(&ps[i], &out[i])
		}
		res.pop[c] = ps
		res.fits = append(res.fits, fit)
	}
	return res, nil
}

// replaceAges scales both sexes of p at each age that persons has (not NaN) so that they
// number persons[x]; 90 scales the whole open group 90..MaxAge.
func replaceAges(p *population.Pop, persons *[forecast.NumAges]float64) {
	for x, v := range persons {
		if math.IsNaN(v) {
			continue
		}
		hi := x
		if x == forecast.OpenAge {
			hi = population.MaxAge
		}
		var have float64
		for s := range p {
			for a := x; a <= hi; a++ {
				have += p[s][a]
			}
		}
		if have == 0 {
			continue
		}
		for s := range p {
			for a := x; a <= hi; a++ {
				p[s][a] *= v / have
			}
		}
	}
}

// solveLevel finds k with f(k) = target by the secant method from 0 and 1. f is affine in k
// unless a projected count would fall below zero and is held at zero, so one step nearly
// always suffices.
func solveLevel(f func(float64) (float64, error), target float64) (float64, error) {
	k0, k1 := 0.0, 1.0
	f0, err := f(k0)
	if err != nil {
		return 0, err
	}
	f1, err := f(k1)
	if err != nil {
		return 0, err
	}
	for range 8 {
		if f1 == f0 {
			return 0, fmt.Errorf("the total does not respond to migration")
		}
		k := k1 + (target-f1)*(k1-k0)/(f1-f0)
		fk, err := f(k)
		if err != nil {
			return 0, err
		}
		if math.Abs(fk-target) <= 1e-9*math.Max(target, 1) {
			return k, nil
		}
		k0, f0, k1, f1 = k1, f1, k, fk
	}
	return 0, fmt.Errorf("no level meets the total %.0f", target)
}

// fertilityFactor returns the district's children aged 0-4 over five years of the births its
// women at the base would have at the rates r, allowing for the deaths of the children; 1 if
// it has no women at childbearing ages.
func fertilityFactor(p *population.Pop90, r *population.Rates) float64 {
	var children, births float64
	for s := range p {
		for x := range 5 {
			children += p[s][x]
		}
	}
	for x := range forecast.NumAges {
		births += r.Fertility[x] * p[forecast.Female][x]
	}
	if births == 0 {
		return 1
	}
	// Mean survival from birth to ages 0..4 at a mid-year, both sexes.
	var surv float64
	for s := range r.Q {
		l := 1 - r.QBirth[s]
		for x := range 5 {
			surv += l / 10
			l *= 1 - r.Q[s][x]
		}
	}
	return children / (5 * surv * births)
}

// nationalCohortRate returns the nation's net migrants of each cohort (aged x at a mid-year,
// x+1 at the next) per person of that cohort: ((M(x) + M(x+1))/2) / P(x), from the first
// year's assumptions and population. Cohorts with no one get 0.
func nationalCohortRate(n *National) [forecast.NumSexes][population.NumAges]float64 {
	var out [forecast.NumSexes][population.NumAges]float64
	m := &n.Rates[0].Migration
	for s := range out {
		for x := 0; x < population.MaxAge; x++ {
			if p := n.Population[s][x]; p > 0 {
				out[s][x] = 0.5 * (m[s][x] + m[s][x+1]) / p
			}
		}
	}
	return out
}

// Ages of the synthetic-cohort method.
const (
	ratioAges = forecast.OpenAge // log ratios at single ages 0..89 (90+ is a group)
	maxChange = 0.25             // relative cohort change a year, kept within ±25%
)

// cohortMigration writes into dst the district's constant yearly net migration by sex and age
// at moving read from its age structure (see the package documentation): the log ratio of the
// district's population to the nation's at each age 0..89, smoothed (Whittaker, weights the
// district's counts), changes from one age to the next as the district's cohorts gain or lose
// people relative to the nation's; those relative changes, applied to the nation's cohort
// change (survival and net migration), give each cohort's net migrants at national mortality.
// start is the district at the base with 90+ split into single years.
func cohortMigration(dst *[forecast.NumSexes][population.NumAges]float64, p, nation *population.Pop90,
	start *population.Pop, r *population.Rates, natRate *[forecast.NumSexes][population.NumAges]float64, lambda float64) error {
	for s := range dst {
		z := make([]float64, ratioAges)
		w := make([]float64, ratioAges)
		var mean float64
		for x := range ratioAges {
			mean += p[s][x] / ratioAges
		}
		if mean == 0 {
			dst[s] = [population.NumAges]float64{}
			continue
		}
		for x := range ratioAges {
			if p[s][x] > 0 && nation[s][x] > 0 {
				z[x] = math.Log(p[s][x] / nation[s][x])
				w[x] = p[s][x] / mean
			}
		}
		zs, err := whittaker(z, w, lambda)
		if err != nil {
			return fmt.Errorf("%v: %w", forecast.Sex(s), err)
		}
		var c [population.NumAges]float64 // net migrants of the cohort aged x at the base
		for x := 0; x < population.MaxAge; x++ {
			slope := zs[min(x, ratioAges-2)+1] - zs[min(x, ratioAges-2)]
			rel := math.Exp(max(min(slope, math.Log1p(maxChange)), math.Log1p(-maxChange)))
			q := r.Q[s][x]
			surv := 1 - q
			c[x] = start[s][x] * (rel*(surv+natRate[s][x]*(1-q/2)) - surv) / (1 - q/2)
		}
		// Age at moving: M(x) = (c(x−1) + c(x))/2, so that (M(x) + M(x+1))/2 ≈ c(x).
		dst[s][0] = c[0]
		for x := 1; x < population.MaxAge; x++ {
			dst[s][x] = 0.5 * (c[x-1] + c[x])
		}
		dst[s][population.MaxAge] = 0
	}
	return nil
}

// residualFrom is the year of the earlier single-year estimates that ShapeResidual compares the
// base with, and residualMinYears the fewest years between them.
const (
	residualFrom     = 2011
	residualMinYears = 5
)

// residualMigration writes into dst the district's yearly net migration by sex and age from
// the residual method: the district at mid-2011 (p11) aged `years` years with the nation's
// mortality at the base (r) and nothing else, against the district at the base (p). The log
// ratio of each cohort's recorded to its expected size, a year, belongs to the cohort's middle
// age on the way; it is smoothed across ages (Whittaker, weights the base population) and
// applied to the cohorts at the base, so that a cohort aged x meets the yearly change its
// predecessors met at x. Cohorts born since mid-2011 take the rate of the youngest measured.
// The open group 90+ dies at the nation's mortality of its people 90 and over (natPop).
func residualMigration(dst *[forecast.NumSexes][population.NumAges]float64, p11, p *population.Pop90,
	start *population.Pop, r *population.Rates, natPop *population.Pop, years int, lambda float64) error {
	const open = forecast.OpenAge
	for s := range dst {
		var qOpen, wOpen float64
		for x := open; x <= population.MaxAge; x++ {
			qOpen += natPop[s][x] * r.Q[s][x]
			wOpen += natPop[s][x]
		}
		if wOpen > 0 {
			qOpen /= wOpen
		} else {
			qOpen = r.Q[s][open]
		}
		// Age the 2011 district with national mortality.
		exp := p11[s]
		for range years {
			var next [forecast.NumAges]float64
			for x := 0; x < open; x++ {
				next[x+1] += exp[x] * (1 - r.Q[s][x])
			}
			next[open] += exp[open] * (1 - qOpen)
			exp = next
		}
		z := make([]float64, forecast.NumAges)
		w := make([]float64, forecast.NumAges)
		var mean float64
		for x := years; x <= open; x++ {
			mean += p[s][x]
		}
		mean /= float64(open - years + 1)
		if mean == 0 {
			dst[s] = [population.NumAges]float64{}
			continue
		}
		// z at base age a: the cohort's yearly log change, placed at its middle age.
		for a := years; a <= open; a++ {
			if p[s][a] > 0 && exp[a] > 0 {
				mid := a - (years+1)/2
				z[mid] = math.Log(p[s][a]/exp[a]) / float64(years)
				w[mid] = p[s][a] / mean
			}
		}
		for x := open - (years+1)/2 + 1; x <= open; x++ {
			z[x], w[x] = z[open-(years+1)/2], w[open-(years+1)/2] // beyond the oldest middle age: the oldest rate
		}
		zs, err := whittaker(z, w, lambda)
		if err != nil {
			return fmt.Errorf("%v: %w", forecast.Sex(s), err)
		}
		var c [population.NumAges]float64 // net migrants of the cohort aged x at the base, a year
		for x := 0; x < population.MaxAge; x++ {
			g := zs[min(x, open)]
			g = max(min(g, math.Log1p(maxChange)), math.Log1p(-maxChange))
			c[x] = start[s][x] * math.Expm1(g) * (1 - r.Q[s][x]/2)
		}
		dst[s][0] = c[0]
		for x := 1; x < population.MaxAge; x++ {
			dst[s][x] = 0.5 * (c[x-1] + c[x])
		}
		dst[s][population.MaxAge] = 0
	}
	return nil
}

// whittaker returns the Whittaker smooth of y with weights w ≥ 0 and second-difference penalty
// lambda: the ŷ that minimises Σ w(y − ŷ)² + λ Σ (Δ²ŷ)². Points of weight 0 are interpolated.
func whittaker(y, w []float64, lambda float64) ([]float64, error) {
	n := len(y)
	if n < 3 {
		return nil, fmt.Errorf("smoothing: %d ages, want at least 3", n)
	}
	a := mat.NewSymBandDense(n, 2, nil)
	d2 := [3]float64{1, -2, 1}
	for i := 0; i+2 < n; i++ {
		for p := range 3 {
			for q := p; q < 3; q++ {
				a.SetSymBand(i+p, i+q, a.At(i+p, i+q)+lambda*d2[p]*d2[q])
			}
		}
	}
	b := mat.NewVecDense(n, nil)
	for i := range n {
		a.SetSymBand(i, i, a.At(i, i)+w[i])
		b.SetVec(i, w[i]*y[i])
	}
	var ch mat.BandCholesky
	if !ch.Factorize(a) {
		return nil, fmt.Errorf("smoothing: too few ages with people")
	}
	var out mat.VecDense
	if err := ch.SolveVecTo(&out, b); err != nil {
		return nil, fmt.Errorf("smoothing: %w", err)
	}
	return out.RawVector().Data, nil
}

func addTo(dst, p *population.Pop90) {
	for s := range dst {
		for x := range dst[s] {
			dst[s][x] += p[s][x]
		}
	}
}
