package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/web/chart"
)

// TestBrowserOwnAssumptions walks a commissioner, at 1366 and 390 px wide, through issue 14's
// "own assumptions on the page": the form for Sheffield shows its residential unit cost with
// its source (ASC-FR 2021-22) and its CQC care-home beds; she changes the residential unit
// cost and the residential beds, runs, and reads the cost and the bed gap, which the engine
// gives as the data's cost scaled by new/old unit cost and beds needed less her beds. Only
// the two values she changed are saved in the scenario.
func TestBrowserOwnAssumptions(t *testing.T) {
	s := startServer(t, false)
	// The engine's own numbers for Sheffield, base year and 2035, without own assumptions.
	base := project(t, forecast.Scenario{Name: "Baseline", Areas: []string{Sheffield}})
	cost22 := cell(base, Sheffield, forecast.DefaultBaseYear, "cost.residential", "18+").Mean
	res22 := cell(base, Sheffield, forecast.DefaultBaseYear, "service.residential", "18+").Mean
	oldCost := cost22 / (res22 * 52)
	const newCost, newBeds = 1300.0, 1500.0
	for i, width := range []int{1366, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := browserCtx(t, chromedp.WindowSize(width, 900))
			do(t, ctx, chromedp.Navigate(s.URL+"/scenarios/new?area="+Sheffield), chromedp.WaitVisible(chromedp.CSS("#assume-costs")))
			if got := text(t, ctx, "#assumptions-h"); got != "Your assumptions" {
				t.Errorf("section heading %q", got)
			}
			if got, want := eval[string](t, ctx, `document.getElementById("f-uc_residential").value`), strconv.FormatFloat(oldCost, 'f', 2, 64); got != want {
				t.Errorf("residential unit cost prefilled %q, engine %s", got, want)
			}
			if got := text(t, ctx, "#f-uc_residential-source"); !strings.Contains(got, "ASC-FR 2021-22") || !strings.Contains(got, "Sheffield") {
				t.Errorf("residential unit cost source %q", got)
			}
			if got := text(t, ctx, "#f-uc_day_care-source"); !strings.Contains(got, "illustrative default") {
				t.Errorf("day care unit cost source %q", got)
			}
			if got := eval[string](t, ctx, `document.getElementById("f-sup_residential").value`); got != "1816" {
				t.Errorf("residential beds prefilled %q, CQC 1816", got)
			}
			if got := text(t, ctx, "#f-sup_residential-source"); !strings.Contains(got, "CQC care home beds, 1 February 2021") {
				t.Errorf("beds source %q", got)
			}
			if got := eval[string](t, ctx, `document.getElementById("f-sup_home_care").value + "|" + document.getElementById("f-sup_home_care").placeholder`); got != "|enter your own" {
				t.Errorf("home-care supply %q", got)
			}
			if got := eval[string](t, ctx, `document.getElementById("f-cap_occupancy").value`); got != "0.92" {
				t.Errorf("occupancy %q", got)
			}
			checkAccessible(t, ctx, "builder with assumptions")
			if over := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
				t.Errorf("at %d px the form scrolls sideways", width)
			}
			// Her own: the residential unit cost and the residential beds, typed.
			do(t, ctx, chromedp.Clear(chromedp.CSS("#f-uc_residential")), chromedp.SendKeys(chromedp.CSS("#f-uc_residential"), fnumT(newCost)),
				chromedp.Clear(chromedp.CSS("#f-sup_residential")), chromedp.SendKeys(chromedp.CSS("#f-sup_residential"), fnumT(newBeds)),
				chromedp.SetValue(chromedp.CSS("#f-draws"), "0"))
			shotOf(t, ctx, "#assume-costs", fmt.Sprintf("assumptions-01-costs-%d.png", width))
			shot(t, ctx, fmt.Sprintf("assumptions-02-form-%d.png", width))
			do(t, ctx, chromedp.Click(chromedp.CSS(`button[value="run"]`)))
			runPath := waitPath(t, ctx, "/runs/run_")
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#capacity-table")))

			// Saved: only what she changed.
			run, _ := s.svc.WebBackend().Run(context.Background(), localUser(t, s), strings.TrimPrefix(runPath, "/runs/"))
			sc, _ := s.svc.WebBackend().Scenario(context.Background(), localUser(t, s), run.ScenarioID, 0)
			var doc forecast.Scenario
			if err := json.Unmarshal(sc.Document, &doc); err != nil {
				t.Fatal(err)
			}
			if u := doc.Costs.UnitCosts; len(u) != 1 || u[0] != (forecast.UnitCostSpec{Service: "residential", Cost: newCost}) {
				t.Errorf("unit costs saved %+v", u)
			}
			if sup := doc.Capacity.Supply; len(sup) != 1 || sup[0] != (forecast.SupplySpec{Area: Sheffield, Service: "residential", Capacity: newBeds}) {
				t.Errorf("supply saved %+v", sup)
			}
			if c := doc.Capacity; c.Occupancy != 0 || c.HomeCareHours != nil || c.ContractedHours != 0 || c.ProductiveShare != 0 || c.ResidentialStaffing != 0 || c.NursingStaffing != 0 {
				t.Errorf("capacity saved %+v: only changed values should be", c)
			}

			// The engine: the cost scales by new/old unit cost; the gap is beds needed less hers.
			own := project(t, doc)
			cost35 := cell(own, Sheffield, 2035, "cost.residential", "18+").Mean
			baseCost35 := cell(base, Sheffield, 2035, "cost.residential", "18+").Mean
			if r := cost35 / baseCost35; math.Abs(r-newCost/oldCost) > 1e-9 {
				t.Errorf("cost ratio %v, want new/old unit cost %v", r, newCost/oldCost)
			}
			beds35 := cell(own, Sheffield, 2035, "capacity.residential_beds", "18+").Mean
			gap35 := cell(own, Sheffield, 2035, "capacity.residential_beds_gap", "18+").Mean
			if math.Abs(gap35-(beds35-newBeds)) > 1e-6 {
				t.Errorf("gap %v, want beds needed %v less %v", gap35, beds35, newBeds)
			}
			// The page shows them.
			if got := text(t, ctx, `#capacity-table tr[data-measure="capacity.residential_beds_gap"] td.scenario`); got != chart.Number(gap35) {
				t.Errorf("bed gap in 2035: page %q, engine %s (beds needed %s less %v)", got, chart.Number(gap35), chart.Number(beds35), newBeds)
			}
			if got, want := text(t, ctx, `#cost-table tr[data-measure="cost.residential"] td.scenario`), fmt.Sprintf("£%.1fm", cost35/1e6); got != want {
				t.Errorf("residential cost in 2035: page %q, engine %s", got, want)
			}
			if got := text(t, ctx, "#own-assumptions"); !strings.Contains(got, "1,500") || !strings.Contains(got, "1,816") {
				t.Errorf("own assumptions on the results %q", got)
			}
			checkAccessible(t, ctx, "results with own assumptions")
			shot(t, ctx, fmt.Sprintf("assumptions-03-results-%d.png", width))

			// Reopened, the form shows her values, and the data's beside them.
			do(t, ctx, chromedp.Navigate(s.URL+"/scenarios/"+sc.ID), chromedp.WaitVisible(chromedp.CSS("#assume-costs")))
			if got := eval[string](t, ctx, `document.getElementById("f-uc_residential").value + "|" + document.getElementById("f-sup_residential").value`); got != "1300|1500" {
				t.Errorf("reopened %q", got)
			}
			_ = i
		})
	}
}

func fnumT(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
