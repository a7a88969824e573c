package timeseries

import (
	"fmt"
	"math"
)

// randomWalk is the naive method (drift false) or the random walk with drift. It follows R's
// forecast::rwf: for the naive method the one-step variance is the mean of the squared first
// differences; with drift, b is the mean difference, the variance is that of the differences
// about b (n-2 degrees of freedom), and the h-step variance adds (h·se(b))².
type randomWalk struct {
	last, b, bse, s2 float64
	drift            bool
	fit              []float64
}

func fitNaive(y []float64) *randomWalk {
	n := len(y)
	rw := &randomWalk{last: y[n-1], fit: make([]float64, n)}
	rw.fit[0] = math.NaN()
	var ss float64
	for i := 1; i < n; i++ {
		rw.fit[i] = y[i-1]
		d := y[i] - y[i-1]
		ss += d * d
	}
	rw.s2 = ss / float64(n-1)
	return rw
}

func fitDrift(y []float64) *randomWalk {
	n := len(y)
	rw := &randomWalk{last: y[n-1], drift: true, fit: make([]float64, n)}
	rw.b = (y[n-1] - y[0]) / float64(n-1)
	rw.fit[0] = math.NaN()
	var ss float64
	for i := 1; i < n; i++ {
		rw.fit[i] = y[i-1] + rw.b
		d := y[i] - y[i-1] - rw.b
		ss += d * d
	}
	rw.s2 = ss / float64(n-2)
	rw.bse = math.Sqrt(rw.s2 / float64(n-1))
	return rw
}

func (rw *randomWalk) predict(h int, _ Options) ([]float64, []marginal) {
	mu := make([]float64, h)
	v := make([]float64, h)
	for i := range mu {
		s := float64(i + 1)
		mu[i] = rw.last + s*rw.b
		v[i] = rw.s2*s + (s*rw.bse)*(s*rw.bse)
	}
	return mu, normals(mu, v)
}

func (rw *randomWalk) describe() string {
	if rw.drift {
		return fmt.Sprintf("random walk with drift %.6g", rw.b)
	}
	return "random walk"
}

func (rw *randomWalk) fitted() []float64 { return rw.fit }
