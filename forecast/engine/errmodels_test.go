package engine_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// withErrorModels builds an engine on the default data whose Monte Carlo uses the error models
// fitted on carecast's back-tests.
func withErrorModels(t *testing.T) *engine.Engine {
	b, in, _ := realData(t)
	in2 := *in
	rep, svc, err := datasets.RunBacktests(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	em, err := datasets.ErrorModels(rep, svc)
	if err != nil {
		t.Fatal(err)
	}
	in2.Uncertainty = func() (*engine.ErrorModels, error) { return em, nil }
	e, err := engine.New(&in2)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func spread(t *testing.T, r *engine.Result, area string, year int, measure, band string) (lo, mid, hi float64) {
	t.Helper()
	for row := range r.Rows() {
		if row.AreaCode == area && row.Year == year && row.Measure == measure && row.Sex == "all" && row.AgeBand == band {
			return row.P10, row.P50, row.P90
		}
	}
	t.Fatalf("no %s %s %d %s", area, measure, year, band)
	return
}

// TestErrorModelsWidenWithHorizon: with the back-tests' error models, population and service
// ranges are centred on the deterministic run and widen with the horizon, as the back-tests
// measured; and the same seed still gives the same numbers whatever the workers.
func TestErrorModelsWidenWithHorizon(t *testing.T) {
	e := withErrorModels(t)
	sc := forecast.Scenario{Name: "ranges", Areas: []string{"E06000001"}, Horizon: 2035, Uncertainty: forecast.UncertaintySpec{Draws: 300, Seed: 7}}
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true, Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	det, err := e.Run(context.Background(), forecast.Scenario{Name: "det", Areas: []string{"E06000001"}, Horizon: 2035}, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ measure, band string }{{"population", "85+"}, {"service.home_care", "65+"}} {
		lo25, mid25, hi25 := spread(t, r, "E06000001", 2025, m.measure, m.band)
		lo35, _, hi35 := spread(t, r, "E06000001", 2035, m.measure, m.band)
		central, _ := det.Value("E06000001", 2025, m.measure, "all", m.band)
		if !(lo25 < central && central < hi25) || !(lo25 < mid25 && mid25 < hi25) {
			t.Errorf("%s 2025: [%v %v %v] does not hold the central %v", m.measure, lo25, mid25, hi25, central)
		}
		if (hi35-lo35)/(hi25-lo25) < 1.3 {
			t.Errorf("%s: the 80%% range should widen with the horizon: 2025 %v, 2035 %v", m.measure, hi25-lo25, hi35-lo35)
		}
	}
	// Population error is 0 in the base year: the estimate itself.
	lo, _, hi := spread(t, r, "E06000001", 2022, "population", "all")
	if lo != hi {
		t.Errorf("base-year population has a range [%v, %v]", lo, hi)
	}
	r1, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true, Workers: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := collect(r), collect(r1)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d differs between 1 and 2 workers: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// TestDrawStreamsIndependent: adding a lever leaves every other input's draws as they were, so
// a scenario's ranges compare with its baseline's draw for draw.
func TestDrawStreamsIndependent(t *testing.T) {
	_, _, e := realData(t)
	base := forecast.Scenario{Name: "b", Areas: []string{"E08000019"}, Horizon: 2030, Uncertainty: forecast.UncertaintySpec{Draws: 100, Seed: 3}}
	lo, hi := 5.0, 15.0
	with := base
	with.Levers = []forecast.LeverSpec{{Type: forecast.LeverShiftToHomeCare, Value: 10, Low: &lo, High: &hi, Start: 2025, End: 2030}}
	r0, err := e.Run(context.Background(), base, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := e.Run(context.Background(), with, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l0, m0, h0 := spread(t, r0, "E08000019", 2030, "need.dementia", "65+")
	l1, m1, h1 := spread(t, r1, "E08000019", 2030, "need.dementia", "65+")
	if l0 != l1 || m0 != m1 || h0 != h1 {
		t.Fatalf("dementia's range moved with an unrelated lever: [%v %v %v] vs [%v %v %v]", l0, m0, h0, l1, m1, h1)
	}
}

func collect(r *engine.Result) []forecast.ResultRow {
	var out []forecast.ResultRow
	for row := range r.Rows() {
		out = append(out, row)
	}
	return out
}

// TestSupplyGapsAndUnitCosts: with supply and unit costs in the data (none ship by default),
// the gap is what is needed minus what is in place, only where supply is given, and a council's
// own unit cost replaces the illustrative default for it alone; a unit cost set in the scenario
// wins over both.
func TestSupplyGapsAndUnitCosts(t *testing.T) {
	_, in, _ := realData(t)
	in2 := *in
	in2.Supply = []engine.SupplyRow{{Area: "E08000019", Service: "residential", Unit: "beds", Year: 2021, Capacity: 2000}}
	in2.UnitCosts = []engine.UnitCost{{Area: "E08000019", Service: "residential", Unit: "week", PriceBase: "2022-23", Year: 2022, Cost: 700}}
	e, err := engine.New(&in2)
	if err != nil {
		t.Fatal(err)
	}
	sc := forecast.Scenario{Name: "gaps", Areas: []string{"E08000019", "E08000016", "E12000003"}, Horizon: 2030}
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	beds, _ := r.Value("E08000019", 2030, "capacity.residential_beds", "all", "18+")
	gap, ok := r.Value("E08000019", 2030, "capacity.residential_beds_gap", "all", "18+")
	if !ok || gap != beds-2000 {
		t.Fatalf("Sheffield 2030: beds %v, gap %v (ok %v), want beds − 2000", beds, gap, ok)
	}
	for row := range r.Rows() {
		if row.Measure == "capacity.residential_beds_gap" && row.AreaCode != "E08000019" {
			t.Fatalf("a gap for %s, which has no supply: %+v", row.AreaCode, row)
		}
	}
	res, _ := r.Value("E08000019", 2030, "service.residential", "all", "18+")
	cost, _ := r.Value("E08000019", 2030, "cost.residential", "all", "18+")
	if want := res * 52 * 700; math.Abs(cost-want) > 1e-6*want {
		t.Fatalf("Sheffield residential cost %v, want residents × 52 × £700 = %v", cost, want)
	}
	resB, _ := r.Value("E08000016", 2030, "service.residential", "all", "18+")
	costB, _ := r.Value("E08000016", 2030, "cost.residential", "all", "18+")
	if want := resB * 52 * forecast.DefaultUnitCosts["residential"].Cost; math.Abs(costB-want) > 1e-6*want {
		t.Fatalf("Barnsley residential cost %v, want the default %v", costB, want)
	}
	sc.Costs.UnitCosts = []forecast.UnitCostSpec{{Service: "residential", Cost: 900}}
	r, err = e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cost, _ = r.Value("E08000019", 2030, "cost.residential", "all", "18+")
	if want := res * 52 * 900; math.Abs(cost-want) > 1e-6*want {
		t.Fatalf("the scenario's unit cost should win: %v, want %v", cost, want)
	}
}

// TestVariantWeights: with variant weights, each Monte Carlo draw takes its population from one
// variant, chosen by weight; the central projection stays the scenario's variant. Weights 1 and
// 3 for low and high migration put about a quarter of 1,000 draws on the low variant, so
// Hartlepool's 2040 population has the low variant's value at P10 and the high one's at P50 and
// P90, and a mean three quarters of the way up (within sampling error, ±5% of the gap).
func TestVariantWeights(t *testing.T) {
	_, _, e := realData(t)
	value := func(variant string) float64 {
		sc := forecast.Scenario{Name: "v", Areas: []string{"E06000001"}, Horizon: 2040, Population: forecast.PopulationSpec{Source: "supplied", Variant: variant}}
		r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := r.Value("E06000001", 2040, "population", "all", "all")
		return v
	}
	lo, hi, principal := value("low_migration"), value("high_migration"), value("principal")
	if !(lo < principal && principal < hi) {
		t.Fatalf("Hartlepool 2040: low migration %v, principal %v, high %v", lo, principal, hi)
	}
	sc := forecast.Scenario{Name: "weighted", Areas: []string{"E06000001"}, Horizon: 2040, Uncertainty: forecast.UncertaintySpec{Draws: 1000, Seed: 7},
		Population: forecast.PopulationSpec{Source: "supplied", VariantWeights: []forecast.VariantWeight{{Variant: "low_migration", Weight: 1}, {Variant: "high_migration", Weight: 3}}}}
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var row forecast.ResultRow
	for x := range r.Rows() {
		if x.AreaCode == "E06000001" && x.Year == 2040 && x.Measure == "population" && x.Sex == "all" && x.AgeBand == "all" {
			row = x
		}
	}
	if math.Abs(row.P10-lo) > 1e-6 || math.Abs(row.P50-hi) > 1e-6 || math.Abs(row.P90-hi) > 1e-6 {
		t.Errorf("P10 %v P50 %v P90 %v, want %v, %v, %v", row.P10, row.P50, row.P90, lo, hi, hi)
	}
	if share := (row.Mean - lo) / (hi - lo); math.Abs(share-0.75) > 0.05 {
		t.Errorf("mean %v is %.3f of the way from low to high, want 0.75", row.Mean, share)
	}
	// Without draws the projection is the scenario's variant, the principal.
	det := sc
	det.Uncertainty.Draws = 0
	rd, err := e.Run(context.Background(), det, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := rd.Value("E06000001", 2040, "population", "all", "all"); c != principal {
		t.Errorf("deterministic %v, principal %v", c, principal)
	}
	// A variant not in the data, and weights without the supplied source, are refused.
	sc.Population.VariantWeights[1].Variant = "nope"
	if _, err := e.Run(context.Background(), sc, engine.RunOptions{}, nil); err == nil || !strings.Contains(err.Error(), `population.variant_weights[1].variant: the data has no "nope" projection`) {
		t.Errorf("got %v", err)
	}
	sc.Population = forecast.PopulationSpec{VariantWeights: []forecast.VariantWeight{{Variant: "principal", Weight: 1}}}
	if _, err := e.Run(context.Background(), sc, engine.RunOptions{}, nil); err == nil || !strings.Contains(err.Error(), "variant weights need the supplied population source") {
		t.Errorf("got %v", err)
	}
}

// TestSuppliedPopulation: a supplied projection is used as it is. The principal is ONS's
// 2018-based SNPP, read on first use: Hartlepool in 2030 is 93,653 people, 22,272 of them 65+
// (the published figures, PROVENANCE of the raw data §9). A Strategy Unit variant is another
// file, also read on first use; ONS's 2016-based SNPP for Hartlepool is variant "snpp2016"
// (the three districts published by single year) and equals the bundle's rows. A district or
// year a projection does not cover is refused with its name, as are population levers.
func TestSuppliedPopulation(t *testing.T) {
	b, _, e := realData(t)
	sc := forecast.Scenario{Name: "snpp", Areas: []string{"E06000001"}, Horizon: 2030, Population: forecast.PopulationSpec{Source: "supplied"}}
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Value("E06000001", 2030, "population", "all", "all"); got != 93653 {
		t.Errorf("Hartlepool 2030 on the SNPP 2018 principal: %v, ONS 93,653", got)
	}
	if got, _ := r.Value("E06000001", 2030, "population", "all", "65+"); got != 22272 {
		t.Errorf("Hartlepool 65+ 2030 on the SNPP 2018 principal: %v, ONS 22,272", got)
	}
	sc.Population.Variant = "high_migration"
	hi, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := hi.Value("E06000001", 2030, "population", "all", "all"); got <= 93653 || got > 93653*1.05 {
		t.Errorf("Hartlepool 2030 on the high migration variant: %v, want a little above the principal's 93,653", got)
	}
	sc.Population.Variant, sc.Horizon = "snpp2016", 2029
	r, err = e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, p := range b.Population {
		if p.AreaCode == "E06000001" && p.Kind == "projection" && p.Variant == "snpp2016" && p.Year == 2029 {
			want += p.Count
		}
	}
	got, _ := r.Value("E06000001", 2029, "population", "all", "all")
	if math.Abs(got-want) > 1e-6 || want == 0 {
		t.Fatalf("Hartlepool 2029: %v, SNPP 2016 says %v", got, want)
	}
	sc.Areas = []string{"E06000002"}
	if _, err := e.Run(context.Background(), sc, engine.RunOptions{}, nil); err == nil || !strings.Contains(err.Error(), "E06000002 (Middlesbrough) has no snpp2016 projection") {
		t.Fatalf("want a coverage error naming Middlesbrough, got %v", err)
	}
	sc.Population.Variant, sc.Horizon = "principal", 2045
	if _, err := e.Run(context.Background(), sc, engine.RunOptions{}, nil); err == nil || !strings.Contains(err.Error(), "has no principal projection for 2044") {
		t.Fatalf("want a coverage error for 2044, past the SNPP 2018's 2043, got %v", err)
	}
	sc.Population.Variant, sc.Horizon = "snpp2016", 2029
	sc.Areas = []string{"E06000001"}
	sc.Levers = []forecast.LeverSpec{{Type: forecast.LeverMigration, Value: -10, Start: 2025, End: 2025}}
	if _, err := e.Run(context.Background(), sc, engine.RunOptions{}, nil); err == nil || !strings.Contains(err.Error(), "levers[0].type") {
		t.Fatalf("want a lever error, got %v", err)
	}
}
