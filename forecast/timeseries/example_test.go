package timeseries_test

import (
	"context"
	"fmt"

	"github.com/carecast/carecast/forecast/timeseries"
)

// Population of England, mid-2001 to mid-2015 (ONS mid-year estimates).
var england = []float64{49449746, 49679267, 49925517, 50194600, 50606034, 50965186, 51381093,
	51815853, 52196381, 52642452, 53107169, 53493729, 53865817, 54316618, 54786327}

// The model is the one R forecast 8.20's ets() chooses for the same series.
func ExampleFit() {
	m, err := timeseries.Fit(england, timeseries.ETS, timeseries.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := m.Forecast(3, []float64{80, 95})
	fmt.Println(f.Model)
	for j, mean := range f.Mean {
		fmt.Printf("%d: %.2fm (95%%: %.2fm to %.2fm)\n", 2016+j, mean/1e6, f.Lower[1][j]/1e6, f.Upper[1][j]/1e6)
	}
	// Output:
	// ETS(A,A,N)
	// 2016: 55.17m (95%: 54.97m to 55.37m)
	// 2017: 55.56m (95%: 55.28m to 55.84m)
	// 2018: 55.94m (95%: 55.60m to 56.28m)
}

func ExampleFit_fallback() {
	// Five years of clients: too short for ETS, so the naive method is used and says so.
	m, err := timeseries.Fit([]float64{2750, 2855, 2900, 2705, 2525}, timeseries.ETS, timeseries.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := m.Forecast(2, nil)
	fmt.Println(f.Method, f.Mean)
	fmt.Println(f.Fallback)
	// Output:
	// naive [2525 2525]
	// ets needs at least 7 observations, series has 5: used naive
}

func ExampleForecastMany() {
	series := [][]float64{
		england,
		{17.1, 17.1, 17.2, 17.5, 17.3, 17.5, 17.7, 17.7, 17.7, 18, 17.9, 18.2, 18, 18.4, 18.3},
		{10, 12},
	}
	fcs, err := timeseries.ForecastMany(context.Background(), series, timeseries.Auto, 2, nil, timeseries.Options{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fcs {
		fmt.Printf("%s %.4g %q\n", f.Method, f.Mean, f.Fallback)
	}
	// Output:
	// auto [5.519e+07 5.559e+07] ""
	// auto [18.43 18.48] ""
	// naive [12 12] "auto needs at least 7 observations, series has 2: used naive"
}
