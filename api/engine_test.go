package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// withRealRunner wires carecast on the default data (service.Default) as the Runner and
// scenario validator, as the server does.
func withRealRunner(t *testing.T) serverOpt {
	cc, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := withEngine(t)
	return func(c *Config, d *Deps) {
		base(c, d)
		d.Scenarios = cc
		d.Runner = cc
	}
}

// TestEngineRunEndToEnd answers the planner's question through the API: how many home-care
// hours will Sheffield need in 2035 if 10% of residential care shifts to home care?
func TestEngineRunEndToEnd(t *testing.T) {
	ts := newTestServer(t, true, withRealRunner(t))
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	base := ts.succeededRun(planner, `{"name": "Baseline", "areas": ["E08000019"], "horizon": 2040}`)
	shift := ts.succeededRun(planner, `{"name": "Shift 10%", "areas": ["E08000019"], "horizon": 2040,
		"levers": [{"type": "shift_residential_to_home_care", "value": 10, "start": 2025, "end": 2030}]}`)

	getYear := func(run Run, year int, measure, band string) float64 {
		t.Helper()
		rows := ts.pageAll(viewer, fmt.Sprintf("/v1/runs/%s/results?area=E08000019&year_from=%d&year_to=%d&limit=50&measure=%s", run.ID, year, year, measure))
		for _, r := range rows {
			if r.Sex == "all" && r.AgeBand == band {
				return r.Mean
			}
		}
		t.Fatalf("no %s %s row in run %s", measure, band, run.ID)
		return 0
	}
	get := func(run Run, measure, band string) float64 { return getYear(run, 2035, measure, band) }
	// The JSON envelope names the data the numbers rest on (datasets.TestDataYears pins the line).
	var page ResultsPage
	want(t, ts.do(http.MethodGet, "/v1/runs/"+base.ID+"/results?limit=1", viewer, nil), http.StatusOK).json(t, &page)
	if !strings.HasPrefix(page.DataYears, "population: ONS mid-2022 estimates") || !strings.Contains(page.DataYears, "service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), PSS-EX1 2011-12 to 2013-14 (day care, meals)") {
		t.Errorf("results page data_years = %q", page.DataYears)
	}
	hBase, hShift := get(base, "capacity.home_care_hours", "18+"), get(shift, "capacity.home_care_hours", "18+")
	resBase, resShift := get(base, "service.residential", "18+"), get(shift, "service.residential", "18+")
	homeBase, homeShift := get(base, "service.home_care", "18+"), get(shift, "service.home_care", "18+")
	// 10% of residential residents move to home care, one client each (hand check).
	if math.Abs(resShift-0.9*resBase) > 1e-6*resBase || math.Abs(homeShift-(homeBase+0.1*resBase)) > 1e-6*homeBase {
		t.Fatalf("residential %v → %v, home care %v → %v", resBase, resShift, homeBase, homeShift)
	}
	if !(hShift > hBase) || math.Abs(hShift/hBase-homeShift/homeBase) > 1e-9 {
		t.Fatalf("home-care hours %v → %v should grow as home-care clients do", hBase, hShift)
	}

	// Drivers of the change to 2035 add up, and the lever has its own part.
	var d Drivers
	want(t, ts.do(http.MethodGet, "/v1/runs/"+shift.ID+"/drivers?area=E08000019&year=2035", viewer, nil), http.StatusOK).json(t, &d)
	found := false
	for _, g := range d.Items {
		if g.Measure == "service.home_care" {
			var sum float64
			names := []string{}
			for _, p := range g.Parts {
				sum += p.Mean
				names = append(names, p.Part)
			}
			if math.Abs(sum-(homeShift-getYear(shift, 2022, "service.home_care", "18+"))) > 1e-6*homeShift {
				t.Fatalf("parts %v sum to %v", names, sum)
			}
			if !strings.Contains(strings.Join(names, ","), "1_shift_residential_to_home_care") {
				t.Fatalf("parts %v lack the lever", names)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no home-care drivers: %+v", d)
	}

	// The Excel export reads back with the project's own reader and holds the same number.
	r := want(t, ts.do(http.MethodGet, "/v1/runs/"+shift.ID+"/results/export?format=xlsx&measure=capacity.home_care_hours", viewer, nil), http.StatusOK)
	var fromXLSX float64
	err := datasets.ReadExport(t.Context(), datasets.FormatXLSX, bytes.NewReader(r.body), 0, func(row forecast.ResultRow) error {
		if row.Year == 2035 && row.AreaCode == "E08000019" && row.Measure == "capacity.home_care_hours" {
			fromXLSX = row.Mean
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fromXLSX-hShift) > 1e-9*hShift {
		t.Fatalf("xlsx %v, API %v", fromXLSX, hShift)
	}

	// A scenario the data cannot run is refused with its problems located.
	p := want(t, ts.do(http.MethodPost, "/v1/scenarios", planner, `{"name": "x", "base_year": 2019, "areas": ["E06000028"]}`), http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) < 2 {
		t.Fatalf("problems: %+v", p)
	}
}

// TestScenarioSchemaEndDoc checks that the served schema says what a lever's end year means
// for annual rates, with the worked example (its figures are checked against
// forecast.Lever.Cumulative in package forecast).
func TestScenarioSchemaEndDoc(t *testing.T) {
	var doc struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(service.NewScenarioSchema(nil).Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	end := doc.Defs["LeverSpec"].Properties["end"].Description
	for _, s := range []string{"year the annual rate is reached in full", "rate reached in full by 2045 gives about -3.1% by 2035"} {
		if !strings.Contains(end, s) {
			t.Errorf("schema: levers[].end description lacks %q: %q", s, end)
		}
	}
}
