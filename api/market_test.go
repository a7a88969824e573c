package api

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
)

// TestWholeMarketMeasures: a real run's results carry the whole care-home market
// (forecast.MeasureNotCouncilFunded and the rest) through the results API and the exports, with
// their units, and the not_council_funded_share lever is accepted: in Sheffield in 2030,
// with the share at 0.30 from 2025, those not funded by the council are 0.30/0.70 of the
// council-supported residents (service.residential + service.nursing).
func TestWholeMarketMeasures(t *testing.T) {
	e, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, true, withRealRunner(t), func(c *Config, d *Deps) {
		d.Web = &web.Deps{Projector: defaultCarecast(t), Areas: e.Inputs().Areas, Catalog: e.Inputs()}
	})
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	r := ts.succeededRun(planner, `{"name": "Self-funders fall to 30%", "areas": ["E08000019"], "horizon": 2030,
		"levers": [{"type": "not_council_funded_share", "value": 0.3, "start": 2025, "end": 2025, "profile": "step"}]}`)
	rows := ts.pageAll(viewer, "/v1/runs/"+r.ID+"/results?year_from=2030&sex=all&age_band=18%2B&measure=service.residential,service.nursing,capacity.care_home_*")
	got := map[string]forecast.ResultRow{}
	for _, x := range rows {
		got[x.Measure] = x
	}
	units := map[string]string{forecast.MeasureNotCouncilFunded: "residents", forecast.MeasureWholeMarketResidents: "residents",
		forecast.MeasureWholeMarketBeds: "beds", forecast.MeasureWholeMarketBedsGap: "beds"}
	for m, u := range units {
		if got[m].Unit != u {
			t.Errorf("%s: %+v, want unit %s", m, got[m], u)
		}
	}
	council := got["service.residential"].Mean + got["service.nursing"].Mean
	if nf := got[forecast.MeasureNotCouncilFunded].Mean; council == 0 || nf < 0.3/0.7*council*(1-1e-9) || nf > 0.3/0.7*council*(1+1e-9) {
		t.Errorf("Sheffield 2030: %v not council funded for %v council-supported, want 0.30/0.70 of them", nf, council)
	}
	res := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export?format=csv&measure=capacity.care_home_*", viewer, nil), http.StatusOK)
	n := 0
	if err := datasets.ReadExport(t.Context(), datasets.FormatCSV, bytes.NewReader(res.body), 0, func(x forecast.ResultRow) error {
		if _, ok := units[x.Measure]; !ok {
			t.Errorf("export row %+v", x)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 4*9 { // four measures × 2022..2030
		t.Errorf("%d export rows, want 36", n)
	}
}
