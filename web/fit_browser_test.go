package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The fit-and-finish checks of issue 14 in a real browser, at a phone's width (390 CSS
// pixels) and a laptop's (1366): tables never make the page scroll sideways, the cost
// waterfall's labels are compact pounds inside the chart, a form shows all its problems at
// once, and a corrected form's automatic name follows the corrected value.

// widths are the viewports the checks run at.
var widths = []int64{390, 1366}

// TestBrowserTablesFitAPhone opens every page with a table at 390 and 1366 pixels, opens
// every data table, and checks that the page itself never scrolls sideways: each table fits,
// or sits in its own scroll region (whose first column stays in view while it scrolls).
func TestBrowserTablesFitAPhone(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "action": {"run"}, "shift_value": {"10"},
		"shift_start": {"2023"}, "shift_end": {"2027"}, "cost_value": {"1.5"}, "cost_start": {"2023"}, "cost_end": {"2027"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/runs/run_") {
		t.Fatalf("save and run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	run, _ := s.svc.WebBackend().Run(t.Context(), localUser(t, s), runID)
	pages := []struct{ name, path string }{
		{"area", "/areas/" + Sheffield},
		{"scenarios", "/scenarios"},
		{"scenario", "/scenarios/" + run.ScenarioID},
		{"runs", "/runs"},
		{"results", "/runs/" + runID},
		{"compare", "/compare?run=" + runID + "&baseline=1"},
	}
	for _, w := range widths {
		do(t, ctx, chromedp.EmulateViewport(w, 900))
		for _, pg := range pages {
			do(t, ctx, chromedp.Navigate(s.URL+pg.path))
			waitPath(t, ctx, strings.SplitN(pg.path, "?", 2)[0])
			n := eval[int](t, ctx, `(() => { const ds = document.querySelectorAll("details"); ds.forEach(d => d.open = true); return document.querySelectorAll("table").length; })()`)
			if n == 0 {
				t.Errorf("%s: no table to check", pg.name)
			}
			bad := eval[[]string](t, ctx, `(() => {
				const out = [], vw = document.documentElement.clientWidth;
				if (document.documentElement.scrollWidth > vw) out.push("the page is " + document.documentElement.scrollWidth + " wide in a " + vw + " window");
				for (const tb of document.querySelectorAll("table")) {
					const r = tb.getBoundingClientRect();
					if (r.left >= -0.5 && r.right <= vw + 0.5) continue;
					let sc = tb.parentElement;
					while (sc && !["auto", "scroll"].includes(getComputedStyle(sc).overflowX)) sc = sc.parentElement;
					if (!sc) { out.push((tb.id || "a table") + " is wider than the window and in no scroll region"); continue; }
					const sr = sc.getBoundingClientRect();
					if (sr.left < -0.5 || sr.right > vw + 0.5) out.push((tb.id || "a table") + "'s scroll region is wider than the window");
					const first = tb.querySelector("tbody tr > :first-child");
					if (first && getComputedStyle(first).position !== "sticky") out.push((tb.id || "a table") + " scrolls but its first column is not sticky");
				}
				return out;
			})()`)
			for _, b := range bad {
				t.Errorf("%s at %d px: %s", pg.name, w, b)
			}
			if w == 390 {
				checkAccessible(t, ctx, pg.name)
				shot(t, ctx, fmt.Sprintf("fit-%s-390.png", pg.name))
			}
		}
	}
	// A scrolled table keeps its row headings in view.
	do(t, ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(s.URL+"/runs/"+runID))
	waitPath(t, ctx, "/runs/")
	if !headingsStay(t, ctx, "capacity-table", false) {
		t.Error("the capacity table's row headings scroll out of view")
	}
	viewShot(t, ctx, "#capacity", "fit-capacity-table-scrolled-390.png")
}

// moneyLabel is a waterfall value label in pounds: £850, £12.3k, −£1.2m, +£12.3bn.
var moneyLabel = regexp.MustCompile(`^[+−]?£\d{1,3}(\.\d)?(k|m|bn)?$`)

// TestBrowserCostWaterfallLabels: the cost waterfall labels its bars as compact pounds, and
// every piece of text lies inside the chart's box, at both widths.
func TestBrowserCostWaterfallLabels(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "action": {"run"}, "shift_value": {"10"},
		"shift_start": {"2023"}, "shift_end": {"2027"}, "cost_value": {"1.5"}, "cost_start": {"2023"}, "cost_end": {"2027"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save and run: %d\n%s", p.status, p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	do(t, ctx, chromedp.Navigate(s.URL+"/runs/"+runID))
	waitPath(t, ctx, "/runs/")
	costs := eval[[]string](t, ctx, `[...document.querySelectorAll("select[name=driver] option")].map(o => o.value).filter(v => v.startsWith("cost."))`)
	if len(costs) == 0 {
		t.Fatal("no cost measure to break down")
	}
	for _, w := range widths {
		do(t, ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(s.URL+"/runs/"+runID+"?driver="+costs[0]))
		waitPath(t, ctx, "/runs/")
		labels := eval[[]string](t, ctx, `[...document.querySelectorAll("#waterfall text.step-value")].map(e => e.textContent)`)
		if len(labels) < 3 {
			t.Fatalf("waterfall labels %q", labels)
		}
		big := false
		for _, l := range labels {
			if !moneyLabel.MatchString(l) {
				t.Errorf("at %d px the label %q is not compact pounds like £1.2m", w, l)
			}
			big = big || strings.HasSuffix(l, "m") || strings.HasSuffix(l, "bn")
		}
		if !big {
			t.Errorf("no label in millions: %q", labels)
		}
		ticks := eval[[]string](t, ctx, `[...document.querySelectorAll("#waterfall text.tick")].map(e => e.textContent)`)
		for _, l := range ticks {
			if !moneyLabel.MatchString(l) {
				t.Errorf("at %d px the tick %q is not compact pounds", w, l)
			}
		}
		outside := eval[[]string](t, ctx, `(() => {
			const svg = document.getElementById("waterfall"), b = svg.getBoundingClientRect(), out = [];
			for (const t of svg.querySelectorAll("text")) {
				const r = t.getBoundingClientRect();
				if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5)
					out.push(t.textContent + " [" + [r.left, r.right, r.top, r.bottom].map(Math.round) + "] outside [" + [b.left, b.right, b.top, b.bottom].map(Math.round) + "]");
			}
			return out;
		})()`)
		for _, o := range outside {
			t.Errorf("at %d px: %s", w, o)
		}
		shotOf(t, ctx, "#waterfall", fmt.Sprintf("fit-cost-waterfall-%d.png", w))
	}
}

// TestBrowserFormShowsEveryProblem: a form with two bad fields, one the form itself catches
// (not a number) and one the scenario validator catches (over 100%), shows both at once, each
// beside its field; corrected, the scenario's automatic name follows the corrected value, and
// so it does when the saved scenario is edited.
func TestBrowserFormShowsEveryProblem(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, false)
	for _, w := range widths {
		do(t, ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(s.URL+"/scenarios/new?area="+Sheffield))
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value")),
			chromedp.SendKeys(chromedp.CSS("#f-shift_value"), "ten"),
			chromedp.SendKeys(chromedp.CSS("#f-avoid_value"), "150"),
			chromedp.Click(chromedp.CSS(`button[value=save]`)))
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#error-summary")))
		if n := eval[int](t, ctx, `document.querySelectorAll("#error-summary li").length`); n != 2 {
			t.Errorf("at %d px the summary lists %d problems, want 2: %s", w, n, text(t, ctx, "#error-summary"))
		}
		for _, c := range []struct{ id, want string }{
			{"f-shift_value-error", "the value must be a number"},
			{"f-avoid_value-error", "150"},
		} {
			got := eval[string](t, ctx, `(() => { const e = document.getElementById("`+c.id+`"); if (!e) return "";
				const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 ? e.textContent : "(hidden)"; })()`)
			if !strings.Contains(got, c.want) {
				t.Errorf("at %d px #%s is %q, want it to say %q", w, c.id, got, c.want)
			}
			// Beside its field: the message is in the field's own box.
			field := strings.TrimSuffix(c.id, "-error")
			if !eval[bool](t, ctx, `document.getElementById("`+c.id+`").closest(".field").contains(document.getElementById("`+field+`"))`) {
				t.Errorf("#%s is not beside #%s", c.id, field)
			}
		}
		checkAccessible(t, ctx, "builder with problems")
		shot(t, ctx, fmt.Sprintf("fit-form-two-problems-%d.png", w))
	}

	// The validator rejects 150%; the name left empty must not keep it once corrected.
	do(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(s.URL+"/scenarios/new?area="+Sheffield))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value")),
		chromedp.SendKeys(chromedp.CSS("#f-shift_value"), "150"),
		chromedp.Click(chromedp.CSS(`button[value=save]`)))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value-error")))
	if name := eval[string](t, ctx, `document.getElementById("f-name").value`); strings.Contains(name, "150") {
		t.Errorf("the name field keeps the rejected value: %q", name)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-shift_value"), "15"), chromedp.Click(chromedp.CSS(`button[value=save]`)))
	waitPath(t, ctx, "/scenarios/scn_")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := text(t, ctx, "h1"); h != "Scenario: Sheffield: shift 15% of residential care to home care" {
		t.Errorf("corrected scenario named %q", h)
	}
	// Editing the saved scenario: its automatic name follows the lever too, through a
	// rejected value and its correction.
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-shift_value"), "120"), chromedp.Click(chromedp.CSS(`button[value=save]`)))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value-error")))
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-shift_value"), "20"), chromedp.Click(chromedp.CSS(`button[value=save]`)))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".notice.success")))
	if h := text(t, ctx, "h1"); h != "Scenario: Sheffield: shift 20% of residential care to home care" {
		t.Errorf("edited scenario named %q", h)
	}
	shot(t, ctx, "fit-form-corrected-name.png")
}
