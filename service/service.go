package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carecast/carecast/store"
)

// interruptedMsg is the error recorded for runs that were unfinished when the server stopped.
const interruptedMsg = "interrupted: the server stopped before this run finished; start it again " +
	"(the same scenario version and seed reproduce it exactly)"

// Config is what a Service needs to know; the faces build it from their own configuration
// (api.Config).
type Config struct {
	// DataDir holds uploads/, runs/, tmp/ and the disk reserve; made absolute by New.
	DataDir string
	// Workers is how many runs execute at once in this process (at least 1).
	Workers int
	// OrgWorkers is how many of the workers one organisation's runs may hold at once (at
	// least 1).
	OrgWorkers int
	// MaxRunsPerOrg is how many unfinished (queued or running) runs one organisation may have.
	MaxRunsPerOrg int
	// RunTimeout stops a run that takes longer.
	RunTimeout time.Duration
	// SplitParts is, in shared mode, the most parts a run of several councils with draws is
	// split into, each a job that any worker may take (see parts.go); below 2, runs execute
	// whole.
	SplitParts int
	// Version is the software version recorded with every run.
	Version string
	// MaxScenarioBytes is the largest scenario document accepted (0: no limit).
	MaxScenarioBytes int64
	// MaxPageSize caps the lists the pages ask for (0: no cap).
	MaxPageSize int
	// MaxKeysPerOrg is how many API keys one organisation may have (0: no limit); CreateKey
	// applies it.
	MaxKeysPerOrg int
}

// Metrics is told about runs as the run manager moves them, so that a face can export them
// (the API's Prometheus metrics). Its methods are called from the workers and must be safe for
// concurrent use. A nil Metrics is allowed.
type Metrics interface {
	// RunsQueued reports how many runs wait in all the queues now.
	RunsQueued(n int)
	// RunStarted reports that a run started executing; RunStopped that it stopped.
	RunStarted()
	RunStopped()
	// RunFinished reports a run's final status and how long it executed (ran < 0: it never
	// started, e.g. it failed to start on a full disk).
	RunFinished(status store.RunStatus, ran time.Duration)
}

type noMetrics struct{}

func (noMetrics) RunsQueued(int)                             {}
func (noMetrics) RunStarted()                                {}
func (noMetrics) RunStopped()                                {}
func (noMetrics) RunFinished(store.RunStatus, time.Duration) {}

// Runner executes one run of a scenario (Carecast.Run is the real one). The Service calls Run
// from a bounded pool of worker goroutines, one call per run.
//
// Run must:
//   - stop soon after ctx is done (cancelled by a user, the run timeout or shutdown) and
//     return ctx's error or an error wrapping it;
//   - call progress(done, total) as work advances (from any goroutine; done ≤ total, total >
//     0); calls are cheap and may be frequent;
//   - write its results under spec.Dir and return their path relative to spec.DataDir.
//
// The message of a returned error is shown to users only if the error is, or wraps, one made
// by PublicError; any other error is logged and users see a generic message.
type Runner interface {
	Run(ctx context.Context, spec RunSpec, progress func(done, total int)) (RunOutput, error)
}

// Parts are what a Service calls but does not own; the faces build them (cmd/carecast gives
// a Carecast as Runner and Scenarios).
type Parts struct {
	// Runner executes runs. It must not be nil.
	Runner Runner
	// Scenarios validates scenario documents and publishes their JSON Schema. It must not be
	// nil.
	Scenarios ScenarioValidator
	// Datasets validates uploaded dataset files. It must not be nil.
	Datasets DatasetValidator
	// Metrics is told about runs; nil: nobody is.
	Metrics Metrics
	// Files, when set, puts the Service in shared mode (see shared.go): result files and
	// uploads are kept in it for every machine, and no run executes in this process except
	// through Execute.
	Files Files
	// Queue commits runs with their jobs in shared mode; nil in a worker, which accepts no
	// runs. Ignored without Files.
	Queue Queue
}

// Service is carecast's application over one store and one data directory, below the faces:
// it executes runs in a bounded worker pool (per-organisation queues, cancel, timeouts, the
// disk reserve), and opens the result files of succeeded runs, checked against their hashes.
// Make it with New and Close it.
type Service struct {
	cfg       Config
	st        store.Store
	runner    Runner
	scenarios ScenarioValidator
	datasets  DatasetValidator
	metrics   Metrics
	log       *slog.Logger
	dataDir   string // absolute

	runs    *runManager
	results *resultFiles // open result files of succeeded runs
	files   Files        // shared mode: the files every machine reads (shared.go)
	queue   Queue        // shared mode: where runs go

	closed    atomic.Bool
	reserveMu sync.Mutex // the disk reserve (reserve.go)

	// API keys and open mode (keys.go)
	keys        keyCache
	open        atomic.Bool  // serving the local user without keys
	openChecked atomic.Int64 // when open mode was last checked against the store (unix ns)
	localOrg    store.Org
}

// New prepares the data directory (uploads/, runs/, tmp/), recovers from an unclean stop —
// runs left queued or running are marked failed (see interruptedMsg), temporary upload files
// and upload files with no record are removed — and starts the run workers.
func New(ctx context.Context, cfg Config, st store.Store, parts Parts, logger *slog.Logger) (*Service, error) {
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	cfg.DataDir = dataDir
	if parts.Metrics == nil {
		parts.Metrics = noMetrics{}
	}
	s := &Service{cfg: cfg, st: st, runner: parts.Runner, scenarios: parts.Scenarios, datasets: parts.Datasets,
		metrics: parts.Metrics,
		log:     logger, dataDir: dataDir,
		results: newResultFiles(), files: parts.Files}
	if parts.Files != nil {
		s.queue = parts.Queue
	}
	if err := s.prepareDataDir(ctx); err != nil {
		return nil, err
	}
	if s.Shared() {
		// Unfinished runs belong to the job queue's workers, not to this process.
		s.runs = newRunManager(s, 0)
		return s, nil
	}
	var ids []string
	err = s.withReserve(func() (err error) {
		ids, err = st.FailUnfinishedRuns(ctx, interruptedMsg, time.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recover unfinished runs: %w", err)
	}
	if len(ids) > 0 {
		logger.Warn("marked runs interrupted by the last stop as failed", "runs", len(ids), "ids", ids)
	}
	s.runs = newRunManager(s, cfg.Workers)
	return s, nil
}

// DataDir returns the absolute data directory.
func (s *Service) DataDir() string { return s.dataDir }

// Store returns the store the service works on.
func (s *Service) Store() store.Store { return s.st }

// prepareDataDir creates the directories, empties tmp/ (half-received uploads), removes the
// empty folders of runs killed before they wrote anything, and removes upload files that no
// dataset record names (a crash between rename and commit).
func (s *Service) prepareDataDir(ctx context.Context) error {
	for _, d := range []string{"uploads", "runs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(s.dataDir, d), 0o750); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
	}
	tmp := filepath.Join(s.dataDir, "tmp")
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return fmt.Errorf("clean %s: %w", tmp, err)
		}
	}
	// Runs killed before they wrote anything leave empty folders under runs/.
	runs := filepath.Join(s.dataDir, "runs")
	entries, err = os.ReadDir(runs)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(runs, e.Name())
		if inner, err := os.ReadDir(dir); err == nil && len(inner) == 0 {
			if err := os.Remove(dir); err != nil {
				return fmt.Errorf("clean %s: %w", dir, err)
			}
		}
	}
	paths, err := s.st.DatasetPaths(ctx)
	if err != nil {
		return fmt.Errorf("list datasets: %w", err)
	}
	known := make(map[string]bool, len(paths))
	for _, p := range paths {
		known[filepath.Clean(p)] = true
	}
	s.keepReserve()
	uploads := filepath.Join(s.dataDir, "uploads")
	return filepath.WalkDir(uploads, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(s.dataDir, path)
		if err != nil {
			return err
		}
		if !known[rel] {
			s.log.Warn("removing an upload file with no dataset record", "path", rel)
			return os.Remove(path)
		}
		return nil
	})
}

// Close stops the service: running runs are cancelled and recorded as interrupted, queued runs
// are marked failed, open result files are closed. It waits for the workers until ctx is done.
// It does not close the store.
func (s *Service) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	defer s.results.close()
	return s.runs.close(ctx)
}

// SetRetry changes the waits between attempts to commit a run's outcome (by default about
// 15 s in all) and how often an outcome that could not be committed is tried again (10 s).
// Tests shorten them; call it before any run starts.
func (s *Service) SetRetry(backoff []time.Duration, every time.Duration) {
	s.runs.backoff, s.runs.retryEvery = backoff, every
}

// path joins a data-directory-relative path to the data directory, refusing paths that leave
// it.
func (s *Service) path(rel string) (string, error) {
	if rel == "" || filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("path %q is not inside the data directory", rel)
	}
	return filepath.Join(s.dataDir, rel), nil
}

// relPath returns abs relative to the data directory, or an error if it is outside it.
func (s *Service) relPath(abs string) (string, error) {
	rel, err := filepath.Rel(s.dataDir, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return "", errors.New("outside the data directory")
	}
	return rel, nil
}

// ErrNoStatfs is FreeBytes' error on systems that give no free-space figure.
var ErrNoStatfs = errors.New("free space is not known on this system")

// FreeBytes returns the bytes free for unprivileged users on the file system of the data
// directory, or ErrNoStatfs.
func (s *Service) FreeBytes() (uint64, error) { return freeBytes(s.dataDir) }
