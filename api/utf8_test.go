package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

// TestNamesByCharactersAndValidUTF8 checks that names are limited by characters, not bytes, and
// that invalid UTF-8 is refused rather than stored changed. Before the fix, a 200-character
// Chinese name (600 bytes) was cut at byte 200, in the middle of a character, and a body with
// the byte 0xff was stored with U+FFFD in its place.
func TestNamesByCharactersAndValidUTF8(t *testing.T) {
	ts := newTestServer(t, true, withRealRunner(t))
	planner, admin := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleAdmin)

	name200 := strings.Repeat("护", 200) // 200 characters, 600 bytes
	doc, _ := json.Marshal(map[string]any{"name": name200, "areas": []string{"E08000019"}, "horizon": 2030})
	sc := ts.createScenario(planner, string(doc))
	if sc.Name != name200 {
		t.Fatalf("stored name has %d bytes (%q…); want the 200 characters intact (600 bytes)", len(sc.Name), sc.Name[:min(len(sc.Name), 12)])
	}
	var got Scenario
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, planner, nil), http.StatusOK).json(t, &got)
	if got.Name != name200 || string(got.Document) != string(doc) {
		t.Fatalf("read back name of %d bytes, document equal %v", len(got.Name), string(got.Document) == string(doc))
	}

	doc201, _ := json.Marshal(map[string]any{"name": name200 + "护", "areas": []string{"E08000019"}, "horizon": 2030})
	r := want(t, ts.do("POST", "/v1/scenarios", planner, string(doc201)), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "name") {
		t.Errorf("201-character name: the problem does not name the field: %s", r.body)
	}

	bad := []byte(`{"name": "Sheffield ` + "\xff\xfe" + `", "areas": ["E08000019"], "horizon": 2030}`)
	r = want(t, ts.do("POST", "/v1/scenarios", planner, bad), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "UTF-8") || !strings.Contains(string(r.body), "offset 20") {
		t.Errorf("invalid UTF-8 scenario: want a problem naming UTF-8 and the byte offset 20, got %s", r.body)
	}

	r = want(t, ts.do("POST", "/v1/keys", admin, []byte(`{"name": "ci `+"\xc3"+`", "role": "viewer"}`)), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "UTF-8") {
		t.Errorf("invalid UTF-8 key name: %s", r.body)
	}

	r = want(t, ts.do("POST", "/v1/datasets?name="+url.QueryEscape("pop\xff.csv"), planner, []byte("area_code\n")), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "UTF-8") {
		t.Errorf("invalid UTF-8 dataset name: %s", r.body)
	}
}

// TestLeverOutOfRangeRefused checks that the API refuses a lever value past its documented range
// (forecast.LeverRanges) with 422 naming the path: 1e308 homes used to be stored and run.
func TestLeverOutOfRangeRefused(t *testing.T) {
	ts := newTestServer(t, true, withRealRunner(t))
	planner := ts.key("alpha", store.RolePlanner)
	for _, lever := range []string{
		`{"type": "dwellings", "value": 1e308, "start": 2025, "end": 2030}`,
		`{"type": "prevalence_trend", "measure": "dementia", "value": -25, "start": 2025, "end": 2030}`,
	} {
		r := want(t, ts.do("POST", "/v1/scenarios", planner, `{"name": "x", "areas": ["E06000001"], "levers": [`+lever+`]}`), http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), "levers[0].value") || !strings.Contains(string(r.body), "must be") {
			t.Errorf("%s: want a problem at levers[0].value, got %s", lever, r.body)
		}
	}
}
