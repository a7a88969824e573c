package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/carecast/carecast/api/store"
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

// TestRunDiskFull fills the server's disk (a 4 MiB tmpfs) while a run is running, so that
// its result file cannot be written and its outcome cannot be committed in the space left.
func TestRunDiskFull(t *testing.T) {
	ts := newTestServer(t, true, tmpfsDataDir(t, "4m"), func(c *Config, _ *Deps) {
		c.MaxRunsPerOrg = 1
		c.MinFreeBytes = 0
	})
	fastBackoff(ts)
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

	sc := ts.createScenario(planner, `{"name":"full","steps":20,"step_ms":10,"rows":50000}`)
	r := ts.startRun(planner, sc.ID)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var got Run
		want(t, ts.do("GET", "/v1/runs/"+r.ID, viewer, nil), http.StatusOK).json(t, &got)
		if got.Status == store.RunRunning {
			break
		}
		if got.Status.Final() || time.Now().After(deadline) {
			t.Fatalf("run %s before the disk filled", got.Status)
		}
	}
	free := fillDisk(t, filepath.Join(ts.cfg.DataDir, "filler"))
	r = ts.waitRun(viewer, r.ID)
	t.Logf("run on the full disk: %s: %s", r.Status, r.Error)
	if r.Status != store.RunFailed || !strings.Contains(r.Error, "disk is full") {
		t.Errorf("run on the full disk ended %s (%q), want failed saying the disk is full", r.Status, r.Error)
	}
	if left := files(t, ts, filepath.Join("runs", r.ID)); len(left) != 0 {
		t.Errorf("partial result files left: %v", left)
	}
	want(t, ts.do("POST", "/v1/runs/"+r.ID+"/cancel", planner, nil), http.StatusConflict)
	free()

	// The organisation's only run slot is free again, and the scenario can be deleted.
	r2 := ts.waitRun(planner, ts.startRun(planner, before.ID).ID)
	if r2.Status != store.RunSucceeded {
		t.Errorf("run after freeing space: %s (%s)", r2.Status, r2.Error)
	}
	want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, planner, nil), http.StatusNoContent)

	// What was stored before is intact.
	want(t, ts.do("GET", "/v1/scenarios/"+before.ID, viewer, nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/datasets/"+ds.ID, viewer, nil), http.StatusOK)
	if b := want(t, ts.do("GET", "/v1/runs/"+r1.ID+"/results", viewer, nil), http.StatusOK).body; string(b) != string(res1) {
		t.Errorf("results of the run before the full disk changed")
	}
}
