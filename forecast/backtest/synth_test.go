package backtest

import (
	"math"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// synthRates returns plausible rates: Gompertz mortality improving 1% a year, a bell-shaped
// fertility schedule (total fertility about 1.7), and net migration peaking at 25.
func synthRates(years int) []population.Rates {
	rs := make([]population.Rates, years)
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

// synthPop returns a population of about size people with an age profile tilted by tilt
// (positive: older) and a wave of period wave years (0: none).
func synthPop(size, tilt, wave float64) population.Pop90 {
	var p population.Pop90
	for s := range p {
		for x := range p[s] {
			fx := float64(x)
			v := math.Exp(-math.Pow(fx/82, 5)) * math.Exp(tilt*(fx-40)/40)
			if wave > 0 {
				v *= 1 + 0.1*math.Sin(2*math.Pi*fx/wave)
			}
			p[s][x] = v
		}
		p[s][forecast.OpenAge] *= 3 // 90 and over
	}
	k := size / p.Total()
	for s := range p {
		for x := range p[s] {
			p[s][x] *= k
		}
	}
	return p
}

// synthData returns a small geography with the data the population back-tests need: England
// (E) → region R → county C → districts D1 and D2, and district D3 in R directly. The
// benchmark is published for D1, D3 and two districts P2a and P2b that later merged into D2.
func synthData() *Data {
	d := &Data{Areas: []Area{
		{Code: "E", Name: "England", Level: LevelCountry},
		{Code: "R", Name: "Region", Level: LevelRegion, Parent: "E"},
		{Code: "C", Name: "County", Level: LevelCounty, Parent: "R"},
		{Code: "D1", Name: "One", Level: LevelDistrict, Parent: "C"},
		{Code: "D2", Name: "Two", Level: LevelDistrict, Parent: "C"},
		{Code: "D3", Name: "Three", Level: LevelDistrict, Parent: "R"},
	}}
	type spec struct {
		code             string
		size, tilt, wave float64
		growth           float64 // a year
	}
	specs := []spec{{"D1", 150000, -0.2, 0, 0.008}, {"D2", 90000, 0.3, 17, 0.002}, {"D3", 300000, 0, 23, 0.012}}
	totals := map[string]map[int]float64{}
	add := func(area string, y int, v float64) {
		if totals[area] == nil {
			totals[area] = map[int]float64{}
		}
		totals[area][y] += v
	}
	for _, s := range specs {
		p11 := synthPop(s.size, s.tilt, s.wave)
		p20 := synthPop(s.size*math.Pow(1+s.growth, 9), s.tilt+0.05, s.wave)
		d.Estimates = append(d.Estimates, Estimate{Area: s.code, Year: 2011, Pop: p11, Source: "estimates 2011"},
			Estimate{Area: s.code, Year: 2020, Pop: p20, Source: "estimates 2020"})
		for y := 2001; y <= 2020; y++ {
			v := s.size * math.Pow(1+s.growth, float64(y-2011)) * (1 + 0.002*math.Sin(float64(y)))
			if y == 2011 {
				v = p11.Total()
			}
			for _, a := range []string{s.code, "R", "E"} {
				add(a, y, v)
			}
			if s.code != "D3" {
				add("C", y, v)
			}
		}
		// The benchmark: 60..90 persons in 2016 and 2020, a little off the 2020 estimate.
		codes := []string{s.code}
		if s.code == "D2" {
			codes = []string{"P2a", "P2b"}
		}
		for i, c := range codes {
			share := 1.0 / float64(len(codes))
			if len(codes) == 2 {
				share = []float64{0.375, 0.625}[i]
			}
			for x := 60; x <= forecast.OpenAge; x++ {
				v := (p20[0][x] + p20[1][x]) * share
				d.Benchmark = benchAdd(d.Benchmark, BenchmarkCell{Area: c, Year: 2020, Age: x, Persons: v * 1.01})
				d.Benchmark = benchAdd(d.Benchmark, BenchmarkCell{Area: c, Year: 2016, Age: x, Persons: v * 0.98})
			}
		}
	}
	for _, a := range []string{"E", "R", "C", "D1", "D2", "D3"} {
		for y := 2001; y <= 2020; y++ {
			d.Totals = append(d.Totals, Total{Area: a, Year: y, Persons: totals[a][y], Source: "totals"})
		}
	}
	rs := synthRates(3)
	d.National = National{FirstYear: 2018, Rates: rs, PeriodE65: map[int][forecast.NumSexes]float64{}, Sources: []string{"national"}}
	np := synthPop(5e7, 0, 0)
	for s := range np {
		for x := range forecast.OpenAge {
			d.National.Population[s][x] = np[s][x]
		}
		for x := forecast.OpenAge; x <= population.MaxAge; x++ {
			d.National.Population[s][x] = np[s][forecast.OpenAge] * math.Pow(0.7, float64(x-forecast.OpenAge)) * 0.3
		}
	}
	for y := 1995; y <= 2025; y++ {
		d.National.PeriodE65[y] = [forecast.NumSexes]float64{19 + 0.1*float64(y-2000), 16 + 0.15*float64(y-2000)}
	}
	return d
}

func benchAdd(b *Benchmark, c BenchmarkCell) *Benchmark {
	if b == nil {
		b = &Benchmark{Name: "rival projection", Source: "rival; licence", Origin: 2016,
			Successors: map[string]string{"P2a": "D2", "P2b": "D2"}}
	}
	b.Cells = append(b.Cells, c)
	return b
}
