package datasets

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Rule names a validation rule, so that callers and tests can tell problems apart.
type Rule string

// The validation rules.
const (
	RuleTooLarge      Rule = "too_large"      // file over the size cap
	RuleTooManyRows   Rule = "too_many_rows"  // file over the row cap (ReadOptions.MaxRows)
	RuleCorrupt       Rule = "corrupt"        // not a readable Parquet file: truncated, damaged, empty
	RuleMissingColumn Rule = "missing_column" // a canonical column is absent (or renamed)
	RuleWrongType     Rule = "wrong_type"     // a column has a type that cannot hold the canonical one
	RuleNull          Rule = "null"           // a required value is null
	RuleEmpty         Rule = "empty"          // a required string is empty
	RuleRange         Rule = "range"          // a number outside its allowed range
	RuleNegative      Rule = "negative"       // a count below zero
	RuleRate          Rule = "rate"           // a rate outside [0,1]
	RuleAge           Rule = "age"            // an age outside the kind's range
	RuleEnum          Rule = "enum"           // a value not in the allowed set
	RuleFormat        Rule = "format"         // a string of the wrong shape (codes, dates, bands)
	RuleDuplicate     Rule = "duplicate"      // two rows with the same key
	RuleGap           Rule = "gap"            // an area-year missing an age or a sex
	RuleUnknownArea   Rule = "unknown_area"   // an area code not in the areas table
	RuleInconsistent  Rule = "inconsistent"   // values that contradict each other
	RuleNoRows        Rule = "no_rows"        // a file with a valid schema and no rows
)

// Problem is one thing wrong with a dataset file. Row is the 1-based data row (0 when the
// problem concerns the file or a whole column); Column is "" when it concerns the file.
type Problem struct {
	File    string `json:"file"`
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Rule    Rule   `json:"rule"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Row > 0 {
		fmt.Fprintf(&b, ": row %d", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ": column %s", p.Column)
	}
	fmt.Fprintf(&b, ": %s [%s]", p.Message, p.Rule)
	return b.String()
}

// ValidationError lists every problem found in a file, up to the configured limit; Truncated
// says the limit was reached and more problems may exist.
type ValidationError struct {
	File      string
	Problems  []Problem
	Truncated bool
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems", e.File, len(e.Problems))
	if e.Truncated {
		b.WriteString(" (and more)")
	}
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether any problem follows rule; tests and callers use it to tell failures apart.
func (e *ValidationError) Has(rule Rule) bool {
	for _, p := range e.Problems {
		if p.Rule == rule {
			return true
		}
	}
	return false
}

// reporter collects problems up to a limit.
type reporter struct {
	file     string
	max      int
	problems []Problem
	full     bool
	bad      []uint64 // bit per 1-based row with a problem in a key column, so set checks skip them
	mute     map[int]mutedRow
}

// mutedRow says which problems of a CSV row the checker must not report, because parsing
// reported them already: every problem (all: the line could not be read), or those of the
// columns whose text was not a number, together with the checks that compare a row's values
// with each other or with other rows.
type mutedRow struct {
	all  bool
	cols []string
}

// seed takes the problems found while parsing t (CSV files) and mutes what they cover.
func (r *reporter) seed(t *table) {
	for _, p := range t.problems {
		r.add(p.Row, p.Column, p.Rule, "%s", p.Message)
	}
	if len(t.skip) == 0 && len(t.mute) == 0 {
		return
	}
	r.mute = map[int]mutedRow{}
	for _, row := range t.skip {
		r.mute[row] = mutedRow{all: true}
	}
	for _, c := range t.mute {
		m := r.mute[c.row]
		m.cols = append(m.cols, c.col)
		r.mute[c.row] = m
	}
}

// muted reports whether a problem was reported while parsing (see mutedRow).
func (r *reporter) muted(row int, col string, rule Rule) bool {
	m, ok := r.mute[row]
	if !ok {
		return false
	}
	return m.all || rule == RuleInconsistent || rule == RuleDuplicate || slices.Contains(m.cols, col)
}

// isBad reports whether row (1-based) had a problem in a key column.
func (r *reporter) isBad(row int) bool {
	w := row / 64
	return w < len(r.bad) && r.bad[w]&(1<<(row%64)) != 0
}

// valueColumns hold measurements rather than keys: a problem there leaves the row's place in
// the table intact, so set checks (gaps) still count the row.
var valueColumns = map[string]bool{"count": true, "rate": true, "rate_lo": true, "rate_hi": true, "value": true,
	"cost": true, "capacity": true, "ex": true, "source": true, "area_name": true}

func (r *reporter) add(row int, col string, rule Rule, format string, args ...any) {
	if row > 0 && !valueColumns[col] {
		if w := row / 64; w >= len(r.bad) {
			r.bad = append(r.bad, make([]uint64, w+1-len(r.bad))...)
		}
		r.bad[row/64] |= 1 << (row % 64)
	}
	if row > 0 && r.mute != nil && r.muted(row, col, rule) {
		return
	}
	if len(r.problems) >= r.max {
		r.full = true
		return
	}
	r.problems = append(r.problems, Problem{File: r.file, Row: row, Column: col, Rule: rule, Message: clip(fmt.Sprintf(format, args...), maxMessage)})
}

func (r *reporter) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return &ValidationError{File: r.file, Problems: r.problems, Truncated: r.full}
}

// maxMessage caps a problem's message in bytes, whatever values it names.
const maxMessage = 1024

// clip cuts s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxQuoted is how many characters of a value a problem quotes.
const maxQuoted = 64

// quote renders s for a message like %q, cut to maxQuoted characters with its full length
// said: a problem quotes the value it is about, and a hostile file's value may be megabytes
// long (and repeat in every row).
func quote(s string) string {
	n := 0
	for i := range s {
		if n == maxQuoted {
			return fmt.Sprintf("%q… (%d bytes)", s[:i], len(s))
		}
		n++
	}
	return fmt.Sprintf("%q", s)
}
