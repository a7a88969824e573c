package forecast

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// catalog is a small Catalog: England, a region, a council in force and one that ended.
type catalog struct{}

func (catalog) Area(code string) *AreaInfo {
	switch code {
	case "E92000001":
		return &AreaInfo{Code: code, Name: "England", Type: "country"}
	case "E12000003":
		return &AreaInfo{Code: code, Name: "Yorkshire and The Humber", Type: "region", Parent: "E92000001"}
	case "E08000019":
		return &AreaInfo{Code: code, Name: "Sheffield", Type: "metropolitan_district", Parent: "E12000003"}
	case "E10000002":
		return &AreaInfo{Code: code, Name: "Buckinghamshire", Type: "county", ValidTo: "2020-03-31", Successor: "E06000060"}
	}
	return nil
}
func (catalog) BaseYears() []int  { return []int{2011, 2020, 2021, 2022} }
func (catalog) LastRateYear() int { return 2050 }
func (catalog) PrevalenceMeasures() map[string][]int {
	return map[string][]int{"dementia": {2011}, "adl_need_help": {2014, 2021}}
}

func f(v float64) *float64 { return &v }

// TestScenarioCheck: Check lists every problem with its JSON path, in document order.
func TestScenarioCheck(t *testing.T) {
	lever := func(mod func(l *LeverSpec)) Scenario {
		l := LeverSpec{Type: LeverEligibility, Value: -5, Start: 2025, End: 2030}
		mod(&l)
		return Scenario{Name: "x", Levers: []LeverSpec{l}}
	}
	for _, tc := range []struct {
		name string
		sc   Scenario
		want []string // "path: part of the message"
	}{
		{"valid", Scenario{Name: "baseline", Areas: []string{"E08000019", "E12000003", "E92000001"}}, nil},
		{"every lever type valid", Scenario{Name: "x", Levers: []LeverSpec{
			{Type: LeverPrevalenceTrend, Measure: "dementia", Value: -1, Low: f(-2), High: f(0), Start: 2023, End: 2030},
			{Type: LeverMorbidityCompression, Value: 0.5, Start: 2023, End: 2030, Profile: "front_loaded"},
			{Type: LeverMortalityImprovement, Value: -1, Start: 2023, End: 2030},
			{Type: LeverMigration, Value: -100, Start: 2023, End: 2030},
			{Type: LeverDwellings, Value: 400, Start: 2023, End: 2030, Areas: []string{"E08000019"}},
			{Type: LeverServiceTrend, Service: "meals", Value: 1, Start: 2023, End: 2023, Profile: "step"},
			{Type: LeverShiftToHomeCare, Value: 100, Start: 2023, End: 2030},
			{Type: LeverAdmissionAvoidance, Value: 0, Start: 2023, End: 2030},
			{Type: LeverEligibility, Value: -100, Start: 2023, End: 2030},
			{Type: LeverUnitCostGrowth, Value: 2, Start: 2023, End: 2045, Profile: "back_loaded"},
		}}, nil},
		{"schema version", Scenario{Name: "x", SchemaVersion: 2}, []string{"schema_version: this build reads version 1, not 2"}},
		{"blank name", Scenario{Name: "  "}, []string{"name: a scenario needs a name"}},
		{"base year", Scenario{Name: "x", BaseYear: 2019, Horizon: 2030}, []string{"base_year: 2019 has no single-year estimate"}},
		{"horizon before base", Scenario{Name: "x", Horizon: 2022}, []string{"horizon: the horizon 2022 must come after the base year 2022"}},
		{"horizon past rates", Scenario{Name: "x", Horizon: 2052}, []string{"horizon: the national assumptions run only to 2051"}},
		{"areas", Scenario{Name: "x", Areas: []string{"E08000019", "W06000001", "E06999999", "E10000002"}}, []string{
			`areas[1]: "W06000001" is not an English GSS area code`,
			"areas[2]: area E06999999 is not in the areas table",
			"areas[3]: area E10000002 (Buckinghamshire) ended on 2020-03-31; use E06000060"}},
		{"supply", Scenario{Name: "x", Capacity: CapacitySpec{Supply: []SupplySpec{
			{Area: "E08000019", Service: "residential", Capacity: 1500},
			{Area: "E08000019", Service: "meals", Capacity: 1},
			{Area: "E12000003", Service: "nursing", Capacity: 1},
			{Area: "E08000019", Service: "home_care", Capacity: -1},
			{Area: "E08000019", Service: "residential", Capacity: 1},
		}}}, []string{
			`capacity.supply[1].service: supply of "meals" cannot be set`,
			`capacity.supply[2].area: "E12000003" is not a council`,
			"capacity.supply[3].capacity: must be a finite number, 0 or more",
			"capacity.supply[4]: the supply of residential in E08000019 is set twice"}},
		{"use trend", Scenario{Name: "x", Services: ServicesSpec{UseTrend: "sometimes"}}, []string{`services.use_trend: must be "history" or "none"`}},
		{"population source", Scenario{Name: "x", Population: PopulationSpec{Source: "census"}}, []string{`population.source: "census" is not cohort or supplied`}},
		{"population variant", Scenario{Name: "x", Population: PopulationSpec{Source: "supplied", Variant: "high"}}, []string{"population.variant: only the principal"}},
		{"prevalence", Scenario{Name: "x", Prevalence: []PrevalenceSpec{{Measure: "adl_need_help", EvidenceYear: 2014}, {Measure: "falls"}, {Measure: "dementia", EvidenceYear: 2020}}}, []string{
			`prevalence[1].measure: unknown measure "falls"; the data has adl_need_help, dementia`,
			"prevalence[2].evidence_year: dementia has evidence from [2011], not 2020"}},
		{"need measure", Scenario{Name: "x", Services: ServicesSpec{NeedMeasure: "falls"}}, []string{`services.need_measure: unknown measure "falls"`}},
		{"need measure per head", Scenario{Name: "x", Services: ServicesSpec{NeedMeasure: "falls", PerHead: true}}, nil},
		{"service drivers", Scenario{Name: "x", Services: ServicesSpec{Drivers: []ServiceDriver{
			{Service: "respite", Measure: "dementia", Share: 0.5},
			{Service: "home_care", Measure: "falls", Share: 0.5},
			{Service: "nursing", Measure: "dementia", Share: 0.8}, {Service: "nursing", Measure: "adl_need_help", Share: 0.4},
			{Service: "meals", Measure: "dementia", Share: math.NaN()},
		}}}, []string{
			`services.drivers[0].service: unknown service "respite"; want one of residential, nursing, home_care, direct_payments, day_care, meals`,
			`services.drivers[1].measure: unknown measure "falls"; the data has adl_need_help, dementia`,
			"services.drivers[4].share: share NaN is not between 0 and 1",
			"services.drivers: the shares of nursing add to 1.2, more than 1"}},
		{"service drivers valid", Scenario{Name: "x", Services: ServicesSpec{Drivers: []ServiceDriver{{Service: "nursing", Measure: "dementia", Share: 0.5}}}}, nil},
		{"quantiles order", Scenario{Name: "x", Uncertainty: UncertaintySpec{Quantiles: []float64{0.5, 0.1, 0.9}}}, []string{"uncertainty.quantiles: want three increasing"}},
		{"quantiles bounds", Scenario{Name: "x", Uncertainty: UncertaintySpec{Quantiles: []float64{0, 0.5, 1}}}, []string{"uncertainty.quantiles: want three increasing"}},
		{"quantiles count", Scenario{Name: "x", Uncertainty: UncertaintySpec{Quantiles: []float64{0.1, 0.9}}}, []string{"uncertainty.quantiles: want three increasing"}},
		{"unit cost", Scenario{Name: "x", Costs: CostSpec{UnitCosts: []UnitCostSpec{{Service: "nursing", Cost: 1000}, {Service: "respite", Cost: 10}}}}, []string{
			`costs.unit_costs[1].service: unknown service "respite"`}},
		{"lever window", lever(func(l *LeverSpec) { l.Start, l.End = 2030, 2025 }), []string{"levers[0].end: end 2025 is before start 2030"}},
		{"lever in base year", lever(func(l *LeverSpec) { l.Start = 2022 }), []string{"levers[0].start: a lever must start after the base year 2022"}},
		{"lever after horizon", lever(func(l *LeverSpec) { l.Start, l.End = 2046, 2047 }), []string{"levers[0].start: start 2046 is after the horizon 2045"}},
		{"lever profile", lever(func(l *LeverSpec) { l.Profile = "s-curve" }), []string{`levers[0].profile: profile "s-curve"`}},
		{"lever value", lever(func(l *LeverSpec) { l.Value = math.NaN() }), []string{"levers[0].value: not a finite number"}},
		{"lever low only", lever(func(l *LeverSpec) { l.Low = f(-6) }), []string{"levers[0].low: give both low and high, or neither"}},
		{"lever high only", lever(func(l *LeverSpec) { l.Type, l.Value, l.High = LeverShiftToHomeCare, 5, f(6) }), []string{"levers[0].low: give both low and high, or neither"}},
		{"lever infinite", lever(func(l *LeverSpec) { l.Low, l.High = f(-6), f(math.Inf(1)) }), []string{"levers[0].low: the 80% interval [-6, +Inf] must be finite"}},
		{"lever interval", lever(func(l *LeverSpec) { l.Low, l.High = f(-4), f(0) }), []string{"levers[0].low: the 80% interval [-4, 0] must contain the value -5"}},
		{"prevalence trend", lever(func(l *LeverSpec) { l.Type, l.Measure, l.Value = LeverPrevalenceTrend, "falls", -100 }), []string{
			"levers[0].measure: prevalence_trend needs a known measure, one of adl_need_help, dementia",
			"levers[0].value: must be within -20..20 (% a year); got -"}},
		{"compression", lever(func(l *LeverSpec) { l.Type, l.Value, l.Low, l.High = LeverMorbidityCompression, 0.5, f(0.2), f(1.2) }), []string{
			"levers[0].value: must be within 0..1 (a share of the life-expectancy gain)"}},
		{"mortality", lever(func(l *LeverSpec) { l.Type, l.Value = LeverMortalityImprovement, -100 }), []string{"levers[0].value: must be within -20..20 (% a year); got -"}},
		{"migration", lever(func(l *LeverSpec) { l.Type, l.Value = LeverMigration, -101 }), []string{"levers[0].value: must be within -100..500 (% change in net migration"}},
		{"dwellings", lever(func(l *LeverSpec) { l.Type, l.Value = LeverDwellings, 0 }), []string{"levers[0].value: must be above 0 and at most 1000000 (homes"}},
		{"service trend", lever(func(l *LeverSpec) { l.Type, l.Service = LeverServiceTrend, "" }), []string{"levers[0].service: service_trend needs a service"}},
		{"service trend unknown", lever(func(l *LeverSpec) { l.Type, l.Service = LeverServiceTrend, "respite" }), []string{
			`levers[0].service: service_trend needs a service, one of day_care, direct_payments, home_care, meals, nursing, residential, not "respite"`}},
		{"shift", lever(func(l *LeverSpec) { l.Type, l.Value = LeverShiftToHomeCare, 101 }), []string{"levers[0].value: must be within 0..100 (%"}},
		{"avoidance", lever(func(l *LeverSpec) { l.Type, l.Value = LeverAdmissionAvoidance, -1 }), []string{"levers[0].value: must be within 0..100 (%"}},
		{"unit cost growth", lever(func(l *LeverSpec) { l.Type, l.Value = LeverUnitCostGrowth, -150 }), []string{"levers[0].value: must be within -20..20 (% a year, in real terms); got -150"}},
		{"not council funded share", lever(func(l *LeverSpec) { l.Type, l.Value = LeverNotCouncilFunded, 30 }), []string{"levers[0].value: must be within 0..0.95 (a share of all care-home residents; at 0.95 those not funded by their council are 19 times the council's); got 30"}},
		{"unknown type", lever(func(l *LeverSpec) { l.Type = "magic" }), []string{`levers[0].type: unknown lever type "magic"`}},
		{"lever areas", lever(func(l *LeverSpec) { l.Areas = []string{"E08000019", "E10000002"} }), []string{"levers[0].areas[1]: area E10000002 (Buckinghamshire) ended"}},
		{"everything at once", Scenario{SchemaVersion: 3, BaseYear: 2018, Horizon: 2017, Areas: []string{"nope"},
			Levers: []LeverSpec{{Type: LeverEligibility, Value: 1, Start: 2030, End: 2030}, {Type: LeverShiftToHomeCare, Value: 120, Start: 2016, End: 2012, Profile: "x"}}}, []string{
			"schema_version:", "name:", "base_year:", "horizon:", "areas[0]:", "levers[0].start: start 2030 is after the horizon 2017",
			"levers[1].end:", "levers[1].start: a lever must start after the base year 2018", "levers[1].profile:", "levers[1].value: must be within 0..100 (% of residential residents); got 120"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := tc.sc.WithDefaults()
			err := sc.Check(catalog{})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var se ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a ScenarioError", err)
			}
			if len(se) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(se), len(tc.want), err)
			}
			for i, w := range tc.want {
				got := se[i].Path + ": " + se[i].Message
				if !strings.HasPrefix(got, w) {
					t.Errorf("problem %d:\n got %q\nwant %q…", i, got, w)
				}
				if se[i].Location() != se[i].Path {
					t.Errorf("Location %q, Path %q", se[i].Location(), se[i].Path)
				}
			}
			if n := len(se.Unwrap()); n != len(se) || !strings.HasPrefix(err.Error(), "invalid scenario: ") {
				t.Errorf("%d unwrapped of %d; message %q", n, len(se), err)
			}
		})
	}
}

func TestResolveDrivers(t *testing.T) {
	s := ServicesSpec{NeedMeasure: "adl_need_help"}
	got := s.ResolveDrivers([]ServiceDriver{
		{Service: "nursing", Measure: "dementia", Share: 0.25}, {Service: "nursing", Measure: "dementia", Share: 0.25},
		{Service: "meals", Measure: "adl_need_help", Share: 0.5}, {Service: "home_care", Measure: "dementia", Share: 1},
	})
	want := map[string][]ServiceDriver{
		"residential": {{"residential", "adl_need_help", 1}},
		"nursing":     {{"nursing", "dementia", 0.5}, {"nursing", "adl_need_help", 0.5}}, // merged, the rest to need
		"home_care":   {{"home_care", "dementia", 1}},
		"meals":       {{"meals", "adl_need_help", 1}}, // the rest joins the same measure
	}
	for i, name := range ServiceNames {
		if w, ok := want[name]; ok && !slices.Equal(got[i], w) {
			t.Errorf("%s: %+v, want %+v", name, got[i], w)
		}
	}
	// The default: care homes 70/30, home care 60/40, the rest need alone; shares add to 1.
	for i, ds := range s.ResolveDrivers(DefaultServiceDrivers(s.NeedMeasure)) {
		total := 0.0
		for _, d := range ds {
			total += d.Share
		}
		if math.Abs(total-1) > 1e-12 {
			t.Errorf("%s: default shares add to %v", ServiceNames[i], total)
		}
	}
}

// variantCatalog is catalog with the projection variants a council uploaded.
type variantCatalog struct{ catalog }

func (variantCatalog) ProjectionVariants() []string { return []string{"council", "principal"} }

// TestScenarioVariant: a Catalog that lists its projection variants accepts any of them.
func TestScenarioVariant(t *testing.T) {
	for _, c := range []struct {
		variant, want string
	}{
		{"council", ""},
		{"", ""}, // principal
		{"high", `population.variant: the data has no "high" projection; it has council, principal`},
	} {
		sc := Scenario{Name: "x", Population: PopulationSpec{Source: "supplied", Variant: c.variant}}.WithDefaults()
		err := sc.Check(variantCatalog{})
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("variant %q: got %v, want %q", c.variant, err, c.want)
		}
	}
}
