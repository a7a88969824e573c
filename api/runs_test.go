package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
)

func TestRunSucceeds(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"ok","steps":5,"step_ms":2}`)
	ts.do("PUT", "/v1/scenarios/"+sc.ID, key, `{"name":"ok v2","steps":3}`)

	// Version 1, explicit seed.
	r := want(t, ts.do("POST", "/v1/runs", key, map[string]any{"scenario_id": sc.ID, "scenario_version": 1, "seed": 99}), http.StatusAccepted)
	var run Run
	r.json(t, &run)
	if r.header.Get("Location") != "/v1/runs/"+run.ID || run.URL != "/v1/runs/"+run.ID || run.ScenarioVersion != 1 ||
		(run.Status != store.RunQueued && run.Status != store.RunRunning) || *run.Seed != 99 {
		t.Fatalf("started %+v, Location %q", run, r.header.Get("Location"))
	}
	done := ts.waitRun(ts.key("alpha", store.RoleViewer), run.ID)
	if done.Status != store.RunSucceeded || done.Progress != 1 || !done.HasResult || done.Started == nil || done.Finished == nil || *done.Seed != 99 {
		t.Fatalf("finished %+v", done)
	}
	var prov map[string]any
	if err := json.Unmarshal(done.Provenance, &prov); err != nil {
		t.Fatal(err)
	}
	if prov["engine"] != "fake" || prov["scenario_version"] != 1.0 || prov["software_version"] != "test" || prov["seed"] != 99.0 || prov["run_id"] != run.ID {
		t.Errorf("provenance %v", prov)
	}
	stored, err := ts.st.GetRun(t.Context(), mustOrg(t, ts, "alpha"), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.cfg.DataDir, stored.ResultPath)); err != nil {
		t.Errorf("result file: %v", err)
	}

	// Latest version by default; the scenario's seed (the fake reports 12345).
	run = ts.startRun(key, sc.ID)
	if run.ScenarioVersion != 2 {
		t.Errorf("default version = %d", run.ScenarioVersion)
	}
	if done := ts.waitRun(key, run.ID); *done.Seed != 12345 {
		t.Errorf("seed used = %v", done.Seed)
	}

	// Lists and filters.
	var page Page[Run]
	want(t, ts.do("GET", "/v1/runs?scenario_id="+sc.ID+"&status=succeeded", key, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 2 {
		t.Errorf("listed %d runs", len(page.Items))
	}
	want(t, ts.do("GET", "/v1/runs?status=failed", key, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("listed %d failed runs", len(page.Items))
	}

	// Unknown scenario or version.
	want(t, ts.do("POST", "/v1/runs", key, map[string]any{"scenario_id": store.NewID("scn")}), http.StatusNotFound)
	want(t, ts.do("POST", "/v1/runs", key, map[string]any{"scenario_id": sc.ID, "scenario_version": 7}), http.StatusNotFound)
	want(t, ts.do("GET", "/v1/runs/"+store.NewID("run"), key, nil), http.StatusNotFound)

	m := string(want(t, ts.do("GET", "/metrics", "", nil), http.StatusOK).body)
	for _, s := range []string{"carecast_runs_started_total 2", `carecast_runs_finished_total{status="succeeded"} 2`, `carecast_run_duration_seconds_count{status="succeeded"} 2`} {
		if !strings.Contains(m, s) {
			t.Errorf("metrics lack %q", s)
		}
	}
}

func mustOrg(t *testing.T, ts *testServer, name string) string {
	o, err := ts.st.OrgByName(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func TestRunFailures(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.RunTimeout = 200 * time.Millisecond })
	key := ts.key("alpha", store.RolePlanner)
	for _, tt := range []struct {
		doc, wantErr, notErr string
	}{
		{`{"name":"public","fail":"scenario names unknown area E06999999","public":true}`, "scenario names unknown area E06999999", ""},
		{`{"name":"internal","fail":"open /srv/secret/file: permission denied"}`, "internal error", "secret"},
		{`{"name":"panic","panic":true}`, "internal error", "panics"},
		{`{"name":"slow","steps":100,"step_ms":20}`, "took longer than the limit of 200ms", ""},
	} {
		sc := ts.createScenario(key, tt.doc)
		r := ts.waitRun(key, ts.startRun(key, sc.ID).ID)
		if r.Status != store.RunFailed || !strings.Contains(r.Error, tt.wantErr) || (tt.notErr != "" && strings.Contains(r.Error, tt.notErr)) || r.HasResult {
			t.Errorf("%s: %+v", tt.doc, r)
		}
	}
}

func TestRunCancel(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.Workers = 1 })
	key := ts.key("alpha", store.RolePlanner)
	slow := ts.createScenario(key, `{"name":"slow","steps":1000,"step_ms":5}`)
	running := ts.startRun(key, slow.ID)
	queued := ts.startRun(key, slow.ID) // one worker: waits behind the first

	// Wait until the first is running.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var r Run
		want(t, ts.do("GET", "/v1/runs/"+running.ID, key, nil), http.StatusOK).json(t, &r)
		if r.Status == store.RunRunning && r.Progress > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run not running: %+v", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	want(t, ts.do("POST", "/v1/runs/"+queued.ID+"/cancel", ts.key("alpha", store.RoleViewer), nil), http.StatusForbidden)
	var r Run
	want(t, ts.do("POST", "/v1/runs/"+queued.ID+"/cancel", key, nil), http.StatusAccepted).json(t, &r)
	if r.Status != store.RunCancelled {
		t.Errorf("queued run after cancel: %+v", r)
	}
	if m := string(want(t, ts.do("GET", "/metrics", "", nil), http.StatusOK).body); !strings.Contains(m, "\ncarecast_runs_queued 0\n") {
		t.Error("the cancelled run is still counted as queued")
	}
	want(t, ts.do("POST", "/v1/runs/"+running.ID+"/cancel", key, nil), http.StatusAccepted).json(t, &r)
	if r.Status != store.RunRunning || !r.CancelRequested {
		t.Errorf("running run after cancel: %+v", r)
	}
	r = ts.waitRun(key, running.ID)
	if r.Status != store.RunCancelled || r.Error != "cancelled by request" || r.Progress >= 1 {
		t.Errorf("cancelled run: %+v", r)
	}
	p := want(t, ts.do("POST", "/v1/runs/"+running.ID+"/cancel", key, nil), http.StatusConflict).problem(t)
	if !strings.Contains(p.Detail, "cancelled") {
		t.Errorf("409 detail %q", p.Detail)
	}
	// The worker skips the cancelled queued run.
	if r := ts.waitRun(key, queued.ID); r.Status != store.RunCancelled || r.Started != nil {
		t.Errorf("queued run ran: %+v", r)
	}
}

func TestRunLimitPerOrg(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.MaxRunsPerOrg = 2; c.Workers = 1 })
	a, b := ts.key("alpha", store.RolePlanner), ts.key("beta", store.RolePlanner)
	sa := ts.createScenario(a, `{"name":"slow","steps":1000,"step_ms":5}`)
	sb := ts.createScenario(b, `{"name":"quick"}`)
	r1 := ts.startRun(a, sa.ID)
	ts.startRun(a, sa.ID)
	r := want(t, ts.do("POST", "/v1/runs", a, map[string]any{"scenario_id": sa.ID}), http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("429 headers %v", r.header)
	}
	// Another organisation is not affected; a cancelled run frees a place.
	ts.startRun(b, sb.ID)
	want(t, ts.do("POST", "/v1/runs/"+r1.ID+"/cancel", a, nil), http.StatusAccepted)
	ts.waitRun(a, r1.ID)
	ts.startRun(a, sa.ID)
	// A scenario with unfinished runs cannot be deleted.
	want(t, ts.do("DELETE", "/v1/scenarios/"+sa.ID, a, nil), http.StatusConflict)
}

func TestRunEvents(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"events","steps":20,"step_ms":10}`)
	run := ts.startRun(key, sc.ID)

	req, _ := http.NewRequest("GET", ts.srv.URL+"/v1/runs/"+run.ID+"/events", nil)
	req.Header.Set("X-API-Key", ts.key("alpha", store.RoleViewer))
	res, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := readEvents(t, res.Body)
	if len(events) < 3 {
		t.Fatalf("only %d events: %+v", len(events), events)
	}
	last := events[len(events)-1]
	var final Run
	if err := json.Unmarshal([]byte(last.data), &final); err != nil || last.name != "end" || final.Status != store.RunSucceeded {
		t.Fatalf("last event %+v", last)
	}
	prev := -1.0
	var sawPartial bool
	for _, e := range events[:len(events)-1] {
		var p RunProgress
		if err := json.Unmarshal([]byte(e.data), &p); err != nil || e.name != "progress" || p.ID != run.ID {
			t.Fatalf("event %+v", e)
		}
		if p.Progress < prev {
			t.Errorf("progress went back: %v after %v", p.Progress, prev)
		}
		prev = p.Progress
		sawPartial = sawPartial || (p.Progress > 0 && p.Progress < 1 && p.Total == 20)
	}
	if !sawPartial {
		t.Errorf("no partial progress in %+v", events)
	}

	// A finished run: one progress event and the end.
	res2, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Body.Close()
	if ev := readEvents(t, res2.Body); len(ev) != 2 || ev[1].name != "end" {
		t.Errorf("events of a finished run: %+v", ev)
	}
	want(t, ts.do("GET", "/v1/runs/"+store.NewID("run")+"/events", key, nil), http.StatusNotFound)
}

// TestRunEventsOutliveTimeouts: a stream lasts longer than the server's read and write
// timeouts.
func TestRunEventsOutliveTimeouts(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) {
		c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout = 100*time.Millisecond, 200*time.Millisecond, 300*time.Millisecond
	})
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"long","steps":100,"step_ms":10}`) // about 1s
	run := ts.startRun(key, sc.ID)
	req, _ := http.NewRequest("GET", ts.srv.URL+"/v1/runs/"+run.ID+"/events", nil)
	req.Header.Set("X-API-Key", key)
	res, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := readEvents(t, res.Body)
	if len(events) == 0 || events[len(events)-1].name != "end" {
		t.Fatalf("stream cut short after %d events", len(events))
	}
}

// TestRunEventsEndOnShutdown: an open stream ends when the server drains.
func TestRunEventsEndOnShutdown(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"slow","steps":1000,"step_ms":10}`)
	run := ts.startRun(key, sc.ID)
	req, _ := http.NewRequest("GET", ts.srv.URL+"/v1/runs/"+run.ID+"/events", nil)
	req.Header.Set("X-API-Key", key)
	res, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	go func() {
		time.Sleep(100 * time.Millisecond)
		ts.svc.Drain()
	}()
	done := make(chan []sseEvent)
	go func() { done <- readEvents(t, res.Body) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stream did not end on drain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := ts.st.RunByID(t.Context(), run.ID)
	if err != nil || r.Status != store.RunFailed || !strings.HasPrefix(r.Error, "interrupted") {
		t.Errorf("run after close: %+v %v", r, err)
	}
}

// TestConcurrentClients: many clients of two organisations create, update and run scenarios
// at once. Every request gets a sensible answer; each organisation ends with exactly its own
// scenarios; every accepted run finishes.
func TestConcurrentClients(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.MaxRunsPerOrg = 8; c.Workers = 3 })
	const clients = 16
	const perClient = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	runs := map[string][]string{}
	errs := make(chan string, clients*perClient*4)
	for c := range clients {
		org := []string{"alpha", "beta"}[c%2]
		key := ts.key(org, store.RolePlanner)
		wg.Go(func() {
			for i := range perClient {
				doc := fmt.Sprintf(`{"name":"c%d-%d","steps":3,"step_ms":1}`, c, i)
				r := ts.do("POST", "/v1/scenarios", key, doc)
				if r.status != http.StatusCreated {
					errs <- fmt.Sprintf("create: %d %s", r.status, r.body)
					continue
				}
				var sc Scenario
				json.Unmarshal(r.body, &sc)
				if r := ts.do("PUT", "/v1/scenarios/"+sc.ID, key, doc); r.status != http.StatusOK {
					errs <- fmt.Sprintf("update: %d %s", r.status, r.body)
				}
				r = ts.do("POST", "/v1/runs", key, map[string]any{"scenario_id": sc.ID})
				switch r.status {
				case http.StatusAccepted:
					var run Run
					json.Unmarshal(r.body, &run)
					mu.Lock()
					runs[org] = append(runs[org], run.ID)
					mu.Unlock()
				case http.StatusTooManyRequests:
				default:
					errs <- fmt.Sprintf("start: %d %s", r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, org := range []string{"alpha", "beta"} {
		key := ts.key(org, store.RoleViewer)
		var page Page[ScenarioSummary]
		want(t, ts.do("GET", "/v1/scenarios?limit=50", key, nil), http.StatusOK).json(t, &page)
		if len(page.Items) != clients/2*perClient {
			t.Errorf("%s has %d scenarios, want %d", org, len(page.Items), clients/2*perClient)
		}
		for _, s := range page.Items {
			if s.LatestVersion != 2 {
				t.Errorf("%s: scenario %s at version %d", org, s.Name, s.LatestVersion)
			}
		}
		if len(runs[org]) == 0 {
			t.Errorf("%s: no run accepted", org)
		}
		for _, id := range runs[org] {
			if r := ts.waitRun(key, id); r.Status != store.RunSucceeded {
				t.Errorf("run %+v", r)
			}
		}
	}
}

// TestNilDeps: with no engine or validators wired in, the server still starts; scenarios are
// accepted if they are JSON objects, runs fail with a clear message and uploads are refused.
func TestNilDeps(t *testing.T) {
	ts := newTestServer(t, true, func(_ *Config, d *Deps) { *d = Deps{} })
	key := ts.key("alpha", store.RoleAdmin)
	if r := want(t, ts.do("GET", "/v1/scenario-schema", "", nil), http.StatusOK); !strings.Contains(string(r.body), `"type":"object"`) {
		t.Errorf("schema %s", r.body)
	}
	sc := ts.createScenario(key, `{"anything":1}`)
	if sc.Name != "untitled" {
		t.Errorf("name %q", sc.Name)
	}
	if r := ts.waitRun(key, ts.startRun(key, sc.ID).ID); r.Status != store.RunFailed || r.Error != "no forecast engine in this build" {
		t.Errorf("run %+v", r)
	}
	p := want(t, ts.do("POST", uploadPath("population", "x.csv"), key, "a,b\n"), http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "not available") {
		t.Errorf("upload %+v", p)
	}
	var page Page[Dataset]
	want(t, ts.do("GET", "/v1/datasets", key, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("datasets %+v", page.Items)
	}
}
