package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
)

// TestFairScheduling is finding #10 of issue 9: with 2 workers, two long runs of one
// organisation must not make another organisation's short run wait for them. Before per-
// organisation queues the short run waited for a long run to end (about 5 s here); now one
// worker is always kept for other organisations and the short run starts at once.
func TestFairScheduling(t *testing.T) {
	ts := newTestServer(t, true)
	a, b := ts.key("alpha", store.RolePlanner), ts.key("beta", store.RolePlanner)
	long := ts.createScenario(a, `{"name": "long", "steps": 100, "step_ms": 50}`) // 5 s unless cancelled
	short := ts.createScenario(b, `{"name": "short", "steps": 5, "step_ms": 10}`) // 50 ms
	var longRuns []Run
	for range 3 {
		longRuns = append(longRuns, ts.startRun(a, long.ID))
	}
	// Wait until alpha's runs have started, and give the workers time to take all they may.
	deadline := time.Now().Add(5 * time.Second)
	for running := 0; running == 0; {
		for _, r := range longRuns {
			var cur Run
			want(t, ts.do("GET", "/v1/runs/"+r.ID, a, nil), http.StatusOK).json(t, &cur)
			if cur.Status == store.RunRunning {
				running++
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("alpha's long runs did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	submitted := time.Now()
	sr := ts.startRun(b, short.ID)
	done := ts.waitRunWithin(b, sr.ID, 15)
	wait := time.Since(submitted)
	t.Logf("beta's 50 ms run finished %v after it was submitted (started %v after created)",
		wait.Round(time.Millisecond), done.Started.Sub(done.Created).Round(time.Millisecond))
	if done.Status != store.RunSucceeded {
		t.Fatalf("short run %s: %s", done.Status, done.Error)
	}
	var stillRunning int
	for _, r := range longRuns {
		var cur Run
		want(t, ts.do("GET", "/v1/runs/"+r.ID, a, nil), http.StatusOK).json(t, &cur)
		if cur.Status == store.RunRunning {
			stillRunning++
		}
		if cur.Status.Final() && cur.Status != store.RunSucceeded {
			t.Errorf("long run %s: %s %s", r.ID, cur.Status, cur.Error)
		}
	}
	if stillRunning == 0 {
		t.Errorf("beta's short run finished only after alpha's long runs (waited %v)", wait)
	}
	if wait > 2*time.Second {
		t.Errorf("beta's short run waited %v", wait)
	}
	for _, r := range longRuns {
		ts.do("POST", "/v1/runs/"+r.ID+"/cancel", a, nil)
	}
	for _, r := range longRuns {
		ts.waitRun(a, r.ID)
	}
}

// TestRoundRobin: with one worker, queued runs start in turn across organisations, not in the
// order they were submitted.
func TestRoundRobin(t *testing.T) {
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.Workers = 1 })
	a, b := ts.key("alpha", store.RolePlanner), ts.key("beta", store.RolePlanner)
	first := ts.createScenario(a, `{"name": "first", "steps": 30, "step_ms": 10}`)
	quickA := ts.createScenario(a, `{"name": "quick"}`)
	quickB := ts.createScenario(b, `{"name": "quick"}`)
	a1 := ts.startRun(a, first.ID)
	a2, a3 := ts.startRun(a, quickA.ID), ts.startRun(a, quickA.ID)
	b1 := ts.startRun(b, quickB.ID)
	var started []string
	var s [4]time.Time
	for i, r := range []struct{ key, id, name string }{{a, a1.ID, "a1"}, {a, a2.ID, "a2"}, {a, a3.ID, "a3"}, {b, b1.ID, "b1"}} {
		got := ts.waitRun(r.key, r.id)
		if got.Status != store.RunSucceeded || got.Started == nil {
			t.Fatalf("%s: %s %s", r.name, got.Status, got.Error)
		}
		s[i] = *got.Started
		started = append(started, r.name+"@"+got.Started.Format("15:04:05.000000"))
	}
	// a1 was running when the others were queued; then beta's turn comes before a2 and a3.
	if !(s[0].Before(s[3]) && s[3].Before(s[1]) && s[1].Before(s[2])) {
		t.Errorf("start order %v, want a1, b1, a2, a3", started)
	}
}

func TestOrgWorkers(t *testing.T) {
	for _, c := range []struct{ workers, perOrg, want int }{{1, 0, 1}, {2, 0, 1}, {8, 0, 7}, {8, 8, 8}, {4, 2, 2}} {
		cfg := Config{Workers: c.workers, WorkersPerOrg: c.perOrg}
		if got := cfg.OrgWorkers(); got != c.want {
			t.Errorf("workers %d, workers-per-org %d: OrgWorkers() = %d, want %d", c.workers, c.perOrg, got, c.want)
		}
	}
	cfg := testConfig(t)
	cfg.WorkersPerOrg = cfg.Workers + 1
	if err := cfg.Validate(); err == nil {
		t.Error("workers-per-org above workers accepted")
	}
}
