package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/cluster"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
	"github.com/carecast/carecast/store/postgres/pgtest"
)

// The scenarios of the cluster benchmarks: Kent with 1,000 draws (the one-council
// workload) and a tiny deterministic run, whose time is nearly all queue, store and file
// overhead.
const (
	benchKent = `{"name": "Kent, 1,000 draws", "areas": ["E10000016"], "horizon": 2040, "uncertainty": {"draws": 1000, "seed": 11}}`
	benchTiny = `{"name": "Rutland, deterministic", "areas": ["E06000017"], "horizon": 2026}`
)

// benchDeployment is a shared deployment in one process: a server's service submitting to
// River on a fresh PostgreSQL database, and workers' services executing the jobs.
type benchDeployment struct {
	server *service.Service
	st     *postgres.Store
	p      service.Principal
}

// startBenchDeployment starts one with the given number of workers (one run at a time each)
// and per-organisation limit of running runs.
func startBenchDeployment(b testing.TB, workers, perOrg int) benchDeployment {
	b.Helper()
	return startSplitDeployment(b, workers, perOrg, api.DefaultConfig().SplitParts)
}

// startSplitDeployment is startBenchDeployment whose server splits runs into at most
// splitParts parts (below 2: never).
func startSplitDeployment(b testing.TB, workers, perOrg, splitParts int) benchDeployment {
	b.Helper()
	ctx := context.Background()
	c, err := service.Default()
	if err != nil {
		b.Fatal(err)
	}
	st, err := postgres.Open(ctx, pgtest.Database(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	q, err := cluster.NewQueue(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	known := map[string]bool{}
	for _, a := range c.Bundle.Areas {
		known[a.AreaCode] = true
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	newService := func(queue service.Queue) *service.Service {
		cfg := api.DefaultConfig()
		cfg.DataDir, cfg.Workers, cfg.WorkersPerOrg, cfg.MaxRunsPerOrg, cfg.SplitParts = b.TempDir(), 1, perOrg, 1000, splitParts
		svc, err := service.New(ctx, cfg.ServiceConfig("bench"), st, service.Parts{
			Runner: c, Scenarios: c, Files: st.Files(), Queue: queue,
			Datasets: api.DatasetFiles{Known: known, MaxBytes: cfg.MaxUploadBytes, MaxRows: cfg.MaxUploadRows},
		}, logger)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { svc.Close(context.Background()) })
		return svc
	}
	server := newService(q)
	for i := range workers {
		w, err := cluster.StartWorker(ctx, st, newService(nil), cluster.WorkerConfig{Workers: 1, ID: fmt.Sprintf("bench-%d", i)}, logger)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { w.Stop(context.Background()) })
	}
	return benchDeployment{server: server, st: st, p: principal(b, st, "bench")}
}

// principal is an admin of the organisation called name, created if need be.
func principal(tb testing.TB, st store.Store, name string) service.Principal {
	org, err := st.EnsureOrg(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return service.Principal{OrgID: org.ID, OrgName: org.Name, Role: store.RoleAdmin}
}

// runAll submits n runs of the scenario and waits until every one has succeeded.
func (d benchDeployment) runAll(b testing.TB, scenarioID string, n int) {
	b.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	for i := range ids {
		r, err := d.server.StartRun(ctx, d.p, scenarioID, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.ID
	}
	for _, id := range ids {
		for {
			r, err := d.st.RunByID(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if r.Status.Final() {
				if r.Status != store.RunSucceeded {
					b.Fatalf("run %s %s: %s", id, r.Status, r.Error)
				}
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// BenchmarkClusterRuns times batches of four Kent runs (1,000 draws each) through River on
// PostgreSQL with one and with two workers: the time per run, submission to the result files
// stored in the database and the run recorded.
func BenchmarkClusterRuns(b *testing.B) {
	pgtest.Require(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			d := startBenchDeployment(b, workers, workers)
			sc, err := d.server.CreateScenario(context.Background(), d.p, []byte(benchKent))
			if err != nil {
				b.Fatal(err)
			}
			d.runAll(b, sc.ID, 1) // warm the engine's caches on every worker it reaches
			const batch = 4
			b.ResetTimer()
			for b.Loop() {
				d.runAll(b, sc.ID, batch)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*batch), "s/run")
		})
	}
}

// BenchmarkClusterSplit times one run of seven South East councils with 1,000 draws at a
// time (the end-to-end test's scenario) through River on PostgreSQL, whole (on one worker
// whatever the number) and split into parts (one a council, here seven), with one and two
// workers: whole against parts on one worker is the cost of splitting (a job, a part file's
// round trip through the database, and the merge); parts on two workers the gain.
func BenchmarkClusterSplit(b *testing.B) {
	pgtest.Require(b)
	for _, mode := range []struct {
		name  string
		parts int
	}{{"whole", 0}, {"parts", 8}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode.name, workers), func(b *testing.B) {
				d := startSplitDeployment(b, workers, workers, mode.parts)
				sc, err := d.server.CreateScenario(context.Background(), d.p, []byte(clusterScenario))
				if err != nil {
					b.Fatal(err)
				}
				d.runAll(b, sc.ID, 1) // warm the engine's caches on every worker it reaches
				for b.Loop() {
					d.runAll(b, sc.ID, 1)
				}
			})
		}
	}
}

// BenchmarkClusterOverhead times one tiny deterministic run at a time through one worker:
// nearly all of it is the queue (insert, fetch, completion), the store's transitions and the
// result files' round trip through the database.
func BenchmarkClusterOverhead(b *testing.B) {
	pgtest.Require(b)
	d := startBenchDeployment(b, 1, 1)
	sc, err := d.server.CreateScenario(context.Background(), d.p, []byte(benchTiny))
	if err != nil {
		b.Fatal(err)
	}
	d.runAll(b, sc.ID, 1)
	for b.Loop() {
		d.runAll(b, sc.ID, 1)
	}
}

// BenchmarkLocalOverhead is BenchmarkClusterOverhead's run on one machine (embedded SQLite,
// in-process workers): the difference between the two is what the queue and the shared
// database add to each run.
func BenchmarkLocalOverhead(b *testing.B) {
	ctx := context.Background()
	c, err := service.Default()
	if err != nil {
		b.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.DataDir, cfg.MaxRunsPerOrg = b.TempDir(), 1000
	st, err := api.OpenStore(ctx, cfg.DataDir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := service.New(ctx, cfg.ServiceConfig("bench"), st, service.Parts{
		Runner: c, Scenarios: c, Datasets: api.DatasetFiles{MaxBytes: cfg.MaxUploadBytes, MaxRows: cfg.MaxUploadRows},
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close(ctx)
	org, err := st.EnsureOrg(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	p := service.Principal{OrgID: org.ID, OrgName: org.Name, Role: store.RoleAdmin}
	sc, err := svc.CreateScenario(ctx, p, []byte(benchTiny))
	if err != nil {
		b.Fatal(err)
	}
	run := func() {
		r, err := svc.StartRun(ctx, p, sc.ID, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		for !r.Status.Final() {
			time.Sleep(time.Millisecond)
			if r, err = st.RunByID(ctx, r.ID); err != nil {
				b.Fatal(err)
			}
		}
		if r.Status != store.RunSucceeded {
			b.Fatalf("run %s: %s", r.Status, r.Error)
		}
	}
	run()
	for b.Loop() {
		run()
	}
}
