package datasets

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/population"
)

// ServiceBacktestData builds the inputs of the service back-test (backtest.Services) from a
// bundle:
//
//   - the activity rows of service_activity, and the councils that reported them;
//   - each council's single-year population estimates on the boundaries it reported on: its
//     own estimates, else the sum of its districts' (the districts in force for a council in
//     force; every district that had it as parent for a council that has ended). A district
//     that has ended has only its mid-2011 estimate; for later years it takes its successor's
//     change by sex and age since 2011 (exact where the successor was made of whole districts
//     of one council, as for Buckinghamshire and Northamptonshire; an apportionment for
//     Bournemouth, Poole and Christchurch, merged into one council in 2019). Estimates are kept
//     for the years every district of the council has;
//   - the need schedules of every measure the engine's default drivers use for 65+
//     (forecast.DefaultServiceDrivers of forecast.DefaultNeedMeasure: need and dementia), each
//     from the evidence year the engine picks (for a measure of a need family the family's
//     year, else the latest with more than one age band that covers its ages for both sexes,
//     else the latest that covers them). A driver's measure other than need without evidence
//     covering every age 65+ is left out with a note, and the back-test drives its services by
//     need alone, as the engine does.
//
// The bundle is not modified. It returns an error if there is no activity, or a council has no
// population, or the need measure has no usable evidence covering every age 65+.
// backtestMeasures are the activity measures of the PSS-EX1 series the service back-test
// scores, up to salt2014, the financial year (2014-15) SALT replaced it.
var backtestMeasures = []string{"clients", "weeks", "hours"}

const salt2014 = 2014

func ServiceBacktestData(b *Bundle) (*backtest.ServiceData, error) {
	if len(b.ServiceActivity) == 0 {
		return nil, fmt.Errorf("service back-test inputs: no service activity")
	}
	d := &backtest.ServiceData{Population: map[string]map[int]*population.Pop90{}}
	areas, children := areaIndex(b)
	est, err := estimatesByArea(b)
	if err != nil {
		return nil, fmt.Errorf("service back-test inputs: %w", err)
	}
	srcs := map[string]bool{}
	seen := map[string]bool{}
	var councils []string
	for _, r := range b.ServiceActivity {
		// The back-test scores the PSS-EX1 series (clients, weeks and hours to 2013-14). SALT
		// (from 2014-15) counts clients by other definitions, a break in the series rather than a
		// change in use, so its rows (and the hours derived with them) are not scored as a
		// continuation.
		if !slices.Contains(backtestMeasures, r.Measure) || r.Year >= salt2014 {
			continue
		}
		d.Activity = append(d.Activity, backtest.Activity{Area: r.AreaCode, Year: int(r.Year), Service: r.Service,
			AgeBand: r.AgeBand, Measure: r.Measure, Value: r.Value})
		src, _, _ := strings.Cut(r.Source, "; items ") // one source, whatever the items
		srcs[src] = true
		if !seen[r.AreaCode] {
			seen[r.AreaCode] = true
			councils = append(councils, r.AreaCode)
		}
	}
	sort.Strings(councils)
	for _, c := range councils {
		a := areas[c]
		if a == nil {
			return nil, fmt.Errorf("service back-test inputs: council %s is not in the areas table", c)
		}
		d.Councils = append(d.Councils, backtest.Council{Code: c, Name: a.AreaName})
		p, apportioned, err := councilPopulation(councilLeaves(c, areas, children, est), est, areas)
		if err != nil {
			return nil, fmt.Errorf("service back-test inputs: council %s: %w", c, err)
		}
		d.Population[c] = p
		if apportioned {
			d.Notes = append(d.Notes, fmt.Sprintf("%s (%s) has ended; its population after 2011 is apportioned from the council that took it over, by sex and age.", c, a.AreaName))
		}
	}
	for _, r := range b.Population {
		if r.Kind == "estimate" && (r.Year == 2011 || r.Year == 2020) {
			srcs[r.Source] = true
		}
	}
	d.NeedMeasure, d.Needs = forecast.DefaultNeedMeasure, map[string]backtest.NeedSchedule{}
	var measures []string
	for _, dv := range forecast.DefaultServiceDrivers(d.NeedMeasure) {
		if !slices.Contains(measures, dv.Measure) {
			measures = append(measures, dv.Measure)
		}
	}
	for _, m := range measures {
		sched, year, src, err := needSchedule(b.Prevalence, m)
		if err == nil && !covers65(b.Prevalence, m, year) {
			err = fmt.Errorf("need measure %s: its evidence of %d does not cover every age 65+", m, year)
		}
		if err != nil {
			if m == d.NeedMeasure {
				return nil, fmt.Errorf("service back-test inputs: %w", err)
			}
			d.Notes = append(d.Notes, fmt.Sprintf("no %s schedule for the service drivers: %v.", m, err))
			continue
		}
		d.Needs[m] = backtest.NeedSchedule{Rate: *sched, Evidence: year}
		for _, s := range src {
			srcs[s] = true
		}
	}
	for s := range srcs {
		d.Sources = append(d.Sources, s)
	}
	sort.Strings(d.Sources)
	return d, nil
}

// areaIndex returns the bundle's areas by code and the codes of each area's children.
func areaIndex(b *Bundle) (map[string]*Area, map[string][]string) {
	areas := map[string]*Area{}
	children := map[string][]string{}
	for i := range b.Areas {
		a := &b.Areas[i]
		areas[a.AreaCode] = a
		children[a.ParentCode] = append(children[a.ParentCode], a.AreaCode)
	}
	return areas, children
}

// estimatesByArea returns the bundle's single-year population estimates by area and mid-year.
func estimatesByArea(b *Bundle) (map[string]map[int]*population.Pop90, error) {
	est := map[string]map[int]*population.Pop90{}
	for _, r := range b.Population {
		if r.Kind != "estimate" {
			continue
		}
		s, err := forecast.ParseSex(r.Sex)
		if err != nil {
			return nil, fmt.Errorf("population %s %d: %w", r.AreaCode, r.Year, err)
		}
		m := est[r.AreaCode]
		if m == nil {
			m = map[int]*population.Pop90{}
			est[r.AreaCode] = m
		}
		p := m[int(r.Year)]
		if p == nil {
			p = new(population.Pop90)
			m[int(r.Year)] = p
		}
		p[s][r.Age] = r.Count
	}
	return est, nil
}

// councilLeaves returns the areas whose estimates make council c's population: c itself when it
// has estimates, else its districts (those in force for a council in force; every district
// that had it as parent for a council that has ended).
func councilLeaves(c string, areas map[string]*Area, children map[string][]string, est map[string]map[int]*population.Pop90) []string {
	if len(est[c]) > 0 {
		return []string{c}
	}
	var leaves []string
	for _, k := range children[c] {
		if areas[c].ValidTo == "" && areas[k].ValidTo != "" {
			continue
		}
		leaves = append(leaves, k)
	}
	return leaves
}

// councilPopulation sums the leaves' estimates in the years all of them have, after giving each
// ended leaf its successor's later years (scaled by sex and age from 2011). It reports whether
// a successor had predecessors outside the leaves, so that the sum is an apportionment.
func councilPopulation(leaves []string, est map[string]map[int]*population.Pop90, areas map[string]*Area) (map[int]*population.Pop90, bool, error) {
	if len(leaves) == 0 {
		return nil, false, fmt.Errorf("no districts to take a population from")
	}
	inLeaves := map[string]bool{}
	for _, l := range leaves {
		inLeaves[l] = true
	}
	final := func(code string) string {
		for i := 0; areas[code] != nil && areas[code].ValidTo != "" && i < 10; i++ {
			code = areas[code].SuccessorCode
		}
		return code
	}
	apportioned := false
	count := map[int]int{}
	var per []map[int]*population.Pop90
	for _, l := range leaves {
		m := map[int]*population.Pop90{}
		for y, p := range est[l] {
			m[y] = p
		}
		if a := areas[l]; a != nil && a.ValidTo != "" {
			s := final(l)
			if s == "" || areas[s] == nil || areas[s].ValidTo != "" {
				return nil, false, fmt.Errorf("%s has ended without a successor in force", l)
			}
			base, sb := est[l][2011], est[s][2011]
			if base == nil || sb == nil {
				return nil, false, fmt.Errorf("%s or its successor %s has no mid-2011 estimate", l, s)
			}
			for code, a := range areas {
				if a.ValidTo != "" && a.SuccessorCode != "" && !inLeaves[code] && final(code) == s && len(est[code]) > 0 {
					apportioned = true
				}
			}
			for y, sp := range est[s] {
				if y <= 2011 || m[y] != nil {
					continue
				}
				p := new(population.Pop90)
				tot := sp.Total() / sb.Total()
				for sex := range p {
					for x := range p[sex] {
						f := tot
						if sb[sex][x] > 0 {
							f = sp[sex][x] / sb[sex][x]
						}
						p[sex][x] = base[sex][x] * f
					}
				}
				m[y] = p
			}
		}
		for y := range m {
			count[y]++
		}
		per = append(per, m)
	}
	out := map[int]*population.Pop90{}
	for y, n := range count {
		if n != len(leaves) {
			continue
		}
		sum := new(population.Pop90)
		for _, m := range per {
			for s := range sum {
				for x := range sum[s] {
					sum[s][x] += m[y][s][x]
				}
			}
		}
		out[y] = sum
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("its districts %v have no estimate in a common year", leaves)
	}
	return out, apportioned, nil
}

// needSchedule returns measure's prevalence by sex and age from the evidence year the engine
// picks by default (for a measure of a need family, the family's year, forecast.FamilyEvidenceYear;
// else the latest with more than one age band), with the year and the sources.
func needSchedule(rows []Prevalence, measure string) (*[forecast.NumSexes][forecast.NumAges]float64, int, []string, error) {
	byMeasure := map[string]map[int][]Prevalence{}
	for _, p := range rows {
		if byMeasure[p.Measure] == nil {
			byMeasure[p.Measure] = map[int][]Prevalence{}
		}
		byMeasure[p.Measure][int(p.EvidenceYear)] = append(byMeasure[p.Measure][int(p.EvidenceYear)], p)
	}
	byYear := byMeasure[measure]
	nBands := func(rows []Prevalence) int {
		bands := map[[2]int32]bool{}
		for _, r := range rows {
			bands[[2]int32{r.AgeFrom, r.AgeTo}] = true
		}
		return len(bands)
	}
	var best *[forecast.NumSexes][forecast.NumAges]float64
	bestYear := 0
	if f := forecast.NeedFamily(measure); f != nil && f[0] == measure {
		usable, bands := map[string]map[int]bool{}, map[int]int{}
		for _, m := range f {
			usable[m] = map[int]bool{}
			for y, rs := range byMeasure[m] {
				_, usable[m][y] = buildNeed(rs)
			}
		}
		for y, rs := range byYear {
			bands[y] = nBands(rs)
		}
		if y := forecast.FamilyEvidenceYear(f, usable, bands); y != 0 {
			best, _ = buildNeed(byYear[y])
			bestYear = y
		}
	}
	if best == nil {
		var years []int
		for y := range byYear {
			years = append(years, y)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(years)))
		bestBands := 0
		for _, y := range years {
			s, ok := buildNeed(byYear[y])
			if !ok {
				continue
			}
			if nb := min(nBands(byYear[y]), 2); best == nil || nb > bestBands {
				best, bestYear, bestBands = s, y, nb
			}
		}
	}
	if best == nil {
		return nil, 0, nil, fmt.Errorf("need measure %s: no evidence year covers its ages for both sexes", measure)
	}
	var src []string
	for _, r := range byYear[bestYear] {
		src = append(src, r.Source)
	}
	return best, bestYear, src, nil
}

// covers65 reports whether measure's rows of evidence year cover every age 65+ (the engine's
// test of a driver's schedule: it starts at 65 or younger and runs to the open age).
func covers65(rows []Prevalence, measure string, year int) bool {
	from, to := int32(math.MaxInt32), int32(-1)
	for _, r := range rows {
		if r.Measure == measure && int(r.EvidenceYear) == year {
			from, to = min(from, r.AgeFrom), max(to, r.AgeTo)
		}
	}
	return from <= 65 && to >= forecast.OpenAge
}

// buildNeed turns one evidence year's rows into rates by sex and age, false if an age within
// the rows' range is missing or given twice for a sex.
func buildNeed(rows []Prevalence) (*[forecast.NumSexes][forecast.NumAges]float64, bool) {
	var rate [forecast.NumSexes][forecast.NumAges]float64
	var covered [forecast.NumSexes][forecast.NumAges]bool
	from, to := int32(math.MaxInt32), int32(-1)
	for _, r := range rows {
		sexes := []int{int(forecast.Female), int(forecast.Male)}
		if s, err := forecast.ParseSex(r.Sex); err == nil {
			sexes = []int{int(s)}
		}
		for _, s := range sexes {
			for x := r.AgeFrom; x <= r.AgeTo && x <= forecast.OpenAge; x++ {
				if covered[s][x] {
					return nil, false
				}
				covered[s][x], rate[s][x] = true, r.Rate
			}
		}
		from, to = min(from, r.AgeFrom), max(to, r.AgeTo)
	}
	for s := range covered {
		for x := from; x <= to && x <= forecast.OpenAge; x++ {
			if !covered[s][x] {
				return nil, false
			}
		}
	}
	return &rate, true
}
