package datasets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

const (
	sheffield = "E08000019"
	leeds     = "E08000035"
	england   = "E92000001"
)

func defaultBundle(t testing.TB) *datasets.Bundle {
	t.Helper()
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func csvBytes[T datasets.Record](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := datasets.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parquetBytes[T datasets.Record](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := datasets.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// councilProjection is a projection of Sheffield, variant variant, for years from..to: its
// mid-2021 estimate (the default data's) times factor in every year.
func councilProjection(t testing.TB, b *datasets.Bundle, variant string, factor float64, from, to int32) []datasets.Population {
	t.Helper()
	var rows []datasets.Population
	for y := from; y <= to; y++ {
		for _, r := range b.Population {
			if r.AreaCode == sheffield && r.Kind == "estimate" && r.Year == 2021 {
				r.Year, r.Kind, r.Variant, r.Count, r.Source = y, "projection", variant, r.Count*factor, "Sheffield City Council test projection"
				rows = append(rows, r)
			}
		}
	}
	if len(rows) != int(to-from+1)*2*91 {
		t.Fatalf("built %d rows", len(rows))
	}
	return rows
}

func with(t testing.TB, b *datasets.Bundle, k datasets.Kind, file []byte, name string) *datasets.Bundle {
	t.Helper()
	nb, err := b.With(k, file, datasets.ReadOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func coverageError(t *testing.T, err error) *datasets.CoverageError {
	t.Helper()
	var ce *datasets.CoverageError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *CoverageError, got %v", err)
	}
	return ce
}

func wantCovers(t *testing.T, b *datasets.Bundle, k datasets.Kind, need datasets.Coverage, msg string) {
	t.Helper()
	err := datasets.Covers(b, k, need)
	if msg == "" {
		if err != nil {
			t.Fatalf("Covers(%s, %+v) = %v, want nil", k, need, err)
		}
		return
	}
	coverageError(t, err)
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("Covers(%s, %+v) = %q, want it to contain %q", k, need, err, msg)
	}
}

// TestWithPopulation adds a council projection and replaces estimates, leaving the default
// bundle as it was and listing the upload in Files.
func TestWithPopulation(t *testing.T) {
	b := defaultBundle(t)
	n, files := len(b.Population), len(b.Files)
	up := councilProjection(t, b, "council", 2, 2021, 2030)
	nb := with(t, b, datasets.KindPopulation, csvBytes(t, up), "upload dst_x")
	if len(b.Population) != n || len(b.Files) != files {
		t.Fatal("With modified the bundle it was called on")
	}
	if len(nb.Population) != n+len(up) {
		t.Fatalf("got %d rows, want %d", len(nb.Population), n+len(up))
	}
	var names []string
	for _, f := range nb.Files {
		if f.Kind == datasets.KindPopulation {
			names = append(names, f.File)
			if f.File == "upload dst_x" && (f.ContentHash != datasets.ContentHash(csvBytes(t, up)) || f.Rows != len(up)) {
				t.Fatalf("upload summary %+v", f)
			}
		}
	}
	if !slices.Equal(names, []string{"population.parquet", "upload dst_x"}) {
		t.Fatalf("population files %v", names)
	}

	need := datasets.Coverage{Areas: []string{sheffield}, YearFrom: 2021, YearTo: 2030, Kind: "projection", Variant: "council"}
	wantCovers(t, nb, datasets.KindPopulation, need, "")
	need.YearTo = 2040
	wantCovers(t, nb, datasets.KindPopulation, need, "population upload dst_x has no council projection rows for E08000019 (Sheffield) in 2031–2040")
	need.Areas = []string{sheffield, leeds}
	wantCovers(t, nb, datasets.KindPopulation, need, "E08000035 (Leeds) in 2021–2040")
	wantCovers(t, b, datasets.KindPopulation, need, "population population.parquet has no council projection rows for E08000019 (Sheffield) in 2021–2040")
	// The built-in data: every district has estimates in 2011, 2020, 2021 and 2022; Sheffield's run 2001–2022.
	wantCovers(t, b, datasets.KindPopulation, datasets.Coverage{Areas: []string{sheffield}, YearFrom: 2001, YearTo: 2022, Kind: "estimate"}, "")
	wantCovers(t, b, datasets.KindPopulation, datasets.Coverage{Areas: []string{leeds}, YearFrom: 2019, YearTo: 2023, Kind: "estimate"},
		"has no estimate rows for E08000035 (Leeds) in 2019, 2023")

	// Estimates replace the built-in ones of the areas and years they cover.
	var est []datasets.Population
	for _, r := range b.Population {
		if r.AreaCode == sheffield && r.Kind == "estimate" && r.Year == 2021 {
			r.Count *= 3
			est = append(est, r)
		}
	}
	eb := with(t, b, datasets.KindPopulation, parquetBytes(t, est), "upload est")
	if len(eb.Population) != n {
		t.Fatalf("replacing estimates: %d rows, want %d", len(eb.Population), n)
	}
	total := func(b *datasets.Bundle, area string, year int32) (s float64) {
		for _, r := range b.Population {
			if r.AreaCode == area && r.Kind == "estimate" && r.Year == year {
				s += r.Count
			}
		}
		return s
	}
	if got, want := total(eb, sheffield, 2021), 3*total(b, sheffield, 2021); got != want {
		t.Fatalf("Sheffield 2021 = %v, want %v", got, want)
	}
	if got, want := total(eb, sheffield, 2020), total(b, sheffield, 2020); got != want {
		t.Fatalf("Sheffield 2020 = %v, want %v (unchanged)", got, want)
	}

	// Provenance lists both population files.
	in, err := datasets.EngineInputs(nb)
	if err != nil {
		t.Fatal(err)
	}
	prov := datasets.RunProvenance(engine.Provenance{Datasets: in.Datasets})
	if prov.DatasetHashes["population:upload dst_x"] != "sha256:"+datasets.ContentHash(csvBytes(t, up)) || prov.DatasetHashes["population"] == "" {
		t.Fatalf("dataset hashes %v", prov.DatasetHashes)
	}
}

// TestWithRefuses checks that an upload is validated against the bundle's areas, and that the
// areas table cannot be replaced.
func TestWithRefuses(t *testing.T) {
	b := defaultBundle(t)
	up := councilProjection(t, b, "council", 1, 2021, 2022)
	for i := range up[:182] {
		up[i].AreaCode = "E08999999"
	}
	_, err := b.With(datasets.KindPopulation, csvBytes(t, up), datasets.ReadOptions{Name: "upload bad"})
	ve, ok := datasets.IsValidation(err)
	if !ok || !ve.Has(datasets.RuleUnknownArea) || ve.Problems[0].Row != 1 || ve.Problems[0].Column != "area_code" || ve.Problems[0].File != "upload bad" {
		t.Fatalf("got %v", err)
	}
	if _, err := b.With(datasets.KindAreas, nil, datasets.ReadOptions{}); err == nil {
		t.Fatal("replacing the areas table was allowed")
	}
}

// unitCosts is a unit_costs upload: England's costs at forecast.DefaultUnitCosts, nursing times
// nursingFactor, for the services given.
func unitCosts(nursingFactor float64, services ...string) []datasets.UnitCost {
	var rows []datasets.UnitCost
	for _, s := range services {
		d := forecast.DefaultUnitCosts[s]
		cost := d.Cost
		if s == "nursing" {
			cost *= nursingFactor
		}
		rows = append(rows, datasets.UnitCost{AreaCode: england, Year: 2023, Service: s, Unit: d.Unit, Cost: cost, PriceBase: "2023-24", Source: "test"})
	}
	return rows
}

func TestCoversUnitCosts(t *testing.T) {
	b := defaultBundle(t)
	// The default data costs residential, nursing and home care from ASC-FR; it has no cost of
	// direct payments, day care or meals, which stay on the illustrative defaults.
	wantCovers(t, b, datasets.KindUnitCosts, datasets.Coverage{}, "unit_costs unit_costs.parquet lacks direct_payments; lacks day_care; lacks meals")
	all := with(t, b, datasets.KindUnitCosts, csvBytes(t, unitCosts(2, forecast.ServiceNames...)), "upload uc")
	wantCovers(t, all, datasets.KindUnitCosts, datasets.Coverage{Areas: []string{sheffield}}, "")
	some := with(t, b, datasets.KindUnitCosts, csvBytes(t, unitCosts(2, "residential", "home_care")), "upload uc1")
	wantCovers(t, some, datasets.KindUnitCosts, datasets.Coverage{Services: []string{"residential", "nursing"}}, "unit_costs upload uc1 lacks nursing")
	wantCovers(t, some, datasets.KindUnitCosts, datasets.Coverage{Services: []string{"residential", "home_care"}}, "")
	// A council's own costs, without England's: every council reported needs one.
	own := []datasets.UnitCost{{AreaCode: sheffield, Year: 2023, Service: "nursing", Unit: "week", Cost: 1000, PriceBase: "2023-24", Source: "test"},
		{AreaCode: sheffield, Year: 2023, Service: "residential", Unit: "day", Cost: 120, PriceBase: "2023-24", Source: "test"}}
	ob := with(t, b, datasets.KindUnitCosts, csvBytes(t, own), "upload uc2")
	wantCovers(t, ob, datasets.KindUnitCosts, datasets.Coverage{Areas: []string{sheffield}, Services: []string{"nursing"}}, "")
	wantCovers(t, ob, datasets.KindUnitCosts, datasets.Coverage{Areas: []string{sheffield, leeds}, Services: []string{"nursing"}},
		"has no nursing cost per week for E08000035 (Leeds), nor for England")
	wantCovers(t, ob, datasets.KindUnitCosts, datasets.Coverage{Areas: []string{sheffield}, Services: []string{"residential"}},
		"lacks residential per week (it has residential per day")
}

func TestCoversPrevalence(t *testing.T) {
	b := defaultBundle(t)
	need := datasets.Coverage{Measures: []string{forecast.DefaultNeedMeasure, "dementia"}, AgeFrom: 65}
	wantCovers(t, b, datasets.KindPrevalence, need, "")
	var dementia []datasets.Prevalence
	for _, r := range b.Prevalence {
		if r.Measure == "dementia" && r.AgeFrom < 90 {
			dementia = append(dementia, r)
		}
	}
	up := with(t, b, datasets.KindPrevalence, csvBytes(t, dementia), "upload prev")
	err := datasets.Covers(up, datasets.KindPrevalence, need)
	ce := coverageError(t, err)
	if ce.Dataset != "upload prev" || !slices.Contains(ce.Missing, "lacks "+forecast.DefaultNeedMeasure) ||
		!slices.Contains(ce.Missing, "has no dementia rates for women aged 90–90") {
		t.Fatalf("got %v", err)
	}
	wantCovers(t, b, datasets.KindPrevalence, datasets.Coverage{Measures: []string{"dementia"}, EvidenceYears: map[string]int{"dementia": 2019}},
		"has dementia from [2011], not 2019")
}

func TestCoversNationalRates(t *testing.T) {
	b := defaultBundle(t)
	need := datasets.Coverage{Areas: []string{sheffield}, YearFrom: 2021, YearTo: 2044}
	for _, k := range []datasets.Kind{datasets.KindMortality, datasets.KindFertility, datasets.KindMigration, datasets.KindLifeExpectancy} {
		wantCovers(t, b, k, need, "")
	}
	var mort []datasets.Mortality
	for _, r := range b.Mortality {
		if r.Year <= 2030 && (r.Year != 2025 || r.Age <= 100) {
			mort = append(mort, r)
		}
	}
	mb := with(t, b, datasets.KindMortality, csvBytes(t, mort), "upload mort")
	wantCovers(t, mb, datasets.KindMortality, need, "mortality upload mort has no qx rates for E92000001 (ENGLAND) in 2031–2044")
	wantCovers(t, mb, datasets.KindMortality, need, "2025 female stops at age 100")
	// A council's own rates are not used: the engine projects with England's.
	for i := range mort {
		mort[i].AreaCode = sheffield
	}
	sb := with(t, b, datasets.KindMortality, csvBytes(t, mort), "upload mort2")
	wantCovers(t, sb, datasets.KindMortality, need, "has no qx rates for E92000001 (ENGLAND); the engine projects with national rates")
	var fert []datasets.Fertility
	for _, r := range b.Fertility {
		if r.Year != 2030 {
			fert = append(fert, r)
		}
	}
	fb := with(t, b, datasets.KindFertility, parquetBytes(t, fert), "upload fert")
	wantCovers(t, fb, datasets.KindFertility, need, "fertility upload fert has no fertility rates for E92000001 (ENGLAND) in 2030")
	var mig []datasets.Migration
	for _, r := range b.Migration {
		if r.Year >= 2022 {
			mig = append(mig, r)
		}
	}
	gb := with(t, b, datasets.KindMigration, csvBytes(t, mig), "upload mig")
	wantCovers(t, gb, datasets.KindMigration, need, "migration upload mig has no net migration for E92000001 (ENGLAND) in 2021")
}

func TestCoversServices(t *testing.T) {
	b := defaultBundle(t)
	need := datasets.Coverage{Areas: []string{sheffield, leeds}, YearFrom: 2011, YearTo: 2013, Services: []string{"nursing", "home_care"}}
	wantCovers(t, b, datasets.KindServiceActivity, need, "")
	wantCovers(t, b, datasets.KindServiceActivity, datasets.Coverage{Areas: []string{sheffield}, YearFrom: 2016, YearTo: 2018, Services: []string{"nursing"}},
		"service_activity service_activity.parquet has no nursing rows for E08000019 (Sheffield) in 2016–2018")
	var own []datasets.ServiceActivity
	for _, r := range b.ServiceActivity {
		if r.AreaCode == sheffield && r.Service == "home_care" {
			own = append(own, r)
		}
	}
	ab := with(t, b, datasets.KindServiceActivity, csvBytes(t, own), "upload act")
	err := datasets.Covers(ab, datasets.KindServiceActivity, need)
	ce := coverageError(t, err)
	if !slices.Equal(ce.Missing, []string{"lacks nursing", "has no home_care rows for E08000035 (Leeds) in 2011–2013"}) {
		t.Fatalf("got %v", err)
	}

	supply := []datasets.Supply{{AreaCode: sheffield, Year: 2024, Service: "nursing", Capacity: 1200, Unit: "beds", Source: "test"}}
	sb := with(t, b, datasets.KindSupply, csvBytes(t, supply), "upload supply")
	wantCovers(t, sb, datasets.KindSupply, datasets.Coverage{Areas: []string{sheffield}, Services: []string{"nursing"}}, "")
	wantCovers(t, sb, datasets.KindSupply, datasets.Coverage{Areas: []string{sheffield, leeds}, Services: []string{"nursing", "residential"}},
		"supply upload supply has no nursing rows for E08000035 (Leeds); lacks residential")
}

// runOn runs sc on b's engine inputs.
func runOn(t *testing.T, b *datasets.Bundle, sc forecast.Scenario) (*engine.Result, error) {
	t.Helper()
	return engineOn(t, b).Run(context.Background(), sc, engine.RunOptions{}, nil)
}

// engineOn builds an engine on b's engine inputs.
func engineOn(t *testing.T, b *datasets.Bundle) *engine.Engine {
	t.Helper()
	in, err := datasets.EngineInputs(b)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func cellOf(t *testing.T, r *engine.Result, area string, year int, measure, sex, band string) float64 {
	t.Helper()
	v, ok := r.Value(area, year, measure, sex, band)
	if !ok {
		t.Fatalf("no cell %s %d %s %s %s", area, year, measure, sex, band)
	}
	return v
}

// TestUploadedPopulationRuns runs Sheffield on two uploaded projections, one its mid-2021
// estimate held flat to 2030 and one twice that: every need doubles exactly, in every year.
func TestUploadedPopulationRuns(t *testing.T) {
	b := defaultBundle(t)
	b = with(t, b, datasets.KindPopulation, csvBytes(t, councilProjection(t, b, "flat", 1, 2021, 2030)), "upload flat")
	b = with(t, b, datasets.KindPopulation, csvBytes(t, councilProjection(t, b, "council", 2, 2021, 2030)), "upload council")
	sc := forecast.Scenario{Name: "own population", BaseYear: 2021, Horizon: 2030, Areas: []string{sheffield},
		Population: forecast.PopulationSpec{Source: "supplied", Variant: "flat"}}
	flat, err := runOn(t, b, sc)
	if err != nil {
		t.Fatal(err)
	}
	sc.Population.Variant = "council"
	council, err := runOn(t, b, sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"population", "need." + forecast.DefaultNeedMeasure, "need.dementia"} {
		for _, y := range []int{2021, 2025, 2030} {
			for _, band := range []string{"65+", "85+"} {
				f, c := cellOf(t, flat, sheffield, y, m, "all", band), cellOf(t, council, sheffield, y, m, "all", band)
				if f <= 0 || math.Abs(c-2*f) > 1e-9*f {
					t.Errorf("%s %d %s: council %v, flat %v; want twice", m, y, band, c, f)
				}
			}
		}
	}
	t.Logf("Sheffield 2030 %s 65+: flat %.1f, council %.1f", forecast.DefaultNeedMeasure,
		cellOf(t, flat, sheffield, 2030, "need."+forecast.DefaultNeedMeasure, "all", "65+"), cellOf(t, council, sheffield, 2030, "need."+forecast.DefaultNeedMeasure, "all", "65+"))
	hashes := datasets.RunProvenance(council.Provenance).DatasetHashes
	if hashes["population:upload council"] == "" {
		t.Errorf("provenance hashes %v lack the upload", hashes)
	}

	// A variant the data lacks, and an upload that stops short of the horizon, are refused
	// when the scenario is checked, naming what is missing.
	sc.Population.Variant = "nope"
	if _, err := runOn(t, b, sc); err == nil || !strings.Contains(err.Error(), `the data has no "nope" projection; it has council, flat, high_fertility,`) ||
		!strings.Contains(err.Error(), "principal, snpp2016, young_age_structure") {
		t.Fatalf("got %v", err)
	}
	sc.Population.Variant, sc.Horizon = "council", 2032
	if _, err := runOn(t, b, sc); err == nil || !strings.Contains(err.Error(), "E08000019 (Sheffield) has no council projection for 2031") {
		t.Fatalf("got %v", err)
	}
}

// TestUploadedUnitCostsRun runs with an uploaded unit_costs file at 2023-24 prices holding
// England's costs at forecast.DefaultUnitCosts, nursing twice that: every Sheffield cost is its
// use times the upload's cost, where the default data's run costs residential care at
// Sheffield's own ASC-FR 2021-22 figure restated by the PSS pay & prices index. At the default
// 2022-23 price base the upload, which has no price index, is refused.
func TestUploadedUnitCostsRun(t *testing.T) {
	b := defaultBundle(t)
	sc := forecast.Scenario{Name: "own costs", BaseYear: 2021, Horizon: 2030, Areas: []string{sheffield},
		Costs: forecast.CostSpec{PriceBase: "2023-24"}}
	base, err := runOn(t, b, sc)
	if err != nil {
		t.Fatal(err)
	}
	ub := with(t, b, datasets.KindUnitCosts, csvBytes(t, unitCosts(2, forecast.ServiceNames...)), "upload uc")
	own, err := runOn(t, ub, sc)
	if err != nil {
		t.Fatal(err)
	}
	weekly := func(r *engine.Result, y int, s string) float64 {
		return cellOf(t, r, sheffield, y, "cost."+s, "all", "18+") / (52 * cellOf(t, r, sheffield, y, "service."+s, "all", "18+"))
	}
	for _, y := range []int{2021, 2030} {
		for _, s := range []string{"residential", "nursing", "direct_payments", "day_care"} {
			want := forecast.DefaultUnitCosts[s].Cost
			if s == "nursing" {
				want *= 2
			}
			if got := weekly(own, y, s); math.Abs(got-want) > 1e-9*want {
				t.Errorf("%d: Sheffield's %s costs £%v a week with the upload, want £%v", y, s, got, want)
			}
		}
		// Sheffield's ASC-FR 2021-22 residential £1,073.92 (TestUnitCosts in package convert),
		// ×1.072 to 2022-23 and ×1.074 to 2023-24 (PSSRU Table 12.1.2, all sectors).
		if got, want := weekly(base, y, "residential"), 1073.92*1.072*1.074; math.Abs(got-want) > 0.01 {
			t.Errorf("%d: Sheffield's residential care costs £%.2f a week on the default data, want £%.2f", y, got, want)
		}
	}
	t.Logf("Sheffield 2030 cost.nursing: default data £%.0f, uploaded £%.0f", cellOf(t, base, sheffield, 2030, "cost.nursing", "all", "18+"),
		cellOf(t, own, sheffield, 2030, "cost.nursing", "all", "18+"))

	sc.Costs.PriceBase = ""
	if _, err := runOn(t, ub, sc); err == nil || !strings.Contains(err.Error(),
		"costs.price_base: the data's residential unit costs are at 2023-24 prices and the data has no price index to restate them at 2022-23 prices") {
		t.Errorf("an upload at 2023-24 prices run at the default price base: got %v", err)
	}
}

// TestScenarioCoverage derives what scenarios need and checks the default data and uploads
// against it.
func TestScenarioCoverage(t *testing.T) {
	b := defaultBundle(t)
	sc := forecast.Scenario{Name: "Sheffield", Areas: []string{sheffield}, BaseYear: 2021, Horizon: 2040}
	for _, k := range datasets.Kinds {
		need, ok := datasets.ScenarioCoverage(b, sc, k)
		if !ok || k == datasets.KindUnitCosts {
			continue
		}
		if err := datasets.Covers(b, k, need); err != nil {
			t.Errorf("the default data does not cover %s for a cohort run of Sheffield: %v", k, err)
		}
	}
	need, _ := datasets.ScenarioCoverage(b, sc, datasets.KindUnitCosts)
	if !slices.Equal(need.Areas, []string{sheffield}) || !slices.Equal(need.Services, forecast.ServiceNames) {
		t.Fatalf("unit costs need %+v", need)
	}
	sc.Costs.UnitCosts = []forecast.UnitCostSpec{{Service: "nursing", Cost: 1000}}
	if need, _ = datasets.ScenarioCoverage(b, sc, datasets.KindUnitCosts); slices.Contains(need.Services, "nursing") {
		t.Fatalf("a cost the scenario sets is needed of the data: %+v", need)
	}

	// The example of the issue: an upload to 2030 for a run to 2040.
	up := with(t, b, datasets.KindPopulation, csvBytes(t, councilProjection(t, b, "council", 2, 2021, 2030)), "upload dst_x")
	sc.Population = forecast.PopulationSpec{Source: "supplied", Variant: "council"}
	need, ok := datasets.ScenarioCoverage(up, sc, datasets.KindPopulation)
	if !ok {
		t.Fatal("population not needed")
	}
	err := datasets.Covers(up, datasets.KindPopulation, need)
	if err == nil || err.Error() != "population upload dst_x has no council projection rows for E08000019 (Sheffield) in 2031–2040" {
		t.Fatalf("got %v", err)
	}
	for _, k := range []datasets.Kind{datasets.KindMortality, datasets.KindPopulationOldest} {
		if _, ok := datasets.ScenarioCoverage(up, sc, k); ok {
			t.Errorf("a supplied run needs %s", k)
		}
	}

	// Every district and council of England.
	d := b.Describe()
	need, _ = datasets.ScenarioCoverage(b, forecast.Scenario{Name: "England"}, datasets.KindPopulation)
	councils, _ := datasets.ScenarioCoverage(b, forecast.Scenario{Name: "England"}, datasets.KindServiceActivity)
	if len(need.Areas) != d.Districts || len(councils.Areas) != d.Councils {
		t.Fatalf("%d districts and %d councils; the areas table has %d and %d", len(need.Areas), len(councils.Areas), d.Districts, d.Councils)
	}
	t.Logf("England: %d districts, %d councils", len(need.Areas), len(councils.Areas))
}

// A council uploads its own projection (here: Sheffield's mid-2021 estimate held to 2030, as
// CSV) and a scenario asks for it to 2040: the scenario is refused, saying what is missing.
func ExampleCovers() {
	b, _ := defaultdata.Load()
	var up bytes.Buffer
	var rows []datasets.Population
	for y := int32(2021); y <= 2030; y++ {
		for _, r := range b.Population {
			if r.AreaCode == "E08000019" && r.Kind == "estimate" && r.Year == 2021 {
				r.Year, r.Kind, r.Variant = y, "projection", "council"
				rows = append(rows, r)
			}
		}
	}
	_ = datasets.WriteCSV(&up, rows)
	own, err := b.With(datasets.KindPopulation, up.Bytes(), datasets.ReadOptions{Name: "upload dst_x"})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := forecast.Scenario{Name: "Sheffield", Areas: []string{"E08000019"}, Horizon: 2040,
		Population: forecast.PopulationSpec{Source: "supplied", Variant: "council"}}
	need, _ := datasets.ScenarioCoverage(own, sc, datasets.KindPopulation)
	fmt.Println(datasets.Covers(own, datasets.KindPopulation, need))
	// Output: population upload dst_x has no council projection rows for E08000019 (Sheffield) in 2031–2040
}
