package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/carecast/carecast/forecast"
)

// Excel workbook layout.
const (
	// ProvenanceSheet is the name of the Excel sheet holding the provenance.
	ProvenanceSheet = "provenance"
	// DriverSheet holds rows whose measure starts "driver." (see the drivers convention in
	// package api), OtherSheet rows of any family not in forecast.Families.
	DriverSheet = "driver"
	OtherSheet  = "other"
	// maxSheetRows is Excel's row limit; a family with more rows continues on "<family> (2)".
	maxSheetRows = 1 << 20
	// maxCellChars is Excel's limit on the text in one cell.
	maxCellChars = 32767
)

// sheetOf returns the sheet a measure belongs on.
func sheetOf(measure string) string {
	f := forecast.Family(measure)
	if slices.Contains(forecast.Families, f) {
		return f
	}
	if f == "driver" {
		return DriverSheet
	}
	return OtherSheet
}

// xlsxWriter writes the Excel format with one excelize StreamWriter per sheet.
type xlsxWriter struct {
	w      io.Writer
	prov   Provenance
	f      *excelize.File
	sheets map[string]*xlsxSheet
	order  []string
	cells  []any
	closed bool
	err    error
}

type xlsxSheet struct {
	name string // current sheet name
	part int    // 1, 2, …: continuation sheets
	sw   *excelize.StreamWriter
	row  int // last row written
}

func newXLSXWriter(w io.Writer, prov Provenance, tmpDir string) *xlsxWriter {
	f := excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	return &xlsxWriter{w: w, prov: prov, f: f, sheets: map[string]*xlsxSheet{}, cells: make([]any, len(ResultColumns))}
}

// sheet returns the open sheet for a family, creating it (with its header) when needed.
func (w *xlsxWriter) sheet(family string) (*xlsxSheet, error) {
	s := w.sheets[family]
	if s != nil && s.row < maxSheetRows {
		return s, nil
	}
	part := 1
	if s != nil {
		if err := s.sw.Flush(); err != nil {
			return nil, err
		}
		part = s.part + 1
	}
	name := family
	if part > 1 {
		name = fmt.Sprintf("%s (%d)", family, part)
	}
	if _, err := w.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	header := make([]any, len(ResultColumns))
	for i, c := range ResultColumns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	s = &xlsxSheet{name: name, part: part, sw: sw, row: 1}
	w.sheets[family] = s
	w.order = append(w.order, name)
	return s, nil
}

func (w *xlsxWriter) Write(rows ...forecast.ResultRow) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("xlsx export: write after Close")
	}
	if err := w.familySheets(); err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if err := checkResultRow(r, false); err != nil {
			w.err = fmt.Errorf("xlsx export: %w", err)
			return w.err
		}
		s, err := w.sheet(sheetOf(r.Measure))
		if err != nil {
			w.err = fmt.Errorf("xlsx export: %w", err)
			return w.err
		}
		c := w.cells
		c[0], c[1], c[2], c[3], c[4] = r.ScenarioID, r.RunID, r.AreaCode, r.AreaName, r.Year
		c[5], c[6], c[7], c[8] = r.Measure, r.Unit, r.Sex, r.AgeBand
		for k, v := range []float64{r.Mean, r.P10, r.P50, r.P90} {
			if math.IsNaN(v) {
				c[9+k] = nil
			} else {
				c[9+k] = v
			}
		}
		s.row++
		cell, _ := excelize.CoordinatesToCellName(1, s.row)
		if err := s.sw.SetRow(cell, c); err != nil {
			w.err = fmt.Errorf("xlsx export: %w", err)
			return w.err
		}
	}
	return nil
}

// familySheets makes every family's sheet, in order, even those that stay empty.
func (w *xlsxWriter) familySheets() error {
	if w.order != nil {
		return nil
	}
	for _, fam := range forecast.Families {
		if _, err := w.sheet(fam); err != nil {
			w.err = fmt.Errorf("xlsx export: %w", err)
			return w.err
		}
	}
	return nil
}

// provenanceRows lays the provenance out as key, value rows; long values (the scenario
// document) continue on the following rows, one line of indented JSON each.
func provenanceRows(p Provenance) [][]string {
	rows := [][]string{{"key", "value"}}
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, []string{k, v})
		}
	}
	add("scenario_id", p.ScenarioID)
	add("run_id", p.RunID)
	if p.ScenarioVersion != 0 {
		add("scenario_version", strconv.Itoa(p.ScenarioVersion))
	}
	add("software_version", p.SoftwareVersion)
	if p.Seed != nil {
		add("seed", strconv.FormatInt(*p.Seed, 10))
	}
	if len(p.Quantiles) > 0 {
		b, _ := json.Marshal(p.Quantiles)
		add("quantiles", string(b))
	}
	add("price_base", p.PriceBase)
	add("data_years", p.DataYears)
	if p.Disclosure != nil {
		b, _ := json.Marshal(p.Disclosure)
		add("disclosure", string(b))
	}
	keys := make([]string, 0, len(p.DatasetHashes))
	for k := range p.DatasetHashes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add("dataset_hash."+k, p.DatasetHashes[k])
	}
	if len(p.Scenario) > 0 {
		var v any
		text := string(p.Scenario)
		if json.Unmarshal(p.Scenario, &v) == nil {
			if b, err := json.MarshalIndent(v, "", "  "); err == nil {
				text = string(b)
			}
		}
		for line := range strings.SplitSeq(text, "\n") {
			for len(line) > maxCellChars {
				rows = append(rows, []string{"scenario", line[:maxCellChars]})
				line = line[maxCellChars:]
			}
			rows = append(rows, []string{"scenario", line})
		}
	}
	return rows
}

func (w *xlsxWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	defer w.f.Close() // removes the temporary files
	if w.err != nil {
		return w.err
	}
	if err := w.familySheets(); err != nil {
		return err
	}
	for _, s := range w.sheets {
		if err := s.sw.Flush(); err != nil {
			return fmt.Errorf("xlsx export: %w", err)
		}
	}
	if _, err := w.f.NewSheet(ProvenanceSheet); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	sw, err := w.f.NewStreamWriter(ProvenanceSheet)
	if err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	for i, r := range provenanceRows(w.prov) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{r[0], r[1]}); err != nil {
			return fmt.Errorf("xlsx export: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	if err := w.f.DeleteSheet("Sheet1"); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	w.f.SetActiveSheet(0)
	if _, err := w.f.WriteTo(w.w); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	return nil
}

// ReadXLSXResults reads an Excel workbook exported in FormatXLSX from r (at most maxBytes
// bytes; it is read whole, as a zip archive must be) and calls fn with the rows of every
// sheet but the provenance sheet, sheet by sheet (empty value cells read as NaN). It returns
// the provenance sheet's key, value pairs in order (the scenario's lines joined by newlines).
// Each sheet's header must be the ResultColumns.
func ReadXLSXResults(r io.Reader, maxBytes int64, fn func(forecast.ResultRow) error) ([][2]string, error) {
	data, err := readAllCapped(r, maxBytes, "xlsx")
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("xlsx results: %w", err)
	}
	defer f.Close()
	var prov [][2]string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, fmt.Errorf("xlsx results: sheet %s: %w", sheet, err)
		}
		line := 0
		for rows.Next() {
			line++
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("xlsx results: sheet %s row %d: %w", sheet, line, err)
			}
			if sheet == ProvenanceSheet {
				if line == 1 || len(cells) < 2 {
					continue
				}
				if n := len(prov); cells[0] == "scenario" && n > 0 && prov[n-1][0] == "scenario" {
					prov[n-1][1] += "\n" + cells[1]
					continue
				}
				prov = append(prov, [2]string{cells[0], cells[1]})
				continue
			}
			if line == 1 {
				if !slices.Equal(cells, ResultColumns) {
					rows.Close()
					return nil, fmt.Errorf("xlsx results: sheet %s: header %v; want %v", sheet, cells, ResultColumns)
				}
				continue
			}
			row, err := parseResultRecord(cells)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("xlsx results: sheet %s row %d: %w", sheet, line, err)
			}
			if err := fn(row); err != nil {
				rows.Close()
				return nil, err
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("xlsx results: sheet %s: %w", sheet, err)
		}
	}
	return prov, nil
}
