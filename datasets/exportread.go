package datasets

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carecast/carecast/forecast"
)

// parseResultRecord reads one row of text cells in ResultColumns order (missing trailing cells
// read as empty; empty value cells as NaN).
func parseResultRecord(cells []string) (forecast.ResultRow, error) {
	if len(cells) > len(ResultColumns) {
		return forecast.ResultRow{}, fmt.Errorf("%d cells; want %d", len(cells), len(ResultColumns))
	}
	for len(cells) < len(ResultColumns) {
		cells = append(cells, "")
	}
	year, err := strconv.Atoi(cells[rcYear])
	if err != nil {
		return forecast.ResultRow{}, fmt.Errorf("column year: %q is not a whole number", cells[rcYear])
	}
	var vals [4]float64
	for k := range vals {
		s := cells[rcMean+k]
		if s == "" {
			vals[k] = math.NaN()
			continue
		}
		if vals[k], err = strconv.ParseFloat(s, 64); err != nil {
			return forecast.ResultRow{}, fmt.Errorf("column %s: %q is not a number", ResultColumns[rcMean+k], s)
		}
	}
	r := forecast.ResultRow{ScenarioID: cells[rcScenario], RunID: cells[rcRun], AreaCode: cells[rcArea],
		AreaName: cells[rcAreaName], Year: year, Measure: cells[rcMeasure], Unit: cells[rcUnit], Sex: cells[rcSex],
		AgeBand: cells[rcAgeBand], Mean: vals[0], P10: vals[1], P50: vals[2], P90: vals[3]}
	if err := checkResultRow(&r, false); err != nil {
		return forecast.ResultRow{}, err
	}
	return r, nil
}

// ReadCSVResults reads CSV exported in FormatCSV and calls fn with each row (empty values read
// as NaN), stopping at fn's first error. The header must be the ResultColumns; errors name the
// line.
func ReadCSVResults(r io.Reader, fn func(forecast.ResultRow) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = len(ResultColumns)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("csv results: header: %w", err)
	}
	if !slices.Equal(head, ResultColumns) {
		return fmt.Errorf("csv results: header %v; want %v", head, ResultColumns)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv results: %w", err)
		}
		row, err := parseResultRecord(rec)
		if err != nil {
			return fmt.Errorf("csv results: line %d: %w", line, err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

// ReadNDJSONResults reads newline-delimited JSON exported in FormatJSON and calls fn with each
// row (nulls read as NaN), stopping at fn's first error. Unknown keys and missing keys are
// errors that name the line.
func ReadNDJSONResults(r io.Reader, fn func(forecast.ResultRow) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &keys); err != nil {
			return fmt.Errorf("json results: line %d: %w", line, err)
		}
		for _, c := range ResultColumns {
			if _, ok := keys[c]; !ok {
				return fmt.Errorf("json results: line %d: missing key %q", line, c)
			}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var j JSONRow
		if err := dec.Decode(&j); err != nil {
			return fmt.Errorf("json results: line %d: %w", line, err)
		}
		row := j.Row()
		if err := checkResultRow(&row, false); err != nil {
			return fmt.Errorf("json results: line %d: %w", line, err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("json results: %w", err)
	}
	return nil
}

// ReadExport reads an export in format f from r and calls fn with each row; it is the
// project's reader of every format it writes (see ReadCSVResults, ReadNDJSONResults,
// ReadArrowResults, ReadXLSXResults, OpenResults). Parquet and Excel are read whole (they
// need random access), up to maxBytes (0 means DefaultMaxResultBytes).
func ReadExport(ctx context.Context, f ExportFormat, r io.Reader, maxBytes int64, fn func(forecast.ResultRow) error) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResultBytes
	}
	switch f {
	case FormatCSV:
		return ReadCSVResults(r, fn)
	case FormatJSON:
		return ReadNDJSONResults(r, fn)
	case FormatArrow:
		_, err := ReadArrowResults(r, memory.DefaultAllocator, fn)
		return err
	case FormatXLSX:
		_, err := ReadXLSXResults(r, maxBytes, fn)
		return err
	case FormatParquet:
		data, err := readAllCapped(r, maxBytes, "parquet")
		if err != nil {
			return err
		}
		rf, err := OpenResults(bytes.NewReader(data), int64(len(data)), ResultOptions{Name: "parquet export", MaxBytes: maxBytes})
		if err != nil {
			return err
		}
		defer rf.Close()
		var ferr error
		err = rf.Scan(ctx, ResultFilter{}, ScanOptions{Uncached: true}, func(_ int64, row forecast.ResultRow) bool {
			ferr = fn(row)
			return ferr == nil
		})
		return errors.Join(err, ferr)
	}
	_, err := ParseExportFormat(string(f))
	return err
}
