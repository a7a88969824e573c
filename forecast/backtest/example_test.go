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

func ExampleServiceWidening_Interval() {
	// A council's home care for people 65+: 1,000 clients projected, CV of its rates 3%, τ 14%
	// a year. The engine's 80% interval is the same at every horizon; widened, it grows.
	w := backtest.ServiceWidening{Level: 0.8, Power: backtest.DefaultWideningPower,
		Taus: []backtest.ServiceTau{{Measure: backtest.MeasureHomeCare, AgeBand: "65+", Tau: 0.14}}}
	for _, h := range []int{0, 1, 4, 9} {
		lo, hi := w.Interval(backtest.MeasureHomeCare, "65+", 1000, 0.03, h)
		fmt.Printf("horizon %d: %.0f to %.0f\n", h, lo, hi)
	}
	// Output:
	// horizon 0: 962 to 1038
	// horizon 1: 817 to 1183
	// horizon 4: 639 to 1361
	// horizon 9: 460 to 1540
}

func ExamplePopulationErrorModel_Interval() {
	// A model whose people 85+ err with a spread of 13.9% at 9 years, growing linearly.
	m := &backtest.PopulationErrorModel{Level: 0.8, RefHorizon: 9, Power: 1,
		Bands: []backtest.BandError{{AgeBand: "85+", SD: 0.139}}}
	for _, h := range []int{1, 9, 20} {
		lo, hi, _ := m.Interval("85+", h, 5000)
		fmt.Printf("85+, horizon %d: %.0f to %.0f\n", h, lo, hi)
	}
	// Output:
	// 85+, horizon 1: 4902 to 5100
	// 85+, horizon 9: 4184 to 5975
	// 85+, horizon 20: 3366 to 7428
}
