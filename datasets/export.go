package datasets

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carecast/carecast/forecast"
)

// ExportFormat names a format in which a result table can be exported. Every format carries the
// same tidy table: the ResultColumns in order, one row per cell.
type ExportFormat string

// The export formats.
const (
	// FormatCSV is RFC 4180 CSV with a header row; numbers in the shortest form that reads back
	// exactly; suppressed values are empty fields.
	FormatCSV ExportFormat = "csv"
	// FormatParquet is a Parquet file like a stored result file, with the provenance in its
	// key-value metadata; suppressed values are null.
	FormatParquet ExportFormat = "parquet"
	// FormatArrow is an Arrow IPC stream (record batches of ResultRowGroupRows rows), with the
	// provenance in the schema metadata; suppressed values are null.
	FormatArrow ExportFormat = "arrow"
	// FormatXLSX is an Excel workbook: one sheet per measure family (forecast.Families, then
	// "driver" and "other" when such rows exist), each with a header row, and a "provenance"
	// sheet; suppressed values are empty cells. Values keep Excel's 15 significant digits (the
	// other formats are exact).
	FormatXLSX ExportFormat = "xlsx"
	// FormatJSON is newline-delimited JSON (NDJSON): one object per row, keyed by column name,
	// written as it is produced; suppressed values are null.
	FormatJSON ExportFormat = "json"
)

// ExportFormats lists the export formats.
var ExportFormats = []ExportFormat{FormatCSV, FormatParquet, FormatArrow, FormatXLSX, FormatJSON}

// ParseExportFormat returns the format named s ("csv", "parquet", "arrow", "xlsx" or "json").
func ParseExportFormat(s string) (ExportFormat, error) {
	for _, f := range ExportFormats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("export format %q: want csv, parquet, arrow, xlsx or json", s)
}

// ContentType returns the format's media type.
func (f ExportFormat) ContentType() string {
	switch f {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatParquet:
		return "application/vnd.apache.parquet"
	case FormatArrow:
		return "application/vnd.apache.arrow.stream"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatJSON:
		return "application/x-ndjson"
	}
	return "application/octet-stream"
}

// Extension returns the file-name extension for the format, with its dot (".arrows" is the
// Arrow IPC stream's registered extension, ".ndjson" newline-delimited JSON's).
func (f ExportFormat) Extension() string {
	switch f {
	case FormatArrow:
		return ".arrows"
	case FormatJSON:
		return ".ndjson"
	}
	return "." + string(f)
}

// Disclosure is statistical disclosure control as UK official statistics apply it to counts of
// people. It applies only to rows whose unit counts people (forecast.IsCount): a row whose mean
// is below SuppressBelow in absolute value (before rounding) is suppressed — all four values
// (mean, p10, p50, p90) are left out: empty in CSV and Excel, null in Parquet, Arrow and JSON,
// NaN when read back — and the values of every other such row are rounded to the nearest
// multiple of Round (halves away from zero). Other units (beds, hours, FTE, pounds) are
// unchanged.
type Disclosure struct {
	// Round is the multiple counts are rounded to; 0 or 1 leaves them unrounded.
	Round int `json:"round"`
	// SuppressBelow is the threshold under which counts are suppressed; 0 suppresses nothing.
	SuppressBelow float64 `json:"suppress_below"`
}

// DefaultDisclosure rounds counts to the nearest 5 and suppresses counts under 10.
func DefaultDisclosure() Disclosure { return Disclosure{Round: 5, SuppressBelow: 10} }

// Check returns an error if Round is negative or SuppressBelow is negative or not finite.
func (d Disclosure) Check() error {
	if d.Round < 0 {
		return fmt.Errorf("disclosure: round %d is negative", d.Round)
	}
	if d.SuppressBelow < 0 || math.IsNaN(d.SuppressBelow) || math.IsInf(d.SuppressBelow, 0) {
		return fmt.Errorf("disclosure: suppress_below %v must be a finite number ≥ 0", d.SuppressBelow)
	}
	return nil
}

// Apply returns r with disclosure control applied (see Disclosure).
func (d Disclosure) Apply(r forecast.ResultRow) forecast.ResultRow {
	if !forecast.IsCount(r.Unit) {
		return r
	}
	if d.SuppressBelow > 0 && (math.IsNaN(r.Mean) || math.Abs(r.Mean) < d.SuppressBelow) {
		nan := math.NaN()
		r.Mean, r.P10, r.P50, r.P90 = nan, nan, nan, nan
		return r
	}
	if d.Round > 1 {
		m := float64(d.Round)
		round := func(v float64) float64 { return math.Round(v/m) * m }
		r.Mean, r.P10, r.P50, r.P90 = round(r.Mean), round(r.P10), round(r.P50), round(r.P90)
	}
	return r
}

// RowWriter is a streaming writer of result rows: call Write any number of times and Close
// once; the output is complete only when Close returns nil. Close does not close the
// underlying io.Writer.
type RowWriter interface {
	Write(rows ...forecast.ResultRow) error
	Close() error
}

// ExportOptions shape an export.
type ExportOptions struct {
	// Provenance is recorded where the format has room for it (Parquet and Arrow metadata, the
	// Excel provenance sheet).
	Provenance Provenance
	// Disclosure, when not nil, is applied to every row (and recorded in the provenance).
	Disclosure *Disclosure
	// Allocator is used by the Arrow format; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// TempDir is where the Excel format keeps sheets larger than 16 MiB while it writes;
	// "" means the system's temporary directory.
	TempDir string
}

// NewExporter returns a RowWriter writing rows to w in format f. Each format streams: memory
// stays bounded whatever the number of rows (Excel keeps up to 16 MiB of each sheet in memory
// and the rest in temporary files, and writes the workbook at Close).
func NewExporter(f ExportFormat, w io.Writer, opts ExportOptions) (RowWriter, error) {
	prov := opts.Provenance
	if opts.Disclosure != nil {
		if err := opts.Disclosure.Check(); err != nil {
			return nil, err
		}
		d := *opts.Disclosure
		prov.Disclosure = &d
	}
	var rw RowWriter
	switch f {
	case FormatCSV:
		rw = newCSVWriter(w)
	case FormatParquet:
		rw = newExportParquetWriter(w, prov)
	case FormatArrow:
		rw = newArrowWriter(w, prov, opts.Allocator)
	case FormatXLSX:
		rw = newXLSXWriter(w, prov, opts.TempDir)
	case FormatJSON:
		rw = newNDJSONWriter(w)
	default:
		_, err := ParseExportFormat(string(f))
		return nil, err
	}
	if opts.Disclosure != nil {
		rw = &disclosureWriter{next: rw, d: *opts.Disclosure}
	}
	return rw, nil
}

// disclosureWriter applies disclosure control to rows on their way to another writer.
type disclosureWriter struct {
	next RowWriter
	d    Disclosure
	buf  []forecast.ResultRow
}

func (w *disclosureWriter) Write(rows ...forecast.ResultRow) error {
	w.buf = w.buf[:0]
	for _, r := range rows {
		w.buf = append(w.buf, w.d.Apply(r))
	}
	return w.next.Write(w.buf...)
}

func (w *disclosureWriter) Close() error { return w.next.Close() }

// formatValue writes a value as CSV does: shortest exact form, "" for NaN.
func formatValue(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// csvWriter writes the CSV format.
type csvWriter struct {
	cw     *csv.Writer
	header bool
	rec    []string
	closed bool
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{cw: csv.NewWriter(w), rec: make([]string, len(ResultColumns))}
}

func (w *csvWriter) Write(rows ...forecast.ResultRow) error {
	if w.closed {
		return errors.New("csv export: write after Close")
	}
	if !w.header {
		w.header = true
		if err := w.cw.Write(ResultColumns); err != nil {
			return fmt.Errorf("csv export: %w", err)
		}
	}
	for i := range rows {
		r := &rows[i]
		if err := checkResultRow(r, false); err != nil {
			return fmt.Errorf("csv export: %w", err)
		}
		w.rec[0], w.rec[1], w.rec[2], w.rec[3] = r.ScenarioID, r.RunID, r.AreaCode, r.AreaName
		w.rec[4], w.rec[5], w.rec[6], w.rec[7], w.rec[8] = strconv.Itoa(r.Year), r.Measure, r.Unit, r.Sex, r.AgeBand
		w.rec[9], w.rec[10], w.rec[11], w.rec[12] = formatValue(r.Mean), formatValue(r.P10), formatValue(r.P50), formatValue(r.P90)
		if err := w.cw.Write(w.rec); err != nil {
			return fmt.Errorf("csv export: %w", err)
		}
	}
	return nil
}

func (w *csvWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if !w.header {
		w.header = true
		if err := w.cw.Write(ResultColumns); err != nil {
			return fmt.Errorf("csv export: %w", err)
		}
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("csv export: %w", err)
	}
	return nil
}

// JSONRow is a result row as JSON (the NDJSON export and the API): keys are the column names;
// values suppressed by disclosure control are null.
type JSONRow struct {
	ScenarioID string   `json:"scenario_id"`
	RunID      string   `json:"run_id"`
	AreaCode   string   `json:"area_code"`
	AreaName   string   `json:"area_name"`
	Year       int      `json:"year"`
	Measure    string   `json:"measure"`
	Unit       string   `json:"unit"`
	Sex        string   `json:"sex"`
	AgeBand    string   `json:"age_band"`
	Mean       *float64 `json:"mean"`
	P10        *float64 `json:"p10"`
	P50        *float64 `json:"p50"`
	P90        *float64 `json:"p90"`
}

// ToJSONRow converts a row; NaN values become null.
func ToJSONRow(r forecast.ResultRow) JSONRow {
	return JSONRow{ScenarioID: r.ScenarioID, RunID: r.RunID, AreaCode: r.AreaCode, AreaName: r.AreaName, Year: r.Year,
		Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand,
		Mean: nullable(r.Mean), P10: nullable(r.P10), P50: nullable(r.P50), P90: nullable(r.P90)}
}

// Row converts back; null values become NaN.
func (j JSONRow) Row() forecast.ResultRow {
	v := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	return forecast.ResultRow{ScenarioID: j.ScenarioID, RunID: j.RunID, AreaCode: j.AreaCode, AreaName: j.AreaName,
		Year: j.Year, Measure: j.Measure, Unit: j.Unit, Sex: j.Sex, AgeBand: j.AgeBand,
		Mean: v(j.Mean), P10: v(j.P10), P50: v(j.P50), P90: v(j.P90)}
}

// ndjsonWriter writes the JSON (NDJSON) format.
type ndjsonWriter struct {
	bw     *bufio.Writer
	enc    *json.Encoder
	closed bool
}

func newNDJSONWriter(w io.Writer) *ndjsonWriter {
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &ndjsonWriter{bw: bw, enc: enc}
}

func (w *ndjsonWriter) Write(rows ...forecast.ResultRow) error {
	if w.closed {
		return errors.New("json export: write after Close")
	}
	for i := range rows {
		if err := checkResultRow(&rows[i], false); err != nil {
			return fmt.Errorf("json export: %w", err)
		}
		if err := w.enc.Encode(ToJSONRow(rows[i])); err != nil {
			return fmt.Errorf("json export: %w", err)
		}
	}
	return nil
}

func (w *ndjsonWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("json export: %w", err)
	}
	return nil
}
