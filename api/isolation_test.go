package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

// TestIsolation: organisation beta, even as admin, cannot read, list, change, run, cancel,
// follow or delete anything of organisation alpha; every attempt looks exactly like a missing
// thing (404), and alpha's things are unchanged afterwards.
func TestIsolation(t *testing.T) {
	ts := newTestServer(t, true)
	alpha := ts.key("alpha", store.RoleAdmin)
	beta := ts.key("beta", store.RoleAdmin)

	sc := ts.createScenario(alpha, `{"name":"alpha secret plan","steps":1000,"step_ms":5}`)
	run := ts.startRun(alpha, sc.ID)
	var d Dataset
	want(t, ts.do("POST", uploadPath("population", "alpha.csv"), alpha, "area_code,year,count\nE1,2024,1\n"), http.StatusCreated).json(t, &d)
	var keys Page[Key]
	want(t, ts.do("GET", "/v1/keys", alpha, nil), http.StatusOK).json(t, &keys)
	alphaKey := keys.Items[0].ID

	for _, tt := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/scenarios/" + sc.ID, nil},
		{"GET", "/v1/scenarios/" + sc.ID + "?version=1", nil},
		{"PUT", "/v1/scenarios/" + sc.ID, `{"name":"hijacked"}`},
		{"DELETE", "/v1/scenarios/" + sc.ID, nil},
		{"POST", "/v1/runs", map[string]any{"scenario_id": sc.ID}},
		{"POST", "/v1/runs", map[string]any{"scenario_id": sc.ID, "scenario_version": 1}},
		{"GET", "/v1/runs/" + run.ID, nil},
		{"GET", "/v1/runs/" + run.ID + "/events", nil},
		{"POST", "/v1/runs/" + run.ID + "/cancel", nil},
		{"GET", "/v1/datasets/" + d.ID, nil},
		{"DELETE", "/v1/datasets/" + d.ID, nil},
		{"DELETE", "/v1/keys/" + alphaKey, nil},
	} {
		r := ts.do(tt.method, tt.path, beta, tt.body)
		if r.status != http.StatusNotFound {
			t.Errorf("beta %s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
		if strings.Contains(string(r.body), "alpha") {
			t.Errorf("beta %s %s: answer mentions alpha: %s", tt.method, tt.path, r.body)
		}
	}

	// Lists show nothing of alpha's.
	for _, path := range []string{"/v1/scenarios", "/v1/runs", "/v1/datasets", "/v1/keys", "/v1/runs?scenario_id=" + sc.ID} {
		r := want(t, ts.do("GET", path, beta, nil), http.StatusOK)
		for _, id := range []string{sc.ID, run.ID, d.ID, alphaKey} {
			if strings.Contains(string(r.body), id) {
				t.Errorf("beta's %s lists alpha's %s", path, id)
			}
		}
	}

	// Alpha's things are as they were.
	var got Scenario
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, alpha, nil), http.StatusOK).json(t, &got)
	if got.Version != 1 || got.Name != "alpha secret plan" {
		t.Errorf("alpha's scenario changed: %+v", got)
	}
	var r Run
	want(t, ts.do("GET", "/v1/runs/"+run.ID, alpha, nil), http.StatusOK).json(t, &r)
	if r.Status.Final() || r.CancelRequested {
		t.Errorf("alpha's run was touched: %+v", r)
	}
	want(t, ts.do("GET", "/v1/datasets/"+d.ID, alpha, nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/whoami", alpha, nil), http.StatusOK)
	want(t, ts.do("POST", "/v1/runs/"+run.ID+"/cancel", alpha, nil), http.StatusAccepted)
}
