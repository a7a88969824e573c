package backtest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// svcRow returns a service row with forecast f, actual a, the engine's interval for cv, and
// horizon h.
func svcRow(measure string, f, a, cv float64, h, year int) Row {
	return Row{Backtest: ServicesBacktest, Level: LevelCouncil, Measure: measure, AgeBand: "65+", Sex: "all",
		Origin: year - h, Year: year, Horizon: h, Forecast: f, Actual: a,
		Lo: max(f*(1-Z80*cv), 0), Hi: f * (1 + Z80*cv), IntervalLevel: 0.8, Benchmark: math.NaN(), Scale: math.NaN()}
}

// TestFitServiceWideningExact: five forecasts of 100 with no CV, at horizon 1, miss by Z80
// times 0.1, 0.2, 0.3, 0.4 and 0.5: the τ each needs is that multiple, and τ is their 80th
// percentile by R's type 7, 0.4 + 0.2 × 0.1 = 0.42; four of five then fall inside. A sixth at
// horizon 4 missing by Z80 × 0.2 needs τ = 0.1 (0.2 / √4).
func TestFitServiceWideningExact(t *testing.T) {
	var rows []Row
	for i, m := range []float64{0.1, 0.2, 0.3, 0.4, 0.5} {
		a := 100 * (1 + Z80*m)
		if i%2 == 1 {
			a = 100 * (1 - Z80*m)
		}
		rows = append(rows, svcRow(MeasureResidential, 100, a, 0, 1, 2012))
	}
	w := FitServiceWidening(rows, 1)
	tau, ok := w.Tau(MeasureResidential, "65+")
	if !ok || !near(tau, 0.42, 1e-12) || w.Taus[0].N != 5 {
		t.Fatalf("τ %v (%v), want 0.42: %+v", tau, ok, w)
	}
	if _, ok := w.Tau(MeasureMeals, "65+"); ok {
		t.Error("τ of a measure without rows")
	}
	cov := ServiceCoverage(rows, w)
	c, ok := CoverageOf(cov, MeasureResidential, "65+", 1)
	if !ok || c.N != 5 || !near(c.Widened, 0.8, 1e-12) || c.Engine != 0 {
		t.Errorf("coverage %+v", c)
	}
	// With a CV of 0.3, the needs are sqrt(max(m² − 0.09, 0)): 0, 0, 0, √0.07, 0.4.
	for i := range rows {
		rows[i] = svcRow(MeasureResidential, 100, rows[i].Actual, 0.3, 1, 2012)
	}
	w = FitServiceWidening(rows, 1)
	if tau, _ := w.Tau(MeasureResidential, "65+"); !near(tau, math.Sqrt(0.07)+0.2*(0.4-math.Sqrt(0.07)), 1e-12) {
		t.Errorf("τ with CV 0.3: %v", tau)
	}
	// SD and interval.
	w = ServiceWidening{Level: 0.8, Power: 1, Taus: []ServiceTau{{Measure: MeasureResidential, AgeBand: "65+", Tau: 0.1}}}
	if sd := w.SD(MeasureResidential, "65+", 0.05, 4); !near(sd, math.Sqrt(0.0025+0.04), 1e-15) {
		t.Errorf("SD %v", sd)
	}
	if sd := w.SD(MeasureMeals, "65+", 0.05, 4); sd != 0.05 {
		t.Errorf("SD without τ %v, want the CV", sd)
	}
	if lo, hi := w.Interval(MeasureResidential, "65+", 100, 0, 100); lo != 0 || !near(hi, 100*(1+Z80), 1e-12) {
		t.Errorf("interval %v %v: the lower end stops at 0", lo, hi)
	}
	rows = append(rows, svcRow(MeasureNursing, 100, 100*(1+Z80*0.2), 0, 4, 2013))
	if tau, _ := FitServiceWidening(rows, 1).Tau(MeasureNursing, "65+"); !near(tau, 0.1, 1e-12) {
		t.Errorf("τ at horizon 4: %v, want 0.1", tau)
	}
}

// TestServiceCoverageSynthetic draws outturns whose ratio to the forecast is normal around 1
// with standard deviation sqrt(cv² + τ²h), cv = 0.05 and τ = 0.1: the truth of the widening
// model. The engine's interval (cv alone) then holds 2Φ(Z80 · cv / sd) − 1 of them; the fitted
// τ is 0.1, and the widened intervals hold 80% at every horizon, in and out of sample.
func TestServiceCoverageSynthetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const cv, tau, n = 0.05, 0.1, 20000
	var rows []Row
	for h := 1; h <= 4; h++ {
		sd := math.Sqrt(cv*cv + tau*tau*float64(h))
		for range n {
			rows = append(rows, svcRow(MeasureHomeCare, 100, 100*(1+sd*rng.NormFloat64()), cv, h, 2009+h+rng.IntN(2)))
		}
	}
	w := FitServiceWidening(rows, 1)
	if got, _ := w.Tau(MeasureHomeCare, "65+"); math.Abs(got-tau) > 0.003 {
		t.Errorf("τ %v, want %v", got, tau)
	}
	cov := ServiceCoverage(rows, w)
	for h := 1; h <= 4; h++ {
		c, ok := CoverageOf(cov, "", "", h)
		if !ok || c.N != n {
			t.Fatalf("h %d: %+v", h, c)
		}
		sd := math.Sqrt(cv*cv + tau*tau*float64(h))
		want := math.Erf(Z80 * cv / sd / math.Sqrt2) // 2Φ(x) − 1
		if math.Abs(c.Engine-want) > 0.012 {
			t.Errorf("h %d: engine's coverage %.4f, want %.4f", h, c.Engine, want)
		}
		if math.Abs(c.Widened-0.8) > 0.012 || math.Abs(c.OutOfSample-0.8) > 0.015 {
			t.Errorf("h %d: widened coverage %.4f, out of sample %.4f (%d), want 0.8", h, c.Widened, c.OutOfSample, c.OutOfSampleN)
		}
	}
	// Fitted with the variance growing as h², the intervals are too wide at long horizons and too
	// narrow at short ones.
	w2 := FitServiceWidening(rows, 2)
	c1, _ := CoverageOf(ServiceCoverage(rows, w2), "", "", 1)
	c4, _ := CoverageOf(ServiceCoverage(rows, w2), "", "", 4)
	if !(c1.Widened < 0.75 && c4.Widened > 0.85) {
		t.Errorf("h² coverage %.3f at 1, %.3f at 4", c1.Widened, c4.Widened)
	}
}
