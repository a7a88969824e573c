package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// pct prints a cumulative factor as the pages do: a signed change to one decimal with a true
// minus sign.
func pct(factor float64) string {
	return strings.Replace(fmt.Sprintf("%+.1f%%", 100*(factor-1)), "-", "−", 1)
}

// TestAnnualRateLeverShowsItsCumulativeEffect: where a planner enters an annual rate, the form
// says that the end year is when the rate is reached in full and prints the cumulative effect
// in the years the pages report, computed with forecast.Lever.Cumulative (the engine's
// compounding); one-off levers keep "full effect by". The results page lists the same figures.
func TestAnnualRateLeverShowsItsCumulativeEffect(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "action": {"run"}, "base_year": {"2021"}, "horizon": {"2045"}, "draws": {"0"},
		"dementia_value": {"-1"}, "dementia_start": {"2025"}, "dementia_end": {"2045"}, "dementia_profile": {"linear"},
		"shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}, "shift_profile": {"linear"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/runs/run_") {
		t.Fatalf("save and run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}

	// −1% a year from 2025, linear, reached in full by 2045 (base 2021, horizon 2045): the
	// years reported are 2030, 2035 and 2045; by 2035 it is Π_{j=1}^{11} (1 − j/2100) ≈ −3.1%.
	l := forecast.Lever{Value: -1, Start: 2025, End: 2045, Profile: forecast.Linear}
	effect := fmt.Sprintf("≈ %s by 2030, %s by 2035, %s by 2045", pct(l.Cumulative(2021, 2030)), pct(l.Cumulative(2021, 2035)), pct(l.Cumulative(2021, 2045)))
	if !strings.Contains(effect, "−3.1% by 2035") || !strings.Contains(effect, "−10.5% by 2045") {
		t.Fatalf("expected figures %q: not the worked example", effect)
	}

	res := html.UnescapeString(c.get("/runs/" + runID).body)
	if !strings.Contains(res, "cumulative effect "+effect) {
		t.Errorf("results page lacks the lever's cumulative effect %q", effect)
	}
	runs := c.get("/scenarios")
	i := strings.Index(runs.body, `href="/scenarios/scn_`)
	if i < 0 {
		t.Fatalf("no scenario listed:\n%s", runs.body)
	}
	id := strings.SplitN(runs.body[i+len(`href="/scenarios/`):], `"`, 2)[0]
	form := html.UnescapeString(c.get("/scenarios/" + id).body)
	for _, want := range []string{
		`<label for="f-dementia_end">Rate reached in full by</label>`,
		`<label for="f-cost_end">Rate reached in full by</label>`,
		`<label for="f-shift_end">Full effect by</label>`,
		`<label for="f-homes_end">Full effect by</label>`,
		`<p class="effect" id="f-dementia-effect">Cumulative effect of this rate: ` + effect + `</p>`,
		`from 2025, rate reached in full by 2045, linear`,
		`reached in full by 2045 is about −3.1% by 2035; reached in full by 2026, about −10.0% by 2035.`,
	} {
		if !strings.Contains(form, want) {
			t.Errorf("scenario form lacks %q", want)
		}
	}
	if strings.Contains(form, `id="f-shift-effect"`) {
		t.Error("a one-off lever shows a cumulative effect")
	}

	// A form sent back with a problem shows the effect of what was typed: reached in full by
	// 2026 instead, the same rate is about −10.0% by 2035.
	fast := forecast.Lever{Value: -1, Start: 2025, End: 2026, Profile: forecast.Linear}
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "base_year": {"2021"}, "horizon": {"2040"},
		"dementia_value": {"-1"}, "dementia_start": {"2025"}, "dementia_end": {"2026"}, "dementia_profile": {"linear"},
		"shift_value": {"ten"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	want := fmt.Sprintf("Cumulative effect of this rate: ≈ %s by 2030, %s by 2035, %s by 2040",
		pct(fast.Cumulative(2021, 2030)), pct(fast.Cumulative(2021, 2035)), pct(fast.Cumulative(2021, 2040)))
	if body := html.UnescapeString(p.body); p.status != http.StatusUnprocessableEntity || !strings.Contains(body, want) || !strings.Contains(want, "−10.0% by 2035") {
		t.Errorf("form sent back: %d, want %q", p.status, want)
	}
}
