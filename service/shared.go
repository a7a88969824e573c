package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/carecast/carecast/store"
)

// Shared mode: several servers and workers on different machines share one store and one
// file store, and runs are executed by job-queue workers (package cluster) rather than by the
// server that accepted them. A Service is in shared mode when its Parts name Files.
//
// What changes in shared mode:
//   - StartRun commits the run and its job in one transaction (Queue.Submit); no run executes
//     in a server process.
//   - Workers call Execute for each job: it takes the run for the job's attempt
//     (store.TakeRun), so a run whose worker died is taken over by the retry on another worker
//     and its Attempt says so; the per-organisation limit of running runs (Config.OrgWorkers)
//     holds across every worker, counted in the store.
//   - A run of several councils with draws may be split into parts, one job each, merged by
//     the job that finishes the last (parts.go, ExecutePart).
//   - Result files and uploads are written to the file store as well as the local data
//     directory, which becomes a cache: any server fetches a run's files the first time it
//     reads them.
//   - Neither New nor Close marks unfinished runs as failed: they belong to the workers, and
//     a run whose job can no longer execute is failed by the queue's sweeper.

// Queue commits runs together with the jobs that execute them.
type Queue interface {
	// Submit stores r as a queued run, exactly as store.Store.CreateRun(ctx, r,
	// maxUnfinished) does, and enqueues the job that will execute it, in one transaction:
	// either both are committed or neither. With parts (the scenario areas of each), the run
	// executes in parts: the parts are recorded with it and each has its own job, which calls
	// Service.ExecutePart.
	Submit(ctx context.Context, r store.Run, maxUnfinished int, parts [][]string) (store.Run, error)
}

// Files keeps files that every machine of a shared deployment reads: result files and
// uploads, by their slash-separated path relative to the data directory. The PostgreSQL store
// implements it (postgres.Files); an object store could. Implementations are safe for
// concurrent use and keep memory bounded whatever the size of a file.
type Files interface {
	// Put stores everything read from r under name, replacing any file of that name; the
	// file is visible only once complete.
	Put(ctx context.Context, name string, r io.Reader) error
	// Get writes the file called name to w; an error wrapping store.ErrNotFound if none.
	Get(ctx context.Context, name string, w io.Writer) error
	// Delete removes every file whose name starts with prefix.
	Delete(ctx context.Context, prefix string) error
}

// ErrNoQueue is StartRun's error in a shared-mode process that was given no Queue (a worker).
var ErrNoQueue = errors.New("this process executes runs for the job queue and accepts none itself")

// Shared reports whether the service shares its store and files with other machines.
func (s *Service) Shared() bool { return s.files != nil }

// putFile copies the local file rel (relative to the data directory) to the file store.
func (s *Service) putFile(ctx context.Context, rel string) error {
	p, err := s.path(filepath.FromSlash(rel))
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.files.Put(ctx, filepath.ToSlash(rel), f); err != nil {
		return fmt.Errorf("store %s in the shared files: %w", rel, err)
	}
	return nil
}

// ensureLocal makes sure the file rel (relative to the data directory) is present locally: in
// shared mode a missing file is fetched from the file store (into tmp/, then renamed into
// place, so that a half-fetched file is never read). Outside shared mode it does nothing. The
// caller checks the content against its recorded hash as usual.
func (s *Service) ensureLocal(ctx context.Context, rel string) error {
	if s.files == nil {
		return nil
	}
	p, err := s.path(filepath.FromSlash(rel))
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil || !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dataDir, "tmp"), "fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := s.files.Get(ctx, filepath.ToSlash(rel), tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("fetch %s from the shared files: %w", rel, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// cancelPoll is how often a worker executing a run reads the store for a cancel request made
// on another machine.
var cancelPoll = time.Second

// Execute executes run id for a job-queue worker, as the job's attempt'th attempt (1 for the
// first), and commits its outcome. It returns:
//   - nil once the run is final — executed here, or found already finished or taken over by a
//     later attempt (nothing left for this job to do);
//   - an error wrapping store.ErrBusy when the run's organisation already has
//     Config.OrgWorkers runs running on all workers together: the job should wait and try
//     again without counting an attempt;
//   - any other error when the run could not be executed or its outcome not committed (the
//     store unreachable, or ctx ended by the worker stopping): the run stays running at this
//     attempt, and the job's next attempt takes it over and executes it again from the start.
//     The engine is deterministic for a scenario version and seed, so a retry reproduces the
//     same numbers bit for bit.
//
// A deadline on ctx (the job's timeout) fails the run, saying so; a cancel request in the
// store (from any server) is noticed within cancelPoll and cancels the run.
func (s *Service) Execute(ctx context.Context, id string, attempt int) error {
	m := s.runs
	log := s.log.With("run_id", id, "attempt", attempt)
	run, err := s.st.TakeRun(ctx, id, attempt, s.cfg.OrgWorkers, time.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil
	case err != nil:
		return fmt.Errorf("take run %s: %w", id, err)
	}
	if attempt > 1 {
		log.Warn("taking over a run whose worker stopped")
	} else {
		log.Info("run started")
	}
	started := time.Now()
	s.metrics.RunStarted()
	defer s.metrics.RunStopped()

	l := &liveRun{run: run, changed: make(chan struct{})}
	m.mu.Lock()
	m.live[id] = l
	m.mu.Unlock()
	defer m.forgetLive(id, l)

	jobCtx := ctx
	ctx, done := s.jobContext(ctx, run)
	defer done()

	out, runErr := m.call(ctx, run, l)
	if jobCtx.Err() != nil && !errors.Is(context.Cause(jobCtx), context.DeadlineExceeded) {
		// The worker is stopping: leave the run to the job's next attempt.
		m.removeFiles(id, log)
		return fmt.Errorf("run %s interrupted: %w", id, context.Cause(jobCtx))
	}
	o, err := s.jobOutcome(jobCtx, ctx, run, out, runErr, "the run", log)
	if err != nil {
		return err
	}
	o.Attempt = attempt
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer fcancel()
	final, err := s.st.FinishRun(fctx, id, o)
	if errors.Is(err, store.ErrConflict) {
		return nil // taken over meanwhile by a later attempt, which records its own outcome
	}
	if err != nil {
		return fmt.Errorf("record the end of run %s: %w", id, err)
	}
	s.metrics.RunFinished(final.Status, time.Since(started))
	log.Info("run finished", "status", final.Status, "duration_ms", time.Since(started).Milliseconds())
	l.update(func(l *liveRun) { l.run = final })
	return nil
}

// jobContext is the context of a job's run (or part) under the job's ctx: cancelled when a
// cancel request for the run is recorded (by any server; watchCancel) and after
// Config.RunTimeout. Call done when the job ends.
func (s *Service) jobContext(ctx context.Context, run store.Run) (_ context.Context, done func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	if run.CancelRequested {
		cancel(errCancelledByUser)
	}
	go s.watchCancel(ctx, run.ID, cancel)
	ctx, stop := context.WithTimeoutCause(ctx, s.cfg.RunTimeout, errRunTimeout)
	return ctx, func() { stop(); cancel(nil) }
}

// jobOutcome is the outcome of what a job executed of run (the run, or for a part what
// merged the parts): failed when the job's own deadline passed (what names it in the
// message), else what the runner's output and error say. A succeeded run's result files are
// stored in the shared files (an error if they cannot be: the job is then tried again); any
// other outcome removes the run's local files.
func (s *Service) jobOutcome(jobCtx, ctx context.Context, run store.Run, out RunOutput, runErr error, what string, log *slog.Logger) (store.Outcome, error) {
	var o store.Outcome
	if errors.Is(context.Cause(jobCtx), context.DeadlineExceeded) {
		o = store.Outcome{Status: store.RunFailed, Error: what + " took longer than the job queue's limit for one job; " +
			"an administrator can raise it (carecast worker --job-timeout)"}
	} else {
		o = s.runs.outcome(ctx, run, out, runErr, log)
	}
	o.At = time.Now()
	if o.Status != store.RunSucceeded {
		s.runs.removeFiles(run.ID, log)
		return o, nil
	}
	for rel := range o.ResultHashes {
		if err := s.putFile(context.WithoutCancel(ctx), rel); err != nil {
			s.runs.removeFiles(run.ID, log)
			return o, fmt.Errorf("run %s: %w", run.ID, err)
		}
	}
	return o, nil
}

// watchCancel reads run id from the store every cancelPoll until ctx is done, and cancels the
// run when a cancel request has been recorded (by any server).
func (s *Service) watchCancel(ctx context.Context, id string, cancel context.CancelCauseFunc) {
	t := time.NewTicker(cancelPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r, err := s.st.RunByID(ctx, id); err == nil && r.CancelRequested {
			cancel(errCancelledByUser)
			return
		}
	}
}

// FailRun records run id, running at attempt, as failed with msg: for a worker whose job has
// no attempts left. ErrConflict (wrapped) if the run is no longer running at that attempt.
func (s *Service) FailRun(ctx context.Context, id string, attempt int, msg string) error {
	_, err := s.st.FinishRun(ctx, id, store.Outcome{Status: store.RunFailed, Error: msg, Attempt: attempt, At: time.Now()})
	return err
}
