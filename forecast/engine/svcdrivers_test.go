package engine_test

import (
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// TestServiceDriversSynthetic checks the default link from need measures to services for 65+
// (forecast.DefaultServiceDrivers) by hand on the synthetic data. Shire's residential activity
// 65+ in 2011 is 0.10 per person in need: 294 residents for 9.8c = 2,940 people in need and
// 5.4c = 1,620 people 65+ with dementia (c = 300). With care homes 70% dementia, Town A's rate
// is 0.7 × 294 / 1,620 per person with dementia plus 0.3 × 294 / 2,940 = 0.03 per person in
// need. Town A (c = 100) has 540 people with dementia and 980 in need in 2011, 690 and 1,260
// in 2016 (TestNeedSynthetic's cells).
func TestServiceDriversSynthetic(t *testing.T) {
	e := newEngine(t, synthInputs())
	sc := synthScenario()
	sc.Services.Drivers = nil // the default
	base := run(t, e, sc)
	perDementia := 0.7 * 294 / 1620.0
	res16 := perDementia*690 + 0.03*1260               // 87.656 + 37.8 = 125.456
	home16 := 0.6*588/1620.0*690 + 0.4*588/2940.0*1260 // home care 0.20 per person in need: 588 clients in Shire
	checkCells(t, base, []cell{
		{synthTownA, 2011, "service.residential", "all", "65+", 98, "the base year is the activity: 0.10 × 980"},
		{synthTownA, 2016, "service.residential", "all", "65+", res16, "70% with dementia, 30% with need"},
		{synthTownA, 2016, "service.home_care", "all", "65+", home16, "60% with dementia, 40% with need"},
		{synthTownA, 2016, "service.day_care", "all", "65+", 0.04 * 1260, "need alone"},
	})
	// The provenance carries the drivers the run used.
	got := base.Provenance.Scenario.Services.Drivers
	if len(got) != 9 || got[0] != (forecast.ServiceDriver{Service: "residential", Measure: "dementia", Share: 0.7}) {
		t.Errorf("provenance drivers %+v", got)
	}

	// A dementia prevalence lever now reaches care homes, and through them beds, staff and cost:
	// −2% a year from 2012 scales dementia by 0.98^5 by 2016, the dementia part of residential
	// care with it.
	f := math.Pow(0.98, 5)
	sc.Levers = []forecast.LeverSpec{step(2012, -2, forecast.LeverPrevalenceTrend)}
	sc.Levers[0].Measure = "dementia"
	lev := run(t, e, sc)
	dRes := perDementia * 690 * (1 - f) // 8.47 fewer residents
	checkCells(t, lev, []cell{
		{synthTownA, 2016, dementia, "all", "65+", 690 * f, "0.98^5"},
		{synthTownA, 2016, "service.residential", "all", "65+", res16 - dRes, "the dementia part × 0.98^5"},
		{synthTownA, 2016, "service.day_care", "all", "65+", 0.04 * 1260, "day care follows need alone: unchanged"},
	})
	for _, c := range []struct {
		measure string
		per     float64 // change per resident fewer
		why     string
	}{
		{"capacity.residential_beds", 1 / forecast.DefaultOccupancy, "÷ occupancy 0.92"},
		{"workforce.residential_fte", forecast.DefaultResidentialHrs / (forecast.DefaultContractedHours * forecast.DefaultProductive), "× 25 h ÷ (37.5 h × 0.75)"},
		{"cost.residential", 52 * forecast.DefaultUnitCosts["residential"].Cost, "× 52 weeks × £800"},
	} {
		b, l := value(t, base, synthTownA, 2016, c.measure, "all", "18+"), value(t, lev, synthTownA, 2016, c.measure, "all", "18+")
		if want := dRes * c.per; math.Abs((b-l)-want) > 1e-6*want {
			t.Errorf("%s: the lever takes %.6g off, want %.6g (%.4g fewer residents %s)", c.measure, b-l, want, dRes, c.why)
		}
	}
	// The waterfall gives the lever its part: the change it makes, not 0.
	part := value(t, lev, synthTownA, 2016, "driver.service.residential.1_prevalence_trend_dementia", "all", "18+")
	if math.Abs(part+dRes) > 1e-6 {
		t.Errorf("waterfall part of the dementia lever on residential care = %.6g, want %.6g", part, -dRes)
	}

	// Drivers a scenario gives: home care 100% dementia.
	sc.Levers = nil
	sc.Services.Drivers = []forecast.ServiceDriver{{Service: "home_care", Measure: "dementia", Share: 1}}
	own := run(t, e, sc)
	checkCells(t, own, []cell{
		{synthTownA, 2016, "service.home_care", "all", "65+", 588 / 1620.0 * 690, "dementia alone"},
		{synthTownA, 2016, "service.residential", "all", "65+", 0.1 * 1260, "not listed: need alone"},
	})
}

// TestDementiaLeverReachesCareHomes: on the real data, a dementia prevalence lever of −1% a
// year (reached in full by 2030) changes Sheffield's care-home residents, beds, staff and cost
// in 2035, and the change is the dementia part of residential care scaled by the lever: the
// fall divided by (1 − the lever's factor) is the share of residents 65+ the dementia driver
// carries in 2035, 70% in the base years and a little more as the oldest grow fastest.
func TestDementiaLeverReachesCareHomes(t *testing.T) {
	_, _, e := realData(t)
	sc := forecast.Scenario{Name: "base", Areas: []string{sheffield}, Horizon: 2035}
	base := run(t, e, sc)
	sc.Levers = []forecast.LeverSpec{{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: -1, Start: 2025, End: 2030}}
	lev := run(t, e, sc)
	f := value(t, lev, sheffield, 2035, dementia, "all", "65+") / value(t, base, sheffield, 2035, dementia, "all", "65+")
	if !(f > 0.85 && f < 0.95) {
		t.Fatalf("dementia factor by 2035 = %.4f, want about 0.99^… ≈ 0.9", f)
	}
	rb, rl := value(t, base, sheffield, 2035, "service.residential", "all", "65+"), value(t, lev, sheffield, 2035, "service.residential", "all", "65+")
	share := (rb - rl) / (1 - f) / rb
	if !(share >= 0.7 && share <= 0.8) {
		t.Errorf("the dementia driver carries %.3f of residents 65+ in 2035, want 0.70–0.80", share)
	}
	for _, m := range []string{"capacity.residential_beds", "capacity.nursing_beds", "capacity.home_care_hours", "workforce.total_fte", "cost.total"} {
		b, l := value(t, base, sheffield, 2035, m, "all", "18+"), value(t, lev, sheffield, 2035, m, "all", "18+")
		if !(l < b*(1-0.02)) {
			t.Errorf("%s 2035: %.1f with the lever, %.1f without; want at least 2%% less", m, l, b)
		}
	}
	part := value(t, lev, sheffield, 2035, "driver.service.residential.1_prevalence_trend_dementia", "all", "18+")
	if math.Abs(part-(rl-rb)) > 1e-6*rb {
		t.Errorf("waterfall part %.3f, want the change %.3f", part, rl-rb)
	}
	t.Logf("Sheffield 2035: dementia ×%.4f; residents 65+ %.0f → %.0f; dementia share %.3f", f, rb, rl, share)
}
