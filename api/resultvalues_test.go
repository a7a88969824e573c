package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
)

// TestUnknownFilterValues: a filter value that the run's results do not hold answers 422 naming
// it and the known values, on the results, every export format, the comparison and the
// drivers; known values that select no row together answer 200 with nothing.
func TestUnknownFilterValues(t *testing.T) {
	e, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, true, withRealRunner(t), func(c *Config, d *Deps) {
		d.Web = &web.Deps{Projector: defaultCarecast(t), Areas: e.Inputs().Areas, Catalog: e.Inputs()}
	})
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	r := ts.succeededRun(planner, `{"name": "Shift", "areas": ["E08000019"], "horizon": 2030,
		"levers": [{"type": "shift_residential_to_home_care", "value": 10, "start": 2025, "end": 2030}]}`)

	var vals ResultValues
	want(t, ts.do("GET", valuesPath(r.ID), viewer, nil), http.StatusOK).json(t, &vals)
	if strings.Join(vals.Areas, ",") != "E08000019" || len(vals.Years) != 9 || vals.Years[0] != 2022 ||
		strings.Join(vals.Sexes, ",") != "all,female,male" || !strings.Contains(strings.Join(vals.Measures, ","), "need.dementia") {
		t.Fatalf("values %+v", vals)
	}

	paths := []string{"/results?"}
	for _, f := range datasets.ExportFormats {
		paths = append(paths, "/results/export?format="+string(f)+"&")
	}
	for _, tt := range []struct {
		query    string
		location string
		names    []string // in the detail: the unknown value and some known ones
	}{
		{"measure=need.dementa", "query.measure", []string{`"need.dementa"`, "need.dementia", "service.home_care", "60 driver measures"}}, // 20 targets × 3 parts, use_trend one of them
		{"measure=need.dementia,ned.*", "query.measure", []string{`"ned.*"`, "need.dementia"}},
		{"measure=driver.need.dementia.demograhy", "query.measure", []string{`"driver.need.dementia.demograhy"`, "driver.need.dementia.demography"}},
		{"area=E09000001", "query.area", []string{`"E09000001"`, "E08000019"}},
		{"age_band=65-75", "query.age_band", []string{`"65-75"`, "65-74", "85+"}},
		{"sex=femal", "query.sex", []string{"femal", "female"}},
		{"year_from=2040", "query.year_from", []string{"2040", "2022 to 2030"}},
	} {
		for _, p := range paths {
			t.Run(p+tt.query, func(t *testing.T) {
				res := want(t, ts.do("GET", "/v1/runs/"+r.ID+p+tt.query, viewer, nil), http.StatusUnprocessableEntity)
				pd := res.problem(t)
				for _, n := range tt.names {
					if !strings.Contains(pd.Detail, n) {
						t.Errorf("detail %q lacks %q", pd.Detail, n)
					}
				}
				if len(pd.Errors) == 0 || pd.Errors[0].Location != tt.location {
					t.Errorf("errors %+v, want one at %s", pd.Errors, tt.location)
				}
				if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("Content-Type %q", ct)
				}
			})
		}
	}

	// Known values that select no row together: 200 and nothing.
	empty := "measure=capacity.home_care_hours&sex=female"
	var page ResultsPage
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results?"+empty, viewer, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("%d items for %s", len(page.Items), empty)
	}
	res := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export?format=csv&"+empty, viewer, nil), http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(string(res.body)), "\n"); len(lines) != 1 {
		t.Fatalf("csv export of %s has %d lines", empty, len(lines))
	}
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export?format=parquet&"+empty, viewer, nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results?measure=need.*&area=E08000019&year_from=2030", viewer, nil), http.StatusOK)

	// The comparison checks the filter against its first run, the drivers against the run.
	pd := want(t, ts.do("GET", "/v1/compare?runs="+r.ID+","+r.ID+"&measure=need.dementa", viewer, nil), http.StatusUnprocessableEntity).problem(t)
	if !strings.Contains(pd.Detail, "need.dementia") {
		t.Errorf("compare: %q", pd.Detail)
	}
	for q, n := range map[string]string{"area=E09000001&year=2030": "E08000019", "area=E08000019&year=2031": "2022 to 2030",
		"area=E08000019&year=2030&measure=need.dementa": "need.dementia"} {
		pd := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?"+q, viewer, nil), http.StatusUnprocessableEntity).problem(t)
		if !strings.Contains(pd.Detail, n) {
			t.Errorf("drivers?%s: %q lacks %q", q, pd.Detail, n)
		}
	}
	var d Drivers
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?area=E08000019&year=2030&measure=need.dementia&sex=all&age_band=65%2B", viewer, nil), http.StatusOK).json(t, &d)
	if len(d.Items) != 1 {
		t.Errorf("drivers: %+v", d)
	}

	// The web pages' downloads refuse the same values, and answer known but empty selections.
	cookie := web.CookieName + "=" + viewer
	for _, p := range []string{"/runs/" + r.ID + "/data.csv?", "/runs/" + r.ID + "/export?format=csv&", "/runs/" + r.ID + "/export?format=xlsx&",
		"/compare/data.csv?runs=" + r.ID + "," + r.ID + "&area=E08000019&"} {
		res := want(t, ts.do("GET", p+"measure=need.dementa", "", nil, "Cookie", cookie), http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.body), "need.dementa") || !strings.Contains(string(res.body), "need.dementia") {
			t.Errorf("%s: %s", p, res.body)
		}
		want(t, ts.do("GET", p+"measure=capacity.home_care_hours&sex=female", "", nil, "Cookie", cookie), http.StatusOK)
	}
	res = want(t, ts.do("GET", "/runs/"+r.ID+"/data.csv?area=E09000001", "", nil, "Cookie", cookie), http.StatusUnprocessableEntity)
	if !strings.Contains(string(res.body), "E08000019") {
		t.Errorf("data.csv: %s", res.body)
	}
}
