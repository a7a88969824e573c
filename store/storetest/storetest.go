// Package storetest is the conformance suite every store.Store implementation must pass. An
// implementation's tests call Run with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
)

// Run runs the whole suite; open must return a new empty store and arrange its closing.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, store.Store)
	}{
		{"Orgs", testOrgs},
		{"Keys", testKeys},
		{"Datasets", testDatasets},
		{"Scenarios", testScenarios},
		{"ScenarioPaging", testScenarioPaging},
		{"Runs", testRuns},
		{"RunLimit", testRunLimit},
		{"CancelRun", testCancelRun},
		{"TakeRun", testTakeRun},
		{"ConcurrentTakeRun", testConcurrentTakeRun},
		{"FailUnfinished", testFailUnfinished},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ConcurrentKeys", testConcurrentKeys},
		{"DeleteRacesRun", testDeleteRacesRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open(t)) })
	}
}

var now = time.Date(2025, 4, 1, 9, 30, 0, 123456000, time.UTC)

// must returns v, or panics (failing the test with a stack trace) if err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func twoOrgs(t *testing.T, s store.Store) (store.Org, store.Org) {
	ctx := t.Context()
	return must(s.EnsureOrg(ctx, "trafford")), must(s.EnsureOrg(ctx, "sheffield"))
}

func newScenario(t *testing.T, s store.Store, org store.Org, name string) store.Scenario {
	t.Helper()
	return must(s.CreateScenario(t.Context(), store.Scenario{
		ID: store.NewID("scn"), OrgID: org.ID, Name: name, Document: json.RawMessage(`{"name":"` + name + `"}`), Created: now,
	}))
}

func newRun(t *testing.T, s store.Store, sc store.Scenario, limit int) (store.Run, error) {
	t.Helper()
	return s.CreateRun(t.Context(), store.Run{
		ID: store.NewID("run"), OrgID: sc.OrgID, ScenarioID: sc.ID, ScenarioVersion: sc.Version, Created: now,
	}, limit)
}

func testOrgs(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	a := must(s.EnsureOrg(ctx, "trafford"))
	b := must(s.EnsureOrg(ctx, "trafford"))
	if a != b {
		t.Errorf("EnsureOrg twice: %+v then %+v", a, b)
	}
	if got := must(s.OrgByName(ctx, "trafford")); got != a {
		t.Errorf("OrgByName = %+v, want %+v", got, a)
	}
	_, err := s.OrgByName(ctx, "nowhere")
	wantErr(t, err, store.ErrNotFound)
}

func testKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	if n := must(s.CountKeys(ctx)); n != 0 {
		t.Fatalf("CountKeys on empty store = %d", n)
	}
	k := store.Key{ID: store.NewID("key"), OrgID: a.ID, Name: "ci", Role: store.RolePlanner, Hash: [32]byte{1, 2, 3}, Created: now}
	if err := s.CreateKey(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	dup := k
	dup.ID = store.NewID("key")
	if err := s.CreateKey(ctx, dup, 0); err == nil {
		t.Error("CreateKey with a duplicate hash succeeded")
	}
	bad := k
	bad.ID, bad.Hash, bad.Role = store.NewID("key"), [32]byte{9}, "owner"
	if err := s.CreateKey(ctx, bad, 0); err == nil {
		t.Error("CreateKey with role owner succeeded")
	}
	got := must(s.KeyByHash(ctx, k.Hash))
	k.OrgName = a.Name
	if got != k {
		t.Errorf("KeyByHash = %+v, want %+v", got, k)
	}
	_, err := s.KeyByHash(ctx, [32]byte{7})
	wantErr(t, err, store.ErrNotFound)
	if keys := must(s.ListKeys(ctx, a.ID)); len(keys) != 1 || keys[0] != k {
		t.Errorf("ListKeys(a) = %+v", keys)
	}
	if keys := must(s.ListKeys(ctx, b.ID)); len(keys) != 0 {
		t.Errorf("ListKeys(b) = %+v, want none", keys)
	}
	wantErr(t, s.DeleteKey(ctx, b.ID, k.ID), store.ErrNotFound)
	if n := must(s.CountKeys(ctx)); n != 1 {
		t.Errorf("CountKeys = %d, want 1", n)
	}
	if err := s.DeleteKey(ctx, a.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.KeyByHash(ctx, k.Hash)
	wantErr(t, err, store.ErrNotFound)

	// At most maxPerOrg keys per organisation; other organisations and deleted keys do not count.
	for i := range 3 {
		k := store.Key{ID: store.NewID("key"), OrgID: a.ID, Name: "capped", Role: store.RoleViewer, Hash: [32]byte{20, byte(i)}, Created: now}
		if err := s.CreateKey(ctx, k, 3); err != nil {
			t.Fatalf("key %d of 3: %v", i+1, err)
		}
	}
	over := store.Key{ID: store.NewID("key"), OrgID: a.ID, Name: "over", Role: store.RoleViewer, Hash: [32]byte{21}, Created: now}
	wantErr(t, s.CreateKey(ctx, over, 3), store.ErrTooManyKeys)
	over.OrgID = b.ID
	if err := s.CreateKey(ctx, over, 3); err != nil {
		t.Errorf("the other organisation's first key: %v", err)
	}
}

func testDatasets(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	var ids []string
	for i := range 5 {
		d := store.Dataset{
			ID: store.NewID("dst"), OrgID: a.ID, Kind: "population", Name: fmt.Sprintf("pop%d.parquet", i),
			ContentHash: "sha256:00", Size: int64(100 + i), Path: fmt.Sprintf("uploads/%d", i),
			Summary: json.RawMessage(`{"rows":10}`), Created: now.Add(time.Duration(i) * time.Second),
		}
		if err := s.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	got := must(s.GetDataset(ctx, a.ID, ids[2]))
	if got.Name != "pop2.parquet" || got.Size != 102 || string(got.Summary) != `{"rows":10}` || !got.Created.Equal(now.Add(2*time.Second)) {
		t.Errorf("GetDataset = %+v", got)
	}
	_, err := s.GetDataset(ctx, b.ID, ids[2])
	wantErr(t, err, store.ErrNotFound)

	// Paging: newest first, two at a time.
	var seen []string
	cursor := ""
	for {
		page, next, err := s.ListDatasets(ctx, a.ID, store.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
		t.Errorf("paged list = %v, want %v reversed", seen, ids)
	}
	if page, _, _ := s.ListDatasets(ctx, b.ID, store.Page{}); len(page) != 0 {
		t.Errorf("other organisation lists %d datasets", len(page))
	}
	_, _, err = s.ListDatasets(ctx, a.ID, store.Page{Cursor: "garbage!"})
	wantErr(t, err, store.ErrBadCursor)

	_, err = s.DeleteDataset(ctx, b.ID, ids[0])
	wantErr(t, err, store.ErrNotFound)
	del := must(s.DeleteDataset(ctx, a.ID, ids[0]))
	if del.Path != "uploads/0" {
		t.Errorf("DeleteDataset returned %+v", del)
	}
	if paths := must(s.DatasetPaths(ctx)); len(paths) != 4 {
		t.Errorf("DatasetPaths = %v, want 4", paths)
	}
}

func testScenarios(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	sc := newScenario(t, s, a, "baseline")
	if sc.Version != 1 || sc.Latest != 1 || sc.Name != "baseline" || string(sc.Document) != `{"name":"baseline"}` {
		t.Fatalf("created %+v", sc)
	}
	later := now.Add(time.Hour)
	v2 := must(s.UpdateScenario(ctx, a.ID, sc.ID, "baseline 2", json.RawMessage(`{"name":"baseline 2"}`), 1, later))
	if v2.Version != 2 || v2.Latest != 2 || !v2.Updated.Equal(later) || !v2.Created.Equal(now) {
		t.Errorf("update: %+v", v2)
	}
	_, err := s.UpdateScenario(ctx, a.ID, sc.ID, "x", json.RawMessage(`{}`), 1, later)
	wantErr(t, err, store.ErrVersionMismatch)
	_, err = s.UpdateScenario(ctx, b.ID, sc.ID, "x", json.RawMessage(`{}`), 0, later)
	wantErr(t, err, store.ErrNotFound)

	if got := must(s.GetScenario(ctx, a.ID, sc.ID, 0)); got.Version != 2 || got.Name != "baseline 2" {
		t.Errorf("latest = %+v", got)
	}
	if got := must(s.GetScenario(ctx, a.ID, sc.ID, 1)); got.Version != 1 || got.Latest != 2 || string(got.Document) != `{"name":"baseline"}` {
		t.Errorf("version 1 = %+v", got)
	}
	_, err = s.GetScenario(ctx, a.ID, sc.ID, 3)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetScenario(ctx, b.ID, sc.ID, 0)
	wantErr(t, err, store.ErrNotFound)

	// A scenario with an unfinished run cannot be deleted; once the run ends it can, and its
	// runs stay readable.
	r := must(newRun(t, s, v2, 0))
	wantErr(t, s.DeleteScenario(ctx, a.ID, sc.ID, later), store.ErrConflict)
	wantErr(t, s.DeleteScenario(ctx, b.ID, sc.ID, later), store.ErrNotFound)
	must(s.CancelRun(ctx, a.ID, r.ID, "test", later))
	if err := s.DeleteScenario(ctx, a.ID, sc.ID, later); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetScenario(ctx, a.ID, sc.ID, 0)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteScenario(ctx, a.ID, sc.ID, later), store.ErrNotFound)
	if _, err := s.GetRun(ctx, a.ID, r.ID); err != nil {
		t.Errorf("run of a deleted scenario: %v", err)
	}
	_, err = newRun(t, s, v2, 0)
	wantErr(t, err, store.ErrNotFound)
}

func testScenarioPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	for i := range 7 {
		newScenario(t, s, a, fmt.Sprint("s", i))
	}
	newScenario(t, s, b, "theirs")
	var names []string
	cursor := ""
	for range 10 {
		page, next, err := s.ListScenarios(ctx, a.ID, store.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range page {
			names = append(names, sc.Name)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if fmt.Sprint(names) != "[s6 s5 s4 s3 s2 s1 s0]" {
		t.Errorf("scenario pages = %v", names)
	}
}

func testRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	sc := newScenario(t, s, a, "baseline")
	seed := int64(42)
	r := must(s.CreateRun(ctx, store.Run{ID: store.NewID("run"), OrgID: a.ID, ScenarioID: sc.ID, ScenarioVersion: 1, Seed: &seed, Created: now}, 0))
	if r.Status != store.RunQueued || r.Progress != 0 || r.Seed == nil || *r.Seed != 42 || r.Started != nil {
		t.Fatalf("created %+v", r)
	}
	// Another organisation cannot run a's scenario, nor see a's run.
	_, err := s.CreateRun(ctx, store.Run{ID: store.NewID("run"), OrgID: b.ID, ScenarioID: sc.ID, ScenarioVersion: 1, Created: now}, 0)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.CreateRun(ctx, store.Run{ID: store.NewID("run"), OrgID: a.ID, ScenarioID: sc.ID, ScenarioVersion: 9, Created: now}, 0)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetRun(ctx, b.ID, r.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.CancelRun(ctx, b.ID, r.ID, "x", now)
	wantErr(t, err, store.ErrNotFound)

	wantErr(t, s.SetRunProgress(ctx, r.ID, 0.5), store.ErrConflict)
	_, err = s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunSucceeded, At: now})
	wantErr(t, err, store.ErrConflict)

	started := now.Add(time.Second)
	if r.Attempt != 0 {
		t.Errorf("queued run at attempt %d, want 0", r.Attempt)
	}
	r = must(s.StartRun(ctx, r.ID, started))
	if r.Status != store.RunRunning || r.Started == nil || !r.Started.Equal(started) || r.Attempt != 1 {
		t.Fatalf("started %+v", r)
	}
	_, err = s.StartRun(ctx, r.ID, started)
	wantErr(t, err, store.ErrConflict)
	if err := s.SetRunProgress(ctx, r.ID, 0.25); err != nil {
		t.Fatal(err)
	}
	if got := must(s.GetRun(ctx, a.ID, r.ID)); got.Progress != 0.25 {
		t.Errorf("progress = %v", got.Progress)
	}
	_, err = s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunRunning, At: now})
	if err == nil {
		t.Error("FinishRun with status running succeeded")
	}
	fin := now.Add(time.Minute)
	used := int64(7)
	r = must(s.FinishRun(ctx, r.ID, store.Outcome{
		Status: store.RunSucceeded, ResultPath: "runs/x/result.parquet", Provenance: json.RawMessage(`{"engine":"test"}`), Seed: &used, At: fin,
		ResultHashes: map[string]string{"runs/x/result.parquet": "sha256:" + strings.Repeat("ab", 32)},
	}))
	if r.Status != store.RunSucceeded || r.Progress != 1 || r.ResultPath != "runs/x/result.parquet" ||
		string(r.Provenance) != `{"engine":"test"}` || *r.Seed != 7 || !r.Finished.Equal(fin) {
		t.Errorf("finished %+v", r)
	}
	if got := must(s.GetRun(ctx, a.ID, r.ID)); len(got.ResultHashes) != 1 || got.ResultHashes["runs/x/result.parquet"] != "sha256:"+strings.Repeat("ab", 32) {
		t.Errorf("result hashes read back as %v", got.ResultHashes)
	}
	_, err = s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunFailed, At: fin})
	wantErr(t, err, store.ErrConflict)
	_, err = s.CancelRun(ctx, a.ID, r.ID, "x", fin)
	wantErr(t, err, store.ErrConflict)

	// Filters.
	sc2 := newScenario(t, s, a, "other")
	must(newRun(t, s, sc2, 0))
	all, _, err := s.ListRuns(ctx, a.ID, store.RunFilter{}, store.Page{})
	if err != nil || len(all) != 2 {
		t.Fatalf("ListRuns = %d runs, %v", len(all), err)
	}
	if got, _, _ := s.ListRuns(ctx, a.ID, store.RunFilter{ScenarioID: sc.ID}, store.Page{}); len(got) != 1 || got[0].ID != r.ID {
		t.Errorf("filter by scenario: %+v", got)
	}
	if got, _, _ := s.ListRuns(ctx, a.ID, store.RunFilter{Status: store.RunQueued}, store.Page{}); len(got) != 1 || got[0].ScenarioID != sc2.ID {
		t.Errorf("filter by status: %+v", got)
	}
	if got, _, _ := s.ListRuns(ctx, b.ID, store.RunFilter{}, store.Page{}); len(got) != 0 {
		t.Errorf("other organisation lists %d runs", len(got))
	}
	if got := must(s.RunByID(ctx, r.ID)); got.ID != r.ID {
		t.Errorf("RunByID = %+v", got)
	}
}

func testRunLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	sa, sb := newScenario(t, s, a, "a"), newScenario(t, s, b, "b")
	r1 := must(newRun(t, s, sa, 2))
	must(newRun(t, s, sa, 2))
	_, err := newRun(t, s, sa, 2)
	wantErr(t, err, store.ErrTooManyRuns)
	must(newRun(t, s, sb, 2)) // the limit is per organisation
	must(s.CancelRun(ctx, a.ID, r1.ID, "x", now))
	must(newRun(t, s, sa, 2))
}

func testCancelRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, _ := twoOrgs(t, s)
	sc := newScenario(t, s, a, "a")
	q := must(newRun(t, s, sc, 0))
	q = must(s.CancelRun(ctx, a.ID, q.ID, "cancelled by request", now))
	if q.Status != store.RunCancelled || q.Error != "cancelled by request" || !q.CancelRequested || q.Finished == nil {
		t.Errorf("cancel queued: %+v", q)
	}
	_, err := s.StartRun(ctx, q.ID, now)
	wantErr(t, err, store.ErrConflict)

	r := must(newRun(t, s, sc, 0))
	must(s.StartRun(ctx, r.ID, now))
	r = must(s.CancelRun(ctx, a.ID, r.ID, "x", now))
	if r.Status != store.RunRunning || !r.CancelRequested {
		t.Errorf("cancel running: %+v", r)
	}
	r = must(s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunCancelled, Error: "cancelled by request", At: now}))
	if r.Status != store.RunCancelled {
		t.Errorf("finish cancelled: %+v", r)
	}
}

// testTakeRun follows one run through a worker that dies: taken at attempt 1, taken over at
// attempt 2 (the first worker's late outcome refused), and finished by attempt 2; and the
// per-organisation limit on running runs.
func testTakeRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := twoOrgs(t, s)
	sa, sb := newScenario(t, s, a, "a"), newScenario(t, s, b, "b")
	r := must(newRun(t, s, sa, 0))
	_, err := s.TakeRun(ctx, "run_missing", 1, 0, now)
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.TakeRun(ctx, r.ID, 0, 0, now); err == nil {
		t.Error("TakeRun at attempt 0 succeeded")
	}

	t1 := now.Add(time.Second)
	got := must(s.TakeRun(ctx, r.ID, 1, 2, t1))
	if got.Status != store.RunRunning || got.Attempt != 1 || got.Started == nil || !got.Started.Equal(t1) || got.Progress != 0 {
		t.Fatalf("taken at attempt 1: %+v", got)
	}
	// The same attempt again (a duplicate delivery) and an earlier one are refused.
	_, err = s.TakeRun(ctx, r.ID, 1, 2, t1)
	wantErr(t, err, store.ErrConflict)
	if err := s.SetRunProgress(ctx, r.ID, 0.6); err != nil {
		t.Fatal(err)
	}

	// The worker dies; the job's second attempt takes the run over from the start.
	got = must(s.TakeRun(ctx, r.ID, 2, 2, t1.Add(time.Minute)))
	if got.Status != store.RunRunning || got.Attempt != 2 || got.Progress != 0 || !got.Started.Equal(t1) {
		t.Fatalf("taken over at attempt 2: %+v (want started kept at %v)", got, t1)
	}
	_, err = s.TakeRun(ctx, r.ID, 1, 2, t1)
	wantErr(t, err, store.ErrConflict)
	// The first worker, come back, cannot record its outcome over attempt 2's.
	_, err = s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunFailed, Error: "late", Attempt: 1, At: t1})
	wantErr(t, err, store.ErrConflict)
	done := must(s.FinishRun(ctx, r.ID, store.Outcome{Status: store.RunSucceeded, Attempt: 2, At: t1.Add(2 * time.Minute)}))
	if done.Status != store.RunSucceeded || done.Attempt != 2 || done.Error != "" {
		t.Errorf("finished by attempt 2: %+v", done)
	}
	_, err = s.TakeRun(ctx, r.ID, 3, 2, t1)
	wantErr(t, err, store.ErrConflict)

	// At most two of a's runs run at once; b is not held up by a, and a queued run refused
	// as busy stays queued, to be taken once one of a's runs finishes.
	var runs []store.Run
	for range 3 {
		runs = append(runs, must(newRun(t, s, sa, 0)))
	}
	must(s.TakeRun(ctx, runs[0].ID, 1, 2, now))
	must(s.TakeRun(ctx, runs[1].ID, 1, 2, now))
	_, err = s.TakeRun(ctx, runs[2].ID, 1, 2, now)
	wantErr(t, err, store.ErrBusy)
	if q := must(s.GetRun(ctx, a.ID, runs[2].ID)); q.Status != store.RunQueued || q.Attempt != 0 {
		t.Errorf("busy run changed: %+v", q)
	}
	must(s.TakeRun(ctx, must(newRun(t, s, sb, 0)).ID, 1, 2, now))
	// A takeover is not limited: the run is already counted as running.
	must(s.TakeRun(ctx, runs[0].ID, 2, 2, now))
	must(s.FinishRun(ctx, runs[1].ID, store.Outcome{Status: store.RunSucceeded, At: now}))
	if q := must(s.TakeRun(ctx, runs[2].ID, 1, 2, now)); q.Status != store.RunRunning {
		t.Errorf("after one finished: %+v", q)
	}
	// No limit when maxRunning is 0.
	must(s.TakeRun(ctx, must(newRun(t, s, sa, 0)).ID, 1, 0, now))
}

// testConcurrentTakeRun takes twelve queued runs of one organisation from twelve goroutines
// at once with a limit of three: exactly three are taken, the rest are busy and stay queued.
func testConcurrentTakeRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, _ := twoOrgs(t, s)
	sc := newScenario(t, s, a, "a")
	const n, limit = 12, 3
	ids := make([]string, n)
	for i := range ids {
		ids[i] = must(newRun(t, s, sc, 0)).ID
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() { _, errs[i] = s.TakeRun(ctx, ids[i], 1, limit, now) })
	}
	wg.Wait()
	taken := 0
	for i, err := range errs {
		switch {
		case err == nil:
			taken++
		case errors.Is(err, store.ErrBusy):
		default:
			t.Errorf("TakeRun %d: %v", i, err)
		}
	}
	if taken != limit {
		t.Errorf("%d runs taken at once, want exactly %d", taken, limit)
	}
	running, _, err := s.ListRuns(ctx, a.ID, store.RunFilter{Status: store.RunRunning}, store.Page{})
	if err != nil || len(running) != limit {
		t.Errorf("%d runs running (%v), want %d", len(running), err, limit)
	}
}

func testFailUnfinished(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, _ := twoOrgs(t, s)
	sc := newScenario(t, s, a, "a")
	queued := must(newRun(t, s, sc, 0))
	running := must(newRun(t, s, sc, 0))
	must(s.StartRun(ctx, running.ID, now))
	done := must(newRun(t, s, sc, 0))
	must(s.StartRun(ctx, done.ID, now))
	must(s.FinishRun(ctx, done.ID, store.Outcome{Status: store.RunSucceeded, At: now}))

	ids := must(s.FailUnfinishedRuns(ctx, "interrupted", now))
	if len(ids) != 2 {
		t.Fatalf("FailUnfinishedRuns = %v, want 2 ids", ids)
	}
	for _, id := range []string{queued.ID, running.ID} {
		r := must(s.GetRun(ctx, a.ID, id))
		if r.Status != store.RunFailed || r.Error != "interrupted" || r.Finished == nil {
			t.Errorf("after recovery: %+v", r)
		}
	}
	if r := must(s.GetRun(ctx, a.ID, done.ID)); r.Status != store.RunSucceeded {
		t.Errorf("finished run changed: %+v", r)
	}
}

// testConcurrentWrites updates one scenario and creates runs from many goroutines at once:
// every write succeeds, versions are 1..n with no gaps, and the run limit holds exactly.
func testConcurrentWrites(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, _ := twoOrgs(t, s)
	sc := newScenario(t, s, a, "shared")
	const n = 24
	const limit = 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	var mu sync.Mutex
	accepted := 0
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateScenario(ctx, a.ID, sc.ID, sc.Name, json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), 0, now)
			errs <- err
		})
		wg.Go(func() {
			_, err := newRun(t, s, sc, limit)
			switch {
			case err == nil:
				mu.Lock()
				accepted++
				mu.Unlock()
			case !errors.Is(err, store.ErrTooManyRuns):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := must(s.GetScenario(ctx, a.ID, sc.ID, 0)); got.Version != n+1 {
		t.Errorf("latest version = %d, want %d", got.Version, n+1)
	}
	for v := 1; v <= n+1; v++ {
		if _, err := s.GetScenario(ctx, a.ID, sc.ID, v); err != nil {
			t.Errorf("version %d: %v", v, err)
		}
	}
	if accepted != limit {
		t.Errorf("%d runs accepted, want exactly %d", accepted, limit)
	}
}

// testConcurrentKeys creates keys for one organisation from many goroutines at once under a
// limit: exactly the limit are accepted, every other attempt is ErrTooManyKeys, and another
// organisation's keys are not counted.
func testConcurrentKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := twoOrgs(t, s)
	const n = 16
	const limit = 4
	if err := s.CreateKey(ctx, store.Key{ID: store.NewID("key"), OrgID: b.ID, Name: "theirs", Role: store.RoleViewer,
		Hash: [32]byte{30}, Created: now}, limit); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i] = s.CreateKey(ctx, store.Key{ID: store.NewID("key"), OrgID: a.ID, Name: "race", Role: store.RoleViewer,
				Hash: [32]byte{31, byte(i)}, Created: now}, limit)
		})
	}
	wg.Wait()
	accepted := 0
	for _, err := range results {
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, store.ErrTooManyKeys):
			t.Error(err)
		}
	}
	if accepted != limit {
		t.Errorf("%d keys accepted, want exactly %d", accepted, limit)
	}
	if keys := must(s.ListKeys(ctx, a.ID)); len(keys) != limit {
		t.Errorf("organisation has %d keys, want %d", len(keys), limit)
	}
}

// testDeleteRacesRun deletes scenarios while runs of them are being created: either the run
// comes first and the delete is refused (ErrConflict), or the delete comes first and the run
// is refused (ErrNotFound); never both succeed, which would leave an unfinished run of a
// deleted scenario.
func testDeleteRacesRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, _ := twoOrgs(t, s)
	for i := range 20 {
		sc := newScenario(t, s, a, fmt.Sprint("race", i))
		var runErr, delErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, runErr = s.CreateRun(ctx, store.Run{ID: store.NewID("run"), OrgID: a.ID, ScenarioID: sc.ID, ScenarioVersion: 1, Created: now}, 0)
		})
		wg.Go(func() { delErr = s.DeleteScenario(ctx, a.ID, sc.ID, now) })
		wg.Wait()
		switch {
		case runErr == nil && errors.Is(delErr, store.ErrConflict):
		case errors.Is(runErr, store.ErrNotFound) && delErr == nil:
		default:
			t.Fatalf("round %d: CreateRun: %v; DeleteScenario: %v", i, runErr, delErr)
		}
	}
}
