package population

// Test-only readers for the raw ONS CSV files in ../shared/data/raw (see datasets/README.md).
// They are deliberately small: the canonical readers live in package datasets.

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/carecast/carecast/forecast"
)

const rawDir = "../../../shared/data/raw" // ../shared/data/raw beside the repository

// readCSV calls row for every data row of the named file under ../shared/data/raw, with a function
// that returns a column by name. Missing files skip the test; malformed files fail it.
func readCSV(t testing.TB, name string, row func(col func(string) string)) {
	t.Helper()
	f, err := os.Open(filepath.Join(rawDir, name))
	if err != nil {
		t.Skipf("raw data not available: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[strings.TrimSpace(h)] = i
	}
	var rec []string
	col := func(c string) string {
		i, ok := idx[c]
		if !ok {
			t.Fatalf("%s: no column %q", name, c)
		}
		return strings.TrimSpace(rec[i])
	}
	for line := 2; ; line++ {
		rec, err = r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s line %d: %v", name, line, err)
		}
		row(col)
	}
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("integer %q: %v", s, err)
	}
	return v
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

// onsSex maps ONS's sex code (1 male, 2 female) to forecast.Sex.
func onsSex(t testing.TB, s string) forecast.Sex {
	switch strings.TrimSpace(s) {
	case "1":
		return forecast.Male
	case "2":
		return forecast.Female
	}
	t.Fatalf("ONS sex code %q: want 1 or 2", s)
	return 0
}

// nppAge maps an NPP age label to a single year 0..MaxAge (105+ gathers "105 - 109",
// "110 and over" and "105+") or -1 for "Birth"; ages above MaxAge map to MaxAge too.
func nppAge(t testing.TB, s string) int {
	switch s {
	case "Birth":
		return -1
	case "105 - 109", "110 and over", "105+":
		return MaxAge
	}
	return min(atoi(t, s), MaxAge)
}

// npp holds ONS's 2018-based national population projection for England, principal variant.
type npp struct {
	first, last int       // population years
	pop         []Pop     // mid-year population, pop[y-first]
	rates       []Rates   // assumptions for period y..y+1, rates[y-first]
	births      []float64 // projected births in period y..y+1, births[y-first]
	deaths      []Pop     // projected deaths by age at the start of the period (MaxAge = 105+)
	deathsBirth [][forecast.NumSexes]float64
}

var (
	nppOnce sync.Once
	nppData *npp
)

// loadNPP reads the NPP 2018 files once. Rates.Q[s][MaxAge] is OpenQ of ONS's q(105..125).
func loadNPP(t testing.TB) *npp {
	t.Helper()
	if _, err := os.Stat(filepath.Join(rawDir, "ons_npp2018")); err != nil {
		t.Skipf("raw data not available: %v", err)
	}
	nppOnce.Do(func() { nppData = readNPP(t) })
	if nppData == nil {
		t.Fatal("NPP 2018 files could not be read")
	}
	return nppData
}

func readNPP(t testing.TB) *npp {
	const first, last = 2018, 2118
	d := &npp{first: first, last: last}
	d.pop = make([]Pop, last-first+1)
	d.rates = make([]Rates, last-first)
	d.births = make([]float64, last-first)
	d.deaths = make([]Pop, last-first)
	d.deathsBirth = make([][forecast.NumSexes]float64, last-first)
	const dir = "ons_npp2018/npp2018_england_principal_"
	readCSV(t, dir+"population.csv", func(c func(string) string) {
		d.pop[atoi(t, c("year"))-first][onsSex(t, c("sex"))][nppAge(t, c("age"))] += atof(t, c("value"))
	})
	// q by single year 0..125 per sex and year, to collapse 105..125 with OpenQ.
	q := make([][forecast.NumSexes][126]float64, last-first)
	readCSV(t, dir+"mortality_assumptions.csv", func(c func(string) string) {
		y, s, v := atoi(t, c("year"))-first, onsSex(t, c("sex")), atof(t, c("value"))/1e5
		if c("age") == "Birth" {
			d.rates[y].QBirth[s] = v
			return
		}
		q[y][s][atoi(t, c("age"))] = v
	})
	for y := range d.rates {
		for s := range q[y] {
			copy(d.rates[y].Q[s][:MaxAge], q[y][s][:MaxAge])
			d.rates[y].Q[s][MaxAge] = OpenQ(q[y][s][MaxAge:])
		}
		d.rates[y].MaleBirths = 1.05 / 2.05
	}
	readCSV(t, dir+"fertility_assumptions.csv", func(c func(string) string) {
		d.rates[atoi(t, c("year"))-first].Fertility[atoi(t, c("age"))] = atof(t, c("value")) / 1000
	})
	readCSV(t, dir+"total_migration.csv", func(c func(string) string) {
		if c("flow") == "Net" {
			d.rates[atoi(t, c("year"))-first].Migration[onsSex(t, c("sex"))][nppAge(t, c("age"))] += atof(t, c("value"))
		}
	})
	readCSV(t, dir+"births.csv", func(c func(string) string) {
		d.births[atoi(t, c("year"))-first] += atof(t, c("value"))
	})
	readCSV(t, dir+"deaths.csv", func(c func(string) string) {
		y, s, a := atoi(t, c("year"))-first, onsSex(t, c("sex")), nppAge(t, c("age"))
		if a < 0 {
			d.deathsBirth[y][s] = atof(t, c("value"))
			return
		}
		d.deaths[y][s][a] += atof(t, c("value"))
	})
	return d
}

// model returns a Model on the NPP rates for the periods first..last. Years before 2018 get
// the 2018-19 rates with each sex's death probabilities scaled (LifeExpectancyFactor) so that
// period life expectancy at 65 differs from 2018's as ONS's published period e(65) does
// (npp2018_england_expectation_of_life_ex.csv, past years); fertility and migration stay at
// 2018-19's.
func (d *npp) model(t testing.TB, first, last int) *Model {
	t.Helper()
	rs := make([]Rates, 0, last-first+1)
	for y := first; y <= last; y++ {
		if y >= d.first {
			rs = append(rs, d.rates[y-d.first])
			continue
		}
		r := d.rates[0]
		for s := range r.Q {
			e18 := LifeExpectancy(r.Q[s][65:])
			k, err := LifeExpectancyFactor(r.Q[s][65:], e18+d.e65(t, s, y)-d.e65(t, s, d.first))
			if err != nil {
				t.Fatal(err)
			}
			for x := range r.Q[s] {
				r.Q[s][x] = min(k*r.Q[s][x], 1)
			}
			r.QBirth[s] = min(k*r.QBirth[s], 1)
		}
		rs = append(rs, r)
	}
	m, err := NewModel(first, rs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	e65Once sync.Once
	e65     map[[2]int]float64 // [sex, year] -> period e(65)
)

// e65 returns ONS's period expectation of life at 65 for sex s in year y.
func (d *npp) e65(t testing.TB, s, y int) float64 {
	e65Once.Do(func() {
		e65 = map[[2]int]float64{}
		readCSV(t, "ons_npp2018/npp2018_england_expectation_of_life_ex.csv", func(c func(string) string) {
			if c("type") == "period" && c("age") == "65" {
				e65[[2]int{int(onsSex(t, c("sex"))), atoi(t, c("year"))}] = atof(t, c("ex"))
			}
		})
	})
	e, ok := e65[[2]int{s, y}]
	if !ok {
		t.Fatalf("no period e(65) for sex %d in %d", s, y)
	}
	return e
}
