package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carecast/carecast/forecast"
)

// TestBrowserLeversAreasAndDistricts: in a real browser, a planner sets a service-use trend
// and a migration change (levers that were API-only), adds a second area, ticks "Show
// districts", runs it, and moves from the county's results to one of its districts.
func TestBrowserLeversAreasAndDistricts(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, false)
	c := s.client()
	do(t, ctx, chromedp.Navigate(s.URL+"/scenarios/new?area="+Kent))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-svctrend_value")))
	checkAccessible(t, ctx, "builder")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-svctrend_service"), "day_care"),
		chromedp.SendKeys(chromedp.CSS("#f-svctrend_value"), "-2"),
		chromedp.SendKeys(chromedp.CSS("#f-migration_value"), "-20"),
		chromedp.SendKeys(chromedp.CSS("#f-more_areas"), "Sheffield, Medw"),
	)
	// The field suggests names for the entry being typed, keeping the ones before it.
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#more-areas-list option")].map(o => o.value).join("|")`); got != "Sheffield, Medway" {
		t.Errorf("suggestions %q", got)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-more_areas"), "Medway"), chromedp.Click(chromedp.CSS("#f-districts")))
	shot(t, ctx, "levers-builder.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[value="run"]`)))
	runPath := waitPath(t, ctx, "/runs/run_")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#districts")))
	if got := text(t, ctx, "#districts-h"); got != "Districts of Kent" {
		t.Errorf("districts heading %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#c-area option").length`); n < 3 {
		t.Errorf("the area picker offers %d areas", n)
	}
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#c-area option")].map(o => o.value).slice(0, 2).join(",")`); got == "" {
		t.Error("no areas to pick")
	}
	shot(t, ctx, "levers-county-results.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#districts a[href*="area=`+Maidstone+`"]`)))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#district-of")))
	if got := text(t, ctx, "#district-of"); got != "Part of Kent." {
		t.Errorf("district page says %q", got)
	}
	if got := eval[string](t, ctx, `location.pathname`); got != runPath {
		t.Errorf("left the run: %s", got)
	}
	checkAccessible(t, ctx, "district results")
	// The stored scenario has the levers, both areas and the districts.
	var run struct {
		ScenarioID string `json:"scenario_id"`
	}
	if err := json.Unmarshal([]byte(c.get("/v1/runs/"+strings.TrimPrefix(runPath, "/runs/")).body), &run); err != nil {
		t.Fatal(err)
	}
	_, doc := savedDoc(t, c, "/scenarios/"+run.ScenarioID)
	if len(doc.Areas) != 2 || doc.Areas[0] != Kent || !doc.Districts {
		t.Errorf("areas %v, districts %v", doc.Areas, doc.Districts)
	}
	types := map[string]forecast.LeverSpec{}
	for _, l := range doc.Levers {
		types[l.Type] = l
	}
	if l := types[forecast.LeverServiceTrend]; l.Service != "day_care" || l.Value != -2 {
		t.Errorf("service trend %+v", l)
	}
	if l := types[forecast.LeverMigration]; l.Value != -20 {
		t.Errorf("migration %+v", l)
	}
}
