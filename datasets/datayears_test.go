package datasets_test

import (
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// TestDataYears checks the line that names the data behind a run's numbers, on the default
// data (datasets/README.md: mid-2021 estimates for every district, ONS NPP 2018 rates, PSS-EX1
// activity 2009-10 to 2013-14 of which the default 3 latest years are used, CFAS II dementia
// rates and HSE 2013/2021 need rates, ASC-FR 2021-22 unit costs of residential, nursing and
// home care with the PSS pay & prices index, CQC care home beds).
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
			"population: ONS mid-2022 estimates, projected on ONS NPP 2018 assumptions; need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), PSS-EX1 2011-12 to 2013-14 (day care, meals), " +
				"home-care hours from ASC-FR 2021-22 (derived: spend on home care ÷ hourly rate); unit costs: ASC-FR 2021-22, restated at 2022-23 prices by the PSS pay & prices index, carecast's illustrative defaults for direct payments, day care, meals (assumptions, not data); supply: CQC care home beds, 1 February 2021"},
		{"supplied, one base year", forecast.Scenario{Name: "t", Areas: []string{"E06000001"}, BaseYear: 2020, Horizon: 2029,
			Population: forecast.PopulationSpec{Source: "supplied"}, Services: forecast.ServicesSpec{BaseYears: 1}},
			"population: ONS mid-2020 estimates; projection: ONS NPP 2018 principal, ONS SNPP 2018 principal; need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), PSS-EX1 2013-14 (day care, meals), " +
				"home-care hours from ASC-FR 2021-22 (derived: spend on home care ÷ hourly rate); unit costs: ASC-FR 2021-22, restated at 2022-23 prices by the PSS pay & prices index, carecast's illustrative defaults for direct payments, day care, meals (assumptions, not data); supply: CQC care home beds, 1 February 2021"},
		{"a Strategy Unit variant", forecast.Scenario{Name: "t", Areas: []string{"E06000001"}, Horizon: 2030,
			Population: forecast.PopulationSpec{Source: "supplied", Variant: "high_migration"}},
			"population: ONS mid-2022 estimates; projection: ONS SNPP 2018 high_migration variant derived by the Strategy Unit (not an ONS product); need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), PSS-EX1 2011-12 to 2013-14 (day care, meals), " +
				"home-care hours from ASC-FR 2021-22 (derived: spend on home care ÷ hourly rate); unit costs: ASC-FR 2021-22, restated at 2022-23 prices by the PSS pay & prices index, carecast's illustrative defaults for direct payments, day care, meals (assumptions, not data); supply: CQC care home beds, 1 February 2021"},
		{"a council formed from part of a county", forecast.Scenario{Name: "t", Areas: []string{"E06000063"}, Horizon: 2030},
			"population: ONS mid-2022 estimates, projected on ONS NPP 2018 assumptions; need: HSE 2013, CFAS II 2011, HSE 2021; " +
				"service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), PSS-EX1 2011-12 to 2013-14 (day care, meals), " +
				"Cumberland's figures apportioned from Cumbria by people 18-64 or 65+ (ONS mid-2021), " +
				"home-care hours from ASC-FR 2021-22 (derived: spend on home care ÷ hourly rate); unit costs: ASC-FR 2021-22, restated at 2022-23 prices by the PSS pay & prices index, carecast's illustrative defaults for direct payments, day care, meals (assumptions, not data); supply: CQC care home beds, 1 February 2021, Cumberland's beds apportioned from Cumbria by share of people 65+ (ONS mid-2020)"},
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

// TestCouncilCostsNameTheirSource checks the provenance of a council's unit costs on the default
// data: Sheffield's own ASC-FR 2021-22 figures (£1,073.9241 a week residential, £893.83 nursing,
// £17.60 an hour home care: TestUnitCosts in package convert), restated ×1.072 at the default
// 2022-23 prices (PSSRU 2023 Table 12.1.2, all sectors +7.2%); Hackney, which submitted no
// ASC-FR 2021-22, on London's figure and saying so; the services the data does not cost, on
// the illustrative defaults and saying so; a region's run, on each council's own.
func TestCouncilCostsNameTheirSource(t *testing.T) {
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := engineOn(t, b)
	describe := func(area string) map[string]string {
		p, err := e.Describe(forecast.Scenario{Name: "t", Areas: []string{area}, Horizon: 2030})
		if err != nil {
			t.Fatal(err)
		}
		return p.UnitCosts
	}
	for _, c := range []struct {
		area, service string
		want          []string
	}{
		{"E08000019", "residential", []string{"£1151.25 per week at 2022-23 prices", "ASC-FR 2021-22 T52", "Sheffield", "NHS Digital", "2021-22 prices restated ×1.0720 by the PSS pay & prices index"}},
		{"E08000019", "nursing", []string{"£958.19 per week at 2022-23 prices", "Sheffield"}},
		{"E08000019", "home_care", []string{"£18.87 per hour at 2022-23 prices", "ASC-FR 2021-22 T51", "Sheffield"}},
		{"E08000019", "meals", []string{"£35 per week (carecast illustrative default, an assumption)"}},
		{"E09000012", "residential", []string{"region's figure", "London", "Hackney"}},
		{"E12000003", "nursing", []string{"each council's own from the data (15 of 15 councils; England £", "ASC-FR 2021-22 T52"}},
	} {
		got := describe(c.area)[c.service]
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s unit cost: %q lacks %q", c.area, c.service, got, w)
			}
		}
	}
}
