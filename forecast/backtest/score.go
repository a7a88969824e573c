package backtest

import (
	"math"
	"slices"
)

// PctError returns the percentage error of forecast against actual, 100·(forecast − actual) /
// actual: positive when the forecast is too high. It is NaN if actual is 0 or either is NaN.
func PctError(forecast, actual float64) float64 {
	if actual == 0 {
		return math.NaN()
	}
	return 100 * (forecast - actual) / actual
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1) of x by linear interpolation between order
// statistics: R's type 7, the default of R's quantile() and NumPy's percentile(). x is not
// modified. It returns NaN if x is empty and panics if p is outside [0, 1].
func Quantile(x []float64, p float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("backtest: quantile outside [0, 1]")
	}
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// NaiveScale returns the scale of the mean absolute scaled error (MASE, Hyndman and Koehler
// 2006) for a series observed up to a forecast's origin: the mean absolute one-step change,
// that is the in-sample mean absolute error of the naive random-walk forecast. series is in
// time order, one value a year. NaiveScale returns NaN with fewer than two values.
func NaiveScale(series []float64) float64 {
	if len(series) < 2 {
		return math.NaN()
	}
	var s float64
	for i := 1; i < len(series); i++ {
		s += math.Abs(series[i] - series[i-1])
	}
	return s / float64(len(series)-1)
}

// Scores are the accuracy of a set of forecasts. Percentages are of the actual value.
type Scores struct {
	N int // forecasts scored

	MAPE      float64 // mean absolute percentage error, percent
	MedianAPE float64 // median absolute percentage error, percent (Quantile type 7)
	P90APE    float64 // 90th percentile of the absolute percentage errors, percent (type 7)
	Bias      float64 // mean percentage error, percent: positive when forecasts are too high

	// MASE is the mean absolute scaled error: the mean of |forecast − actual| / scale over the
	// forecasts with a scale (see NaiveScale); NaN if none has one. Below 1, the forecasts
	// beat the typical one-year change of the series before the origin.
	MASE   float64
	Scaled int // forecasts with a scale

	// Coverage is the share (0..1) of the forecasts with an interval whose interval holds the
	// actual value; NaN if none has one.
	Coverage  float64
	Intervals int // forecasts with an interval
}

// score computes Scores from forecasts f, actuals a, scales sc (NaN: none) and intervals
// lo, hi (NaN: none); all of the same length. Pairs with a NaN forecast are skipped.
func score(f, a, sc, lo, hi []float64) Scores {
	var s Scores
	var ape []float64
	var sumAPE, sumPE, sumSE float64
	var covered int
	for i := range f {
		pe := PctError(f[i], a[i])
		if math.IsNaN(pe) {
			continue
		}
		s.N++
		ape = append(ape, math.Abs(pe))
		sumAPE += math.Abs(pe)
		sumPE += pe
		if sc[i] > 0 && !math.IsInf(sc[i], 0) {
			s.Scaled++
			sumSE += math.Abs(f[i]-a[i]) / sc[i]
		}
		if !math.IsNaN(lo[i]) && !math.IsNaN(hi[i]) {
			s.Intervals++
			if lo[i] <= a[i] && a[i] <= hi[i] {
				covered++
			}
		}
	}
	nan := math.NaN()
	s.MAPE, s.Bias, s.MedianAPE, s.P90APE, s.MASE, s.Coverage = nan, nan, nan, nan, nan, nan
	if s.N > 0 {
		s.MAPE = sumAPE / float64(s.N)
		s.Bias = sumPE / float64(s.N)
		s.MedianAPE = Quantile(ape, 0.5)
		s.P90APE = Quantile(ape, 0.9)
	}
	if s.Scaled > 0 {
		s.MASE = sumSE / float64(s.Scaled)
	}
	if s.Intervals > 0 {
		s.Coverage = float64(covered) / float64(s.Intervals)
	}
	return s
}
