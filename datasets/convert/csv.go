package convert

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// csvFile is a whole CSV file held as records, with columns found by header name.
type csvFile struct {
	name   string
	header map[string]int
	cols   []string
	rows   [][]string
}

// readCSV reads the CSV file at path in raw (gzip-compressed when the name ends in .gz); the
// first record is the header.
func readCSV(raw fs.FS, path string) (*csvFile, error) {
	fh, err := raw.Open(path)
	if err != nil {
		return nil, fmt.Errorf("raw file: %w", err)
	}
	defer fh.Close()
	var in io.Reader = fh
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		in = zr
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %w", path, err)
	}
	f := &csvFile{name: path, header: map[string]int{}, cols: header}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		f.header[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		f.rows = append(f.rows, rec)
	}
	return f, nil
}

// col returns the index of a column, or an error naming the file and the column.
func (f *csvFile) col(name string) (int, error) {
	i, ok := f.header[name]
	if !ok {
		return 0, fmt.Errorf("%s: no column %q (have %s)", f.name, name, strings.Join(f.cols, ", "))
	}
	return i, nil
}

// mustCols resolves several columns at once.
func (f *csvFile) mustCols(names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		c, err := f.col(n)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// cell returns a trimmed cell (stripping non-breaking spaces, which some ONS extracts carry).
func cell(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(rec[i], "\u00a0", " "))
}

// lineErr wraps err with the file and 1-based line (header = line 1).
func (f *csvFile) lineErr(row int, err error) error {
	return fmt.Errorf("%s line %d: %w", f.name, row+2, err)
}

func atoi(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return v, nil
}

func atof(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// onsSex maps ONS sex codes (1 = male, 2 = female) and words to the dataset spelling.
func onsSex(s string) (string, error) {
	switch strings.ToLower(s) {
	case "1", "male", "males", "m":
		return "male", nil
	case "2", "female", "females", "f":
		return "female", nil
	}
	return "", fmt.Errorf("sex %q is not 1/2 or male/female", s)
}

// femaleFirstSex maps the reversed codes of the republished mid-2021 estimates (1 = female,
// 2 = male) to the dataset spelling, which popRow passes through unchanged.
func femaleFirstSex(s string) (string, error) {
	switch s {
	case "1":
		return "female", nil
	case "2":
		return "male", nil
	}
	return "", fmt.Errorf("sex %q is not 1 (female) or 2 (male) as this file codes it", s)
}

// fields reads typed cells of one record, keeping the first error (with its file and line), so
// that a loop can read every field and check once.
type fields struct {
	f   *csvFile
	rec []string
	row int
	err error
}

func (f *csvFile) fields(row int) *fields { return &fields{f: f, rec: f.rows[row], row: row} }

func (r *fields) keep(err error) {
	if err != nil && r.err == nil {
		r.err = r.f.lineErr(r.row, err)
	}
}

func (r *fields) str(col int) string { return cell(r.rec, col) }

func (r *fields) int(col int) int32 {
	v, err := atoi(cell(r.rec, col))
	r.keep(err)
	return int32(v)
}

func (r *fields) num(col int) float64 {
	v, err := atof(cell(r.rec, col))
	r.keep(err)
	return v
}

func (r *fields) sex(col int) string {
	v, err := onsSex(cell(r.rec, col))
	r.keep(err)
	return v
}

func (r *fields) nppAge(col int) int32 {
	v, err := nppAge(cell(r.rec, col))
	r.keep(err)
	return int32(v)
}
