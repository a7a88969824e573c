package datasets_test

import (
	"context"
	"math"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

// TestServicesBacktestMatchesEngine checks that the service back-test scores the engine's
// method: on the default data's PSS-EX1 series, Hartlepool's residential care and home care for people 65+ in
// 2029 as the engine projects them with its default drivers (population supplied: ONS's
// 2016-based projection, so that no cohort model comes in) equal the back-test's forecast from
// the last activity year, 2013-14, given the same people in 2029. To have 2013-14 as an origin
// and 2029 as a target, the back-test's data gets one made-up activity row a year for 2014-2029
// and the projection as Hartlepool's 2029 population (after its last estimate, 2021); its base
// years, 2011-2013, read the same estimates as the engine's.
func TestServicesBacktestMatchesEngine(t *testing.T) {
	const hpool, year = "E06000001", 2029
	b, d := serviceData(t)
	// The engine on the PSS-EX1 series alone: with SALT 2021-22 in the data it measures
	// residential, nursing, home care and direct payments by SALT instead.
	pss := *b
	pss.ServiceActivity = nil
	for _, a := range b.ServiceActivity {
		if a.Year < 2014 {
			pss.ServiceActivity = append(pss.ServiceActivity, a)
		}
	}
	in, err := datasets.EngineInputs(&pss)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(in)
	if err != nil {
		t.Fatal(err)
	}
	// The PSS-EX1 back-test scores the base-rate method: without the history's use-rate trends
	// (the history back-test scores those).
	sc := forecast.Scenario{Name: "snpp", Areas: []string{hpool}, Horizon: year, Population: forecast.PopulationSpec{Source: "supplied", Variant: "snpp2016"},
		Services: forecast.ServicesSpec{UseTrend: forecast.UseTrendNone}}
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Provenance.Scenario.Services.Drivers; len(got) != 9 || got[0] != (forecast.ServiceDriver{Service: "residential", Measure: "dementia", Share: 0.7}) {
		t.Fatalf("the engine's drivers %+v, want the default", got)
	}

	proj := new(population.Pop90)
	for _, p := range b.Population {
		if p.AreaCode == hpool && p.Kind == "projection" && p.Year == year {
			s, err := forecast.ParseSex(p.Sex)
			if err != nil {
				t.Fatal(err)
			}
			proj[s][p.Age] += p.Count
		}
	}
	one := &backtest.ServiceData{Councils: []backtest.Council{{Code: hpool, Name: "Hartlepool"}}, Needs: d.Needs, NeedMeasure: d.NeedMeasure,
		Population: map[string]map[int]*population.Pop90{hpool: {}}}
	for y, p := range d.Population[hpool] {
		one.Population[hpool][y] = p
	}
	if ks := keys(one.Population[hpool]); len(ks) != 5 || one.Population[hpool][2011] == nil || one.Population[hpool][2018] == nil ||
		one.Population[hpool][2020] == nil || one.Population[hpool][2021] == nil || one.Population[hpool][2022] == nil {
		t.Fatalf("Hartlepool's estimates %v, want 2011, 2018, 2020, 2021 and 2022", ks)
	}
	one.Population[hpool][year] = proj // the base years 2011-2013 still between the 2011 and 2018 estimates
	for _, a := range d.Activity {
		if a.Area == hpool {
			one.Activity = append(one.Activity, a)
		}
	}
	for y := 2014; y <= year; y++ {
		one.Activity = append(one.Activity, backtest.Activity{Area: hpool, Year: y, Service: "meals", AgeBand: "65+", Measure: "clients", Value: 1})
	}
	for _, svc := range []string{"residential", "home_care"} {
		one.Activity = append(one.Activity, backtest.Activity{Area: hpool, Year: year, Service: svc, AgeBand: "65+", Measure: map[string]string{"residential": "weeks", "home_care": "clients"}[svc], Value: 1})
	}
	rep, err := backtest.Services(context.Background(), one, backtest.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := backtest.Services(context.Background(), one, backtest.ServiceOptions{Drivers: backtest.NeedAlone(one.NeedMeasure)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{backtest.MeasureResidential, backtest.MeasureHomeCare} {
		want, ok := r.Value(hpool, year, m, "all", "65+")
		if !ok {
			t.Fatalf("engine: no %s 65+ in %d", m, year)
		}
		found := false
		for _, row := range rep.Rows {
			if row.Measure == m && row.AgeBand == "65+" && row.Origin == 2013 && row.Year == year {
				found = true
				if math.Abs(row.Forecast-want) > 1e-9*want {
					t.Errorf("%s 65+ %d from 2013: back-test %.12g, engine %.12g", m, year, row.Forecast, want)
				}
				t.Logf("%s 65+ %d: back-test %.6f, engine %.6f", m, year, row.Forecast, want)
			}
		}
		for _, row := range alone.Rows { // the test tells the drivers from need alone
			if row.Measure == m && row.AgeBand == "65+" && row.Origin == 2013 && row.Year == year && math.Abs(row.Forecast-want) < 1e-3*want {
				t.Errorf("%s 65+ %d: by need alone %.6f, as close to the engine's %.6f as the drivers", m, year, row.Forecast, want)
			}
		}
		if !found {
			t.Errorf("back-test: no %s 65+ row from 2013 to %d", m, year)
		}
	}
}

func keys(m map[int]*population.Pop90) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
