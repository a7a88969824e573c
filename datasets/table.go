package datasets

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// colType is the logical type of a canonical column.
type colType uint8

const (
	colString colType = iota
	colInt
	colFloat
)

func (t colType) String() string {
	switch t {
	case colString:
		return "string"
	case colInt:
		return "integer"
	case colFloat:
		return "number"
	}
	return "?"
}

// colSpec describes one canonical column.
type colSpec struct {
	name     string
	typ      colType
	optional bool // nulls allowed
	doc      string
}

// table is a file's columns, decoded into plain slices, in canonical column order.
type table struct {
	rows int
	cols []column

	// CSV files only: problems met while parsing lines and cells, in row order; rows whose line
	// could not be read (skip); cells whose text is not of the column's type (mute). The
	// checker reports nothing more about those rows and cells (see reporter.seed).
	problems []Problem
	skip     []int
	mute     []cellRef
}

type column struct {
	spec colSpec
	ids  []uint32          // string columns: index into dict, per row
	dict []string          // string columns: distinct values in order of first appearance
	idx  map[string]uint32 // string columns: dict lookup
	ints []int64
	key  []uint32 // integer columns: ints as keyOf packs them, made by keyViews
	nums []float64
	null []bool // nil unless the file's column is optional

	memo [][]memoVal // string checks by strCheck, computed once per distinct value
}

// str returns row i's string.
func (c *column) str(i int) string { return c.dict[c.ids[i]] }

func (t *table) col(name string) *column {
	for i := range t.cols {
		if t.cols[i].spec.name == name {
			return &t.cols[i]
		}
	}
	panic("datasets: no column " + name) // broken contract: specs and decoders disagree
}

// ReadOptions bound and inform a read.
type ReadOptions struct {
	// Name is the file name used in problems; "" reads as "input".
	Name string
	// MaxBytes caps the file size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxProblems caps how many problems are collected before reading stops; 0 means 100.
	MaxProblems int
	// KnownAreas, when not nil, is the set of area codes rows may refer to; any other code is a
	// problem. The areas kind itself ignores it.
	KnownAreas map[string]bool
	// MaxRows caps the rows a file may hold, checked against its footer before anything is
	// decoded; 0 means DefaultMaxRows.
	MaxRows int64
	// Format says how the file is encoded; InputAuto (the zero value) tells Parquet from CSV
	// by the magic bytes (see InputAuto).
	Format InputFormat
}

// DefaultMaxBytes is the default cap on a dataset file's size (256 MiB).
const DefaultMaxBytes = 256 << 20

// DefaultMaxRows is the default cap on a dataset file's rows: 1,048,576, four times the
// largest embedded dataset (population_totals, 269,616 rows) and enough for every district's
// single-year population over 14 years. Validating an unsorted file at the cap allocates about
// 185 MiB (TestValidateAtRowCapWithinBound, BenchmarkValidateAtRowCap), whatever its size in bytes.
const DefaultMaxRows = 1 << 20

// bytesPerRow bounds the heap a read and its checks take for each row: the decoded columns,
// the records, the key checks and the summary (measured at 154 to 220 bytes a row on the
// embedded datasets and 186 on a million unsorted population rows; AllocBound allows 256).
const bytesPerRow = 256

// Memory bounds. A file may hold at most MaxRows rows, and claim at most maxRowsPerByte rows
// for each byte it holds (real files hold well under 2: the default dataset's densest has 0.5
// rows a byte), with a floor of maxRowsFloor rows; both are checked against the footer before
// any page is decoded. A page may declare at most maxPageBytes uncompressed bytes, and all
// pages together at most maxExpansion times the file's size. With these, a read allocates at
// most AllocBound(size, opts) bytes (checked by FuzzRead on every input and by the bomb tests).
const (
	maxRowsPerByte = 4
	maxRowsFloor   = 1 << 16
	maxPageBytes   = 64 << 20
)

// AllocBound is the most a read of a size-byte file with opts may allocate in all: the pages
// it decompresses (at most maxExpansion times the size, plus a floor), bytesPerRow for each
// row it may hold, and a constant for buffers. The row term is fixed by MaxRows, not by what
// the file claims, so a file that claims billions of rows costs no more than one at the cap.
func AllocBound(size int, opts ReadOptions) uint64 {
	rows := min(opts.maxRows(), max(int64(size)*maxRowsPerByte, maxRowsFloor))
	return uint64(maxExpansion)*uint64(size) + expansionFloor + bytesPerRow*uint64(rows) + 64<<20
}

func (o ReadOptions) maxRows() int64 {
	if o.MaxRows <= 0 {
		return DefaultMaxRows
	}
	return o.MaxRows
}

func (o ReadOptions) name() string {
	if o.Name == "" {
		return "input"
	}
	return o.Name
}

func (o ReadOptions) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

func (o ReadOptions) maxProblems() int {
	if o.MaxProblems <= 0 {
		return 100
	}
	return o.MaxProblems
}

// readAllCapped reads r up to max bytes, and fails with a clear error past that.
func readAllCapped(r io.Reader, max int64, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, &ValidationError{File: name, Problems: []Problem{{File: name, Rule: RuleTooLarge,
			Message: fmt.Sprintf("file is larger than the %d-byte limit", max)}}}
	}
	return data, nil
}

// readTable decodes data as a Parquet file with the given canonical columns. Problems with the
// file as a whole (corrupt bytes, missing columns, wrong types) come back as a *ValidationError.
func readTable(data []byte, specs []colSpec, opts ReadOptions) (t *table, err error) {
	switch f := formatOf(data, opts); f {
	case InputCSV:
		return readCSVTable(data, specs, opts)
	case InputParquet:
	default:
		return nil, &ValidationError{File: opts.name(), Problems: []Problem{{File: opts.name(), Rule: RuleCorrupt,
			Message: fmt.Sprintf("unknown format %s; want csv or parquet", quote(string(f)))}}}
	}
	name := opts.name()
	fileProblem := func(rule Rule, col, msg string) error {
		return &ValidationError{File: name, Problems: []Problem{{File: name, Column: col, Rule: rule, Message: msg}}}
	}
	if int64(len(data)) > opts.maxBytes() {
		return nil, fileProblem(RuleTooLarge, "", fmt.Sprintf("file is %d bytes, larger than the %d-byte limit", len(data), opts.maxBytes()))
	}
	if err := checkFooter(data); err != nil {
		return nil, fileProblem(RuleCorrupt, "", err.Error())
	}
	defer func() {
		// The checks above bound what the library is asked to do, but it may still panic on
		// bytes it cannot decode; that is a corrupt file, reported as such, never a crash.
		if p := recover(); p != nil {
			t, err = nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: the parquet library could not decode it: %v", errCorrupt, p))
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)),
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(4096))
	if err != nil {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: %v", errCorrupt, err))
	}
	md := f.Metadata()
	if md.NumRows > opts.maxRows() {
		return nil, fileProblem(RuleTooManyRows, "", fmt.Sprintf("the file holds %d rows, more than the %d-row limit; split it by area or year", md.NumRows, opts.maxRows()))
	}
	maxRows := max(int64(len(data))*maxRowsPerByte, maxRowsFloor)
	if md.NumRows < 0 || md.NumRows > maxRows {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: it claims %d rows, more than a %d-byte file can hold", errCorrupt, md.NumRows, len(data)))
	}

	// Schema: every canonical column present, by name, with a compatible type.
	root := f.Root()
	index, problems := checkSchema(root, specs, name, false)
	if len(problems) > 0 {
		return nil, &ValidationError{File: name, Problems: problems}
	}

	// Every column chunk's pages must fit the chunk and the limits before any is decoded.
	var total int64
	budget := maxExpansion*int64(len(data)) + expansionFloor
	for g, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row group %d has a negative row count", errCorrupt, g))
		}
		total += rg.NumRows
		for _, i := range index {
			if i >= len(rg.Columns) {
				return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row group %d lacks column %d", errCorrupt, g, i))
			}
			cc := &rg.Columns[i]
			if cc.FilePath != "" {
				return nil, fileProblem(RuleCorrupt, "", "column chunks stored in other files are not supported")
			}
			if cc.MetaData.NumValues != rg.NumRows {
				return nil, fileProblem(RuleCorrupt, specs[0].name, fmt.Sprintf("%v: row group %d column %d holds %d values for %d rows", errCorrupt, g, i, cc.MetaData.NumValues, rg.NumRows))
			}
			if err := checkPages(data, &cc.MetaData, pageLimits{maxUncompressed: maxPageBytes, maxValues: rg.NumRows, budget: &budget}); err != nil {
				return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("row group %d, column %d: %v", g, i, err))
			}
		}
	}
	if total != md.NumRows {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: row groups hold %d rows but the footer says %d", errCorrupt, total, md.NumRows))
	}

	t = &table{rows: int(md.NumRows), cols: make([]column, len(specs))}
	for i, s := range specs {
		c := &t.cols[i]
		c.spec = s
		switch s.typ {
		case colString:
			c.ids = make([]uint32, 0, t.rows)
			c.idx = map[string]uint32{}
		case colInt:
			c.ints = make([]int64, 0, t.rows)
		case colFloat:
			c.nums = make([]float64, 0, t.rows)
		}
		if root.Column(s.name).Optional() {
			c.null = make([]bool, 0, t.rows)
		}
	}
	// Each column is decoded by a goroutine of its own: they share nothing but the file's
	// bytes, and a large file's columns then take both cores.
	groups := f.RowGroups()
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i := range specs {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil { // as above, for this goroutine
					errs[i] = fileProblem(RuleCorrupt, "", fmt.Sprintf("%v: the parquet library could not decode it: %v", errCorrupt, p))
				}
			}()
			buf := make([]parquet.Value, 1024)
			for g, rg := range groups {
				if err := readChunk(rg.ColumnChunks()[index[i]], &t.cols[i], rg.NumRows(), buf); err != nil {
					errs[i] = fileProblem(RuleCorrupt, specs[i].name, fmt.Sprintf("row group %d: %v", g, err))
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i := range t.cols {
		if n := t.cols[i].len(); n != t.rows {
			return nil, fileProblem(RuleCorrupt, specs[i].name, fmt.Sprintf("%v: column holds %d values for %d rows", errCorrupt, n, t.rows))
		}
	}
	return t, nil
}

func (c *column) len() int {
	switch c.spec.typ {
	case colString:
		return len(c.ids)
	case colInt:
		return len(c.ints)
	}
	return len(c.nums)
}

// readChunk appends one column chunk's values to c.
func readChunk(cc parquet.ColumnChunk, c *column, rows int64, buf []parquet.Value) error {
	pages := cc.Pages()
	defer pages.Close()
	start := c.len()
	var dict pageDict
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: reading page: %v", errCorrupt, err)
		}
		if ok, err := c.appendPage(p, &dict); ok || err != nil {
			parquet.Release(p)
			if err == nil && int64(c.len()-start) > rows {
				err = fmt.Errorf("%w: more values than rows", errCorrupt)
			}
			if err != nil {
				return err
			}
			continue
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			if int64(c.len()-start+n) > rows {
				parquet.Release(p)
				return fmt.Errorf("%w: more values than rows", errCorrupt)
			}
			for _, v := range buf[:n] {
				c.append(v)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return fmt.Errorf("%w: decoding values: %v", errCorrupt, err)
			}
			if n == 0 {
				parquet.Release(p)
				return fmt.Errorf("%w: a page yields no values", errCorrupt)
			}
		}
		parquet.Release(p)
	}
	return nil
}

// pageDict maps the dictionary of a column chunk's pages to the column's own ids, filled as
// each index is first met.
type pageDict struct {
	d   parquet.Dictionary
	ids []int64 // column id + 1 by dictionary index; 0 = not met yet
}

// appendPage appends a page's values straight from its decoded data, without a parquet.Value
// per value, where the page has no nulls and a layout it knows (dictionary-indexed strings,
// plain strings, plain INT32/INT64/FLOAT/DOUBLE numbers). It reports false, having appended
// nothing, for any other page, which the caller then reads value by value.
func (c *column) appendPage(p parquet.Page, dict *pageDict) (bool, error) {
	if p.NumNulls() != 0 {
		return false, nil
	}
	n := int(p.NumValues())
	data := p.Data()
	kind := data.Kind()
	d := p.Dictionary()
	switch {
	case d != nil:
		if c.spec.typ != colString || kind != encoding.Int32 {
			return false, nil
		}
		idx := data.Int32()
		if len(idx) != n {
			return false, nil
		}
		if dict.d != d {
			dict.d, dict.ids = d, make([]int64, d.Len())
		}
		for _, j := range idx {
			if j < 0 || int(j) >= len(dict.ids) {
				return true, fmt.Errorf("%w: dictionary index %d out of range 0..%d", errCorrupt, j, len(dict.ids)-1)
			}
			id := dict.ids[j]
			if id == 0 {
				id = int64(c.intern(d.Index(j).ByteArray())) + 1
				dict.ids[j] = id
			}
			c.ids = append(c.ids, uint32(id-1))
		}
	case kind == encoding.ByteArray:
		if c.spec.typ != colString {
			return false, nil
		}
		// The row before this page may be a null (which has id 0 and must not be repeated).
		prevNull := len(c.null) > 0 && c.null[len(c.null)-1]
		vals, offs := data.ByteArray()
		if len(offs) != n+1 {
			return false, nil
		}
		for i := range n {
			lo, hi := offs[i], offs[i+1]
			if lo > hi || int(hi) > len(vals) {
				return true, fmt.Errorf("%w: string value %d lies outside its page", errCorrupt, i)
			}
			b := vals[lo:hi]
			if k := len(c.ids); k > 0 && string(b) == c.dict[c.ids[k-1]] && (i > 0 || !prevNull) {
				c.ids = append(c.ids, c.ids[k-1])
				continue
			}
			c.ids = append(c.ids, c.intern(b))
		}
	case c.spec.typ == colInt && kind == encoding.Int32:
		for _, x := range data.Int32() {
			c.ints = append(c.ints, int64(x))
		}
	case c.spec.typ == colInt && kind == encoding.Int64:
		c.ints = append(c.ints, data.Int64()...)
	case c.spec.typ == colFloat && kind == encoding.Double:
		c.nums = append(c.nums, data.Double()...)
	case c.spec.typ == colFloat && kind == encoding.Float:
		for _, x := range data.Float() {
			c.nums = append(c.nums, float64(x))
		}
	case c.spec.typ == colFloat && kind == encoding.Int32:
		for _, x := range data.Int32() {
			c.nums = append(c.nums, float64(x))
		}
	case c.spec.typ == colFloat && kind == encoding.Int64:
		for _, x := range data.Int64() {
			c.nums = append(c.nums, float64(x))
		}
	default:
		return false, nil
	}
	if c.null != nil {
		for range n {
			c.null = append(c.null, false)
		}
	}
	return true, nil
}

// intern returns the id of string b in the column's dictionary, adding it if new.
func (c *column) intern(b []byte) uint32 {
	id, ok := c.idx[string(b)]
	if !ok {
		id = uint32(len(c.dict))
		s := string(b)
		c.dict = append(c.dict, s)
		c.idx[s] = id
	}
	return id
}

func (c *column) append(v parquet.Value) {
	isNull := v.IsNull()
	if c.null != nil {
		c.null = append(c.null, isNull)
	}
	switch c.spec.typ {
	case colString:
		var b []byte
		if !isNull {
			b = v.ByteArray()
		}
		// Sorted files repeat the previous value most of the time: skip the hash then.
		if n := len(c.ids); n > 0 && (c.null == nil || !c.null[n-1]) && string(b) == c.dict[c.ids[n-1]] && !isNull {
			c.ids = append(c.ids, c.ids[n-1])
			return
		}
		c.ids = append(c.ids, c.intern(b))
	case colInt:
		var x int64
		if !isNull {
			switch v.Kind() {
			case parquet.Int32:
				x = int64(v.Int32())
			default:
				x = v.Int64()
			}
		}
		c.ints = append(c.ints, x)
	case colFloat:
		x := math.NaN()
		if !isNull {
			switch v.Kind() {
			case parquet.Int32:
				x = float64(v.Int32())
			case parquet.Int64:
				x = float64(v.Int64())
			case parquet.Float:
				x = float64(v.Float())
			default:
				x = v.Double()
			}
		}
		c.nums = append(c.nums, x)
	}
}

// typeMismatch says why a file's column cannot hold the canonical type, or "" if it can.
// Integer columns take INT32 or INT64; number columns also take FLOAT and integers (pandas
// writes counts as int64); string columns take BYTE_ARRAY annotated as a string or not at all.
func typeMismatch(c *parquet.Column, want colType) string {
	typ := c.Type()
	kind := typ.Kind()
	lt := typ.LogicalType()
	logical := ""
	if lt != nil {
		logical = lt.String()
	}
	found := kind.String()
	if logical != "" {
		found += " (" + logical + ")"
	}
	bad := func() string { return fmt.Sprintf("column is %s; want %s", found, want) }
	switch want {
	case colString:
		if kind != parquet.ByteArray {
			return bad()
		}
		if logical != "" && logical != "STRING" && logical != "ENUM" {
			return bad()
		}
	case colInt, colFloat:
		switch kind {
		case parquet.Int32, parquet.Int64:
			if logical != "" && !strings.HasPrefix(logical, "INT") {
				return bad()
			}
		case parquet.Float, parquet.Double:
			if want == colInt {
				return bad()
			}
		default:
			return bad()
		}
	}
	return ""
}

// similarColumn finds a column in the file that is not canonical and looks like name (same
// letters ignoring case, underscores and spaces), to suggest a rename.
func similarColumn(name string, present map[string]bool, specs []colSpec) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", " ", "", "-", "").Replace(strings.ToLower(s))
	}
	canonical := map[string]bool{}
	for _, s := range specs {
		canonical[s.name] = true
	}
	var best string
	for p := range present {
		if canonical[p] {
			continue
		}
		if norm(p) == norm(name) || strings.Contains(norm(p), norm(name)) || strings.Contains(norm(name), norm(p)) {
			if best == "" || p < best {
				best = p
			}
		}
	}
	return best
}

// validUTF8 reports whether s is valid UTF-8 (string columns must be).
func validUTF8(s string) bool { return utf8.ValidString(s) }

// checkSchema finds each canonical column in a file's schema, by name and with a compatible
// type (see typeMismatch), and returns their leaf indexes or every problem: missing or renamed
// columns, nested or repeated ones, wrong types, and — with noNulls — columns that may hold
// nulls where the spec wants every value present.
func checkSchema(root *parquet.Column, specs []colSpec, name string, noNulls bool) ([]int, []Problem) {
	var problems []Problem
	index := make([]int, len(specs))
	present := map[string]bool{}
	for _, c := range root.Columns() {
		present[c.Name()] = true
	}
	for i, s := range specs {
		c := root.Column(s.name)
		if c == nil {
			msg := fmt.Sprintf("missing column %q (%s)", s.name, s.typ)
			if alt := similarColumn(s.name, present, specs); alt != "" {
				msg += fmt.Sprintf("; found %q — renamed?", alt)
			}
			problems = append(problems, Problem{File: name, Column: s.name, Rule: RuleMissingColumn, Message: msg})
			continue
		}
		if !c.Leaf() || c.Repeated() {
			problems = append(problems, Problem{File: name, Column: s.name, Rule: RuleWrongType, Message: "column is nested or repeated; want a flat " + s.typ.String()})
			continue
		}
		if msg := typeMismatch(c, s.typ); msg != "" {
			problems = append(problems, Problem{File: name, Column: s.name, Rule: RuleWrongType, Message: msg})
			continue
		}
		if noNulls && c.Optional() && !s.optional {
			problems = append(problems, Problem{File: name, Column: s.name, Rule: RuleWrongType, Message: "column may hold nulls; want every value present"})
			continue
		}
		index[i] = c.Index()
	}
	return index, problems
}
