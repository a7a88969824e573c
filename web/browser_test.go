package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web/chart"
)

// The browser tests drive Debian's chromium (headless) against a real server on loopback.
// They FAIL when chromium is missing, unless CARECAST_SKIP_BROWSER=1; CARECAST_CHROMIUM names
// another binary. Screenshots go to testoutput/ beside this file (git ignores it).

// chromium returns the browser's path, or skips or fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("CARECAST_SKIP_BROWSER") == "1" {
		t.Skip("CARECAST_SKIP_BROWSER=1: browser tests skipped")
	}
	path := os.Getenv("CARECAST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("the browser tests need chromium at %s and it is not there: install it with scripts/ci-deps.sh "+
			"(apt-get install -y chromium), name another binary with CARECAST_CHROMIUM, or set CARECAST_SKIP_BROWSER=1 to skip them", path)
	}
	return path
}

// browserCtx starts a headless chromium with a fresh profile, no background networking and
// the extra options.
func browserCtx(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// outDir is the folder screenshots and downloads go to.
func outDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testoutput")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(v), " ")
}

// shot saves a full-page screenshot as name.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir(t), name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shotOf saves a screenshot of one element.
func shotOf(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir(t), name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitPath waits until the page's path starts with prefix and the page has loaded.
func waitPath(t *testing.T, ctx context.Context, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.pathname : ""`))
		if err == nil && strings.HasPrefix(loc, prefix) {
			return loc
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("never reached %s", prefix)
	return ""
}

// checkAccessible asserts what every page must have: each chart an <svg role=img> named by
// its <title> and described by its <desc>; each visible form control a label; one h1.
func checkAccessible(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	bad := eval[[]string](t, ctx, `(() => {
		const out = [];
		for (const s of document.querySelectorAll("svg.chart")) {
			const [a, b] = (s.getAttribute("aria-labelledby") || "").split(" ");
			const ti = a && document.getElementById(a), de = b && document.getElementById(b);
			if (s.getAttribute("role") !== "img" || !ti || ti.tagName !== "title" || !ti.textContent.trim() || !de || de.tagName !== "desc" || !de.textContent.trim())
				out.push("chart " + s.id + " lacks a title or description");
		}
		for (const el of document.querySelectorAll("input, select, textarea")) {
			if (el.type === "hidden") continue;
			if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) out.push("control " + (el.id || el.name) + " has no label");
		}
		if (document.querySelectorAll("h1").length !== 1) out.push("pages need exactly one h1");
		if (!document.documentElement.lang) out.push("no lang");
		return out;
	})()`)
	if len(bad) > 0 {
		t.Errorf("%s: %v", page, bad)
	}
}

// TestBrowserPlannerFlow is the "done when" in a real browser: a planner finds
// Sheffield, reads its baseline, builds the 10% shift from residential care to home care with
// the keyboard, watches it run, reads 2035's home-care hours against the baseline, compares
// it with a second scenario, and downloads the data.
func TestBrowserPlannerFlow(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, false)
	s.runner.pause = make(chan struct{})
	out := outDir(t)
	dl := filepath.Join(out, "downloads")
	downloads := allowDownloads(t, ctx, dl)

	// 1. The start page: find the council by name.
	do(t, ctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
	if h := text(t, ctx, "h1"); h != "Plan adult social care for your area" {
		t.Errorf("home h1 %q", h)
	}
	checkAccessible(t, ctx, "home")
	shot(t, ctx, "01-home.png")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#q"), "Sheffield"+kb.Enter))
	waitPath(t, ctx, "/areas/"+Sheffield)

	// 2. The overview: the engine's baseline numbers, charts with their tables.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#growth")))
	if h := text(t, ctx, "h1"); h != "Sheffield" {
		t.Errorf("overview h1 %q", h)
	}
	base := project(t, forecast.Scenario{Name: "Baseline", Areas: []string{Sheffield}, Uncertainty: forecast.UncertaintySpec{Draws: 200, Seed: 1}})
	adl := cell(base, Sheffield, 2035, "need.adl_need_help", "65+")
	if got := text(t, ctx, `#growth tr[data-measure="need.adl_need_help"] td[data-year="2035"] .v`); got != chart.Number(adl.Mean) {
		t.Errorf("people 65+ unable to manage self-care in 2035: page %q, engine %s", got, chart.Number(adl.Mean))
	}
	dem := cell(base, Sheffield, 2035, "need.dementia", "65+")
	if got := text(t, ctx, `#growth tr[data-measure="need.dementia"] td[data-year="2035"]`); !strings.HasPrefix(got, chart.Number(dem.Mean)) {
		t.Errorf("dementia in 2035: page %q, engine %s", got, chart.Number(dem.Mean))
	}
	checkAccessible(t, ctx, "overview")
	shot(t, ctx, "02-area-overview.png")
	shotOf(t, ctx, "#pyramid", "03-population-pyramid.png")

	// 3. The builder, from the overview's link, used with the keyboard: type 10 in the
	// shift lever and press Enter, which is "Save and run".
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/scenarios/new?area=`+Sheffield+`"]`)))
	waitPath(t, ctx, "/scenarios/new")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value")))
	if got := text(t, ctx, `label[for="f-shift_value"]`); got != "Shift residential care to home care (%)" {
		t.Errorf("lever label %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("f-area").value`); got != Sheffield {
		t.Errorf("area preselected %q", got)
	}
	checkAccessible(t, ctx, "builder")
	do(t, ctx, chromedp.Focus(chromedp.CSS("#f-shift_value")), chromedp.SendKeys(chromedp.CSS("#f-shift_value"), "10"))
	shot(t, ctx, "04-scenario-builder.png")
	do(t, ctx, chromedp.KeyEvent(kb.Enter))

	// 4. Progress while the run is held, then the results open by themselves (server-sent
	// events through the page's own route).
	runPath := waitPath(t, ctx, "/runs/run_")
	runID := strings.TrimPrefix(runPath, "/runs/")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#run-bar")))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(text(t, ctx, "#run-percent"), "25% done") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := text(t, ctx, "#run-percent"); got != "25% done" {
		t.Errorf("progress %q", got)
	}
	shot(t, ctx, "05-run-progress.png")
	close(s.runner.pause)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#capacity-table")))

	// 5. The answer: 2035's home-care hours, baseline against the scenario.
	var doc forecast.Scenario
	run, _ := s.svc.WebBackend().Run(context.Background(), localUser(t, s), runID)
	sc, _ := s.svc.WebBackend().Scenario(context.Background(), localUser(t, s), run.ScenarioID, 0)
	if err := json.Unmarshal(sc.Document, &doc); err != nil {
		t.Fatal(err)
	}
	want := project(t, doc)
	wantBase := project(t, baselineDoc(doc))
	hours, _ := want.Value(Sheffield, 2035, "capacity.home_care_hours", "all", "18+")
	hoursBase, _ := wantBase.Value(Sheffield, 2035, "capacity.home_care_hours", "all", "18+")
	row := `#capacity-table tr[data-measure="capacity.home_care_hours"] `
	if got := text(t, ctx, row+"td.scenario"); got != chart.Number(hours) {
		t.Errorf("scenario's home-care hours in 2035: page %q, engine %s", got, chart.Number(hours))
	}
	if got := text(t, ctx, row+"td.baseline"); got != chart.Number(hoursBase) {
		t.Errorf("baseline home-care hours in 2035: page %q, engine %s", got, chart.Number(hoursBase))
	}
	if got := text(t, ctx, row+"th"); got != "Home-care hours a week" {
		t.Errorf("row heading %q", got)
	}
	if got := text(t, ctx, "#headline"); !strings.HasPrefix(got, "In 2035, Sheffield would need "+chart.Number(hours)+" home-care hours a week in this scenario") {
		t.Errorf("headline %q", got)
	}
	checkAccessible(t, ctx, "results")
	shot(t, ctx, "06-results.png")
	shotOf(t, ctx, "#fan-block", "07-fan-chart.png")
	shotOf(t, ctx, "#waterfall", "08-driver-waterfall.png")
	// The fan chart's data table opens from its summary (keyboard: focus and Enter).
	do(t, ctx, chromedp.Focus(chromedp.CSS("#fan-block summary")), chromedp.KeyEvent(kb.Enter))
	if got := text(t, ctx, `#fan-table tr[data-year="2035"]`); !strings.HasPrefix(got, "2035 "+chart.Number(hours)) {
		t.Errorf("fan table 2035 row %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("waterfall-title").textContent`); !strings.HasPrefix(got, "What changes home-care hours needed a week") {
		t.Errorf("waterfall title %q", got)
	}

	// 6. Downloads: the fan chart's table (the pages' CSV) and the whole run through the
	// export endpoint.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#fan-block a[download]`)))
	csv := waitDownload(t, downloads, dl)
	if !strings.HasPrefix(csv, "scenario_id,run_id,area_code,area_name,year,measure,unit,sex,age_band,mean,p10,p50,p90\n") ||
		!strings.Contains(csv, ","+runID+",E08000019,Sheffield,2035,capacity.home_care_hours,hours per week,all,18+,") {
		t.Errorf("fan table CSV: %.300s", csv)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[data-format="csv"]`)))
	export := waitDownload(t, downloads, dl)
	if !strings.Contains(export, ","+Sheffield+",Sheffield,2035,capacity.home_care_hours,hours per week,all,18+,"+ftoa(hours)+",") {
		t.Errorf("export lacks 2035's home-care hours (%v): %.300s", hours, export)
	}

	// 7. At 200% zoom (a 640-pixel-wide layout at twice the pixels) the results reflow:
	// nothing but the tables' own scroll regions is wider than the window.
	do(t, ctx, chromedp.EmulateViewport(640, 900, chromedp.EmulateScale(2)))
	if w := eval[float64](t, ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("at 200%% zoom the page scrolls sideways by %v pixels", w)
	}
	do(t, ctx, chromedp.ScrollIntoView(chromedp.CSS("#headline")))
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "09-results-200pct-zoom.png"), b, 0o644)
	do(t, ctx, chromedp.EmulateViewport(1280, 900))

	// 8. A second scenario from the overview's quick what-if (20%), then the comparison.
	do(t, ctx, chromedp.Navigate(s.URL+"/areas/"+Sheffield))
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#quick-shift"), "20"), chromedp.Click(chromedp.CSS(`form.quick button[type=submit]`)))
	waitPath(t, ctx, "/runs/run_")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#capacity-table")))
	do(t, ctx, chromedp.Navigate(s.URL+"/runs"))
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[type=checkbox][name=run]:nth-of-type(1)`)))
	n := eval[int](t, ctx, `(() => { const b = document.querySelectorAll('input[name=run]'); b.forEach(x => x.checked = true); return b.length; })()`)
	if n != 2 {
		t.Fatalf("%d runs to tick, want 2", n)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/compare"] button[type=submit]`)))
	waitPath(t, ctx, "/compare")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#compare-table")))
	heads := eval[[]string](t, ctx, `[...document.querySelectorAll("#compare-table thead th")].map(th => th.textContent.trim())`)
	if len(heads) != 4 || !strings.Contains(heads[2], "shift 20%") && !strings.Contains(heads[3], "shift 20%") {
		t.Errorf("comparison columns %q", heads)
	}
	cmp := text(t, ctx, `#compare-table tr[data-measure="capacity.home_care_hours"]`)
	// The comparison shows central projections, not the draws' means (like with like).
	if central := centralValue(t, doc, Sheffield, 2035, "capacity.home_care_hours", "18+"); !strings.Contains(cmp, chart.Number(central)) {
		t.Errorf("comparison row %q lacks the 10%% scenario's central %s", cmp, chart.Number(central))
	}
	checkAccessible(t, ctx, "compare")
	shot(t, ctx, "10-compare.png")

	// 9. The scenario's own page: the saved levers in the form, ready for a new version, and
	// its runs.
	do(t, ctx, chromedp.Navigate(s.URL+"/scenarios/"+run.ScenarioID))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-shift_value")))
	if v := eval[string](t, ctx, `document.getElementById("f-shift_value").value`); v != "10" {
		t.Errorf("saved shift %q", v)
	}
	if got := text(t, ctx, "table tbody tr td:nth-child(3)"); got != "succeeded" {
		t.Errorf("run status on the scenario page %q", got)
	}
	checkAccessible(t, ctx, "scenario")
	shot(t, ctx, "11-scenario-page.png")
}

// TestBrowserSignIn checks the pages with API keys: the sign-in page, the HttpOnly cookie
// (not readable by scripts) and the organisation shown.
func TestBrowserSignIn(t *testing.T) {
	ctx := browserCtx(t)
	s := startServer(t, true)
	do(t, ctx, chromedp.Navigate(s.URL+"/areas/"+Sheffield))
	waitPath(t, ctx, "/login")
	checkAccessible(t, ctx, "login")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#key"), "cck_not_a_key"+kb.Enter))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".error-summary")))
	if got := text(t, ctx, ".error-summary li"); !strings.HasPrefix(got, "That API key is not known here") {
		t.Errorf("bad key message %q", got)
	}
	shot(t, ctx, "12-sign-in-error.png")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#key"), s.keys[store.RolePlanner]+kb.Enter))
	waitPath(t, ctx, "/areas/"+Sheffield)
	if got := text(t, ctx, ".who span"); got != "Signed in: Sheffield City Council (planner)" {
		t.Errorf("signed in as %q", got)
	}
	if c := eval[string](t, ctx, "document.cookie"); strings.Contains(c, "cck_") {
		t.Errorf("the key cookie is readable by scripts: %q", c)
	}
	shot(t, ctx, "13-signed-in-overview.png")
}

// waitDownload waits for the next finished download and returns its content.
func waitDownload(t *testing.T, guids <-chan string, dir string) string {
	t.Helper()
	select {
	case guid := <-guids:
		b, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	case <-time.After(20 * time.Second):
		t.Fatal("no download finished")
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

// allowDownloads empties dir and lets the browser save downloads there, each under its GUID;
// the channel receives the GUID of each finished download.
func allowDownloads(t *testing.T, ctx context.Context, dir string) <-chan string {
	t.Helper()
	os.RemoveAll(dir)
	os.MkdirAll(dir, 0o755)
	downloads := make(chan string, 8)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			select {
			case downloads <- e.GUID:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
		return err
	}))
	return downloads
}

// headingsStay scrolls the table with id to its right end inside its .table-wrap and reports
// whether the row headings stayed in place (a sticky first column). A table that does not
// need to scroll passes, unless mustScroll.
func headingsStay(t *testing.T, ctx context.Context, id string, mustScroll bool) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const wrap = document.getElementById(%q).closest(".table-wrap");
		if (wrap.scrollWidth <= wrap.clientWidth) return %t;
		const th = wrap.querySelector("tbody th"), before = th.getBoundingClientRect().left;
		wrap.scrollLeft = wrap.scrollWidth;
		return Math.abs(th.getBoundingClientRect().left - before) < 1;
	})()`, id, !mustScroll))
}

// viewShot scrolls sel into view and saves a screenshot of the viewport as it is.
func viewShot(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	do(t, ctx, chromedp.ScrollIntoView(chromedp.CSS(sel)))
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir(t), name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
