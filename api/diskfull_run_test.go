package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// fillDisk writes a file at path until the file system is full (ENOSPC) and returns a function
// that removes it.
func fillDisk(t *testing.T, path string) (free func()) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			buf = buf[:len(buf)/2] // fill the last blocks too
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(path); err != nil {
			t.Error(err)
		}
	}
}

// hookRunner is fakeRunner with a function called before (before) or after (after) each run.
type hookRunner struct {
	fakeRunner
	before, after atomic.Pointer[func()]
}

func (h *hookRunner) Run(ctx context.Context, spec RunSpec, progress func(done, total int)) (RunOutput, error) {
	if f := h.before.Load(); f != nil {
		(*f)()
	}
	out, err := h.fakeRunner.Run(ctx, spec, progress)
	if f := h.after.Load(); f != nil {
		(*f)()
	}
	return out, err
}

// TestRunDiskFull fills the server's disk (an 8 MiB tmpfs) while a run is running: before its
// result file is written, or after and before its outcome is committed, with and without the
// disk reserve. Before, the outcome could not be committed (SQLITE_FULL), so the run stayed
// "running" until a restart, with its partial result file left, holding the organisation's
// only run slot and its scenario undeletable. Now the run ends failed saying the disk is full
// (or, when only the commit needed room and the reserve gave it, succeeded), its files are
// removed, the slot is free, the scenario can be deleted once space is freed, and what was
// stored before is intact.
func TestRunDiskFull(t *testing.T) {
	for _, tt := range []struct {
		name      string
		after     bool // fill the disk after the result file is written, not before
		noReserve bool // delete the disk reserve as well
		stuck     bool // nothing can be recorded until space is freed
		status    store.RunStatus
		reason    string
	}{
		{"result file", false, false, false, store.RunFailed, "the server's disk is full, so the run's results could not be written"},
		{"result file, no reserve", false, true, true, store.RunFailed, "the server's disk is full, so the run's results could not be written"},
		{"commit", true, false, false, store.RunSucceeded, ""},
		// Removing the result file makes room to record the run as failed.
		{"commit, no reserve", true, true, false, store.RunFailed, "the run finished (succeeded) but the server's disk is full"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hr := &hookRunner{}
			ts := newTestServer(t, true, tmpfsDataDir(t, "8m"), func(c *Config, d *Deps) {
				c.MaxRunsPerOrg = 1
				c.MinFreeBytes = 0
				d.Runner = hr
			})
			fastBackoff(ts)
			reserve := filepath.Join(ts.cfg.DataDir, service.ReserveFile)
			if _, err := os.Stat(reserve); err != nil {
				t.Fatalf("no disk reserve at start: %v", err)
			}
			planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
			content := "area_code,year,count\nE08000009,2024,235000\n"
			var ds Dataset
			want(t, ts.do("POST", uploadPath("population", "before.csv"), planner, content), http.StatusCreated).json(t, &ds)
			before := ts.createScenario(planner, `{"name":"before","steps":1,"step_ms":1,"rows":100}`)
			r1 := ts.waitRun(planner, ts.startRun(planner, before.ID).ID)
			if r1.Status != store.RunSucceeded {
				t.Fatalf("run before the full disk: %s (%s)", r1.Status, r1.Error)
			}
			res1 := want(t, ts.do("GET", "/v1/runs/"+r1.ID+"/results", viewer, nil), http.StatusOK).body

			var free func()
			fill := func() {
				if tt.noReserve {
					os.Remove(reserve)
				}
				free = fillDisk(t, filepath.Join(ts.cfg.DataDir, "filler"))
			}
			if tt.after {
				hr.after.Store(&fill)
			} else {
				hr.before.Store(&fill)
			}
			sc := ts.createScenario(planner, `{"name":"full","steps":2,"step_ms":1,"rows":50000}`)
			r := ts.startRun(planner, sc.ID)
			if tt.stuck {
				// No room to record anything: the run stays running (the retries are over
				// after a few milliseconds here) and cancelling it answers 507, until space
				// is freed; then it ends without a restart.
				time.Sleep(300 * time.Millisecond)
				want(t, ts.do("GET", "/v1/runs/"+r.ID, viewer, nil), http.StatusOK).json(t, &r)
				if r.Status != store.RunRunning {
					t.Errorf("run %s (%q) on a full disk with no reserve, want still running", r.Status, r.Error)
				}
				want(t, ts.do("POST", "/v1/runs/"+r.ID+"/cancel", planner, nil), http.StatusInsufficientStorage)
				free()
			}
			r = ts.waitRun(viewer, r.ID)
			hr.before.Store(nil)
			hr.after.Store(nil)
			t.Logf("run on the full disk: %s: %s", r.Status, r.Error)
			if r.Status != tt.status || !strings.HasPrefix(r.Error, tt.reason) || (tt.reason == "") != (r.Error == "") {
				t.Errorf("run on the full disk ended %s (%q), want %s (%q)", r.Status, r.Error, tt.status, tt.reason)
			}
			left := files(t, ts, filepath.Join("runs", r.ID))
			if r.Status == store.RunSucceeded {
				want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results", viewer, nil), http.StatusOK)
			} else if len(left) != 0 {
				t.Errorf("partial result files left: %v", left)
			}
			want(t, ts.do("POST", "/v1/runs/"+r.ID+"/cancel", planner, nil), http.StatusConflict)
			if !tt.stuck {
				if _, err := os.Stat(reserve); err == nil {
					t.Errorf("the disk reserve is still there on the full disk")
				}
				free()
			}

			// The organisation's only run slot is free again, and the scenario can be deleted.
			r2 := ts.waitRun(planner, ts.startRun(planner, before.ID).ID)
			if r2.Status != store.RunSucceeded {
				t.Errorf("run after freeing space: %s (%s)", r2.Status, r2.Error)
			}
			if r.Status != store.RunSucceeded {
				want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, planner, nil), http.StatusNoContent)
			}
			if _, err := os.Stat(reserve); err != nil {
				t.Errorf("the disk reserve was not made again once space was freed: %v", err)
			}

			// What was stored before is intact.
			want(t, ts.do("GET", "/v1/scenarios/"+before.ID, viewer, nil), http.StatusOK)
			want(t, ts.do("GET", "/v1/datasets/"+ds.ID, viewer, nil), http.StatusOK)
			if b := want(t, ts.do("GET", "/v1/runs/"+r1.ID+"/results", viewer, nil), http.StatusOK).body; string(b) != string(res1) {
				t.Errorf("results of the run before the full disk changed")
			}
		})
	}
}

// TestDatabaseDiskFull fills the server's disk (a 4 MiB tmpfs, the disk reserve deleted) and
// creates scenarios until the database cannot grow. Before, SQLite's "database or disk is full"
// answered the generic 500; now every write it refuses answers 507 saying the disk is full and
// nothing was changed, the scenarios created before read back as they were, and writes work
// again once space is freed.
func TestDatabaseDiskFull(t *testing.T) {
	ts := newTestServer(t, true, tmpfsDataDir(t, "4m"), func(c *Config, _ *Deps) { c.MinFreeBytes = 0 })
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	pad := strings.Repeat("x", 8<<10) // a few database pages per scenario
	first := ts.createScenario(planner, `{"name":"first","steps":1}`)
	created := map[string]string{first.ID: `{"name":"first","steps":1}`}
	for i := range 5 {
		doc := fmt.Sprintf(`{"name":"before %d","pad":"%s"}`, i, pad)
		created[ts.createScenario(planner, doc).ID] = doc
	}
	os.Remove(filepath.Join(ts.cfg.DataDir, service.ReserveFile)) // requests never use it; tested in TestRunDiskFull
	free := fillDisk(t, filepath.Join(ts.cfg.DataDir, "filler"))
	var full response
	for i := 0; ; i++ {
		if i == 1000 {
			t.Fatalf("%d scenarios created on a full disk", i)
		}
		doc := fmt.Sprintf(`{"name":"s%d","pad":"%s"}`, i, pad)
		r := ts.do("POST", "/v1/scenarios", planner, doc)
		if r.status != http.StatusCreated {
			full = r
			t.Logf("%d scenarios created after the disk filled", i)
			break
		}
		var sc Scenario
		r.json(t, &sc)
		created[sc.ID] = doc
	}
	checkFull := func(what string, r response) {
		t.Helper()
		if r.status != http.StatusInsufficientStorage {
			t.Fatalf("%s: status %d, want 507; body %s", what, r.status, r.body)
		}
		if pr := r.problem(t); pr.Status != http.StatusInsufficientStorage ||
			!strings.Contains(pr.Detail, "disk is full") || !strings.Contains(pr.Detail, "nothing was changed") {
			t.Errorf("%s: problem %+v", what, pr)
		}
	}
	checkFull("create scenario", full)
	// Other writes are refused the same way.
	checkFull("update scenario", ts.do("PUT", "/v1/scenarios/"+first.ID, planner, `{"name":"first, changed","pad":"`+pad+`"}`))
	checkFull("start run", ts.do("POST", "/v1/runs", planner, map[string]any{"scenario_id": first.ID}))

	check := func() {
		t.Helper()
		var list struct{ Items []Scenario }
		want(t, ts.do("GET", "/v1/scenarios?limit=50", viewer, nil), http.StatusOK).json(t, &list)
		var runs struct{ Items []Run }
		want(t, ts.do("GET", "/v1/runs", viewer, nil), http.StatusOK).json(t, &runs)
		if len(runs.Items) != 0 {
			t.Errorf("runs after the full disk: %+v", runs.Items)
		}
		n := 0
		for id, doc := range created {
			var sc Scenario
			want(t, ts.do("GET", "/v1/scenarios/"+id, viewer, nil), http.StatusOK).json(t, &sc)
			if sc.Version != 1 || string(sc.Document) != doc {
				t.Errorf("scenario %s after the full disk: version %d, %.40s", id, sc.Version, sc.Document)
			}
			n++
		}
		if len(list.Items) != min(n, 50) {
			t.Errorf("%d scenarios listed, %d created", len(list.Items), n)
		}
	}
	check()
	free()
	after := ts.createScenario(planner, `{"name":"after"}`)
	created[after.ID] = `{"name":"after"}`
	check()
}
