package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// A Sheet is a small table for download: a header, rows of cells (string, int, float64 or nil
// for an empty cell) and, for Excel, an "about" sheet of key, value lines (what the table is,
// its studies and sources). It holds the whole table in memory: for tables of at most a few
// hundred thousand cells, such as topic tables.
type Sheet struct {
	Name   string // the Excel sheet name (at most 31 characters)
	Header []string
	Rows   [][]any
	About  [][2]string
}

// WriteCSV writes s as CSV: the header, then the rows (nil cells empty, floats in the shortest
// form that reads back the same). The about lines are not written.
func (s *Sheet) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(s.Header); err != nil {
		return err
	}
	rec := make([]string, len(s.Header))
	for _, r := range s.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(r) {
				rec[i] = cellText(r[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// WriteXLSX writes s as an Excel workbook: the table on sheet Name and the about lines on a
// sheet "about".
func (s *Sheet) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	name := s.Name
	if len(name) > 31 {
		name = name[:31]
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	header := make([]any, len(s.Header))
	for i, h := range s.Header {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range s.Rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := f.NewSheet("about"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, kv := range s.About {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("about", cell, &[]any{kv[0], kv[1]}); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
