package timeseries

import (
	"fmt"
	"math"
	"slices"
)

// kpss returns the KPSS level-stationarity statistic of Kwiatkowski et al. (1992) with a
// Bartlett-weighted long-run variance of lag trunc(3·√n/13), the lag R's forecast::ndiffs uses
// (urca::ur.kpss with type "mu").
func kpss(x []float64) float64 {
	n := len(x)
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	res := make([]float64, n)
	for i, v := range x {
		res[i] = v - mean
	}
	var s, num, s2 float64
	for _, r := range res {
		s += r
		num += s * s
		s2 += r * r
	}
	nf := float64(n)
	num /= nf * nf
	s2 /= nf
	lmax := int(math.Trunc(3 * math.Sqrt(nf) / 13))
	den := s2
	for l := 1; l <= lmax; l++ {
		var c float64
		for t := l; t < n; t++ {
			c += res[t] * res[t-l]
		}
		den += 2 / nf * (1 - float64(l)/float64(lmax+1)) * c
	}
	return num / den
}

// kpssCritical5 is the 5% critical value of the KPSS level test (Kwiatkowski et al. 1992,
// Table 1). ndiffs differences while the interpolated p-value is below 0.05, that is while the
// statistic exceeds this value.
const kpssCritical5 = 0.463

// ndiffs returns the number of first differences (at most 2) needed to make x level
// stationary by repeated KPSS tests at the 5% level, as R's forecast::ndiffs.
func ndiffs(x []float64) int {
	d := 0
	if isConstant(x) {
		return 0
	}
	for d < 2 {
		if len(x) < 2 || !(kpss(x) > kpssCritical5) {
			return d
		}
		d++
		x = diff(x)
		if isConstant(x) {
			return d
		}
	}
	return d
}

// fitAutoARIMA selects a non-seasonal ARIMA model by the stepwise algorithm of Hyndman &
// Khandakar (2008) as implemented in R's forecast::auto.arima (version 8.20) with its defaults:
// d by KPSS tests, orders up to 5, models compared by AICc, exact maximum likelihood. For a
// seasonal period m > 1 whose lag-m autocorrelation is significant (the test of thetaf), the
// model is fitted to the series deseasonalised by a classical decomposition (multiplicative for
// positive data) and the forecasts are reseasonalised — unlike R, which fits a seasonal ARIMA.
func fitAutoARIMA(y []float64, m int) (*arimaModel, error) {
	x := y
	var fig []float64
	mult := false
	if seasonalACFTest(y, m) {
		mult = slices.Min(y) > 0
		x, fig = seasonallyAdjust(y, m, mult)
	}
	a, err := autoARIMA(x)
	if err != nil {
		return nil, err
	}
	if fig != nil {
		a.fig, a.mult = fig, mult
		for i := range a.fit {
			if mult {
				a.fit[i] *= fig[i%m]
			} else {
				a.fit[i] += fig[i%m]
			}
		}
	}
	return a, nil
}

func autoARIMA(x []float64) (*arimaModel, error) {
	n := len(x)
	if isConstant(x) {
		c := x[0]
		return &arimaModel{spec: arimaSpec{constant: true}, n: n, constY: &c, reg: c,
			fit: slices.Repeat([]float64{c}, n)}, nil
	}
	maxP := min(5, n/3)
	maxQ := min(5, n/3)
	d := ndiffs(x)
	dx := x
	for i := 0; i < d; i++ {
		dx = diff(dx)
	}
	if len(dx) == 0 {
		return nil, fmt.Errorf("arima: %w", ErrTooShort)
	}
	if isConstant(dx) {
		mean, _ := meanSD(dx)
		if d == 2 {
			mean = 0
		}
		return fixedARIMA(x, d, mean)
	}
	// The search below follows forecast::auto.arima line by line, including its quirk that the
	// constant flag of the search is not changed when the initial model without a constant wins.
	constant := d <= 1
	type tried struct {
		p, q     int
		constant bool
	}
	seen := map[tried]bool{}
	var best *arimaModel
	bestIC := math.Inf(1)
	k := 0
	const nmodels = 94
	// better fits ARIMA(p,d,q) and reports whether it beats the best so far.
	better := func(p, q int, c bool) bool {
		seen[tried{p, q, c}] = true
		k++
		m, err := newArimaFitter(x, arimaSpec{p: p, d: d, q: q, constant: c}).fit()
		if err != nil || !(m.aicc < bestIC) {
			return false
		}
		best, bestIC = m, m.aicc
		return true
	}
	startP, startQ := 2, 2
	if n < 10 {
		startP, startQ = 1, 1
	}
	p, q := min(startP, maxP), min(startQ, maxQ)
	better(p, q, constant)
	if better(0, 0, constant) {
		p, q = 0, 0
	}
	if maxP > 0 && better(1, 0, constant) {
		p, q = 1, 0
	}
	if maxQ > 0 && better(0, 1, constant) {
		p, q = 0, 1
	}
	if constant && better(0, 0, false) {
		p, q = 0, 0
	}
	moves := [][2]int{{-1, 0}, {0, -1}, {1, 0}, {0, 1}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}}
	for startk := -1; startk < k && k < nmodels; {
		startk = k
		moved := false
		for _, mv := range moves {
			np, nq := p+mv[0], q+mv[1]
			if np < 0 || nq < 0 || np > maxP || nq > maxQ || seen[tried{np, nq, constant}] {
				continue
			}
			if k >= nmodels {
				break
			}
			if better(np, nq, constant) {
				p, q = np, nq
				moved = true
				break
			}
		}
		if moved || k >= nmodels {
			continue
		}
		if d <= 1 && !seen[tried{p, q, !constant}] && better(p, q, !constant) {
			constant = !constant
		}
	}
	if best == nil {
		return nil, fmt.Errorf("arima: %w", ErrNoModel)
	}
	return best, nil
}
