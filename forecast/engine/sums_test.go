package engine_test

// Additivity (districts → councils → regions → England) and the drivers of change, on the real
// data, with a lever of every type in play (some restricted to areas), in cash and real terms.

import (
	"math"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

func ptr(v float64) *float64 { return &v }

// everyLever is a scenario with a lever of every type, with intervals on some, restricted to
// areas on others.
func everyLever() forecast.Scenario {
	return forecast.Scenario{Name: "every lever", Levers: []forecast.LeverSpec{
		{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: -1, Low: ptr(-2), High: ptr(0), Start: 2023, End: 2030},
		{Type: forecast.LeverMorbidityCompression, Value: 0.5, Low: ptr(0.2), High: ptr(0.8), Start: 2023, End: 2035},
		{Type: forecast.LeverMortalityImprovement, Value: -0.5, Start: 2023, End: 2030, Areas: []string{lancs}},
		{Type: forecast.LeverMigration, Value: 10, Start: 2023, End: 2025, Areas: []string{yorks}},
		{Type: forecast.LeverDwellings, Value: 4000, Start: 2023, End: 2030, Areas: []string{sheffield}},
		{Type: forecast.LeverDwellings, Value: 2000, Start: 2025, End: 2027, AgeProfile: "older", Profile: "step"},
		{Type: forecast.LeverServiceTrend, Service: "home_care", Value: 1, Low: ptr(0), High: ptr(2), Start: 2023, End: 2030},
		{Type: forecast.LeverShiftToHomeCare, Value: 20, Start: 2023, End: 2030, Profile: "front_loaded"},
		{Type: forecast.LeverAdmissionAvoidance, Value: 5, Start: 2024, End: 2024, Areas: []string{"E09000033", lancs}},
		{Type: forecast.LeverEligibility, Value: -3, Start: 2025, End: 2028, Profile: "back_loaded"},
		{Type: forecast.LeverUnitCostGrowth, Value: 1.5, Start: 2023, End: 2045},
		{Type: forecast.LeverNotCouncilFunded, Value: 0.4, Low: ptr(0.3), High: ptr(0.5), Start: 2026, End: 2030, Areas: []string{yorks}},
	}}
}

// closeTo compares sums: relative 1e-9, or absolutely 1e-6 of scale for values near zero.
func closeTo(got, want, scale float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(math.Abs(want), 1e-3*scale)+1e-9
}

// TestDistrictsSumToAreas: every cell (every measure, sex, band and year, the drivers too) of
// every council is the sum of its districts', every region's the sum of its councils' and
// England's the sum of the regions'. The supply gaps are the exception one level down: supply
// (CQC beds) is given by council, so a county's districts have no gap and the county's is its
// need minus its own beds; regions' and England's gaps are sums of their councils'.
func TestDistrictsSumToAreas(t *testing.T) {
	_, in, e := realData(t)
	sc := everyLever()
	sc.Districts = true
	sc.Costs = forecast.CostSpec{Terms: "cash", Inflation: 2}
	r := run(t, e, sc)
	keys, vals := areaVectors(r)
	scale := make([]float64, len(keys))
	for i := range keys {
		scale[i] = math.Abs(vals[england][i])
	}
	gapCells := 0
	for _, k := range keys {
		if strings.HasSuffix(k.measure, "_gap") {
			gapCells++
		}
	}
	// Residential, nursing and whole-market care-home beds, 2022 to 2045 (24 years); the data
	// has no home-care hours or staff supply.
	if years := forecast.DefaultHorizon - forecast.DefaultBaseYear + 1; gapCells != 3*years {
		t.Errorf("England has %d supply gap cells, want the 3 bed gaps × %d years", gapCells, years)
	}
	check := func(parent string, children []string) {
		t.Helper()
		sum := make([]float64, len(keys))
		for _, c := range children {
			v := vals[c]
			if v == nil {
				t.Fatalf("%s is not in the result", c)
			}
			for i := range sum {
				sum[i] += v[i]
			}
		}
		bad := 0
		for i, k := range keys {
			if math.IsNaN(sum[i]) && strings.HasSuffix(k.measure, "_gap") && !math.IsNaN(vals[parent][i]) {
				continue // districts of a county: no supply of their own
			}
			if !closeTo(vals[parent][i], sum[i], scale[i]) {
				if bad++; bad <= 3 {
					t.Errorf("%s %d %s %s %s = %v, Σ of %d areas under it = %v", parent, k.year, k.measure, k.sex, k.band, vals[parent][i], len(children), sum[i])
				}
			}
		}
	}
	regions := map[string][]string{}
	var regionCodes []string
	councils := 0
	for _, a := range in.Areas {
		if a.ValidTo != "" {
			continue
		}
		switch {
		case a.IsCouncil():
			councils++
			check(a.Code, e.DistrictsUnder(a.Code))
			regions[a.Region] = append(regions[a.Region], a.Code)
		case a.Type == "region":
			regionCodes = append(regionCodes, a.Code)
		}
	}
	for reg, cs := range regions {
		check(reg, cs)
	}
	check(england, regionCodes)
	if councils < 150 || len(regionCodes) != 9 || len(keys) < 25*150 {
		t.Errorf("%d councils, %d regions, %d cells an area", councils, len(regionCodes), len(keys))
	}
}

// TestDriversAddUp: for every area, year and driver target, the parts (demography, each lever,
// prices in cash terms) add up to value(year) − value(base year), in real and in cash terms.
func TestDriversAddUp(t *testing.T) {
	_, _, e := realData(t)
	for _, terms := range []string{"real", "cash"} {
		sc := everyLever()
		sc.Costs = forecast.CostSpec{Terms: terms, Inflation: 2.5}
		r := run(t, e, sc)
		// Rows come area by area and year by year, each year's measures before its drivers: keep
		// the current year's values of the targets and the base year's.
		type target struct{ measure, band string }
		var (
			curArea          string
			curYear          int
			now, base, sums  map[target]float64
			parts            = map[string]bool{}
			targets          = map[string]bool{}
			checked, nonzero int
			moved            = map[string]bool{}
		)
		flush := func() {
			for tg, sum := range sums {
				n, okN := now[tg]
				b, okB := base[tg]
				if !okN || !okB {
					t.Fatalf("%s %s %d: no %v row", terms, curArea, curYear, tg)
				}
				checked++
				if !closeTo(sum, n-b, math.Abs(n)) {
					t.Errorf("%s %s %d %v: Σ drivers %v, change %v", terms, curArea, curYear, tg, sum, n-b)
				}
			}
		}
		for row := range r.Rows() {
			if row.AreaCode != curArea || row.Year != curYear {
				flush()
				if row.AreaCode != curArea {
					base = map[target]float64{}
				}
				curArea, curYear = row.AreaCode, row.Year
				now, sums = map[target]float64{}, map[target]float64{}
			}
			if !isDriver(row.Measure) {
				if row.Sex == "all" {
					now[target{row.Measure, row.AgeBand}] = row.Mean
					if row.Year == r.Years[0] {
						base[target{row.Measure, row.AgeBand}] = row.Mean
					}
				}
				continue
			}
			i := strings.LastIndexByte(row.Measure, '.')
			m, part := strings.TrimPrefix(row.Measure[:i], "driver."), row.Measure[i+1:]
			parts[part], targets[m] = true, true
			sums[target{m, row.AgeBand}] += row.Mean
			if row.AreaCode == england && math.Abs(row.Mean) > 1e-6 {
				moved[part] = true
			}
			if row.AreaCode == sheffield && part == "3_mortality_improvement" && row.Mean != 0 {
				nonzero++
			}
		}
		flush()
		// demography, 12 levers, the data's use-rate trends, and prices in cash terms.
		if want := 14 + map[string]int{"real": 0, "cash": 1}[terms]; len(parts) != want {
			t.Errorf("%s: %d driver parts %v, want %d", terms, len(parts), parts, want)
		}
		if terms == "cash" && !parts["prices"] {
			t.Errorf("cash terms without a prices part: %v", parts)
		}
		// population, 7 need measures, 6 services, 2 bed counts, hours, FTE, cost, whole-market beds.
		if len(targets) != 20 {
			t.Errorf("%s: %d driver targets: %v", terms, len(targets), targets)
		}
		if checked != len(r.Areas)*len(r.Years)*len(targets) {
			t.Errorf("%s: %d sums checked for %d areas × %d years × %d targets", terms, checked, len(r.Areas), len(r.Years), len(targets))
		}
		// Every lever moves England somewhere; Lancashire's mortality lever never moves Sheffield.
		for part := range parts {
			if !moved[part] {
				t.Errorf("%s: driver %s is zero for England in every year", terms, part)
			}
		}
		if nonzero > 0 {
			t.Errorf("%s: Lancashire's mortality lever moved %d of Sheffield's cells", terms, nonzero)
		}
	}
}

// TestDriversGroupOrder: the parts are named in the order they are switched on: demography,
// population levers, prevalence levers, service levers, unit costs, the data's use-rate trends,
// prices.
func TestDriversGroupOrder(t *testing.T) {
	_, _, e := realData(t)
	sc := everyLever()
	sc.Areas = []string{sheffield}
	sc.Horizon = 2030
	sc.Costs = forecast.CostSpec{Terms: "cash", Inflation: 2}
	r := run(t, e, sc)
	var got []string
	for row := range r.Rows() {
		if row.Year == 2030 && strings.HasPrefix(row.Measure, "driver.cost.total.") {
			got = append(got, strings.TrimPrefix(row.Measure, "driver.cost.total."))
		}
	}
	want := []string{"demography", "3_mortality_improvement", "4_migration", "5_dwellings", "6_dwellings", "1_prevalence_trend_dementia",
		"2_morbidity_compression", "7_service_trend_home_care", "8_shift_residential_to_home_care", "9_admission_avoidance",
		"10_eligibility_change", "12_not_council_funded_share", "11_unit_cost_growth", forecast.DriverUseTrend, "prices"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("driver parts\n got %v\nwant %v", got, want)
	}
}
