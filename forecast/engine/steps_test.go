package engine_test

// Each step of the chain on the synthetic inputs (synth_test.go), with numbers worked by hand.
// A is Town A (c = 100): in 2011 it has 980 people 65+ in need (700 women, 280 men) and 7,050
// people 18-64; in 2016 (k = 5) 1,260 in need (900 women, 360 men) and still 7,050 aged 18-64.

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

const (
	need      = "need.adl_need_help"
	dementia  = "need.dementia"
	nA11      = 980.0  // Town A, people 65+ in need, 2011: 9.8c
	nA16      = 1260.0 // Town A, people 65+ in need, 2016: 9.8c + 0.56·5c
	workingA  = 7050.0 // Town A, people 18-64: 70.5c
	synthYear = 2016
)

func step(start int, value float64, typ string) forecast.LeverSpec {
	return forecast.LeverSpec{Type: typ, Value: value, Start: start, End: start, Profile: "step"}
}

func TestPopulationSynthetic(t *testing.T) {
	e := newEngine(t, synthInputs())
	r := run(t, e, synthScenario())
	// Populations: c women and c/2 men per single year; 90+ holds 5c women in 2011 and 10c by
	// 2016; ages below k are empty k years on.
	checkCells(t, r, []cell{
		{synthTownA, 2011, "population", "female", "65-74", 1000, "10 ages × c"},
		{synthTownA, 2011, "population", "male", "85+", 500, "(5 + 5) × c/2"},
	})
	// All ages: 90 single years × 1.5c + 7.5c at 90+ = 142.5c.
	checkCells(t, r, []cell{
		{synthTownA, 2011, "population", "all", "all", 14250, "90 × 150 + 750"},
		{synthTownA, 2016, "population", "all", "all", 14250, "nobody dies, is born or moves"},
		{synthTownA, 2016, "population", "all", "0-17", 13 * 150, "ages 5..17 hold 1.5c each, 0..4 are empty"},
		{synthTownA, 2016, "population", "female", "90+", 1000, "(5 + 5)c"},
		{synthShire, 2016, "population", "all", "all", 14250 * 3, "Town A + Town B (c = 300)"},
		{synthEngland, 2011, "population", "all", "all", 14250 * 10, "Σ c = 1000"},
	})
}

// TestNeedSynthetic checks need = prevalence × population by band and sex, with the trend lever
// compounding and compression moving the age curve.
func TestNeedSynthetic(t *testing.T) {
	e := newEngine(t, synthInputs())
	r := run(t, e, synthScenario())
	checkCells(t, r, []cell{
		{synthTownA, 2011, need, "female", "65-74", 100, "10c × 0.10"},
		{synthTownA, 2011, need, "female", "75-84", 200, "10c × 0.20"},
		{synthTownA, 2011, need, "female", "85+", 400, "(5c + 5c) × 0.40"},
		{synthTownA, 2011, need, "female", "90+", 200, "5c × 0.40"},
		{synthTownA, 2011, need, "male", "65+", 280, "(c/2)(10·0.08 + 10·0.16 + 10·0.32)"},
		{synthTownA, 2011, need, "all", "65+", nA11, "9.8c"},
		{synthTownA, 2016, need, "female", "65+", 900, "(7 + 0.4·5)c: 90+ has grown to 10c"},
		{synthTownA, 2016, need, "all", "65+", nA16, "9.8c + 0.56·5c"},
		{synthShire, 2016, need, "all", "65+", 3 * nA16, "c = 300"},
		{synthEngland, 2011, need, "all", "65+", 9800, "9.8 × Σc"},
		// dementia, both sexes: 0.02 at 65-69, 0.05 at 70-79, 0.20 at 80+.
		{synthTownA, 2011, dementia, "female", "65-74", 35, "5c × 0.02 + 5c × 0.05"},
		{synthTownA, 2011, dementia, "female", "65+", 360, "5c·0.02 + 10c·0.05 + 10c·0.2 + 5c·0.2"},
		{synthTownA, 2011, dementia, "all", "65+", 540, "1.5 × 360"},
	})

	// Trend: −2% a year from 2012 compounds: 0.98^5 by 2016; linear from 2012 to 2015 reaches
	// −0.5, −1, −1.5, −2, −2 in 2012..2016. Each touches only its own measure.
	r = run(t, e, synthScenario(
		forecast.LeverSpec{Type: forecast.LeverPrevalenceTrend, Measure: "adl_need_help", Value: -2, Start: 2012, End: 2012},
		forecast.LeverSpec{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: -2, Start: 2012, End: 2015},
	))
	linear := (1 - 0.005) * (1 - 0.01) * (1 - 0.015) * (1 - 0.02) * (1 - 0.02)
	checkCells(t, r, []cell{
		{synthTownA, 2011, need, "all", "65+", nA11, "no change in the base year"},
		{synthTownA, 2012, need, "all", "65+", (nA11 + 0.56*100) * 0.98, "one year of −2%"},
		{synthTownA, 2016, need, "all", "65+", nA16 * math.Pow(0.98, 5), "0.98^5"},
		{synthTownA, 2016, need, "female", "75-84", 200 * math.Pow(0.98, 5), "0.98^5"},
		{synthTownA, 2016, dementia, "female", "65+", (360 + 5*100*0.2) * linear, "2016 dementia: 90+ has 10c; linear ramp"},
	})

	// Compression: half of the 1-year gain in life expectancy at 65 by 2016 moves the curve
	// 0.5 years older, so rate(x) = (rate(x−1) + rate(x))/2: 0.15 at 75, 0.30 at 85 (women),
	// and rate(65) stays 0.10 (below 65 the first age's rate applies). Women 2016:
	// 10c·0.1 + 0.15c + 9c·0.2 + 0.3c + 4c·0.4 + 10c·0.4 = 8.85c; men 0.8·(c/2)·8.85 = 3.54c.
	r = run(t, e, synthScenario(step(2012, 0.5, forecast.LeverMorbidityCompression)))
	checkCells(t, r, []cell{
		{synthTownA, 2016, need, "female", "65+", 885, "8.85c"},
		{synthTownA, 2016, need, "female", "75-84", 195, "0.15c + 9c × 0.2"},
		{synthTownA, 2016, need, "male", "65+", 354, "3.54c"},
		{synthTownA, 2011, need, "all", "65+", nA11, "no gain in the base year"},
	})
}

// svcA is Town A's service use in a year with nOlder people 65+ in need: use rate × denominator.
func svcA(service string, nOlder float64) (working, older float64) {
	u := useOlder[service]
	if service == "residential" {
		u = residential65[synthShire]
	}
	return useWorking[service] * workingA, u * nOlder
}

// TestServicesSynthetic checks services = use rate × denominator and each service lever.
func TestServicesSynthetic(t *testing.T) {
	e := newEngine(t, synthInputs())
	r := run(t, e, synthScenario())
	var cells []cell
	for _, y := range []int{2011, 2016} {
		n := map[int]float64{2011: nA11, 2016: nA16}[y]
		for _, s := range synthServices {
			w, o := svcA(s, n)
			m := "service." + s
			if s == "meals" {
				cells = append(cells, cell{synthTownA, y, m, "all", "65+", o, "0.01 per person 65+ in need"})
				continue
			}
			cells = append(cells,
				cell{synthTownA, y, m, "all", "18-64", w, "use per head × people 18-64"},
				cell{synthTownA, y, m, "all", "65+", o, "use per person in need × people 65+ in need"},
				cell{synthTownA, y, m, "all", "18+", w + o, "18-64 + 65+"})
		}
	}
	cells = append(cells,
		cell{synthUnitaryU, 2011, "service.residential", "all", "65+", 0.12 * 9.8 * 300, "U's own rate 0.12"},
		cell{synthNorth, 2011, "service.residential", "all", "65+", 0.10*9.8*300 + 0.12*9.8*300, "Shire + U"})
	checkCells(t, r, cells)

	res := func(n float64) float64 { w, o := svcA("residential", n); return w + o }
	nur := func(n float64) float64 { w, o := svcA("nursing", n); return w + o }
	home := func(n float64) float64 { w, o := svcA("home_care", n); return w + o }
	dp := func(n float64) float64 { w, o := svcA("direct_payments", n); return w + o }

	// Shift 30% of residential to home care (from 2012, linear to 2014: 10%, 20%, 30%).
	r = run(t, e, synthScenario(forecast.LeverSpec{Type: forecast.LeverShiftToHomeCare, Value: 30, Start: 2012, End: 2014}))
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.residential", "all", "18+", 0.7 * res(nA16), "70% stay"},
		{synthTownA, 2016, "service.home_care", "all", "18+", home(nA16) + 0.3*res(nA16), "30% move to home care"},
		{synthTownA, 2016, "service.nursing", "all", "18+", nur(nA16), "nursing is not shifted"},
		{synthTownA, 2012, "service.residential", "all", "65+", 0.9 * 0.1 * (nA11 + 56), "10% in 2012"},
	})
	// Admission avoidance 10%: residential and nursing × 0.9.
	r = run(t, e, synthScenario(step(2012, 10, forecast.LeverAdmissionAvoidance)))
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.residential", "all", "18+", 0.9 * res(nA16), "10% fewer"},
		{synthTownA, 2016, "service.nursing", "all", "18+", 0.9 * nur(nA16), "10% fewer"},
		{synthTownA, 2016, "service.home_care", "all", "18+", home(nA16), "unchanged"},
	})
	// Eligibility −5%: every service × 0.95 (not compounding).
	r = run(t, e, synthScenario(step(2012, -5, forecast.LeverEligibility)))
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.direct_payments", "all", "18+", 0.95 * dp(nA16), "5% fewer"},
		{synthTownA, 2012, "service.residential", "all", "18+", 0.95 * res(nA11+56), "5% fewer"},
	})
	// Service trend +1% a year on home care: 1.01^5 by 2016, no other service.
	r = run(t, e, synthScenario(forecast.LeverSpec{Type: forecast.LeverServiceTrend, Service: "home_care", Value: 1, Start: 2012, End: 2012}))
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.home_care", "all", "18+", home(nA16) * math.Pow(1.01, 5), "1.01^5"},
		{synthTownA, 2016, "service.residential", "all", "18+", res(nA16), "unchanged"},
	})
	// All four at once, in the engine's order: use × trend × eligibility, then avoidance on
	// care homes, then the shift of what remains in residential care.
	r = run(t, e, synthScenario(
		step(2012, 30, forecast.LeverShiftToHomeCare), step(2012, 10, forecast.LeverAdmissionAvoidance),
		step(2012, -5, forecast.LeverEligibility),
		forecast.LeverSpec{Type: forecast.LeverServiceTrend, Service: "home_care", Value: 1, Start: 2012, End: 2012}))
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.residential", "all", "18+", res(nA16) * 0.95 * 0.9 * 0.7, "× 0.95 × 0.9 × 0.7"},
		{synthTownA, 2016, "service.home_care", "all", "18+", home(nA16)*math.Pow(1.01, 5)*0.95 + res(nA16)*0.95*0.9*0.3, "trend, eligibility, plus the shifted"},
		{synthTownA, 2016, "service.nursing", "all", "18+", nur(nA16) * 0.95 * 0.9, "× 0.95 × 0.9"},
	})
	// Per head for 65+: Shire's 294 residents 65+ among 45c = 13,500 people 65+; in 2016 Town A
	// has 52.5c = 5,250 people 65+ (90+ grew by 5c women and 2.5c men).
	sc := synthScenario()
	sc.Services.PerHead = true
	r = run(t, e, sc)
	checkCells(t, r, []cell{
		{synthTownA, 2016, "service.residential", "all", "65+", 294.0 / 13500 * 5250, "per head 65+"},
	})
}

// TestCapacityWorkforceCostSynthetic checks beds = residents ÷ occupancy, hours = clients ×
// hours per client, FTE = care hours ÷ (contracted hours × productive share), and cost = volume
// × unit cost × price path in real and cash terms.
func TestCapacityWorkforceCostSynthetic(t *testing.T) {
	e := newEngine(t, synthInputs())
	sc := synthScenario()
	sc.Capacity = forecast.CapacitySpec{Occupancy: 0.8, ContractedHours: 40, ProductiveShare: 0.5} // 20 care hours per FTE
	r := run(t, e, sc)
	res, nur, home := 105.05, 52.525, 210.1 // Town A 2011, 18+: 7.05 + 98, 3.525 + 49, 14.1 + 196
	dp, day, meals := 79.95, 46.25, 9.8     // 21.15 + 58.8, 7.05 + 39.2, 0.01 × 980
	checkCells(t, r, []cell{
		{synthTownA, 2011, "capacity.residential_beds", "all", "18+", res / 0.8, "residents ÷ occupancy 0.8"},
		{synthTownA, 2011, "capacity.nursing_beds", "all", "18+", nur / 0.8, "residents ÷ occupancy 0.8"},
		{synthTownA, 2011, "capacity.home_care_hours", "all", "18+", home * hoursPerWeek, "clients × 10 hours (Shire's own)"},
		{synthTownA, 2011, "workforce.residential_fte", "all", "18+", res * 25 / 20, "25 care hours a resident ÷ (40 × 0.5)"},
		{synthTownA, 2011, "workforce.nursing_fte", "all", "18+", nur * 35 / 20, "35 hours a resident ÷ 20"},
		{synthTownA, 2011, "workforce.home_care_fte", "all", "18+", home * 10 / 20, "home-care hours ÷ 20"},
		{synthTownA, 2011, "workforce.total_fte", "all", "18+", (res*25 + nur*35 + home*10) / 20, "sum"},
		{synthTownA, 2011, "cost.residential", "all", "18+", res * 52 * 800, "residents × 52 weeks × £800"},
		{synthTownA, 2011, "cost.nursing", "all", "18+", nur * 52 * 950, "× 52 × £950"},
		{synthTownA, 2011, "cost.home_care", "all", "18+", home * 10 * 52 * 24, "hours × 52 × £24"},
		{synthTownA, 2011, "cost.direct_payments", "all", "18+", dp * 52 * 300, "× 52 × £300"},
		{synthTownA, 2011, "cost.day_care", "all", "18+", day * 52 * 150, "× 52 × £150"},
		{synthTownA, 2011, "cost.meals", "all", "18+", meals * 52 * 35, "× 52 × £35"},
		{synthTownA, 2011, "cost.total", "all", "18+", 52 * (res*800 + nur*950 + home*240 + dp*300 + day*150 + meals*35), "sum"},
	})

	// Hours per client set by the scenario; unit cost of residential care set; real growth 2% a
	// year from 2012 and cash terms at 3% inflation from the 2011-12 price base.
	h := 8.0
	sc = synthScenario(step(2012, 2, forecast.LeverUnitCostGrowth))
	sc.Capacity.HomeCareHours = &h
	sc.Costs.UnitCosts = []forecast.UnitCostSpec{{Service: "residential", Cost: 1000}}
	r = run(t, e, sc)
	res16 := 7.05 + 0.1*nA16
	checkCells(t, r, []cell{
		{synthTownA, 2011, "capacity.home_care_hours", "all", "18+", home * 8, "clients × 8 hours"},
		{synthTownA, 2011, "cost.residential", "all", "18+", res * 52 * 1000, "£1,000 a week, no growth yet"},
		{synthTownA, 2016, "cost.residential", "all", "18+", res16 * 52 * 1000 * math.Pow(1.02, 5), "real growth 1.02^5"},
	})
	sc.Costs.Terms, sc.Costs.Inflation = "cash", 3
	r = run(t, e, sc)
	checkCells(t, r, []cell{
		{synthTownA, 2011, "cost.residential", "all", "18+", res * 52 * 1000, "2011 is the price base"},
		{synthTownA, 2016, "cost.residential", "all", "18+", res16 * 52 * 1000 * math.Pow(1.02, 5) * math.Pow(1.03, 5), "× 1.02^5 × 1.03^5"},
	})
	// With the default 2022-23 price base, cash costs in 2011 are deflated 11 years.
	sc.Costs.PriceBase = ""
	r = run(t, e, sc)
	checkCells(t, r, []cell{
		{synthTownA, 2011, "cost.residential", "all", "18+", res * 52 * 1000 * math.Pow(1.03, -11), "2022-23 prices deflated to 2011"},
	})
	if u := r.Measures()[len(r.Measures())-1].Unit; u != "GBP per year, cash" {
		t.Errorf("cash unit %q", u)
	}
}

// TestZeroHoursReportedFallsBack: a council that reports home-care clients but 0 hours (as
// Blackburn with Darwen does in every PSS-EX1 year of the default data) did not report its
// hours; it takes its region's hours per client instead of projecting no home care hours, no
// home-care workers and no home-care cost.
func TestZeroHoursReportedFallsBack(t *testing.T) {
	in := synthInputs()
	for i := range in.Activity {
		if a := &in.Activity[i]; a.Area == synthUnitaryU && a.Measure == "hours" {
			a.Value = 0
		}
	}
	r := run(t, newEngine(t, in), synthScenario())
	clients := value(t, r, synthUnitaryU, 2011, "service.home_care", "all", "18+")
	checkCells(t, r, []cell{
		{synthUnitaryU, 2011, "capacity.home_care_hours", "all", "18+", clients * hoursPerWeek, "North's pooled 10 hours a client (Shire's)"},
	})
	if !slices.ContainsFunc(r.Provenance.Notes, func(n string) bool { return strings.Contains(n, synthUnitaryU+" reports no home-care hours") }) {
		t.Errorf("no note of the fallback in %q", r.Provenance.Notes)
	}
}

// TestOverlappingPopulationLevers: two migration levers that both reach Town A are a scenario
// error on the second lever's areas, not a failure half-way through the run.
func TestOverlappingPopulationLevers(t *testing.T) {
	e := newEngine(t, synthInputs())
	_, err := e.Run(t.Context(), synthScenario(
		forecast.LeverSpec{Type: forecast.LeverMigration, Value: 10, Start: 2012, End: 2015},
		forecast.LeverSpec{Type: forecast.LeverMigration, Value: -5, Start: 2012, End: 2015, Areas: []string{synthShire}},
		forecast.LeverSpec{Type: forecast.LeverMortalityImprovement, Value: -1, Start: 2012, End: 2015, Areas: []string{synthUnitaryU}},
		forecast.LeverSpec{Type: forecast.LeverMortalityImprovement, Value: -1, Start: 2012, End: 2015, Areas: []string{synthUnitaryV}},
	), engine.RunOptions{}, nil)
	var se forecast.ScenarioError
	if !errors.As(err, &se) || len(se) != 1 || se[0].Path != "levers[1].areas" ||
		se[0].Message != "only one migration lever may apply to an area: levers[0] and levers[1] both apply to Town A (E07000001)" {
		t.Fatalf("error %v", err)
	}
}
