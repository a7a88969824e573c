package timeseries

import (
	"fmt"
	"math"
	"slices"
)

// thetaModel is the Theta method of Assimakopoulos & Nikolopoulos (2000) in the form shown by
// Hyndman & Billah (2003) to be simple exponential smoothing with drift equal to half the
// slope of a linear trend fitted to the data, as in R's forecast::thetaf: the series is first
// deseasonalised by a classical multiplicative decomposition when the period is above 1 and the
// lag-m autocorrelation is significant at 90%.
type thetaModel struct {
	ses   *etsModel
	alpha float64
	drift float64 // half the slope of the linear trend
	n     int
	fig   []float64 // multiplicative seasonal figure, nil if not deseasonalised
	fit   []float64
}

func fitTheta(y []float64, m int) (*thetaModel, error) {
	n := len(y)
	x := y
	var fig []float64
	if seasonalACFTest(y, m) && slices.Min(y) > 0 {
		adj, f := seasonallyAdjust(y, m, true)
		ok := true
		for _, v := range f {
			if math.Abs(v) < 1e-4 {
				ok = false
			}
		}
		if ok {
			x, fig = adj, f
		}
	}
	var ses *etsModel
	if isConstant(x) {
		ses = constantETS(x)
	} else {
		ses = fitETS(newETSWork(x), etsSpec{err: 'A', trend: 'N', season: 'N', m: 1}, critMSE)
		if ses == nil {
			return nil, fmt.Errorf("theta: %w", ErrNoModel)
		}
	}
	_, b := lineFit(x, 0)
	t := &thetaModel{ses: ses, alpha: math.Max(1e-10, ses.alpha), drift: b / 2, n: n, fig: fig}
	if ses.constant {
		t.drift = 0
	}
	t.fit = make([]float64, n)
	for i := range t.fit {
		f := ses.fit[i] + t.drift*(1-math.Pow(1-t.alpha, float64(i)))/t.alpha
		if fig != nil {
			f *= fig[i%m]
		}
		t.fit[i] = f
	}
	return t, nil
}

func (t *thetaModel) predict(h int, _ Options) ([]float64, []marginal) {
	mu := make([]float64, h)
	v := make([]float64, h)
	a := t.alpha
	l := t.ses.last[0]
	base := (1 - math.Pow(1-a, float64(t.n))) / a
	s2 := t.ses.sigma2
	if t.ses.constant {
		s2 = 0
	}
	for j := range mu {
		mu[j] = l + t.drift*(float64(j)+base)
		v[j] = s2 * (float64(j)*a*a + 1)
		if t.fig != nil {
			// Reseasonalise the mean and, unlike R's thetaf, the standard error too.
			s := t.fig[(t.n+j)%len(t.fig)]
			mu[j] *= s
			v[j] *= s * s
		}
	}
	return mu, normals(mu, v)
}

func (t *thetaModel) describe() string {
	s := fmt.Sprintf("Theta (alpha %.4g, drift %.6g)", t.alpha, t.drift)
	if t.fig != nil {
		s += ", deseasonalised"
	}
	return s
}

func (t *thetaModel) fitted() []float64 { return t.fit }
