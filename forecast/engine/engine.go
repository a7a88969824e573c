// Package engine runs carecast's model chain (docs/design.md §4) for a scenario: population
// → need → services → capacity and workforce → cost, with the drivers of change, for every
// district, rolled up exactly to councils, regions and England.
//
// # How each step works
//
//   - Population: each district is projected from its base-year estimate by package
//     population's cohort-component model on ONS's 2018-based national assumptions, adjusted
//     to the district by Model.Calibrate on its 2011 and base-year estimates (local fertility
//     and mortality factors and a net migration profile). Years before 2018, needed for the
//     calibration window, use 2018's rates with death rates scaled to ONS's past period life
//     expectancy at 65. The open 90+ group is split by England's single-year structure at
//     90..105+ (ONS's projection for the nearest year) and collapsed again for output.
//   - Need: prevalence × population by sex and single year of age, with each measure's rates
//     taken from one evidence year (Scenario.Prevalence, else the latest evidence with age
//     detail for every age it covers). Trends multiply the rates; compression of morbidity
//     moves the age curve to older ages by a share of the gain in period life expectancy at
//     65 since the base year (rates at ages below the measure's first age are taken as the
//     first age's).
//   - Services: each council's base use per head (18-64) or per person in need (65+) is the
//     mean over its latest activity years of the best activity the data holds for the service
//     (serviceSeries): SALT clients of long-term support at the year end for residential and
//     nursing care, direct payments and home care (SALT's community support, which includes
//     other community services), else PSS-EX1 (clients, or weeks of residential and nursing
//     care ÷ 52 = average supported residents), which is all day care and meals have. Councils
//     that did not report a service take their region's pooled rate. Councils formed since
//     2019 take their predecessors' pooled rate (or, for a county split in two, the county's).
//     Home-care hours a week per client come from the same years (SALT's derived from each
//     council's home-care spend ÷ its hourly rate).
//   - Capacity, workforce, cost: see Scenario.Capacity and Scenario.Costs. Unit costs come
//     from the scenario, else the data's (the council's, else England's, latest year), else
//     carecast's illustrative defaults. Where the data gives supply (beds, home-care hours a
//     week, staff FTE) for an area reported, the gap is what is needed minus that supply.
//   - The whole care-home market (market.go): where the data gives care home beds, each
//     council's residents not funded by it are estimated as beds × occupancy − its supported
//     residential and nursing residents in the year of that activity, and held at that share of
//     all care-home residents (or the share a not_council_funded_share lever sets), growing with
//     the council's care-home residents as projected from population and need; whole-market
//     residents, beds and the bed gap follow (forecast.MeasureNotCouncilFunded).
//   - Drivers: the change since the base year is split, in this order, into demography, each
//     population lever, each prevalence lever, each service lever and unit-cost growth; each
//     part is the difference between successive evaluations, so the parts add up exactly.
//
// An Engine is built once from Inputs (which it never modifies) and is safe for concurrent use.
package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// CalibrationStart is the first year of every district's calibration window: the 2011 Census
// based single-year estimates.
const CalibrationStart = 2011

// Engine runs scenarios on one set of inputs.
type Engine struct {
	in        *Inputs
	model     *population.Model
	modelFrom int
	areas     map[string]*forecast.AreaInfo
	districts []string       // districts in force, sorted
	index     map[string]int // district code → index
	council   []string       // council of each district
	under     map[string][]int
	supply    map[supplyKey][]SupplyRow // Inputs.Supply by area, service and unit
	calMu     sync.Mutex
	cal       map[calKey]*calEntry
	svcMu     sync.Mutex
	svc       map[svcKey]*svcEntry
	errOnce   sync.Once
	errModels *ErrorModels
	errErr    error
	projMu    sync.Mutex
	proj      map[string]*projEntry
}

type projEntry struct {
	once sync.Once
	p    map[string]map[int]*population.Pop90
	err  error
}

// projection returns the supplied projection of a variant by area and year: Inputs.Projections'
// and, read once on first use, Inputs.LazyProjections' (nil for a variant in neither).
func (e *Engine) projection(variant string) (map[string]map[int]*population.Pop90, error) {
	load := e.in.LazyProjections[variant]
	if load == nil {
		return e.in.Projections[variant], nil
	}
	e.projMu.Lock()
	if e.proj == nil {
		e.proj = map[string]*projEntry{}
	}
	ent := e.proj[variant]
	if ent == nil {
		ent = &projEntry{}
		e.proj[variant] = ent
	}
	e.projMu.Unlock()
	ent.once.Do(func() {
		lazy, err := load()
		if err != nil {
			ent.err = fmt.Errorf("engine: reading the %s projection: %w", variant, err)
			return
		}
		merged := make(map[string]map[int]*population.Pop90, len(lazy)+len(e.in.Projections[variant]))
		for area, years := range e.in.Projections[variant] {
			merged[area] = maps.Clone(years)
		}
		for area, years := range lazy {
			if merged[area] == nil {
				merged[area] = map[int]*population.Pop90{}
			}
			maps.Copy(merged[area], years)
		}
		ent.p = merged
	})
	return ent.p, ent.err
}

// errorModels returns the inputs' error models, computing them once (nil without any).
func (e *Engine) errorModels() (*ErrorModels, error) {
	if e.in.Uncertainty == nil {
		return nil, nil
	}
	e.errOnce.Do(func() {
		e.errModels, e.errErr = e.in.Uncertainty()
		if e.errErr != nil {
			e.errErr = fmt.Errorf("engine: error models for ranges: %w", e.errErr)
		}
	})
	return e.errModels, e.errErr
}

type calKey struct {
	district int
	base     int
}

type calEntry struct {
	once sync.Once
	loc  population.Local
	mig  [forecast.NumSexes][population.NumAges]float64
	err  error
}

// New builds an Engine. It returns an error if the inputs lack what every run needs: national
// rates, the areas table, base-year estimates for the districts.
func New(in *Inputs) (*Engine, error) {
	if len(in.Rates) == 0 {
		return nil, errors.New("engine: no national rates")
	}
	e := &Engine{in: in, areas: map[string]*forecast.AreaInfo{}, index: map[string]int{}, under: map[string][]int{},
		cal: map[calKey]*calEntry{}, svc: map[svcKey]*svcEntry{}}
	for i := range in.Areas {
		a := &in.Areas[i]
		e.areas[a.Code] = a
		if a.IsDistrict() && a.ValidTo == "" {
			e.districts = append(e.districts, a.Code)
		}
	}
	if len(e.districts) == 0 {
		return nil, errors.New("engine: the areas table has no districts in force")
	}
	sort.Strings(e.districts)
	e.council = make([]string, len(e.districts))
	for i, d := range e.districts {
		e.index[d] = i
		// Every area above the district (and the district itself) includes it.
		for c := d; c != ""; {
			a := e.areas[c]
			if a == nil {
				return nil, fmt.Errorf("engine: district %s lies in %s, which is not in the areas table", d, c)
			}
			e.under[c] = append(e.under[c], i)
			if a.IsCouncil() && e.council[i] == "" {
				e.council[i] = c
			}
			c = a.Parent
		}
		if e.council[i] == "" {
			return nil, fmt.Errorf("engine: district %s has no council above it", d)
		}
	}
	e.supply = map[supplyKey][]SupplyRow{}
	for _, s := range in.Supply {
		k := supplyKey{s.Area, s.Service, s.Unit}
		e.supply[k] = append(e.supply[k], s)
	}
	if err := e.buildModel(); err != nil {
		return nil, err
	}
	return e, nil
}

// supplyKey indexes supply rows by area, service and unit.
type supplyKey struct{ area, service, unit string }

// Inputs returns the engine's inputs (read-only).
func (e *Engine) Inputs() *Inputs { return e.in }

// Districts returns the codes of the districts in force, sorted.
func (e *Engine) Districts() []string { return slices.Clone(e.districts) }

// DistrictsUnder returns the districts in force that make up area (the area itself if it is a
// district), sorted.
func (e *Engine) DistrictsUnder(area string) []string {
	var out []string
	for _, i := range e.under[area] {
		out = append(out, e.districts[i])
	}
	return out
}

// buildModel makes the national model, extended back to CalibrationStart: years before the
// first national rates use the first year's rates with death probabilities scaled so that
// period life expectancy at 65 differs from the first year's as ONS's published past values do
// (fertility and migration as in the first year).
func (e *Engine) buildModel() error {
	in := e.in
	first := min(in.RatesFirst, CalibrationStart)
	rates := make([]population.Rates, 0, len(in.Rates)+in.RatesFirst-first)
	base := in.Rates[0]
	e0, ok := in.E65[in.RatesFirst]
	for y := first; y < in.RatesFirst; y++ {
		ey, okY := in.E65[y]
		if !ok || !okY {
			return fmt.Errorf("engine: rates before %d need period life expectancy at 65 for %d and %d", in.RatesFirst, y, in.RatesFirst)
		}
		r := base
		for s := range forecast.NumSexes {
			k, err := population.LifeExpectancyFactor(base.Q[s][65:], population.LifeExpectancy(base.Q[s][65:])+ey[s]-e0[s])
			if err != nil {
				return fmt.Errorf("engine: backcasting %d rates: %w", y, err)
			}
			for x := range r.Q[s] {
				r.Q[s][x] = min(k*r.Q[s][x], 1)
			}
			r.QBirth[s] = min(k*r.QBirth[s], 1)
		}
		rates = append(rates, r)
	}
	rates = append(rates, in.Rates...)
	m, err := population.NewModel(first, rates)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	e.model, e.modelFrom = m, first
	return nil
}

// oldRef returns the national single-year structure at 90..105+ nearest to year.
func (e *Engine) oldRef(year int) (*population.Pop, error) {
	best, bestD := -1, 1<<30
	for y := range e.in.Oldest {
		d := y - year
		if d < 0 {
			d = -d
		}
		if d < bestD || (d == bestD && y < best) {
			best, bestD = y, d
		}
	}
	if best < 0 {
		return nil, errors.New("engine: no single-year structure of the oldest ages to split 90+")
	}
	return e.in.Oldest[best], nil
}

// estimate returns district i's estimate in year, or an error naming what is missing.
func (e *Engine) estimate(i, year int) (*population.Pop90, error) {
	p := e.in.Estimates[e.districts[i]][year]
	if p == nil {
		return nil, fmt.Errorf("engine: no mid-%d estimate for %s", year, e.districts[i])
	}
	return p, nil
}

// nationalSum sums the districts' estimates for year.
func (e *Engine) nationalSum(year int) (*population.Pop90, error) {
	var sum population.Pop90
	for i := range e.districts {
		p, err := e.estimate(i, year)
		if err != nil {
			return nil, err
		}
		for s := range sum {
			for x := range sum[s] {
				sum[s][x] += p[s][x]
			}
		}
	}
	return &sum, nil
}

// local returns district i's calibrated adjustment for projections from base, computed once.
// With base == CalibrationStart there is no window: national fertility and mortality, and the
// national net migration profile scaled to the district's share of England's population.
func (e *Engine) local(i, base int) (*population.Local, error) {
	e.calMu.Lock()
	c := e.cal[calKey{i, base}]
	if c == nil {
		c = &calEntry{}
		e.cal[calKey{i, base}] = c
	}
	e.calMu.Unlock()
	c.once.Do(func() { c.err = e.calibrate(i, base, c) })
	if c.err != nil {
		return nil, c.err
	}
	return &c.loc, nil
}

func (e *Engine) calibrate(i, base int, c *calEntry) error {
	end, err := e.estimate(i, base)
	if err != nil {
		return err
	}
	if base <= CalibrationStart {
		nat, err := e.nationalSum(base)
		if err != nil {
			return err
		}
		share := end.Total() / nat.Total()
		r := e.model.Rates(base)
		for s := range c.mig {
			for x := range c.mig[s] {
				c.mig[s][x] = r.Migration[s][x] * share
			}
		}
		c.loc = population.National
		c.loc.Migration = &c.mig
		return nil
	}
	start, err := e.estimate(i, CalibrationStart)
	if err != nil {
		return err
	}
	nat, err := e.nationalSum(base)
	if err != nil {
		return err
	}
	natStart, err := e.nationalSum(CalibrationStart)
	if err != nil {
		return err
	}
	old, err := e.oldRef(CalibrationStart)
	if err != nil {
		return err
	}
	cal, err := e.model.Calibrate(&population.History{StartYear: CalibrationStart, Start: *start, EndYear: base, End: *end,
		National: *nat, NationalStart: natStart, Old: *old}, 0)
	if err != nil {
		return fmt.Errorf("engine: calibrating %s on %d–%d: %w", e.districts[i], CalibrationStart, base, err)
	}
	c.mig = cal.Migration
	c.loc = cal.Local
	c.loc.Migration = &c.mig
	return nil
}

// Warm calibrates every district for base in parallel, so that the first run is as fast as
// later ones. It is optional.
func (e *Engine) Warm(base int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(e.districts))
	sem := make(chan struct{}, 4)
	for i := range e.districts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, errs[i] = e.local(i, base)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// SuppliedPopulation returns area's population at mid-year year in the supplied projection
// variant (e.g. "principal"): the sum of the districts in force under it (DistrictsUnder), or
// the area's own rows where it has no districts. ok is false when any of them lacks that year.
// A variant read lazily is read on first use; its read error is returned.
func (e *Engine) SuppliedPopulation(variant, area string, year int) (p population.Pop90, ok bool, err error) {
	proj, err := e.projection(variant)
	if err != nil {
		return p, false, err
	}
	codes := e.DistrictsUnder(area)
	if len(codes) == 0 {
		codes = []string{area}
	}
	for _, d := range codes {
		q := proj[d][year]
		if q == nil {
			return population.Pop90{}, false, nil
		}
		for s := range p {
			for x := range p[s] {
				p[s][x] += q[s][x]
			}
		}
	}
	return p, true, nil
}

// EstimatedPopulation returns area's mid-year estimate for year: the sum of the estimates of
// the districts in force under it (the area's own where it has no districts). ok is false when
// any of them has no estimate for that year (no interpolation).
func (e *Engine) EstimatedPopulation(area string, year int) (p population.Pop90, ok bool) {
	codes := e.DistrictsUnder(area)
	if len(codes) == 0 {
		codes = []string{area}
	}
	for _, d := range codes {
		q := e.in.Estimates[d][year]
		if q == nil {
			return population.Pop90{}, false
		}
		for s := range p {
			for x := range p[s] {
				p[s][x] += q[s][x]
			}
		}
	}
	return p, true
}
