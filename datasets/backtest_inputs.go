package datasets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/population"
)

// maleBirthShare is the share of births that are boys in ONS's 2018-based projections: 105 boys
// to 100 girls (see package population).
const maleBirthShare = 1.05 / 2.05

// BacktestData builds the inputs of the population back-tests (backtest.Population) from a
// bundle:
//
//   - areas in force (no valid_to), with districts (unitary, metropolitan, London borough and
//     non-metropolitan) projected and counties, regions and the country scored as their sums;
//   - single-year estimates of districts (population, kind "estimate");
//   - all-age totals (population_totals, kind "estimate", sex "all", ages 0-90);
//   - the national assumptions: the country's mortality (q(x) to 125, the open group 105+ by
//     population.OpenQ), fertility and net migration for every year from the first, its
//     single-year population at that first year (population and population_oldest), and its
//     period life expectancy at 65 by year (life_expectancy);
//   - the benchmark: the single-year projections of persons in population_totals (kind
//     "projection", sex "all", age_from = age_to) of one source, with the successor of every
//     area that has ended. Without such rows the benchmark is nil; rows of several sources are
//     an error.
//
// The bundle is not modified. BacktestData returns an error naming what is missing or
// inconsistent.
func BacktestData(b *Bundle) (*backtest.Data, error) {
	d := &backtest.Data{}
	var country string
	levels := map[string]string{
		AreaCountry: backtest.LevelCountry, AreaRegion: backtest.LevelRegion, AreaCounty: backtest.LevelCounty,
		AreaUnitary: backtest.LevelDistrict, AreaMetropolitanDistrict: backtest.LevelDistrict,
		AreaLondonBorough: backtest.LevelDistrict, AreaNonMetropolitanDistrict: backtest.LevelDistrict,
	}
	districts := map[string]bool{}
	inForce := map[string]bool{}
	successors := map[string]string{}
	for _, a := range b.Areas {
		if a.ValidTo != "" {
			if a.SuccessorCode != "" {
				successors[a.AreaCode] = a.SuccessorCode
			}
			continue
		}
		lv, ok := levels[a.AreaType]
		if !ok {
			return nil, fmt.Errorf("back-test inputs: area %s has type %q", a.AreaCode, a.AreaType)
		}
		if lv == backtest.LevelCountry {
			if country != "" {
				return nil, fmt.Errorf("back-test inputs: two countries in force, %s and %s", country, a.AreaCode)
			}
			country = a.AreaCode
		}
		if lv == backtest.LevelDistrict {
			districts[a.AreaCode] = true
		}
		inForce[a.AreaCode] = true
		d.Areas = append(d.Areas, backtest.Area{Code: a.AreaCode, Name: a.AreaName, Level: lv, Parent: a.ParentCode})
	}
	if country == "" {
		return nil, fmt.Errorf("back-test inputs: no country in force in the areas table")
	}

	// Single-year estimates of districts.
	type ay struct {
		area string
		year int32
	}
	est := map[ay]*population.Pop90{}
	cells := map[ay]int{}
	srcs := map[ay]string{}
	for _, r := range b.Population {
		if r.Kind != "estimate" || !districts[r.AreaCode] {
			continue
		}
		s, err := forecast.ParseSex(r.Sex)
		if err != nil {
			return nil, fmt.Errorf("back-test inputs: population %s %d: %w", r.AreaCode, r.Year, err)
		}
		k := ay{r.AreaCode, r.Year}
		p := est[k]
		if p == nil {
			p = new(population.Pop90)
			est[k] = p
		}
		p[s][r.Age] = r.Count
		cells[k]++
		srcs[k] = r.Source
	}
	keys := make([]ay, 0, len(est))
	for k := range est {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].year < keys[j].year || keys[i].year == keys[j].year && keys[i].area < keys[j].area
	})
	for _, k := range keys {
		if cells[k] != forecast.NumSexes*forecast.NumAges {
			return nil, fmt.Errorf("back-test inputs: population %s %d has %d cells, want %d", k.area, k.year, cells[k], forecast.NumSexes*forecast.NumAges)
		}
		d.Estimates = append(d.Estimates, backtest.Estimate{Area: k.area, Year: int(k.year), Pop: *est[k], Source: srcs[k]})
	}

	// Totals, and the benchmark's single years.
	var bench *backtest.Benchmark
	for _, r := range b.PopulationTotals {
		switch {
		case r.Kind == "estimate" && r.Sex == "all" && r.AgeFrom == 0 && r.AgeTo == forecast.OpenAge && inForce[r.AreaCode]:
			d.Totals = append(d.Totals, backtest.Total{Area: r.AreaCode, Year: int(r.Year), Persons: r.Count, Source: r.Source})
		case r.Kind == "projection" && r.Sex == "all" && r.AgeFrom == r.AgeTo:
			if bench == nil {
				bench = &backtest.Benchmark{Name: benchmarkName(r.Source), Source: r.Source, Origin: int(r.Year), Successors: successors}
			} else if n := benchmarkName(r.Source); n != bench.Name {
				return nil, fmt.Errorf("back-test inputs: single-year projections from two sources, %q and %q", bench.Name, n)
			}
			bench.Origin = min(bench.Origin, int(r.Year))
			bench.Cells = append(bench.Cells, backtest.BenchmarkCell{Area: r.AreaCode, Year: int(r.Year), Age: int(r.AgeFrom), Persons: r.Count})
		}
	}
	d.Benchmark = bench

	nat, err := nationalInputs(b, country)
	if err != nil {
		return nil, fmt.Errorf("back-test inputs: %w", err)
	}
	d.National = *nat
	return d, nil
}

// benchmarkName shortens a source to its publication: the text before the first ";".
func benchmarkName(source string) string {
	name, _, _ := strings.Cut(source, ";")
	return strings.TrimSpace(name)
}

// nationalInputs reads the country's assumptions from every year of its mortality from the
// first, as long as fertility and migration have the year too.
func nationalInputs(b *Bundle, country string) (*backtest.National, error) {
	first := int32(-1)
	for _, r := range b.Mortality {
		if r.AreaCode == country && (first < 0 || r.Year < first) {
			first = r.Year
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("no mortality rates for %s", country)
	}
	sources := map[string]bool{}
	type yearRates struct {
		r          population.Rates
		q          [forecast.NumSexes][MaxMortalityAge + 1]float64
		qn, fn, mn int // cells seen
	}
	years := map[int32]*yearRates{}
	get := func(y int32) *yearRates {
		yr := years[y]
		if yr == nil {
			yr = &yearRates{}
			yr.r.MaleBirths = maleBirthShare
			years[y] = yr
		}
		return yr
	}
	for _, r := range b.Mortality {
		if r.AreaCode != country {
			continue
		}
		s, err := forecast.ParseSex(r.Sex)
		if err != nil {
			return nil, err
		}
		yr := get(r.Year)
		sources[r.Source] = true
		switch r.RateType {
		case "qx":
			yr.q[s][r.Age] = r.Rate
			yr.qn++
		case "qbirth":
			yr.r.QBirth[s] = r.Rate
			yr.qn++
		}
	}
	for _, r := range b.Fertility {
		if r.AreaCode == country && int(r.Age) < population.NumAges {
			get(r.Year).r.Fertility[r.Age] = r.Rate
			sources[r.Source] = true
			get(r.Year).fn++
		}
	}
	for _, r := range b.Migration {
		if r.AreaCode != country || r.Flow != "net" {
			continue
		}
		s, err := forecast.ParseSex(r.Sex)
		if err != nil {
			return nil, err
		}
		get(r.Year).r.Migration[s][min(int(r.Age), population.MaxAge)] += r.Count
		sources[r.Source] = true
		get(r.Year).mn++
	}
	n := &backtest.National{FirstYear: int(first), PeriodE65: map[int][forecast.NumSexes]float64{}}

	wantQ := forecast.NumSexes * (MaxMortalityAge + 2)
	for y := first; ; y++ {
		yr := years[y]
		if yr == nil || yr.qn != wantQ || yr.fn == 0 || yr.mn == 0 {
			if y == first {
				return nil, fmt.Errorf("%s %d: want q(x) for ages 0..%d and at birth, fertility and net migration for both sexes", country, y, MaxMortalityAge)
			}
			break
		}
		for s := range yr.q {
			copy(yr.r.Q[s][:population.MaxAge], yr.q[s][:population.MaxAge])
			yr.r.Q[s][population.MaxAge] = population.OpenQ(yr.q[s][population.MaxAge:])
		}
		if err := yr.r.Check(); err != nil {
			return nil, fmt.Errorf("%s rates %d: %w", country, y, err)
		}
		n.Rates = append(n.Rates, yr.r)
	}

	// The country's population at the first year: 0..89 from population, 90..105 from
	// population_oldest.
	var seen, seenOld int
	for _, r := range b.Population {
		if r.AreaCode == country && r.Year == first && r.Age < forecast.OpenAge {
			s, err := forecast.ParseSex(r.Sex)
			if err != nil {
				return nil, err
			}
			n.Population[s][r.Age] = r.Count
			sources[r.Source] = true
			seen++
		}
	}
	for _, r := range b.PopulationOldest {
		if r.AreaCode == country && r.Year == first {
			s, err := forecast.ParseSex(r.Sex)
			if err != nil {
				return nil, err
			}
			n.Population[s][r.Age] = r.Count
			sources[r.Source] = true
			seenOld++
		}
	}
	if seen != forecast.NumSexes*forecast.OpenAge || seenOld != forecast.NumSexes*(OldestAge-forecast.OpenAge+1) {
		return nil, fmt.Errorf("%s %d: want the single-year population 0..%d by sex (population and population_oldest), have %d and %d cells",
			country, first, OldestAge, seen, seenOld)
	}

	// Period life expectancy at 65.
	have := map[int32]int{}
	for _, r := range b.LifeExpectancy {
		if r.AreaCode != country || r.ExType != "period" || r.Age != 65 {
			continue
		}
		s, err := forecast.ParseSex(r.Sex)
		if err != nil {
			return nil, err
		}
		e := n.PeriodE65[int(r.Year)]
		e[s] = r.Ex
		sources[r.Source] = true
		n.PeriodE65[int(r.Year)] = e
		have[r.Year]++
	}
	for y, c := range have {
		if c != forecast.NumSexes {
			delete(n.PeriodE65, int(y))
		}
	}
	if len(n.PeriodE65) == 0 {
		return nil, fmt.Errorf("no period life expectancy at 65 for %s", country)
	}
	for s := range sources {
		n.Sources = append(n.Sources, s)
	}
	sort.Strings(n.Sources)
	return n, nil
}
