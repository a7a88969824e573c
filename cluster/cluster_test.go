package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
	"github.com/carecast/carecast/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// queueFixture opens a store and a server's queue on a new database, with one organisation
// and one scenario.
func queueFixture(t *testing.T) (*postgres.Store, *Queue, store.Scenario) {
	t.Helper()
	ctx := t.Context()
	st, err := postgres.Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q, err := NewQueue(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	org, err := st.EnsureOrg(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := st.CreateScenario(ctx, store.Scenario{ID: store.NewID("scn"), OrgID: org.ID, Name: "x", Document: []byte(`{}`),
		Created: time.Now().UTC().Truncate(time.Microsecond)})
	if err != nil {
		t.Fatal(err)
	}
	return st, q, sc
}

func newRun(sc store.Scenario) store.Run {
	return store.Run{ID: store.NewID("run"), OrgID: sc.OrgID, ScenarioID: sc.ID, ScenarioVersion: sc.Version,
		Created: time.Now().UTC().Truncate(time.Microsecond)}
}

// jobsOf returns the states of the River jobs of run id.
func jobsOf(t *testing.T, st *postgres.Store, id string) []string {
	t.Helper()
	rows, err := st.Pool().Query(t.Context(), `SELECT state::text FROM river_job WHERE kind = $1 AND args->>'run_id' = $2`, RunArgs{}.Kind(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var states []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		states = append(states, s)
	}
	return states
}

// TestSubmit: a submitted run has exactly one job, available on carecast's queue; a run
// refused by the organisation's limit has neither row nor job.
func TestSubmit(t *testing.T) {
	st, q, sc := queueFixture(t)
	ctx := t.Context()
	r, err := q.Submit(ctx, newRun(sc), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.RunQueued {
		t.Errorf("submitted run is %s", r.Status)
	}
	if got := jobsOf(t, st, r.ID); len(got) != 1 || got[0] != "available" {
		t.Errorf("jobs of the submitted run: %v, want one available", got)
	}
	var queue string
	if err := st.Pool().QueryRow(ctx, `SELECT queue FROM river_job WHERE args->>'run_id' = $1`, r.ID).Scan(&queue); err != nil || queue != QueueName {
		t.Errorf("job queue %q (%v), want %q", queue, err, QueueName)
	}
	refused := newRun(sc)
	if _, err := q.Submit(ctx, refused, 1, nil); !errors.Is(err, store.ErrTooManyRuns) {
		t.Fatalf("second run over a limit of 1: %v, want ErrTooManyRuns", err)
	}
	if _, err := st.RunByID(ctx, refused.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused run stored: %v", err)
	}
	if got := jobsOf(t, st, refused.ID); len(got) != 0 {
		t.Errorf("refused run has jobs %v", got)
	}
}

// TestSweep: Sweep fails the unfinished runs whose job was discarded (or that have none), and
// leaves alone runs whose job may still execute and runs already final.
func TestSweep(t *testing.T) {
	st, q, sc := queueFixture(t)
	ctx := t.Context()
	live, err := q.Submit(ctx, newRun(sc), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	gaveUp, err := q.Submit(ctx, newRun(sc), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.TakeRun(ctx, gaveUp.ID, 1, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE args->>'run_id' = $1`, gaveUp.ID); err != nil {
		t.Fatal(err)
	}
	orphan, err := st.CreateRun(ctx, newRun(sc), 0) // a run with no job at all
	if err != nil {
		t.Fatal(err)
	}
	ids, err := Sweep(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || !(ids[0] == gaveUp.ID && ids[1] == orphan.ID || ids[1] == gaveUp.ID && ids[0] == orphan.ID) {
		t.Fatalf("swept %v, want %s and %s", ids, gaveUp.ID, orphan.ID)
	}
	for _, id := range ids {
		r, err := st.RunByID(ctx, id)
		if err != nil || r.Status != store.RunFailed || r.Error != sweepMsg || r.Finished == nil {
			t.Errorf("swept run %s: %+v, %v", id, r, err)
		}
	}
	if r, _ := st.RunByID(ctx, live.ID); r.Status != store.RunQueued {
		t.Errorf("run with a live job: %s, want still queued", r.Status)
	}
	if ids, err := Sweep(ctx, st); err != nil || len(ids) != 0 {
		t.Errorf("second sweep: %v, %v; want nothing", ids, err)
	}
}
