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

// activityOf maps a service and group to the activity rows that measure it: service name in the
// data, measure, and the divisor that turns the value into people at a time.
func activityOf(k int) (name, measure string, divisor float64) {
	switch k {
	case svcResidential, svcNursing:
		return serviceNames[k], "weeks", 52 // weeks in the year ÷ 52 = average supported residents
	}
	return serviceNames[k], "clients", 1
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
	years []int                                       // activity years used
	notes []string
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
	hours := map[[2]any]float64{} // (area, year) → home-care hours in the year
	yearsSeen := map[int]bool{}
	for _, a := range e.in.Activity {
		if a.Service == "home_care" && a.Measure == "hours" {
			hours[[2]any{a.Area, a.Year}] += a.Value
			continue
		}
		for s := range numServices {
			name, measure, div := activityOf(s)
			if a.Service != name || a.Measure != measure {
				continue
			}
			g := -1
			switch {
			case a.AgeFrom == 18 && a.AgeTo == 64:
				g = grpWorking
			case a.AgeFrom == 65 && a.AgeTo == forecast.OpenAge:
				g = grpOlder
			}
			if g < 0 {
				continue
			}
			val[key{a.Area, a.Year, s, g}] += a.Value / div
			yearsSeen[a.Year] = true
		}
	}
	years := sortedInts(yearsSeen)
	if len(years) == 0 {
		return nil, fmt.Errorf("no service activity in the data")
	}
	if len(years) > k.baseYears {
		years = years[len(years)-k.baseYears:]
	}
	r := &serviceRates{use: map[string]*[numServices][numGroups]float64{}, cv: map[string]*[numServices][numGroups]float64{},
		older: map[string]*[numServices][forecast.MaxDriversPerService]float64{}, hours: map[string]float64{}, years: years}

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
		for _, y := range years {
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
	// clients and hours. A year with clients but no hours did not report its hours (PSS-EX1
	// councils that record none give 0): it is left out rather than taken as no care at all.
	pooledHours := func(areas []string) float64 {
		var h, c float64
		for _, y := range years {
			for _, a := range areas {
				hh, okH := hours[[2]any{a, y}]
				c65, ok65 := val[key{a, y, svcHomeCare, grpOlder}]
				c18, ok18 := val[key{a, y, svcHomeCare, grpWorking}]
				if okH && hh > 0 && ok65 && ok18 && c65+c18 > 0 {
					h += hh / 52
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
						r.notes = append(r.notes, fmt.Sprintf("%s has no %s %s activity in %v; it takes a wider pooled rate", code, serviceNames[s], groupBands[g].name, years))
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
				r.notes = append(r.notes, fmt.Sprintf("%s reports no home-care hours with its clients in %v; it takes a wider pooled rate of hours per client", code, years))
			}
		}
		r.use[code], r.cv[code], r.older[code] = use, cvs, older
		r.hours[code] = h
	}
	for _, c := range councils {
		fill(c, sources[c], byRegion[regionOf(c)], all)
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
