package timeseries

import "math"

// decomposeFigure returns the seasonal figure of a classical decomposition (R's
// stats::decompose): a centred moving average of order m (2×m for even m) as the trend, the
// average detrended value at each position of the cycle, normalised to sum to 0 (additive) or
// to average 1 (multiplicative). fig[i] is the seasonal component of y[i+k·m]. y must hold at
// least 2m observations.
func decomposeFigure(y []float64, m int, mult bool) []float64 {
	n := len(y)
	w := make([]float64, m+1-m%2)
	if m%2 == 0 {
		for i := range w {
			w[i] = 1 / float64(m)
		}
		w[0], w[m] = 0.5/float64(m), 0.5/float64(m)
	} else {
		for i := range w {
			w[i] = 1 / float64(m)
		}
	}
	half := len(w) / 2
	sum := make([]float64, m)
	cnt := make([]float64, m)
	for t := half; t < n-half; t++ {
		tr := 0.0
		for j, wj := range w {
			tr += wj * y[t+half-j]
		}
		var s float64
		if mult {
			s = y[t] / tr
		} else {
			s = y[t] - tr
		}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			continue
		}
		sum[t%m] += s
		cnt[t%m]++
	}
	fig := make([]float64, m)
	mean := 0.0
	for i := range fig {
		fig[i] = sum[i] / cnt[i]
		mean += fig[i]
	}
	mean /= float64(m)
	for i := range fig {
		if mult {
			fig[i] /= mean
		} else {
			fig[i] -= mean
		}
	}
	return fig
}

// seasonallyAdjust divides y by (or subtracts) its classical multiplicative (or additive)
// seasonal figure and returns the adjusted series and the figure.
func seasonallyAdjust(y []float64, m int, mult bool) (adj, fig []float64) {
	fig = decomposeFigure(y, m, mult)
	adj = make([]float64, len(y))
	for i, v := range y {
		if mult {
			adj[i] = v / fig[i%m]
		} else {
			adj[i] = v - fig[i%m]
		}
	}
	return adj, fig
}

// seasonalACFTest is the test R's thetaf applies before deseasonalising: the lag-m
// autocorrelation exceeds 1.645 standard errors (Bartlett's formula from lags 1..m-1). It needs
// more than 2m observations of a non-constant series.
func seasonalACFTest(y []float64, m int) bool {
	n := len(y)
	if m <= 1 || n <= 2*m || isConstant(y) {
		return false
	}
	r := acf(y, m)
	s := 1.0
	for i := 1; i < m; i++ {
		s += 2 * r[i] * r[i]
	}
	stat := math.Sqrt(s / float64(n))
	return math.Abs(r[m])/stat > 1.6448536269514722
}

// acf returns the sample autocorrelations at lags 0..maxLag (denominator n, as R's acf).
func acf(y []float64, maxLag int) []float64 {
	n := len(y)
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	r := make([]float64, maxLag+1)
	for k := 0; k <= maxLag; k++ {
		s := 0.0
		for t := k; t < n; t++ {
			s += (y[t] - mean) * (y[t-k] - mean)
		}
		r[k] = s / float64(n)
	}
	c0 := r[0]
	for k := range r {
		r[k] /= c0
	}
	return r
}
