package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// InputFormat is a dataset file's encoding.
type InputFormat string

// The formats Read accepts. InputAuto (the zero value) decides from the bytes: a file that
// starts with the Parquet magic bytes "PAR1" is Parquet; otherwise a file named "*.parquet" is
// read as Parquet (and refused as not one), and anything else whose first line is text with a
// comma is CSV.
const (
	InputAuto    InputFormat = ""
	InputParquet InputFormat = "parquet"
	InputCSV     InputFormat = "csv"
)

// ParseInputFormat returns the format named s ("", "auto", "parquet" or "csv").
func ParseInputFormat(s string) (InputFormat, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return InputAuto, nil
	case "parquet":
		return InputParquet, nil
	case "csv":
		return InputCSV, nil
	}
	return "", fmt.Errorf("dataset format %q: want csv or parquet", s)
}

// formatOf decides how to read data (see InputAuto).
func formatOf(data []byte, opts ReadOptions) InputFormat {
	if opts.Format != InputAuto {
		return opts.Format
	}
	if bytes.HasPrefix(data, []byte("PAR1")) {
		return InputParquet
	}
	name := strings.ToLower(opts.Name)
	switch {
	case strings.HasSuffix(name, ".csv"):
		return InputCSV
	case strings.HasSuffix(name, ".parquet"):
		return InputParquet
	}
	if looksLikeCSV(data) {
		return InputCSV
	}
	return InputParquet
}

// looksLikeCSV reports whether data's first line (up to 64 KiB) holds a comma and no control
// bytes other than tab and carriage return: a header row.
func looksLikeCSV(data []byte) bool {
	line := data[:min(len(data), 64<<10)]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	for _, b := range line {
		if b < 0x20 && b != '\t' && b != '\r' {
			return false
		}
	}
	return bytes.IndexByte(line, ',') >= 0
}

// utf8BOM is the byte-order mark Excel writes at the start of a UTF-8 CSV file.
const utf8BOM = "\ufeff"

// readCSVTable decodes data as a CSV file whose header names the canonical columns (in any
// order; other columns are ignored) into the same table readTable builds from Parquet, so that
// the same checks run on it. Row numbers are 1-based data records after the header (blank
// lines are not records). Problems with the file as a whole (no header, missing columns, too
// many rows) come back as a *ValidationError; problems with single lines and cells (a wrong
// field count, a quote out of place, text where a number belongs) are kept in the table's
// problems for the checker, which reports nothing more about those cells. An empty number
// cell is a null, as in a Parquet file; an empty string cell is an empty string.
func readCSVTable(data []byte, specs []colSpec, opts ReadOptions) (*table, error) {
	name := opts.name()
	fileProblem := func(rule Rule, col, msg string) error {
		return &ValidationError{File: name, Problems: []Problem{{File: name, Column: col, Rule: rule, Message: msg}}}
	}
	if int64(len(data)) > opts.maxBytes() {
		return nil, fileProblem(RuleTooLarge, "", fmt.Sprintf("file is %d bytes, larger than the %d-byte limit", len(data), opts.maxBytes()))
	}
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // checked here, so that one bad line is one problem
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fileProblem(RuleCorrupt, "", "the CSV file is empty; want a header row naming the columns")
	}
	if err != nil {
		return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("the CSV header cannot be read: %v", err))
	}
	header = slices.Clone(header) // the reader reuses its record

	// Schema: every canonical column named once in the header.
	pos := map[string]int{}
	var problems []Problem
	for j, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := pos[h]; dup {
			problems = append(problems, Problem{File: name, Column: clip(h, maxSlug), Rule: RuleDuplicate,
				Message: fmt.Sprintf("the header names column %s twice (fields %d and %d)", quote(h), pos[h]+1, j+1)})
			continue
		}
		pos[h] = j
	}
	present := make(map[string]bool, len(pos))
	for h := range pos {
		present[h] = true
	}
	index := make([]int, len(specs))
	for i, s := range specs {
		j, ok := pos[s.name]
		if !ok {
			msg := fmt.Sprintf("missing column %q (%s)", s.name, s.typ)
			if alt := similarColumn(s.name, present, specs); alt != "" {
				msg += fmt.Sprintf("; found %s — renamed?", quote(alt))
			}
			problems = append(problems, Problem{File: name, Column: s.name, Rule: RuleMissingColumn, Message: msg})
			continue
		}
		index[i] = j
	}
	if len(problems) > 0 {
		return nil, &ValidationError{File: name, Problems: problems}
	}

	// Every record ends in a newline (or the end of the file), so the lines bound the rows.
	capRows := int(min(int64(bytes.Count(data, []byte{'\n'}))+1, opts.maxRows()))
	t := &table{cols: make([]column, len(specs))}
	for i, s := range specs {
		c := &t.cols[i]
		c.spec = s
		switch s.typ {
		case colString:
			c.ids = make([]uint32, 0, capRows)
			c.idx = map[string]uint32{}
		case colInt:
			c.ints = make([]int64, 0, capRows)
			c.null = make([]bool, 0, capRows)
		case colFloat:
			c.nums = make([]float64, 0, capRows)
			c.null = make([]bool, 0, capRows)
		}
	}
	maxProblems := opts.maxProblems()
	truncated := false
	add := func(row int, col string, rule Rule, msg string) {
		if len(t.problems) >= maxProblems {
			truncated = true
			return
		}
		t.problems = append(t.problems, Problem{File: name, Row: row, Column: col, Rule: rule, Message: clip(msg, maxMessage)})
	}
	for !truncated {
		start := r.InputOffset()
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		row := t.rows + 1
		if int64(row) > opts.maxRows() {
			return nil, fileProblem(RuleTooManyRows, "", fmt.Sprintf("the file holds more than the %d-row limit; split it by area or year", opts.maxRows()))
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			col := canonicalColumn(csvErrorColumn(data, start, pe, header), specs)
			add(row, col, RuleFormat, fmt.Sprintf("the line cannot be read as CSV (line %d, character %d): %v", pe.Line, pe.Column, pe.Err))
			t.skip = append(t.skip, row)
			t.appendBlank()
			continue
		case err != nil:
			return nil, fileProblem(RuleCorrupt, "", fmt.Sprintf("reading CSV: %v", err))
		case len(rec) != len(header):
			col := ""
			if len(rec) < len(header) {
				col = canonicalColumn(header[len(rec)], specs)
			}
			add(row, col, RuleFormat, fmt.Sprintf("the line has %d fields; the header has %d", len(rec), len(header)))
			t.skip = append(t.skip, row)
			t.appendBlank()
			continue
		}
		for i, s := range specs {
			c := &t.cols[i]
			v := rec[index[i]]
			switch s.typ {
			case colString:
				c.appendString(v)
			case colInt:
				v = strings.TrimSpace(v)
				x, err := strconv.ParseInt(v, 10, 64)
				bad := err != nil && v != ""
				if bad {
					add(row, s.name, RuleWrongType, fmt.Sprintf("%s is not an integer", quote(v)))
					t.mute = append(t.mute, cellRef{row, s.name})
				}
				c.ints = append(c.ints, x)
				c.null = append(c.null, err != nil)
			case colFloat:
				v = strings.TrimSpace(v)
				x, err := strconv.ParseFloat(v, 64)
				if errors.Is(err, strconv.ErrRange) {
					err = nil // ±Inf or 0: the checks say why it is out of range
				}
				if err != nil && v != "" {
					add(row, s.name, RuleWrongType, fmt.Sprintf("%s is not a number", quote(v)))
					t.mute = append(t.mute, cellRef{row, s.name})
				}
				if err != nil {
					x = 0
				}
				c.nums = append(c.nums, x)
				c.null = append(c.null, err != nil)
			}
		}
		t.rows++
	}
	if truncated {
		return nil, &ValidationError{File: name, Problems: t.problems, Truncated: true}
	}
	return t, nil
}

// appendBlank adds a row with no values (a line that could not be read), so that later rows
// keep their numbers; the checker reports nothing about it (table.skip).
func (t *table) appendBlank() {
	for i := range t.cols {
		c := &t.cols[i]
		switch c.spec.typ {
		case colString:
			c.appendString("")
		case colInt:
			c.ints = append(c.ints, 0)
			c.null = append(c.null, true)
		case colFloat:
			c.nums = append(c.nums, 0)
			c.null = append(c.null, true)
		}
	}
	t.rows++
}

// appendString adds a string value, interning it in the column's dictionary (copied, so that
// the dictionary does not hold on to the line it came from).
func (c *column) appendString(s string) {
	if n := len(c.ids); n > 0 && c.dict[c.ids[n-1]] == s {
		c.ids = append(c.ids, c.ids[n-1])
		return
	}
	id, ok := c.idx[s]
	if !ok {
		id = uint32(len(c.dict))
		s = strings.Clone(s)
		c.dict = append(c.dict, s)
		c.idx[s] = id
	}
	c.ids = append(c.ids, id)
}

// csvErrorColumn names the header column of the field where a CSV parse error occurred: the
// commas before the error's character on its line, counted from the record's start.
func csvErrorColumn(data []byte, start int64, pe *csv.ParseError, header []string) string {
	if start < 0 || start > int64(len(data)) || pe.Line != pe.StartLine {
		return "" // inside a quoted field that spans lines, the field is not known
	}
	rest := bytes.TrimLeft(data[start:], "\r\n") // blank lines the reader skipped
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	rest = rest[:min(len(rest), max(pe.Column-1, 0))]
	field := bytes.Count(rest, []byte{','})
	if field < len(header) {
		return strings.TrimSpace(header[field])
	}
	return ""
}

// cellRef is a data row (1-based) and column.
type cellRef struct {
	row int
	col string
}

// canonicalColumn returns h, trimmed, if it names one of specs' columns, else "": problems name
// canonical columns only, never text from the file.
func canonicalColumn(h string, specs []colSpec) string {
	h = strings.TrimSpace(h)
	for _, s := range specs {
		if s.name == h {
			return h
		}
	}
	return ""
}

// WriteCSV writes rows as a CSV file of kind KindOf[T]() to w: a header of the canonical
// column names (Columns) and one line per row, numbers in the shortest form that reads back
// exactly, a missing optional number as an empty field. Reading the file back gives the same
// rows as the Parquet file Write makes. WriteCSV does not validate.
func WriteCSV[T Record](w io.Writer, rows []T) error {
	k := KindOf[T]()
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns(k)); err != nil {
		return fmt.Errorf("writing %s CSV: %w", k, err)
	}
	typ := reflect.TypeFor[T]()
	fields := make([]int, 0, typ.NumField())
	for _, name := range Columns(k) {
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("parquet"), ",")
			if tag == name {
				fields = append(fields, i)
			}
		}
	}
	rec := make([]string, len(fields))
	for _, r := range rows {
		v := reflect.ValueOf(r)
		for j, i := range fields {
			f := v.Field(i)
			if f.Kind() == reflect.Pointer {
				if f.IsNil() {
					rec[j] = ""
					continue
				}
				f = f.Elem()
			}
			switch f.Kind() {
			case reflect.String:
				rec[j] = f.String()
			case reflect.Int32, reflect.Int64:
				rec[j] = strconv.FormatInt(f.Int(), 10)
			case reflect.Float64:
				rec[j] = strconv.FormatFloat(f.Float(), 'g', -1, 64)
			default:
				panic("datasets: WriteCSV: unsupported field type " + f.Kind().String()) // broken contract
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing %s CSV: %w", k, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing %s CSV: %w", k, err)
	}
	return nil
}

// csvHeader returns the column names of a CSV file's header.
func csvHeader(data []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(utf8BOM))))
	r.FieldsPerRecord = -1
	h, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	for i := range h {
		h[i] = strings.TrimSpace(h[i])
	}
	return h, nil
}
