package timeseries

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// marginal is the forecast distribution of one future period.
type marginal interface {
	quantile(p float64) float64
	cdf(x float64) float64
}

// normal is a Gaussian forecast distribution. A zero sd is a point mass at mu.
type normal struct{ mu, sd float64 }

func (d normal) quantile(p float64) float64 {
	if d.sd == 0 {
		return d.mu
	}
	return d.mu + d.sd*distuv.UnitNormal.Quantile(p)
}

func (d normal) cdf(x float64) float64 {
	if d.sd == 0 {
		if x < d.mu {
			return 0
		}
		return 1
	}
	return distuv.UnitNormal.CDF((x - d.mu) / d.sd)
}

// sample is an empirical forecast distribution from simulated paths, sorted ascending.
type sample []float64

// quantile uses R's type 8 definition (median-unbiased), as R's forecast package does for
// simulated intervals.
func (s sample) quantile(p float64) float64 {
	n := float64(len(s))
	h := (n+1.0/3)*p + 1.0/3
	switch {
	case h <= 1:
		return s[0]
	case h >= n:
		return s[len(s)-1]
	}
	lo := math.Floor(h)
	i := int(lo) - 1
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

func (s sample) cdf(x float64) float64 {
	i, _ := slices.BinarySearch(s, x)
	for i < len(s) && s[i] <= x {
		i++
	}
	return float64(i) / float64(len(s))
}

// intervals fills f.Lower and f.Upper from the marginals at each level.
func intervals(f *Forecast, dist []marginal) {
	f.Lower = make([][]float64, len(f.Levels))
	f.Upper = make([][]float64, len(f.Levels))
	for i, lv := range f.Levels {
		lo := make([]float64, len(dist))
		hi := make([]float64, len(dist))
		a := 0.5 - lv/200
		for j, d := range dist {
			lo[j] = d.quantile(a)
			hi[j] = d.quantile(1 - a)
		}
		f.Lower[i], f.Upper[i] = lo, hi
	}
}

// normals returns Gaussian marginals with means mu and variances v.
func normals(mu, v []float64) []marginal {
	d := make([]marginal, len(mu))
	for i := range mu {
		d[i] = normal{mu[i], math.Sqrt(math.Max(v[i], 0))}
	}
	return d
}
