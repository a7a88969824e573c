package engine_test

// Properties of the chain that hold whatever the data: on the real data where a run is cheap
// (few areas), on the synthetic data otherwise.

import (
	"errors"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

// compareRows calls diff for every non-driver row of a and b (which must have the same layout)
// whose mean, p10, p50 or p90 differ, and returns the number of rows compared.
func compareRows(t *testing.T, a, b *engine.Result, diff func(ra, rb forecast.ResultRow)) int {
	t.Helper()
	var rows []forecast.ResultRow
	for row := range b.Rows() {
		if !isDriver(row.Measure) {
			rows = append(rows, row)
		}
	}
	i := 0
	for ra := range a.Rows() {
		if isDriver(ra.Measure) {
			continue
		}
		if i >= len(rows) {
			t.Fatalf("first result has more rows than the second (%d)", len(rows))
		}
		rb := rows[i]
		i++
		if ra.AreaCode != rb.AreaCode || ra.Year != rb.Year || ra.Measure != rb.Measure || ra.Sex != rb.Sex || ra.AgeBand != rb.AgeBand {
			t.Fatalf("layouts differ: %v against %v", ra, rb)
		}
		if ra.Mean != rb.Mean || ra.P10 != rb.P10 || ra.P50 != rb.P50 || ra.P90 != rb.P90 {
			diff(ra, rb)
		}
	}
	if i != len(rows) {
		t.Fatalf("second result has more rows (%d) than the first (%d)", len(rows), i)
	}
	return i
}

// TestZeroPrevalenceZeroNeed: with every dementia rate 0, dementia need is 0 in every cell, and
// services, which dementia drives in part by default, follow the general need measure alone:
// every other cell equals a run on the real data whose drivers give every service to need.
func TestZeroPrevalenceZeroNeed(t *testing.T) {
	_, realIn, _ := realData(t)
	in := *realIn
	in.Prevalence = append([]engine.PrevalenceRate(nil), realIn.Prevalence...)
	for i := range in.Prevalence {
		if p := &in.Prevalence[i]; p.Measure == "dementia" {
			p.Rate, p.Lo, p.Hi = 0, 0, 0
		}
	}
	sc := forecast.Scenario{Name: "zero", Areas: []string{sheffield, lancs}, Districts: true}
	zero := run(t, newEngine(t, &in), sc)
	sc.Services.Drivers = []forecast.ServiceDriver{{Service: "residential", Measure: forecast.DefaultNeedMeasure, Share: 1}}
	base := run(t, newEngine(t, realIn), sc)
	n := 0
	compareRows(t, zero, base, func(z, b forecast.ResultRow) {
		if z.Measure != dementia {
			t.Errorf("%s %d %s %s %s changed: %v, was %v", z.AreaCode, z.Year, z.Measure, z.Sex, z.AgeBand, z.Mean, b.Mean)
		}
	})
	for row := range zero.Rows() {
		if row.Measure == dementia {
			n++
			if row.Mean != 0 {
				t.Errorf("%s %d %s %s: dementia %v with zero prevalence", row.AreaCode, row.Year, row.Sex, row.AgeBand, row.Mean)
			}
		}
	}
	if n < 13*25*15 {
		t.Errorf("only %d dementia rows", n)
	}
}

// TestDoublePopulation: doubling every estimate, the national net migration and the service
// activity (so that use rates stay as they were) doubles population, need, services,
// capacity, workforce and cost, on the real data and on the synthetic data.
func TestDoublePopulation(t *testing.T) {
	_, realIn, _ := realData(t)
	double := func(src *engine.Inputs) *engine.Inputs {
		in := *src
		in.Estimates = map[string]map[int]*population.Pop90{}
		for a, ys := range src.Estimates {
			in.Estimates[a] = map[int]*population.Pop90{}
			for y, p := range ys {
				q := *p
				for s := range q {
					for x := range q[s] {
						q[s][x] *= 2
					}
				}
				in.Estimates[a][y] = &q
			}
		}
		in.Rates = append([]population.Rates(nil), src.Rates...)
		for i := range in.Rates {
			for s := range in.Rates[i].Migration {
				for x := range in.Rates[i].Migration[s] {
					in.Rates[i].Migration[s][x] *= 2
				}
			}
		}
		in.Activity = append([]engine.Activity(nil), src.Activity...)
		for i := range in.Activity {
			in.Activity[i].Value *= 2
		}
		in.Supply = append([]engine.SupplyRow(nil), src.Supply...) // twice the beds: gaps double too
		for i := range in.Supply {
			in.Supply[i].Capacity *= 2
		}
		return &in
	}
	for _, tc := range []struct {
		name string
		in   *engine.Inputs
		sc   forecast.Scenario
	}{
		{"real", realIn, forecast.Scenario{Name: "x", Areas: []string{sheffield, lancs}, Districts: true}},
		{"synthetic", synthInputs(), synthScenario()},
	} {
		one := run(t, newEngine(t, tc.in), tc.sc, engine.RunOptions{NoDrivers: true})
		two := run(t, newEngine(t, double(tc.in)), tc.sc, engine.RunOptions{NoDrivers: true})
		families := map[string]bool{}
		rows := compareRows(t, two, one, func(b, a forecast.ResultRow) {
			families[forecast.Family(a.Measure)] = true
			if !near(b.Mean, 2*a.Mean, 1e-9) {
				t.Errorf("%s: %s %d %s %s %s = %v doubled, %v before", tc.name, a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand, b.Mean, a.Mean)
			}
		})
		if len(families) != 6 || rows == 0 {
			t.Errorf("%s: %d rows; families that doubled: %v", tc.name, rows, families)
		}
	}
}

// TestZeroLeversAreBaseline: levers of every type with value 0 (dwellings need homes, so they
// have none here; a not_council_funded_share of 0 sets that share to 0, which is a change, so
// it is left out too) give the baseline's numbers exactly.
func TestZeroLeversAreBaseline(t *testing.T) {
	_, _, e := realData(t)
	sc := everyLever()
	var levers []forecast.LeverSpec
	for _, l := range sc.Levers {
		if l.Type == forecast.LeverDwellings || l.Type == forecast.LeverNotCouncilFunded {
			continue
		}
		l.Value, l.Low, l.High = 0, nil, nil
		levers = append(levers, l)
	}
	sc.Levers = levers
	got := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	want := run(t, e, forecast.Scenario{Name: "baseline"}, engine.RunOptions{NoDrivers: true})
	n := compareRows(t, got, want, func(a, b forecast.ResultRow) {
		t.Errorf("%s %d %s %s %s = %v with zero levers, %v in the baseline", a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand, a.Mean, b.Mean)
	})
	if n < 160*25*150 {
		t.Errorf("only %d rows compared", n)
	}
}

// TestLeverRestrictedToOneCouncil: levers of every type restricted to Sheffield change
// Sheffield and Yorkshire and England, and leave every other council exactly as it was.
func TestLeverRestrictedToOneCouncil(t *testing.T) {
	_, _, e := realData(t)
	sc := everyLever()
	for i := range sc.Levers {
		sc.Levers[i].Areas = []string{sheffield}
	}
	got := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	want := run(t, e, forecast.Scenario{Name: "baseline"}, engine.RunOptions{NoDrivers: true})
	changed := map[string]map[string]bool{}
	compareRows(t, got, want, func(a, b forecast.ResultRow) {
		if changed[a.AreaCode] == nil {
			changed[a.AreaCode] = map[string]bool{}
		}
		changed[a.AreaCode][forecast.Family(a.Measure)] = true
	})
	for _, area := range []string{sheffield, yorks, england} {
		if len(changed[area]) != 6 {
			t.Errorf("%s: changed families %v, want all six", area, changed[area])
		}
	}
	for area := range changed {
		if area != sheffield && area != yorks && area != england {
			t.Errorf("%s changed (%v) by levers restricted to Sheffield", area, changed[area])
		}
	}
}

// TestShiftAllResidential: shifting 100% of residential care to home care leaves no
// residential residents, beds or cost from the lever's year, and home care gains exactly the
// residents that would have been in residential care.
func TestShiftAllResidential(t *testing.T) {
	_, _, e := realData(t)
	got := run(t, e, forecast.Scenario{Name: "shift", Levers: []forecast.LeverSpec{step(2025, 100, forecast.LeverShiftToHomeCare)}},
		engine.RunOptions{NoDrivers: true})
	want := run(t, e, forecast.Scenario{Name: "baseline"}, engine.RunOptions{NoDrivers: true})
	n := 0
	for _, a := range got.Areas {
		for _, y := range got.Years {
			for _, band := range []string{"18-64", "65+", "18+"} {
				res := value(t, got, a.Code, y, "service.residential", "all", band)
				before := value(t, want, a.Code, y, "service.residential", "all", band)
				home := value(t, got, a.Code, y, "service.home_care", "all", band)
				homeBefore := value(t, want, a.Code, y, "service.home_care", "all", band)
				if y < 2025 {
					if res != before || home != homeBefore {
						t.Errorf("%s %d %s: changed before the lever starts", a.Code, y, band)
					}
					continue
				}
				n++
				if res != 0 || !near(home, homeBefore+before, 1e-12) {
					t.Errorf("%s %d %s: residential %v, home care %v (was %v + %v)", a.Code, y, band, res, home, homeBefore, before)
				}
			}
			if y >= 2025 {
				for _, m := range []string{"capacity.residential_beds", "workforce.residential_fte", "cost.residential"} {
					if v := value(t, got, a.Code, y, m, "all", "18+"); v != 0 {
						t.Errorf("%s %d %s = %v after shifting all residential care", a.Code, y, m, v)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("nothing checked")
	}
}

// TestLeverBeforeStartChangesNothing: levers of every type that start in 2030 leave every cell
// of 2021-2029 as in the baseline, and change 2030.
func TestLeverBeforeStartChangesNothing(t *testing.T) {
	_, _, e := realData(t)
	sc := everyLever()
	for i := range sc.Levers {
		l := &sc.Levers[i]
		l.End += 2030 - l.Start
		l.Start = 2030
	}
	sc.Areas = []string{england}
	got := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	sc.Levers = nil
	want := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	first := 0
	compareRows(t, got, want, func(a, b forecast.ResultRow) {
		if a.Year < 2030 {
			t.Errorf("%s %d %s %s %s: %v, baseline %v, before any lever starts", a.AreaCode, a.Year, a.Measure, a.Sex, a.AgeBand, a.Mean, b.Mean)
		}
		if first == 0 || a.Year < first {
			first = a.Year
		}
	})
	if first != 2030 {
		t.Errorf("the first year changed is %d, want 2030", first)
	}
}

// TestRunRejectsBadScenario: Run returns a forecast.ScenarioError listing every problem.
func TestRunRejectsBadScenario(t *testing.T) {
	_, _, e := realData(t)
	_, err := e.Run(t.Context(), forecast.Scenario{Name: " ", BaseYear: 2019, Areas: []string{"E10000002"},
		Levers: []forecast.LeverSpec{{Type: forecast.LeverServiceTrend, Service: "respite", Value: 1, Start: 2030, End: 2031}}},
		engine.RunOptions{}, nil)
	var se forecast.ScenarioError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a ScenarioError", err)
	}
	var paths []string
	for _, f := range se {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "name base_year areas[0] levers[0].service" {
		t.Errorf("paths %q (%v)", got, err)
	}
}
