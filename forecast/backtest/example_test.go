package backtest_test

import (
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast/backtest"
)

func ExampleSummarize() {
	// Two districts' people 60+ in 2020: carecast's projection, a rival's, and the outturn.
	// The scale (the district's mean yearly change in population before the origin) gives MASE.
	nan := math.NaN()
	row := func(area string, ours, rival, actual, scale float64) backtest.Row {
		return backtest.Row{Backtest: "contest", Area: area, Level: backtest.LevelDistrict, Measure: "population",
			Sex: "all", AgeBand: "60+", Year: 2020, Forecast: ours, Benchmark: rival, BenchmarkName: "ONS",
			Actual: actual, Scale: scale, Lo: nan, Hi: nan}
	}
	rows := []backtest.Row{row("A", 10300, 10050, 10000, 500), row("B", 19600, 20100, 20000, 400)}
	for _, s := range backtest.Summarize(rows, backtest.ByYear) {
		fmt.Printf("%s %d: carecast MAPE %.2f%%, bias %+.2f%%, MASE %.2f; %s MAPE %.2f%%; paired %v\n",
			s.AgeBand, s.Year, s.Ours.MAPE, s.Ours.Bias, s.Ours.MASE, s.BenchmarkName, s.Benchmark.MAPE, s.Paired)
	}
	// Output:
	// 60+ 2020: carecast MAPE 2.50%, bias +0.50%, MASE 0.80; ONS MAPE 0.50%; paired true
}
