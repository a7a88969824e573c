package api

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
)

// withRangedRunner wires carecast on the default data (service.Default, whose Monte Carlo draws
// also vary the population, as the server runs it) as the Runner and serves the web pages.
func withRangedRunner(t *testing.T) serverOpt {
	cc, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := cc.Engine
	return func(c *Config, d *Deps) {
		c.RunTimeout = 5 * time.Minute
		d.Areas = e.Inputs().Areas
		d.Scenarios = cc
		d.Runner = cc
		d.Web = &web.Deps{Projector: defaultCarecast(t), Areas: e.Inputs().Areas, Catalog: e.Inputs()}
	}
}

// TestCompareRangedWithDeterministic compares a run with Monte Carlo draws with the same
// scenario run without them (a service_trend lever with an interval, no population lever).
// Nothing differs between them but the draws, so every change the comparison reports must be
// 0: the API's diff and ratio and the web page's change column. Before the comparisons set
// the central projection side by side, the draws' mean was compared with the deterministic
// value and Sheffield's population "changed" by thousands.
func TestCompareRangedWithDeterministic(t *testing.T) {
	ts := newTestServer(t, true, withRangedRunner(t))
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	doc := func(name, extra string) string {
		return `{"name": "` + name + `", "areas": ["E08000019"], "horizon": 2036,
			"levers": [{"type": "service_trend", "service": "home_care", "value": -1, "low": -2, "high": 0, "start": 2025, "end": 2030}]` + extra + `}`
	}
	det := ts.succeededRunWithin(planner, doc("Trend", ""), 120)
	ranged := ts.succeededRunWithin(planner, doc("Trend with ranges", `, "uncertainty": {"draws": 100, "seed": 7}`), 300)

	var cmp Comparison
	want(t, ts.do(http.MethodGet, "/v1/compare?runs="+det.ID+","+ranged.ID+"&area=E08000019&sex=all&limit=50&year_from=2035&year_to=2035", viewer, nil),
		http.StatusOK).json(t, &cmp)
	if cmp.Compared != "central" || len(cmp.Items) == 0 {
		t.Fatalf("compared %q, %d items", cmp.Compared, len(cmp.Items))
	}
	sawSpread := false
	for _, it := range cmp.Items {
		a, b := it.Runs[0], it.Runs[1]
		if a.Central == nil || b.Central == nil || b.Diff == nil {
			t.Fatalf("%s %s: missing values %+v", it.Measure, it.AgeBand, it.Runs)
		}
		// The same scenario's central projection: equal up to rounding.
		if math.Abs(*b.Diff) > 1e-9*math.Max(1, math.Abs(*a.Central)) || (b.Ratio != nil && math.Abs(*b.Ratio-1) > 1e-9) {
			t.Errorf("%s %s %d: diff %v ratio %v, want 0 and 1 (central %v vs %v, ranged mean %v)",
				it.Measure, it.AgeBand, it.Year, *b.Diff, *b.Ratio, *a.Central, *b.Central, *b.Mean)
		}
		if it.Measure == "population" && it.AgeBand == "all" {
			t.Logf("population 2035: deterministic %.1f, ranged central %.1f, ranged mean of draws %.1f", *a.Central, *b.Central, *b.Mean)
			sawSpread = *b.P90-*b.P10 > 0 && *b.Mean != *b.Central
		}
	}
	if !sawSpread {
		t.Fatal("the ranged run's population has no spread or its mean equals its central value: the test would not tell the statistics apart")
	}

	// The web page: the same rule, said in words.
	page := ts.do(http.MethodGet, fmt.Sprintf("/compare?runs=%s,%s&area=E08000019&year=2035&baseline=0", det.ID, ranged.ID), "", nil,
		"Cookie", web.CookieName+"="+viewer)
	body := want(t, page, http.StatusOK).body
	if !strings.Contains(string(body), "Values and changes are central projections") {
		t.Fatalf("the page does not say what is compared:\n%s", body)
	}
	tr := regexp.MustCompile(`(?s)<tr data-measure="population">(.*?)</tr>`).FindSubmatch(body)
	if tr == nil {
		t.Fatalf("no population row:\n%s", body)
	}
	change := regexp.MustCompile(`<span class="change">([^<]*)</span>`).FindAllSubmatch(tr[1], -1)
	if len(change) != 1 || string(change[0][1]) != "0 (0.0%)" {
		t.Fatalf("population change %q, want 0 (0.0%%); row %s", change, tr[1])
	}
}

// succeededRunWithin is succeededRun with a longer wait (seconds) for runs with draws.
func (ts *testServer) succeededRunWithin(key, doc string, seconds int) Run {
	ts.t.Helper()
	sc := ts.createScenario(key, doc)
	r := ts.waitRunWithin(key, ts.startRun(key, sc.ID).ID, seconds)
	if r.Status != store.RunSucceeded {
		ts.t.Fatalf("run %s: %s %s", r.ID, r.Status, r.Error)
	}
	return r
}
