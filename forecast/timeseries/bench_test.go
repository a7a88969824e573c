package timeseries

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// syntheticSeries returns n seeded annual series of length 20 to 40 with a mix of level, trend,
// damped-trend and noise, all positive so that every ETS model (multiplicative errors too) is
// a candidate: the worst case for automatic ETS.
func syntheticSeries(n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, n)
	for i := range out {
		length := 20 + rng.IntN(21)
		level := 100 + 900*rng.Float64()
		slope := level * 0.03 * rng.NormFloat64()
		phi := 0.8 + 0.2*rng.Float64()
		noise := level * (0.005 + 0.03*rng.Float64())
		y := make([]float64, length)
		for t := range y {
			level += slope + noise*rng.NormFloat64()
			slope *= phi
			y[t] = max(level, 1) + noise*rng.NormFloat64()
			if y[t] <= 0 {
				y[t] = 1
			}
		}
		out[i] = y
	}
	return out
}

// BenchmarkETSMany is the docs/design.md §11 workload: automatic ETS on 1,000 annual series of
// length 20–40, forecast 10 years ahead at 80% and 95%, in parallel across GOMAXPROCS
// workers. The target is under 1 s on 2 cores.
func BenchmarkETSMany(b *testing.B) {
	series := syntheticSeries(1000, 2024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ForecastMany(context.Background(), series, ETS, 10, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAutoMany is BenchmarkETSMany's workload with the combination (auto), which fits
// ETS, ARIMA, Theta and damped to each series and to up to three of its truncations.
func BenchmarkAutoMany(b *testing.B) {
	series := syntheticSeries(1000, 2024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ForecastMany(context.Background(), series, Auto, 10, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFit times one fit per method on one series of each size tier.
func BenchmarkFit(b *testing.B) {
	for _, n := range []int{10, 20, 40} {
		y := syntheticSeries(1, uint64(n))[0]
		for len(y) < n {
			y = append(y, y[len(y)-1]*1.01)
		}
		y = y[:n]
		for _, m := range []Method{SES, Holt, Damped, ETS, Theta, ARIMA, Auto} {
			b.Run(fmt.Sprintf("%s/n=%d", m, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Fit(y, m, Options{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
