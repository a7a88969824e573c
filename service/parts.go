package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/carecast/carecast/store"
)

// Runs in parts (shared mode). A run of several councils with draws is split, when it is
// committed, into parts of whole councils (Config.SplitParts at most; SplitRunner.Split says
// which runs can be), each a job that any worker takes (ExecutePart). A part writes its rows to
// a part file in the shared files; the job that finishes the last part merges the part files
// into the run's result file (SplitRunner.Merge), the same bytes one machine writes for the
// whole run, and finishes the run. Each part is taken, taken over and counted against its
// organisation's limit of running runs the way a whole run is (PartStore).

// SplitRunner is a Runner that can execute a run in parts and merge them. Carecast is one.
type SplitRunner interface {
	// Split returns the scenario areas of each part a run of spec.Scenario can execute in (at
	// most maxParts), or nil when it must execute whole. spec.Dir is not set.
	Split(spec RunSpec, maxParts int) ([][]string, error)
	// RunPart runs spec's scenario over areas in place of its own and writes the part's rows
	// to the file at path.
	RunPart(ctx context.Context, spec RunSpec, areas []string, path string, progress func(done, total int)) error
	// Merge writes the run's results under spec.Dir from its parts' files, in the order of the
	// parts, exactly as Run writes them for the whole run, and returns what Run returns.
	Merge(ctx context.Context, spec RunSpec, parts []string) (RunOutput, error)
}

// PartStore keeps the parts of runs executed in parts; postgres.Store implements it (see
// postgres.Store.TakePart for the rules).
type PartStore interface {
	TakePart(ctx context.Context, id string, n, attempt, maxRunning int, at time.Time) (store.Run, store.Part, error)
	SetPartProgress(ctx context.Context, id string, n, attempt int, progress float64) error
	FinishPart(ctx context.Context, id string, n, attempt int) (left int, err error)
}

// partFile is the path, relative to the data directory, of part n of run id.
func partFile(id string, n int) string {
	return path.Join("runs", id, "parts", strconv.Itoa(n)+".parquet")
}

// splitRun returns the parts a new run r should execute in, nil for a whole run: only in
// shared mode with a SplitRunner, a store that keeps parts, and Config.SplitParts of 2 or
// more. A scenario the runner cannot read runs whole, and its run reports the problem.
func (s *Service) splitRun(ctx context.Context, r store.Run) [][]string {
	sr, ok := s.runner.(SplitRunner)
	if _, hasParts := s.st.(PartStore); !ok || !hasParts || s.cfg.SplitParts < 2 {
		return nil
	}
	sc, err := s.st.GetScenario(ctx, r.OrgID, r.ScenarioID, r.ScenarioVersion)
	if err != nil {
		return nil
	}
	uploads, err := s.UploadsFor(ctx, r.OrgID, sc.Document)
	if err != nil {
		return nil
	}
	parts, err := sr.Split(RunSpec{RunID: r.ID, OrgID: r.OrgID, ScenarioID: r.ScenarioID, ScenarioVersion: r.ScenarioVersion,
		Scenario: sc.Document, Seed: r.Seed, DataDir: s.dataDir, Version: s.cfg.Version, Uploads: uploads}, s.cfg.SplitParts)
	if err != nil {
		s.log.Warn("split run: running it whole", "run_id", r.ID, "err", err)
		return nil
	}
	return parts
}

// ExecutePart executes part n of run id for a job-queue worker, as the attempt'th attempt of
// the part's job, and, when it is the last part to finish, merges the parts and commits the
// run's outcome. It returns what Execute returns, for the part: nil once nothing is left for
// the job (the part done, the run final, or the part taken over by a later attempt), ErrBusy
// (wrapped) when the organisation is at its limit of running runs, any other error when the
// job should be tried again. A failed or cancelled part fails or cancels the whole run.
func (s *Service) ExecutePart(ctx context.Context, id string, n, attempt int) error {
	ps, ok := s.st.(PartStore)
	sr, ok2 := s.runner.(SplitRunner)
	if !ok || !ok2 {
		return fmt.Errorf("part %d of run %s: this worker's store or runner cannot execute runs in parts", n, id)
	}
	run, part, err := ps.TakePart(ctx, id, n, attempt, s.cfg.OrgWorkers, time.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil
	case err != nil:
		return fmt.Errorf("take part %d of run %s: %w", n, id, err)
	}
	log := s.log.With("run_id", id, "part", n, "parts", part.Of, "attempt", attempt)
	switch {
	case part.Merge:
		log.Warn("merging a run whose last part's worker stopped before the merge")
	case run.Attempt > 1 && attempt > 1:
		log.Warn("taking over a part of a run whose worker stopped")
	default:
		log.Info("part started", "areas", part.Areas)
	}
	started := time.Now()
	jobCtx := ctx
	ctx, done := s.jobContext(ctx, run)
	defer done()

	// finish commits the run's outcome (any attempt: a split run has no single one).
	finish := func(out RunOutput, runErr error) error {
		o, err := s.jobOutcome(jobCtx, ctx, run, out, runErr, "a part of the run", log)
		if err != nil {
			return err
		}
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer fcancel()
		final, err := s.st.FinishRun(fctx, id, o)
		if errors.Is(err, store.ErrConflict) {
			return nil // finished meanwhile, by another part
		}
		if err != nil {
			return fmt.Errorf("record the end of run %s: %w", id, err)
		}
		s.metrics.RunFinished(final.Status, time.Since(started))
		log.Info("run finished", "status", final.Status, "error", final.Error)
		if final.Status == store.RunSucceeded {
			s.removeParts(context.WithoutCancel(ctx), id, log)
		}
		return nil
	}
	stopping := func() bool {
		return jobCtx.Err() != nil && !errors.Is(context.Cause(jobCtx), context.DeadlineExceeded)
	}

	spec, err := s.runSpec(ctx, run)
	if err != nil {
		if stopping() {
			return fmt.Errorf("part %d of run %s interrupted: %w", n, id, context.Cause(jobCtx))
		}
		return finish(RunOutput{}, err)
	}
	if !part.Merge {
		rel := partFile(id, n)
		abs := filepath.Join(s.dataDir, filepath.FromSlash(rel))
		err := os.MkdirAll(filepath.Dir(abs), 0o750)
		if err == nil {
			err = sr.RunPart(ctx, spec, part.Areas, abs, s.partProgress(ctx, ps, id, n, attempt, log))
		}
		if err == nil && ctx.Err() == nil {
			err = s.putFile(context.WithoutCancel(ctx), rel)
		}
		if stopping() {
			return fmt.Errorf("part %d of run %s interrupted: %w", n, id, context.Cause(jobCtx))
		}
		if err != nil || ctx.Err() != nil {
			return finish(RunOutput{}, err)
		}
		left, err := ps.FinishPart(context.WithoutCancel(ctx), id, n, attempt)
		if errors.Is(err, store.ErrConflict) {
			return nil // the run ended, or a later attempt took the part over
		}
		if err != nil {
			return fmt.Errorf("record the end of part %d of run %s: %w", n, id, err)
		}
		log.Info("part finished", "left", left, "duration_ms", time.Since(started).Milliseconds())
		if left > 0 {
			return nil
		}
	}

	// Every part is done: merge them into the run's results.
	paths := make([]string, part.Of)
	for k := range paths {
		rel := partFile(id, k)
		if err := s.ensureLocal(ctx, rel); err != nil {
			if stopping() {
				return fmt.Errorf("merge run %s interrupted: %w", id, context.Cause(jobCtx))
			}
			return finish(RunOutput{}, fmt.Errorf("merge: %w", err))
		}
		paths[k] = filepath.Join(s.dataDir, filepath.FromSlash(rel))
	}
	out, err := sr.Merge(ctx, spec, paths)
	if stopping() {
		return fmt.Errorf("merge run %s interrupted: %w", id, context.Cause(jobCtx))
	}
	return finish(out, err)
}

// partProgress returns the progress function of a part: the part's progress is written to
// the store at most once per progressSaveInterval (the run's is the mean of its parts').
func (s *Service) partProgress(ctx context.Context, ps PartStore, id string, n, attempt int, log interface {
	Warn(string, ...any)
}) func(done, total int) {
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		if total <= 0 || done < 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < progressSaveInterval {
			return
		}
		last = time.Now()
		if err := ps.SetPartProgress(ctx, id, n, attempt, float64(min(done, total))/float64(total)); err != nil &&
			!errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
			log.Warn("save part progress", "err", err)
		}
	}
}

// removeParts removes the part files of a run whose results are merged, from the shared
// files and from this machine.
func (s *Service) removeParts(ctx context.Context, id string, log interface{ Warn(string, ...any) }) {
	prefix := path.Join("runs", id, "parts") + "/"
	if err := s.files.Delete(ctx, prefix); err != nil {
		log.Warn("remove the part files of a merged run", "err", err)
	}
	if err := os.RemoveAll(filepath.Join(s.dataDir, "runs", id, "parts")); err != nil {
		log.Warn("remove the part files of a merged run", "err", err)
	}
}
