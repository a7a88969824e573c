package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// uploadRows uploads rows as a Parquet dataset of their kind and returns it.
func uploadRows[T datasets.Record](t *testing.T, ts *testServer, key, name string, rows []T) Dataset {
	t.Helper()
	var buf bytes.Buffer
	if err := datasets.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	var d Dataset
	want(t, ts.do("POST", uploadPath(string(datasets.KindOf[T]()), name), key, buf.Bytes()), http.StatusCreated).json(t, &d)
	return d
}

// cellOf returns one cell's mean from a run's results.
func (ts *testServer) cellOf(key string, run Run, area string, year int, measure, band string) float64 {
	ts.t.Helper()
	rows := ts.pageAll(key, fmt.Sprintf("/v1/runs/%s/results?area=%s&year_from=%d&year_to=%d&measure=%s&sex=all&age_band=%s", run.ID, area, year, year, measure, url.QueryEscape(band)))
	if len(rows) != 1 {
		ts.t.Fatalf("run %s: %d rows of %s %s %d %s", run.ID, len(rows), area, measure, year, band)
	}
	return rows[0].Mean
}

// TestRunsOnTheCouncilsOwnData: a council uploads its own population projection (variant
// "flat": Sheffield's mid-2021 estimate held to 2035; variant "council": twice it) and its own unit
// costs (nursing at twice the illustrative £950 a week), names them in scenarios, and gets
// double the need and its own nursing cost per resident-week (against Sheffield's ASC-FR
// figure on the default data), with each upload's content hash in the run's
// provenance. An upload that lacks what a scenario needs is refused when the scenario is saved,
// naming what is missing; another organisation's dataset is not found.
func TestRunsOnTheCouncilsOwnData(t *testing.T) {
	ts := newTestServer(t, true, withRealRunner(t), withRealDatasets(0))
	planner := ts.key("alpha", store.RolePlanner)
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Two variants in one file: Sheffield's mid-2021 estimate held flat to 2035, and twice it.
	var own []datasets.Population
	for _, p := range b.Population {
		if p.AreaCode == "E08000019" && p.Kind == "estimate" && p.Year == 2021 {
			for y := int32(2021); y <= 2035; y++ {
				flat := p
				flat.Year, flat.Kind, flat.Variant, flat.Source = y, "projection", "flat", "Sheffield City Council test projection"
				double := flat
				double.Variant, double.Count = "council", 2*p.Count
				own = append(own, flat, double)
			}
		}
	}
	if len(own) != 2*15*2*91 {
		t.Fatalf("%d rows from Sheffield's mid-2021 estimate", len(own))
	}
	pop := uploadRows(t, ts, planner, "sheffield-council-projection.parquet", own)
	costs := uploadRows(t, ts, planner, "sheffield-costs.parquet", []datasets.UnitCost{{AreaCode: "E08000019", Year: 2022, Service: "nursing", Unit: "week",
		Cost: 2 * forecast.DefaultUnitCosts["nursing"].Cost, PriceBase: "2022-23", Source: "Sheffield City Council test costs"}})

	base := ts.succeededRun(planner, fmt.Sprintf(`{"name": "flat", "areas": ["E08000019"], "horizon": 2035,
		"population": {"source": "supplied", "variant": "flat"}, "datasets": [{"kind": "population", "dataset": %q}]}`, pop.ID))
	mine := ts.succeededRun(planner, fmt.Sprintf(`{"name": "our projection", "areas": ["E08000019"], "horizon": 2035,
		"population": {"source": "supplied", "variant": "council"}, "datasets": [{"kind": "population", "dataset": %q}]}`, pop.ID))
	for _, c := range []struct{ measure, band string }{{"population", "all"}, {"need.adl_need_help", "65+"}, {"need.dementia", "65+"}} {
		b, m := ts.cellOf(planner, base, "E08000019", 2030, c.measure, c.band), ts.cellOf(planner, mine, "E08000019", 2030, c.measure, c.band)
		if math.Abs(m/b-2) > 1e-9 {
			t.Errorf("%s %s 2030: %.1f on the doubled projection, %.1f on the flat one: ratio %.12f, want 2", c.measure, c.band, m, b, m/b)
		}
	}

	withCosts := ts.succeededRun(planner, fmt.Sprintf(`{"name": "our costs", "areas": ["E08000019"], "horizon": 2035,
		"datasets": [{"kind": "unit_costs", "dataset": %q}]}`, costs.ID))
	noCosts := ts.succeededRun(planner, `{"name": "default costs", "areas": ["E08000019"], "horizon": 2035}`)
	weekly := func(run Run, service string) float64 {
		return ts.cellOf(planner, run, "E08000019", 2030, "cost."+service, "18+") / (52 * ts.cellOf(planner, run, "E08000019", 2030, "service."+service, "18+"))
	}
	// Sheffield's ASC-FR 2021-22 nursing £893.8313 a week and residential £1,073.9241 (package
	// convert's TestUnitCosts), ×1.072 to the default 2022-23 prices (PSSRU Table 12.1.2).
	for _, c := range []struct {
		name    string
		run     Run
		service string
		want    float64
	}{{"default costs", noCosts, "nursing", 893.8313121 * 1.072}, {"default costs", noCosts, "residential", 1073.924103 * 1.072},
		{"our costs", withCosts, "nursing", 1900},
		// An upload replaces the kind whole (datasets/README.md): residential care, which it
		// does not cost, falls back to the illustrative £800 a week.
		{"our costs", withCosts, "residential", forecast.DefaultUnitCosts["residential"].Cost}} {
		if got := weekly(c.run, c.service); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("run %q: Sheffield's %s cost £%.4f a week in 2030, want £%.4f", c.name, c.service, got, c.want)
		}
	}
	nc := ts.cellOf(planner, withCosts, "E08000019", 2030, "cost.nursing", "18+")

	// The same costs as CSV: the same validation, the same numbers.
	var csvBuf bytes.Buffer
	if err := datasets.WriteCSV(&csvBuf, []datasets.UnitCost{{AreaCode: "E08000019", Year: 2022, Service: "nursing", Unit: "week",
		Cost: 2 * forecast.DefaultUnitCosts["nursing"].Cost, PriceBase: "2022-23", Source: "Sheffield City Council test costs"}}); err != nil {
		t.Fatal(err)
	}
	var csvCosts Dataset
	want(t, ts.do("POST", uploadPath("unit_costs", "sheffield-costs.csv"), planner, csvBuf.Bytes(), "Content-Type", "text/csv"), http.StatusCreated).json(t, &csvCosts)
	withCSV := ts.succeededRun(planner, fmt.Sprintf(`{"name": "our costs, CSV", "areas": ["E08000019"], "horizon": 2035,
		"datasets": [{"kind": "unit_costs", "dataset": %q}]}`, csvCosts.ID))
	if got := ts.cellOf(planner, withCSV, "E08000019", 2030, "cost.nursing", "18+"); got != nc {
		t.Errorf("cost.nursing 2030 from the CSV upload %v, from the Parquet upload %v", got, nc)
	}
	bad := strings.Replace(csvBuf.String(), ",1900,", ",-1900,", 1)
	p := want(t, ts.do("POST", uploadPath("unit_costs", "bad.csv"), planner, bad, "Content-Type", "text/csv"), http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location, "row 1") || !strings.Contains(p.Errors[0].Location, "column cost") {
		t.Errorf("a bad CSV value: %+v", p)
	}

	// Each run's provenance lists the upload it used, by content hash.
	for _, c := range []struct {
		run Run
		ds  Dataset
	}{{mine, pop}, {withCosts, costs}} {
		var got Run
		want(t, ts.do("GET", "/v1/runs/"+c.run.ID, planner, nil), http.StatusOK).json(t, &got)
		prov, _ := json.Marshal(got.Provenance)
		if !strings.Contains(string(prov), strings.TrimPrefix(c.ds.ContentHash, "sha256:")) {
			t.Errorf("run %s's provenance lacks %s's hash %s: %.600s", c.run.ID, c.ds.ID, c.ds.ContentHash, prov)
		}
	}

	// What the upload lacks is said when the scenario is saved, not when it runs.
	p = want(t, ts.do("POST", "/v1/scenarios", planner, fmt.Sprintf(`{"name": "too far", "areas": ["E08000019"], "horizon": 2040,
		"population": {"source": "supplied", "variant": "council"}, "datasets": [{"kind": "population", "dataset": %q}]}`, pop.ID)),
		http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "2036") || !strings.Contains(p.Errors[0].Location, "datasets[0]") {
		t.Errorf("a projection to 2035 for a scenario to 2040: %+v", p)
	}
	other := ts.key("beta", store.RolePlanner)
	p = want(t, ts.do("POST", "/v1/scenarios", other, fmt.Sprintf(`{"name": "not ours", "datasets": [{"kind": "population", "dataset": %q}]}`, pop.ID)),
		http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "no dataset "+pop.ID+" in your organisation") {
		t.Errorf("another organisation's dataset: %+v", p)
	}
	p = want(t, ts.do("POST", "/v1/scenarios", planner, fmt.Sprintf(`{"name": "wrong kind", "datasets": [{"kind": "prevalence", "dataset": %q}]}`, pop.ID)),
		http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "is a population dataset, not prevalence") {
		t.Errorf("a dataset of another kind: %+v", p)
	}
}
