package service

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/store"
)

// Result-reading resources. Result files of succeeded runs never change, so open files and
// decoded row groups are kept between requests.
const (
	maxOpenResultFiles = 64
	resultCacheBytes   = 64 << 20
)

// resultFiles keeps result files open (least recently used closed first) and shares one cache
// of decoded row groups between them. It also remembers, for a few seconds, which succeeded
// runs each organisation may read: a succeeded run never changes, and the entry is keyed by the
// organisation the store answered for, so isolation holds while the store is asked once per
// run and organisation every runCacheTTL rather than once per page.
type resultFiles struct {
	cache *datasets.ResultCache

	runMu sync.Mutex
	runs  map[runKey]cachedRun

	mu    sync.Mutex
	files map[string]*list.Element // by absolute path
	lru   *list.List               // of *openResult, most recent first
}

// openResult is one open result file; a file opened with a hash was checked against it once,
// when it was opened, and is not hashed again while it stays open.
type openResult struct {
	path    string
	rf      *datasets.ResultFile
	refs    int
	evicted bool
}

// hashMismatch is returned by resultFiles.open for a file whose content does not have the
// SHA-256 hash it was opened with.
type hashMismatch struct{ want, got string }

func (e *hashMismatch) Error() string {
	return "content hash " + e.got + " does not match the hash recorded when it was written, " + e.want
}

// fileHash returns the SHA-256 of the file at path as "sha256:" + hex.
func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// validHash reports whether h is "sha256:" followed by 64 lower-case hex digits.
func validHash(h string) bool {
	hx, ok := strings.CutPrefix(h, "sha256:")
	if !ok || len(hx) != 64 {
		return false
	}
	for _, c := range hx {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newResultFiles() *resultFiles {
	return &resultFiles{cache: datasets.NewResultCache(resultCacheBytes), files: map[string]*list.Element{}, lru: list.New(),
		runs: map[runKey]cachedRun{}}
}

// Succeeded runs are remembered for runCacheTTL, at most maxCachedRuns at once.
const (
	runCacheTTL   = 10 * time.Second
	maxCachedRuns = 10000
)

type runKey struct{ org, id string }

type cachedRun struct {
	run     store.Run
	expires time.Time
}

// run returns a succeeded run of org remembered by keepRun.
func (c *resultFiles) run(org, id string) (store.Run, bool) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	e, ok := c.runs[runKey{org, id}]
	if !ok || time.Now().After(e.expires) {
		return store.Run{}, false
	}
	return e.run, true
}

// keepRun remembers r if it has succeeded (nothing else is final and readable).
func (c *resultFiles) keepRun(org string, r store.Run) {
	if r.Status != store.RunSucceeded || r.ResultPath == "" {
		return
	}
	c.runMu.Lock()
	defer c.runMu.Unlock()
	if len(c.runs) >= maxCachedRuns {
		clear(c.runs)
	}
	c.runs[runKey{org, r.ID}] = cachedRun{run: r, expires: time.Now().Add(runCacheTTL)}
}

// open returns the result file at path and a function to call when done with it. When want is
// not empty, the file is hashed before it is opened and refused with a *hashMismatch unless its
// SHA-256 is want ("sha256:" + hex); a file already open was checked when it was opened.
func (c *resultFiles) open(path, want string) (*datasets.ResultFile, func(), error) {
	c.mu.Lock()
	if e, ok := c.files[path]; ok {
		o := e.Value.(*openResult)
		o.refs++
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		return o.rf, func() { c.release(o) }, nil
	}
	c.mu.Unlock()

	// Hash and open outside the lock; if another request opened it meanwhile, keep theirs.
	if want != "" {
		got, err := fileHash(path)
		if err != nil {
			return nil, nil, err
		}
		if got != want {
			return nil, nil, &hashMismatch{want: want, got: got}
		}
	}
	rf, err := datasets.OpenResultFile(path, datasets.ResultOptions{Name: filepath.Base(path), Cache: c.cache})
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.files[path]; ok {
		rf.Close()
		o := e.Value.(*openResult)
		o.refs++
		c.lru.MoveToFront(e)
		return o.rf, func() { c.release(o) }, nil
	}
	o := &openResult{path: path, rf: rf, refs: 1}
	c.files[path] = c.lru.PushFront(o)
	for c.lru.Len() > maxOpenResultFiles {
		old := c.lru.Back().Value.(*openResult)
		c.lru.Remove(c.lru.Back())
		delete(c.files, old.path)
		old.evicted = true
		if old.refs == 0 {
			old.rf.Close()
		}
	}
	return rf, func() { c.release(o) }, nil
}

func (c *resultFiles) release(o *openResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o.refs--
	if o.refs == 0 && o.evicted {
		o.rf.Close()
	}
}

// close closes every file not in use.
func (c *resultFiles) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		o := e.Value.(*openResult)
		o.evicted = true
		if o.refs == 0 {
			o.rf.Close()
		}
	}
	c.files = map[string]*list.Element{}
	c.lru.Init()
}

// OpenResults opens the result file of succeeded run r, checked against the hash recorded with
// the run (see openRunFile), through the cache of open files; call the function returned when done
// with it. A damaged file is a *DamagedResult. The API and the web pages both open results
// through it.
func (s *Service) OpenResults(r store.Run) (*datasets.ResultFile, func(), error) {
	p, err := s.resultFilePath(r)
	if err != nil {
		return nil, nil, err
	}
	rf, release, err := s.openRunFile(r, p)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: opening its results: %w", r.ID, err)
	}
	return rf, release, nil
}

// DamagedResult is a result file whose content no longer has the SHA-256 hash recorded when it
// was written: a changed byte anywhere (its footer included) would otherwise give wrong answers
// without an error. Its message is meant for clients.
type DamagedResult struct {
	RunID, File string
}

func (e *DamagedResult) Error() string {
	return fmt.Sprintf("the result file of run %s (%s) is damaged: its content no longer matches the SHA-256 hash "+
		"recorded when it was written (hash mismatch), so it is not read; run the scenario again to recreate it", e.RunID, e.File)
}

// openRunFile opens the result file at p (absolute) of run r through the cache of open files,
// checking it against the hash the run recorded for it; a file the run has no hash for (runs
// made before hashes were recorded) is opened unchecked. A mismatch is logged and returned as a
// *DamagedResult.
func (s *Service) openRunFile(r store.Run, p string) (*datasets.ResultFile, func(), error) {
	rel, err := s.relPath(p)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: result file %s: %w", r.ID, p, err)
	}
	want := r.ResultHashes[filepath.ToSlash(rel)]
	rf, release, err := s.results.open(p, want)
	var hm *hashMismatch
	if errors.As(err, &hm) {
		s.log.Error("result file damaged", "run_id", r.ID, "path", rel, "want", hm.want, "got", hm.got)
		return nil, nil, &DamagedResult{RunID: r.ID, File: filepath.Base(p)}
	}
	return rf, release, err
}

// resultFilePath is the absolute path of a succeeded run's result file.
func (s *Service) resultFilePath(r store.Run) (string, error) {
	p, err := s.path(r.ResultPath)
	if err != nil {
		return "", fmt.Errorf("run %s: %w", r.ID, err)
	}
	if s.Shared() {
		// Shared-mode runs record their result file itself, never a directory.
		if err := s.ensureLocal(context.Background(), filepath.ToSlash(r.ResultPath)); err != nil {
			return "", fmt.Errorf("run %s: %w", r.ID, err)
		}
		return p, nil
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, ResultFile)
	}
	return p, nil
}

// ErrNoCentral is OpenCentral's error for a run with Monte Carlo draws whose central projection was not
// stored (runs made before carecast stored it).
var ErrNoCentral = errors.New("the run has Monte Carlo ranges but no central projection stored; run its scenario again to compare it")

// hasDraws reports whether a result file's run used Monte Carlo draws, from the scenario
// document in its provenance.
func hasDraws(rf *datasets.ResultFile) bool {
	var doc struct {
		Uncertainty struct {
			Draws int `json:"draws"`
		} `json:"uncertainty"`
	}
	return json.Unmarshal(rf.Provenance().Scenario, &doc) == nil && doc.Uncertainty.Draws > 0
}

// OpenCentral returns the central projection of run r, whose results rf openResults opened:
// rf itself for a deterministic run, the CentralFileName beside it for a run with draws
// (checked like the results, see openRunFile), and ErrNoCentral if that file is missing. The
// function returned releases the file.
func (s *Service) OpenCentral(r store.Run, rf *datasets.ResultFile) (*datasets.ResultFile, func(), error) {
	if !hasDraws(rf) {
		return rf, func() {}, nil
	}
	p, err := s.resultFilePath(r)
	if err != nil {
		return nil, nil, err
	}
	cp := filepath.Join(filepath.Dir(p), CentralFileName)
	if rel, err := s.relPath(cp); err == nil && r.ResultHashes[filepath.ToSlash(rel)] != "" {
		if err := s.ensureLocal(context.Background(), filepath.ToSlash(rel)); err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
	}
	if _, err := os.Stat(cp); errors.Is(err, os.ErrNotExist) {
		return nil, nil, ErrNoCentral
	}
	return s.openRunFile(r, cp)
}

// ReadableRun returns the organisation's run id as the store has it (store.ErrNotFound if it
// has none of that ID), for reading its results. A succeeded run never changes, so it is
// remembered for a few seconds (runCacheTTL), keyed by the organisation the store answered
// for: isolation holds while the store is asked once per run and organisation every few
// seconds rather than once per page. The caller checks the run's status.
func (s *Service) ReadableRun(ctx context.Context, orgID, id string) (store.Run, error) {
	if r, ok := s.results.run(orgID, id); ok {
		return r, nil
	}
	r, err := s.st.GetRun(ctx, orgID, id)
	if err != nil {
		return store.Run{}, err
	}
	s.results.keepRun(orgID, r)
	return r, nil
}
