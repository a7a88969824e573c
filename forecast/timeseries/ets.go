package timeseries

import (
	"fmt"
	"math"
	"slices"
)

// etsSpec names an ETS model: error 'A' or 'M', trend 'N' or 'A' (damped or not), season 'N',
// 'A' or 'M' with period m.
type etsSpec struct {
	err, trend, season byte
	damped             bool
	m                  int
}

func (s etsSpec) String() string {
	d := ""
	if s.damped {
		d = "d"
	}
	return fmt.Sprintf("ETS(%c,%c%s,%c)", s.err, s.trend, d, s.season)
}

// nstate is the length of the state vector (level, trend, m seasonal states).
func (s etsSpec) nstate() int {
	k := 1
	if s.trend != 'N' {
		k++
	}
	if s.season != 'N' {
		k += s.m
	}
	return k
}

// Parameter bounds of R's ets(): lower and upper for alpha, beta, gamma, phi.
var (
	etsLower = [4]float64{1e-4, 1e-4, 1e-4, 0.8}
	etsUpper = [4]float64{0.9999, 0.9999, 0.9999, 0.98}
)

// Numerical guards of R's etscalc.c.
const (
	etsTol  = 1e-10
	etsHuge = 1e10
)

// optimisation criterion: the likelihood (ets) or the one-step mean squared error (ses, holt).
type etsCrit int

const (
	critLik etsCrit = iota
	critMSE
)

// etsModel is a fitted ETS model.
type etsModel struct {
	spec                    etsSpec
	alpha, beta, gamma, phi float64
	x0, last                []float64 // initial and final states
	sigma2                  float64   // innovation variance, sum(e²)/(n-npar) as in R
	lik                     float64   // -2 log likelihood up to a constant, as R's ets "lik"
	aic, aicc, bic          float64
	npar                    int // estimated parameters (smoothing and initial states)
	fit                     []float64
	constant                bool // the series is constant: forecast it with zero variance
}

func (e *etsModel) describe() string {
	if e.constant {
		return "ETS(A,N,N) of a constant series"
	}
	return e.spec.String()
}

func (e *etsModel) fitted() []float64 { return e.fit }

// etsWork holds the scratch space of one ETS fit so that the many likelihood evaluations of an
// optimisation allocate nothing.
type etsWork struct {
	y         []float64
	spec      etsSpec
	crit      etsCrit
	s, olds   []float64 // seasonal states
	x0        []float64 // decoded initial state
	nm        nmWork
	objective func([]float64) float64
}

func newETSWork(y []float64) *etsWork {
	w := &etsWork{y: y}
	w.objective = w.eval
	return w
}

// calc runs the ETS recursions of R's etscalc from initial state x0 and returns R's "lik"
// (n·log Σe² for additive errors, plus 2·Σlog|ŷ| for multiplicative ones). If e is not nil it
// receives the residuals (relative ones for multiplicative errors) and if last is not nil the
// final state. It returns NaN where R returns NA.
func (w *etsWork) calc(alpha, beta, gamma, phi float64, x0 []float64, e, last []float64) float64 {
	sp := w.spec
	m := sp.m
	y := w.y
	l := x0[0]
	var b float64
	k := 1
	if sp.trend != 'N' {
		b = x0[1]
		k = 2
	}
	seasonal := sp.season != 'N'
	var s, olds []float64
	if seasonal {
		s, olds = w.s[:m], w.olds[:m]
		copy(s, x0[k:k+m])
	}
	if sp.trend == 'N' {
		phi, beta = 0, 0 // f = l, and b never changes
	}
	// Σlog|ŷ| for multiplicative errors, accumulated as a product renormalised now and then:
	// one logarithm per series instead of one per observation.
	mult := sp.err == 'M'
	var sse, lik2 float64
	prod := 1.0
	for i, yi := range y {
		oldl, oldb := l, b
		phib := phi * oldb
		q := oldl + phib
		f := q
		if seasonal {
			copy(olds, s)
			switch sp.season {
			case 'A':
				f += olds[m-1]
			case 'M':
				f *= olds[m-1]
			}
		}
		var ei float64
		if sp.err == 'A' {
			ei = yi - f
		} else {
			ei = (yi - f) / f
		}
		if e != nil {
			e[i] = ei
		}
		sse += ei * ei
		if mult {
			prod *= math.Abs(f)
			if prod > 1e200 || prod < 1e-200 {
				lik2 += math.Log(prod)
				prod = 1
			}
		}
		// Update the states.
		p := yi
		if seasonal {
			if sp.season == 'A' {
				p = yi - olds[m-1]
			} else if math.Abs(olds[m-1]) < etsTol {
				p = etsHuge
			} else {
				p = yi / olds[m-1]
			}
		}
		l = q + alpha*(p-q)
		if sp.trend != 'N' {
			b = phib + (beta/alpha)*(l-oldl-phib)
		}
		if seasonal {
			var t float64
			if sp.season == 'A' {
				t = yi - q
			} else if math.Abs(q) < etsTol {
				t = etsHuge
			} else {
				t = yi / q
			}
			s[0] = olds[m-1] + gamma*(t-olds[m-1])
			copy(s[1:], olds[:m-1])
		}
	}
	if last != nil {
		last[0] = l
		if sp.trend != 'N' {
			last[1] = b
		}
		if seasonal {
			copy(last[k:], s)
		}
	}
	n := float64(len(y))
	if w.crit == critMSE {
		return sse / n
	}
	lik := n * math.Log(sse)
	if mult {
		lik += 2 * (lik2 + math.Log(prod))
	}
	return lik
}

// split decodes an optimisation vector (alpha, beta?, gamma?, phi?, l, b?, s0..s(m-2)) into
// parameters and the full initial state in w.x0 (the last seasonal state makes the seasonal
// states sum to 0, or to m for multiplicative seasonality).
func (w *etsWork) split(par []float64) (alpha, beta, gamma, phi float64) {
	sp := w.spec
	i := 0
	alpha = par[i]
	i++
	phi = 1
	if sp.trend != 'N' {
		beta = par[i]
		i++
	}
	if sp.season != 'N' {
		gamma = par[i]
		i++
	}
	if sp.damped {
		phi = par[i]
		i++
	}
	ns := sp.nstate()
	x0 := w.x0[:ns]
	copy(x0, par[i:])
	if sp.season != 'N' {
		k := 1
		if sp.trend != 'N' {
			k = 2
		}
		sum := 0.0
		for _, v := range x0[k : ns-1] {
			sum += v
		}
		if sp.season == 'M' {
			x0[ns-1] = float64(sp.m) - sum
		} else {
			x0[ns-1] = -sum
		}
	}
	return alpha, beta, gamma, phi
}

// eval is the optimisation objective (R's forecast:::lik).
func (w *etsWork) eval(par []float64) float64 {
	alpha, beta, gamma, phi := w.split(par)
	sp := w.spec
	if !etsParamsOK(sp, alpha, beta, gamma, phi) {
		return math.Inf(1)
	}
	if sp.season == 'M' {
		k := 1
		if sp.trend != 'N' {
			k = 2
		}
		if slices.Min(w.x0[k:sp.nstate()]) < 0 {
			return math.Inf(1)
		}
	}
	lik := w.calc(alpha, beta, gamma, phi, w.x0, nil, nil)
	if math.IsNaN(lik) {
		return math.Inf(1)
	}
	if lik < -1e10 {
		return -1e10
	}
	return lik
}

// etsParamsOK applies R's bounds = "both": the usual bounds and the admissible region.
func etsParamsOK(sp etsSpec, alpha, beta, gamma, phi float64) bool {
	if alpha < etsLower[0] || alpha > etsUpper[0] {
		return false
	}
	if sp.trend != 'N' && (beta < etsLower[1] || beta > alpha || beta > etsUpper[1]) {
		return false
	}
	if sp.damped && (phi < etsLower[3] || phi > etsUpper[3]) {
		return false
	}
	if sp.season != 'N' && (gamma < etsLower[2] || gamma > 1-alpha || gamma > etsUpper[2]) {
		return false
	}
	return etsAdmissible(sp, alpha, beta, gamma, phi)
}

// etsAdmissible is R's forecast:::admissible: the parameters give a forecastable model.
func etsAdmissible(sp etsSpec, alpha, beta, gamma, phi float64) bool {
	if !sp.damped {
		phi = 1
	}
	if phi < 0 || phi > 1+1e-8 {
		return false
	}
	if sp.season == 'N' {
		if alpha < 1-1/phi || alpha > 1+1/phi {
			return false
		}
		if sp.trend != 'N' && (beta < alpha*(phi-1) || beta > (1+phi)*(2-alpha)) {
			return false
		}
		return true
	}
	m := float64(sp.m)
	if sp.trend == 'N' {
		beta = 0
	}
	if gamma < math.Max(1-1/phi-alpha, 0) || gamma > 1+1/phi-alpha {
		return false
	}
	if alpha < 1-1/phi-gamma*(1-m+phi+phi*m)/(2*phi*m) {
		return false
	}
	if beta < -(1-phi)*(gamma/m+alpha) {
		return false
	}
	// The characteristic polynomial, lowest power first, must have all roots in the unit disc.
	P := make([]float64, sp.m+2)
	P[0] = phi * (1 - alpha - gamma)
	P[1] = alpha + beta - alpha*phi + gamma - 1
	for i := 2; i < sp.m; i++ {
		P[i] = alpha + beta - alpha*phi
	}
	P[sp.m] = alpha + beta - phi
	P[sp.m+1] = 1
	return maxRootModulus(P) <= 1+1e-10
}

// initParams returns R's starting values (forecast:::initparam) for the smoothing parameters.
func initParams(sp etsSpec) []float64 {
	m := float64(sp.m)
	if sp.season == 'N' {
		m = 1
	}
	par := make([]float64, 0, 4)
	alpha := etsLower[0] + 0.2*(etsUpper[0]-etsLower[0])/m
	if alpha > 1 || alpha < 0 {
		alpha = etsLower[0] + 2e-3
	}
	par = append(par, alpha)
	if sp.trend != 'N' {
		up := math.Min(etsUpper[1], alpha)
		beta := etsLower[1] + 0.1*(up-etsLower[1])
		if beta < 0 || beta > alpha {
			beta = alpha - 0.001
		}
		par = append(par, beta)
	}
	if sp.season != 'N' {
		up := math.Min(etsUpper[2], 1-alpha)
		gamma := etsLower[2] + 0.05*(up-etsLower[2])
		if gamma < 0 || gamma > 1-alpha {
			gamma = 1 - alpha - 0.001
		}
		par = append(par, gamma)
	}
	if sp.damped {
		phi := etsLower[3] + 0.99*(etsUpper[3]-etsLower[3])
		if phi < 0 || phi > 1 {
			phi = etsUpper[3] - 0.001
		}
		par = append(par, phi)
	}
	return par
}

// initState returns R's starting values (forecast:::initstate) for the initial states: level
// and trend from a regression on the first ten (seasonally adjusted) observations, seasonal
// states from a classical decomposition. Seasonal models need at least 3m observations.
func initState(y []float64, sp etsSpec) []float64 {
	ysa := y
	var seas []float64
	m := sp.m
	if sp.season != 'N' {
		mult := sp.season == 'M'
		fig := decomposeFigure(y, m, mult)
		// R: init.seas <- rev(seasonal[2:m]); seasonal[i] = fig[(i-1) %% m].
		seas = make([]float64, m-1)
		for i := range seas {
			seas[i] = fig[m-1-i]
		}
		ysa = make([]float64, len(y))
		if mult {
			sum := 0.0
			for i := range seas {
				seas[i] = math.Max(seas[i], 0.01)
				sum += seas[i]
			}
			if sum > float64(m) {
				for i := range seas {
					seas[i] /= sum + 0.01*float64(m-1)
				}
			}
			for i, v := range y {
				ysa[i] = v / math.Max(fig[i%m], 0.01)
			}
		} else {
			for i, v := range y {
				ysa[i] = v - fig[i%m]
			}
		}
	} else {
		m = 1
	}
	maxn := min(max(10, 2*m), len(ysa))
	x := make([]float64, 0, 2+len(seas))
	if sp.trend == 'N' {
		sum := 0.0
		for _, v := range ysa[:maxn] {
			sum += v
		}
		x = append(x, sum/float64(maxn))
	} else {
		a, b := lineFit(ysa[:maxn], 1)
		if math.Abs(a+b) < 1e-8 {
			a *= 1 + 0.001
			b *= 1 - 0.001
		}
		x = append(x, a, b)
	}
	return append(x, seas...)
}

// lineFit returns the least-squares intercept and slope of y on t = t0, t0+1, ….
func lineFit(y []float64, t0 float64) (a, b float64) {
	n := float64(len(y))
	var st, sy float64
	for i, v := range y {
		st += t0 + float64(i)
		sy += v
	}
	mt, my := st/n, sy/n
	var sxy, sxx float64
	for i, v := range y {
		d := t0 + float64(i) - mt
		sxy += d * (v - my)
		sxx += d * d
	}
	b = sxy / sxx
	return my - b*mt, b
}

// fitETS fits one ETS model by maximum likelihood (or MSE) as R's forecast:::etsmodel does. It
// returns nil if the model has too many parameters for the series or cannot be estimated.
func fitETS(w *etsWork, sp etsSpec, crit etsCrit) *etsModel {
	y := w.y
	n := len(y)
	w.spec, w.crit = sp, crit
	if sp.season != 'N' {
		if cap(w.s) < sp.m {
			w.s, w.olds = make([]float64, sp.m), make([]float64, sp.m)
		}
	}
	if cap(w.x0) < sp.nstate() {
		w.x0 = make([]float64, sp.nstate()+24)
	}
	par := initParams(sp)
	par = append(par, initState(y, sp)...)
	np := len(par)
	if np >= n-1 {
		return nil
	}
	fmin := nelderMead(w.objective, par, math.Sqrt(2.220446049250313e-16), 2000, &w.nm)
	if math.IsInf(fmin, 0) || math.IsNaN(fmin) {
		return nil
	}
	alpha, beta, gamma, phi := w.split(par)
	ns := sp.nstate()
	e := &etsModel{
		spec: sp, alpha: alpha, beta: beta, gamma: gamma, phi: phi,
		x0:   slices.Clone(w.x0[:ns]),
		last: make([]float64, ns),
		npar: np,
	}
	res := make([]float64, n)
	w.crit = critLik
	lik := w.calc(alpha, beta, gamma, phi, e.x0, res, e.last)
	w.crit = crit
	if math.IsNaN(lik) || math.IsInf(lik, 0) {
		return nil
	}
	e.lik = lik
	k := float64(np + 1)
	nf := float64(n)
	e.aic = lik + 2*k
	e.bic = lik + math.Log(nf)*k
	e.aicc = e.aic + 2*k*(k+1)/(nf-k-1)
	var ss float64
	e.fit = make([]float64, n)
	for i, r := range res {
		ss += r * r
		if sp.err == 'A' {
			e.fit[i] = y[i] - r
		} else {
			e.fit[i] = y[i] / (1 + r)
		}
	}
	e.sigma2 = ss / float64(n-np)
	return e
}

// constantETS is R's answer for a constant series: simple exponential smoothing with alpha
// 0.99999 and zero variance.
func constantETS(y []float64) *etsModel {
	n := len(y)
	e := &etsModel{
		spec: etsSpec{err: 'A', trend: 'N', season: 'N', m: 1}, alpha: 0.99999, phi: 1,
		x0: []float64{y[0]}, last: []float64{y[n-1]}, constant: true, npar: 2,
		fit: slices.Repeat([]float64{y[0]}, n),
	}
	return e
}

// fitETSFixed fits one named model (ses, holt, damped).
func fitETSFixed(y []float64, sp etsSpec, crit etsCrit) (predictor, error) {
	if isConstant(y) {
		return constantETS(y), nil
	}
	e := fitETS(newETSWork(y), sp, crit)
	if e == nil {
		return nil, fmt.Errorf("%s: %w", sp, ErrNoModel)
	}
	return e, nil
}

// fitETSAuto fits every admissible ETS model and keeps the one with the smallest AICc, as R's
// ets(y) does with its defaults: additive and multiplicative errors (multiplicative only for
// positive data), no, additive and damped additive trend (no multiplicative trend), and for
// seasonal data with at least 3m observations no, additive and multiplicative seasonality;
// additive errors are not combined with multiplicative seasonality.
func fitETSAuto(y []float64, m int) (*etsModel, error) {
	if isConstant(y) {
		return constantETS(y), nil
	}
	w := newETSWork(y)
	positive := slices.Min(y) > 0
	seasons := []byte{'N'}
	if m > 1 && m <= 24 && len(y) >= 3*m {
		seasons = []byte{'N', 'A', 'M'}
	}
	var best *etsModel
	for _, et := range []byte{'A', 'M'} {
		if et == 'M' && !positive {
			continue
		}
		for _, tt := range []byte{'N', 'A'} {
			for _, st := range seasons {
				if st == 'M' && (et == 'A' || !positive) {
					continue
				}
				for _, damped := range []bool{true, false} {
					if tt == 'N' && damped {
						continue
					}
					mm := 1
					if st != 'N' {
						mm = m
					}
					sp := etsSpec{err: et, trend: tt, season: st, damped: damped, m: mm}
					e := fitETS(w, sp, critLik)
					if e == nil || math.IsNaN(e.aicc) {
						continue
					}
					if best == nil || e.aicc < best.aicc {
						best = e
					}
				}
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("ets: %w", ErrNoModel)
	}
	return best, nil
}

// isConstant reports whether every value equals the first, to R's all.equal tolerance.
func isConstant(y []float64) bool {
	var diff, abs float64
	for _, v := range y {
		diff += math.Abs(v - y[0])
		abs += math.Abs(v)
	}
	if abs > 0 {
		return diff/abs < 1.5e-8
	}
	return diff < 1.5e-8
}
