package datasets

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/carecast/carecast/forecast"
)

// DefaultMaxResultBytes is the default cap on a result file's size (4 GiB).
const DefaultMaxResultBytes = 4 << 30

// Bounds on what a result file may declare before any of it is decoded.
const (
	maxFooterBytes   = 64 << 20  // footer (file metadata) size
	maxRowGroupBytes = 512 << 20 // compressed size of one row group
	maxRowGroupRows  = 1 << 20   // rows in one row group
)

// ResultOptions bound and inform the reading of a result file.
type ResultOptions struct {
	// Name is the file name used in errors; "" reads as "results".
	Name string
	// MaxBytes caps the file size; 0 means DefaultMaxResultBytes.
	MaxBytes int64
	// Cache, when not nil, keeps decoded row groups between scans (see ResultCache).
	Cache *ResultCache
}

// ResultFile is an open result table (a Parquet file with the ResultColumns, written by
// ResultWriter or exported as Parquet) from which rows are streamed one row group at a time.
// Opening it reads and checks only the footer: the size cap, the footer's structure, the
// columns and their types (a missing or renamed column is an error, never zeros), and every
// row group's declared sizes. Each row group's pages are checked against their declared sizes
// before the first time it is decoded.
//
// A ResultFile is safe for concurrent use. Close it when done (if it was made by
// OpenResultFile, Close also closes the file).
type ResultFile struct {
	id     uint64
	name   string
	r      io.ReaderAt
	size   int64
	closer io.Closer
	pf     *parquet.File
	prov   Provenance
	index  [numResultCols]int // file column index of each result column
	groups []groupInfo
	cache  *ResultCache

	mu       sync.Mutex
	verified []bool // row groups whose pages have been checked

	valuesMu sync.Mutex
	values   *ResultValues // see Values; nil until worked out

	decodes atomic.Int64 // row groups decoded (tests check that filters skip groups)
}

// groupInfo is what a row group's footer entry says: where it starts and the bounds of the
// columns filters look at.
type groupInfo struct {
	first, rows int64
	start, end  int64                      // byte range of its column chunks
	str         [numResultCols]*stringStat // min and max of string columns, nil if unknown
	yearMin     int64
	yearMax     int64
	yearKnown   bool
}

type stringStat struct{ min, max string }

var fileIDs atomic.Uint64

// OpenResultFile opens the result file at path (see ResultFile).
func OpenResultFile(path string, opts ResultOptions) (*ResultFile, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening results: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("opening results: %w", err)
	}
	rf, err := OpenResults(fh, st.Size(), opts)
	if err != nil {
		fh.Close()
		return nil, err
	}
	rf.closer = fh
	return rf, nil
}

// OpenResults opens a result table held by r, which has size bytes (see ResultFile). Problems
// with the file come back as a *ValidationError naming the file and, where it applies, the
// column.
func OpenResults(r io.ReaderAt, size int64, opts ResultOptions) (rf *ResultFile, err error) {
	name := opts.Name
	if name == "" {
		name = "results"
	}
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResultBytes
	}
	fileProblem := func(rule Rule, col, msg string) error {
		return &ValidationError{File: name, Problems: []Problem{{File: name, Column: col, Rule: rule, Message: msg}}}
	}
	if size > maxBytes {
		return nil, fileProblem(RuleTooLarge, "", fmt.Sprintf("file is %d bytes, larger than the %d-byte limit", size, maxBytes))
	}
	if err := checkFooterAt(r, size); err != nil {
		return nil, fileProblem(RuleCorrupt, "", err.Error())
	}
	defer func() {
		if p := recover(); p != nil {
			rf, err = nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: the parquet library could not decode it: %v", errCorrupt, p))
		}
	}()
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(64<<10))
	if err != nil {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: %v", errCorrupt, err))
	}
	rf = &ResultFile{id: fileIDs.Add(1), name: name, r: r, size: size, pf: pf, cache: opts.Cache}

	// Schema: every result column, by name, with a compatible type and no nulls.
	index, problems := checkSchema(pf.Root(), resultSpecs, name, true)
	copy(rf.index[:], index)
	if len(problems) > 0 {
		return nil, &ValidationError{File: name, Problems: problems}
	}

	md := pf.Metadata()
	var total int64
	for g, rg := range md.RowGroups {
		if rg.NumRows < 0 || rg.NumRows > maxRowGroupRows {
			return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row group %d claims %d rows (at most %d allowed)", errCorrupt, g, rg.NumRows, maxRowGroupRows))
		}
		gi := groupInfo{first: total, rows: rg.NumRows, start: size, end: 0}
		for i, ci := range rf.index {
			if ci >= len(rg.Columns) {
				return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row group %d lacks column %d", errCorrupt, g, ci))
			}
			cc := &rg.Columns[ci]
			if cc.FilePath != "" {
				return nil, fileProblem(RuleCorrupt, "", "column chunks stored in other files are not supported")
			}
			m := &cc.MetaData
			if m.NumValues != rg.NumRows {
				return nil, fileProblem(RuleCorrupt, resultSpecs[i].name, fmt.Sprintf("%v: row group %d holds %d values for %d rows", errCorrupt, g, m.NumValues, rg.NumRows))
			}
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			if start < 4 || m.TotalCompressedSize < 0 || end > size-8 || end < start {
				return nil, fileProblem(RuleCorrupt, resultSpecs[i].name, fmt.Sprintf("%v: row group %d: column chunk at bytes %d..%d lies outside the file", errCorrupt, g, start, end))
			}
			gi.start, gi.end = min(gi.start, start), max(gi.end, end)
			gi.addStats(i, m)
		}
		if gi.end-gi.start > maxRowGroupBytes {
			return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row group %d spans %d bytes (at most %d allowed)", errCorrupt, g, gi.end-gi.start, maxRowGroupBytes))
		}
		total += rg.NumRows
		rf.groups = append(rf.groups, gi)
	}
	if total != md.NumRows {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row groups hold %d rows but the footer says %d", errCorrupt, total, md.NumRows))
	}
	if len(pf.RowGroups()) != len(rf.groups) {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: the footer lists %d row groups but the library found %d", errCorrupt, len(rf.groups), len(pf.RowGroups())))
	}
	rf.verified = make([]bool, len(rf.groups))
	rf.prov, err = ProvenanceFromMetadata(pf.Lookup)
	if err != nil {
		return nil, fileProblem(RuleCorrupt, "", err.Error())
	}
	return rf, nil
}

// addStats records the column chunk's min and max where filters can use them.
func (g *groupInfo) addStats(col int, m *format.ColumnMetaData) {
	st := &m.Statistics
	if st.MinValue == nil || st.MaxValue == nil || st.NullCount > 0 {
		return
	}
	switch col {
	case rcArea, rcMeasure, rcSex, rcAgeBand:
		if m.Type == format.ByteArray {
			g.str[col] = &stringStat{min: string(st.MinValue), max: string(st.MaxValue)}
		}
	case rcYear:
		switch {
		case m.Type == format.Int32 && len(st.MinValue) == 4 && len(st.MaxValue) == 4:
			g.yearMin = int64(int32(binary.LittleEndian.Uint32(st.MinValue)))
			g.yearMax = int64(int32(binary.LittleEndian.Uint32(st.MaxValue)))
			g.yearKnown = true
		case m.Type == format.Int64 && len(st.MinValue) == 8 && len(st.MaxValue) == 8:
			g.yearMin = int64(binary.LittleEndian.Uint64(st.MinValue))
			g.yearMax = int64(binary.LittleEndian.Uint64(st.MaxValue))
			g.yearKnown = true
		}
	}
}

// checkFooterAt reads the magic bytes and the footer of a size-byte file and checks the
// footer's structure (see checkFooter) without reading the rest.
func checkFooterAt(r io.ReaderAt, size int64) error {
	if size < 12 {
		return checkFooter(make([]byte, size)) // the same messages for empty and short files
	}
	var head [4]byte
	var tail [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("%w: reading: %v", errCorrupt, err)
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("%w: reading: %v", errCorrupt, err)
	}
	footer := int64(binary.LittleEndian.Uint32(tail[:4]))
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return checkFooter(append(head[:], tail[:]...)) // the magic-byte messages
	}
	if footer <= 0 || footer > size-12 {
		return fmt.Errorf("%w: footer claims %d bytes in a %d-byte file (truncated?)", errCorrupt, footer, size)
	}
	if footer > maxFooterBytes {
		return fmt.Errorf("%w: footer claims %d bytes, more than the %d allowed", errCorrupt, footer, maxFooterBytes)
	}
	buf := make([]byte, 4+footer+8)
	copy(buf, head[:])
	if _, err := r.ReadAt(buf[4:4+footer], size-8-footer); err != nil {
		return fmt.Errorf("%w: reading footer: %v", errCorrupt, err)
	}
	copy(buf[4+footer:], tail[:])
	return checkFooter(buf)
}

// Name returns the file's name as used in errors.
func (f *ResultFile) Name() string { return f.name }

// NumRows returns the number of rows in the file.
func (f *ResultFile) NumRows() int64 { return f.pf.NumRows() }

// NumRowGroups returns the number of row groups in the file.
func (f *ResultFile) NumRowGroups() int { return len(f.groups) }

// Provenance returns the provenance recorded in the file's metadata.
func (f *ResultFile) Provenance() Provenance { return f.prov }

// Close releases the file. A ResultFile made by OpenResults does not close its reader.
func (f *ResultFile) Close() error {
	if f.cache != nil {
		f.cache.forget(f.id)
	}
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// ResultFilter selects rows of a result file (forecast.ResultFilter, its one home).
type ResultFilter = forecast.ResultFilter

// overlaps reports whether any name the list selects may lie in [st.min, st.max].
func overlaps(list []string, st *stringStat) bool {
	if len(list) == 0 || st == nil {
		return true
	}
	for _, x := range list {
		if p, ok := strings.CutSuffix(x, "*"); ok {
			// Strings starting with p lie in [p, the first string after every p-prefixed one).
			if st.max >= p && (st.min <= p || strings.HasPrefix(st.min, p)) {
				return true
			}
		} else if x >= st.min && x <= st.max {
			return true
		}
	}
	return false
}

// skipGroup reports whether the filter rules out every row of the group from its statistics.
func skipGroup(flt *ResultFilter, g *groupInfo) bool {
	if g.yearKnown {
		if flt.YearFrom != 0 && g.yearMax < int64(flt.YearFrom) {
			return true
		}
		if flt.YearTo != 0 && g.yearMin > int64(flt.YearTo) {
			return true
		}
	}
	return !overlaps(flt.Areas, g.str[rcArea]) || !overlaps(flt.Measures, g.str[rcMeasure]) ||
		!overlaps(flt.Sexes, g.str[rcSex]) || !overlaps(flt.AgeBands, g.str[rcAgeBand])
}

// ScanOptions say where a scan starts and whether it uses the file's cache.
type ScanOptions struct {
	// From is the position (0-based row number in the file) of the first row to consider.
	From int64
	// Uncached bypasses the file's ResultCache: for one-off scans of whole files (exports),
	// which would otherwise push out the row groups that pages reuse.
	Uncached bool
}

// Scan calls fn with each row that passes the filter, in file order, starting at opts.From,
// until fn returns false or the rows end. pos is the row's position in the file. Row groups
// that the filter rules out by their statistics are not read; the others are read and decoded
// one at a time. Scan returns ctx's error if ctx is done between row groups, and a
// *ValidationError if a row group is corrupt.
func (f *ResultFile) Scan(ctx context.Context, flt ResultFilter, opts ScanOptions, fn func(pos int64, row forecast.ResultRow) bool) error {
	for g := range f.groups {
		gi := &f.groups[g]
		if gi.first+gi.rows <= opts.From || skipGroup(&flt, gi) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dg, err := f.group(g, opts.Uncached)
		if err != nil {
			return err
		}
		if !dg.scan(&flt, max(0, opts.From-gi.first), gi.first, fn) {
			return nil
		}
	}
	return nil
}

// Page returns up to limit rows that pass the filter, starting at position from, and the
// position at which the next page starts (0 when there are no more rows).
func (f *ResultFile) Page(ctx context.Context, flt ResultFilter, from int64, limit int) ([]forecast.ResultRow, int64, error) {
	if limit <= 0 {
		return nil, 0, errors.New("results: page limit must be positive")
	}
	rows := make([]forecast.ResultRow, 0, min(limit, 1024))
	var next int64
	err := f.Scan(ctx, flt, ScanOptions{From: from}, func(pos int64, r forecast.ResultRow) bool {
		if len(rows) == limit {
			next = pos
			return false
		}
		rows = append(rows, r)
		return true
	})
	if err != nil {
		return nil, 0, err
	}
	return rows, next, nil
}

// decodedGroup is one row group decoded into columns (string columns interned per group).
type decodedGroup struct {
	rows int
	cols [numResultCols]column
	size int64 // approximate bytes held
}

// group returns row group g decoded, from the cache when it can.
func (f *ResultFile) group(g int, uncached bool) (*decodedGroup, error) {
	if f.cache == nil || uncached {
		return f.decode(g)
	}
	return f.cache.get(cacheKey{file: f.id, group: g}, func() (*decodedGroup, error) { return f.decode(g) })
}

// decode checks (once) and decodes row group g.
func (f *ResultFile) decode(g int) (dg *decodedGroup, err error) {
	fileProblem := func(col, msg string) error {
		return &ValidationError{File: f.name, Problems: []Problem{{File: f.name, Column: col, Rule: RuleCorrupt, Message: msg}}}
	}
	if err := f.verify(g); err != nil {
		return nil, fileProblem("", fmt.Sprintf("row group %d: %v", g, err))
	}
	defer func() {
		if p := recover(); p != nil {
			dg, err = nil, fileProblem("", fmt.Sprintf("%v: row group %d: the parquet library could not decode it: %v", errCorrupt, g, p))
		}
	}()
	f.decodes.Add(1)
	rg := f.pf.RowGroups()[g]
	rows := f.groups[g].rows
	dg = &decodedGroup{rows: int(rows)}
	chunks := rg.ColumnChunks()
	buf := make([]parquet.Value, 1024)
	for i, s := range resultSpecs {
		c := &dg.cols[i]
		c.spec = s
		switch s.typ {
		case colString:
			c.ids = make([]uint32, 0, rows)
			c.idx = map[string]uint32{}
		case colInt:
			c.ints = make([]int64, 0, rows)
		case colFloat:
			c.nums = make([]float64, 0, rows)
		}
		if err := readChunk(chunks[f.index[i]], c, rows, buf); err != nil {
			return nil, fileProblem(s.name, fmt.Sprintf("row group %d: %v", g, err))
		}
		if c.len() != int(rows) {
			return nil, fileProblem(s.name, fmt.Sprintf("%v: row group %d holds %d values for %d rows", errCorrupt, g, c.len(), rows))
		}
		c.idx = nil // not needed once decoded
		dg.size += int64(len(c.ids))*4 + int64(len(c.ints))*8 + int64(len(c.nums))*8
		for _, s := range c.dict {
			dg.size += int64(len(s)) + 16
		}
	}
	return dg, nil
}

// verify checks row group g's page headers against their declared sizes, once per file.
func (f *ResultFile) verify(g int) error {
	f.mu.Lock()
	done := f.verified[g]
	f.mu.Unlock()
	if done {
		return nil
	}
	gi := &f.groups[g]
	data := make([]byte, gi.end-gi.start)
	if _, err := f.r.ReadAt(data, gi.start); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	md := f.pf.Metadata()
	budget := maxExpansion*(gi.end-gi.start) + expansionFloor
	for i, ci := range f.index {
		cc := &md.RowGroups[g].Columns[ci]
		if err := checkChunkPages(data, gi.start, f.size, &cc.MetaData,
			pageLimits{maxUncompressed: maxPageBytes, maxValues: gi.rows, budget: &budget}); err != nil {
			return fmt.Errorf("column %s: %w", resultSpecs[i].name, err)
		}
	}
	f.mu.Lock()
	f.verified[g] = true
	f.mu.Unlock()
	return nil
}

// scan calls fn with the group's rows from index from that pass the filter; it returns false
// if fn asked to stop.
func (dg *decodedGroup) scan(flt *ResultFilter, from int64, first int64, fn func(int64, forecast.ResultRow) bool) bool {
	// Per distinct value, whether it passes: one test per value, not per row.
	pass := func(c *column, list []string) []bool {
		if len(list) == 0 {
			return nil
		}
		ok := make([]bool, len(c.dict))
		for i, s := range c.dict {
			ok[i] = forecast.MatchName(list, s)
		}
		if !slices.Contains(ok, true) {
			return ok[:0]
		}
		return ok
	}
	var tests [][]bool
	var cols []*column
	for _, t := range []struct {
		col  int
		list []string
	}{{rcArea, flt.Areas}, {rcMeasure, flt.Measures}, {rcSex, flt.Sexes}, {rcAgeBand, flt.AgeBands}} {
		ok := pass(&dg.cols[t.col], t.list)
		if ok == nil {
			continue
		}
		if len(ok) == 0 {
			return true // no value in this group passes
		}
		tests = append(tests, ok)
		cols = append(cols, &dg.cols[t.col])
	}
	years := dg.cols[rcYear].ints
	c := &dg.cols
	for i := int(from); i < dg.rows; i++ {
		y := years[i]
		if (flt.YearFrom != 0 && y < int64(flt.YearFrom)) || (flt.YearTo != 0 && y > int64(flt.YearTo)) {
			continue
		}
		keep := true
		for k, ok := range tests {
			if !ok[cols[k].ids[i]] {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		row := forecast.ResultRow{
			ScenarioID: c[rcScenario].str(i), RunID: c[rcRun].str(i), AreaCode: c[rcArea].str(i),
			AreaName: c[rcAreaName].str(i), Year: int(y), Measure: c[rcMeasure].str(i), Unit: c[rcUnit].str(i),
			Sex: c[rcSex].str(i), AgeBand: c[rcAgeBand].str(i),
			Mean: c[rcMean].nums[i], P10: c[rcP10].nums[i], P50: c[rcP50].nums[i], P90: c[rcP90].nums[i],
		}
		if !fn(first+int64(i), row) {
			return false
		}
	}
	return true
}

// ResultCache keeps decoded row groups of result files in memory, least recently used first
// out, up to a size in bytes. Pages of a stored run's results then cost a lookup and a filter,
// not a decode. It is safe for concurrent use; concurrent requests for the same row group
// decode it once.
type ResultCache struct {
	max int64

	mu      sync.Mutex
	size    int64
	entries map[cacheKey]*cacheEntry
	tick    uint64
}

type cacheKey struct {
	file  uint64
	group int
}

type cacheEntry struct {
	ready  chan struct{} // closed when g or err is set
	g      *decodedGroup
	err    error
	used   uint64 // c.tick when last asked for; under c.mu
	loaded bool   // g is set and counted in c.size; under c.mu
}

// NewResultCache returns a cache holding up to maxBytes of decoded rows (about 80 bytes a row).
func NewResultCache(maxBytes int64) *ResultCache {
	return &ResultCache{max: maxBytes, entries: map[cacheKey]*cacheEntry{}}
}

// Size returns the bytes the cache holds now.
func (c *ResultCache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func (c *ResultCache) get(k cacheKey, load func() (*decodedGroup, error)) (*decodedGroup, error) {
	c.mu.Lock()
	c.tick++
	if e, ok := c.entries[k]; ok {
		e.used = c.tick
		c.mu.Unlock()
		<-e.ready
		return e.g, e.err
	}
	e := &cacheEntry{ready: make(chan struct{}), used: c.tick}
	c.entries[k] = e
	c.mu.Unlock()

	e.g, e.err = load()
	close(e.ready)

	c.mu.Lock()
	defer c.mu.Unlock()
	if e.err != nil || e.g.size > c.max {
		if c.entries[k] == e {
			delete(c.entries, k)
		}
		return e.g, e.err
	}
	if c.entries[k] != e { // forgotten while loading
		return e.g, nil
	}
	e.loaded = true
	c.size += e.g.size
	for c.size > c.max {
		c.evictOldest()
	}
	return e.g, nil
}

// evictOldest drops the least recently used loaded entry. c.mu is held.
func (c *ResultCache) evictOldest() {
	var oldest cacheKey
	var found *cacheEntry
	for k, e := range c.entries {
		if !e.loaded {
			continue
		}
		if found == nil || e.used < found.used {
			oldest, found = k, e
		}
	}
	if found == nil {
		c.size = 0
		return
	}
	delete(c.entries, oldest)
	c.size -= found.g.size
}

// forget drops every entry of a file.
func (c *ResultCache) forget(file uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if k.file == file {
			delete(c.entries, k)
			if e.loaded {
				c.size -= e.g.size
			}
		}
	}
}
