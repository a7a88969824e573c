package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// ErrVersionNotFound means a run asked for a scenario version that does not exist.
// It is also store.ErrNotFound (errors.Is).
var ErrVersionNotFound = fmt.Errorf("scenario version not found (%w)", store.ErrNotFound)

// startRun commits and queues a run of the organisation's scenario (see StartRun).
func (s *Service) startRun(ctx context.Context, orgID, scenarioID string, version int, seed *int64) (store.Run, error) {
	if version == 0 {
		sc, err := s.st.GetScenario(ctx, orgID, scenarioID, 0)
		if err != nil {
			return store.Run{}, err
		}
		version = sc.Version
	}
	r := store.Run{
		ID: store.NewID("run"), OrgID: orgID, ScenarioID: scenarioID, ScenarioVersion: version,
		Seed: seed, Created: time.Now().UTC().Truncate(time.Microsecond),
	}
	var err error
	switch {
	case s.queue != nil:
		r, err = s.queue.Submit(ctx, r, s.cfg.MaxRunsPerOrg, s.splitRun(ctx, r))
	case s.Shared():
		return store.Run{}, ErrNoQueue
	default:
		r, err = s.st.CreateRun(ctx, r, s.cfg.MaxRunsPerOrg)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Run{}, ErrVersionNotFound
	}
	if err != nil {
		return store.Run{}, err
	}
	if s.Shared() {
		return r, nil // a worker takes it from the queue
	}
	if err := s.runs.enqueue(r); err != nil {
		return store.Run{}, err
	}
	return r, nil
}

// CancelRun cancels the organisation's run: a queued run at once, a running one is asked to
// stop (it becomes cancelled when it does). It returns the run as the store has it, and the
// store's errors: store.ErrNotFound, store.ErrConflict if the run has already finished.
func (s *Service) CancelRun(ctx context.Context, orgID, id string) (store.Run, error) {
	r, err := s.st.CancelRun(ctx, orgID, id, "cancelled by request", time.Now())
	if err != nil {
		return r, err
	}
	s.runs.requestCancel(r)
	return r, nil
}

// Live returns r with its live progress if it is running in this process.
func (s *Service) Live(r store.Run) store.Run {
	if l := s.runs.watch(r.ID); l != nil {
		cur, _, _, _ := l.snapshot()
		if cur.Status == r.Status && r.Status == store.RunRunning {
			r.Progress = max(r.Progress, cur.Progress)
		}
	}
	return r
}

// Watch returns the live state of a run queued or running in this process: the run, the work
// done of total, and a channel closed at its next change; ok is false if the run is not here
// (read it from the store).
func (s *Service) Watch(id string) (r store.Run, done, total int, changed <-chan struct{}, ok bool) {
	l := s.runs.watch(id)
	if l == nil {
		return r, 0, 0, nil, false
	}
	r, done, total, changed = l.snapshot()
	return r, done, total, changed, true
}

// ListRuns lists the organisation's runs that pass f, newest first, with their live progress, and
// the cursor of the next page ("" after the last).
func (s *Service) ListRuns(ctx context.Context, orgID string, f store.RunFilter, pg store.Page) ([]store.Run, string, error) {
	rs, next, err := s.st.ListRuns(ctx, orgID, f, pg)
	for i := range rs {
		rs[i] = s.Live(rs[i])
	}
	return rs, next, err
}

// UploadsFor returns the organisation's uploaded datasets that doc names (forecast.Scenario's
// datasets), by ID, with their files' absolute paths. IDs that are not the organisation's are
// left out, for the validator to report.
func (s *Service) UploadsFor(ctx context.Context, orgID string, doc []byte) (map[string]Upload, error) {
	var named struct {
		Datasets []forecast.DatasetChoice `json:"datasets"`
	}
	if json.Unmarshal(doc, &named) != nil || len(named.Datasets) == 0 {
		return nil, nil
	}
	out := map[string]Upload{}
	for _, d := range named.Datasets {
		if d.Dataset == "default" || !store.ValidID("dst", d.Dataset) {
			continue
		}
		ds, err := s.st.GetDataset(ctx, orgID, d.Dataset)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading dataset %s: %w", d.Dataset, err)
		}
		if err := s.ensureLocal(ctx, ds.Path); err != nil {
			return nil, fmt.Errorf("reading dataset %s: %w", d.Dataset, err)
		}
		out[ds.ID] = Upload{ID: ds.ID, Kind: ds.Kind, Path: filepath.Join(s.dataDir, ds.Path), Hash: ds.ContentHash}
	}
	return out, nil
}
