package api

import (
	"container/list"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/api/store"
	"github.com/carecast/carecast/datasets"
)

// ResultFileName is the name of the result file inside a run's result directory, when a
// Runner returns a directory as its ResultPath.
const ResultFileName = "results.parquet"

// Result-reading resources. Result files of succeeded runs never change, so open files and
// decoded row groups are kept between requests.
const (
	maxOpenResultFiles = 64
	resultCacheBytes   = 64 << 20
)

// resultFiles keeps result files open (least recently used closed first) and shares one cache
// of decoded row groups between them.
type resultFiles struct {
	cache *datasets.ResultCache

	mu    sync.Mutex
	files map[string]*list.Element // by absolute path
	lru   *list.List               // of *openResult, most recent first
}

type openResult struct {
	path    string
	rf      *datasets.ResultFile
	refs    int
	evicted bool
}

func newResultFiles() *resultFiles {
	return &resultFiles{cache: datasets.NewResultCache(resultCacheBytes), files: map[string]*list.Element{}, lru: list.New()}
}

// open returns the result file at path and a function to call when done with it.
func (c *resultFiles) open(path string) (*datasets.ResultFile, func(), error) {
	c.mu.Lock()
	if e, ok := c.files[path]; ok {
		o := e.Value.(*openResult)
		o.refs++
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		return o.rf, func() { c.release(o) }, nil
	}
	c.mu.Unlock()

	// Open outside the lock; if another request opened it meanwhile, keep theirs.
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

// runResults returns the caller's run id and its open result file: 404 if the run is not the
// caller organisation's, 409 if it has no results. Call release when done.
func (s *Service) runResults(ctx context.Context, id string) (store.Run, *datasets.ResultFile, func(), error) {
	r, err := s.st.GetRun(ctx, caller(ctx).OrgID, id)
	if err != nil {
		return store.Run{}, nil, nil, err
	}
	if r.Status != store.RunSucceeded || r.ResultPath == "" {
		return store.Run{}, nil, nil, huma.Error409Conflict(fmt.Sprintf("run %s has no results (status %s)", r.ID, r.Status))
	}
	p, err := s.path(r.ResultPath)
	if err != nil {
		return store.Run{}, nil, nil, fmt.Errorf("run %s: %w", r.ID, err)
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, ResultFileName)
	}
	rf, release, err := s.results.open(p)
	if err != nil {
		return store.Run{}, nil, nil, fmt.Errorf("run %s: opening its results: %w", r.ID, err)
	}
	return r, rf, release, nil
}
