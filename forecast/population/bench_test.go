package population

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// synthRates returns plausible seeded rates for years years: Gompertz mortality, a bell-shaped
// fertility schedule with a total fertility rate near 1.7, and net migration peaking at 25.
func synthRates(years int) []Rates {
	rs := make([]Rates, years)
	for i := range rs {
		r := &rs[i]
		for s := range r.Q {
			for x := range r.Q[s] {
				r.Q[s][x] = min(0.0002+0.00003*math.Exp(0.095*float64(x))*(1+0.2*float64(s))*math.Pow(0.99, float64(i)), 1)
				r.Migration[s][x] = 4000 * math.Exp(-0.5*math.Pow((float64(x)-25)/8, 2))
			}
			r.QBirth[s] = 0.003
		}
		for x := 15; x <= 46; x++ {
			r.Fertility[x] = 0.11 * math.Exp(-0.5*math.Pow((float64(x)-31)/5.5, 2))
		}
		r.MaleBirths = 1.05 / 2.05
	}
	return rs
}

type benchArea struct {
	base Pop
	loc  Local
	mig  [forecast.NumSexes][NumAges]float64
}

// synthAreas returns n seeded districts of 40,000 to 1,100,000 people.
func synthAreas(n int) []benchArea {
	rng := rand.New(rand.NewPCG(2026, 309))
	as := make([]benchArea, n)
	for i := range as {
		a := &as[i]
		size := 40000 + rng.Float64()*1.06e6
		for s := range a.base {
			for x := range a.base[s] {
				a.base[s][x] = size / 85 * math.Exp(-math.Pow(float64(x)/80, 4)) * (0.9 + 0.2*rng.Float64())
				a.mig[s][x] = size / 5000 * (rng.Float64() - 0.4) * math.Exp(-float64(x)/40)
			}
		}
		a.loc = Local{Mortality: [2]float64{0.8 + 0.4*rng.Float64(), 0.8 + 0.4*rng.Float64()},
			Fertility: 0.8 + 0.4*rng.Float64(), Migration: &a.mig}
	}
	return as
}

var benchLevers = Levers{
	MortalityChange: forecast.Lever{Value: -0.5, Start: 2026, End: 2035, Profile: forecast.FrontLoaded},
	MigrationChange: forecast.Lever{Value: -20, Start: 2026, End: 2030},
	Dwellings:       []Dwellings{{Homes: 4000, PersonsPerHome: 2.3, Start: 2026, End: 2035, Shares: shares(30, 32)}},
}

// BenchmarkProjectTo measures cohort-component projections of 25 years by sex and single year
// of age 0..105+: one area, and England's 309 districts one after another on one core.
func BenchmarkProjectTo(b *testing.B) {
	m, err := NewModel(2024, synthRates(25))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 309} {
		for _, lev := range []struct {
			name string
			l    *Levers
		}{{"levers=none", nil}, {"levers=all", &benchLevers}} {
			b.Run(fmt.Sprintf("areas=%d/%s", n, lev.name), func(b *testing.B) {
				areas := synthAreas(n)
				out := make([]Pop, 26)
				b.ReportAllocs()
				for b.Loop() {
					for i := range areas {
						if err := m.ProjectTo(out, 2024, &areas[i].base, &areas[i].loc, lev.l); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*25*2*NumAges), "ns/cell")
			})
		}
	}
}

// BenchmarkCalibrate measures one district's calibration over a nine-year window (a one-off
// cost when data are loaded, not per run).
func BenchmarkCalibrate(b *testing.B) {
	m, err := NewModel(2011, synthRates(9))
	if err != nil {
		b.Fatal(err)
	}
	a := synthAreas(1)[0]
	out := make([]Pop, 10)
	if err := m.ProjectTo(out, 2011, &a.base, &a.loc, nil); err != nil {
		b.Fatal(err)
	}
	var h History
	h.StartYear, h.EndYear = 2011, 2020
	CollapseTo(&h.Start, &a.base)
	CollapseTo(&h.End, &out[9])
	h.National = h.End
	h.Old = a.base
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Calibrate(&h, 0); err != nil {
			b.Fatal(err)
		}
	}
}
