package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2/humatest"

	"github.com/carecast/carecast/store"
)

func TestHealthAndMetrics(t *testing.T) {
	ts := newTestServer(t, true)
	want(t, ts.do("GET", "/healthz", "", nil), http.StatusOK)
	want(t, ts.do("GET", "/readyz", "", nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/scenarios", "", nil), http.StatusUnauthorized)
	r := want(t, ts.do("GET", "/openapi.json", "", nil), http.StatusOK)
	if !strings.Contains(string(r.body), `"openapi":"3.1.0"`) {
		t.Errorf("openapi.json: %.200s", r.body)
	}
	want(t, ts.do("GET", "/docs", "", nil), http.StatusOK)
	r = want(t, ts.do("GET", "/nowhere", "", nil), http.StatusNotFound)
	if r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("404 content type %q", r.header.Get("Content-Type"))
	}
	m := string(want(t, ts.do("GET", "/metrics", "", nil), http.StatusOK).body)
	for _, s := range []string{
		`carecast_http_requests_total{method="GET",operation="healthz",status="200"} 1`,
		`carecast_http_requests_total{method="GET",operation="list-scenarios",status="401"} 1`,
		`carecast_http_request_duration_seconds_bucket{operation="readyz",status="200"`,
		`carecast_runs_running 0`,
	} {
		if !strings.Contains(m, s) {
			t.Errorf("metrics lack %s", s)
		}
	}
	if r.header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID")
	}

	ts.svc.Drain()
	want(t, ts.do("GET", "/readyz", "", nil), http.StatusServiceUnavailable)
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t, true)
	r := want(t, ts.do("GET", "/v1/whoami", "", nil), http.StatusUnauthorized)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
	}
	want(t, ts.do("GET", "/v1/whoami", "cck_nope", nil), http.StatusUnauthorized)
	want(t, ts.do("GET", "/v1/whoami", "", nil, "Authorization", "Basic abc"), http.StatusUnauthorized)
	want(t, ts.do("GET", "/v1/whoami", ts.key("alpha", store.RoleViewer), nil, "X-API-Key", ts.key("beta", store.RoleViewer)), http.StatusUnauthorized)

	var w Whoami
	want(t, ts.do("GET", "/v1/whoami", "", nil, "X-API-Key", ts.key("beta", store.RolePlanner)), http.StatusOK).json(t, &w)
	if w.Organisation != "beta" || w.Role != store.RolePlanner || w.Open || w.KeyID == "" {
		t.Errorf("whoami = %+v", w)
	}

	// Roles: viewer reads, planner writes scenarios, admin manages keys.
	doc := `{"name":"x"}`
	viewer, planner, admin := ts.key("alpha", store.RoleViewer), ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleAdmin)
	r = want(t, ts.do("POST", "/v1/scenarios", viewer, doc), http.StatusForbidden)
	if p := r.problem(t); !strings.Contains(p.Detail, "planner") {
		t.Errorf("403 detail %q", p.Detail)
	}
	sc := ts.createScenario(planner, doc)
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, viewer, nil), http.StatusOK)
	want(t, ts.do("POST", "/v1/runs", viewer, map[string]any{"scenario_id": sc.ID}), http.StatusForbidden)
	want(t, ts.do("GET", "/v1/keys", planner, nil), http.StatusForbidden)
	want(t, ts.do("POST", "/v1/keys", planner, CreateKeyRequest{Name: "x", Role: store.RoleViewer}), http.StatusForbidden)

	// Keys: create (secret shown once), list (no secrets), use, delete (stops working).
	var nk NewKey
	want(t, ts.do("POST", "/v1/keys", admin, CreateKeyRequest{Name: "ci", Role: store.RoleViewer}), http.StatusCreated).json(t, &nk)
	if !strings.HasPrefix(nk.Secret, "cck_") || nk.Organisation != "alpha" || nk.Role != store.RoleViewer {
		t.Errorf("new key %+v", nk)
	}
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, nk.Secret, nil), http.StatusOK)
	var keys Page[Key]
	r = want(t, ts.do("GET", "/v1/keys", admin, nil), http.StatusOK)
	r.json(t, &keys)
	if len(keys.Items) != 4 || strings.Contains(string(r.body), "cck_") {
		t.Errorf("key list: %s", r.body)
	}
	want(t, ts.do("POST", "/v1/keys", admin, map[string]any{"name": "x", "role": "owner"}), http.StatusUnprocessableEntity)
	want(t, ts.do("DELETE", "/v1/keys/"+nk.ID, admin, nil), http.StatusNoContent)
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, nk.Secret, nil), http.StatusUnauthorized)
	want(t, ts.do("DELETE", "/v1/keys/"+nk.ID, admin, nil), http.StatusNotFound)
}

// TestOpenMode: loopback with no keys serves the local user as admin until a key exists; any
// other address refuses to start without keys.
func TestOpenMode(t *testing.T) {
	ts := newTestServer(t, false)
	var w Whoami
	want(t, ts.do("GET", "/v1/whoami", "", nil), http.StatusOK).json(t, &w)
	if w.Organisation != LocalOrg || w.Role != store.RoleAdmin || !w.Open {
		t.Errorf("whoami = %+v", w)
	}
	ts.createScenario("", `{"name":"local"}`)
	var nk NewKey
	want(t, ts.do("POST", "/v1/keys", "", CreateKeyRequest{Name: "me", Role: store.RoleAdmin}), http.StatusCreated).json(t, &nk)
	want(t, ts.do("GET", "/v1/whoami", "", nil), http.StatusUnauthorized)
	var page Page[ScenarioSummary]
	want(t, ts.do("GET", "/v1/scenarios", nk.Secret, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "local" {
		t.Errorf("the key of organisation local sees %+v", page.Items)
	}

	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:8080", "[::]:8080"} {
		cfg := testConfig(t)
		cfg.Addr = addr
		st, err := OpenStore(t.Context(), cfg.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewService(t.Context(), cfg, Deps{}, st, testLogger(t))
		if err == nil || !strings.Contains(err.Error(), "without API keys") {
			t.Errorf("%s without keys: %v", addr, err)
		}
		st.Close()
	}
}

func TestScenarios(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RolePlanner)

	r := want(t, ts.do("GET", "/v1/scenario-schema", "", nil), http.StatusOK)
	if r.header.Get("Content-Type") != "application/schema+json" || !strings.Contains(string(r.body), "Fake scenario") {
		t.Errorf("schema: %s %s", r.header.Get("Content-Type"), r.body)
	}

	doc1 := `{"name": "baseline", "steps": 1}`
	r = want(t, ts.do("POST", "/v1/scenarios", key, doc1), http.StatusCreated)
	var sc Scenario
	r.json(t, &sc)
	if r.header.Get("Location") != "/v1/scenarios/"+sc.ID || r.header.Get("ETag") != `"1"` || sc.Version != 1 ||
		sc.Name != "baseline" || string(sc.Document) != `{"name":"baseline","steps":1}` {
		t.Fatalf("created %+v (Location %q ETag %q)", sc, r.header.Get("Location"), r.header.Get("ETag"))
	}

	// Update: a new version each time; old versions stay readable; If-Match guards.
	doc2 := `{"name":"baseline v2","steps":2}`
	var v2 Scenario
	want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, doc2, "If-Match", `"1"`), http.StatusOK).json(t, &v2)
	if v2.Version != 2 || v2.LatestVersion != 2 || string(v2.Document) != doc2 {
		t.Errorf("v2 = %+v", v2)
	}
	r = want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, doc2, "If-Match", `"1"`), http.StatusPreconditionFailed)
	if r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("412 content type %q", r.header.Get("Content-Type"))
	}
	want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, doc2, "If-Match", "yesterday"), http.StatusBadRequest)
	want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, `{"name":"v3"}`), http.StatusOK)

	var got Scenario
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, key, nil), http.StatusOK).json(t, &got)
	if got.Version != 3 || got.Name != "v3" {
		t.Errorf("latest = %+v", got)
	}
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID+"?version=1", key, nil), http.StatusOK).json(t, &got)
	if got.Version != 1 || got.LatestVersion != 3 || string(got.Document) != `{"name":"baseline","steps":1}` {
		t.Errorf("version 1 = %+v", got)
	}
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID+"?version=4", key, nil), http.StatusNotFound)
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID+"?version=0", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do("GET", "/v1/scenarios/scn_nope", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do("GET", "/v1/scenarios/"+store.NewID("scn"), key, nil), http.StatusNotFound)

	// Validation: every problem, each with its location.
	r = want(t, ts.do("POST", "/v1/scenarios", key, `{"steps":-1,"levers":[{},3,"x"]}`), http.StatusUnprocessableEntity)
	p := r.problem(t)
	var locs []string
	for _, e := range p.Errors {
		locs = append(locs, e.Location)
	}
	if strings.Join(locs, " ") != "body.name body.steps body.levers[1] body.levers[2]" {
		t.Errorf("422 locations %v (%s)", locs, r.body)
	}
	want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, `{"name":""}`), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", "/v1/scenarios", key, `[1,2]`), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", "/v1/scenarios", key, `{"name":`), http.StatusBadRequest)
	big := `{"name":"big","pad":"` + strings.Repeat("x", int(ts.cfg.MaxBodyBytes)) + `"}`
	want(t, ts.do("POST", "/v1/scenarios", key, big), http.StatusRequestEntityTooLarge)

	// List with paging.
	for i := range 4 {
		ts.createScenario(key, `{"name":"s`+itoa(i)+`"}`)
	}
	var names []string
	cursor := ""
	for {
		var pg Page[ScenarioSummary]
		want(t, ts.do("GET", "/v1/scenarios?limit=2&cursor="+cursor, key, nil), http.StatusOK).json(t, &pg)
		for _, s := range pg.Items {
			names = append(names, s.Name)
		}
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(names, ",") != "s3,s2,s1,s0,v3" {
		t.Errorf("listed %v", names)
	}
	r = want(t, ts.do("GET", "/v1/scenarios?limit=51", key, nil), http.StatusUnprocessableEntity)
	if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Location != "query.limit" {
		t.Errorf("page limit problem %s", r.body)
	}
	want(t, ts.do("GET", "/v1/scenarios?cursor=bogus", key, nil), http.StatusUnprocessableEntity)

	// Delete.
	want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, ts.key("alpha", store.RoleViewer), nil), http.StatusForbidden)
	want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, key, nil), http.StatusNoContent)
	want(t, ts.do("GET", "/v1/scenarios/"+sc.ID, key, nil), http.StatusNotFound)
	want(t, ts.do("PUT", "/v1/scenarios/"+sc.ID, key, doc2), http.StatusNotFound)
	want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, key, nil), http.StatusNotFound)
}

// failingStore fails every scenario list with an error whose text must not reach clients.
type failingStore struct{ store.Store }

func (failingStore) ListScenarios(context.Context, string, store.Page) ([]store.Scenario, string, error) {
	return nil, "", errors.New("disk I/O error at /secret/path/carecast.db")
}

func TestInternalErrorsHidden(t *testing.T) {
	ts := newTestServerOver(t, true, func(st store.Store) store.Store { return failingStore{st} })
	r := want(t, ts.do("GET", "/v1/scenarios", ts.key("alpha", store.RoleViewer), nil), http.StatusInternalServerError)
	p := r.problem(t)
	if strings.Contains(string(r.body), "secret") || strings.Contains(string(r.body), "disk") {
		t.Errorf("internal error leaked: %s", r.body)
	}
	id := r.header.Get("X-Request-ID")
	if id == "" || p.Instance != "urn:carecast:request:"+id || !strings.Contains(p.Detail, id) {
		t.Errorf("500 does not quote the request ID %q: %s", id, r.body)
	}
}

func TestRateLimit(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.RateLimit = 0.5; c.RateBurst = 3 })
	k := ts.key("alpha", store.RoleViewer)
	for range 3 {
		want(t, ts.do("GET", "/v1/whoami", k, nil), http.StatusOK)
	}
	r := want(t, ts.do("GET", "/v1/whoami", k, nil), http.StatusTooManyRequests)
	if ra := r.header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After = %q, want 2", ra)
	}
	if r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("429 content type %q", r.header.Get("Content-Type"))
	}
	if p := r.problem(t); !strings.Contains(p.Detail, "API key") {
		t.Errorf("429 detail %q does not name the key limit", p.Detail)
	}
	// Another key has its own bucket; public endpoints are not limited.
	want(t, ts.do("GET", "/v1/whoami", ts.key("beta", store.RoleViewer), nil), http.StatusOK)
	want(t, ts.do("GET", "/healthz", "", nil), http.StatusOK)
}

func TestRateLimiterRefills(t *testing.T) {
	now := time.Unix(0, 0)
	l := newRateLimiter(2, 2, func() time.Time { return now })
	for i, wantOK := range []bool{true, true, false} {
		if ok, _ := l.allow("k"); ok != wantOK {
			t.Fatalf("request %d: allowed %v", i, ok)
		}
	}
	_, wait := l.allow("k")
	if wait != 500*time.Millisecond {
		t.Errorf("wait = %v, want 500ms", wait)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("k"); !ok {
		t.Error("not refilled after 500ms at 2/s")
	}
}

// TestHumatest drives the operations through humatest (no middleware, open mode) for the fine
// cases of validation.
func TestHumatest(t *testing.T) {
	cfg := testConfig(t)
	st, err := OpenStore(t.Context(), cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := NewService(t.Context(), cfg, testDeps(), st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	_, api := humatest.New(t)
	svc.Register(api)

	res := api.Get("/v1/whoami")
	if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), `"organisation":"local"`) {
		t.Errorf("whoami: %d %s", res.Code, res.Body)
	}
	res = api.Post("/v1/runs", map[string]any{"scenario_id": "scn_bad", "seed": -1})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body.String(), "body.scenario_id") ||
		!strings.Contains(res.Body.String(), "body.seed") {
		t.Errorf("bad start: %d %s", res.Code, res.Body)
	}
	res = api.Post("/v1/scenarios", map[string]any{"name": "h", "steps": 1.5})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body.String(), `"location":"body.steps"`) {
		t.Errorf("bad scenario: %d %s", res.Code, res.Body)
	}
	res = api.Get("/v1/runs?status=lost")
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body.String(), "query.status") {
		t.Errorf("bad filter: %d %s", res.Code, res.Body)
	}
}

func TestLocateJSON(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "body"}, {"$", "body"}, {"/", "body"},
		{"/levers/0/start", "body.levers[0].start"},
		{"/a~1b/c~0d", "body.a/b.c~d"},
		{"$.levers[0].start", "body.levers[0].start"},
		{"levers[0].start", "body.levers[0].start"},
		{"[3]", "body[3]"},
	} {
		if got := locateJSON("body", tt.in); got != tt.want {
			t.Errorf("locateJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
