package engine_test

// A small synthetic England whose numbers can be worked by hand. It exists for the edge cases
// and the hand-checked steps; everything else is tested on the real default dataset.
//
//	E92000001 England
//	├── E12000001 North
//	│   ├── E10000001 Shire (county council)
//	│   │   ├── E07000001 Town A   c = 100
//	│   │   └── E07000002 Town B   c = 200
//	│   └── E06000001 Unitary U    c = 300
//	└── E12000002 South
//	    └── E06000002 Unitary V    c = 400
//
// Each district has, in mid-2011 (its only estimate, so the base year is 2011), c women and c/2
// men at every single year of age 0..89 and 5c women and 5c/2 men aged 90+. The national rates
// kill nobody, bear nobody and move nobody, so the population only ages: k years after 2011
// every age x in k..89 still has c women, ages below k are empty and 90+ holds (5 + k)c women.
//
// Need (measure adl_need_help, evidence year 2014, which drives services for 65+): women
// 0.10 at 65-74, 0.20 at 75-84, 0.40 at 85+; men 0.8 times those. So in 2011 a district has
// 10c·0.1 + 10c·0.2 + 10c·0.4 = 7c women in need and (c/2)(10·0.08 + 10·0.16 + 10·0.32) = 2.8c
// men: 9.8c people; k years on, (7 + 0.4k)c women and (2.8 + 0.16k)c men, 9.8c + 0.56kc in all
// (k ≤ 65). People 18-64: 47 ages × 1.5c = 70.5c (k ≤ 18).
//
// Service use (activity in the financial year 2011, the only one, so the base rates are its
// rates): per person 18-64 and per person 65+ in need as in useWorking and useOlder (residential
// 65+ differs by council: Shire 0.10, U 0.12, V 0.08); home care clients get 10 hours a week.

import (
	"math"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

const (
	synthBase     = 2011
	synthEngland  = "E92000001"
	synthNorth    = "E12000001"
	synthSouth    = "E12000002"
	synthShire    = "E10000001"
	synthTownA    = "E07000001"
	synthTownB    = "E07000002"
	synthUnitaryU = "E06000001"
	synthUnitaryV = "E06000002"
	hoursPerWeek  = 10.0
)

// synthC is each district's count of women per single year of age.
var synthC = map[string]float64{synthTownA: 100, synthTownB: 200, synthUnitaryU: 300, synthUnitaryV: 400}

// Services in the order of the activity data, with use rates per person 18-64 and per person 65+
// in need (residential 65+ by council).
var (
	synthServices = []string{"residential", "nursing", "home_care", "direct_payments", "day_care", "meals"}
	useWorking    = map[string]float64{"residential": 0.001, "nursing": 0.0005, "home_care": 0.002, "direct_payments": 0.003, "day_care": 0.001}
	useOlder      = map[string]float64{"nursing": 0.05, "home_care": 0.20, "direct_payments": 0.06, "day_care": 0.04, "meals": 0.01}
	residential65 = map[string]float64{synthShire: 0.10, synthUnitaryU: 0.12, synthUnitaryV: 0.08}
)

// councilC is the c of a council: the sum of its districts' c.
func councilC(code string) float64 {
	if code == synthShire {
		return synthC[synthTownA] + synthC[synthTownB]
	}
	return synthC[code]
}

// needF and needM are adl_need_help's rates for women and men by age.
func needF(x int) float64 {
	switch {
	case x >= 85:
		return 0.40
	case x >= 75:
		return 0.20
	case x >= 65:
		return 0.10
	}
	return 0
}

func needM(x int) float64 { return 0.8 * needF(x) }

// synthInputs builds the synthetic inputs; each call returns fresh values that a test may change.
func synthInputs() *engine.Inputs {
	in := &engine.Inputs{
		National:    synthEngland,
		Estimates:   map[string]map[int]*population.Pop90{},
		Projections: map[string]map[string]map[int]*population.Pop90{},
		Oldest:      map[int]*population.Pop{},
		E65:         map[int][forecast.NumSexes]float64{},
		RatesFirst:  synthBase,
	}
	in.Areas = []forecast.AreaInfo{
		{Code: synthEngland, Name: "England", Type: "country"},
		{Code: synthNorth, Name: "North", Type: "region", Parent: synthEngland, Region: synthNorth},
		{Code: synthSouth, Name: "South", Type: "region", Parent: synthEngland, Region: synthSouth},
		{Code: synthShire, Name: "Shire", Type: "county", Parent: synthNorth, Region: synthNorth},
		{Code: synthTownA, Name: "Town A", Type: "non_metropolitan_district", Parent: synthShire, Region: synthNorth},
		{Code: synthTownB, Name: "Town B", Type: "non_metropolitan_district", Parent: synthShire, Region: synthNorth},
		{Code: synthUnitaryU, Name: "Unitary U", Type: "unitary", Parent: synthNorth, Region: synthNorth},
		{Code: synthUnitaryV, Name: "Unitary V", Type: "unitary", Parent: synthSouth, Region: synthSouth},
	}
	for d, c := range synthC {
		p := new(population.Pop90)
		for x := range forecast.OpenAge {
			p[forecast.Female][x], p[forecast.Male][x] = c, c/2
		}
		p[forecast.Female][forecast.OpenAge], p[forecast.Male][forecast.OpenAge] = 5*c, 5*c/2
		in.Estimates[d] = map[int]*population.Pop90{synthBase: p}
	}
	// Rates that change nothing but age: 2011..2040.
	for range 30 {
		in.Rates = append(in.Rates, population.Rates{MaleBirths: 0.5})
	}
	old := new(population.Pop)
	for s := range old {
		for x := forecast.OpenAge; x <= population.MaxAge; x++ {
			old[s][x] = float64(population.MaxAge + 1 - x)
		}
	}
	in.Oldest[synthBase] = old
	for x := 20; x < 40; x++ {
		in.InMigration[forecast.Female][x], in.InMigration[forecast.Male][x] = 1, 1
	}
	// Period life expectancy at 65 rises by 0.2 years a year from 21 (women) and 19 (men).
	for y := 2001; y <= 2041; y++ {
		in.E65[y] = [forecast.NumSexes]float64{21 + 0.2*float64(y-synthBase), 19 + 0.2*float64(y-synthBase)}
	}
	// adl_need_help (2014): by sex, three bands.
	for _, b := range [][2]int{{65, 74}, {75, 84}, {85, 90}} {
		in.Prevalence = append(in.Prevalence,
			engine.PrevalenceRate{Measure: "adl_need_help", Sex: int(forecast.Female), AgeFrom: b[0], AgeTo: b[1], Rate: needF(b[0]),
				Lo: math.NaN(), Hi: math.NaN(), EvidenceYear: 2014, Source: "synthetic"},
			engine.PrevalenceRate{Measure: "adl_need_help", Sex: int(forecast.Male), AgeFrom: b[0], AgeTo: b[1], Rate: needM(b[0]),
				Lo: math.NaN(), Hi: math.NaN(), EvidenceYear: 2014, Source: "synthetic"})
	}
	// dementia (2011): both sexes, with 95% intervals.
	for _, r := range []struct {
		from, to     int
		rate, lo, hi float64
	}{{65, 69, 0.02, 0.01, 0.04}, {70, 79, 0.05, 0.03, 0.08}, {80, 90, 0.2, 0.15, 0.25}} {
		in.Prevalence = append(in.Prevalence, engine.PrevalenceRate{Measure: "dementia", Sex: -1, AgeFrom: r.from, AgeTo: r.to,
			Rate: r.rate, Lo: r.lo, Hi: r.hi, EvidenceYear: 2011, Source: "synthetic"})
	}
	// Activity in 2011-12 at the use rates above.
	for _, council := range []string{synthShire, synthUnitaryU, synthUnitaryV} {
		c := councilC(council)
		working, older := 70.5*c, 9.8*c
		for _, s := range synthServices {
			measure, div := "clients", 1.0
			if s == "residential" || s == "nursing" {
				measure, div = "weeks", 52
			}
			if u, ok := useWorking[s]; ok {
				in.Activity = append(in.Activity, engine.Activity{Area: council, Year: synthBase, Service: s, AgeFrom: 18, AgeTo: 64,
					Measure: measure, Value: u * working * div})
			}
			u := useOlder[s]
			if s == "residential" {
				u = residential65[council]
			}
			in.Activity = append(in.Activity, engine.Activity{Area: council, Year: synthBase, Service: s, AgeFrom: 65, AgeTo: forecast.OpenAge,
				Measure: measure, Value: u * older * div})
		}
		clients := (useWorking["home_care"]*working + useOlder["home_care"]*older)
		in.Activity = append(in.Activity, engine.Activity{Area: council, Year: synthBase, Service: "home_care", AgeFrom: 18,
			AgeTo: forecast.OpenAge, Measure: "hours", Value: clients * hoursPerWeek * 52})
	}
	return in
}

// synthScenario is a scenario on the synthetic data from 2011 to 2016.
// Its services follow need alone (needOnly), as the synthetic activity was made: the step tests
// check the single-measure arithmetic, TestServiceDriversSynthetic the default mix.
func synthScenario(levers ...forecast.LeverSpec) forecast.Scenario {
	return forecast.Scenario{Name: "synthetic", BaseYear: synthBase, Horizon: 2016, Levers: levers, Districts: true,
		Costs: forecast.CostSpec{PriceBase: "2011-12"}, Services: forecast.ServicesSpec{Drivers: needOnly}}
}

// needOnly gives every service for 65+ to the general need measure: residential in full, and
// the services not listed follow need_measure alone.
var needOnly = []forecast.ServiceDriver{{Service: "residential", Measure: forecast.DefaultNeedMeasure, Share: 1}}
