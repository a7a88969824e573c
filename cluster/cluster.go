// Package cluster runs carecast past one machine: servers and workers on any number of
// machines share one PostgreSQL database (package store/postgres), which holds the records,
// the result files and uploads (postgres.Files) and the job queue of runs, kept by River
// (github.com/riverqueue/river).
//
// A server (carecast serve --database …) commits each run and its job in one transaction
// (Queue.Submit); a worker (carecast worker --database …) takes jobs and executes them
// (Worker), through service.Service.Execute, the same path a server with embedded SQLite uses:
//
//   - Job timeout and rescue: each job may run for WorkerConfig.JobTimeout (default 5 min;
//     a run of every council with 1,000 draws takes about 15 s on two cores); River rescues
//     the job of a worker that died after WorkerConfig.RescueAfter (default the timeout + 1
//     min) plus up to 30 s (River's rescuer interval), and another worker's retry takes the
//     run over (its Attempt goes up), executing it again from the start. Results are
//     deterministic for a scenario version and seed, so the retry's numbers are the same bit
//     for bit, and an outcome is committed only by the attempt that holds the run
//     (store.Outcome.Attempt), so a late worker cannot overwrite it.
//   - Cancellation: a server records the request in the store; the worker executing the run
//     reads it within a second and stops.
//   - Fairness: a worker takes a run only while its organisation has fewer than
//     WorkerConfig.RunsPerOrg runs running on all workers together (counted in the store,
//     atomically); otherwise the job is snoozed for WorkerConfig.BusyWait without counting an
//     attempt, and the workers take other organisations' jobs meanwhile.
//   - Splitting: a run of several councils with draws is committed with its parts
//     (service.Config.SplitParts at most) and one PartArgs job a part; the job that finishes
//     the last part merges them into the run's results (service.Service.ExecutePart).
//   - Sweeping: every worker fails, now and then, unfinished runs whose job can no longer
//     execute (discarded after its last attempt), so that no run stays "running" for ever.
package cluster

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
)

// QueueName is the River queue that holds carecast's run jobs.
const QueueName = "carecast_runs"

// maxAttempts is how many times a run's job is tried: a worker killed or stopped mid-run
// costs one attempt.
const maxAttempts = 5

// RunArgs is the job that executes one run.
type RunArgs struct {
	RunID string `json:"run_id"`
}

// Kind implements river.JobArgs.
func (RunArgs) Kind() string { return "carecast_run" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: maxAttempts}
}

// PartArgs is the job that executes one part of a run executed in parts
// (service.Service.ExecutePart).
type PartArgs struct {
	RunID string `json:"run_id"`
	Part  int    `json:"part"`
}

// Kind implements river.JobArgs.
func (PartArgs) Kind() string { return "carecast_run_part" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PartArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: maxAttempts}
}

// migrateLock is the advisory lock under which River's migrations are applied, so that
// servers and workers starting at once do not race.
const migrateLock = 0x6361726563726976 // "carecriv": not the key postgres.Open migrates under

// Migrate applies River's own migrations (its job tables) to the database of pool, under an
// advisory lock. The carecast tables are migrated by postgres.Open.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// Queue is the service.Queue of a server: it commits each run with its job.
type Queue struct {
	st     *postgres.Store
	client *river.Client[pgx.Tx]
}

var _ service.Queue = (*Queue)(nil)

// NewQueue returns the queue of a server on st, applying the job queue's migrations first.
// It only inserts jobs; it executes none.
func NewQueue(ctx context.Context, st *postgres.Store) (*Queue, error) {
	if err := Migrate(ctx, st.Pool()); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{st: st, client: client}, nil
}

// Submit implements service.Queue: the run's row and its job (or its parts and their jobs)
// are one transaction, so a worker never sees a job without its run, nor a run without its
// jobs.
func (q *Queue) Submit(ctx context.Context, r store.Run, maxUnfinished int, parts [][]string) (store.Run, error) {
	return q.st.CreateRunTx(ctx, r, maxUnfinished, func(ctx context.Context, tx pgx.Tx) error {
		if len(parts) == 0 {
			if _, err := q.client.InsertTx(ctx, tx, RunArgs{RunID: r.ID}, nil); err != nil {
				return fmt.Errorf("queue the run's job: %w", err)
			}
			return nil
		}
		if err := postgres.CreatePartsTx(ctx, tx, r.ID, parts); err != nil {
			return err
		}
		jobs := make([]river.InsertManyParams, len(parts))
		for n := range parts {
			jobs[n] = river.InsertManyParams{Args: PartArgs{RunID: r.ID, Part: n}}
		}
		if _, err := q.client.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queue the jobs of the run's %d parts: %w", len(parts), err)
		}
		return nil
	})
}
