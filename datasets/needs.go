package datasets

import (
	"slices"

	"github.com/carecast/carecast/forecast"
)

// ScenarioCoverage works out what sc (its defaults filled in by forecast.Scenario.WithDefaults)
// needs of kind k when run on b, for Covers; ok is false when the scenario can run without the
// kind (supply, population_totals, and life_expectancy without a compression-of-morbidity
// lever). Check the kinds a scenario takes from an upload: the built-in data is what the
// engine is tested on, and has no unit_costs (the engine then uses forecast.DefaultUnitCosts).
//
//   - population: with population.source "supplied", the scenario's projection variant for
//     every district reported (the districts under sc.Areas; every district when empty) in
//     every year base..horizon; with "cohort", their estimates in the base year.
//   - population_oldest: England's projection in the base year (to split the open 90+ group).
//   - mortality, fertility, migration: England's rates in every year base..horizon-1 (cohort
//     runs only).
//   - life_expectancy: England's in the base year, with a compression-of-morbidity lever.
//   - prevalence: the need measure and every measure named by a service driver, covering
//     every age 65+, with the evidence year sc.prevalence asks for, if any.
//   - service_activity: residential, nursing and home care for every council reported.
//   - unit_costs: every service whose cost the scenario does not set, for every council
//     reported (or England).
func ScenarioCoverage(b *Bundle, sc forecast.Scenario, k Kind) (need Coverage, ok bool) {
	sc = sc.WithDefaults()
	districts, councils := b.reported(sc.Areas)
	switch k {
	case KindPopulation:
		if sc.Population.Source == "supplied" {
			return Coverage{Areas: districts, YearFrom: sc.BaseYear, YearTo: sc.Horizon, Kind: "projection", Variant: sc.Population.Variant}, true
		}
		return Coverage{Areas: districts, YearFrom: sc.BaseYear, YearTo: sc.BaseYear, Kind: "estimate"}, true
	case KindPopulationOldest:
		return Coverage{Areas: []string{National}, YearFrom: sc.BaseYear, YearTo: sc.BaseYear}, sc.Population.Source != "supplied"
	case KindMortality, KindFertility, KindMigration:
		return Coverage{YearFrom: sc.BaseYear, YearTo: sc.Horizon - 1}, sc.Population.Source != "supplied"
	case KindLifeExpectancy:
		needed := slices.ContainsFunc(sc.Levers, func(l forecast.LeverSpec) bool { return l.Type == forecast.LeverMorbidityCompression })
		return Coverage{YearFrom: sc.BaseYear, YearTo: sc.BaseYear}, needed
	case KindPrevalence:
		need = Coverage{AgeFrom: 65, EvidenceYears: map[string]int{}}
		if !sc.Services.PerHead {
			need.Measures = append(need.Measures, sc.Services.NeedMeasure)
			for _, d := range sc.Services.Drivers {
				if !slices.Contains(need.Measures, d.Measure) {
					need.Measures = append(need.Measures, d.Measure)
				}
			}
		}
		for _, p := range sc.Prevalence {
			if p.EvidenceYear != 0 && !p.Exclude {
				need.EvidenceYears[p.Measure] = p.EvidenceYear
			}
		}
		return need, true
	case KindServiceActivity:
		return Coverage{Areas: councils, Services: []string{"residential", "nursing", "home_care"}}, true
	case KindUnitCosts:
		need = Coverage{Areas: councils}
		for _, s := range forecast.ServiceNames {
			if !slices.ContainsFunc(sc.Costs.UnitCosts, func(u forecast.UnitCostSpec) bool { return u.Service == s }) {
				need.Services = append(need.Services, s)
			}
		}
		return need, len(need.Services) > 0
	}
	return Coverage{}, false
}

// reported returns the districts in force under the areas given (every district when none is)
// and their councils, each sorted.
func (b *Bundle) reported(areas []string) (districts, councils []string) {
	byCode := make(map[string]*Area, len(b.Areas))
	for i := range b.Areas {
		byCode[b.Areas[i].AreaCode] = &b.Areas[i]
	}
	want := map[string]bool{}
	for _, a := range areas {
		want[a] = true
	}
	for i := range b.Areas {
		d := &b.Areas[i]
		info := forecast.AreaInfo{Type: d.AreaType}
		if d.ValidTo != "" || !info.IsDistrict() {
			continue
		}
		in, council := len(areas) == 0, ""
		// Validation refuses loops in the parent chain; the depth cap is a second guard.
		for c, depth := d.AreaCode, 0; c != "" && byCode[c] != nil && depth < 16; c, depth = byCode[c].ParentCode, depth+1 {
			in = in || want[c]
			if council == "" && byCode[c].IsCouncil() {
				council = c
			}
		}
		if !in {
			continue
		}
		districts = append(districts, d.AreaCode)
		if council != "" && !slices.Contains(councils, council) {
			councils = append(councils, council)
		}
	}
	slices.Sort(districts)
	slices.Sort(councils)
	return districts, councils
}
