package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// Areas the tests plan for besides Sheffield.
const (
	Rotherham = "E08000018"
	Barnsley  = "E08000016"
	Kent      = "E10000016"
	Maidstone = "E07000110"
)

// savedDoc returns the latest stored document of the scenario a save redirected to.
func savedDoc(t *testing.T, c *client, location string) (string, forecast.Scenario) {
	t.Helper()
	id := strings.TrimSuffix(strings.TrimPrefix(location, "/scenarios/"), "?saved=1")
	var got struct {
		Document forecast.Scenario `json:"document"`
	}
	if err := json.Unmarshal([]byte(c.get("/v1/scenarios/"+id).body), &got); err != nil {
		t.Fatal(err)
	}
	return id, got.Document
}

// runOf saves and runs form, waits for the run and returns its id and the scenario's.
func runOf(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	form.Set("action", "run")
	form.Set("draws", "0")
	p := c.post("/scenarios", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/runs/run_") {
		t.Fatalf("save and run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	return runID
}

// TestBuilderTakesSeveralAreas: the scenario form's "other areas" field takes names or codes,
// saved after the area as Scenario.Areas; unknown names are problems beside the field; the
// results page lets the planner pick which area to view.
func TestBuilderTakesSeveralAreas(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "more_areas": {"Rotherham, Nowhere at all"}})
	body := html.UnescapeString(p.body)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="f-more_areas-error">“Nowhere at all” is not an area carecast knows`) ||
		!strings.Contains(body, `<a href="#f-more_areas">“Nowhere at all” is not an area carecast knows`) {
		t.Errorf("unknown area: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(body, `value="Rotherham, Nowhere at all"`) {
		t.Error("what was typed should be kept")
	}
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "more_areas": {"rotherham; " + Barnsley + ", Sheffield"}, "action": {"save"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	id, doc := savedDoc(t, c, p.header.Get("Location"))
	if want := []string{Sheffield, Rotherham, Barnsley}; !slices.Equal(doc.Areas, want) {
		t.Errorf("areas %v, want %v", doc.Areas, want)
	}
	if !strings.HasPrefix(doc.Name, "3 areas: ") {
		t.Errorf("name %q", doc.Name)
	}
	if p = c.get("/scenarios/" + id); !strings.Contains(p.body, `name="more_areas" type="text" value="Rotherham, Barnsley" list="more-areas-list"`) {
		t.Errorf("the edit form does not show the other areas:\n%s", p.body)
	}
	runID := runOf(t, c, url.Values{"area": {Sheffield}, "more_areas": {"Rotherham"}})
	p = c.get("/runs/" + runID)
	if !strings.Contains(p.body, `<select id="c-area" name="area"><option value="`+Sheffield+`" selected>Sheffield</option><option value="`+Rotherham+`">Rotherham</option></select>`) {
		t.Errorf("the results page offers no choice of area:\n%s", p.body)
	}
	p = c.get("/runs/" + runID + "?area=" + Rotherham)
	if p.status != http.StatusOK || !strings.Contains(p.body, `<p class="muted">Rotherham ·`) || !strings.Contains(p.body, `<option value="`+Rotherham+`" selected>`) {
		t.Errorf("Rotherham's results: %d\n%s", p.status, p.body)
	}
}

// TestResultsListCountyDistricts: "Show districts" sets Scenario.Districts, and the results of
// a county list its districts, each of which can be viewed.
func TestResultsListCountyDistricts(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Kent}, "districts": {"1"}, "action": {"save"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	id, doc := savedDoc(t, c, p.header.Get("Location"))
	if !doc.Districts {
		t.Error("Districts not saved")
	}
	if p = c.get("/scenarios/" + id); !strings.Contains(p.body, `name="districts" type="checkbox" value="1" checked`) {
		t.Error("the edit form does not show the box ticked")
	}
	runID := runOf(t, c, url.Values{"area": {Kent}, "districts": {"1"}})
	p = c.get("/runs/" + runID)
	if !strings.Contains(p.body, `<h2 id="districts-h">Districts of Kent</h2>`) ||
		!strings.Contains(p.body, `<a href="/runs/`+runID+`?area=`+Maidstone) || !strings.Contains(p.body, `<option value="`+Maidstone+`">Maidstone</option>`) {
		t.Errorf("the county's results do not list its districts:\n%s", p.body)
	}
	p = c.get("/runs/" + runID + "?area=" + Maidstone)
	if p.status != http.StatusOK || !strings.Contains(p.body, `<p class="muted">Maidstone ·`) ||
		!strings.Contains(p.body, `<p id="district-of">Part of <a href="/runs/`+runID+`?area=`+Kent) || !strings.Contains(p.body, `id="headline"`) {
		t.Errorf("Maidstone's results: %d\n%s", p.status, p.body)
	}
	// Without the box, no districts.
	runID = runOf(t, c, url.Values{"area": {Kent}})
	if p = c.get("/runs/" + runID); strings.Contains(p.body, `id="districts"`) {
		t.Error("districts listed for a scenario without them")
	}
}
