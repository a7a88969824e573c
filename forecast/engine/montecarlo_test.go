package engine_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// mcScenario is every lever (three with intervals) on Yorkshire and Lancashire and their
// districts, with draws: areas local to one council and areas spanning councils.
func mcScenario(draws int, seed int64) forecast.Scenario {
	sc := everyLever()
	sc.Areas = []string{yorks, lancs}
	sc.Districts = true
	sc.Horizon = 2030
	sc.Uncertainty = forecast.UncertaintySpec{Draws: draws, Seed: seed}
	return sc
}

// TestMonteCarloWorkers: the same seed gives the same numbers, bit for bit, whatever the
// number of workers; another seed gives other numbers; p10 ≤ p50 ≤ p90 everywhere, and the
// measures with uncertain inputs have ranges.
func TestMonteCarloWorkers(t *testing.T) {
	_, _, e := realData(t)
	const draws = 24
	var results []*engine.Result
	for _, w := range []int{1, 2, 4} {
		results = append(results, run(t, e, mcScenario(draws, 42), engine.RunOptions{Workers: w}))
	}
	for i, w := range []int{2, 4} {
		compareRows(t, results[i+1], results[0], func(a, b forecast.ResultRow) {
			t.Errorf("workers %d: %s %d %s %s %s = %v/%v/%v/%v, one worker %v/%v/%v/%v", w, a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand,
				a.Mean, a.P10, a.P50, a.P90, b.Mean, b.P10, b.P50, b.P90)
		})
	}
	other := run(t, e, mcScenario(draws, 43), engine.RunOptions{Workers: 2, NoDrivers: true})
	differ := 0
	compareRows(t, other, results[0], func(forecast.ResultRow, forecast.ResultRow) { differ++ })
	if differ == 0 {
		t.Error("seed 43 gives the same numbers as seed 42")
	}
	r := results[0]
	if r.Provenance.Draws != draws || r.Provenance.Seed != 42 {
		t.Errorf("provenance draws %d seed %d", r.Provenance.Draws, r.Provenance.Seed)
	}
	ranged := map[string]bool{}
	n := 0
	for row := range r.Rows() {
		if isDriver(row.Measure) {
			continue
		}
		n++
		if !(row.P10 <= row.P50 && row.P50 <= row.P90) || math.IsNaN(row.Mean) {
			t.Errorf("%s %d %s %s %s: p10 %v p50 %v p90 %v", row.AreaCode, row.Year, row.Measure, row.Sex, row.AgeBand, row.P10, row.P50, row.P90)
		}
		if row.P90 > row.P10 {
			ranged[row.Measure] = true
		}
	}
	for _, m := range []string{dementia, need, "service.home_care", "service.residential", "capacity.nursing_beds", "workforce.total_fte", "cost.total"} {
		if !ranged[m] {
			t.Errorf("%s has no range", m)
		}
	}
	if ranged["population"] {
		t.Error("population varies, but no population lever has an interval")
	}
	if n == 0 {
		t.Fatal("no rows")
	}
}

// TestMonteCarloOnlyServicesVary: with no interval anywhere (no lever intervals, prevalence
// intervals removed), draws vary only the councils' service use multipliers: population and
// need are the same in every draw (p10 = p50 = p90 = mean, equal to the deterministic run to
// float32 precision), while services and everything after them have ranges.
func TestMonteCarloOnlyServicesVary(t *testing.T) {
	_, realIn, _ := realData(t)
	in := *realIn
	in.Prevalence = append([]engine.PrevalenceRate(nil), realIn.Prevalence...)
	for i := range in.Prevalence {
		in.Prevalence[i].Lo, in.Prevalence[i].Hi = math.NaN(), math.NaN()
	}
	e := newEngine(t, &in)
	sc := everyLever()
	for i := range sc.Levers {
		sc.Levers[i].Low, sc.Levers[i].High = nil, nil
	}
	sc.Areas = []string{sheffield}
	det := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	sc.Uncertainty = forecast.UncertaintySpec{Draws: 50, Seed: 1}
	mc := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	ranged := map[string]bool{}
	compareRows(t, mc, det, func(m, d forecast.ResultRow) {
		switch forecast.Family(m.Measure) {
		case forecast.FamilyPopulation, forecast.FamilyNeed:
			if m.P10 != m.Mean || m.P50 != m.Mean || m.P90 != m.Mean || !near(m.Mean, d.Mean, 1e-6) {
				t.Errorf("%d %s %s %s varies: mean %v p10 %v p90 %v (deterministic %v)", m.Year, m.Measure, m.Sex, m.AgeBand, m.Mean, m.P10, m.P90, d.Mean)
			}
		default:
			if m.P90 > m.P10 {
				ranged[forecast.Family(m.Measure)] = true
			}
		}
	})
	for _, f := range []string{forecast.FamilyService, forecast.FamilyCapacity, forecast.FamilyWorkforce, forecast.FamilyCost} {
		if !ranged[f] {
			t.Errorf("%s has no range from the service multipliers", f)
		}
	}
}

// TestMonteCarloMemoryBound: draws that would need more memory than the run may use are a
// scenario error on uncertainty.draws, before any work.
func TestMonteCarloMemoryBound(t *testing.T) {
	_, _, e := realData(t)
	_, err := e.Run(t.Context(), forecast.Scenario{Name: "big", Uncertainty: forecast.UncertaintySpec{Draws: 10000}}, engine.RunOptions{}, nil)
	var se forecast.ScenarioError
	if !errors.As(err, &se) || se[0].Path != "uncertainty.draws" {
		t.Fatalf("error %v, want one on uncertainty.draws", err)
	}
}

// TestHotLoopsAllocateNothing: projecting a district, evaluating its chain (every measure, every
// lever type) and setting up a council's Monte Carlo draw allocate nothing.
func TestHotLoopsAllocateNothing(t *testing.T) {
	_, _, e := realData(t)
	sc := everyLever()
	sc.Areas = []string{sheffield}
	project, chain, draw, err := engine.HotLoopAllocs(e, sc)
	if err != nil {
		t.Fatal(err)
	}
	if project != 0 || chain != 0 || draw != 0 {
		t.Errorf("allocations: projection %v, chain %v, draw %v; want none", project, chain, draw)
	}
}

// TestMonteCarloCouncilIndependentOfItsRun: a council's cells, and its districts', are the same
// bit for bit whether the council is run alone or with other councils: every draw's random
// streams are keyed by council, district and draw, never by a position in the run. This is
// what lets a run of many councils be split over several machines by council and put back
// together unchanged. The one exception is a dwellings lever without areas of its own: its
// homes are spread over the run's areas, so each council's share depends on its companions
// (checked last, so that a split knows to keep such runs whole).
func TestMonteCarloCouncilIndependentOfItsRun(t *testing.T) {
	_, _, e := realData(t)
	const kent, surrey = "E10000016", "E10000030"
	spread := func(l forecast.LeverSpec) bool { return l.Type == forecast.LeverDwellings && len(l.Areas) == 0 }
	sc := func(areas ...string) forecast.Scenario {
		s := mcScenario(24, 42)
		s.Levers = slices.DeleteFunc(s.Levers, spread)
		s.Areas = areas
		return s
	}
	alone := run(t, e, sc(kent), engine.RunOptions{Workers: 2})
	within := run(t, e, sc(lancs, kent, surrey), engine.RunOptions{Workers: 2})
	type key struct {
		area, measure, sex, band string
		year                     int
	}
	cells := map[key]forecast.ResultRow{}
	for row := range within.Rows() {
		cells[key{row.AreaCode, row.Measure, row.Sex, row.AgeBand, row.Year}] = row
	}
	n, areas := 0, map[string]bool{}
	for a := range alone.Rows() {
		b, ok := cells[key{a.AreaCode, a.Measure, a.Sex, a.AgeBand, a.Year}]
		if !ok {
			t.Fatalf("%s %d %s %s %s: not in the three-council run", a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand)
		}
		if a.Mean != b.Mean || a.P10 != b.P10 || a.P50 != b.P50 || a.P90 != b.P90 {
			if n++; n <= 5 {
				t.Errorf("%s %d %s %s %s: alone %v/%v/%v/%v, with others %v/%v/%v/%v", a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand,
					a.Mean, a.P10, a.P50, a.P90, b.Mean, b.P10, b.P50, b.P90)
			}
		}
		areas[a.AreaCode] = true
	}
	// Kent and its 12 districts.
	if len(areas) != 13 {
		t.Errorf("the Kent run reports %d areas, want Kent and its 12 districts", len(areas))
	}
	if n > 0 {
		t.Fatalf("%d cells differ", n)
	}

	// With 2,000 homes spread over the run's areas, Kent's population depends on its
	// companions.
	withSpread := func(areas ...string) float64 {
		s := mcScenario(24, 42)
		s.Areas = areas
		if !slices.ContainsFunc(s.Levers, spread) {
			t.Fatal("mcScenario has no dwellings lever without areas")
		}
		for row := range run(t, e, s, engine.RunOptions{Workers: 2}).Rows() {
			if row.AreaCode == kent && row.Year == 2030 && row.Measure == "population" && row.Sex == "all" && row.AgeBand == "all" {
				return row.Mean
			}
		}
		t.Fatal("no Kent population in 2030")
		return 0
	}
	if a, b := withSpread(kent), withSpread(lancs, kent, surrey); a == b {
		t.Errorf("Kent's 2030 population %v alone and with others: the spread homes should differ", a)
	}
}
