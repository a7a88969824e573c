package backtest

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestPctError(t *testing.T) {
	for _, c := range []struct{ f, a, want float64 }{
		{110, 100, 10}, {95, 100, -5}, {0, 50, -100}, {3, 3, 0},
	} {
		if got := PctError(c.f, c.a); !near(got, c.want, 1e-12) {
			t.Errorf("PctError(%v, %v) = %v, want %v", c.f, c.a, got, c.want)
		}
	}
	if !math.IsNaN(PctError(1, 0)) {
		t.Error("PctError against 0 should be NaN")
	}
}

// TestQuantile checks type-7 quantiles against R 4.3: quantile(c(1, 2, 3, 4, 10), c(0, .5, .9,
// 1)) is 1, 3, 7.6, 10, and quantile(c(0, 5, 10), .9) is 9.
func TestQuantile(t *testing.T) {
	x := []float64{10, 3, 1, 4, 2} // unsorted: Quantile must not care, nor change x
	for _, c := range []struct{ p, want float64 }{{0, 1}, {0.5, 3}, {0.9, 7.6}, {1, 10}} {
		if got := Quantile(x, c.p); !near(got, c.want, 1e-12) {
			t.Errorf("Quantile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if x[0] != 10 || x[4] != 2 {
		t.Errorf("Quantile modified its input: %v", x)
	}
	if got := Quantile([]float64{0, 5, 10}, 0.9); !near(got, 9, 1e-12) {
		t.Errorf("Quantile 0.9 of 0, 5, 10 = %v, want 9", got)
	}
	if got := Quantile([]float64{7}, 0.9); got != 7 {
		t.Errorf("Quantile of one value = %v, want 7", got)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile of nothing should be NaN")
	}
	defer func() {
		if recover() == nil {
			t.Error("Quantile(1.5) did not panic")
		}
	}()
	Quantile(x, 1.5)
}

func TestNaiveScale(t *testing.T) {
	// Changes 3, −2, 5: mean absolute change 10/3.
	if got := NaiveScale([]float64{100, 103, 101, 106}); !near(got, 10.0/3, 1e-12) {
		t.Errorf("NaiveScale = %v, want 3.333…", got)
	}
	if !math.IsNaN(NaiveScale([]float64{5})) {
		t.Error("NaiveScale of one value should be NaN")
	}
}

// TestSummarize scores three hand-made rows. Forecasts 110, 95 and 200 against 100, 100 and
// 200 have percentage errors +10, −5 and 0: MAPE 5, bias 5/3, median 5, and 90th percentile
// 5 + 0.8·(10 − 5) = 9 (type 7 on 0, 5, 10). Scales 5 and 10 (the third has none) give scaled
// errors 2 and 0.5: MASE 1.25. Intervals [105, 115] (misses 100) and [90, 110] (holds it):
// coverage 0.5. The benchmark, on the first two rows only, errs by −10% and 0%.
func TestSummarize(t *testing.T) {
	nan := math.NaN()
	base := Row{Backtest: "b", Level: LevelDistrict, Measure: MeasurePopulation, Sex: "all", AgeBand: "60+", Year: 2020}
	rows := []Row{base, base, base}
	rows[0].Area, rows[0].Forecast, rows[0].Actual, rows[0].Scale, rows[0].Lo, rows[0].Hi = "A", 110, 100, 5, 105, 115
	rows[1].Area, rows[1].Forecast, rows[1].Actual, rows[1].Scale, rows[1].Lo, rows[1].Hi = "B", 95, 100, 10, 90, 110
	rows[2].Area, rows[2].Forecast, rows[2].Actual, rows[2].Scale, rows[2].Lo, rows[2].Hi = "C", 200, 200, nan, nan, nan
	rows[0].Benchmark, rows[0].BenchmarkName = 90, "rival"
	rows[1].Benchmark, rows[1].BenchmarkName = 100, "rival"
	rows[2].Benchmark = nan
	ss := Summarize(rows, ByYear)
	if len(ss) != 1 {
		t.Fatalf("%d summaries, want 1", len(ss))
	}
	s := ss[0]
	o := s.Ours
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"N", float64(o.N), 3}, {"MAPE", o.MAPE, 5}, {"bias", o.Bias, 5.0 / 3}, {"median", o.MedianAPE, 5},
		{"P90", o.P90APE, 9}, {"MASE", o.MASE, 1.25}, {"scaled", float64(o.Scaled), 2},
		{"coverage", o.Coverage, 0.5}, {"intervals", float64(o.Intervals), 2},
		{"benchmark N", float64(s.Benchmark.N), 2}, {"benchmark MAPE", s.Benchmark.MAPE, 5},
		{"benchmark bias", s.Benchmark.Bias, -5}, {"benchmark MASE", s.Benchmark.MASE, (10.0/5 + 0) / 2},
	} {
		if !near(c.got, c.want, 1e-12) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s.Paired {
		t.Error("Paired with a benchmark on 2 of 3 rows")
	}
	if s.BenchmarkName != "rival" {
		t.Errorf("benchmark name %q", s.BenchmarkName)
	}
	if !math.IsNaN(s.Benchmark.Coverage) {
		t.Error("benchmark coverage should be NaN: benchmarks have no intervals")
	}

	// Pooling and grouping: by area gives three groups in area order.
	byArea := Summarize(rows, ByArea)
	if len(byArea) != 3 || byArea[0].Area != "A" || byArea[2].Area != "C" {
		t.Fatalf("ByArea: %+v", byArea)
	}
	if !byArea[0].Paired || byArea[2].Paired {
		t.Error("ByArea pairing wrong")
	}
}

func TestRowErrors(t *testing.T) {
	r := Row{Forecast: 104, Actual: 100, Scale: 2, Benchmark: 99}
	if r.Error() != 4 || r.PctError() != 4 || r.ScaledError() != 2 || r.BenchmarkPctError() != -1 || r.BenchmarkScaledError() != -0.5 {
		t.Errorf("errors %v %v %v %v %v", r.Error(), r.PctError(), r.ScaledError(), r.BenchmarkPctError(), r.BenchmarkScaledError())
	}
	r.Scale = math.NaN()
	if !math.IsNaN(r.ScaledError()) {
		t.Error("scaled error without a scale should be NaN")
	}
	r.Scale = 0
	if !math.IsNaN(r.ScaledError()) {
		t.Error("scaled error with a zero scale should be NaN")
	}
}

// TestSummaryOrder checks that summaries come districts first, then counties, regions and the
// country, and age bands from the youngest.
func TestSummaryOrder(t *testing.T) {
	mk := func(level, band string) Row {
		return Row{Backtest: "b", Level: level, AgeBand: band, Forecast: 1, Actual: 1, Benchmark: math.NaN(), Scale: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	rows := []Row{mk(LevelCountry, "all"), mk(LevelDistrict, "85+"), mk(LevelRegion, "all"), mk(LevelDistrict, "all"),
		mk(LevelDistrict, "60-64"), mk(LevelCounty, "all"), mk(LevelDistrict, "60+")}
	var got []string
	for _, s := range Summarize(rows, Pooled) {
		got = append(got, s.Level+" "+s.AgeBand)
	}
	want := []string{"district all", "district 60-64", "district 60+", "district 85+", "county all", "region all", "country all"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
