package datasets

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/carecast/carecast/forecast/backtest"
)

func backtestRowsForTest() []backtest.Row {
	nan := math.NaN()
	return []backtest.Row{
		{Backtest: "population-2016", Area: "E08000019", AreaName: "Sheffield", Level: "district", Measure: "population",
			Unit: "people", Sex: "all", AgeBand: "60+", Origin: 2016, Year: 2020, Horizon: 4, Actual: 123493,
			Forecast: 125000.5, Lo: nan, Hi: nan, IntervalLevel: nan, Benchmark: 124697, BenchmarkName: "ONS 2016-based SNPP", Scale: 2500},
		{Backtest: "population-2011", Area: "E92000001", AreaName: "England", Level: "country", Measure: "population",
			Unit: "people", Sex: "all", AgeBand: "all", Origin: 2011, Year: 2012, Horizon: 1, Actual: 100,
			Forecast: 98, Lo: 90, Hi: 105, IntervalLevel: 0.8, Benchmark: nan, BenchmarkName: "ignored without a benchmark", Scale: nan},
	}
}

// TestBacktestCSV checks the CSV text exactly (percentages checked with Python 3:
// 100*(125000.5-123493)/123493): shortest round-trip numbers, empty fields for
// what a row lacks, no benchmark name without a benchmark.
func TestBacktestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBacktestCSV(&buf, BacktestRows(backtestRowsForTest())); err != nil {
		t.Fatal(err)
	}
	want := "backtest,area_code,area_name,level,measure,unit,sex,age_band,origin,year,horizon,actual,forecast,error,pct_error,lo,hi,interval_level,benchmark_name,benchmark,benchmark_pct_error,scale,scaled_error,benchmark_scaled_error\n" +
		"population-2016,E08000019,Sheffield,district,population,people,all,60+,2016,2020,4,123493,125000.5,1507.5,1.2207169637145425,,,,ONS 2016-based SNPP,124697,0.9749540459783146,2500,0.603,0.4816\n" +
		"population-2011,E92000001,England,country,population,people,all,all,2011,2012,1,100,98,-2,-2,90,105,0.8,,,,,,\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
}

// TestBacktestParquet writes the table twice (same bytes) and reads it back.
func TestBacktestParquet(t *testing.T) {
	rows := BacktestRows(backtestRowsForTest())
	var a, b bytes.Buffer
	if err := WriteBacktestParquet(&a, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteBacktestParquet(&b, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of the same rows differ")
	}
	back, err := parquet.Read[BacktestRow](bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].AreaName != "Sheffield" || back[0].Forecast != 125000.5 || *back[0].Benchmark != 124697 ||
		back[0].Lo != nil || back[1].Benchmark != nil || *back[1].Hi != 105 || back[1].BenchmarkName != "" || back[1].Horizon != 1 {
		t.Errorf("read back %+v", back)
	}
	f, err := parquet.OpenFile(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range f.Schema().Fields() {
		names = append(names, c.Name())
	}
	if len(names) != len(BacktestColumns) {
		t.Fatalf("columns %v, want %v", names, BacktestColumns)
	}
	for i := range names {
		if names[i] != BacktestColumns[i] {
			t.Fatalf("columns %v, want %v", names, BacktestColumns)
		}
	}
}

func TestWriteBacktestFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"r.csv", "r.parquet"} {
		p := filepath.Join(dir, name)
		if err := WriteBacktestFile(p, backtestRowsForTest()); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := WriteBacktestFile(filepath.Join(dir, "r.xlsx"), nil); err == nil {
		t.Error("an .xlsx path gave no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files left in the folder, want 2 (no temporary files)", len(entries))
	}
}
