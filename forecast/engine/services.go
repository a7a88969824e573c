package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Services projected, with the activity each is measured by.
var serviceNames = forecast.ServiceNames

const (
	svcResidential = iota
	svcNursing
	svcHomeCare
	svcDirectPayments
	svcDayCare
	svcMeals
	numServices
)

// Service age groups: people 18-64 are driven by population, people 65+ by need (or population).
const (
	grpWorking = iota // 18-64
	grpOlder          // 65+
	numGroups
)

var groupBands = [numGroups]band{{"18-64", 18, 64}, {"65+", 65, forecast.OpenAge}}

// activitySeries is one kind of activity row that measures a service: the service and measure
// in the data, and the divisor that turns the value into people at a time.
type activitySeries struct {
	Service, Measure string
	div              float64
}

// serviceSeries lists, for each service, the activity that can measure it, best first; a run
// uses the first the data holds. SALT (2014-15 on) counts clients of long-term support at the
// year end by setting; its community support (managed personal budgets and commissioned
// support only) is the home-care family, as SALT does not split home care from other
// community services. PSS-EX1 (to 2013-14) counted home care, day care and meals clients, and
// residential and nursing care in weeks in the year (÷ 52 = average supported residents).
var serviceSeries = [numServices][]activitySeries{
	svcResidential:    {{"residential", "clients_year_end", 1}, {"residential", "weeks", 52}},
	svcNursing:        {{"nursing", "clients_year_end", 1}, {"nursing", "weeks", 52}},
	svcHomeCare:       {{"community_support", "clients_year_end", 1}, {"home_care", "clients", 1}},
	svcDirectPayments: {{"direct_payments", "clients_year_end", 1}, {"direct_payments", "clients", 1}},
	svcDayCare:        {{"day_care", "clients", 1}},
	svcMeals:          {{"meals", "clients", 1}},
}

// ServiceSeries is the activity a run measured one service's base use by: the service and
// measure of the activity rows and the years whose rates it averaged.
type ServiceSeries struct {
	Activity string `json:"activity"`
	Measure  string `json:"measure"`
	Years    []int  `json:"years"`
}

type svcKey struct {
	drivers   string // each service's driving measures, evidence years and shares; "" per head
	perHead   bool
	baseYears int
}

type svcEntry struct {
	once sync.Once
	r    *serviceRates
	err  error
}

// serviceRates are base-year use rates for every council in force, region and England: use[k][g]
// is service k's people per head (group 18-64, and 65+ per head), NaN where the service is not
// delivered to that group (meals for 18-64). For 65+ driven by need, older[k][i] is service k's
// users per person with its i-th driving measure (plan.drivers[k][i]): that driver's share of
// the base-year users over the people with the measure, so that Σ_i older[k][i] × need_i gives
// the base-year users back; use[k][grpOlder] is then their sum, only to mark availability.
type serviceRates struct {
	use   map[string]*[numServices][numGroups]float64
	older map[string]*[numServices][forecast.MaxDriversPerService]float64
	cv    map[string]*[numServices][numGroups]float64 // year-to-year coefficient of variation of use
	hours map[string]float64                          // home-care hours per client per week
	years []int                                       // activity years used, all services
	// series[k] is the activity service k's rates come from, and its years.
	series [numServices]ServiceSeries
	// careHomes is each council's residential and nursing residents (18-64 and 65+) in the
	// latest year of each service's series at its base use rates: the council-supported
	// residents that the care-home market estimate (plan.estimateMarket) takes from the
	// occupied beds.
	careHomes map[string]float64
	notes     []string
}

// serviceRates computes (once per set of drivers, their evidence and settings) the base use rates.
func (e *Engine) serviceRates(p *plan) (*serviceRates, error) {
	k := svcKey{perHead: p.sc.Services.PerHead, baseYears: p.sc.Services.BaseYears}
	var b strings.Builder
	for s, ds := range p.drivers {
		for _, d := range ds {
			fmt.Fprintf(&b, "%d:%s/%d=%v;", s, p.scheds[d.sched].measure, p.scheds[d.sched].evidenceYear, d.share)
		}
	}
	k.drivers = b.String()
	e.svcMu.Lock()
	ent := e.svc[k]
	if ent == nil {
		ent = &svcEntry{}
		e.svc[k] = ent
	}
	e.svcMu.Unlock()
	ent.once.Do(func() { ent.r, ent.err = e.buildServiceRates(k, p.scheds, p.drivers) })
	return ent.r, ent.err
}

// areaPop returns an area's population at mid-year y: its own estimates interpolated linearly
// between the nearest years around y (or the nearest single year), else the sum of the areas
// under it (those in force for an area in force; all of them for an area that ended).
func (e *Engine) areaPop(code string, y int) (population.Pop90, bool) {
	if est := e.in.Estimates[code]; len(est) > 0 {
		years := sortedInts(est)
		lo, hi := years[0], years[0]
		for _, yr := range years {
			if yr <= y {
				lo = yr
			}
		}
		for _, yr := range years {
			if yr > lo {
				hi = yr
				break
			}
		}
		if hi == lo || y <= lo {
			return *est[lo], true
		}
		w := float64(y-lo) / float64(hi-lo)
		var p population.Pop90
		for s := range p {
			for x := range p[s] {
				p[s][x] = (1-w)*est[lo][s][x] + w*est[hi][s][x]
			}
		}
		return p, true
	}
	a := e.areas[code]
	if a == nil {
		return population.Pop90{}, false
	}
	var sum population.Pop90
	found := false
	for i := range e.in.Areas {
		c := &e.in.Areas[i]
		if c.Parent != code || (a.ValidTo == "" && c.ValidTo != "") {
			continue
		}
		p, ok := e.areaPop(c.Code, y)
		if !ok {
			continue
		}
		found = true
		for s := range sum {
			for x := range sum[s] {
				sum[s][x] += p[s][x]
			}
		}
	}
	return sum, found
}

// hoursRow is an area's home-care hours in a year: for 18+ (all) or by age group.
type hoursRow struct {
	all    float64
	group  [numGroups]float64
	hasAll bool
}

// maxSchedules bounds the need schedules one run may hold (the measures of the data).
const maxSchedules = 64

// denoms are an area's denominators of service use: people 18-64, people 65+, and the people
// 65+ with each need schedule's measure.
type denoms struct {
	group [numGroups]float64
	need  [maxSchedules]float64
}

// denominators returns an area's denominators (need only for the schedules in use).
func denominators(p *population.Pop90, scheds []*schedule, inUse []bool) denoms {
	var d denoms
	for s := range p {
		for x := 18; x <= 64; x++ {
			d.group[grpWorking] += p[s][x]
		}
		for x := 65; x <= forecast.OpenAge; x++ {
			d.group[grpOlder] += p[s][x]
			for j, sch := range scheds {
				if inUse[j] {
					d.need[j] += p[s][x] * sch.rate[s][x]
				}
			}
		}
	}
	return d
}

func (e *Engine) buildServiceRates(k svcKey, scheds []*schedule, drivers [numServices][]svcDriver) (*serviceRates, error) {
	if len(scheds) > maxSchedules {
		return nil, fmt.Errorf("%d need measures, more than the %d a run may use", len(scheds), maxSchedules)
	}
	inUse := make([]bool, len(scheds))
	for _, ds := range drivers {
		for _, d := range ds {
			inUse[d.sched] = true
		}
	}
	// value[area][year][service][group], from activity rows.
	type key struct {
		area      string
		year, svc int
		grp       int
	}
	val := map[key]float64{}
	hours := map[[2]any]*hoursRow{} // (area, year) → home-care hours in the year
	groupOf := func(a *Activity) int {
		switch {
		case a.AgeFrom == 18 && a.AgeTo == 64:
			return grpWorking
		case a.AgeFrom == 65 && a.AgeTo == forecast.OpenAge:
			return grpOlder
		}
		return -1
	}
	// Each service's series: the first of serviceSeries the data holds, and its latest years.
	var chosen [numServices]int
	var svcYears [numServices][]int
	for s := range numServices {
		chosen[s] = -1
		for c, ser := range serviceSeries[s] {
			seen := map[int]bool{}
			for i := range e.in.Activity {
				a := &e.in.Activity[i]
				if a.Service == ser.Service && a.Measure == ser.Measure && groupOf(a) >= 0 {
					seen[a.Year] = true
				}
			}
			if len(seen) > 0 {
				chosen[s], svcYears[s] = c, sortedInts(seen)
				break
			}
		}
		if len(svcYears[s]) > k.baseYears {
			svcYears[s] = svcYears[s][len(svcYears[s])-k.baseYears:]
		}
	}
	yearsSeen := map[int]bool{}
	for i := range e.in.Activity {
		a := &e.in.Activity[i]
		if a.Service == "home_care" && a.Measure == "hours" {
			if slices.Contains(svcYears[svcHomeCare], a.Year) {
				h := hours[[2]any{a.Area, a.Year}]
				if h == nil {
					h = &hoursRow{}
					hours[[2]any{a.Area, a.Year}] = h
				}
				if g := groupOf(a); g >= 0 {
					h.group[g] += a.Value
				} else {
					h.all += a.Value
					h.hasAll = true
				}
			}
			continue
		}
		g := groupOf(a)
		if g < 0 {
			continue
		}
		for s := range numServices {
			if chosen[s] < 0 {
				continue
			}
			ser := serviceSeries[s][chosen[s]]
			if a.Service != ser.Service || a.Measure != ser.Measure || !slices.Contains(svcYears[s], a.Year) {
				continue
			}
			val[key{a.Area, a.Year, s, g}] += a.Value / ser.div
			yearsSeen[a.Year] = true
		}
	}
	years := sortedInts(yearsSeen)
	if len(years) == 0 {
		return nil, fmt.Errorf("no service activity in the data")
	}
	r := &serviceRates{use: map[string]*[numServices][numGroups]float64{}, cv: map[string]*[numServices][numGroups]float64{},
		older: map[string]*[numServices][forecast.MaxDriversPerService]float64{}, hours: map[string]float64{}, years: years}
	for s := range numServices {
		if chosen[s] >= 0 {
			ser := serviceSeries[s][chosen[s]]
			r.series[s] = ServiceSeries{Activity: ser.Service, Measure: ser.Measure, Years: svcYears[s]}
		}
	}

	// Sources of each council in force: itself, areas it succeeded, or the county it was cut from.
	sources := map[string][]string{}
	activityAreas := map[string]bool{}
	for kk := range val {
		activityAreas[kk.area] = true
	}
	var councils []string
	for i := range e.in.Areas {
		a := &e.in.Areas[i]
		if a.IsCouncil() && a.ValidTo == "" {
			councils = append(councils, a.Code)
		}
	}
	sort.Strings(councils)
	for _, c := range councils {
		if activityAreas[c] {
			sources[c] = append(sources[c], c)
		}
		for i := range e.in.Areas {
			a := &e.in.Areas[i]
			if a.Successor == c && activityAreas[a.Code] {
				sources[c] = append(sources[c], a.Code)
			}
		}
		if len(sources[c]) > 0 {
			continue
		}
		// A council made from part of a county that was split: the county's rate.
		counts := map[string]int{}
		for i := range e.in.Areas {
			a := &e.in.Areas[i]
			if a.Successor == c && activityAreas[a.Parent] {
				counts[a.Parent]++
			}
		}
		if best := maxKey(counts); best != "" {
			sources[c] = []string{best}
			r.notes = append(r.notes, fmt.Sprintf("%s takes the service use rates of %s, the county it was formed from", c, best))
		}
	}

	den := map[[2]any]*denoms{} // (area, year) → denominators
	denOf := func(area string, y int) (*denoms, bool) {
		if d, ok := den[[2]any{area, y}]; ok {
			return d, true
		}
		p, ok := e.areaPop(area, y)
		if !ok {
			return nil, false
		}
		d := denominators(&p, scheds, inUse)
		den[[2]any{area, y}] = &d
		return &d, true
	}
	// pooled returns the mean over years of Σ value / Σ denominator for the areas, and the
	// coefficient of variation of the yearly rates. The denominator of a service for 65+
	// driven by need is the people with its driving measures, weighted by their shares (for
	// the spread); with rates non-nil, rates[i] gets driver i's share of the users over the
	// people with its measure, the mean over years.
	pooled := func(areas []string, s, g int, rates *[forecast.MaxDriversPerService]float64) (float64, float64) {
		byNeed := g == grpOlder && !k.perHead
		var sum, sum2 float64
		var per [forecast.MaxDriversPerService]float64
		n := 0
		for _, y := range svcYears[s] {
			var v, d float64
			var dn [forecast.MaxDriversPerService]float64
			ok := false
			for _, a := range areas {
				x, has := val[key{a, y, s, g}]
				dd, hasD := denOf(a, y)
				if !has || !hasD {
					continue
				}
				dg := dd.group[g]
				if byNeed {
					dg = 0
					for _, dv := range drivers[s] {
						dg += dv.share * dd.need[dv.sched]
					}
				}
				if dg > 0 {
					v += x
					d += dg
					if byNeed {
						for i, dv := range drivers[s] {
							dn[i] += dd.need[dv.sched]
						}
					}
					ok = true
				}
			}
			if ok {
				sum += v / d
				sum2 += (v / d) * (v / d)
				if byNeed {
					// A measure nobody has in the year cannot explain its share of the users:
					// the others share them.
					shared := 0.0
					for i, dv := range drivers[s] {
						if dn[i] > 0 {
							shared += dv.share
						}
					}
					for i, dv := range drivers[s] {
						if dn[i] > 0 {
							per[i] += dv.share / shared * v / dn[i]
						}
					}
				}
				n++
			}
		}
		if n == 0 {
			return math.NaN(), 0
		}
		mean := sum / float64(n)
		cv := minCV
		if n > 1 && mean > 0 {
			cv = min(max(math.Sqrt(max(sum2/float64(n)-mean*mean, 0)*float64(n)/float64(n-1))/mean, minCV), maxCV)
		}
		if rates != nil && byNeed {
			mean = 0
			for i := range drivers[s] {
				rates[i] = per[i] / float64(n)
				mean += rates[i]
			}
		}
		return mean, cv
	}
	// pooledHours is home-care hours a week per client over the areas' years that report both
	// clients and hours for both age groups: hours for 18+ (PSS-EX1), or for 18-64 and for 65+
	// (SALT's, derived from spend), over the clients of both groups. A year with clients but
	// no hours, for either group, did not report them (PSS-EX1 councils that record none give
	// 0; a council with negative or no spend has none derived): it is left out rather than
	// taken as no care at all.
	pooledHours := func(areas []string) float64 {
		var h, c float64
		for _, y := range svcYears[svcHomeCare] {
			for _, a := range areas {
				hh := hours[[2]any{a, y}]
				if hh == nil {
					continue
				}
				c65, ok65 := val[key{a, y, svcHomeCare, grpOlder}]
				c18, ok18 := val[key{a, y, svcHomeCare, grpWorking}]
				if hh.hasAll {
					if hh.all > 0 && ok65 && ok18 && c65+c18 > 0 {
						h += hh.all / 52
						c += c65 + c18
					}
					continue
				}
				// Both groups' hours, or none: one group's hours over both groups' clients
				// would say nothing about the other's.
				if ok65 && ok18 && c65+c18 > 0 && (hh.group[grpWorking] > 0 || c18 == 0) && (hh.group[grpOlder] > 0 || c65 == 0) {
					h += (hh.group[grpWorking] + hh.group[grpOlder]) / 52
					c += c65 + c18
				}
			}
		}
		if c == 0 {
			return math.NaN()
		}
		return h / c
	}
	regionOf := func(c string) string { return e.areas[c].Region }
	byRegion := map[string][]string{}
	var all []string
	for _, c := range councils {
		byRegion[regionOf(c)] = append(byRegion[regionOf(c)], sources[c]...)
		all = append(all, sources[c]...)
	}
	fill := func(code string, srcs []string, fallback ...[]string) {
		use, cvs := new([numServices][numGroups]float64), new([numServices][numGroups]float64)
		older := new([numServices][forecast.MaxDriversPerService]float64)
		for s := range numServices {
			for g := range numGroups {
				if s == svcMeals && g == grpWorking {
					use[s][g] = math.NaN()
					continue
				}
				rates := &older[s]
				if g != grpOlder {
					rates = nil
				}
				u, cv := pooled(srcs, s, g, rates)
				for _, fb := range fallback {
					if !math.IsNaN(u) {
						break
					}
					u, cv = pooled(fb, s, g, rates)
					if code != "" && len(fb) > 0 {
						r.notes = append(r.notes, fmt.Sprintf("%s has no %s %s activity in %v; it takes a wider pooled rate", code, serviceNames[s], groupBands[g].name, svcYears[s]))
					}
				}
				use[s][g], cvs[s][g] = u, cv
			}
		}
		h := pooledHours(srcs)
		for _, fb := range fallback {
			if !math.IsNaN(h) {
				break
			}
			h = pooledHours(fb)
			if code != "" && len(fb) > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%s reports no home-care hours with its clients in %v; it takes a wider pooled rate of hours per client", code, svcYears[svcHomeCare]))
			}
		}
		r.use[code], r.cv[code], r.older[code] = use, cvs, older
		r.hours[code] = h
	}
	for _, c := range councils {
		fill(c, sources[c], byRegion[regionOf(c)], all)
	}
	// Each council's care-home residents in the latest year of each care-home service's
	// series, at the rates the projection uses (its own, or the wider pooled rate for an age
	// group it did not report) × its people (18-64) or people in need (65+) that year: with
	// one year of activity, the activity itself where the council reported it.
	r.careHomes = map[string]float64{}
	for _, c := range councils {
		sum := 0.0
		for _, s := range []int{svcResidential, svcNursing} {
			if len(svcYears[s]) == 0 {
				continue
			}
			dd, ok := denOf(c, svcYears[s][len(svcYears[s])-1])
			if !ok {
				continue
			}
			use, older := r.use[c], r.older[c]
			for g := range numGroups {
				u := use[s][g]
				if math.IsNaN(u) {
					continue
				}
				if g == grpOlder && len(drivers[s]) > 0 && !k.perHead {
					for i, dv := range drivers[s] {
						sum += older[s][i] * dd.need[dv.sched]
					}
					continue
				}
				sum += u * dd.group[g]
			}
		}
		r.careHomes[c] = sum
	}
	for reg, srcs := range byRegion {
		fill(reg, srcs, all)
	}
	fill(e.in.National, all)
	slices.Sort(r.notes)
	r.notes = slices.Compact(r.notes)
	return r, nil
}

// Bounds on the year-to-year variation of a council's service use, used as the spread of its
// base rate in Monte Carlo draws.
const (
	minCV = 0.02
	maxCV = 0.5
)

func maxKey(m map[string]int) string {
	best, n := "", 0
	for k, v := range m {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}

// ratesFor returns the use rates that apply to an area: its council's, or for a region or
// England the pooled rates; and the per-driver rates for 65+ and hours per client.
func (r *serviceRates) ratesFor(e *Engine, code string) (*[numServices][numGroups]float64, *[numServices][forecast.MaxDriversPerService]float64, float64) {
	if u, ok := r.use[code]; ok {
		return u, r.older[code], r.hours[code]
	}
	if i, ok := e.index[code]; ok {
		c := e.council[i]
		return r.use[c], r.older[c], r.hours[c]
	}
	n := e.in.National
	return r.use[n], r.older[n], r.hours[n]
}
