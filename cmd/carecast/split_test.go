package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// splitScenario: five councils with their districts and 200 draws, a run the servers split
// into one part a council (Config.SplitParts 8 ≥ 5). A lever names councils in other parts.
const splitScenario = `{"name": "Five councils in parts", "horizon": 2035, "districts": true,
  "areas": ["E10000017", "E10000016", "E08000019", "E10000030", "E09000033"],
  "levers": [{"type": "admission_avoidance", "value": 5, "start": 2026, "end": 2030, "areas": ["E09000033", "E10000017"]}],
  "uncertainty": {"draws": 200, "seed": 5}}`

// TestClusterSplitRun: a run of five councils with draws, split into five part jobs that two
// workers share, merges into the result file one machine writes for the whole run — the same
// bytes (SHA-256), its central projection too — and the part files are gone once merged.
func TestClusterSplitRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five councils with draws on a real PostgreSQL; skipped with -short")
	}
	d := startBenchDeployment(t, 2, 2)
	ctx := t.Context()
	sc, err := d.server.CreateScenario(ctx, d.p, []byte(splitScenario))
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.server.StartRun(ctx, d.p, sc.ID, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !r.Status.Final() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if r, err = d.st.RunByID(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if r.Status != store.RunSucceeded {
		t.Fatalf("split run: %s %s", r.Status, r.Error)
	}
	var parts int
	if err := d.st.Pool().QueryRow(ctx, `SELECT count(*) FROM run_parts WHERE run_id = $1 AND state = 'done'`, r.ID).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if parts != 5 {
		t.Errorf("%d parts done, want 5 (one a council)", parts)
	}
	rows, err := d.st.Pool().Query(ctx, `SELECT DISTINCT unnest(attempted_by) FROM river_job WHERE kind = 'carecast_run_part' AND args->>'run_id' = $1`, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	workers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(workers); !slices.Equal(workers, []string{"bench-0", "bench-1"}) {
		t.Errorf("the parts were executed by %v, want both workers", workers)
	}
	var left int
	if err := d.st.Pool().QueryRow(ctx, `SELECT count(*) FROM files WHERE name LIKE 'runs/' || $1 || '/parts/%'`, r.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d part files left in the shared files after the merge", left)
	}

	// One machine: the same Runner over the whole run, with the same run ID (rows carry it).
	c, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	dir := filepath.Join(dataDir, "runs", r.ID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	stored, err := d.st.GetScenario(ctx, r.OrgID, r.ScenarioID, r.ScenarioVersion)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Run(context.Background(), service.RunSpec{RunID: r.ID, OrgID: r.OrgID, ScenarioID: r.ScenarioID, ScenarioVersion: r.ScenarioVersion,
		Scenario: stored.Document, DataDir: dataDir, Dir: dir, Version: "bench"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ResultHashes) != 2 {
		t.Fatalf("one machine wrote %d files, want the results and the central projection", len(out.ResultHashes))
	}
	for name, want := range out.ResultHashes {
		if got := r.ResultHashes[name]; got != want {
			t.Errorf("%s: split run %s, one machine %s", name, got, want)
		}
	}
	t.Logf("split run of 5 parts on 2 workers: result files identical to one machine's (%v)", out.ResultHashes)
}
