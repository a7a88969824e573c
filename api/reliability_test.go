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
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// failingFinish is the real SQLite store except that FinishRun fails, without writing, for
// its first fails calls whose outcome has status only (every status when only is "").
type failingFinish struct {
	store.Store
	only  store.RunStatus
	fails int64
	calls atomic.Int64
}

func (f *failingFinish) FinishRun(ctx context.Context, id string, o store.Outcome) (store.Run, error) {
	if f.only == "" || o.Status == f.only {
		if f.calls.Add(1) <= f.fails {
			return store.Run{}, errors.New("injected: disk I/O error")
		}
	}
	return f.Store.FinishRun(ctx, id, o)
}

func fastBackoff(ts *testServer) {
	ts.svc.svc.SetRetry([]time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}, 10*time.Millisecond)
}

// A final commit that fails twice is tried again and the run ends as it should: succeeded.
func TestFinishRunRetriedAfterFailedCommit(t *testing.T) {
	ff := &failingFinish{fails: 2}
	ts := newTestServerOver(t, true, func(s store.Store) store.Store { ff.Store = s; return ff })
	fastBackoff(ts)
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"x","steps":2,"step_ms":1}`)
	r := ts.waitRun(key, ts.startRun(key, sc.ID).ID)
	if r.Status != store.RunSucceeded {
		t.Fatalf("status %s (%s), want succeeded", r.Status, r.Error)
	}
	if got := ff.calls.Load(); got != 3 { // two injected failures, then the real commit
		t.Errorf("FinishRun called %d times, want 3", got)
	}
}

// A run whose successful outcome can never be committed is recorded as failed with a reason:
// it no longer holds the organisation's only run slot, cancel answers that it has finished and
// its scenario can be deleted.
func TestFinishRunGivesUpAsFailed(t *testing.T) {
	ff := &failingFinish{only: store.RunSucceeded, fails: 1 << 30}
	ts := newTestServerOver(t, true, func(s store.Store) store.Store { ff.Store = s; return ff },
		func(c *Config, _ *Deps) { c.MaxRunsPerOrg = 1 })
	fastBackoff(ts)
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, `{"name":"x","steps":2,"step_ms":1}`)
	r := ts.waitRun(key, ts.startRun(key, sc.ID).ID)
	if r.Status != store.RunFailed || !strings.Contains(r.Error, "could not record its outcome") {
		t.Fatalf("status %s (%q), want failed with the reason", r.Status, r.Error)
	}
	// 1 attempt + 3 retries (fastBackoff) of the succeeded outcome.
	if got := ff.calls.Load(); got != 4 {
		t.Errorf("succeeded outcome tried %d times, want 4", got)
	}
	want(t, ts.do("POST", "/v1/runs/"+r.ID+"/cancel", key, nil), http.StatusConflict)
	// The quota of one unfinished run is free again.
	r2 := ts.startRun(key, sc.ID)
	ts.waitRun(key, r2.ID)
	want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, key, nil), http.StatusNoContent)
}

// A run killed before it wrote anything leaves an empty folder under runs/; the next start
// removes it and keeps every folder that holds a file.
func TestStartRemovesEmptyRunFolders(t *testing.T) {
	var dataDir string
	ts := newTestServer(t, true, func(c *Config, _ *Deps) {
		dataDir = c.DataDir
		for _, d := range []string{"runs/run_killed", "runs/run_kept"} {
			if err := os.MkdirAll(filepath.Join(c.DataDir, d), 0o750); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(c.DataDir, "runs/run_kept/results.parquet"), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	})
	_ = ts
	if _, err := os.Stat(filepath.Join(dataDir, "runs/run_killed")); !os.IsNotExist(err) {
		t.Errorf("the empty run folder is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "runs/run_kept/results.parquet")); err != nil {
		t.Errorf("a run folder with a file was removed: %v", err)
	}
}

// failingStart is the real SQLite store except that StartRun fails as on a full disk
// (store.ErrDiskFull), without writing, for its first fails calls.
type failingStart struct {
	store.Store
	fails int64
	calls atomic.Int64
}

func (f *failingStart) StartRun(ctx context.Context, id string, at time.Time) (store.Run, error) {
	if f.calls.Add(1) <= f.fails {
		return store.Run{}, fmt.Errorf("start run %s: injected: %w", id, store.ErrDiskFull)
	}
	return f.Store.StartRun(ctx, id, at)
}

// A run whose start cannot be recorded for a full disk no longer stays queued, holding its
// organisation's only run slot, until a restart: with the disk reserve it is recorded as failed
// saying the disk is full (not run on a full disk); with no reserve it is queued again and runs
// once its start can be recorded.
func TestStartRunDiskFull(t *testing.T) {
	for _, tt := range []struct {
		name      string
		noReserve bool
		fails     int64
		status    store.RunStatus
		calls     int64
	}{
		{"reserve", false, 1, store.RunFailed, 2},
		{"no reserve", true, 2, store.RunSucceeded, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := &failingStart{fails: tt.fails}
			ts := newTestServerOver(t, true, func(s store.Store) store.Store { fs.Store = s; return fs },
				func(c *Config, _ *Deps) { c.MaxRunsPerOrg = 1; c.MinFreeBytes = 0 })
			fastBackoff(ts)
			reserve := filepath.Join(ts.cfg.DataDir, service.ReserveFile)
			if tt.noReserve {
				if err := os.Remove(reserve); err != nil {
					t.Fatal(err)
				}
			}
			key := ts.key("alpha", store.RolePlanner)
			sc := ts.createScenario(key, `{"name":"x","steps":2,"step_ms":1}`)
			r := ts.waitRun(key, ts.startRun(key, sc.ID).ID)
			if r.Status != tt.status || (tt.status == store.RunFailed) != (r.Error == service.DiskFullStartMsg) {
				t.Errorf("status %s (%q), want %s", r.Status, r.Error, tt.status)
			}
			if got := fs.calls.Load(); got != tt.calls {
				t.Errorf("StartRun called %d times, want %d", got, tt.calls)
			}
			if _, err := os.Stat(reserve); err == nil && !tt.noReserve {
				t.Errorf("the disk reserve is still there")
			}
			// The only run slot is free, the scenario can be deleted, the reserve is back.
			if r2 := ts.waitRun(key, ts.startRun(key, sc.ID).ID); r2.Status != store.RunSucceeded {
				t.Errorf("the next run: %s (%s)", r2.Status, r2.Error)
			}
			want(t, ts.do("DELETE", "/v1/scenarios/"+sc.ID, key, nil), http.StatusNoContent)
			if _, err := os.Stat(reserve); err != nil {
				t.Errorf("the disk reserve was not made again: %v", err)
			}
		})
	}
}
