package backtest

import (
	"fmt"
	"math"
	"testing"
)

// popRow returns a population row of test with log error e (forecast = actual × exp(e)).
func popRow(test, level, area, band string, origin, year int, e float64) Row {
	nan := math.NaN()
	return Row{Backtest: test, Level: level, Area: area, Measure: MeasurePopulation, Sex: "all", AgeBand: band,
		Origin: origin, Year: year, Horizon: year - origin, Actual: 1000, Forecast: 1000 * math.Exp(e),
		Lo: nan, Hi: nan, IntervalLevel: nan, Benchmark: nan, Scale: nan}
}

// errorRows returns Origin2011 rows whose all-age log errors at horizon h are 0.01 · h^1.5 ·
// v, v = ±1 … ±5 (ten districts), and whose 85+ errors at horizon 4 are 0.02 · v, with
// England's 85+ error 0.05. The 80th percentile of |v| (type 7 on 1,1,2,2,3,3,4,4,5,5) is
// 4 + 0.2 · 1 = 4.2.
func errorRows() []Row {
	v := []float64{-5, -4, -3, -2, -1, 1, 2, 3, 4, 5}
	var rows []Row
	for h := 1; h <= 4; h++ {
		for i, x := range v {
			rows = append(rows, popRow(Origin2011, LevelDistrict, fmt.Sprint("D", i), "all", 2011, 2011+h, 0.01*math.Pow(float64(h), 1.5)*x))
		}
	}
	for i, x := range v {
		rows = append(rows, popRow(Origin2011, LevelDistrict, fmt.Sprint("D", i), "85+", 2011, 2015, 0.02*x))
	}
	rows = append(rows, popRow(Origin2011, LevelCountry, "E", "85+", 2011, 2015, 0.05),
		popRow(Contest2016, LevelDistrict, "X", "85+", 2016, 2020, 9)) // other back-tests are ignored
	return rows
}

func TestFitPopulationErrors(t *testing.T) {
	m, err := FitPopulationErrors(errorRows())
	if err != nil {
		t.Fatal(err)
	}
	if m.RefHorizon != 4 || !near(m.Power, 1.5, 1e-9) || m.Level != 0.8 {
		t.Fatalf("model %+v", m)
	}
	sd85 := 0.02 * 4.2 / Z80
	if len(m.Bands) != 2 || m.Bands[0].AgeBand != "all" || m.Bands[1].AgeBand != "85+" {
		t.Fatalf("bands %+v", m.Bands)
	}
	b := m.Bands[1]
	if b.N != 10 || !near(b.SD, sd85, 1e-12) || !near(b.Mean, 0, 1e-15) || !near(b.National, 0.05, 1e-12) ||
		!near(b.Local, math.Sqrt(sd85*sd85-0.0025), 1e-12) {
		t.Errorf("85+: %+v", b)
	}
	if s, ok := m.SD("85+", 2); !ok || !near(s, sd85*math.Pow(0.5, 1.5), 1e-12) {
		t.Errorf("SD(85+, 2) = %v", s)
	}
	if s, _ := m.SD("85+", 0); s != 0 {
		t.Errorf("SD at horizon 0: %v", s)
	}
	if nat, loc, ok := m.Components("85+", 4); !ok || !near(nat, 0.05, 1e-12) || !near(loc, b.Local, 1e-12) {
		t.Errorf("components %v %v", nat, loc)
	}
	if _, ok := m.SD("0-17", 4); ok {
		t.Error("SD of a band the model lacks")
	}
	lo, hi, ok := m.Interval("85+", 4, 100)
	if !ok || !near(lo, 100*math.Exp(-Z80*sd85), 1e-12) || !near(hi, 100*math.Exp(Z80*sd85), 1e-12) {
		t.Errorf("interval %v %v", lo, hi)
	}
	// In sample the all-age spreads are the power law exactly: eight of ten districts inside
	// (|v| ≤ 4.2) at every horizon.
	for _, h := range m.AllAges {
		if !near(h.SD, h.Model, 1e-12) || !near(h.Coverage, 0.8, 1e-12) || h.N != 10 {
			t.Errorf("horizon %d: %+v", h.Horizon, h)
		}
	}
	if _, err := FitPopulationErrors(errorRows()[:10]); err == nil {
		t.Error("one horizon: no error")
	}
}

// TestContestCoverage puts the model's intervals on contest rows with known errors: five
// districts erring by 0, ±0.5, ±0.9, ±1.1 and 3 times Z80 · SD at 9 years from the 2011 base,
// and a benchmark erring by 0.5 times Z80 · SD at 4 years from 2016 in four districts out of
// five.
func TestContestCoverage(t *testing.T) {
	m, err := FitPopulationErrors(errorRows())
	if err != nil {
		t.Fatal(err)
	}
	s9, _ := m.SD("85+", 9)
	s4, _ := m.SD("85+", 4)
	var rows []Row
	for i, k := range []float64{0, 0.5, -0.9, 1.1, -3} {
		r := popRow(Contest2016, LevelDistrict, fmt.Sprint("D", i), "85+", 2016, 2020, k*Z80*s9)
		r.Benchmark, r.BenchmarkName = r.Actual*math.Exp(0.5*Z80*s4), "rival"
		if i == 4 {
			r.Benchmark = math.NaN()
		}
		rows = append(rows, r)
	}
	rows = append(rows, popRow(Contest2016, LevelCountry, "E", "85+", 2016, 2020, 0))
	cov := contestCoverage(rows, m, 2011)
	if len(cov) != 1 {
		t.Fatalf("coverage %+v", cov)
	}
	c := cov[0]
	if c.AgeBand != "85+" || c.N != 5 || c.BaseHorizon != 9 || c.OriginHorizon != 4 || !near(c.Ours, 0.6, 1e-12) ||
		c.BenchmarkN != 4 || c.Benchmark != 1 {
		t.Errorf("coverage %+v", c)
	}
	// From 2016 (SD at 4 years, (4/9)^1.5 of that at 9) only the exact one is inside.
	if !near(c.OursOrigin, 0.2, 1e-12) {
		t.Errorf("coverage from the origin %v, want 0.2", c.OursOrigin)
	}
	if math.IsNaN(rows[0].Lo) || rows[0].IntervalLevel != 0.8 || !math.IsNaN(rows[5].Lo) {
		t.Error("districts' rows should carry the interval, and only they")
	}
}
