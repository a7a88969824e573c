package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Sex selections of output cells.
const (
	selFemale = iota
	selMale
	selAll
)

var sexNames = [3]string{"female", "male", "all"}

// measureDef is one output measure and its cells: one per sex selection and band.
type measureDef struct {
	name, unit string
	sexes      []int
	bands      []band
	off        int
}

func (m *measureDef) cell(sex, band int) int { return m.off + sex*len(m.bands) + band }
func (m *measureDef) cells() int             { return len(m.sexes) * len(m.bands) }

// leverPlan is a lever prepared for a run.
type leverPlan struct {
	spec    forecast.LeverSpec
	profile forecast.Profile
	label   string
	applies []bool // by district (nil: everywhere)
	measure int    // schedule index (prevalence levers)
	service int    // service index (service trends)
	shares  population.Pop90
	share   []float64 // dwellings: each district's share of the homes
	group   int       // driver order: population, prevalence, services, costs
}

// plan is everything a run needs, prepared once.
type plan struct {
	e       *Engine
	sc      forecast.Scenario
	base    int
	years   []int
	scheds  []*schedule
	drivers [numServices][]svcDriver // need schedules driving each service for 65+ (none per head)
	rates   *serviceRates
	// useTrend[d][k][s] multiplies district d's 65+ use rate of service s in year index k
	// (Inputs.UseTrends); nil without trends.
	useTrend [][][numServices]float64
	notes    []string
	proj     map[string]map[int]*population.Pop90 // the supplied projection, by area and year
	// drawProj are the supplied variants the Monte Carlo draws from (Population.VariantWeights),
	// drawCum their cumulative shares of the draws (the last is 1).
	drawProj []map[string]map[int]*population.Pop90
	drawCum  []float64

	measures []*measureDef
	nCells   int
	mPop     *measureDef
	mNeed    []*measureDef // by schedule
	mSvc     [numServices]*measureDef
	mCap     struct{ resBeds, nurBeds, hours *measureDef }
	mWork    struct{ res, nur, home, total *measureDef }
	mCost    [numServices]*measureDef
	mCostTot *measureDef
	gaps     []gapDef // capacity and staff gaps against supply, when the data has supply
	// mMarket are the whole care-home market's measures (forecast.MeasureNotCouncilFunded and
	// the rest), when the data has supply; marketShare is the base share of care-home residents
	// not funded by their council, by district (its council's; NaN where there is no estimate).
	mMarket struct {
		notFunded, residents, beds *measureDef
	}
	marketShare []float64

	districtCost [][numServices]float64 // unit cost of each service for each district's council

	levers       []leverPlan
	unitCost     [numServices]float64
	costNotes    [numServices]string // where each service's unit cost comes from (provenance)
	costUnit     string
	priceBase    int
	e65Gain      [][forecast.NumSexes]float64   // by year index, gain since base
	leaves       []int                          // districts projected
	popSD        [][forecast.NumAges][2]float64 // Monte Carlo: population error spreads (shared, own) by year index and age
	districtSeed []uint64                       // Monte Carlo: each district's seed for its population error
	out          []outArea
}

// outArea is an area reported, with the districts it sums and their councils (each once, in
// the districts' order).
type outArea struct {
	code, name string
	districts  []int
	councils   []string
}

// newPlan checks the scenario against the data and prepares a run.
func (e *Engine) newPlan(sc forecast.Scenario, checked bool) (*plan, error) {
	sc = sc.WithDefaults()
	if !checked { // else the caller checked it against e.in (RunOptions.Checked)
		if err := sc.Check(e.in); err != nil {
			return nil, err
		}
	}
	p := &plan{e: e, sc: sc, base: sc.BaseYear}
	for y := sc.BaseYear; y <= sc.Horizon; y++ {
		p.years = append(p.years, y)
	}
	var err error
	if p.scheds, p.notes, err = e.schedules(&sc); err != nil {
		return nil, err
	}
	if err := p.resolveDrivers(); err != nil {
		return nil, err
	}
	if p.rates, err = e.serviceRates(p); err != nil {
		return nil, err
	}
	p.notes = append(p.notes, p.rates.notes...)
	p.prepareUseTrends()
	p.layout()
	p.prepareAreas() // before the levers: dwellings without areas spread over the run's districts
	p.prepareMarket()
	if err := p.prepareLevers(); err != nil {
		return nil, err
	}
	if err := p.prepareCosts(); err != nil {
		return nil, err
	}
	if err := p.prepareE65(); err != nil {
		return nil, err
	}
	if sc.Population.Source == "supplied" {
		if err := p.checkSupplied(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *plan) add(name, unit string, sexes []int, bands []band) *measureDef {
	m := &measureDef{name: name, unit: unit, sexes: sexes, bands: bands, off: p.nCells}
	p.nCells += m.cells()
	p.measures = append(p.measures, m)
	return m
}

var (
	allSexes = []int{selFemale, selMale, selAll}
	sexAll   = []int{selAll}
	band18   = []band{{"18+", 18, forecast.OpenAge}}
)

func (p *plan) layout() {
	p.mPop = p.add(forecast.FamilyPopulation, forecast.UnitPeople, allSexes, stdBands)
	for _, s := range p.scheds {
		p.mNeed = append(p.mNeed, p.add("need."+s.measure, forecast.UnitPeople, allSexes, s.bands))
	}
	for k, name := range serviceNames {
		unit := forecast.UnitClients
		if k == svcResidential || k == svcNursing {
			unit = forecast.UnitResidents
		}
		bands := []band{groupBands[grpWorking], groupBands[grpOlder], band18[0]}
		if k == svcMeals {
			bands = []band{groupBands[grpOlder]}
		}
		p.mSvc[k] = p.add("service."+name, unit, sexAll, bands)
	}
	p.mCap.resBeds = p.add("capacity.residential_beds", forecast.UnitBeds, sexAll, band18)
	p.mCap.nurBeds = p.add("capacity.nursing_beds", forecast.UnitBeds, sexAll, band18)
	p.mCap.hours = p.add("capacity.home_care_hours", forecast.UnitHoursPerWeek, sexAll, band18)
	p.mWork.res = p.add("workforce.residential_fte", forecast.UnitFTE, sexAll, band18)
	p.mWork.nur = p.add("workforce.nursing_fte", forecast.UnitFTE, sexAll, band18)
	p.mWork.home = p.add("workforce.home_care_fte", forecast.UnitFTE, sexAll, band18)
	p.mWork.total = p.add("workforce.total_fte", forecast.UnitFTE, sexAll, band18)
	p.costUnit = forecast.UnitPoundsPerYear + ", real " + p.sc.Costs.PriceBase + " prices"
	if p.sc.Costs.Terms == "cash" {
		p.costUnit = forecast.UnitPoundsPerYear + ", cash"
	}
	for k, name := range serviceNames {
		p.mCost[k] = p.add("cost."+name, p.costUnit, sexAll, band18)
	}
	p.mCostTot = p.add("cost.total", p.costUnit, sexAll, band18)
	if len(p.e.in.Supply) > 0 || len(p.sc.Capacity.Supply) > 0 {
		for _, g := range []struct {
			of       *measureDef
			services []string
			unit     string
		}{{p.mCap.resBeds, []string{"residential"}, "beds"}, {p.mCap.nurBeds, []string{"nursing"}, "beds"},
			{p.mCap.hours, []string{"home_care"}, "hours_per_week"}, {p.mWork.total, []string{"all"}, "staff_fte"}} {
			p.gaps = append(p.gaps, gapDef{of: g.of, services: g.services, unit: g.unit,
				m: p.add(g.of.name+"_gap", g.of.unit, sexAll, band18)})
		}
		// The whole care-home market (forecast.MeasureNotCouncilFunded): after the council's
		// measures, so that theirs keep their places.
		p.mMarket.notFunded = p.add(forecast.MeasureNotCouncilFunded, forecast.UnitResidents, sexAll, band18)
		p.mMarket.residents = p.add(forecast.MeasureWholeMarketResidents, forecast.UnitResidents, sexAll, band18)
		p.mMarket.beds = p.add(forecast.MeasureWholeMarketBeds, forecast.UnitBeds, sexAll, band18)
		p.gaps = append(p.gaps, gapDef{of: p.mMarket.beds, services: careHomeServices, unit: "beds",
			m: p.add(forecast.MeasureWholeMarketBedsGap, forecast.UnitBeds, sexAll, band18)})
	}
}

// careHomeServices are the supply services whose beds make up the care-home market: CQC's
// beds in homes without nursing and in homes with nursing.
var careHomeServices = []string{"residential", "nursing"}

// gapDef is a capacity or staff gap: what is needed (of) minus the supply in place of the
// services in a unit, summed, for areas whose supply the data gives (docs/design.md §4, step 4).
type gapDef struct {
	of, m    *measureDef
	services []string
	unit     string
}

// supplyAt returns area's supply of a service in a unit in year: the scenario's, else the
// data's latest given at or before year (or the earliest given, for years before the data).
func (p *plan) supplyAt(area, service, unit string, year int) (float64, bool) {
	// The scenario's own supply (forecast.CapacitySpec.Supply) holds in every year.
	for _, s := range p.sc.Capacity.Supply {
		if s.Area == area && s.Service == service && forecast.SupplyUnits[s.Service] == unit {
			return s.Capacity, true
		}
	}
	best, bestYear, found := 0.0, 0, false
	for _, s := range p.e.supply[supplyKey{area, service, unit}] {
		better := !found || (s.Year <= year && (bestYear > year || s.Year > bestYear)) || (s.Year > year && bestYear > year && s.Year < bestYear)
		if better {
			best, bestYear, found = s.Capacity, s.Year, true
		}
	}
	return best, found
}

// supplyOf returns an area's own supply of the services in a unit in year (supplyAt), summed
// over the services it has rows of, and whether it has any.
func (p *plan) supplyOf(area string, services []string, unit string, year int) (float64, bool) {
	sum, found := 0.0, false
	for _, s := range services {
		if v, ok := p.supplyAt(area, s, unit, year); ok {
			sum += v
			found = true
		}
	}
	return sum, found
}

// areaSupply returns an output area's supply of the services in a unit in year: its own rows
// (supplyOf), or for a region or England the sum over the councils it covers when every one
// of them has supply. A district of a county has none (the data gives supply by council).
func (p *plan) areaSupply(area outArea, services []string, unit string, year int) (float64, bool) {
	if v, ok := p.supplyOf(area.code, services, unit, year); ok {
		return v, true
	}
	info := p.e.areas[area.code]
	if info == nil || (info.Type != "region" && info.Type != "country") {
		return 0, false
	}
	sum := 0.0
	for _, c := range area.councils {
		v, ok := p.supplyOf(c, services, unit, year)
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, len(area.councils) > 0
}

// applyGaps turns the gap cells of every reported area into need minus supply, or NaN (left
// out of the table) where the area has no supply (areaSupply). vals holds [area][year][cell];
// the other statistics (quantiles), if any, are shifted alike.
func (p *plan) applyGaps(stats ...[]float64) {
	if len(p.gaps) == 0 {
		return
	}
	for a, area := range p.out {
		for k, year := range p.years {
			row := (a*len(p.years) + k) * p.nCells
			for _, g := range p.gaps {
				supply, ok := p.areaSupply(area, g.services, g.unit, year)
				for _, v := range stats {
					if v == nil {
						continue
					}
					if ok {
						v[row+g.m.off] = v[row+g.of.off] - supply
					} else {
						v[row+g.m.off] = math.NaN()
					}
				}
			}
		}
	}
}

// prepareLevers resolves each lever's areas, measure or service and age profile.
func (p *plan) prepareLevers() error {
	e := p.e
	var errs forecast.ScenarioError
	for i, l := range p.sc.Levers {
		lp := leverPlan{spec: l, measure: -1, service: -1}
		lp.profile, _ = forecast.ParseProfile(l.Profile)
		lp.label = l.Label
		if lp.label == "" {
			lp.label = l.Type
			if l.Measure != "" {
				lp.label += " " + l.Measure
			}
			if l.Service != "" {
				lp.label += " " + l.Service
			}
		}
		if len(l.Areas) > 0 {
			lp.applies = make([]bool, len(e.districts))
			for _, a := range l.Areas {
				for _, d := range e.under[a] {
					lp.applies[d] = true
				}
			}
		}
		switch l.Type {
		case forecast.LeverPrevalenceTrend:
			lp.measure = slices.IndexFunc(p.scheds, func(s *schedule) bool { return s.measure == l.Measure })
			if lp.measure < 0 {
				errs = append(errs, forecast.FieldError{Path: fmt.Sprintf("levers[%d].measure", i), Message: fmt.Sprintf("measure %q is not in this run", l.Measure)})
			}
		case forecast.LeverServiceTrend:
			lp.service = slices.Index(serviceNames, l.Service)
		case forecast.LeverDwellings:
			switch l.AgeProfile {
			case "population", "older":
				nat, err := e.nationalSum(p.base)
				if err != nil {
					return err
				}
				lp.shares = *nat
				if l.AgeProfile == "older" {
					for s := range lp.shares {
						for x := range 65 {
							lp.shares[s][x] = 0
						}
					}
				}
			default:
				lp.shares = e.in.InMigration
			}
			var tot float64
			for s := range lp.shares {
				for x := range lp.shares[s] {
					lp.shares[s][x] = max(lp.shares[s][x], 0)
					tot += lp.shares[s][x]
				}
			}
			if tot <= 0 {
				return errors.New("engine: no age profile for new residents")
			}
			for s := range lp.shares {
				for x := range lp.shares[s] {
					lp.shares[s][x] /= tot
				}
			}
			// The homes spread by population over the lever's districts or, when the lever
			// names no areas, over the districts of the areas the run reports: a council's
			// run with 4,000 homes puts all 4,000 in the council, not its share of England.
			set := lp.applies
			if set == nil {
				set = make([]bool, len(e.districts))
				for _, d := range p.leaves {
					set[d] = true
				}
			}
			lp.share = make([]float64, len(e.districts))
			for d := range lp.share {
				lp.share[d] = p.districtShare(d, set)
			}
		}
		switch l.Type {
		case forecast.LeverMortalityImprovement, forecast.LeverMigration, forecast.LeverDwellings:
			lp.group = 0
		case forecast.LeverPrevalenceTrend, forecast.LeverMorbidityCompression:
			lp.group = 1
		case forecast.LeverUnitCostGrowth:
			lp.group = 3
		default:
			lp.group = 2
		}
		p.levers = append(p.levers, lp)
	}
	// The population model takes one mortality and one migration change per area.
	for _, typ := range []string{forecast.LeverMortalityImprovement, forecast.LeverMigration} {
		seen := map[[2]int]bool{}
		for d := range e.districts {
			first := -1
			for i := range p.levers {
				l := &p.levers[i]
				if l.spec.Type != typ || !l.appliesTo(d) {
					continue
				}
				if first < 0 {
					first = i
					continue
				}
				if !seen[[2]int{first, i}] {
					seen[[2]int{first, i}] = true
					errs = append(errs, forecast.FieldError{Path: fmt.Sprintf("levers[%d].areas", i), Message: fmt.Sprintf(
						"only one %s lever may apply to an area: levers[%d] and levers[%d] both apply to %s (%s)", typ, first, i,
						e.areas[e.districts[d]].Name, e.districts[d])})
				}
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// prepareCosts sets each district's unit cost of each service: the scenario's where it sets
// one, else the data's for the district's council (latest year), else England's from the data,
// else carecast's illustrative default; data costs at another price base are restated at the
// scenario's by the data's price index. It records where each service's cost comes from for
// the provenance (costNotes).
func (p *plan) prepareCosts() error {
	pb, _, _ := strings.Cut(p.sc.Costs.PriceBase, "-")
	p.priceBase, _ = strconv.Atoi(pb)
	if p.priceBase == 0 {
		p.priceBase = p.base
	}
	for k, name := range serviceNames {
		p.unitCost[k] = forecast.DefaultUnitCosts[name].Cost
	}
	idx := p.e.in.PriceIndex
	var errs forecast.ScenarioError
	// restate gives a data cost at the scenario's price base, and the factor applied.
	restate := func(u UnitCost) (float64, float64) {
		from, _, _ := strings.Cut(u.PriceBase, "-")
		y, err := strconv.Atoi(from)
		if err != nil || y == p.priceBase {
			return u.Cost, 1
		}
		if idx != nil && idx.Level[y] > 0 && idx.Level[p.priceBase] > 0 {
			f := idx.Level[p.priceBase] / idx.Level[y]
			return u.Cost * f, f
		}
		msg := fmt.Sprintf("the data's %s unit costs are at %s prices and the data has no price index to restate them at %s prices", u.Service, u.PriceBase, p.sc.Costs.PriceBase)
		if idx != nil {
			msg = fmt.Sprintf("the data's %s unit costs are at %s prices and its %s covers %s, not %s", u.Service, u.PriceBase, idx.Name, idx.span(), p.sc.Costs.PriceBase)
		}
		if !slices.ContainsFunc(errs, func(e forecast.FieldError) bool { return e.Path == "costs.price_base" }) {
			errs = append(errs, forecast.FieldError{Path: "costs.price_base", Message: msg})
		}
		return u.Cost, 1
	}
	// dataCost is area's latest unit cost of service k in the data (the first given, of
	// several in that year).
	type costKey struct {
		area string
		k    int
	}
	latest := map[costKey]UnitCost{}
	for _, u := range p.e.in.UnitCosts {
		k := slices.Index(serviceNames, u.Service)
		if k < 0 || u.Unit != forecast.DefaultUnitCosts[u.Service].Unit {
			continue
		}
		if best, ok := latest[costKey{u.Area, k}]; !ok || u.Year > best.Year {
			latest[costKey{u.Area, k}] = u
		}
	}
	dataCost := func(area string, k int) (UnitCost, bool) {
		u, ok := latest[costKey{area, k}]
		return u, ok
	}
	inScenario := map[int]bool{}
	for _, u := range p.sc.Costs.UnitCosts {
		k := slices.Index(serviceNames, u.Service)
		p.unitCost[k] = u.Cost
		inScenario[k] = true
	}
	var national [numServices]UnitCost
	var hasNational [numServices]bool
	for k := range serviceNames {
		if u, ok := dataCost(p.e.in.National, k); ok && !inScenario[k] {
			national[k], hasNational[k] = u, true
			p.unitCost[k], _ = restate(u)
		}
	}
	p.districtCost = make([][numServices]float64, len(p.e.districts))
	for d := range p.districtCost {
		for k := range serviceNames {
			p.districtCost[d][k] = p.unitCost[k]
			if u, ok := dataCost(p.e.council[d], k); ok && !inScenario[k] {
				p.districtCost[d][k], _ = restate(u)
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}

	// Where each service's cost comes from, for the councils the run projects.
	var councils []string
	for _, d := range p.leaves {
		if c := p.e.council[d]; !slices.Contains(councils, c) {
			councils = append(councils, c)
		}
	}
	for k, name := range serviceNames {
		unit := forecast.DefaultUnitCosts[name].Unit
		var own []UnitCost
		for _, c := range councils {
			if u, ok := dataCost(c, k); ok {
				own = append(own, u)
			}
		}
		switch {
		case inScenario[k]:
			p.costNotes[k] = fmt.Sprintf("£%g per %s (scenario)", p.unitCost[k], unit)
		case len(own) == 1 && len(councils) == 1:
			c, f := restate(own[0])
			p.costNotes[k] = fmt.Sprintf("£%.2f per %s at %s prices (%s%s)", c, unit, p.sc.Costs.PriceBase, own[0].Source, p.restated(own[0], f))
		case len(own) > 0:
			note := fmt.Sprintf("each council's own from the data (%d of %d councils", len(own), len(councils))
			if hasNational[k] {
				_, f := restate(national[k])
				note += fmt.Sprintf("; England £%.2f per %s at %s prices: %s%s", p.unitCost[k], unit, p.sc.Costs.PriceBase, national[k].Source, p.restated(national[k], f))
			}
			p.costNotes[k] = note + ")"
		case hasNational[k]:
			_, f := restate(national[k])
			p.costNotes[k] = fmt.Sprintf("£%.2f per %s at %s prices (England's: %s%s)", p.unitCost[k], unit, p.sc.Costs.PriceBase, national[k].Source, p.restated(national[k], f))
		default:
			p.costNotes[k] = fmt.Sprintf("£%g per %s (carecast illustrative default, an assumption)", p.unitCost[k], unit)
		}
	}
	return nil
}

// restated says how a data cost was restated at the scenario's price base, if it was.
func (p *plan) restated(u UnitCost, factor float64) string {
	if factor == 1 {
		return ""
	}
	return fmt.Sprintf("; %s prices restated ×%.4f by the %s", u.PriceBase, factor, p.e.in.PriceIndex.Name)
}

// span is the financial years the index covers, "2015-16 to 2023-24".
func (x *PriceIndex) span() string {
	lo, hi := 0, 0
	for y := range x.Level {
		if lo == 0 || y < lo {
			lo = y
		}
		if y > hi {
			hi = y
		}
	}
	return fmt.Sprintf("%d-%02d to %d-%02d", lo, (lo+1)%100, hi, (hi+1)%100)
}

// prepareE65 finds the gain in period life expectancy at 65 since the base year, which drives
// compression of morbidity. Years past the data keep the last known gain.
func (p *plan) prepareE65() error {
	needed := slices.ContainsFunc(p.sc.Levers, func(l forecast.LeverSpec) bool { return l.Type == forecast.LeverMorbidityCompression })
	p.e65Gain = make([][forecast.NumSexes]float64, len(p.years))
	if !needed {
		return nil
	}
	e0, ok := p.e.in.E65[p.base]
	if !ok {
		return fmt.Errorf("engine: compression of morbidity needs life expectancy at 65 in %d", p.base)
	}
	last := e0
	for k, y := range p.years {
		if ey, ok := p.e.in.E65[y]; ok {
			last = ey
		}
		for s := range last {
			p.e65Gain[k][s] = last[s] - e0[s]
		}
	}
	return nil
}

// prepareAreas lists the areas reported: the scenario's, else every council, region and
// England, each with the districts it sums; the districts themselves when asked.
func (p *plan) prepareAreas() {
	e := p.e
	codes := p.sc.Areas
	if len(codes) == 0 {
		for i := range e.in.Areas {
			a := &e.in.Areas[i]
			if a.ValidTo == "" && (a.IsCouncil() || a.Type == "region" || a.Type == "country") {
				codes = append(codes, a.Code)
			}
		}
	}
	seen := map[string]bool{}
	add := func(code string) {
		if seen[code] {
			return
		}
		seen[code] = true
		a := outArea{code: code, name: e.areas[code].Name, districts: e.under[code]}
		for _, d := range a.districts {
			if c := e.council[d]; !slices.Contains(a.councils, c) {
				a.councils = append(a.councils, c)
			}
		}
		p.out = append(p.out, a)
	}
	for _, c := range codes {
		add(c)
		if p.sc.Districts {
			for _, d := range e.under[c] {
				add(e.districts[d])
			}
		}
	}
	slices.SortStableFunc(p.out, func(a, b outArea) int { return areaOrder(e.areas[a.code]) - areaOrder(e.areas[b.code]) })
	need := map[int]bool{}
	for _, a := range p.out {
		for _, d := range a.districts {
			need[d] = true
		}
	}
	p.leaves = sortedInts(need)
}

func areaOrder(a *forecast.AreaInfo) int {
	switch a.Type {
	case "country":
		return 0
	case "region":
		return 1
	case "county", "unitary", "metropolitan_district", "london_borough":
		if a.IsCouncil() {
			return 2
		}
	}
	return 3
}

// at returns a lever's value reached in year (value × profile fraction).
func (l *leverPlan) at(value float64, year int) float64 {
	return value * l.profile.Fraction(year, l.spec.Start, l.spec.End)
}

func (l *leverPlan) appliesTo(d int) bool { return l.applies == nil || l.applies[d] }

// popLevers builds district d's population levers from the active levers with the given values.
func (p *plan) popLevers(d int, active []bool, values []float64, dst *population.Levers) error {
	*dst = population.Levers{Dwellings: dst.Dwellings[:0]}
	for i := range p.levers {
		l := &p.levers[i]
		if !active[i] || !l.appliesTo(d) {
			continue
		}
		lev := forecast.Lever{Value: values[i], Start: l.spec.Start, End: l.spec.End, Profile: l.profile}
		switch l.spec.Type {
		case forecast.LeverMortalityImprovement:
			if dst.MortalityChange.Value != 0 {
				return fmt.Errorf("engine: only one mortality_improvement lever may apply to an area")
			}
			dst.MortalityChange = lev
		case forecast.LeverMigration:
			if dst.MigrationChange.Value != 0 {
				return fmt.Errorf("engine: only one migration lever may apply to an area")
			}
			dst.MigrationChange = lev
		case forecast.LeverDwellings:
			dst.Dwellings = append(dst.Dwellings, population.Dwellings{Homes: values[i] * l.share[d],
				PersonsPerHome: l.spec.PersonsPerHome, Start: l.spec.Start, End: l.spec.End, Profile: l.profile, Shares: l.shares})
		}
	}
	return nil
}

// districtShare is district d's share of the base-year population of the districts in set
// (all districts when set is nil): how new homes spread over an area.
func (p *plan) districtShare(d int, set []bool) float64 {
	var tot, own float64
	for i := range p.e.districts {
		if set != nil && !set[i] {
			continue
		}
		est := p.e.in.Estimates[p.e.districts[i]][p.base]
		if est == nil {
			continue
		}
		t := est.Total()
		tot += t
		if i == d {
			own = t
		}
	}
	if tot == 0 {
		return 0
	}
	return own / tot
}

// checkSupplied checks that every district the run needs has a supplied projection (of the
// scenario's variant) for every year base..horizon, both sexes and every age, and that no
// population lever is set (a supplied projection is used as it is).
func (p *plan) checkSupplied() error {
	var errs forecast.ScenarioError
	for i, l := range p.sc.Levers {
		switch l.Type {
		case forecast.LeverMortalityImprovement, forecast.LeverMigration, forecast.LeverDwellings:
			errs = append(errs, forecast.FieldError{Path: fmt.Sprintf("levers[%d].type", i),
				Message: "population levers need the cohort population source; a supplied projection is used as it is"})
		}
	}
	cover := func(path, variant string) (map[string]map[int]*population.Pop90, error) {
		proj, err := p.e.projection(variant)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, d := range p.leaves {
			code := p.e.districts[d]
			for _, y := range p.years {
				if proj[code][y] == nil {
					missing = append(missing, fmt.Sprintf("%s (%s) has no %s projection for %d", code, p.e.areas[code].Name, variant, y))
					break
				}
			}
			if len(missing) == 5 {
				missing = append(missing, "…")
				break
			}
		}
		if len(missing) > 0 {
			errs = append(errs, forecast.FieldError{Path: path, Message: "a supplied projection must cover every district reported in every year: " + strings.Join(missing, "; ")})
		}
		return proj, nil
	}
	var err error
	if p.proj, err = cover("population.source", p.sc.Population.Variant); err != nil {
		return err
	}
	// The variants the Monte Carlo draws from, and their cumulative shares.
	p.drawProj, p.drawCum = nil, nil
	var total float64
	for i, w := range p.sc.Population.VariantWeights {
		proj, err := cover(fmt.Sprintf("population.variant_weights[%d].variant", i), w.Variant)
		if err != nil {
			return err
		}
		total += w.Weight
		p.drawProj = append(p.drawProj, proj)
		p.drawCum = append(p.drawCum, total)
	}
	for i := range p.drawCum {
		p.drawCum[i] /= total
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// svcDriver is one need schedule's share of a service's users 65+.
type svcDriver struct {
	sched int
	share float64
}

// resolveDrivers links each service for people 65+ to the need schedules that drive it: the
// scenario's drivers, or forecast.DefaultServiceDrivers, through ServicesSpec.ResolveDrivers.
// A measure the scenario names must have usable evidence covering every age 65+; a default
// driver whose measure has none (data without dementia rates, or the measure excluded) gives
// its share to need_measure, with a note. The resolved drivers are recorded in the scenario
// the result's provenance carries.
func (p *plan) resolveDrivers() error {
	sv := &p.sc.Services
	if sv.PerHead {
		sv.Drivers = nil
		return nil
	}
	usable := func(m string) (int, string) {
		for i, s := range p.scheds {
			if s.measure != m {
				continue
			}
			if s.from > 65 || s.to < forecast.OpenAge {
				return -1, fmt.Sprintf("covers ages %d-%d, not all of 65+", s.from, s.to)
			}
			return i, ""
		}
		return -1, "has no usable evidence in this run"
	}
	if _, why := usable(sv.NeedMeasure); why != "" {
		return forecast.ScenarioError{{Path: "services.need_measure", Message: fmt.Sprintf("need measure %q %s", sv.NeedMeasure, why)}}
	}
	given := sv.Drivers
	if given == nil {
		for _, d := range forecast.DefaultServiceDrivers(sv.NeedMeasure) {
			if _, why := usable(d.Measure); why != "" {
				p.notes = append(p.notes, fmt.Sprintf("services follow %s alone: the default share of %s for %s cannot be used, as %s %s", sv.NeedMeasure, d.Measure, d.Service, d.Measure, why))
				continue
			}
			given = append(given, d)
		}
	}
	resolved := sv.ResolveDrivers(given)
	sv.Drivers = nil
	for s, ds := range resolved {
		for i, d := range ds {
			j, why := usable(d.Measure)
			if why != "" {
				return forecast.ScenarioError{{Path: "services.drivers", Message: fmt.Sprintf("%s is driven by %q, which %s", d.Service, d.Measure, why)}}
			}
			if i >= forecast.MaxDriversPerService {
				return forecast.ScenarioError{{Path: "services.drivers", Message: fmt.Sprintf("%s has more than %d driving measures", d.Service, forecast.MaxDriversPerService)}}
			}
			p.drivers[s] = append(p.drivers[s], svcDriver{sched: j, share: d.Share})
			sv.Drivers = append(sv.Drivers, d)
		}
	}
	return nil
}

// prepareUseTrends fills p.useTrend from the inputs' use-rate trends for the services that
// have one, unless the scenario turns them off.
func (p *plan) prepareUseTrends() {
	u := p.e.in.UseTrends
	if u == nil || p.sc.Services.UseTrend == forecast.UseTrendNone {
		return
	}
	// A run from a base year after the trends' From starts them there: the base year is the
	// data.
	from := *u
	from.From = max(u.From, p.base)
	p.useTrend = make([][][numServices]float64, len(p.e.districts))
	for d := range p.e.districts {
		p.useTrend[d] = make([][numServices]float64, len(p.years))
		for k, y := range p.years {
			for s, name := range serviceNames {
				p.useTrend[d][k][s] = from.Factor(p.e.council[d], name, y)
			}
		}
	}
	p.notes = append(p.notes, u.Source)
}
