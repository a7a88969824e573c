package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/web/chart"
)

// TestWholeCareHomeMarket: the scenario form's share of care-home residents not funded by the
// council ("self-funders fall to 30%" in Sheffield, a step from 2025) reaches the results
// page's capacity table, where the four whole-market rows carry their labels and the engine's
// numbers: in 2035, 0.30/0.70 of the council-supported residents not council funded against
// the base share's in the baseline, the gap against Sheffield's 4,368 CQC beds, and the
// council's own beds unchanged.
func TestWholeCareHomeMarket(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "action": {"run"}, "market_value": {"0.3"},
		"market_start": {"2025"}, "market_end": {"2025"}, "market_profile": {"step"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/runs/run_") {
		t.Fatalf("save and run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	p = c.get("/runs/" + runID + "?year=2035")
	if p.status != http.StatusOK {
		t.Fatalf("results: %d\n%s", p.status, p.body)
	}
	sc := forecast.Scenario{Name: "x", Areas: []string{Sheffield},
		Levers: []forecast.LeverSpec{{Type: forecast.LeverNotCouncilFunded, Value: 0.3, Start: 2025, End: 2025, Profile: "step"}}}
	council := centralValue(t, sc, Sheffield, 2035, "service.residential", "18+") + centralValue(t, sc, Sheffield, 2035, "service.nursing", "18+")
	base := sc
	base.Levers = nil
	for _, tc := range []struct {
		measure, label string
		scenario       float64
	}{
		{forecast.MeasureNotCouncilFunded, "Care-home residents not council-funded", 0.3 / 0.7 * council},
		{forecast.MeasureWholeMarketResidents, "Care-home residents, whole market", council / 0.7},
		{forecast.MeasureWholeMarketBeds, "Care-home beds, whole market", council / 0.7 / forecast.DefaultOccupancy},
		{forecast.MeasureWholeMarketBedsGap, "Care-home bed gap, whole market", council/0.7/forecast.DefaultOccupancy - 4368},
	} {
		r := row(t, p.body, "capacity-table", tc.measure)
		cs := cells(r)
		b := centralValue(t, base, Sheffield, 2035, tc.measure, "18+")
		if !strings.Contains(r, tc.label) || len(cs) != 5 || cs[1] != chart.Number(b) || cs[2] != chart.Number(tc.scenario) {
			t.Errorf("%s row %q; want %q, baseline %s, scenario %s", tc.measure, cs, tc.label, chart.Number(b), chart.Number(tc.scenario))
		}
	}
	if rb := cells(row(t, p.body, "capacity-table", "capacity.residential_beds")); rb[4] != "0 (0.0%)" {
		t.Errorf("the share lever moved the council's residential beds: %q", rb)
	}
	if !strings.Contains(p.body, "Share of care-home residents not funded by the council: 0.3, 2025–2025 (step)") {
		t.Error("results page does not describe the lever")
	}
}
