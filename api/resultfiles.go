package api

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// ResultFileName is the name of the result file inside a run's result directory, when a
// Runner returns a directory as its ResultPath.
const ResultFileName = service.ResultFile

// CentralFileName is the name of a ranged run's central projection beside its result file
// (service.CentralFileName).
const CentralFileName = service.CentralFileName

// runResults returns the caller's run id and its open result file: 404 if the run is not the
// caller organisation's, 409 if it has no results, a *service.DamagedResult if the file is damaged.
// Call release when done.
func (s *Service) runResults(ctx context.Context, id string) (store.Run, *datasets.ResultFile, func(), error) {
	r, err := s.svc.ReadableRun(ctx, caller(ctx).OrgID, id)
	if err != nil {
		return store.Run{}, nil, nil, err
	}
	if r.Status != store.RunSucceeded || r.ResultPath == "" {
		return store.Run{}, nil, nil, huma.Error409Conflict(fmt.Sprintf("run %s has no results (status %s)", r.ID, r.Status))
	}
	rf, release, err := s.svc.OpenResults(r)
	if err != nil {
		return store.Run{}, nil, nil, err
	}
	return r, rf, release, nil
}

// runCentral returns the central projection of run r, whose results rf runResults opened
// (see service.Service.OpenCentral): 409 if r has draws but no central projection stored.
func (s *Service) runCentral(r store.Run, rf *datasets.ResultFile) (*datasets.ResultFile, func(), error) {
	c, release, err := s.svc.OpenCentral(r, rf)
	if errors.Is(err, service.ErrNoCentral) {
		return nil, nil, huma.Error409Conflict(fmt.Sprintf("run %s: %v", r.ID, err))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: opening its central projection: %w", r.ID, err)
	}
	return c, release, nil
}

// pageCacheBytes bounds the memory of encoded result pages kept for reuse.
const pageCacheBytes = 32 << 20

// pageCache keeps encoded result pages (least recently used dropped first). Result files never
// change, so a page is a function of the file and the request's filter, cursor and limit; it is
// consulted only after the caller's right to read the run has been checked.
type pageCache struct {
	mu    sync.Mutex
	size  int
	pages map[string]*list.Element
	lru   *list.List // of *cachedPage, most recent first
}

type cachedPage struct {
	key  string
	body []byte
}

func newPageCache() *pageCache {
	return &pageCache{pages: map[string]*list.Element{}, lru: list.New()}
}

func (c *pageCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pages[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedPage).body, true
}

func (c *pageCache) put(key string, body []byte) {
	n := len(key) + len(body)
	if n > pageCacheBytes/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pages[key]; ok {
		return
	}
	c.pages[key] = c.lru.PushFront(&cachedPage{key: key, body: body})
	c.size += n
	for c.size > pageCacheBytes {
		old := c.lru.Remove(c.lru.Back()).(*cachedPage)
		delete(c.pages, old.key)
		c.size -= len(old.key) + len(old.body)
	}
}

// pageKey identifies a page of a result file.
func pageKey(file string, f datasets.ResultFilter, from int64, limit int) string {
	var b strings.Builder
	b.WriteString(file)
	for _, l := range [][]string{f.Areas, f.Measures, f.Sexes, f.AgeBands} {
		b.WriteByte(0)
		b.WriteString(strings.Join(l, ","))
	}
	fmt.Fprintf(&b, "\x00%d\x00%d\x00%d\x00%d", f.YearFrom, f.YearTo, from, limit)
	return b.String()
}
