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

// Year bounds accepted in any dataset.
const (
	minYear = 1900
	maxYear = 2200
)

// full reports whether the problem limit has been reached, so that loops can stop early.
func (c *checker) full() bool { return c.r.full }

func (c *checker) isNull(col *column, i int) bool { return col.null != nil && col.null[i] }

// str returns a required, non-empty, valid UTF-8 string.
func (c *checker) str(name string, i int) string {
	col := c.t.col(name)
	if c.isNull(col, i) {
		c.r.add(i+1, name, RuleNull, "value is null; a %s is required", name)
		return ""
	}
	s := col.str[i]
	if s == "" {
		c.r.add(i+1, name, RuleEmpty, "value is empty; a %s is required", name)
	} else if !validUTF8(s) {
		c.r.add(i+1, name, RuleFormat, "value is not valid UTF-8")
		return ""
	}
	return s
}

// optStr returns a string that may be null or empty ("" either way).
func (c *checker) optStr(name string, i int) string {
	col := c.t.col(name)
	if c.isNull(col, i) {
		return ""
	}
	s := col.str[i]
	if !validUTF8(s) {
		c.r.add(i+1, name, RuleFormat, "value is not valid UTF-8")
		return ""
	}
	return s
}

// enum returns a required string that must be one of allowed.
func (c *checker) enum(name string, i int, allowed ...string) string {
	s := c.str(name, i)
	if s != "" && !slices.Contains(allowed, s) {
		c.r.add(i+1, name, RuleEnum, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
	return s
}

// slug returns a required lower-case identifier such as a measure or service name.
func (c *checker) slug(name string, i int) string {
	s := c.str(name, i)
	if s != "" && !slugRe.MatchString(s) {
		c.r.add(i+1, name, RuleFormat, "%q is not a lower-case identifier (letters, digits, underscores)", s)
	}
	return s
}

// area returns a required GSS area code, checked for shape and, when known areas are given,
// for existence.
func (c *checker) area(name string, i int) string {
	s := c.str(name, i)
	if s == "" {
		return s
	}
	if !areaCodeRe.MatchString(s) {
		c.r.add(i+1, name, RuleFormat, "%q is not a GSS area code (a letter and 8 digits, e.g. E06000001)", s)
		return s
	}
	if c.opts.KnownAreas != nil && !c.opts.KnownAreas[s] {
		c.r.add(i+1, name, RuleUnknownArea, "area %q is not in the areas table", s)
	}
	return s
}

// int returns a required integer within [lo, hi]; outside it the problem carries rule.
func (c *checker) int(name string, i int, lo, hi int64, rule Rule) int64 {
	col := c.t.col(name)
	if c.isNull(col, i) {
		c.r.add(i+1, name, RuleNull, "value is null; an integer is required")
		return lo
	}
	v := col.ints[i]
	if v < lo || v > hi {
		c.r.add(i+1, name, rule, "%d is outside %d..%d", v, lo, hi)
	}
	return v
}

// num returns a required finite number.
func (c *checker) num(name string, i int) float64 {
	col := c.t.col(name)
	if c.isNull(col, i) {
		c.r.add(i+1, name, RuleNull, "value is null; a number is required")
		return 0
	}
	v := col.nums[i]
	if math.IsNaN(v) || math.IsInf(v, 0) {
		c.r.add(i+1, name, RuleRange, "%v is not a finite number", v)
		return 0
	}
	return v
}

// optNum returns a number that may be null (ok false).
func (c *checker) optNum(name string, i int) (v float64, ok bool) {
	col := c.t.col(name)
	if c.isNull(col, i) {
		return 0, false
	}
	v = col.nums[i]
	if math.IsNaN(v) {
		return 0, false
	}
	if math.IsInf(v, 0) {
		c.r.add(i+1, name, RuleRange, "%v is not a finite number", v)
		return 0, false
	}
	return v, true
}

// count returns a required number that must not be negative.
func (c *checker) count(name string, i int) float64 {
	v := c.num(name, i)
	if v < 0 {
		c.r.add(i+1, name, RuleNegative, "%v is negative; counts cannot be", v)
	}
	return v
}

// rate returns a required number within [0,1].
func (c *checker) rate(name string, i int) float64 {
	v := c.num(name, i)
	if v < 0 || v > 1 {
		c.r.add(i+1, name, RuleRate, "%v is outside [0,1]; rates are per person", v)
	}
	return v
}

// year returns a required calendar year.
func (c *checker) year(name string, i int) int32 {
	return int32(c.int(name, i, minYear, maxYear, RuleRange))
}

// date returns an optional ISO date (YYYY-MM-DD) string.
func (c *checker) date(name string, i int) string {
	s := c.optStr(name, i)
	if s != "" && !dateRe.MatchString(s) {
		c.r.add(i+1, name, RuleFormat, "%q is not a date in the form YYYY-MM-DD", s)
	}
	return s
}

// keys finds duplicate keys: key(i) is a comparable key for row i; the problem names the first
// row that had it.
func dupCheck[K comparable](c *checker, n int, keyCol string, key func(i int) K, describe func(K) string) {
	seen := make(map[K]int, n)
	for i := range n {
		if c.full() {
			return
		}
		k := key(i)
		if first, ok := seen[k]; ok {
			c.r.add(i+1, keyCol, RuleDuplicate, "duplicate key %s (first at row %d)", describe(k), first+1)
			continue
		}
		seen[k] = i
	}
}

// ageBand is a parsed age band such as "65+" or "18-64".
type ageBand struct{ from, to int }

// parseAgeBand reads "a-b" or "a+" (to OpenAge) and checks 0 ≤ a ≤ b ≤ 90.
func parseAgeBand(s string) (ageBand, error) {
	var b ageBand
	if from, ok := strings.CutSuffix(s, "+"); ok {
		if _, err := fmt.Sscanf(from, "%d", &b.from); err != nil || fmt.Sprint(b.from) != from {
			return b, fmt.Errorf("%q is not an age band like 65+ or 18-64", s)
		}
		b.to = 90
	} else {
		lo, hi, ok := strings.Cut(s, "-")
		if !ok {
			return b, fmt.Errorf("%q is not an age band like 65+ or 18-64", s)
		}
		if _, err := fmt.Sscanf(lo, "%d", &b.from); err != nil || fmt.Sprint(b.from) != lo {
			return b, fmt.Errorf("%q is not an age band like 65+ or 18-64", s)
		}
		if _, err := fmt.Sscanf(hi, "%d", &b.to); err != nil || fmt.Sprint(b.to) != hi {
			return b, fmt.Errorf("%q is not an age band like 65+ or 18-64", s)
		}
	}
	if b.from < 0 || b.to > 90 || b.from > b.to {
		return b, fmt.Errorf("age band %q is outside 0..90 or reversed", s)
	}
	return b, nil
}
