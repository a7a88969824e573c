package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
	"github.com/carecast/carecast/web/chart"
)

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// row returns the HTML of the table row with data-measure="measure" in the table with the
// given id (the first such row in the page if id is "").
func row(t *testing.T, body, id, measure string) string {
	t.Helper()
	if id != "" {
		i := strings.Index(body, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no element with id %q", id)
		}
		body = body[i:]
		if j := strings.Index(body, "</table>"); j >= 0 {
			body = body[:j]
		}
	}
	re := regexp.MustCompile(`(?s)<tr data-measure="` + regexp.QuoteMeta(measure) + `">(.*?)</tr>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s in table %q", measure, id)
	}
	return html.UnescapeString(m[1])
}

// cells returns the text of each <td> of a row, tags removed.
func cells(rowHTML string) []string {
	tags := regexp.MustCompile(`<[^>]+>`)
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(rowHTML, -1) {
		out = append(out, strings.Join(strings.Fields(tags.ReplaceAllString(m[1], " ")), " "))
	}
	return out
}

func TestOverviewShowsTheEnginesBaseline(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.get("/areas/" + Sheffield + "?year=2035")
	if p.status != http.StatusOK {
		t.Fatalf("overview: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"<h1>Sheffield</h1>", "Metropolitan borough", "Shift residential care to home care (%)",
		`<title id="pyramid-title">Population of Sheffield by age and sex, 2022 and 2035</title>`, `id="fan-need-adl_need_help"`, `id="mix"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	// The numbers are the engine's: the same baseline projected directly.
	r := project(t, forecast.Scenario{Name: "Baseline", Areas: []string{Sheffield}, Uncertainty: forecast.UncertaintySpec{Draws: 200, Seed: 1}})
	for _, m := range []string{"need.adl_need_help", "need.dementia", "service.home_care"} {
		band := "65+"
		if strings.HasPrefix(m, "service.") {
			band = "18+"
		}
		got := cells(row(t, p.body, "growth", m))
		base := cell(r, Sheffield, forecast.DefaultBaseYear, m, band)
		v := cell(r, Sheffield, 2035, m, band)
		if got[1] != chart.Number(base.Mean) {
			t.Errorf("%s %d: page %q, engine %s", m, forecast.DefaultBaseYear, got[1], chart.Number(base.Mean))
		}
		want := chart.Number(v.Mean) + " +" + strconv.FormatFloat((v.Mean-base.Mean)/base.Mean*100, 'f', 1, 64) + "%"
		if v.P90 > v.P10 {
			want += " " + chart.Number(v.P10) + " to " + chart.Number(v.P90)
		}
		if got[3] != want {
			t.Errorf("%s 2035: page %q, engine %q", m, got[3], want)
		}
	}
	// The pyramid's data table has the population by sex.
	f2035, _ := r.Value(Sheffield, 2035, "population", "female", "65-74")
	if !strings.Contains(p.body, "<td>"+chart.Number(f2035)+"</td>") {
		t.Errorf("pyramid table lacks women 65-74 in 2035 (%s)", chart.Number(f2035))
	}
	// Its deprivation, from the Indices of Deprivation 2019 (File 11: Sheffield's IMD average
	// score and IDAOPI as published), with the source under the table.
	dep := cells(row(t, p.body, "deprivation", "imd_average_score"))
	if len(dep) != 2 || dep[1] != "published" || dep[0] == "—" {
		t.Errorf("deprivation row %q", dep)
	}
	if !strings.Contains(p.body, "Source: MHCLG English Indices of Deprivation 2019, File 11") {
		t.Error("deprivation source missing")
	}
	// A council formed in 2023 says why it has no IDAOPI.
	if q := c.get("/areas/E06000064"); !strings.Contains(q.body, "before Westmorland and Furness was formed") {
		t.Error("Westmorland and Furness lacks the note on IDAOPI")
	}
	// Its data downloads as CSV.
	csv := c.get("/areas/" + Sheffield + "/data.csv?measure=need.dementia&sex=all&age_band=65%2B&year_from=2035&year_to=2035")
	lines := strings.Split(strings.TrimSpace(csv.body), "\n")
	if csv.status != 200 || len(lines) != 2 || !strings.HasPrefix(lines[1], ",,E08000019,Sheffield,2035,need.dementia,people,all,65+,") {
		t.Errorf("csv: %d %q", csv.status, csv.body)
	}
}

func TestAreaSearch(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	if p := c.get("/areas?q=Sheffield"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/areas/"+Sheffield {
		t.Errorf("exact name: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.get("/areas?q=e08000019"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/areas/"+Sheffield {
		t.Errorf("exact code: %d %s", p.status, p.header.Get("Location"))
	}
	// Typed as people type it, St. Helens is an exact match.
	if p := c.get("/areas?q=st+helens"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/areas/E08000013" {
		t.Errorf("st helens: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.get("/areas?q=kingston"); !strings.Contains(p.body, ">Kingston upon Hull, City of</a>") || !strings.Contains(p.body, ">Kingston upon Thames</a>") {
		t.Error("search for kingston lacks one of the Kingstons")
	}
	p := c.get("/areas?q=yor")
	for _, want := range []string{">York</a>", ">North Yorkshire</a>", ">Yorkshire and The Humber</a>"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("search for york lacks %s", want)
		}
	}
	if strings.Index(p.body, ">York</a>") > strings.Index(p.body, ">North Yorkshire</a>") {
		t.Error("names starting with the query should come first")
	}
	if p := c.get("/areas?q=zzzz"); !strings.Contains(p.body, "No area matches") {
		t.Error("no-match message missing")
	}
	if p := c.get("/areas/E99999999"); p.status != http.StatusNotFound {
		t.Errorf("unknown area: %d", p.status)
	}
}

// TestShiftToHomeCareAnswersTheQuestion is the "done when" without a browser: the
// quick what-if on a council's page runs the 10% shift and the results page shows 2035's
// home-care hours for the baseline and the scenario, as the engine computes them.
func TestShiftToHomeCareAnswersTheQuestion(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"200"}, "action": {"run"}, "shift_value": {"10"},
		"shift_start": {"2023"}, "shift_end": {"2027"}, "shift_profile": {"linear"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/runs/run_") {
		t.Fatalf("save and run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	p = c.get("/runs/" + runID)
	if p.status != 200 {
		t.Fatalf("results: %d\n%s", p.status, p.body)
	}
	// Caveats beside the numbers they qualify: the cost table names its unit costs' data, the
	// services table its service use (Sheffield's costs are its own ASC-FR 2021-22 ones, its use
	// SALT 2021-22).
	for _, want := range []string{`id="cost-note">Data: unit costs: ASC-FR 2021-22`, `id="services-note">Data: service use: SALT 2021-22`} {
		if !strings.Contains(p.body, want) {
			i := strings.Index(p.body, `id="cost-table"`)
			t.Errorf("results page lacks %q near its tables:\n%s", want, p.body[max(i, 0):min(len(p.body), max(i, 0)+4000)])
		}
	}
	// What was stored, and what the engine makes of it.
	var got struct {
		Document forecast.Scenario `json:"document"`
	}
	run, _ := s.svc.WebBackend().Run(context.Background(), localUser(t, s), runID)
	sc := c.get("/v1/scenarios/" + run.ScenarioID)
	if err := json.Unmarshal([]byte(sc.body), &got); err != nil {
		t.Fatal(err)
	}
	doc := got.Document
	if doc.Name != "Sheffield: shift 10% of residential care to home care" || len(doc.Levers) != 1 || doc.Levers[0].Value != 10 {
		t.Errorf("stored scenario %+v", doc)
	}
	scen := project(t, doc)
	basel := project(t, baselineDoc(doc))
	want, _ := scen.Value(Sheffield, 2035, "capacity.home_care_hours", "all", "18+")
	wantBase, _ := basel.Value(Sheffield, 2035, "capacity.home_care_hours", "all", "18+")
	if want <= wantBase {
		t.Fatalf("the shift should add home-care hours: %v against %v", want, wantBase)
	}
	cs := cells(row(t, p.body, "capacity-table", "capacity.home_care_hours"))
	// Ages, Baseline, This scenario, 80% range, Change
	if len(cs) != 5 || cs[1] != chart.Number(wantBase) || cs[2] != chart.Number(want) || !strings.HasPrefix(cs[4], chart.Signed(want-wantBase)) {
		t.Errorf("capacity row %q, want baseline %s and scenario %s", cs, chart.Number(wantBase), chart.Number(want))
	}
	headline := "In 2035, Sheffield would need " + chart.Number(want) + " home-care hours a week in this scenario"
	if !strings.Contains(p.body, headline) || !strings.Contains(p.body, "against "+chart.Number(wantBase)+" in the baseline") {
		t.Errorf("headline missing: want %q", headline)
	}
	// Needs do not depend on the lever: the baseline has the same random draws.
	if dm := cells(row(t, p.body, "need-table", "need.dementia")); dm[4] != "0 (0.0%)" {
		t.Errorf("dementia differs from the baseline: %q", dm)
	}
	// Residential beds fall, as residents move home.
	rb := cells(row(t, p.body, "capacity-table", "capacity.residential_beds"))
	if !strings.HasPrefix(rb[4], "−") {
		t.Errorf("residential beds should fall: %q", rb)
	}
	for _, want := range []string{`id="fan-title"`, `id="mix-title"`, `id="waterfall-title"`, "Population change (demography)",
		"Shift from residential care to home care", `href="/runs/` + runID + `/export?format=xlsx"`, `href="/runs/` + runID + `/export?format=parquet"`,
		"Baseline (no levers)"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	// The data behind the numbers, beside them (datasets.TestDataYears pins the line itself),
	// and the same on Sheffield's own page, which the results were asked from.
	dataLine := `<p class="muted data-years" id="data-years">Data: population: ONS mid-2022 estimates, projected on ONS NPP 2018 assumptions; ` +
		`need: HSE 2013, CFAS II 2011, HSE 2021; service use: SALT 2021-22 (residential, nursing, home care as SALT community support, direct payments), ` +
		`PSS-EX1 2011-12 to 2013-14 (day care, meals), home-care hours from ASC-FR 2021-22 (derived: spend on home care ÷ hourly rate); unit costs: ASC-FR 2021-22, restated at 2022-23 prices by the PSS pay &amp; prices index, ` +
		`carecast&#39;s illustrative defaults for direct payments, day care, meals (assumptions, not data); supply: CQC care home beds, 1 February 2021.</p>`
	if !strings.Contains(p.body, dataLine) {
		t.Errorf("results page lacks the data years line %s", dataLine)
	}
	if a := c.get("/areas/" + Sheffield); !strings.Contains(a.body, dataLine) {
		t.Errorf("Sheffield's page lacks the data years line %s", dataLine)
	}
	// Which need measures drive each service for 65+: the default the engine recorded.
	for _, want := range []string{`<tr><th scope="row">Residential care</th><td>Dementia 70%, Need help with self-care 30%</td></tr>`,
		`<tr><th scope="row">Home care</th><td>Dementia 60%, Need help with self-care 40%</td></tr>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("results page lacks the service drivers row %s", want)
		}
	}
	// The waterfall's parts add up: its table ends at the 2035 level.
	if !strings.Contains(p.body, "<th scope=\"row\">2035 level</th><td></td><td>"+chart.Number(want)+"</td>") {
		t.Error("waterfall table does not end at the 2035 level")
	}
	// Another measure and year by query.
	p = c.get("/runs/" + runID + "?measure=cost.total&year=2030&driver=cost.total")
	if !strings.Contains(p.body, "Total cost of care a year (aged 18+), Sheffield") || !strings.Contains(p.body, "Capacity needed in 2030") {
		t.Error("measure and year choice not shown")
	}
	// The chart data downloads.
	d := c.get("/runs/" + runID + "/data.csv?area=" + Sheffield + "&measure=capacity.home_care_hours&year_from=2035&year_to=2035")
	if lines := strings.Split(strings.TrimSpace(d.body), "\n"); len(lines) != 2 || !strings.Contains(lines[1], ",2035,capacity.home_care_hours,hours per week,all,18+,") {
		t.Errorf("data.csv: %q", d.body)
	}
	// The full export, in open mode.
	e := c.get("/runs/" + runID + "/export?format=csv&area=" + Sheffield)
	if e.status != 200 || !strings.Contains(e.body, ","+Sheffield+",Sheffield,2035,capacity.home_care_hours,hours per week,all,18+,") ||
		e.header.Get("Content-Disposition") != `attachment; filename="`+runID+`-results.csv"` {
		t.Errorf("export: %d %q %.200s", e.status, e.header.Get("Content-Disposition"), e.body)
	}
	// A value the run's results do not hold is refused, naming it.
	if e := c.get("/runs/" + runID + "/export?format=csv&measure=need.nothing"); e.status != http.StatusUnprocessableEntity || !strings.Contains(e.body, "need.nothing") {
		t.Errorf("export of an unknown measure: %d %.300s", e.status, e.body)
	}
	if e := c.get("/runs/" + runID + "/export?format=docx"); e.status != http.StatusUnprocessableEntity {
		t.Errorf("export as docx: %d", e.status)
	}

	// Compare with a second scenario (20%) side by side.
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"200"}, "action": {"run"}, "shift_value": {"20"},
		"shift_start": {"2023"}, "shift_end": {"2027"}, "name": {"Sheffield 20% shift"}})
	run2 := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(run2); st != "succeeded" {
		t.Fatalf("second run %s", st)
	}
	cmp := c.get("/compare?runs=" + runID + "," + run2 + "&baseline=1&year=2035")
	cc := cells(row(t, cmp.body, "compare-table", "capacity.home_care_hours"))
	// The comparison shows central projections, not the draws' means (like with like).
	cWant := centralValue(t, doc, Sheffield, 2035, "capacity.home_care_hours", "18+")
	cBase := centralValue(t, baselineDoc(doc), Sheffield, 2035, "capacity.home_care_hours", "18+")
	t.Logf("central: baseline %v, scenario %v", cBase, cWant)
	if len(cc) != 4 || !strings.HasPrefix(cc[1], chart.Number(cBase)) || !strings.HasPrefix(cc[2], chart.Number(cWant)+" "+chart.Signed(cWant-cBase)) {
		t.Errorf("comparison row %q", cc)
	}
	if !strings.Contains(cmp.body, ">Sheffield 20% shift</th>") || !strings.Contains(cmp.body, `id="fan-compare-title"`) {
		t.Error("comparison lacks the second scenario or its chart")
	}
}

// cell returns one cell of an engine result.
func cell(r *engine.Result, area string, year int, measure, band string) forecast.ResultRow {
	for row := range r.Rows() {
		if row.AreaCode == area && row.Year == year && row.Measure == measure && row.Sex == "all" && row.AgeBand == band {
			return row
		}
	}
	panic("no cell " + measure)
}

// baselineDoc is the baseline the pages compare a scenario with: its levers replaced by
// levers that do nothing, so that the engine's random draws stay the same.
func baselineDoc(sc forecast.Scenario) forecast.Scenario {
	b := sc.WithDefaults()
	b.Name = "Baseline"
	b.Levers = nil
	for range sc.Levers {
		b.Levers = append(b.Levers, forecast.LeverSpec{Type: forecast.LeverEligibility, Label: "none", Start: b.BaseYear + 1, End: b.BaseYear + 1, Profile: "step"})
	}
	return b
}

// localUser is the open server's local user.
func localUser(t *testing.T, s *server) web.Principal {
	p, err := s.svc.WebAuth().Authenticate(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuilderShowsProblemsByTheirFields(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	// A value that is not a number is caught by the form.
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "shift_value": {"ten"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `<a href="#f-shift_value">Shift residential care to home care: the value must be a number, like 10.</a>`) {
		t.Errorf("not a number: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, `value="ten"`) {
		t.Error("what was typed should be kept")
	}
	// A share over 100% is caught by the scenario validator and placed by its location.
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "shift_value": {"150"}, "shift_start": {"2023"}, "shift_end": {"2020"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.status)
	}
	for _, want := range []string{`<a href="#f-shift_value">Shift residential care to home care: must be within 0..100 (% of residential residents); got 150</a>`,
		`<a href="#f-shift_end">Shift residential care to home care: end 2020 is before start 2023</a>`,
		`<p class="error" id="f-shift_value-error">must be within 0..100 (% of residential residents); got 150</p>`} {
		if !strings.Contains(html.UnescapeString(p.body), want) {
			t.Errorf("problem not shown: %s", want)
		}
	}
	// The validator's problem is not put off until the form's own are fixed: both at once.
	// And the automatic name is not filled in with the rejected value.
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "shift_value": {"ten"}, "shift_start": {"2023"}, "shift_end": {"2027"},
		"avoid_value": {"150"}, "avoid_start": {"2023"}, "avoid_end": {"2027"}})
	body := html.UnescapeString(p.body)
	if !strings.Contains(body, `id="f-shift_value-error">Shift residential care to home care: the value must be a number, like 10.</p>`) ||
		!strings.Contains(body, `id="f-avoid_value-error">must be within 0..100`) {
		t.Errorf("the form's and the validator's problems are not shown together:\n%s", p.body)
	}
	if strings.Contains(body, `name="name" type="text" maxlength="200" value="Sheffield`) {
		t.Error("the name field was filled with a name made from rejected values")
	}
	// Half a range.
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "avoid_value": {"5"}, "avoid_low": {"2"}, "avoid_start": {"2023"}, "avoid_end": {"2027"}})
	if !strings.Contains(p.body, "give both ends of the 80% range, or neither") {
		t.Error("half range not caught")
	}
	// No area.
	p = c.post("/scenarios", url.Values{"shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	if !strings.Contains(p.body, `<a href="#f-area">Choose the area the scenario is about.</a>`) {
		t.Error("missing area not caught")
	}
}

// TestBuilderPicksAnUploadedDataset: the scenario form offers, for each kind the organisation
// has uploads of, the built-in data or one of them; the choice is stored in the scenario
// document as forecast.Scenario.Datasets and shown again when the scenario is edited.
func TestBuilderPicksAnUploadedDataset(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	org, err := s.st.EnsureOrg(context.Background(), api.LocalOrg)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	id := store.NewID("dst")
	if err := s.st.CreateDataset(context.Background(), store.Dataset{ID: id, OrgID: org.ID, Kind: "population",
		Name: "Sheffield council projection.csv", ContentHash: "sha256:" + strings.Repeat("0", 64), Size: 1,
		Path: "uploads/" + org.ID + "/" + id + ".csv", Created: created}); err != nil {
		t.Fatal(err)
	}
	p := c.get("/scenarios/new?area=" + Sheffield)
	for _, want := range []string{`<legend>Data</legend>`, `<select id="f-data_population" name="data_population"><option value="default">carecast's built-in data</option><option value="` + id + `">Sheffield council projection.csv (uploaded 30 Nov 2026)</option></select>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if strings.Contains(p.body, `name="data_unit_costs"`) {
		t.Error("the form offers unit costs with no upload of them")
	}
	p = c.post("/scenarios", url.Values{"area": {Sheffield}, "action": {"save"}, "data_population": {id}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	scID := strings.TrimPrefix(p.header.Get("Location"), "/scenarios/")
	var got struct {
		Document forecast.Scenario `json:"document"`
	}
	if err := json.Unmarshal([]byte(c.get("/v1/scenarios/"+scID).body), &got); err != nil {
		t.Fatal(err)
	}
	if want := []forecast.DatasetChoice{{Kind: "population", Dataset: id}}; !slices.Equal(got.Document.Datasets, want) {
		t.Errorf("stored datasets %+v, want %+v", got.Document.Datasets, want)
	}
	if p = c.get("/scenarios/" + scID); !strings.Contains(p.body, `<option value="`+id+`" selected>`) {
		t.Error("the edit form does not show the chosen upload")
	}
}

func TestEditKeepsVersionsAndOtherLevers(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	// A scenario made through the API with a lever the form has no slot for (one restricted
	// to some areas).
	doc := `{"schema_version":1,"name":"API made","areas":["E08000019"],"levers":[` +
		`{"type":"service_trend","service":"day_care","areas":["E08000019"],"value":-2,"start":2023,"end":2030},` +
		`{"type":"admission_avoidance","value":5,"low":2,"high":8,"start":2023,"end":2027,"profile":"front_loaded"}]}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/scenarios", strings.NewReader(doc))
	req.Header.Set("Content-Type", "application/json")
	created := c.do(req)
	if created.status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	var sc struct{ ID string }
	json.Unmarshal([]byte(created.body), &sc)
	p := c.get("/scenarios/" + sc.ID)
	for _, want := range []string{`name="avoid_value" type="text" inputmode="decimal" size="10" value="5"`, `name="avoid_low" type="text" inputmode="decimal" size="8" value="2"`,
		`<option value="front_loaded" selected>`, "Service use trend (day care): -2% a year, 2023–2030 in E08000019", "Version 1."} {
		if !strings.Contains(p.body, want) {
			t.Errorf("edit form lacks %q", want)
		}
	}
	// Save a change without running: version 2 keeps the API-only lever.
	p = c.post("/scenarios/"+sc.ID, url.Values{"version": {"1"}, "name": {"API made"}, "area": {Sheffield}, "action": {"save"},
		"avoid_value": {"6"}, "avoid_low": {"2"}, "avoid_high": {"8"}, "avoid_start": {"2023"}, "avoid_end": {"2027"}, "avoid_profile": {"front_loaded"},
		"base_year": {"2021"}, "horizon": {"2045"}, "draws": {"0"}, "seed": {"1"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/scenarios/"+sc.ID+"?saved=1" {
		t.Fatalf("save: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	v2 := c.get("/v1/scenarios/" + sc.ID)
	var got struct {
		Version  int
		Document forecast.Scenario
	}
	json.Unmarshal([]byte(v2.body), &got)
	if got.Version != 2 || len(got.Document.Levers) != 2 || got.Document.Levers[0].Type != forecast.LeverAdmissionAvoidance ||
		got.Document.Levers[0].Value != 6 || got.Document.Levers[1].Type != forecast.LeverServiceTrend {
		t.Errorf("version 2: %+v", got)
	}
	// Saving from a stale form is refused.
	p = c.post("/scenarios/"+sc.ID, url.Values{"version": {"1"}, "area": {Sheffield}, "action": {"save"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Someone saved a newer version") {
		t.Errorf("stale save: %d", p.status)
	}
}

func TestKeysLoginAndRoles(t *testing.T) {
	s := startServer(t, true)
	c := s.client()
	p := c.get("/areas/" + Sheffield)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2Fareas%2F"+Sheffield {
		t.Fatalf("not signed in: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.post("/login", url.Values{"key": {"cck_wrong"}, "next": {"/areas/" + Sheffield}}); p.status != http.StatusUnauthorized ||
		!strings.Contains(p.body, "That API key is not known here") {
		t.Errorf("bad key: %d", p.status)
	}
	// An open redirect is not followed.
	p = c.post("/login", url.Values{"key": {s.keys[store.RoleViewer]}, "next": {"//evil.example/"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		t.Errorf("next: %d %q", p.status, p.header.Get("Location"))
	}
	ck := p.header.Get("Set-Cookie")
	for _, want := range []string{web.CookieName + "=" + s.keys[store.RoleViewer], "Path=/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	p = c.get("/")
	if p.status != 200 || !strings.Contains(p.body, "Signed in: Sheffield City Council (viewer)") {
		t.Errorf("home signed in: %d", p.status)
	}
	// A viewer reads but cannot plan.
	if p := c.get("/areas/" + Sheffield); strings.Contains(p.body, "Run this scenario") {
		t.Error("viewer offered the what-if form")
	}
	if p := c.post("/scenarios", url.Values{"area": {Sheffield}, "shift_value": {"10"}}); p.status != http.StatusForbidden {
		t.Errorf("viewer saved a scenario: %d", p.status)
	}
	// A planner runs one and downloads it.
	c2 := s.client()
	c2.post("/login", url.Values{"key": {s.keys[store.RolePlanner]}, "next": {"/"}})
	p = c2.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("planner save: %d\n%s", p.status, p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	c2.waitRun(runID)
	if e := c2.get("/runs/" + runID + "/export?format=csv"); e.status != 200 || !strings.Contains(e.body, ","+runID+","+Sheffield+",") {
		t.Errorf("export: %d %.200s", e.status, e.body)
	}
	// The event stream, with the key from the cookie.
	ev := c2.get("/runs/" + runID + "/events")
	if ev.status != 200 || !strings.Contains(ev.body, "event: end") || !strings.Contains(ev.body, `"status":"succeeded"`) {
		t.Errorf("events: %d %.300s", ev.status, ev.body)
	}
	// Another organisation's run is not found, and the viewer of this one sees it.
	if p := c.get("/runs/" + runID); p.status != 200 {
		t.Errorf("viewer reading the org's run: %d", p.status)
	}
	// Signing out clears the cookie.
	p = c2.post("/logout", nil)
	if !strings.Contains(p.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout cookie %q", p.header.Get("Set-Cookie"))
	}
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	s := startServer(t, false)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/scenarios", strings.NewReader("area=E08000019&shift_value=10"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	p := s.client().do(req)
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "sent from another web site") {
		t.Errorf("cross-site post: %d", p.status)
	}
	// Pages carry a strict content security policy.
	g := s.client().get("/")
	if csp := g.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestProgressPageAndFailedRun(t *testing.T) {
	s := startServer(t, false)
	s.runner.pause = make(chan struct{})
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	// While it runs, the page shows progress (and refreshes itself without JavaScript).
	// Poll for up to 10 s: on a loaded machine the runner may take a while to report.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		p = c.get("/runs/" + runID)
		if strings.Contains(p.body, `data-status="running"`) && strings.Contains(p.body, "25% done") {
			break
		}
	}
	if !strings.Contains(p.body, "25% done") || !strings.Contains(p.body, `<noscript><meta http-equiv="refresh" content="3"></noscript>`) {
		t.Errorf("progress page:\n%s", p.body)
	}
	close(s.runner.pause)
	c.waitRun(runID)
}

func TestResultFilterMatch(t *testing.T) {
	r := forecast.ResultRow{AreaCode: Sheffield, Year: 2035, Measure: "driver.capacity.home_care_hours.demography", Sex: "all", AgeBand: "18+"}
	for _, c := range []struct {
		f    web.ResultFilter
		want bool
	}{
		{web.ResultFilter{}, true},
		{web.ResultFilter{Measures: []string{"driver.*"}}, true},
		{web.ResultFilter{Measures: []string{"capacity.*"}}, false},
		{web.ResultFilter{Areas: []string{"E92000001", Sheffield}, YearFrom: 2035, YearTo: 2035}, true},
		{web.ResultFilter{YearFrom: 2036}, false},
		{web.ResultFilter{Sexes: []string{"female"}}, false},
		{web.ResultFilter{AgeBands: []string{"65+"}}, false},
	} {
		if got := c.f.Match(r); got != c.want {
			t.Errorf("%+v.Match = %v", c.f, got)
		}
	}
}

func TestRoutesAreRegistered(t *testing.T) {
	type stub struct {
		web.Backend
		web.Authenticator
	}
	mux := http.NewServeMux()
	web.Register(mux, web.Deps{Backend: stub{}, Auth: stub{}})
	for _, route := range web.Routes {
		method, path, _ := strings.Cut(route, " ")
		p := strings.NewReplacer("{$}", "", "{code}", Sheffield, "{id}", "x").Replace(path)
		if strings.HasSuffix(p, "/static/") {
			p += "style.css"
		}
		req, _ := http.NewRequest(method, "http://localhost"+p, nil)
		if _, pat := mux.Handler(req); pat != route {
			t.Errorf("%s %s is served by %q, want %q", method, p, pat, route)
		}
	}
}
