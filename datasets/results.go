package datasets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/carecast/carecast/forecast"
)

// ResultColumns are the columns of a result table, in order: the tidy long table of docs/design.md
// §8, the same in every format (Parquet, CSV, Arrow IPC, Excel, JSON).
var ResultColumns = []string{"scenario_id", "run_id", "area_code", "area_name", "year", "measure", "unit",
	"sex", "age_band", "mean", "p10", "p50", "p90"}

// resultSpecs are the result table's columns for readTable-style checks. The four value columns
// may be optional: exports with disclosure control leave suppressed values null.
var resultSpecs = []colSpec{
	sc("scenario_id", "scenario ID"), sc("run_id", "run ID"), sc("area_code", "GSS code"), sc("area_name", "name"),
	ic("year", "calendar or financial year start"), sc("measure", "family.name"), sc("unit", "unit of the values"),
	sc("sex", "female|male|all"), sc("age_band", "e.g. 65-74, 85+, all"),
	ofc("mean", "mean over draws"), ofc("p10", "lower quantile"), ofc("p50", "median"), ofc("p90", "upper quantile"),
}

// Column positions in resultSpecs.
const (
	rcScenario = iota
	rcRun
	rcArea
	rcAreaName
	rcYear
	rcMeasure
	rcUnit
	rcSex
	rcAgeBand
	rcMean
	rcP10
	rcP50
	rcP90
	numResultCols
)

// resultRecord is a stored result row: every value present.
type resultRecord struct {
	ScenarioID string  `parquet:"scenario_id,dict"`
	RunID      string  `parquet:"run_id,dict"`
	AreaCode   string  `parquet:"area_code,dict"`
	AreaName   string  `parquet:"area_name,dict"`
	Year       int32   `parquet:"year"`
	Measure    string  `parquet:"measure,dict"`
	Unit       string  `parquet:"unit,dict"`
	Sex        string  `parquet:"sex,dict"`
	AgeBand    string  `parquet:"age_band,dict"`
	Mean       float64 `parquet:"mean"`
	P10        float64 `parquet:"p10"`
	P50        float64 `parquet:"p50"`
	P90        float64 `parquet:"p90"`
}

// exportRecord is an exported result row: values may be null (suppressed by disclosure control).
type exportRecord struct {
	ScenarioID string   `parquet:"scenario_id,dict"`
	RunID      string   `parquet:"run_id,dict"`
	AreaCode   string   `parquet:"area_code,dict"`
	AreaName   string   `parquet:"area_name,dict"`
	Year       int32    `parquet:"year"`
	Measure    string   `parquet:"measure,dict"`
	Unit       string   `parquet:"unit,dict"`
	Sex        string   `parquet:"sex,dict"`
	AgeBand    string   `parquet:"age_band,dict"`
	Mean       *float64 `parquet:"mean,optional"`
	P10        *float64 `parquet:"p10,optional"`
	P50        *float64 `parquet:"p50,optional"`
	P90        *float64 `parquet:"p90,optional"`
}

// ResultRowGroupRows is the number of rows in each row group of a result file. A writer holds
// at most one row group in memory, and a reader decodes one at a time, so memory does not grow
// with the table.
const ResultRowGroupRows = 8192

// ResultFormat is the value of the carecast.format key in a result file's metadata.
const ResultFormat = "carecast-results/1"

// Provenance records what produced a result table, so that any number can be traced and
// reproduced. It is stored in the key-value metadata of result and exported Parquet files (keys
// "carecast.<json name>", see MetadataKeys), in the Arrow IPC schema metadata and on the Excel
// provenance sheet.
type Provenance struct {
	ScenarioID      string `json:"scenario_id,omitempty"`
	RunID           string `json:"run_id,omitempty"`
	ScenarioVersion int    `json:"scenario_version,omitempty"`
	// Scenario is the scenario document exactly as run (a JSON object).
	Scenario json.RawMessage `json:"scenario,omitempty"`
	// DatasetHashes maps each dataset used (by kind or name) to its content hash.
	DatasetHashes   map[string]string `json:"dataset_hashes,omitempty"`
	SoftwareVersion string            `json:"software_version,omitempty"`
	Seed            *int64            `json:"seed,omitempty"`
	// Quantiles are the probabilities of the p10, p50 and p90 columns (0.1, 0.5, 0.9 unless the
	// scenario configures others).
	Quantiles []float64 `json:"quantiles,omitempty"`
	// PriceBase names the prices of cost measures, e.g. "2023-24" (real terms) or "cash".
	PriceBase string `json:"price_base,omitempty"`
	// DataYears names the data and years the numbers rest on, e.g. "population: ONS mid-2022
	// estimates, projected on ONS NPP 2018 assumptions; service use: PSS-EX1 2011-12 to 2013-14"
	// (engine.DataSummary).
	DataYears string `json:"data_years,omitempty"`
	// Disclosure is set on exports to which disclosure control was applied.
	Disclosure *Disclosure `json:"disclosure,omitempty"`
}

// MetadataKeys lists the key-value metadata keys a result file may carry, in order. Values are
// plain text (IDs, versions, seed, price base) or JSON (scenario, dataset_hashes, quantiles,
// disclosure).
var MetadataKeys = []string{"carecast.format", "carecast.scenario_id", "carecast.run_id", "carecast.scenario_version",
	"carecast.scenario", "carecast.dataset_hashes", "carecast.software_version", "carecast.seed",
	"carecast.quantiles", "carecast.price_base", "carecast.data_years", "carecast.disclosure"}

// Metadata returns the provenance as key-value pairs (keys from MetadataKeys; empty fields are
// left out). It panics only if Scenario is not valid JSON, a broken contract.
func (p Provenance) Metadata() map[string]string {
	m := map[string]string{"carecast.format": ResultFormat}
	put := func(k, v string) {
		if v != "" {
			m["carecast."+k] = v
		}
	}
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("datasets: provenance: %v", err))
		}
		return string(b)
	}
	put("scenario_id", p.ScenarioID)
	put("run_id", p.RunID)
	if p.ScenarioVersion != 0 {
		put("scenario_version", strconv.Itoa(p.ScenarioVersion))
	}
	if len(p.Scenario) > 0 {
		put("scenario", js(p.Scenario))
	}
	if len(p.DatasetHashes) > 0 {
		put("dataset_hashes", js(p.DatasetHashes))
	}
	put("software_version", p.SoftwareVersion)
	if p.Seed != nil {
		put("seed", strconv.FormatInt(*p.Seed, 10))
	}
	if len(p.Quantiles) > 0 {
		put("quantiles", js(p.Quantiles))
	}
	put("price_base", p.PriceBase)
	put("data_years", p.DataYears)
	if p.Disclosure != nil {
		put("disclosure", js(p.Disclosure))
	}
	return m
}

// ProvenanceFromMetadata reads what Metadata wrote, using lookup to find each key. It returns an
// error naming the key whose value cannot be read.
func ProvenanceFromMetadata(lookup func(key string) (string, bool)) (Provenance, error) {
	var p Provenance
	get := func(k string) (string, bool) { return lookup("carecast." + k) }
	var errs []error
	js := func(k string, v any) {
		if s, ok := get(k); ok {
			if err := json.Unmarshal([]byte(s), v); err != nil {
				errs = append(errs, fmt.Errorf("metadata carecast.%s: %w", k, err))
			}
		}
	}
	p.ScenarioID, _ = get("scenario_id")
	p.RunID, _ = get("run_id")
	if s, ok := get("scenario_version"); ok {
		v, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata carecast.scenario_version %q: not a whole number", s))
		}
		p.ScenarioVersion = v
	}
	if s, ok := get("scenario"); ok {
		if !json.Valid([]byte(s)) {
			errs = append(errs, errors.New("metadata carecast.scenario: not JSON"))
		} else {
			p.Scenario = json.RawMessage(s)
		}
	}
	js("dataset_hashes", &p.DatasetHashes)
	p.SoftwareVersion, _ = get("software_version")
	if s, ok := get("seed"); ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata carecast.seed %q: not a whole number", s))
		} else {
			p.Seed = &v
		}
	}
	js("quantiles", &p.Quantiles)
	p.PriceBase, _ = get("price_base")
	p.DataYears, _ = get("data_years")
	if _, ok := get("disclosure"); ok {
		p.Disclosure = new(Disclosure)
		js("disclosure", p.Disclosure)
	}
	return p, errors.Join(errs...)
}

// ResultWriter writes a result table as Parquet, streaming: it holds at most one row group
// (ResultRowGroupRows rows) in memory and writes each to the underlying writer when full. Make
// it with NewResultWriter, call Write any number of times and Close once; the file is complete
// only when Close returns nil.
//
// Rows are checked as they are written: strings must be valid UTF-8, area_code, measure and unit
// non-empty, measure without "*", sex "female", "male" or "all", year within 1900..2200, and every value finite (a
// stored result has no gaps). Write returns the first problem, naming the row; the writer is
// then unusable. Rows are written in the order given: rows sorted by area, measure and year make
// readers' filters skip most row groups.
type ResultWriter struct {
	pw     *parquet.GenericWriter[resultRecord]
	xw     *parquet.GenericWriter[exportRecord] // export mode: null values allowed
	buf    []resultRecord
	xbuf   []exportRecord
	rows   int64
	err    error
	closed bool
}

// NewResultWriter returns a ResultWriter writing to w, with prov stored in the file's key-value
// metadata.
func NewResultWriter(w io.Writer, prov Provenance) *ResultWriter {
	return &ResultWriter{pw: parquet.NewGenericWriter[resultRecord](w, resultWriterOptions(prov)...)}
}

// newExportParquetWriter is a ResultWriter whose value columns are optional: NaN values (as
// left by disclosure control) are written as null.
func newExportParquetWriter(w io.Writer, prov Provenance) *ResultWriter {
	return &ResultWriter{xw: parquet.NewGenericWriter[exportRecord](w, resultWriterOptions(prov)...)}
}

func resultWriterOptions(prov Provenance) []parquet.WriterOption {
	opts := []parquet.WriterOption{
		parquet.MaxRowsPerRowGroup(ResultRowGroupRows),
		parquet.Compression(&snappy.Codec{}), // verified cheaply by readers; see verifyPayload
		parquet.CreatedBy("carecast", "1", ""),
	}
	for k, v := range prov.Metadata() {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	return opts
}

// writeBatch is how many rows are converted before they are handed to the Parquet writer.
const writeBatch = 1024

// Write appends rows to the table. See ResultWriter for the checks it makes.
func (w *ResultWriter) Write(rows ...forecast.ResultRow) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("results: write after Close")
	}
	for i := range rows {
		if err := checkResultRow(&rows[i], w.xw == nil); err != nil {
			w.err = fmt.Errorf("results: row %d: %w", w.rows+int64(i)+1, err)
			return w.err
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), writeBatch)
		if err := w.writeBatch(rows[:n]); err != nil {
			w.err = fmt.Errorf("results: writing rows: %w", err)
			return w.err
		}
		w.rows += int64(n)
		rows = rows[n:]
	}
	return nil
}

func (w *ResultWriter) writeBatch(rows []forecast.ResultRow) error {
	if w.xw != nil {
		w.xbuf = w.xbuf[:0]
		for i := range rows {
			r := &rows[i]
			w.xbuf = append(w.xbuf, exportRecord{ScenarioID: r.ScenarioID, RunID: r.RunID, AreaCode: r.AreaCode,
				AreaName: r.AreaName, Year: int32(r.Year), Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand,
				Mean: nullable(r.Mean), P10: nullable(r.P10), P50: nullable(r.P50), P90: nullable(r.P90)})
		}
		_, err := w.xw.Write(w.xbuf)
		return err
	}
	w.buf = w.buf[:0]
	for i := range rows {
		r := &rows[i]
		w.buf = append(w.buf, resultRecord{ScenarioID: r.ScenarioID, RunID: r.RunID, AreaCode: r.AreaCode,
			AreaName: r.AreaName, Year: int32(r.Year), Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand,
			Mean: r.Mean, P10: r.P10, P50: r.P50, P90: r.P90})
	}
	_, err := w.pw.Write(w.buf)
	return err
}

func nullable(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// Rows returns how many rows have been written.
func (w *ResultWriter) Rows() int64 { return w.rows }

// Close writes the last row group and the footer. It does not close the underlying writer.
// Calling Close again returns nil.
func (w *ResultWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	var err error
	if w.xw != nil {
		err = w.xw.Close()
	} else {
		err = w.pw.Close()
	}
	if err != nil {
		return fmt.Errorf("results: writing footer: %w", err)
	}
	return nil
}

// Year bounds of result rows.
const (
	minResultYear = 1900
	maxResultYear = 2200
)

// checkResultRow checks what every result row must satisfy; finite asks for finite values
// (stored results) rather than finite-or-NaN (exports, where NaN means suppressed).
func checkResultRow(r *forecast.ResultRow, finite bool) error {
	for _, f := range []struct{ name, v string }{{"scenario_id", r.ScenarioID}, {"run_id", r.RunID},
		{"area_code", r.AreaCode}, {"area_name", r.AreaName}, {"measure", r.Measure}, {"unit", r.Unit},
		{"sex", r.Sex}, {"age_band", r.AgeBand}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%s is not valid UTF-8", f.name)
		}
	}
	switch {
	case r.AreaCode == "":
		return errors.New("area_code is empty")
	case r.Measure == "":
		return errors.New("measure is empty")
	case strings.ContainsRune(r.Measure, '*'):
		return fmt.Errorf("measure %q: * is not allowed (filters use it for prefixes)", r.Measure)
	case r.Unit == "":
		return fmt.Errorf("measure %s: unit is empty", r.Measure)
	case r.Sex != "female" && r.Sex != "male" && r.Sex != "all":
		return fmt.Errorf("sex %q: want female, male or all", r.Sex)
	case r.Year < minResultYear || r.Year > maxResultYear:
		return fmt.Errorf("year %d: outside %d..%d", r.Year, minResultYear, maxResultYear)
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"mean", r.Mean}, {"p10", r.P10}, {"p50", r.P50}, {"p90", r.P90}} {
		if math.IsInf(v.v, 0) || (finite && math.IsNaN(v.v)) {
			return fmt.Errorf("%s %s %d: %s is %v; want a finite number", r.AreaCode, r.Measure, r.Year, v.name, v.v)
		}
	}
	return nil
}
