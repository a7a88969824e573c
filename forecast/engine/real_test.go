package engine_test

// Spot checks on the real default dataset: each expected number is computed in the test from
// the bundle's own rows (datasets/defaultdata), independently of the engine's code.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

const (
	england   = "E92000001"
	sheffield = "E08000019" // a metropolitan district: its own council
	lancs     = "E10000017" // Lancashire, a county of 12 districts
	yorks     = "E12000003" // Yorkshire and The Humber
)

// bundlePop sums the bundle's estimates for year over the given areas, by sex and age (90 =
// 90+).
func bundlePop(b *datasets.Bundle, year int, areas map[string]bool) *population.Pop90 {
	var p population.Pop90
	for _, r := range b.Population {
		if r.Kind == "estimate" && int(r.Year) == year && areas[r.AreaCode] {
			s := forecast.Female
			if r.Sex == "male" {
				s = forecast.Male
			}
			p[s][r.Age] += r.Count
		}
	}
	return &p
}

// districtsInForce lists the bundle's districts in force.
func districtsInForce(b *datasets.Bundle) map[string]bool {
	out := map[string]bool{}
	for _, a := range b.Areas {
		switch a.AreaType {
		case "unitary", "metropolitan_district", "london_borough", "non_metropolitan_district":
			if a.ValidTo == "" {
				out[a.AreaCode] = true
			}
		}
	}
	return out
}

// prevalenceTimesPop is Σ over the bundle's rows of measure and evidence year of rate ×
// population in the row's ages, by sex, within ages lo..hi.
func prevalenceTimesPop(t *testing.T, b *datasets.Bundle, measure string, evidence int, p *population.Pop90, lo, hi int) [forecast.NumSexes]float64 {
	t.Helper()
	var out [forecast.NumSexes]float64
	n := 0
	for _, r := range b.Prevalence {
		if r.Measure != measure || int(r.EvidenceYear) != evidence {
			continue
		}
		n++
		for _, s := range []forecast.Sex{forecast.Female, forecast.Male} {
			if r.Sex != "all" && r.Sex != s.String() {
				continue
			}
			for x := max(int(r.AgeFrom), lo); x <= min(int(r.AgeTo), hi); x++ {
				out[s] += r.Rate * p[s][x]
			}
		}
	}
	if n == 0 {
		t.Fatalf("no %s %d rows in the bundle", measure, evidence)
	}
	return out
}

// TestRealNeedSpotChecks: England's need in 2022 (the base year) is Σ rate × 2022 estimate by
// band and sex: CFAS II dementia rates (the only evidence, 2011) and HSE 2013 ADL rates (the
// one survey year with need, help received and unmet need, which the engine picks for the ADL
// family, forecast.FamilyEvidenceYear).
func TestRealNeedSpotChecks(t *testing.T) {
	b, _, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "baseline", Areas: []string{england, sheffield}, Horizon: 2025}, engine.RunOptions{NoDrivers: true})
	if got := r.Provenance.Evidence; got["dementia"] != 2011 || got["adl_need_help"] != 2013 {
		t.Fatalf("evidence years %v", got)
	}
	for _, tc := range []struct {
		area     string
		areas    map[string]bool
		measure  string
		evidence int
	}{
		{england, districtsInForce(b), "dementia", 2011},
		{england, districtsInForce(b), "adl_need_help", 2013},
		{sheffield, map[string]bool{sheffield: true}, "dementia", 2011},
	} {
		p := bundlePop(b, 2022, tc.areas)
		for _, band := range []struct {
			name   string
			lo, hi int
		}{{"65+", 65, 90}, {"85+", 85, 90}, {"65-74", 65, 74}, {"90+", 90, 90}} {
			want := prevalenceTimesPop(t, b, tc.measure, tc.evidence, p, band.lo, band.hi)
			for s, w := range map[string]float64{"female": want[0], "male": want[1], "all": want[0] + want[1]} {
				got := value(t, r, tc.area, 2022, "need."+tc.measure, s, band.name)
				if !near(got, w, 1e-10) {
					t.Errorf("%s 2022 %s %s %s = %.3f, Σ rate × estimate = %.3f", tc.area, tc.measure, s, band.name, got, w)
				}
			}
		}
		if tc.area == england && tc.measure == "dementia" {
			t.Logf("England 2022 dementia 65+: %.0f (CFAS II × mid-2022 estimates)", value(t, r, england, 2022, "need.dementia", "all", "65+"))
		}
	}
	// Population in the base year is the estimate itself.
	p := bundlePop(b, 2022, districtsInForce(b))
	if got, want := value(t, r, england, 2022, "population", "all", "all"), p.Total(); !near(got, want, 1e-12) {
		t.Errorf("England 2022 population %.0f, Σ estimates %.0f", got, want)
	}
}

// TestRealServiceSpotCheck: Sheffield's base use rates are the mean over each service's
// activity years (SALT 2021-22 for care homes, home care and direct payments; PSS-EX1 2011-12 to
// 2013-14 for day care and meals) of activity ÷ denominator: people 18-64, or people 65+ in
// need (HSE 2013 ADL rates) — each year's population interpolated linearly between Sheffield's
// nearest estimates. The expected 2022 values repeat that arithmetic from the bundle's rows.
func TestRealServiceSpotCheck(t *testing.T) {
	b, _, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "baseline", Areas: []string{sheffield}, Horizon: 2025}, engine.RunOptions{NoDrivers: true})
	years := map[int]bool{}
	for _, p := range b.Population {
		if p.AreaCode == sheffield && p.Kind == "estimate" {
			years[int(p.Year)] = true
		}
	}
	var have []int
	for y := range years {
		have = append(have, y)
	}
	sort.Ints(have)
	popAt := func(y int) *population.Pop90 {
		if years[y] {
			return bundlePop(b, y, map[string]bool{sheffield: true})
		}
		i, _ := slices.BinarySearch(have, y)
		lo, hi := have[i-1], have[i]
		a, c := bundlePop(b, lo, map[string]bool{sheffield: true}), bundlePop(b, hi, map[string]bool{sheffield: true})
		w := float64(y-lo) / float64(hi-lo)
		var p population.Pop90
		for s := range p {
			for x := range p[s] {
				p[s][x] = (1-w)*a[s][x] + w*c[s][x]
			}
		}
		return &p
	}
	working := func(p *population.Pop90) float64 {
		var t float64
		for s := range p {
			for x := 18; x <= 64; x++ {
				t += p[s][x]
			}
		}
		return t
	}
	inNeed := func(p *population.Pop90) float64 {
		n := prevalenceTimesPop(t, b, "adl_need_help", 2013, p, 65, 90)
		return n[0] + n[1]
	}
	withDementia := func(p *population.Pop90) float64 {
		n := prevalenceTimesPop(t, b, "dementia", 2011, p, 65, 90)
		return n[0] + n[1]
	}
	type driver struct {
		share float64
		den   func(*population.Pop90) float64
	}
	// The default drivers (forecast.DefaultServiceDrivers): care homes 70% dementia, home care
	// 60%; each driver's share of the users over its people, averaged over the base years, times
	// its people in 2022.
	// Each service's activity: SALT 2021-22 clients at the year end where SALT has the service
	// (home care as SALT's community support), else PSS-EX1's last three years.
	for _, tc := range []struct {
		service, activity, measure, band string
		years                            []int
		drivers                          []driver
	}{
		{"residential", "residential", "clients_year_end", "65+", []int{2021}, []driver{{0.7, withDementia}, {0.3, inNeed}}},
		{"residential", "residential", "clients_year_end", "18-64", []int{2021}, []driver{{1, working}}},
		{"home_care", "community_support", "clients_year_end", "65+", []int{2021}, []driver{{0.6, withDementia}, {0.4, inNeed}}},
		{"day_care", "day_care", "clients", "65+", []int{2011, 2012, 2013}, []driver{{1, inNeed}}},
		{"day_care", "day_care", "clients", "18-64", []int{2011, 2012, 2013}, []driver{{1, working}}},
	} {
		if ser := r.Provenance.Series[tc.service]; ser.Activity != tc.activity || ser.Measure != tc.measure || !slices.Equal(ser.Years, tc.years) {
			t.Errorf("%s measured by %+v, want %s %s in %v", tc.service, ser, tc.activity, tc.measure, tc.years)
		}
		sum := make([]float64, len(tc.drivers))
		n := 0
		for _, y := range tc.years {
			var v float64
			found := false
			for _, a := range b.ServiceActivity {
				if a.AreaCode == sheffield && int(a.Year) == y && a.Service == tc.activity && a.Measure == tc.measure && a.AgeBand == tc.band {
					v += a.Value
					found = true
				}
			}
			if found {
				for i, d := range tc.drivers {
					sum[i] += d.share * v / d.den(popAt(y))
				}
				n++
			}
		}
		if n == 0 {
			t.Fatalf("no Sheffield %s %s activity", tc.service, tc.band)
		}
		want := 0.0
		for i, d := range tc.drivers {
			want += sum[i] / float64(n) * d.den(popAt(2022))
		}
		got := value(t, r, sheffield, 2022, "service."+tc.service, "all", tc.band)
		if !near(got, want, 1e-9) {
			t.Errorf("Sheffield 2022 %s %s = %.3f, mean rate × 2022 denominator = %.3f", tc.service, tc.band, got, want)
		}
	}
}

// TestRealIdentities checks, for every council, region and England and every year of the
// baseline, that capacity, workforce and cost follow from services by the scenario's
// assumptions (defaults: occupancy 0.92, 37.5 × 0.75 hours per FTE, 25 and 35 care hours per
// resident a week), and that a council's cost is its services times its own unit cost from the
// data (ASC-FR 2021-22, restated at the default 2022-23 prices by the data's price index) or,
// for meals, which the data does not cost, carecast's illustrative £35 a week. Regions and
// England are sums of their councils' costs (TestDistrictsSumToAreas), not services times one
// cost, so their cost lines are not checked here.
func TestRealIdentities(t *testing.T) {
	b, in, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "baseline"}, engine.RunOptions{NoDrivers: true})
	tab := table(r)
	if in.PriceIndex == nil {
		t.Fatal("the default data has no price index")
	}
	uprate := in.PriceIndex.Level[2022] / in.PriceIndex.Level[2021]
	if !near(uprate, 1.072, 1e-6) { // PSSRU 2023 Table 12.1.2: 2022-23 all sectors +7.2%
		t.Errorf("2021-22 to 2022-23 uprating = %v, want 1.072", uprate)
	}
	unitCost := func(area, service string) float64 {
		for _, u := range b.UnitCosts {
			if u.AreaCode == area && u.Service == service && u.PriceBase == "2021-22" {
				return u.Cost * uprate
			}
		}
		t.Fatalf("no %s unit cost for %s", service, area)
		return 0
	}
	get := func(a string, y int, m string) float64 {
		row, ok := tab[rowKey{a, y, m, "all", "18+"}]
		if !ok {
			if m == "service.meals" {
				return tab[rowKey{a, y, m, "all", "65+"}].Mean
			}
			t.Fatalf("no %s %d %s", a, y, m)
		}
		return row.Mean
	}
	staff := 37.5 * 0.75
	n := 0
	for _, a := range r.Areas {
		for _, y := range r.Years {
			res, nur, home := get(a.Code, y, "service.residential"), get(a.Code, y, "service.nursing"), get(a.Code, y, "service.home_care")
			hours := get(a.Code, y, "capacity.home_care_hours")
			council := a.IsCouncil()
			resCost, homeCost := res*52*800, hours*52*24 // not checked for regions and England
			if council {
				resCost, homeCost = res*52*unitCost(a.Code, "residential"), hours*52*unitCost(a.Code, "home_care")
			}
			checks := []struct {
				name      string
				got, want float64
			}{
				{"residential beds", get(a.Code, y, "capacity.residential_beds"), res / 0.92},
				{"nursing beds", get(a.Code, y, "capacity.nursing_beds"), nur / 0.92},
				{"residential FTE", get(a.Code, y, "workforce.residential_fte"), res * 25 / staff},
				{"nursing FTE", get(a.Code, y, "workforce.nursing_fte"), nur * 35 / staff},
				{"home care FTE", get(a.Code, y, "workforce.home_care_fte"), hours / staff},
				{"residential cost", get(a.Code, y, "cost.residential"), resCost},
				{"home care cost", get(a.Code, y, "cost.home_care"), homeCost},
				{"meals cost", get(a.Code, y, "cost.meals"), get(a.Code, y, "service.meals") * 52 * 35},
			}
			if !council {
				checks = checks[:len(checks)-3]
			}
			for _, c := range checks {
				n++
				if !near(c.got, c.want, 1e-9) {
					t.Errorf("%s %d %s = %v, want %v", a.Code, y, c.name, c.got, c.want)
				}
			}
			// Hours per client: SALT's community support clients with hours derived from each
			// council's home-care spend; e.g. Enfield 0.94 a week (T43/T44 home care £1.2m at
			// £16 an hour for 1,535 clients at the year end, most of whose support is booked
			// elsewhere).
			if hours <= 0 || home <= 0 || hours/home < 0.5 || hours/home > 40 {
				t.Errorf("%s %d: %v home-care hours a week for %v clients", a.Code, y, hours, home)
			}
		}
	}
	if n < 150*25*8 { // 152 councils × 25 years × 8 checks, and 5 for each region and England
		t.Errorf("only %d checks", n)
	}
}

// TestReproduceNPP2018ThroughDatasets runs package population's model on the national rates
// that datasets.EngineInputs builds from the default dataset, from ONS's own mid-2018 base (the
// principal projection's 2018 population in the bundle, its 90+ split by the bundle's 2018
// single years 90..105+), and compares it with ONS's published principal projection as the
// bundle carries it: totals and the groups 0-17, 18-64, 65-84, 85+ and 90+ within 0.05% by sex
// in every year 2019-2043, and every single year of age 0..90 within 0.5%. Package population
// proves the same from the raw CSV files; this proves the canonical datasets carry ONS's
// assumptions intact.
func TestReproduceNPP2018ThroughDatasets(t *testing.T) {
	_, in, _ := realData(t)
	const base, end = 2018, 2043
	npp := in.Projections["principal"][england]
	if npp[base] == nil || npp[end] == nil || in.Oldest[base] == nil {
		t.Fatal("the bundle lacks the 2018-based national projection or its oldest ages")
	}
	if in.RatesFirst != base {
		t.Fatalf("national rates start in %d, want %d", in.RatesFirst, base)
	}
	m, err := population.NewModel(in.RatesFirst, in.Rates)
	if err != nil {
		t.Fatal(err)
	}
	var start population.Pop
	if err := population.SplitOpenTo(&start, npp[base], in.Oldest[base]); err != nil {
		t.Fatal(err)
	}
	out := make([]population.Pop, end-base+1)
	if err := m.ProjectTo(out, base, &start, nil, nil); err != nil {
		t.Fatal(err)
	}
	groups := []struct {
		name   string
		lo, hi int
	}{{"total", 0, 90}, {"0-17", 0, 17}, {"18-64", 18, 64}, {"65-84", 65, 84}, {"85+", 85, 90}, {"90+", 90, 90}}
	sum := func(p *population.Pop90, s []int, lo, hi int) float64 {
		var t float64
		for _, s := range s {
			for x := lo; x <= hi; x++ {
				t += p[s][x]
			}
		}
		return t
	}
	sexes := map[string][]int{"female": {0}, "male": {1}, "persons": {0, 1}}
	worst := map[string]float64{}
	worstSingle, worstAt := 0.0, ""
	for k := 1; k < len(out); k++ {
		y := base + k
		var got population.Pop90
		population.CollapseTo(&got, &out[k])
		want := npp[y]
		if want == nil {
			t.Fatalf("no published projection for %d", y)
		}
		for sn, s := range sexes {
			for _, g := range groups {
				a, b := sum(&got, s, g.lo, g.hi), sum(want, s, g.lo, g.hi)
				e := 100 * (a - b) / b
				worst[g.name] = max(worst[g.name], math.Abs(e))
				if math.Abs(e) > 0.05 {
					t.Errorf("%d %s %s: model %.0f, ONS %.0f (%+.4f%%)", y, sn, g.name, a, b, e)
				}
			}
		}
		for s := range forecast.NumSexes {
			for x := range forecast.NumAges {
				e := 100 * (got[s][x] - want[s][x]) / want[s][x]
				if math.Abs(e) > worstSingle {
					worstSingle, worstAt = math.Abs(e), fmt.Sprintf("%d %v age %d", y, forecast.Sex(s), x)
				}
				if math.Abs(e) > 0.5 {
					t.Errorf("%d %v age %d: model %.0f, ONS %.0f (%+.3f%%)", y, forecast.Sex(s), x, got[s][x], want[s][x], e)
				}
			}
		}
	}
	for _, g := range groups {
		t.Logf("2019-2043 max |error| %-5s %.5f%%", g.name, worst[g.name])
	}
	t.Logf("2019-2043 max |error| single year %.5f%% (%s)", worstSingle, worstAt)
}
