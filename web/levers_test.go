package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// leverKeys are the scenario form's lever fields (their name prefixes) by lever type: every
// type in forecast.LeverTypes has one.
var leverKeys = map[string]string{
	forecast.LeverPrevalenceTrend: "prevalence", forecast.LeverMorbidityCompression: "morbidity",
	forecast.LeverMortalityImprovement: "mortality", forecast.LeverMigration: "migration",
	forecast.LeverDwellings: "homes", forecast.LeverServiceTrend: "svctrend", forecast.LeverShiftToHomeCare: "shift",
	forecast.LeverAdmissionAvoidance: "avoid", forecast.LeverEligibility: "eligibility",
	forecast.LeverUnitCostGrowth: "cost", forecast.LeverNotCouncilFunded: "market",
}

// TestBuilderOffersEveryLever: every lever type can be set on the scenario form, with its
// range, timing and type-specific field, and a form with one of each saves a document that
// has them all.
func TestBuilderOffersEveryLever(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.get("/scenarios/new?area=" + Sheffield)
	for _, typ := range forecast.LeverTypes {
		k := leverKeys[typ]
		if k == "" {
			t.Fatalf("no form field listed for lever type %s", typ)
		}
		for _, f := range []string{"_value", "_low", "_high", "_start", "_end", "_profile"} {
			if !strings.Contains(p.body, `name="`+k+f+`"`) {
				t.Errorf("%s: the form has no %s%s", typ, k, f)
			}
		}
	}
	for _, f := range []string{"svctrend_service", "prevalence_measure", "homes_pph", "homes_ages"} {
		if !strings.Contains(p.body, `name="`+f+`"`) {
			t.Errorf("the form has no %s", f)
		}
	}
	m := regexp.MustCompile(`name="prevalence_measure"[^>]*><option value="([a-z0-9_]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("the prevalence lever offers no measure")
	}
	measure := m[1]
	form := url.Values{"area": {Sheffield}, "action": {"save"}, "base_year": {"2021"}, "horizon": {"2045"}, "draws": {"0"}, "seed": {"1"},
		"prevalence_measure": {measure}, "svctrend_service": {"day_care"}, "homes_pph": {"2.1"}, "homes_ages": {"older"}}
	values := map[string]string{
		forecast.LeverPrevalenceTrend: "-0.5", forecast.LeverMorbidityCompression: "0.5", forecast.LeverMortalityImprovement: "-0.3",
		forecast.LeverMigration: "-20", forecast.LeverDwellings: "4000", forecast.LeverServiceTrend: "-2", forecast.LeverShiftToHomeCare: "10",
		forecast.LeverAdmissionAvoidance: "5", forecast.LeverEligibility: "-5", forecast.LeverUnitCostGrowth: "1.5", forecast.LeverNotCouncilFunded: "0.3",
	}
	for typ, v := range values {
		k := leverKeys[typ]
		form.Set(k+"_value", v)
		form.Set(k+"_start", "2023")
		form.Set(k+"_end", "2030")
		form.Set(k+"_profile", "step")
	}
	form.Set("mortality_low", "-0.6")
	form.Set("mortality_high", "0")
	p = c.post("/scenarios", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(p.header.Get("Location"), "/scenarios/"), "?saved=1")
	var got struct {
		Document forecast.Scenario `json:"document"`
	}
	if err := json.Unmarshal([]byte(c.get("/v1/scenarios/"+id).body), &got); err != nil {
		t.Fatal(err)
	}
	byType := map[string]forecast.LeverSpec{}
	for _, l := range got.Document.Levers {
		if _, dup := byType[l.Type]; dup {
			t.Errorf("two %s levers", l.Type)
		}
		byType[l.Type] = l
	}
	for _, typ := range forecast.LeverTypes {
		l, ok := byType[typ]
		if !ok {
			t.Errorf("the saved scenario has no %s lever", typ)
			continue
		}
		if fnum := ftoa(l.Value); fnum != values[typ] || l.Start != 2023 || l.End != 2030 || l.Profile != "step" {
			t.Errorf("%s saved as %+v", typ, l)
		}
	}
	if l := byType[forecast.LeverPrevalenceTrend]; l.Measure != measure {
		t.Errorf("prevalence trend measure %q, want %q", l.Measure, measure)
	}
	if l := byType[forecast.LeverServiceTrend]; l.Service != "day_care" {
		t.Errorf("service trend service %q", l.Service)
	}
	if l := byType[forecast.LeverDwellings]; l.PersonsPerHome != 2.1 || l.AgeProfile != "older" {
		t.Errorf("dwellings %+v", l)
	}
	if l := byType[forecast.LeverMortalityImprovement]; l.Low == nil || *l.Low != -0.6 || l.High == nil || *l.High != 0 {
		t.Errorf("mortality range %+v", l)
	}
	// Edited again, the form shows each lever in its place (and none as an API-only lever).
	p = c.get("/scenarios/" + id)
	for _, want := range []string{`name="morbidity_value" type="text" inputmode="decimal" size="10" value="0.5"`,
		`name="migration_value" type="text" inputmode="decimal" size="10" value="-20"`,
		`<option value="day_care" selected>`, `<option value="` + measure + `" selected>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("edit form lacks %s", want)
		}
	}
	if strings.Contains(p.body, "set through the API, kept as they are") {
		t.Error("a lever the form sets is shown as API-only")
	}
}

// TestBuilderPlacesNewLeversProblems: the validator's problems with the levers that used to be
// API-only are shown beside their fields, all at once.
func TestBuilderPlacesNewLeversProblems(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	p := c.post("/scenarios", url.Values{"area": {Sheffield},
		"morbidity_value": {"2"}, "morbidity_start": {"2023"}, "morbidity_end": {"2030"},
		"migration_value": {"-150"}, "migration_start": {"2023"}, "migration_end": {"2030"},
		"svctrend_value": {"-2"}, "svctrend_service": {"bingo"}, "svctrend_start": {"2023"}, "svctrend_end": {"2030"},
		"eligibility_value": {"many"}, "eligibility_start": {"2023"}, "eligibility_end": {"2030"},
		"mortality_value": {"-1"}, "mortality_start": {"2030"}, "mortality_end": {"2025"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.status)
	}
	body := html.UnescapeString(p.body)
	for _, f := range []string{"morbidity_value", "migration_value", "svctrend_service", "eligibility_value", "mortality_end"} {
		if !strings.Contains(body, `<p class="error" id="f-`+f+`-error">`) || !strings.Contains(body, `<a href="#f-`+f+`">`) {
			t.Errorf("no problem shown beside %s", f)
		}
	}
	if !strings.Contains(body, "Change in eligibility: the value must be a number") {
		t.Error("the form's own problem is missing")
	}
}
