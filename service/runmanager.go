package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/carecast/carecast/store"
)

// ErrShutdown is returned by StartRun while the service shuts down: the run is committed as
// queued and will be marked interrupted.
var ErrShutdown = errors.New("server shutting down")

// Why a run's context was cancelled.
var (
	errCancelledByUser = errors.New("cancelled by request")
	errShutdown        = ErrShutdown
	errRunTimeout      = errors.New("run timeout")
)

// diskFullRunMsg is the error of a run that failed because the server's disk filled up.
const diskFullRunMsg = "the server's disk is full, so the run's results could not be written; " +
	"start it again once an administrator has freed space"

// DiskFullStartMsg is the error of a run that could not start because the server's disk was full.
const DiskFullStartMsg = "the server's disk is full, so the run could not start; " +
	"start it again once an administrator has freed space"

// progressSaveInterval is how often a running run's progress is written to the store; live
// progress (status reads and event streams) comes from memory and is never older than the
// last progress call.
const progressSaveInterval = time.Second

// runManager executes runs in this process with cfg.Workers goroutines. Each organisation has
// its own FIFO queue; workers serve the organisations round-robin, and no organisation holds
// more than cfg.OrgWorkers workers at once, so with two or more workers one is always free
// for the other organisations (finding #10 of issue 9: one organisation's long runs no longer
// make everyone else wait). Every state change is committed to the store before it is visible
// (see Service docs); the manager's memory only adds live progress and cancellation.
type runManager struct {
	s      *Service
	perOrg int             // most runs of one organisation running at once
	ctx    context.Context // parent of every run's context; cancelled (errShutdown) by close
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	ready   *sync.Cond          // on mu: a run was queued or finished, or the manager closed
	queues  map[string][]string // organisation ID → its queued run IDs, oldest first
	orgs    []string            // organisations with queued runs, in the order they queued
	served  map[string]uint64   // organisation ID → seq when it was last served
	seq     uint64
	running map[string]int // organisation ID → runs it has executing
	queued  int            // runs in all queues
	live    map[string]*liveRun
	closed  bool

	backoff    []time.Duration // waits between attempts to commit an outcome (finishBackoff)
	retryEvery time.Duration   // then, how often recordLater tries again (10 s)
}

// liveRun is the in-memory state of a run that is queued or running in this process.
type liveRun struct {
	mu              sync.Mutex
	run             store.Run // as last committed, with Progress kept live
	done, total     int
	changed         chan struct{} // closed and replaced on every change
	cancel          context.CancelCauseFunc
	cancelRequested bool
}

// snapshot returns the run as it is now and a channel closed at its next change.
func (l *liveRun) snapshot() (store.Run, int, int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.run, l.done, l.total, l.changed
}

// update changes the run under the lock and wakes watchers.
func (l *liveRun) update(f func(*liveRun)) {
	l.mu.Lock()
	f(l)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// newRunManager starts a run manager with the given number of worker goroutines (0 in shared
// mode, where runs execute only through Service.Execute).
func newRunManager(s *Service, workers int) *runManager {
	ctx, cancel := context.WithCancelCause(context.Background())
	m := &runManager{s: s, perOrg: s.cfg.OrgWorkers, ctx: ctx, cancel: cancel,
		queues: map[string][]string{}, served: map[string]uint64{}, running: map[string]int{}, live: map[string]*liveRun{},
		backoff: finishBackoff, retryEvery: 10 * time.Second}
	m.ready = sync.NewCond(&m.mu)
	for range workers {
		m.wg.Go(m.work)
	}
	return m
}

// enqueue queues a run the store has just committed as queued.
func (m *runManager) enqueue(r store.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errShutdown
	}
	m.live[r.ID] = &liveRun{run: r, changed: make(chan struct{})}
	if len(m.queues[r.OrgID]) == 0 {
		m.orgs = append(m.orgs, r.OrgID)
	}
	m.queues[r.OrgID] = append(m.queues[r.OrgID], r.ID)
	m.queued++
	m.s.metrics.RunsQueued(m.queued)
	m.ready.Signal()
	return nil
}

// watch returns the live state of a run queued or running here, or nil.
func (m *runManager) watch(id string) *liveRun {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live[id]
}

// requestCancel stops a running run (the store already has cancel_requested set) or, for a
// queued one, wakes its watchers with the cancelled run the store returned.
func (m *runManager) requestCancel(r store.Run) {
	l := m.watch(r.ID)
	if l == nil {
		return
	}
	l.update(func(l *liveRun) {
		l.cancelRequested = true
		if r.Status.Final() {
			l.run = r
		}
		if l.cancel != nil {
			l.cancel(errCancelledByUser)
		}
	})
	if r.Status.Final() {
		m.forget(r.ID)
		m.unqueue(r.OrgID, r.ID)
	}
}

// unqueue removes a run cancelled while queued from its organisation's queue.
func (m *runManager) unqueue(org, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[org]
	i := slices.Index(q, id)
	if i < 0 {
		return
	}
	m.queued--
	m.s.metrics.RunsQueued(m.queued)
	if q = slices.Delete(q, i, i+1); len(q) > 0 {
		m.queues[org] = q
		return
	}
	delete(m.queues, org)
	m.orgs = slices.DeleteFunc(m.orgs, func(o string) bool { return o == org })
}

func (m *runManager) forget(id string) {
	m.mu.Lock()
	delete(m.live, id)
	m.mu.Unlock()
}

// forgetLive is forget if the run's live state is still l.
func (m *runManager) forgetLive(id string, l *liveRun) {
	m.mu.Lock()
	if m.live[id] == l {
		delete(m.live, id)
	}
	m.mu.Unlock()
}

// next blocks until a run may start and returns its ID and organisation, or ("", "", false)
// once the manager closes. Of the organisations with queued runs that hold fewer than perOrg
// workers it serves the one served least recently (round-robin; one that was never served
// first, ties in the order they queued), taking its oldest run, which counts as running until
// done is called. Runs cancelled while queued (no longer live) are dropped as they come up.
func (m *runManager) next() (id, org string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		if m.closed {
			return "", "", false
		}
		j := -1
		for i, o := range m.orgs {
			if m.running[o] < m.perOrg && (j < 0 || m.served[o] < m.served[m.orgs[j]]) {
				j = i
			}
		}
		if j < 0 {
			m.ready.Wait()
			continue
		}
		org := m.orgs[j]
		q := m.queues[org]
		id, q = q[0], q[1:]
		m.queued--
		m.s.metrics.RunsQueued(m.queued)
		if len(q) == 0 {
			delete(m.queues, org)
			m.orgs = append(m.orgs[:j], m.orgs[j+1:]...)
		} else {
			m.queues[org] = q
		}
		if m.live[id] == nil {
			continue // cancelled while queued (and not yet unqueued)
		}
		m.seq++
		m.served[org] = m.seq
		m.running[org]++
		if m.runnable() { // pass the wake-up on to another worker
			m.ready.Signal()
		}
		return id, org, true
	}
}

// runnable reports whether some queued run may start now. m.mu must be held.
func (m *runManager) runnable() bool {
	for _, org := range m.orgs {
		if m.running[org] < m.perOrg {
			return true
		}
	}
	return false
}

// done ends the count of a run of org taken by next, and wakes a worker if that lets another
// of org's runs start.
func (m *runManager) done(org string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running[org]--; m.running[org] <= 0 {
		delete(m.running, org)
	}
	if len(m.queues[org]) > 0 {
		m.ready.Signal()
	}
}

func (m *runManager) work() {
	for {
		id, org, ok := m.next()
		if !ok {
			return
		}
		m.execute(id)
		m.done(org)
	}
}

// execute runs one queued run to its end and commits the outcome.
func (m *runManager) execute(id string) {
	s := m.s
	l := m.watch(id)
	if l == nil {
		return // cancelled while queued
	}
	defer m.forgetLive(id, l) // not a later entry of the same run (requeueLater)
	log := s.log.With("run_id", id)
	bg := context.Background()

	run, err := s.st.StartRun(bg, id, time.Now())
	if errors.Is(err, store.ErrDiskFull) {
		// No room to record the start. With the room of the disk reserve, record the run as
		// failed rather than run it on a full disk; with none, try again later (requeue), so
		// that the run does not stay queued, holding its organisation's run quota, until a
		// restart.
		if s.releaseReserve() {
			run, err = s.st.StartRun(bg, id, time.Now())
		}
		if err == nil {
			final := m.finish(id, store.Outcome{Status: store.RunFailed, Error: DiskFullStartMsg, At: time.Now()}, log)
			s.metrics.RunFinished(final.Status, -1)
			l.update(func(l *liveRun) { l.run = final })
			return
		}
		if errors.Is(err, store.ErrDiskFull) {
			log.Error("start run: the disk is full; trying again later", "err", err)
			m.requeueLater(id)
			return
		}
	}
	if err != nil {
		if !errors.Is(err, store.ErrConflict) {
			log.Error("start run", "err", err)
		}
		if r, err := s.st.RunByID(bg, id); err == nil {
			l.update(func(l *liveRun) { l.run = r })
		}
		return
	}
	started := time.Now()
	s.metrics.RunStarted()
	defer s.metrics.RunStopped()

	ctx, cancel := context.WithCancelCause(m.ctx)
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, s.cfg.RunTimeout, errRunTimeout)
	defer stop()
	l.update(func(l *liveRun) {
		l.run = run
		l.cancel = cancel
		if l.cancelRequested || run.CancelRequested {
			cancel(errCancelledByUser)
		}
	})

	out, runErr := m.call(ctx, run, l)
	o := m.outcome(ctx, run, out, runErr, log)
	o.At = time.Now()
	if o.Status != store.RunSucceeded {
		m.removeFiles(id, log) // partial results; and on a full disk, room for the commit
	}

	final := m.finish(id, o, log)
	s.keepReserve()
	s.metrics.RunFinished(final.Status, time.Since(started))
	log.Info("run finished", "status", final.Status, "duration_ms", time.Since(started).Milliseconds())
	l.update(func(l *liveRun) { l.run = final })
}

// finishBackoff are the waits between attempts to commit a run's outcome: a failed commit
// (a locked or full disk, an I/O error) is tried again after each, about 15 s in all.
var finishBackoff = []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond, 5 * time.Second, 8 * time.Second}

// finish commits the run's outcome, trying again with backoff (m.backoff) when the commit
// fails. If every attempt fails it commits the run as failed with a reason instead, with the
// same retries, so that the run does not stay "running" (holding its organisation's run quota
// and blocking cancel and scenario deletion) until the server restarts. It returns the run as
// the store has it afterwards; if even the failure could not be recorded, the run is left
// running and recordLater keeps trying (a restart marks it failed too).
//
// On a full disk (store.ErrDiskFull) each attempt may release the disk reserve (see
// reserve.go) and try again at once; a run that cannot be recorded as succeeded even so has its
// files removed, and is recorded as failed saying the disk is full.
func (m *runManager) finish(id string, o store.Outcome, log *slog.Logger) store.Run {
	commit := func(o store.Outcome) (store.Run, error) {
		var r store.Run
		var err error
		for i := 0; ; i++ {
			err = m.s.withReserve(func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				r, err = m.s.st.FinishRun(ctx, id, o)
				return err
			})
			if err == nil || errors.Is(err, store.ErrConflict) || i == len(m.backoff) {
				return r, err
			}
			log.Warn("record the end of a run: trying again", "status", o.Status, "attempt", i+1, "err", err)
			time.Sleep(m.backoff[i])
		}
	}
	final, err := commit(o)
	if err != nil && !errors.Is(err, store.ErrConflict) && o.Status != store.RunFailed {
		log.Error("record the end of a run: giving up, recording it as failed", "status", o.Status, "err", err)
		msg := "the run finished (" + string(o.Status) + ") but the server could not record its outcome; start it again"
		if errors.Is(err, store.ErrDiskFull) {
			msg = "the run finished (" + string(o.Status) + ") but the server's disk is full, so it could not record " +
				"the outcome; start it again once an administrator has freed space"
		}
		m.removeFiles(id, log)
		o = store.Outcome{Status: store.RunFailed, At: time.Now(), Error: msg}
		final, err = commit(o)
	}
	if err != nil && !errors.Is(err, store.ErrConflict) {
		log.Error("record the end of a run: trying again later", "status", o.Status, "err", err)
		m.recordLater(id, o, log)
	}
	if err != nil {
		final, _ = m.s.st.RunByID(context.Background(), id)
	}
	return final
}

// requeueLater queues the run again after m.retryEvery if it is still queued then.
func (m *runManager) requeueLater(id string) {
	m.wg.Go(func() {
		select {
		case <-m.ctx.Done():
			return
		case <-time.After(m.retryEvery):
		}
		if r, err := m.s.st.RunByID(m.ctx, id); err == nil && r.Status == store.RunQueued {
			m.enqueue(r) // an error means the manager closed; close marks the run failed
		}
	})
}

// recordLater tries every m.retryEvery to commit the outcome of a run that finish could not
// record (a full disk with no reserve left), until it is recorded — so that the run ends once an
// administrator frees space, without a restart — or the manager closes (close then marks it
// failed with the other unfinished runs).
func (m *runManager) recordLater(id string, o store.Outcome, log *slog.Logger) {
	m.wg.Go(func() {
		t := time.NewTicker(m.retryEvery)
		defer t.Stop()
		for {
			select {
			case <-m.ctx.Done():
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(m.ctx, 30*time.Second)
			_, err := m.s.st.FinishRun(ctx, id, o)
			cancel()
			if err == nil || errors.Is(err, store.ErrConflict) {
				log.Info("recorded the end of a run at last", "status", o.Status, "err", err)
				return
			}
		}
	})
}

// removeFiles removes the directory of a run that did not succeed, with whatever partial
// results it holds: nothing reads them, and they take space.
func (m *runManager) removeFiles(id string, log *slog.Logger) {
	if err := os.RemoveAll(filepath.Join(m.s.dataDir, "runs", id)); err != nil {
		log.Warn("remove the files of a run that did not succeed", "err", err)
	}
}

// call prepares the run's directory, calls the Runner (turning a panic into an error) and
// saves progress once a second while it works.
func (m *runManager) call(ctx context.Context, run store.Run, l *liveRun) (out RunOutput, err error) {
	s := m.s
	spec, err := s.runSpec(ctx, run)
	if err != nil {
		return out, err
	}
	saverDone := make(chan struct{})
	saverCtx, stopSaver := context.WithCancel(context.Background())
	go func() {
		defer close(saverDone)
		m.saveProgress(saverCtx, l)
	}()
	defer func() {
		stopSaver()
		<-saverDone
	}()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("runner panicked", "run_id", run.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("runner panicked: %v", p)
		}
	}()
	progress := func(done, total int) {
		if total <= 0 || done < 0 {
			return
		}
		done = min(done, total)
		l.update(func(l *liveRun) {
			l.done, l.total = done, total
			l.run.Progress = float64(done) / float64(total)
		})
	}
	return s.runner.Run(ctx, spec, progress)
}

// runSpec reads what the Runner needs to execute run and makes the run's directory.
func (s *Service) runSpec(ctx context.Context, run store.Run) (RunSpec, error) {
	sc, err := s.st.GetScenario(ctx, run.OrgID, run.ScenarioID, run.ScenarioVersion)
	if err != nil {
		return RunSpec{}, fmt.Errorf("read scenario: %w", err)
	}
	dir := filepath.Join(s.dataDir, "runs", run.ID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return RunSpec{}, err
	}
	uploads, err := s.UploadsFor(ctx, run.OrgID, sc.Document)
	if err != nil {
		return RunSpec{}, err
	}
	return RunSpec{
		RunID: run.ID, OrgID: run.OrgID, ScenarioID: run.ScenarioID, ScenarioVersion: run.ScenarioVersion,
		Scenario: sc.Document, Seed: run.Seed, DataDir: s.dataDir, Dir: dir, Version: s.cfg.Version, Uploads: uploads,
	}, nil
}

// saveProgress writes the live progress to the store whenever it changed, at most once per
// progressSaveInterval, until ctx is done.
func (m *runManager) saveProgress(ctx context.Context, l *liveRun) {
	t := time.NewTicker(progressSaveInterval)
	defer t.Stop()
	saved := -1.0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r, _, _, _ := l.snapshot()
		if r.Progress == saved || r.Status != store.RunRunning {
			continue
		}
		if err := m.s.st.SetRunProgress(ctx, r.ID, r.Progress); err != nil {
			if !errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
				m.s.log.Warn("save run progress", "run_id", r.ID, "err", err)
			}
			continue
		}
		saved = r.Progress
	}
}

// outcome turns what the Runner returned into the run's final record.
func (m *runManager) outcome(ctx context.Context, run store.Run, out RunOutput, err error, log interface {
	Error(string, ...any)
}) store.Outcome {
	s := m.s
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCancelledByUser):
		return store.Outcome{Status: store.RunCancelled, Error: "cancelled by request"}
	case errors.Is(cause, errShutdown):
		return store.Outcome{Status: store.RunFailed, Error: interruptedMsg}
	case errors.Is(cause, errRunTimeout):
		return store.Outcome{Status: store.RunFailed, Error: "the run took longer than the limit of " + s.cfg.RunTimeout.String()}
	}
	if err == nil {
		err = m.checkOutput(run, out)
	}
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, store.ErrDiskFull) {
			log.Error("run failed: disk full", "err", err)
			return store.Outcome{Status: store.RunFailed, Error: diskFullRunMsg}
		}
		if msg, ok := PublicMessage(err); ok {
			return store.Outcome{Status: store.RunFailed, Error: msg}
		}
		log.Error("run failed", "err", err)
		return store.Outcome{Status: store.RunFailed, Error: "the run failed because of an internal error; the server log has the details under run " + run.ID}
	}
	prov, err := s.provenance(run, out)
	if err != nil {
		log.Error("run provenance", "err", err)
		return store.Outcome{Status: store.RunFailed, Error: "the run failed because of an internal error; the server log has the details under run " + run.ID}
	}
	return store.Outcome{Status: store.RunSucceeded, ResultPath: out.ResultPath, ResultHashes: out.ResultHashes, Provenance: prov, Seed: out.Seed}
}

// checkOutput checks that a successful Runner returned a result inside the run's directory.
func (m *runManager) checkOutput(run store.Run, out RunOutput) error {
	if out.ResultPath == "" {
		return nil
	}
	abs, err := m.s.path(out.ResultPath)
	if err != nil {
		return fmt.Errorf("runner result: %w", err)
	}
	if rel, err := filepath.Rel(filepath.Join(m.s.dataDir, "runs", run.ID), abs); err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("runner result %q is not inside the run's directory", out.ResultPath)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("runner result: %w", err)
	}
	for p, h := range out.ResultHashes {
		if !validHash(h) {
			return fmt.Errorf("runner result hash %q of %q is not sha256: and 64 lower-case hex digits", h, p)
		}
		abs, err := m.s.path(p)
		if err != nil {
			return fmt.Errorf("runner result hash: %w", err)
		}
		if rel, err := filepath.Rel(filepath.Join(m.s.dataDir, "runs", run.ID), abs); err != nil || !filepath.IsLocal(rel) {
			return fmt.Errorf("runner result hash names %q, not a file inside the run's directory", p)
		}
	}
	return nil
}

// provenance is the Runner's provenance object with the server's own facts added where the
// Runner did not give them.
func (s *Service) provenance(run store.Run, out RunOutput) (json.RawMessage, error) {
	p := map[string]json.RawMessage{}
	if len(out.Provenance) > 0 {
		if err := json.Unmarshal(out.Provenance, &p); err != nil {
			return nil, fmt.Errorf("runner provenance is not a JSON object: %w", err)
		}
	}
	add := func(k string, v any) {
		if _, ok := p[k]; !ok {
			p[k], _ = json.Marshal(v)
		}
	}
	add("run_id", run.ID)
	add("scenario_id", run.ScenarioID)
	add("scenario_version", run.ScenarioVersion)
	add("software_version", s.cfg.Version)
	if seed := out.Seed; seed != nil {
		add("seed", *seed)
	} else if run.Seed != nil {
		add("seed", *run.Seed)
	}
	return json.Marshal(p)
}

// close stops taking runs, cancels running ones (they record themselves as interrupted), waits
// for the workers until ctx is done, then marks whatever is still unfinished as failed.
func (m *runManager) close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	queued := m.queued
	m.queues, m.orgs, m.queued = map[string][]string{}, nil, 0
	m.ready.Broadcast()
	m.mu.Unlock()
	m.cancel(errShutdown)
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("runs still stopping: %w", ctx.Err())
	}
	if m.s.Shared() {
		return err // the job queue's runs are the workers' to finish or hand on
	}
	var ids []string
	ferr := m.s.withReserve(func() (err error) {
		ids, err = m.s.st.FailUnfinishedRuns(context.Background(), interruptedMsg, time.Now())
		return err
	})
	if ferr != nil {
		return errors.Join(err, fmt.Errorf("mark unfinished runs: %w", ferr))
	}
	if len(ids) > 0 {
		m.s.log.Warn("marked unfinished runs as interrupted", "runs", len(ids), "queued", queued)
	}
	return err
}
