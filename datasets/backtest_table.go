package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/carecast/carecast/forecast/backtest"
)

// BacktestRow is a row of the back-test table: one scored forecast (backtest.Row) with its
// errors. Optional columns are null (Parquet) or empty (CSV) when the forecast has no such
// value: no interval, no benchmark, or no scale. Percentages are of the actual value.
type BacktestRow struct {
	Backtest             string   `parquet:"backtest,dict"`
	AreaCode             string   `parquet:"area_code,dict"`
	AreaName             string   `parquet:"area_name,dict"`
	Level                string   `parquet:"level,dict"` // district, county, region or country
	Measure              string   `parquet:"measure,dict"`
	Unit                 string   `parquet:"unit,dict"`
	Sex                  string   `parquet:"sex,dict"`
	AgeBand              string   `parquet:"age_band,dict"`
	Origin               int32    `parquet:"origin"`
	Year                 int32    `parquet:"year"`
	Horizon              int32    `parquet:"horizon"`
	Actual               float64  `parquet:"actual"`
	Forecast             float64  `parquet:"forecast"`
	Error                float64  `parquet:"error"`     // forecast − actual
	PctError             float64  `parquet:"pct_error"` // 100 · error / actual
	Lo                   *float64 `parquet:"lo,optional"`
	Hi                   *float64 `parquet:"hi,optional"`
	IntervalLevel        *float64 `parquet:"interval_level,optional"`
	BenchmarkName        string   `parquet:"benchmark_name,dict"` // "" without a benchmark
	Benchmark            *float64 `parquet:"benchmark,optional"`
	BenchmarkPctError    *float64 `parquet:"benchmark_pct_error,optional"`
	Scale                *float64 `parquet:"scale,optional"`        // the MASE scale
	ScaledError          *float64 `parquet:"scaled_error,optional"` // error / scale
	BenchmarkScaledError *float64 `parquet:"benchmark_scaled_error,optional"`
}

// BacktestColumns are the back-test table's column names, in order.
var BacktestColumns = []string{"backtest", "area_code", "area_name", "level", "measure", "unit", "sex", "age_band",
	"origin", "year", "horizon", "actual", "forecast", "error", "pct_error", "lo", "hi", "interval_level",
	"benchmark_name", "benchmark", "benchmark_pct_error", "scale", "scaled_error", "benchmark_scaled_error"}

// BacktestRows converts scored forecasts to table rows, in the same order. NaN becomes null.
func BacktestRows(rows []backtest.Row) []BacktestRow {
	opt := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	out := make([]BacktestRow, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = BacktestRow{Backtest: r.Backtest, AreaCode: r.Area, AreaName: r.AreaName, Level: r.Level,
			Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand,
			Origin: int32(r.Origin), Year: int32(r.Year), Horizon: int32(r.Horizon),
			Actual: r.Actual, Forecast: r.Forecast, Error: r.Error(), PctError: r.PctError(),
			Lo: opt(r.Lo), Hi: opt(r.Hi), IntervalLevel: opt(r.IntervalLevel),
			Benchmark: opt(r.Benchmark), BenchmarkPctError: opt(r.BenchmarkPctError()),
			Scale: opt(r.Scale), ScaledError: opt(r.ScaledError()), BenchmarkScaledError: opt(r.BenchmarkScaledError())}
		if out[i].Benchmark != nil {
			out[i].BenchmarkName = r.BenchmarkName
		}
	}
	return out
}

// WriteBacktestParquet writes rows as a Parquet file to w. The same rows give the same bytes.
func WriteBacktestParquet(w io.Writer, rows []BacktestRow) error {
	pw := parquet.NewGenericWriter[BacktestRow](w,
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.Compression(&snappy.Codec{}),
		parquet.CreatedBy("carecast", "1", ""),
	)
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("writing back-test rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("writing back-test footer: %w", err)
	}
	return nil
}

// WriteBacktestCSV writes rows as CSV with a header of BacktestColumns to w. Numbers are
// written in the shortest form that reads back to the same float64; null is an empty field.
// The same rows give the same bytes.
func WriteBacktestCSV(w io.Writer, rows []BacktestRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(BacktestColumns); err != nil {
		return fmt.Errorf("writing back-test CSV: %w", err)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	itoa := func(v int32) string { return strconv.Itoa(int(v)) }
	for i := range rows {
		r := &rows[i]
		rec := []string{r.Backtest, r.AreaCode, r.AreaName, r.Level, r.Measure, r.Unit, r.Sex, r.AgeBand,
			itoa(r.Origin), itoa(r.Year), itoa(r.Horizon), num(r.Actual), num(r.Forecast), num(r.Error), num(r.PctError),
			opt(r.Lo), opt(r.Hi), opt(r.IntervalLevel), r.BenchmarkName, opt(r.Benchmark), opt(r.BenchmarkPctError),
			opt(r.Scale), opt(r.ScaledError), opt(r.BenchmarkScaledError)}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing back-test CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing back-test CSV: %w", err)
	}
	return nil
}

// WriteBacktestFile writes rows to path as Parquet (".parquet") or CSV (".csv"), replacing the
// file atomically. It returns an error for any other extension.
func WriteBacktestFile(path string, rows []backtest.Row) error {
	var write func(io.Writer, []BacktestRow) error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		write = WriteBacktestParquet
	case ".csv":
		write = WriteBacktestCSV
	default:
		return fmt.Errorf("back-test table %s: want a .csv or .parquet file", path)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return write(w, BacktestRows(rows)) })
}
