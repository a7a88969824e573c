package population

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/carecast/carecast/forecast"
)

// History is what Model.Calibrate learns an area's demography from: two single-year estimates
// of the area, the nation at the same dates, and a reference for the oldest ages.
type History struct {
	StartYear int
	Start     Pop90 // the area at mid-year StartYear
	EndYear   int
	End       Pop90 // the area at mid-year EndYear, after StartYear

	// National is the nation (England, or whatever population the Model's rates describe)
	// at mid-year EndYear; it is the benchmark for the area's fertility.
	National Pop90

	// NationalStart, if not nil, is the nation at mid-year StartYear. With it the area's
	// mortality factor is taken relative to the nation's over the same window, which removes
	// whatever the model's rates for the window get wrong for everyone (see Calibrate).
	NationalStart *Pop90

	// Old is a single-year reference structure at ages 90..MaxAge, used to split the 90+ of
	// Start and NationalStart (see SplitOpenTo); ages below 90 are not used.
	Old Pop
}

// Calibration is a Local estimated by Model.Calibrate, with what it was fitted to.
type Calibration struct {
	// Local is the area's adjustment to the Model's rates, for projections from
	// History.EndYear. Local.Migration points to Migration.
	Local Local

	// Migration is the area's constant yearly net migration by sex and age at moving,
	// persons per year; it is zero from age 85.
	Migration [forecast.NumSexes][NumAges]float64

	// WindowMortality is the area's mortality factor over the calibration window against the
	// model's rates. It equals Local.Mortality unless History.NationalStart was given, when
	// Local.Mortality is WindowMortality divided by the nation's factor, NationalMortality.
	WindowMortality, NationalMortality [forecast.NumSexes]float64

	// Fitted is History.Start projected to History.EndYear with Local.Fertility,
	// WindowMortality and Migration: it differs from History.End by what the fit cannot
	// explain (the smoothing penalty, and the cohorts born in the window).
	Fitted Pop90
}

// DefaultSmoothing is the smoothing Model.Calibrate uses when given 0. It was chosen on the
// Sheffield back-test (TestCalibrateSheffield), where the single-year errors of the projection
// are least near it.
const DefaultSmoothing = 1

// Ages used by Calibrate.
const (
	childAges    = 5  // children 0..4 in the child-woman ratio
	oldAge       = 85 // cohorts aged oldAge+ at the end of the window fix the mortality factor
	factorLo     = 0.25
	factorHi     = 4
	bisectRounds = 60
)

// Calibrate estimates how the area in h differs from the model's rates, from the area's
// estimates at the start and end of the window h.StartYear..h.EndYear (n years), in three
// steps:
//
//  1. Fertility: the factor is the area's standardised child-woman ratio over the nation's,
//     both at h.EndYear: children aged 0-4 divided by the births that the national fertility
//     rates of the window's last year would give its women (Σ f(x) W(x)). The ratio
//     standardises for the age of women but not for the migration of young children.
//  2. Mortality: for each sex, the factor on all the model's death probabilities that makes
//     the people aged 85+ at h.EndYear (the cohorts aged 85−n and over at h.StartYear) as many
//     as the area's estimate says, projecting without migration. Net migration of the very
//     old is small next to their deaths, so their survival measures mortality. Factors are
//     kept within [0.25, 4]. If h.NationalStart is given the nation's factor is found the same
//     way, and the area's factor for projections is the ratio of the two: errors of the
//     window's rates (a pandemic, a stall in improvement, rates carried back from a later
//     year) then cancel.
//  3. Net migration: the constant yearly net migration by sex and single year of age at
//     moving, 0..84 (zero from 85, as step 2 assumes), that, with the area's window factors,
//     best carries h.Start to h.End: the residual method. The projection is affine in
//     migration, so the end-year population is A + Jθ for the 170 yearly counts θ; Calibrate
//     minimises ‖A + Jθ − End‖² + λ‖Dθ‖² over all 182 end-year counts, D taking second
//     differences across ages of each sex and λ = smoothing × n. One pair of estimates cannot
//     tell a profile from that profile plus any pattern that repeats every n years of age;
//     the penalty picks the smoothest. Whatever the window's rates get wrong for the area
//     (fertility before the rates' first year, for instance) is absorbed as migration of the
//     ages it touches.
//
// The model must have rates for h.StartYear..h.EndYear−1. A smoothing of 0 means
// DefaultSmoothing.
//
// Calibrate returns an error if the window is empty or outside the model's years, an estimate
// fails Pop90.Check, Old cannot split a 90+ group, the area has children but no women at the
// ages the model's fertility covers, the nation has no children or no such women, or the
// least-squares system cannot be solved. It panics if smoothing is negative.
func (m *Model) Calibrate(h *History, smoothing float64) (*Calibration, error) {
	if smoothing < 0 {
		panic(fmt.Sprintf("population: negative smoothing %v", smoothing))
	}
	if smoothing == 0 {
		smoothing = DefaultSmoothing
	}
	n := h.EndYear - h.StartYear
	if first, last := m.Years(); n < 1 || h.StartYear < first || h.EndYear-1 > last {
		return nil, fmt.Errorf("calibration window %d-%d: want an end after the start and rates for %d..%d; the model has %d..%d",
			h.StartYear, h.EndYear, h.StartYear, h.EndYear-1, first, last)
	}
	ests := []struct {
		what string
		p    *Pop90
	}{{"start", &h.Start}, {"end", &h.End}, {"national", &h.National}}
	if h.NationalStart != nil {
		ests = append(ests, struct {
			what string
			p    *Pop90
		}{"national start", h.NationalStart})
	}
	for _, e := range ests {
		if err := e.p.Check(); err != nil {
			return nil, fmt.Errorf("calibration %s estimate: %w", e.what, err)
		}
	}
	var start Pop
	if err := SplitOpenTo(&start, &h.Start, &h.Old); err != nil {
		return nil, fmt.Errorf("calibration start %d: %w", h.StartYear, err)
	}
	c := &Calibration{}
	fert, err := m.fertilityFactor(h)
	if err != nil {
		return nil, err
	}
	out := make([]Pop, n+1)

	// Step 2: mortality.
	c.WindowMortality = m.mortalityFactors(out, &start, h.StartYear, &h.End)
	c.NationalMortality = [forecast.NumSexes]float64{1, 1}
	if h.NationalStart != nil {
		var ns Pop
		if err := SplitOpenTo(&ns, h.NationalStart, &h.Old); err != nil {
			return nil, fmt.Errorf("calibration national start %d: %w", h.StartYear, err)
		}
		c.NationalMortality = m.mortalityFactors(out, &ns, h.StartYear, &h.National)
	}

	// Step 3: migration, θ[s·oldAge + x] for ages at moving x < oldAge.
	loc := Local{Mortality: c.WindowMortality, Fertility: fert, Migration: &noMigrants}
	const k = forecast.NumSexes * oldAge
	row := func(s, x int) int { return s*forecast.NumAges + x }
	const rows = forecast.NumSexes * forecast.NumAges
	var a90 Pop90
	m.project(projectInto(out, &start), h.StartYear, &loc, &Levers{})
	CollapseTo(&a90, &out[n])
	J := mat.NewDense(rows, k, nil)
	var zero Pop
	var unit [forecast.NumSexes][NumAges]float64
	loc.Migration = &unit
	for j := range k {
		unit = noMigrants
		unit[j/oldAge][j%oldAge] = 1
		m.project(projectInto(out, &zero), h.StartYear, &loc, &Levers{})
		var col Pop90
		CollapseTo(&col, &out[n])
		for s := range col {
			for x := range forecast.NumAges {
				J.Set(row(s, x), j, col[s][x])
			}
		}
	}
	resid := mat.NewVecDense(rows, nil)
	for s := range a90 {
		for x := range forecast.NumAges {
			resid.SetVec(row(s, x), h.End[s][x]-a90[s][x])
		}
	}
	var lhs mat.SymDense
	lhs.SymOuterK(1, J.T())
	lam := smoothing * float64(n)
	d2 := [3]float64{1, -2, 1}
	for s := range forecast.NumSexes {
		for x := 0; x+2 < oldAge; x++ {
			for p, dp := range d2 {
				for q, dq := range d2 {
					i, j := s*oldAge+x+p, s*oldAge+x+q
					if i <= j {
						lhs.SetSym(i, j, lhs.At(i, j)+lam*dp*dq)
					}
				}
			}
		}
	}
	var rhs, theta mat.VecDense
	rhs.MulVec(J.T(), resid)
	var chol mat.Cholesky
	if !chol.Factorize(&lhs) {
		return nil, fmt.Errorf("calibration %d-%d: migration least squares is singular", h.StartYear, h.EndYear)
	}
	if err := chol.SolveVecTo(&theta, &rhs); err != nil {
		return nil, fmt.Errorf("calibration %d-%d: migration least squares: %w", h.StartYear, h.EndYear, err)
	}
	for j := range k {
		c.Migration[j/oldAge][j%oldAge] = theta.AtVec(j)
	}
	loc.Migration = &c.Migration
	if err := loc.Check(); err != nil {
		return nil, fmt.Errorf("calibration %d-%d: %w", h.StartYear, h.EndYear, err)
	}
	m.project(projectInto(out, &start), h.StartYear, &loc, &Levers{})
	CollapseTo(&c.Fitted, &out[n])

	c.Local = loc
	for s := range c.Local.Mortality {
		c.Local.Mortality[s] = c.WindowMortality[s] / c.NationalMortality[s]
	}
	return c, nil
}

// mortalityFactors returns, for each sex, the factor on the model's death probabilities that
// carries the people of start who are aged oldAge+ at mid-year end's year to end's count,
// without migration or births. It bisects on the log factor, both sexes at once (they do
// not interact at old ages). out has the window's length + 1.
func (m *Model) mortalityFactors(out []Pop, start *Pop, startYear int, end *Pop90) [forecast.NumSexes]float64 {
	n := len(out) - 1
	loc := Local{Fertility: 0, Migration: &noMigrants}
	var lo, hi, target [forecast.NumSexes]float64
	for s := range lo {
		lo[s], hi[s] = math.Log(factorLo), math.Log(factorHi)
		for x := oldAge; x <= forecast.OpenAge; x++ {
			target[s] += end[s][x]
		}
	}
	for range bisectRounds {
		for s := range lo {
			loc.Mortality[s] = math.Exp((lo[s] + hi[s]) / 2)
		}
		m.project(projectInto(out, start), startYear, &loc, &Levers{})
		for s := range lo {
			var got float64
			for x := oldAge; x <= MaxAge; x++ {
				got += out[n][s][x]
			}
			if got > target[s] { // too many survive: raise mortality
				lo[s] = (lo[s] + hi[s]) / 2
			} else {
				hi[s] = (lo[s] + hi[s]) / 2
			}
		}
	}
	var f [forecast.NumSexes]float64
	for s := range f {
		f[s] = math.Exp((lo[s] + hi[s]) / 2)
	}
	return f
}

// projectInto sets out[0] to base and returns out, ready for Model.project.
func projectInto(out []Pop, base *Pop) []Pop {
	out[0] = *base
	return out
}

// fertilityFactor returns the area's standardised child-woman ratio over the nation's.
func (m *Model) fertilityFactor(h *History) (float64, error) {
	r := m.Rates(h.EndYear - 1)
	ratio := func(p *Pop90) (children, expected float64) {
		for s := range p {
			for x := range childAges {
				children += p[s][x]
			}
		}
		for x := 0; x < forecast.NumAges && x < NumAges; x++ {
			expected += r.Fertility[x] * p[forecast.Female][x]
		}
		return children, expected
	}
	ca, ea := ratio(&h.End)
	cn, en := ratio(&h.National)
	switch {
	case ea == 0 && ca == 0:
		return 1, nil // no women, no children: nothing to learn, nothing to project
	case ea == 0:
		return 0, fmt.Errorf("fertility %d: the area has children aged 0-%d but no women at childbearing ages", h.EndYear, childAges-1)
	case en == 0 || cn == 0:
		return 0, fmt.Errorf("fertility %d: the national estimate has no children or no women at childbearing ages", h.EndYear)
	}
	return (ca / ea) / (cn / en), nil
}
