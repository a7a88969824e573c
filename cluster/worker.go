package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
)

// WorkerConfig is how a worker takes jobs. Zero fields take the defaults.
type WorkerConfig struct {
	// Workers is how many runs this worker executes at once. Default 1.
	Workers int
	// JobTimeout is the longest one job may run before it is stopped and its run failed.
	// Default 5 min.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River considers its worker dead
	// and retries it on another; it must exceed JobTimeout. Default JobTimeout + 1 min.
	RescueAfter time.Duration
	// BusyWait is how long a job waits when its organisation already has its limit of runs
	// running (service.Config.OrgWorkers, counted over every worker). Default 2 s.
	BusyWait time.Duration
	// SweepEvery is how often the worker fails unfinished runs whose job can no longer
	// execute. Default 1 min.
	SweepEvery time.Duration
	// ID names this worker in River's records; default River's own (host name and time).
	ID string
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 5 * time.Minute
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.BusyWait <= 0 {
		c.BusyWait = 2 * time.Second
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = time.Minute
	}
	return c
}

// Worker executes run jobs from the queue until stopped.
type Worker struct {
	cfg    WorkerConfig
	st     *postgres.Store
	svc    *service.Service
	client *river.Client[pgx.Tx]
	log    *slog.Logger
	stop   context.CancelFunc
	swept  chan struct{}
}

// runWorker is River's worker of RunArgs jobs.
type runWorker struct {
	river.WorkerDefaults[RunArgs]
	w *Worker
}

// Timeout implements river.Worker.
func (rw *runWorker) Timeout(*river.Job[RunArgs]) time.Duration { return rw.w.cfg.JobTimeout }

// Work implements river.Worker: it executes the run (service.Service.Execute) as the job's
// attempt. A busy organisation snoozes the job (no attempt counted); a run that cannot finish
// on the job's last attempt is failed, saying why, so that it does not stay running.
func (rw *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	err := rw.w.svc.Execute(ctx, job.Args.RunID, job.Attempt)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBusy):
		return river.JobSnooze(rw.w.cfg.BusyWait)
	case job.Attempt >= job.MaxAttempts:
		rw.w.log.Error("run job: last attempt failed", "run_id", job.Args.RunID, "attempt", job.Attempt, "err", err)
		msg := fmt.Sprintf("the run could not be completed in %d attempts on the job queue's workers; start it again", job.Attempt)
		if ferr := rw.w.svc.FailRun(context.WithoutCancel(ctx), job.Args.RunID, job.Attempt, msg); ferr != nil && !errors.Is(ferr, store.ErrConflict) {
			return errors.Join(err, ferr)
		}
		return nil
	}
	rw.w.log.Warn("run job: attempt failed; it will be retried", "run_id", job.Args.RunID, "attempt", job.Attempt, "err", err)
	return err
}

// partWorker is River's worker of PartArgs jobs: runWorker for one part of a run.
type partWorker struct {
	river.WorkerDefaults[PartArgs]
	w *Worker
}

// Timeout implements river.Worker.
func (pw *partWorker) Timeout(*river.Job[PartArgs]) time.Duration { return pw.w.cfg.JobTimeout }

// Work implements river.Worker: it executes the part (service.Service.ExecutePart), and
// merges the run when the part is its last; busy and last attempts as runWorker.Work.
func (pw *partWorker) Work(ctx context.Context, job *river.Job[PartArgs]) error {
	err := pw.w.svc.ExecutePart(ctx, job.Args.RunID, job.Args.Part, job.Attempt)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBusy):
		return river.JobSnooze(pw.w.cfg.BusyWait)
	case job.Attempt >= job.MaxAttempts:
		pw.w.log.Error("part job: last attempt failed", "run_id", job.Args.RunID, "part", job.Args.Part, "attempt", job.Attempt, "err", err)
		msg := fmt.Sprintf("part %d of the run could not be completed in %d attempts on the job queue's workers; start it again", job.Args.Part+1, job.Attempt)
		if ferr := pw.w.svc.FailRun(context.WithoutCancel(ctx), job.Args.RunID, 0, msg); ferr != nil && !errors.Is(ferr, store.ErrConflict) {
			return errors.Join(err, ferr)
		}
		return nil
	}
	pw.w.log.Warn("part job: attempt failed; it will be retried", "run_id", job.Args.RunID, "part", job.Args.Part, "attempt", job.Attempt, "err", err)
	return err
}

// StartWorker starts a worker over st, executing runs through svc (a service in shared mode
// over the same store), after applying the job queue's migrations.
func StartWorker(ctx context.Context, st *postgres.Store, svc *service.Service, cfg WorkerConfig, logger *slog.Logger) (*Worker, error) {
	if !svc.Shared() {
		return nil, errors.New("worker: the service must be in shared mode (service.Parts.Files)")
	}
	cfg = cfg.withDefaults()
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("worker: rescue-after (%s) must exceed the job timeout (%s)", cfg.RescueAfter, cfg.JobTimeout)
	}
	if err := Migrate(ctx, st.Pool()); err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg, st: st, svc: svc, log: logger, swept: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, &runWorker{w: w})
	river.AddWorker(workers, &partWorker{w: w})
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{
		ID:                   cfg.ID,
		Queues:               map[string]river.QueueConfig{QueueName: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		Logger:               logger.With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("worker: start the job queue client: %w", err)
	}
	w.client = client
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop = stop
	go w.sweep(sctx)
	return w, nil
}

// Stop stops taking jobs and waits for the runs executing to finish until ctx is done; then
// it cancels them, and each is left to its job's next attempt on another worker.
func (w *Worker) Stop(ctx context.Context) error {
	w.stop()
	<-w.swept
	err := w.client.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(err, w.client.StopAndCancel(cctx))
}

// sweepMsg is the error of a run failed by the sweeper.
const sweepMsg = "the job queue gave up on this run (its job was discarded after its last attempt); start it again"

// sweep fails, every cfg.SweepEvery until ctx is done, unfinished runs that no live job will
// execute.
func (w *Worker) sweep(ctx context.Context) {
	defer close(w.swept)
	t := time.NewTicker(w.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := Sweep(ctx, w.st)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("sweep runs without a job", "err", err)
		}
		if len(ids) > 0 {
			w.log.Warn("failed runs whose job can no longer execute", "runs", ids)
		}
	}
}

// Sweep fails every queued or running run of st that has no job left to execute it (none
// available, scheduled, retryable or running) and returns their IDs. A run and its job are
// committed together and the job completes only after the run is final, so such a run is one
// whose job River discarded or cancelled.
func Sweep(ctx context.Context, st *postgres.Store) ([]string, error) {
	rows, err := st.Pool().Query(ctx, `UPDATE runs SET status = 'failed', error = $1, finished = now()
		WHERE status IN ('queued', 'running') AND NOT EXISTS (
			SELECT 1 FROM river_job j WHERE j.kind IN ($2, $3) AND j.args->>'run_id' = runs.id
			AND j.state NOT IN ('completed', 'cancelled', 'discarded'))
		RETURNING id`, sweepMsg, RunArgs{}.Kind(), PartArgs{}.Kind())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
