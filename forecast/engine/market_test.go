package engine_test

// The whole care-home market (forecast.MeasureNotCouncilFunded) on the real default data: each
// expected number is computed here from the bundle's rows (CQC beds in supply, SALT 2021-22
// clients at the year end in service_activity) or from the run's council measures, with the
// arithmetic written out.

import (
	"math"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

const (
	leeds   = "E08000035"
	camden  = "E09000007" // supports more care-home residents than 92% of its beds
	city    = "E09000001" // City of London: no care home beds at all
	preston = "E07000123" // a district of Lancashire
)

// bundleBeds is an area's CQC care home beds in the bundle: residential and nursing homes.
func bundleBeds(b *datasets.Bundle, area string) float64 {
	var n float64
	for _, s := range b.Supply {
		if s.AreaCode == area && s.Unit == "beds" && (s.Service == "residential" || s.Service == "nursing") {
			n += s.Capacity
		}
	}
	return n
}

// bundleCareHomes is an area's council-supported residential and nursing residents, 18-64 and
// 65+, at the year end of year (SALT clients_year_end) in the bundle.
func bundleCareHomes(b *datasets.Bundle, area string, year int) float64 {
	var n float64
	for _, a := range b.ServiceActivity {
		if a.AreaCode == area && int(a.Year) == year && a.Measure == "clients_year_end" && (a.Service == "residential" || a.Service == "nursing") {
			n += a.Value
		}
	}
	return n
}

// councilCareHomes is the run's council-supported care-home residents: service.residential +
// service.nursing, 18+.
func councilCareHomes(t *testing.T, r *engine.Result, area string, year int) float64 {
	t.Helper()
	return value(t, r, area, year, "service.residential", "all", "18+") + value(t, r, area, year, "service.nursing", "all", "18+")
}

// market is the run's four whole-market cells of an area in a year.
type market struct{ notFunded, residents, beds, gap float64 }

func marketOf(t *testing.T, r *engine.Result, area string, year int) market {
	t.Helper()
	m := market{
		notFunded: value(t, r, area, year, forecast.MeasureNotCouncilFunded, "all", "18+"),
		residents: value(t, r, area, year, forecast.MeasureWholeMarketResidents, "all", "18+"),
		beds:      value(t, r, area, year, forecast.MeasureWholeMarketBeds, "all", "18+"),
		gap:       math.NaN(),
	}
	if g, ok := r.Value(area, year, forecast.MeasureWholeMarketBedsGap, "all", "18+"); ok {
		m.gap = g
	}
	return m
}

// TestMarketBaseEstimate checks the estimate by hand for Leeds and Sheffield in a run from
// 2021, the year of SALT 2021-22 (clients at 31 March 2022), where the projection's council
// residents are the activity itself:
//
//	Leeds:     CQC 2,952 + 2,621 = 5,573 beds × 0.92 = 5,127.16 occupied; council-supported
//	           385 + 1,135 residential + 130 + 630 nursing = 2,280; not council funded
//	           5,127.16 − 2,280 = 2,847.16; share 2,847.16 / 5,127.16 = 0.5553.
//	Sheffield: 1,816 + 2,552 = 4,368 beds × 0.92 = 4,018.56 occupied; council-supported
//	           320 + 870 residential + 105 + 490 nursing = 1,785; not council funded 2,233.56;
//	           share 0.5558.
//
// In the base year the whole market is the occupied beds, so its beds are the CQC beds and its
// gap is 0. At occupancy 0.85 Leeds has 5,573 × 0.85 − 2,280 = 2,457.05 not council funded.
func TestMarketBaseEstimate(t *testing.T) {
	b, _, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "2021", BaseYear: 2021, Horizon: 2025, Areas: []string{leeds, sheffield}}, engine.RunOptions{NoDrivers: true})
	for _, tc := range []struct {
		area          string
		beds, council float64
	}{{leeds, 5573, 2280}, {sheffield, 4368, 1785}} {
		if got := bundleBeds(b, tc.area); got != tc.beds {
			t.Fatalf("%s: %v CQC beds in the bundle, want %v", tc.area, got, tc.beds)
		}
		if got := bundleCareHomes(b, tc.area, 2021); got != tc.council {
			t.Fatalf("%s: %v council-supported residents in the bundle, want %v", tc.area, got, tc.council)
		}
		if got := councilCareHomes(t, r, tc.area, 2021); !near(got, tc.council, 1e-12) {
			t.Errorf("%s 2021: the run's council-supported residents %v, the activity %v", tc.area, got, tc.council)
		}
		occupied := tc.beds * 0.92
		want := occupied - tc.council
		m := marketOf(t, r, tc.area, 2021)
		if !near(m.notFunded, want, 1e-12) || !near(m.residents, occupied, 1e-12) || !near(m.beds, tc.beds, 1e-12) || math.Abs(m.gap) > 1e-9 {
			t.Errorf("%s 2021: %+v; want %.2f not council funded, %.2f residents, %v beds, gap 0", tc.area, m, want, occupied, tc.beds)
		}
		t.Logf("%s 2021: %v beds × 0.92 = %.2f − %v = %.2f not council funded, share %.4f", tc.area, tc.beds, occupied, tc.council, want, want/occupied)
	}

	// The base share holds in every year of a run from 2022; the whole market's beds follow.
	r = run(t, e, forecast.Scenario{Name: "2022", Areas: []string{leeds, sheffield}, Horizon: 2030}, engine.RunOptions{NoDrivers: true})
	for _, tc := range []struct {
		area          string
		beds, council float64
	}{{leeds, 5573, 2280}, {sheffield, 4368, 1785}} {
		nf := tc.beds*0.92 - tc.council
		share := nf / (nf + tc.council)
		for _, y := range []int{2022, 2030} {
			c := councilCareHomes(t, r, tc.area, y)
			m := marketOf(t, r, tc.area, y)
			want := share / (1 - share) * c
			if !near(m.notFunded, want, 1e-12) || !near(m.residents, c+want, 1e-12) || !near(m.beds, (c+want)/0.92, 1e-12) || !near(m.gap, (c+want)/0.92-tc.beds, 1e-9) {
				t.Errorf("%s %d: %+v; want %.2f not council funded (%.4f/%.4f × %.2f council-supported)", tc.area, y, m, want, share, 1-share, c)
			}
			t.Logf("%s %d: %.2f council-supported, %.2f not council funded, whole market %.2f residents, %.2f beds, gap %.2f", tc.area, y, c, m.notFunded, m.residents, m.beds, m.gap)
		}
	}

	r = run(t, e, forecast.Scenario{Name: "85%", BaseYear: 2021, Horizon: 2025, Areas: []string{leeds}, Capacity: forecast.CapacitySpec{Occupancy: 0.85}}, engine.RunOptions{NoDrivers: true})
	if m := marketOf(t, r, leeds, 2021); !near(m.notFunded, 5573*0.85-2280, 1e-12) || !near(m.beds, 5573, 1e-12) {
		t.Errorf("Leeds 2021 at 85%% occupancy: %+v, want 2,457.05 not council funded and 5,573 beds", m)
	}
}

// TestMarketEngland sums the estimate over England in a run from 2021: for every council,
// max(0, CQC beds × 0.92 − its council-supported residents in 2021 as the run has them), which
// for the councils that reported every age group and setting is SALT's figure itself (for
// Rutland, Southend-on-Sea, Thurrock, the Isles of Scilly and the City of London, whose
// suppressed 0-4 cells the projection fills with their region's rate, a few residents more;
// Hackney, which submitted no SALT 2021-22, is projected at London's rate: 414 residents
// for its 331 beds, so 0 not council funded, like its inner-London neighbours).
//
// England comes out at 458,669 beds, 421,975.48 occupied, 175,631.29 council-supported and
// 247,249.46 not council funded: 58.6% of the occupied beds (58.5% of all residents), against
// the about 37% of care-home residents that ONS estimates to be self-funders ("Care homes and
// estimating the self-funding population, England"). The difference is what the remainder holds
// besides self-funders — NHS continuing healthcare, other councils' placements — and 92% of
// every registered bed being more residents than England had in the pandemic winter of
// February 2021, younger adults' homes included. The bound asserted is therefore 50%-62%.
func TestMarketEngland(t *testing.T) {
	b, in, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "2021", BaseYear: 2021, Horizon: 2022}, engine.RunOptions{NoDrivers: true})
	var beds, council, notFunded float64
	zero, filled := 0, 0
	for _, a := range in.Areas {
		if !a.IsCouncil() || a.ValidTo != "" {
			continue
		}
		c := councilCareHomes(t, r, a.Code, 2021)
		if salt := bundleCareHomes(b, a.Code, 2021); !near(c, salt, 1e-12) {
			filled++
			t.Logf("%s %s: %.2f council-supported in the run, %v in SALT", a.Code, a.Name, c, salt)
		}
		nb := bundleBeds(b, a.Code)
		want := max(0, nb*0.92-c)
		if got := marketOf(t, r, a.Code, 2021); !near(got.notFunded, want, 1e-9) {
			t.Errorf("%s 2021: %v not council funded, want max(0, %v × 0.92 − %.2f) = %.2f", a.Code, got.notFunded, nb, c, want)
		}
		if want == 0 {
			zero++
		}
		beds += nb
		council += c
		notFunded += want
	}
	m := marketOf(t, r, england, 2021)
	if !near(m.notFunded, notFunded, 1e-9) || !near(m.residents, council+notFunded, 1e-9) || !near(m.gap, m.beds-beds, 1e-9) {
		t.Errorf("England 2021 %+v; Σ councils: %.2f not council funded, %.2f council-supported, %v beds", m, notFunded, council, beds)
	}
	if beds != 458669 || filled != 6 || zero != 9 {
		t.Errorf("%v beds (want 458,669: PROVENANCE §13's 458,900 less 231 unmatched), %d councils filled by pooled rates (want 6), %d at 0 (want 9)", beds, filled, zero)
	}
	ofBeds, ofResidents := notFunded/(beds*0.92), notFunded/(notFunded+council)
	t.Logf("England 2021: %v beds, %.2f occupied, %.2f council-supported, %.2f not council funded: %.4f of occupied beds, %.4f of residents; %d councils at 0",
		beds, beds*0.92, council, notFunded, ofBeds, ofResidents, zero)
	if ofBeds < 0.50 || ofBeds > 0.62 {
		t.Errorf("England's share %.4f of occupied beds, want 50%%-62%%", ofBeds)
	}
}

// TestMarketLever: "self-funders fall to 30%" — not_council_funded_share 0.30 from 2025, a
// step, in Sheffield: from 2025 the residents not funded by the council are 0.30/0.70 of the
// council-supported ones (in 2030, 0.30/0.70 × 2,002.99 = 858.42, against 2,506.32 at the base
// share 0.5558); before 2025 nothing moves; the council's own measures never move, nor does
// Leeds. Linear from 2025 to 2030 the share in 2027 is halfway: 0.5558 × 0.5 + 0.30 × 0.5.
func TestMarketLever(t *testing.T) {
	_, _, e := realData(t)
	sc := forecast.Scenario{Name: "base", Areas: []string{sheffield, leeds}, Horizon: 2030}
	base := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	sc.Levers = []forecast.LeverSpec{{Type: forecast.LeverNotCouncilFunded, Value: 0.30, Start: 2025, End: 2025, Profile: "step", Areas: []string{sheffield}}}
	lev := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	c30 := councilCareHomes(t, lev, sheffield, 2030)
	m := marketOf(t, lev, sheffield, 2030)
	if want := 0.30 / 0.70 * c30; !near(m.notFunded, want, 1e-12) || !near(m.notFunded/m.residents, 0.30, 1e-12) {
		t.Errorf("Sheffield 2030 with the share at 0.30: %+v, want 0.30/0.70 × %.2f = %.2f", m, c30, want)
	}
	t.Logf("Sheffield 2030: %.2f council-supported; not council funded %.2f at 0.30, %.2f at the base share", c30, m.notFunded, marketOf(t, base, sheffield, 2030).notFunded)
	compareRows(t, lev, base, func(a, b forecast.ResultRow) {
		switch {
		case a.AreaCode == sheffield && a.Year >= 2025 && (a.Measure == forecast.MeasureNotCouncilFunded || a.Measure == forecast.MeasureWholeMarketResidents ||
			a.Measure == forecast.MeasureWholeMarketBeds || a.Measure == forecast.MeasureWholeMarketBedsGap):
		default:
			t.Errorf("%s %d %s = %v with the lever, %v without", a.AreaCode, a.Year, a.Measure, a.Mean, b.Mean)
		}
	})

	s0 := marketOf(t, base, sheffield, 2027)
	share0 := s0.notFunded / s0.residents
	sc.Levers[0].End, sc.Levers[0].Profile = 2030, "linear"
	lin := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	s := share0*0.5 + 0.30*0.5
	if got, want := marketOf(t, lin, sheffield, 2027).notFunded, s/(1-s)*councilCareHomes(t, lin, sheffield, 2027); !near(got, want, 1e-12) {
		t.Errorf("Sheffield 2027, linear 2025-2030: %v not council funded, want share %.4f: %.2f", got, s, want)
	}
}

// TestMarketZero: where a council supports at least as many care-home residents as its
// occupied beds — Camden, 510 residents for 459 × 0.92 = 422.28 occupied beds; the City of
// London, 20 residents and no beds — its share is 0 in every year: the whole market is the
// council's own residents, its beds the council's beds, its gap those less the CQC beds.
func TestMarketZero(t *testing.T) {
	b, _, e := realData(t)
	r := run(t, e, forecast.Scenario{Name: "zero", Areas: []string{camden, city}, Horizon: 2035}, engine.RunOptions{NoDrivers: true})
	for _, area := range []string{camden, city} {
		for _, y := range []int{2022, 2035} {
			c := councilCareHomes(t, r, area, y)
			beds := value(t, r, area, y, "capacity.residential_beds", "all", "18+") + value(t, r, area, y, "capacity.nursing_beds", "all", "18+")
			m := marketOf(t, r, area, y)
			if m.notFunded != 0 || !near(m.residents, c, 1e-12) || !near(m.beds, beds, 1e-12) || !near(m.gap, beds-bundleBeds(b, area), 1e-9) {
				t.Errorf("%s %d: %+v; want 0, %.2f residents, %.2f beds, gap %.2f", area, y, m, c, beds, beds-bundleBeds(b, area))
			}
		}
	}
	if b := bundleBeds(b, camden); b != 459 {
		t.Errorf("Camden has %v beds, want 459", b)
	}
}

// TestMarketDistrict: a district of a two-tier county takes its county's share. Lancashire:
// CQC 7,210 + 5,662 = 12,872 beds × 0.92 = 11,842.24 occupied; council-supported 490 + 3,140
// residential + 145 + 1,020 nursing = 4,795; not council funded 7,047.24; share 0.5951. Preston
// (E07000123) then has 0.5951/0.4049 of its council-supported residents not council funded in
// every year; it has no beds of its own in the data, so no gap, and Lancashire's figures are
// the sums of its twelve districts'.
func TestMarketDistrict(t *testing.T) {
	b, _, e := realData(t)
	if bundleBeds(b, lancs) != 12872 || bundleCareHomes(b, lancs, 2021) != 4795 {
		t.Fatalf("Lancashire: %v beds, %v residents; want 12,872 and 4,795", bundleBeds(b, lancs), bundleCareHomes(b, lancs, 2021))
	}
	share := (12872*0.92 - 4795) / (12872 * 0.92)
	r := run(t, e, forecast.Scenario{Name: "lancs", Areas: []string{lancs}, Districts: true, Horizon: 2035}, engine.RunOptions{NoDrivers: true})
	for _, y := range []int{2022, 2035} {
		c := councilCareHomes(t, r, preston, y)
		m := marketOf(t, r, preston, y)
		if want := share / (1 - share) * c; !near(m.notFunded, want, 1e-12) || !math.IsNaN(m.gap) {
			t.Errorf("Preston %d: %+v; want %.4f/%.4f × %.2f = %.2f and no gap", y, m, share, 1-share, c, want)
		}
		var sum float64
		for _, d := range e.DistrictsUnder(lancs) {
			sum += marketOf(t, r, d, y).notFunded
		}
		if l := marketOf(t, r, lancs, y); !near(l.notFunded, sum, 1e-12) || !near(l.gap, l.beds-12872, 1e-9) {
			t.Errorf("Lancashire %d: %+v; Σ districts %.2f not council funded", y, l, sum)
		}
		t.Logf("Preston %d: %.2f council-supported, %.2f not council funded", y, c, m.notFunded)
	}
}

// TestMarketDraws: Monte Carlo runs carry the market measures with ranges, and a share lever
// with an 80% interval (0.25 to 0.35) widens them.
func TestMarketDraws(t *testing.T) {
	_, _, e := realData(t)
	sc := forecast.Scenario{Name: "draws", Areas: []string{sheffield}, Horizon: 2030, Uncertainty: forecast.UncertaintySpec{Draws: 200, Seed: 7},
		Levers: []forecast.LeverSpec{{Type: forecast.LeverNotCouncilFunded, Value: 0.30, Low: ptr(0.25), High: ptr(0.35), Start: 2025, End: 2025}}}
	r := run(t, e, sc, engine.RunOptions{NoDrivers: true})
	seen := map[string]bool{}
	for row := range r.Rows() {
		if forecast.Family(row.Measure) != forecast.FamilyCapacity || row.Year != 2030 {
			continue
		}
		switch row.Measure {
		case forecast.MeasureNotCouncilFunded, forecast.MeasureWholeMarketResidents, forecast.MeasureWholeMarketBeds, forecast.MeasureWholeMarketBedsGap:
			seen[row.Measure] = true
			if !(row.P10 < row.P50 && row.P50 < row.P90) {
				t.Errorf("%s 2030: p10 %v, p50 %v, p90 %v", row.Measure, row.P10, row.P50, row.P90)
			}
			if row.Measure == forecast.MeasureNotCouncilFunded {
				t.Logf("Sheffield 2030 not council funded: mean %.0f, 80%% range %.0f to %.0f", row.Mean, row.P10, row.P90)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("market measures in the draws: %v", seen)
	}
}

// TestMarketNeedsSupply: data without supply (the synthetic inputs) has no market measures.
func TestMarketNeedsSupply(t *testing.T) {
	r := run(t, newEngine(t, synthInputs()), synthScenario())
	for _, m := range r.Measures() {
		if forecast.Family(m.Name) == forecast.FamilyCapacity && m.Unit == forecast.UnitResidents {
			t.Errorf("measure %s without supply", m.Name)
		}
	}
}
