package backtest

import (
	"fmt"
	"math"
	"sort"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Area levels: districts are projected; every other level is the sum of its districts.
const (
	LevelDistrict = "district" // lower tier: unitary, metropolitan, London borough, non-metropolitan district
	LevelCounty   = "county"
	LevelRegion   = "region"
	LevelCountry  = "country"
	LevelCouncil  = "council" // a council with adult social services responsibilities, on the boundaries it reported activity on
)

// Area is one area of the geography a back-test scores, on one set of boundaries (for
// carecast's default data, April 2023).
type Area struct {
	Code   string // GSS code
	Name   string
	Level  string // LevelDistrict, LevelCounty, LevelRegion or LevelCountry
	Parent string // code of the next level up (a district's county or region, …); "" at the top
}

// Estimate is a district's single-year population estimate at mid-year Year.
type Estimate struct {
	Area   string
	Year   int
	Pop    population.Pop90
	Source string // publisher and edition
}

// Total is an area's all-age population estimate at mid-year Year, persons.
type Total struct {
	Area    string
	Year    int
	Persons float64
	Source  string // publisher and edition
}

// BenchmarkCell is one count of a published projection to compare with: persons (both sexes)
// of single year of age Age (0..90, 90 = 90 and over) in area Area at mid-year Year. Area is the
// benchmark's own code, which may have ended since (see Benchmark.Successors).
type BenchmarkCell struct {
	Area    string
	Year    int
	Age     int
	Persons float64
}

// Benchmark is a published projection that a back-test scores side by side with carecast's.
type Benchmark struct {
	Name   string // e.g. "ONS 2016-based subnational population projections"
	Source string // publisher, edition and licence
	Origin int    // its jump-off mid-year
	Cells  []BenchmarkCell

	// Successors maps each code of Cells that has ended to the area that took it over, as the
	// areas table records it (successor_code). Chains are followed; every code must end at a
	// district of Data.Areas. Mergers must be of whole districts, so that sums are exact.
	Successors map[string]string
}

// National holds the nation's assumptions and reference structures that every district shares.
type National struct {
	// FirstYear is the period of Rates[0] (mid-year FirstYear to FirstYear+1); for carecast's
	// default data, ONS's 2018-based national projection, 2018.
	FirstYear int
	Rates     []population.Rates

	// Population is the nation at mid-year FirstYear by single year of age 0..MaxAge: with
	// Rates[0].Migration it gives the nation's net migration per person, and its ages
	// 90..MaxAge are the structure by which districts' 90+ are split (population.SplitOpenTo).
	Population population.Pop

	// PeriodE65 is ONS's period expectation of life at 65, years, by calendar year and sex.
	// Years before FirstYear are estimates (what was known at the time, give or take
	// revisions); FirstYear and later are ONS's projection.
	PeriodE65 map[int][forecast.NumSexes]float64

	// Sources names the publications of the assumptions, population and life expectancy.
	Sources []string
}

// Data is everything the population back-tests read. All of it except the benchmark is on the
// boundaries of Areas. Data is never modified.
type Data struct {
	Areas     []Area
	Estimates []Estimate // single-year estimates of districts (at least the base and the outturn years)
	Totals    []Total    // all-age estimates of any area, by year
	National  National
	Benchmark *Benchmark // nil: no published projection to compare with
}

// index is Data organised for look-ups. Codes are sorted, so sums are reproducible.
type index struct {
	areas     map[string]*Area
	districts []string                             // sorted
	est       map[int]map[string]*population.Pop90 // year → district → estimate
	estSrc    map[int]map[string]bool              // year → sources of its estimates
	totSrc    map[string]bool                      // sources of totals
	totals    map[string]map[int]float64           // area → year → persons
	ancestors map[string][]string                  // district → its parent, grandparent, …
}

func newIndex(d *Data) (*index, error) {
	ix := &index{areas: map[string]*Area{}, est: map[int]map[string]*population.Pop90{},
		estSrc: map[int]map[string]bool{}, totSrc: map[string]bool{},
		totals: map[string]map[int]float64{}, ancestors: map[string][]string{}}
	for i := range d.Areas {
		a := &d.Areas[i]
		if _, dup := ix.areas[a.Code]; dup {
			return nil, fmt.Errorf("area %s listed twice", a.Code)
		}
		ix.areas[a.Code] = a
		if a.Level == LevelDistrict {
			ix.districts = append(ix.districts, a.Code)
		}
	}
	if len(ix.districts) == 0 {
		return nil, fmt.Errorf("no districts to project")
	}
	sort.Strings(ix.districts)
	for _, c := range ix.districts {
		var chain []string
		seen := map[string]bool{c: true}
		for p := ix.areas[c].Parent; p != ""; {
			a, ok := ix.areas[p]
			if !ok {
				return nil, fmt.Errorf("area %s: parent %s is not an area", c, p)
			}
			if seen[p] {
				return nil, fmt.Errorf("area %s: the parent chain loops at %s", c, p)
			}
			seen[p] = true
			chain = append(chain, p)
			p = a.Parent
		}
		ix.ancestors[c] = chain
	}
	for i := range d.Estimates {
		e := &d.Estimates[i]
		if a, ok := ix.areas[e.Area]; !ok || a.Level != LevelDistrict {
			continue // estimates of other areas are not needed: they are sums
		}
		if err := e.Pop.Check(); err != nil {
			return nil, fmt.Errorf("estimate %s %d: %w", e.Area, e.Year, err)
		}
		m := ix.est[e.Year]
		if m == nil {
			m = map[string]*population.Pop90{}
			ix.est[e.Year] = m
		}
		if _, dup := m[e.Area]; dup {
			return nil, fmt.Errorf("estimate %s %d given twice", e.Area, e.Year)
		}
		m[e.Area] = &e.Pop
		if ix.estSrc[e.Year] == nil {
			ix.estSrc[e.Year] = map[string]bool{}
		}
		ix.estSrc[e.Year][e.Source] = true
	}
	for _, t := range d.Totals {
		if _, ok := ix.areas[t.Area]; !ok {
			continue
		}
		if !(t.Persons >= 0) || math.IsInf(t.Persons, 0) {
			return nil, fmt.Errorf("total %s %d: %v is not a finite number ≥ 0", t.Area, t.Year, t.Persons)
		}
		m := ix.totals[t.Area]
		if m == nil {
			m = map[int]float64{}
			ix.totals[t.Area] = m
		}
		if _, dup := m[t.Year]; dup {
			return nil, fmt.Errorf("total %s %d given twice", t.Area, t.Year)
		}
		m[t.Year] = t.Persons
		ix.totSrc[t.Source] = true
	}
	return ix, nil
}

// estimates returns every district's estimate at mid-year y, or an error naming the first
// district without one.
func (ix *index) estimates(y int) (map[string]*population.Pop90, error) {
	m := ix.est[y]
	for _, c := range ix.districts {
		if m[c] == nil {
			return nil, fmt.Errorf("no single-year estimate of %s for %d", c, y)
		}
	}
	return m, nil
}

// total returns area's all-age estimate at mid-year y.
func (ix *index) total(area string, y int) (float64, bool) {
	v, ok := ix.totals[area][y]
	return v, ok
}
