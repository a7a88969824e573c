package datasets_test

import (
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// TestDataYears checks the line that names the data behind a run's numbers, on the default
// data (datasets/README.md: mid-2021 estimates for every district, ONS NPP 2018 rates, PSS-EX1
// activity 2009-10 to 2013-14 of which the default 3 latest years are used, CFAS II dementia
// rates and HSE 2013/2021 need rates, no unit costs, no supply).
func TestDataYears(t *testing.T) {
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := engineOn(t, b)
	for _, c := range []struct {
		name string
		sc   forecast.Scenario
		want string
	}{
		{"cohort", forecast.Scenario{Name: "t", Areas: []string{"E08000019"}, Horizon: 2030},
			"population: ONS mid-2021 estimates, projected on ONS NPP 2018 assumptions; need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: PSS-EX1 2011-12 to 2013-14; unit costs: carecast's illustrative defaults (assumptions, not data)"},
		{"supplied, one base year", forecast.Scenario{Name: "t", Areas: []string{"E06000001"}, BaseYear: 2020, Horizon: 2029,
			Population: forecast.PopulationSpec{Source: "supplied"}, Services: forecast.ServicesSpec{BaseYears: 1}},
			"population: ONS mid-2020 estimates; projection: ONS SNPP 2016 principal, ONS NPP 2018 principal; need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: PSS-EX1 2013-14; unit costs: carecast's illustrative defaults (assumptions, not data)"},
	} {
		p, err := e.Describe(c.sc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := engine.DataSummary(p.DataYears); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		// A run records the same line in its provenance and in its result files' metadata.
		res, err := e.Run(t.Context(), c.sc, engine.RunOptions{NoDrivers: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := datasets.RunProvenance(res.Provenance).Metadata()["carecast.data_years"]; got != c.want {
			t.Errorf("%s: result metadata data_years = %q", c.name, got)
		}
	}
}
