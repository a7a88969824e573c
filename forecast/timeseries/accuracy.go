package timeseries

import "math"

// MASE returns the mean absolute scaled error (Hyndman & Koehler 2006) of the forecasts f of
// the outcomes actual: the mean absolute error divided by the in-sample mean absolute error of
// the seasonal naive method (lag m; m < 1 means 1) on the training series train. It returns NaN
// if the scale is zero or undefined. It panics if actual and f differ in length.
func MASE(train, actual, f []float64, m int) float64 {
	if len(actual) != len(f) {
		panic("timeseries: MASE length mismatch")
	}
	m = max(m, 1)
	if len(train) <= m || len(actual) == 0 {
		return math.NaN()
	}
	var scale float64
	for i := m; i < len(train); i++ {
		scale += math.Abs(train[i] - train[i-m])
	}
	scale /= float64(len(train) - m)
	var mae float64
	for i := range actual {
		mae += math.Abs(actual[i] - f[i])
	}
	mae /= float64(len(actual))
	if scale == 0 {
		return math.NaN()
	}
	return mae / scale
}

// Covered returns how many outcomes lie inside their interval, bounds included. It panics if
// the slices differ in length.
func Covered(actual, lower, upper []float64) int {
	if len(actual) != len(lower) || len(actual) != len(upper) {
		panic("timeseries: Covered length mismatch")
	}
	n := 0
	for i, a := range actual {
		if a >= lower[i] && a <= upper[i] {
			n++
		}
	}
	return n
}
