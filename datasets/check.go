package datasets

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// checker reads typed values out of a table, row by row, reporting every problem it meets.
type checker struct {
	t    *table
	r    *reporter
	opts ReadOptions
}

var (
	areaCodeRe = regexp.MustCompile(`^[EWSNK][0-9]{8}$`)
	slugRe     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	dateRe     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// maxSlug is the longest identifier (measure, service, unit) a dataset may use.
const maxSlug = 64

// Year bounds accepted in any dataset.
const (
	minYear = 1900
	maxYear = 2200
)

// full reports whether the problem limit has been reached, so that loops can stop early.
func (c *checker) full() bool { return c.r.full }

func (c *checker) isNull(col *column, i int) bool { return col.null != nil && col.null[i] }

// String checks are computed once per distinct value of a column and remembered.
type strCheck uint8

const (
	chkRequired strCheck = iota
	chkOptional
	chkEnum
	chkSlug
	chkArea
	chkDate
	chkBand
	numChecks
)

type memoVal struct {
	done bool
	rule Rule
	msg  string
}

// check runs fn on row i's string (once per distinct value) and reports its verdict for the row.
func (c *checker) check(col *column, i int, kind strCheck, fn func(s string) (Rule, string)) string {
	if c.isNull(col, i) {
		if kind != chkOptional && kind != chkDate {
			c.r.add(i+1, col.spec.name, RuleNull, "value is null; a %s is required", col.spec.name)
		}
		return ""
	}
	id := col.ids[i]
	v := c.verdict(col, id, kind, fn)
	if v.rule != "" {
		c.r.add(i+1, col.spec.name, v.rule, "%s", v.msg)
		if v.rule == RuleFormat && v.msg == "value is not valid UTF-8" {
			return ""
		}
	}
	return col.dict[id]
}

// verdict is check's verdict on the column's distinct value id, computed once.
func (c *checker) verdict(col *column, id uint32, kind strCheck, fn func(s string) (Rule, string)) *memoVal {
	if col.memo == nil {
		col.memo = make([][]memoVal, numChecks)
	}
	m := col.memo[kind]
	if m == nil {
		m = make([]memoVal, len(col.dict))
		col.memo[kind] = m
	}
	v := &m[id]
	if !v.done {
		s := col.dict[id]
		switch {
		case !validUTF8(s):
			v.rule, v.msg = RuleFormat, "value is not valid UTF-8"
		case s == "" && kind != chkOptional && kind != chkDate:
			v.rule, v.msg = RuleEmpty, fmt.Sprintf("value is empty; a %s is required", col.spec.name)
		case s != "" && fn != nil:
			v.rule, v.msg = fn(s)
		}
		v.done = true
	}
	return v
}

// clean says whether every value of a string column passes a check: no nulls and no distinct
// value with a problem. A row of a clean column needs no check of its own (check would report
// nothing), so large files skip the per-row work.
func (c *checker) clean(col *column, kind strCheck, fn func(s string) (Rule, string)) bool {
	if col.null != nil {
		return false
	}
	for id := range col.dict {
		if c.verdict(col, uint32(id), kind, fn).rule != "" {
			return false
		}
	}
	return true
}

// str returns a required, non-empty, valid UTF-8 string.
func (c *checker) str(col *column, i int) string { return c.check(col, i, chkRequired, nil) }

// optStr returns a string that may be null or empty ("" either way).
func (c *checker) optStr(col *column, i int) string { return c.check(col, i, chkOptional, nil) }

// enum returns a required string that must be one of allowed.
func (c *checker) enum(col *column, i int, allowed ...string) string {
	return c.check(col, i, chkEnum, enumRule(allowed))
}

func enumRule(allowed []string) func(s string) (Rule, string) {
	return func(s string) (Rule, string) {
		if !slices.Contains(allowed, s) {
			return RuleEnum, fmt.Sprintf("%s is not one of %s", quote(s), strings.Join(allowed, ", "))
		}
		return "", ""
	}
}

// slug returns a required lower-case identifier such as a measure or service name.
func (c *checker) slug(col *column, i int) string {
	return c.check(col, i, chkSlug, func(s string) (Rule, string) {
		if len(s) > maxSlug || !slugRe.MatchString(s) {
			return RuleFormat, fmt.Sprintf("%s is not a lower-case identifier (letters, digits, underscores; at most 64)", quote(s))
		}
		return "", ""
	})
}

// area returns a required GSS area code, checked for shape and, when known areas are given,
// for existence.
func (c *checker) area(col *column, i int) string { return c.check(col, i, chkArea, c.areaRule) }

func (c *checker) areaRule(s string) (Rule, string) {
	if !areaCodeRe.MatchString(s) {
		return RuleFormat, fmt.Sprintf("%s is not a GSS area code (a letter and 8 digits, e.g. E06000001)", quote(s))
	}
	if c.opts.KnownAreas != nil && !c.opts.KnownAreas[s] {
		return RuleUnknownArea, fmt.Sprintf("area %s is not in the areas table", quote(s))
	}
	return "", ""
}

// date returns an optional ISO date (YYYY-MM-DD) string.
func (c *checker) date(col *column, i int) string {
	return c.check(col, i, chkDate, func(s string) (Rule, string) {
		if !dateRe.MatchString(s) {
			return RuleFormat, fmt.Sprintf("%s is not a date in the form YYYY-MM-DD", quote(s))
		}
		return "", ""
	})
}

// band returns a required age band such as "65+" or "18-64".
func (c *checker) band(col *column, i int) string {
	return c.check(col, i, chkBand, func(s string) (Rule, string) {
		if _, err := parseAgeBand(s); err != nil {
			return RuleFormat, err.Error()
		}
		return "", ""
	})
}

// int returns a required integer within [lo, hi]; outside it the problem carries rule.
func (c *checker) int(col *column, i int, lo, hi int64, rule Rule) int64 {
	if c.isNull(col, i) {
		c.r.add(i+1, col.spec.name, RuleNull, "value is null; an integer is required")
		return lo
	}
	v := col.ints[i]
	if v < lo || v > hi {
		c.r.add(i+1, col.spec.name, rule, "%d is outside %d..%d", v, lo, hi)
	}
	return v
}

// num returns a required finite number.
func (c *checker) num(col *column, i int) float64 {
	if c.isNull(col, i) {
		c.r.add(i+1, col.spec.name, RuleNull, "value is null; a number is required")
		return 0
	}
	v := col.nums[i]
	if math.IsNaN(v) || math.IsInf(v, 0) {
		c.r.add(i+1, col.spec.name, RuleRange, "%v is not a finite number", v)
		return 0
	}
	return v
}

// optNum returns a number that may be null (ok false).
func (c *checker) optNum(col *column, i int) (v float64, ok bool) {
	if c.isNull(col, i) {
		return 0, false
	}
	v = col.nums[i]
	if math.IsNaN(v) {
		return 0, false
	}
	if math.IsInf(v, 0) {
		c.r.add(i+1, col.spec.name, RuleRange, "%v is not a finite number", v)
		return 0, false
	}
	return v, true
}

// count returns a required number that must not be negative.
func (c *checker) count(col *column, i int) float64 {
	v := c.num(col, i)
	if v < 0 {
		c.r.add(i+1, col.spec.name, RuleNegative, "%v is negative; counts cannot be", v)
	}
	return v
}

// rate returns a required number within [0,1].
func (c *checker) rate(col *column, i int) float64 {
	v := c.num(col, i)
	if v < 0 || v > 1 {
		c.r.add(i+1, col.spec.name, RuleRate, "%v is outside [0,1]; rates are per person", v)
	}
	return v
}

// year returns a required calendar year.
func (c *checker) year(col *column, i int) int32 {
	return int32(c.int(col, i, minYear, maxYear, RuleRange))
}

// rowKey packs row i's values of cols into a comparable key: string columns by their id,
// integer columns by value. At most len(rowKey{}) columns.
type rowKey [7]uint32

func keyOf(i int, cols ...*column) rowKey {
	var k rowKey
	for j, col := range cols {
		if col.spec.typ == colString {
			k[j] = col.ids[i]
		} else {
			k[j] = uint32(col.ints[i])
		}
	}
	return k
}

// keyViews gives each column of cols as the uint32 values keyOf packs (string columns' ids,
// integer columns truncated), so that row comparisons need no per-column type switch.
func keyViews(cols ...*column) [][]uint32 {
	views := make([][]uint32, len(cols))
	for j, col := range cols {
		if col.spec.typ == colString {
			views[j] = col.ids
			continue
		}
		if col.key == nil {
			col.key = make([]uint32, len(col.ints))
			for i, v := range col.ints {
				col.key[i] = uint32(v)
			}
		}
		views[j] = col.key
	}
	return views
}

// sameRow says whether rows i and j agree in every view, as their keyOf would.
func sameRow(i, j int, views [][]uint32) bool {
	for _, v := range views {
		if v[i] != v[j] {
			return false
		}
	}
	return true
}

// cmpRowsAt compares rows i and j by views, as cmpKey compares their keyOf, and says at which
// view they first differ (len(views) if at none).
func cmpRowsAt(i, j int, views [][]uint32) (d, at int) {
	for k, v := range views {
		if a, b := v[i], v[j]; a != b {
			if a < b {
				return -1, k
			}
			return 1, k
		}
	}
	return 0, len(views)
}

// describeKey renders a key for messages.
func describeKey(k rowKey, cols ...*column) string {
	parts := make([]string, 0, len(cols))
	for j, col := range cols {
		switch {
		case col.spec.typ != colString:
			parts = append(parts, fmt.Sprintf("%s %d", col.spec.name, int32(k[j])))
		case col.dict[k[j]] != "":
			parts = append(parts, col.spec.name+" "+col.dict[k[j]])
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// dupCheck reports rows whose key columns repeat an earlier row's, naming the first. Files
// sorted by their key (as carecast writes them: pass the columns in sort order) are checked in
// one pass with no extra memory; others are sorted by key first.
func (c *checker) dupCheck(cols ...*column) { c.dupCheckRuns(0, cols...) }

// dupCheckRuns is dupCheck that also measures, when the rows are in key order with no repeat,
// the runs of rows that share the first prefix key columns: it returns their common length, or
// 0 if the rows are not so ordered, repeat, or the runs differ in length. A grid check on
// those columns, of a file whose key values all passed, then knows from the length alone
// whether every group is complete (see decodePopulation).
func (c *checker) dupCheckRuns(prefix int, cols ...*column) (run int) {
	n := c.t.rows
	report := func(first, i int, k rowKey) {
		c.r.add(i+1, cols[len(cols)-1].spec.name, RuleDuplicate, "duplicate key %s (first at row %d)", describeKey(k, cols...), first+1)
	}
	// One pass while the rows are in key order (as carecast writes them), noting repeats; the
	// first row out of order sends the file to the sort below.
	sorted := true
	var repeats [][2]int32 // (first row, duplicate row)
	uniform := prefix > 0 && n > 0
	start := 0 // the first row of the current run
	if n > 0 {
		first, views := 0, keyViews(cols...)
		for i := 1; i < n && sorted; i++ {
			d, at := cmpRowsAt(i-1, i, views)
			switch {
			case d > 0:
				sorted = false
			case d == 0:
				repeats = append(repeats, [2]int32{int32(first), int32(i)})
			default:
				first = i
				if uniform && at < prefix {
					if run == 0 {
						run = i - start
					} else if i-start != run {
						uniform = false
					}
					start = i
				}
			}
		}
	}
	if sorted {
		for _, d := range repeats {
			if c.full() {
				return 0
			}
			report(int(d[0]), int(d[1]), keyOf(int(d[1]), cols...))
		}
		if !uniform || len(repeats) > 0 {
			return 0
		}
		if run == 0 {
			run = n // one run
		} else if n-start != run {
			return 0
		}
		return run
	}
	keys := make([]rowKey, n)
	idx := make([]int32, n)
	for i := range n {
		keys[i], idx[i] = keyOf(i, cols...), int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return cmpKey(keys[a], keys[b]) })
	var dups [][2]int32 // (first row, duplicate row)
	for j := 1; j < n; j++ {
		if keys[idx[j]] == keys[idx[j-1]] {
			first := j - 1
			for first > 0 && keys[idx[first-1]] == keys[idx[j]] {
				first--
			}
			dups = append(dups, [2]int32{idx[first], idx[j]})
		}
	}
	slices.SortFunc(dups, func(a, b [2]int32) int { return int(a[1] - b[1]) })
	for _, d := range dups {
		if c.full() {
			return 0
		}
		report(int(d[0]), int(d[1]), keys[d[1]])
	}
	return 0
}

func cmpKey(a, b rowKey) int {
	for j := range a {
		if a[j] != b[j] {
			if a[j] < b[j] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// ageBand is a parsed age band such as "65+" or "18-64".
type ageBand struct{ from, to int }

// parseAgeBand reads "a-b" or "a+" (to OpenAge) and checks 0 ≤ a ≤ b ≤ 90.
func parseAgeBand(s string) (ageBand, error) {
	var b ageBand
	if from, ok := strings.CutSuffix(s, "+"); ok {
		if _, err := fmt.Sscanf(from, "%d", &b.from); err != nil || fmt.Sprint(b.from) != from {
			return b, fmt.Errorf("%s is not an age band like 65+ or 18-64", quote(s))
		}
		b.to = 90
	} else {
		lo, hi, ok := strings.Cut(s, "-")
		if !ok {
			return b, fmt.Errorf("%s is not an age band like 65+ or 18-64", quote(s))
		}
		if _, err := fmt.Sscanf(lo, "%d", &b.from); err != nil || fmt.Sprint(b.from) != lo {
			return b, fmt.Errorf("%s is not an age band like 65+ or 18-64", quote(s))
		}
		if _, err := fmt.Sscanf(hi, "%d", &b.to); err != nil || fmt.Sprint(b.to) != hi {
			return b, fmt.Errorf("%s is not an age band like 65+ or 18-64", quote(s))
		}
	}
	if b.from < 0 || b.to > 90 || b.from > b.to {
		return b, fmt.Errorf("age band %s is outside 0..90 or reversed", quote(s))
	}
	return b, nil
}

// rateInterval reads row i's optional interval of a rate (columns rlo, rhi): both or neither,
// each in [0, 1], holding rate. It returns nil pointers when there is none or it is refused.
func (c *checker) rateInterval(rlo, rhi *column, i int, rate float64) (*float64, *float64) {
	lo, okLo := c.optNum(rlo, i)
	hi, okHi := c.optNum(rhi, i)
	switch {
	case okLo != okHi:
		c.r.add(i+1, "rate_lo", RuleInconsistent, "give both rate_lo and rate_hi, or neither")
	case okLo:
		if lo < 0 || lo > 1 {
			c.r.add(i+1, "rate_lo", RuleRate, "%v is outside [0,1]", lo)
		}
		if hi < 0 || hi > 1 {
			c.r.add(i+1, "rate_hi", RuleRate, "%v is outside [0,1]", hi)
		}
		if lo > rate || hi < rate {
			c.r.add(i+1, "rate_lo", RuleInconsistent, "interval [%v, %v] does not contain the rate %v", lo, hi, rate)
		}
		return &lo, &hi
	}
	return nil, nil
}

// ageOrder refuses row i when its band's age_to is below its age_from.
func (c *checker) ageOrder(i int, from, to int32) {
	if from > to {
		c.r.add(i+1, "age_to", RuleInconsistent, "age_to %d is below age_from %d", to, from)
	}
}
