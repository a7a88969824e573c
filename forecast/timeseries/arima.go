package timeseries

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// arimaSpec is a non-seasonal ARIMA(p,d,q) order. constant means an intercept when d = 0 and a
// drift (a linear trend in the undifferenced series) when d = 1; it is ignored for d = 2.
type arimaSpec struct {
	p, d, q  int
	constant bool
}

func (s arimaSpec) String() string {
	str := fmt.Sprintf("ARIMA(%d,%d,%d)", s.p, s.d, s.q)
	switch {
	case s.constant && s.d == 0:
		str += " with non-zero mean"
	case s.constant && s.d == 1:
		str += " with drift"
	}
	return str
}

// hasReg reports whether the model has a regression term (intercept or drift).
func (s arimaSpec) hasReg() bool { return s.constant && s.d < 2 }

// arimaModel is a fitted ARIMA model.
type arimaModel struct {
	spec       arimaSpec
	phi, theta []float64
	reg        float64 // intercept (d = 0) or drift (d = 1)
	fixed      bool    // coefficients fixed, not estimated (constant differenced series)
	sigma2     float64 // forecast innovation variance: R forecast's Σe²/(n-d-npar+1)
	loglik     float64
	aic, aicc  float64
	n          int
	ss         *arimaSS // filtered state at the end of the series
	fit        []float64
	constY     *float64 // set for a constant series: forecasts equal it with zero variance

	// set when the model was fitted to a seasonally adjusted series
	fig  []float64
	mult bool
}

func (a *arimaModel) describe() string {
	s := a.spec.String()
	if a.constY != nil {
		return "ARIMA(0,0,0) with non-zero mean of a constant series"
	}
	if a.fig != nil {
		s += " of the seasonally adjusted series"
	}
	return s
}

func (a *arimaModel) fitted() []float64 { return a.fit }

func (a *arimaModel) predict(h int, _ Options) ([]float64, []marginal) {
	if a.constY != nil {
		mu := slices.Repeat([]float64{*a.constY}, h)
		return mu, normals(mu, make([]float64, h))
	}
	pred, v := a.ss.forecast(h)
	for i := range pred {
		if a.spec.hasReg() {
			if a.spec.d == 0 {
				pred[i] += a.reg
			} else {
				pred[i] += a.reg * float64(a.n+i+1)
			}
		}
		v[i] *= a.sigma2
	}
	if a.fig != nil {
		m := len(a.fig)
		for i := range pred {
			s := a.fig[(a.n+i)%m]
			if a.mult {
				pred[i] *= s
				v[i] *= s * s
			} else {
				pred[i] += s
			}
		}
	}
	return pred, normals(pred, v)
}

// partrans maps unconstrained values to the coefficients of a stationary AR polynomial via
// tanh to partial autocorrelations and the Durbin–Levinson recursion (R's partrans).
func partrans(raw, out []float64) {
	p := len(raw)
	var wbuf [16]float64
	work := wbuf[:p]
	for j := range raw {
		out[j] = math.Tanh(raw[j])
		work[j] = out[j]
	}
	for j := 1; j < p; j++ {
		a := out[j]
		for k := 0; k < j; k++ {
			work[k] -= a * out[j-k-1]
		}
		copy(out[:j], work[:j])
	}
}

// invpartrans is the inverse of partrans (R's invpartrans).
func invpartrans(phi, out []float64) {
	p := len(phi)
	var wbuf [16]float64
	work := wbuf[:p]
	copy(out, phi)
	copy(work, phi)
	for j := p - 1; j > 0; j-- {
		a := out[j]
		for k := 0; k < j; k++ {
			work[k] = (out[k] + a*out[j-k-1]) / (1 - a*a)
		}
		copy(out[:j], work[:j])
	}
	for j := range out[:p] {
		out[j] = math.Atanh(out[j])
	}
}

// polyRoots returns the complex roots of c[0] + c[1]z + … + c[n]zⁿ (trailing zeros dropped).
func polyRoots(c []float64) ([]complex128, bool) {
	n := len(c) - 1
	for n > 0 && c[n] == 0 {
		n--
	}
	if n < 1 {
		return nil, true
	}
	comp := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		comp.Set(0, j, -c[n-1-j]/c[n])
	}
	for i := 1; i < n; i++ {
		comp.Set(i, i-1, 1)
	}
	var eig mat.Eigen
	if !eig.Factorize(comp, mat.EigenNone) {
		return nil, false
	}
	return eig.Values(nil), true
}

// maInvert reflects the roots of the MA polynomial 1 + θ₁z + … inside the unit circle to
// make it invertible (R's maInvert in stats::arima).
func maInvert(ma []float64) []float64 {
	q := len(ma)
	q0 := 0
	for i := q - 1; i >= 0; i-- {
		if ma[i] != 0 {
			q0 = i + 1
			break
		}
	}
	if q0 == 0 {
		return ma
	}
	c := append([]float64{1}, ma[:q0]...)
	roots, ok := polyRoots(c)
	if !ok {
		return ma
	}
	inside := false
	for _, r := range roots {
		if cmplx.Abs(r) < 1 {
			inside = true
		}
	}
	if !inside {
		return ma
	}
	out := make([]float64, q)
	if q0 == 1 {
		out[0] = 1 / ma[0]
		return out
	}
	x := []complex128{1}
	for _, r := range roots {
		if cmplx.Abs(r) < 1 {
			r = 1 / r
		}
		nx := make([]complex128, len(x)+1)
		copy(nx, x)
		for i := range x {
			nx[i+1] -= x[i] / r
		}
		x = nx
	}
	for i := 0; i < q0; i++ {
		out[i] = real(x[i+1])
	}
	return out
}

// arCheck reports whether 1 - φ₁z - … - φ_p z^p has all roots outside the unit circle.
func arCheck(phi []float64) bool {
	p := 0
	for i := len(phi) - 1; i >= 0; i-- {
		if phi[i] != 0 {
			p = i + 1
			break
		}
	}
	if p == 0 {
		return true
	}
	c := make([]float64, p+1)
	c[0] = 1
	for i := 0; i < p; i++ {
		c[i+1] = -phi[i]
	}
	return minRootModulus(c) > 1
}

// arimaFitter fits one ARIMA order to a series as R's stats::arima(method = "CSS-ML") does.
type arimaFitter struct {
	x    []float64
	spec arimaSpec
	ss   *arimaSS
	npar int // p + q + regression terms
	xreg []float64
	xadj []float64 // x minus the regression term
	dx   []float64 // differenced x (CSS)
	res  []float64 // CSS residuals
	tr   []float64 // transformed coefficient scratch
	nobs int       // n - d
}

var errARIMAFit = errors.New("arima fit failed")

func newArimaFitter(x []float64, spec arimaSpec) *arimaFitter {
	n := len(x)
	f := &arimaFitter{x: x, spec: spec, ss: newArimaSS(spec.p, spec.q, spec.d)}
	f.npar = spec.p + spec.q
	if spec.hasReg() {
		f.npar++
		f.xreg = make([]float64, n)
		for i := range f.xreg {
			if spec.d == 0 {
				f.xreg[i] = 1
			} else {
				f.xreg[i] = float64(i + 1)
			}
		}
	}
	f.xadj = make([]float64, n)
	f.dx = make([]float64, n)
	f.res = make([]float64, n)
	f.tr = make([]float64, f.npar)
	f.nobs = n - spec.d
	return f
}

// adjust writes x minus the regression term into f.xadj.
func (f *arimaFitter) adjust(par []float64) []float64 {
	copy(f.xadj, f.x)
	if f.xreg != nil {
		b := par[f.spec.p+f.spec.q]
		for i := range f.xadj {
			f.xadj[i] -= b * f.xreg[i]
		}
	}
	return f.xadj
}

// css is R's armaCSS: half the log of the mean squared conditional residual, conditioning on
// the first d+p observations.
func (f *arimaFitter) css(par []float64) float64 {
	p, q, d := f.spec.p, f.spec.q, f.spec.d
	phi, theta := par[:p], par[p:p+q]
	w := f.dx
	copy(w, f.adjust(par))
	n := len(w)
	for i := 0; i < d; i++ {
		for l := n - 1; l > 0; l-- {
			w[l] -= w[l-1]
		}
	}
	ncond := d + p
	res := f.res
	var ssq float64
	nu := 0
	for l := ncond; l < n; l++ {
		tmp := w[l]
		for j := 0; j < p; j++ {
			tmp -= phi[j] * w[l-j-1]
		}
		for j := 0; j < min(l-ncond, q); j++ {
			tmp -= theta[j] * res[l-j-1]
		}
		res[l] = tmp
		if !math.IsNaN(tmp) {
			nu++
			ssq += tmp * tmp
		}
	}
	return 0.5 * math.Log(ssq/float64(nu))
}

// setCoef loads AR and MA coefficients into the state space, transforming the AR part from
// the unconstrained scale if trans is set.
func (f *arimaFitter) setCoef(par []float64, trans bool) {
	p, q := f.spec.p, f.spec.q
	if trans {
		partrans(par[:p], f.tr[:p])
		f.ss.phi = f.tr[:p]
	} else {
		f.ss.phi = par[:p]
	}
	f.ss.theta = par[p : p+q]
}

// ml is R's armafn: the Gaussian log likelihood, concentrated over the innovation variance,
// as 0.5·(log s² + Σlog F/ν).
func (f *arimaFitter) ml(par []float64, trans bool) float64 {
	f.setCoef(par, trans)
	if !f.ss.init() {
		return math.MaxFloat64
	}
	ssq, sumlog, nu := f.ss.filter(f.adjust(par), nil)
	s2 := ssq / float64(nu)
	return 0.5 * (math.Log(s2) + sumlog/float64(nu))
}

// bfgs minimises fn from x0 (in units of scale) with gonum's BFGS and central-difference
// gradients of step 1e-3 in the scaled coordinates, as R's optim(method = "BFGS") does with
// its default ndeps and at most 100 iterations. converged is false if the iteration limit
// was reached.
func bfgs(fn func([]float64) float64, x0, scale []float64) (x []float64, fmin float64, converged bool, err error) {
	k := len(x0)
	buf := make([]float64, k)
	unscale := func(z []float64) []float64 {
		for i := range z {
			buf[i] = z[i] * scale[i]
		}
		return buf
	}
	obj := func(z []float64) float64 { return fn(unscale(z)) }
	var gradErr error
	zp := make([]float64, k)
	grad := func(g, z []float64) {
		copy(zp, z)
		for i := range z {
			const eps = 1e-3
			zp[i] = z[i] + eps
			v1 := obj(zp)
			zp[i] = z[i] - eps
			v2 := obj(zp)
			zp[i] = z[i]
			g[i] = (v1 - v2) / (2 * eps)
			if math.IsNaN(g[i]) || math.IsInf(g[i], 0) {
				gradErr = errARIMAFit
				g[i] = 0
			}
		}
	}
	z0 := make([]float64, k)
	for i := range z0 {
		z0[i] = x0[i] / scale[i]
	}
	if f0 := obj(z0); math.IsNaN(f0) || math.IsInf(f0, 0) || f0 >= math.MaxFloat64 {
		return nil, 0, false, errARIMAFit
	}
	settings := &optimize.Settings{
		MajorIterations:   100,
		GradientThreshold: 1e-10,
		Converger:         &optimize.FunctionConverge{Relative: 1e-8, Absolute: 1e-12, Iterations: 1},
	}
	res, mErr := optimize.Minimize(optimize.Problem{Func: obj, Grad: grad}, z0, settings, &optimize.BFGS{})
	if gradErr != nil {
		return nil, 0, false, gradErr
	}
	if res == nil {
		return nil, 0, false, errARIMAFit
	}
	x = make([]float64, k)
	for i := range x {
		x[i] = res.X[i] * scale[i]
	}
	fmin = res.F
	if math.IsNaN(fmin) || math.IsInf(fmin, 0) || fmin >= math.MaxFloat64 {
		return nil, 0, false, errARIMAFit
	}
	// Like R, which only warns when optim does not converge, keep the best point found even if
	// the line search gave up; only the iteration limit counts as non-convergence.
	_ = mErr
	converged = res.Status != optimize.IterationLimit && res.Status != optimize.FunctionEvaluationLimit
	return x, fmin, converged, nil
}

// fit estimates the model by conditional sum of squares for starting values and then exact
// maximum likelihood, and applies the checks of R's forecast:::myarima. It returns
// errARIMAFit if R would reject the model (non-stationary CSS estimate, non-invertible or
// near-unit-root polynomials, a likelihood Hessian that is not positive definite).
func (f *arimaFitter) fit() (*arimaModel, error) {
	sp := f.spec
	p, q := sp.p, sp.q
	n := len(f.x)
	k := f.npar
	init := make([]float64, k)
	scale := slices.Repeat([]float64{1}, k)
	if sp.hasReg() {
		// Least squares on the differenced series: the mean (d = 0) or mean difference (d = 1).
		z := slices.Clone(f.x)
		if sp.d == 1 {
			z = diff(z)
		}
		mean, sd := meanSD(z)
		init[k-1] = mean
		if se := 10 * sd / math.Sqrt(float64(len(z))); se > 0 {
			scale[k-1] = se
		}
	}
	if f.nobs <= 0 {
		return nil, errARIMAFit
	}
	// Conditional sum of squares.
	if k > 0 {
		x, _, conv, err := bfgs(f.css, init, scale)
		if err != nil {
			return nil, err
		}
		if conv {
			copy(init, x)
		}
	}
	if p > 0 && !arCheck(init[:p]) {
		return nil, errARIMAFit
	}
	// Exact maximum likelihood with the AR part transformed to stay stationary.
	if p > 0 {
		invpartrans(slices.Clone(init[:p]), init[:p])
	}
	if q > 0 {
		copy(init[p:p+q], maInvert(slices.Clone(init[p:p+q])))
	}
	mlfn := func(par []float64) float64 { return f.ml(par, true) }
	coef := init
	if k > 0 {
		x, _, _, err := bfgs(mlfn, init, scale)
		if err != nil {
			return nil, err
		}
		coef = x
	}
	if q > 0 {
		copy(coef[p:p+q], maInvert(slices.Clone(coef[p:p+q])))
	}
	if k > 0 && !f.hessianOK(mlfn, coef, scale) {
		return nil, errARIMAFit
	}
	value := mlfn(coef)
	// Back to AR coefficients.
	phi := make([]float64, p)
	partrans(coef[:p], phi)
	theta := slices.Clone(coef[p : p+q])
	par := slices.Concat(phi, theta, coef[p+q:])
	m := &arimaModel{spec: sp, phi: phi, theta: theta, n: n}
	if sp.hasReg() {
		m.reg = coef[k-1]
	}
	return f.finish(m, par, value)
}

// finish runs the filter at the final coefficients and fills the fit statistics.
func (f *arimaFitter) finish(m *arimaModel, par []float64, value float64) (*arimaModel, error) {
	sp := f.spec
	n := len(f.x)
	ss := f.ss
	ss.phi, ss.theta = m.phi, m.theta
	if !ss.init() {
		return nil, errARIMAFit
	}
	resid := make([]float64, n)
	ss.filter(f.adjust(par), resid)
	nu := float64(f.nobs)
	m.ss = ss
	m.loglik = -0.5 * (2*nu*value + nu + nu*math.Log(2*math.Pi))
	npar := float64(f.npar + 1)
	if m.fixed {
		npar = 1
	}
	m.aic = -2*m.loglik + 2*npar
	nstar := float64(n - sp.d)
	m.aicc = m.aic + 2*npar*(npar+1)/(nstar-npar-1)
	var ssr float64
	m.fit = make([]float64, n)
	for i, r := range resid {
		ssr += r * r
		m.fit[i] = f.x[i] - r
	}
	m.sigma2 = ssr / (nstar - npar + 1)
	if math.IsNaN(m.aicc) || math.IsNaN(m.loglik) {
		return nil, errARIMAFit
	}
	// R's myarima: reject near-unit roots (modulus below 1.01).
	if !rootsOK(m.phi, -1) || !rootsOK(m.theta, 1) {
		return nil, errARIMAFit
	}
	return m, nil
}

// rootsOK reports whether 1 + sign·(c₁z + c₂z² + …), with coefficients below 1e-8 in
// magnitude trimmed from the end, has no root of modulus below 1.01.
func rootsOK(c []float64, sign float64) bool {
	last := 0
	for i := len(c) - 1; i >= 0; i-- {
		if math.Abs(c[i]) > 1e-8 {
			last = i + 1
			break
		}
	}
	if last == 0 {
		return true
	}
	poly := make([]float64, last+1)
	poly[0] = 1
	for i := 0; i < last; i++ {
		poly[i+1] = sign * c[i]
	}
	return minRootModulus(poly) >= 1.01
}

// hessianOK reproduces R's check (forecast:::checkarima) that the estimated coefficient
// variances are not negative: the variance A'(H·n)⁻¹A, with H the numerical Hessian of the
// objective in the optimisation's coordinates and A the Jacobian of the AR transformation,
// must have a non-negative diagonal and H must be invertible.
func (f *arimaFitter) hessianOK(fn func([]float64) float64, coef, scale []float64) bool {
	k := len(coef)
	// As R's optimhess: gradient steps of 1e-3 in the scaled coordinates, Hessian steps of
	// 1e-3 in the original ones.
	grad := func(x []float64, g []float64) {
		xp := slices.Clone(x)
		for i := range x {
			eps := 1e-3 * scale[i]
			xp[i] = x[i] + eps
			v1 := fn(xp)
			xp[i] = x[i] - eps
			v2 := fn(xp)
			xp[i] = x[i]
			g[i] = (v1 - v2) / (2 * eps)
		}
	}
	H := mat.NewDense(k, k, nil)
	g1 := make([]float64, k)
	g2 := make([]float64, k)
	xp := slices.Clone(coef)
	for i := 0; i < k; i++ {
		const eps = 1e-3
		xp[i] = coef[i] + eps
		grad(xp, g1)
		xp[i] = coef[i] - eps
		grad(xp, g2)
		xp[i] = coef[i]
		for j := 0; j < k; j++ {
			H.Set(i, j, (g1[j]-g2[j])/(2*eps))
		}
	}
	for i := 0; i < k; i++ {
		for j := 0; j < i; j++ {
			v := 0.5 * (H.At(i, j) + H.At(j, i))
			H.Set(i, j, v)
			H.Set(j, i, v)
		}
	}
	for _, v := range H.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	H.Scale(float64(f.nobs), H)
	// A: Jacobian of partrans on the AR block (forward differences, eps 1e-3, as R).
	p := f.spec.p
	A := mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		A.Set(i, i, 1)
	}
	if p > 0 {
		w1 := slices.Clone(coef[:p])
		w2 := make([]float64, p)
		w3 := make([]float64, p)
		partrans(w1, w2)
		for i := 0; i < p; i++ {
			w1[i] += 1e-3
			partrans(w1, w3)
			for j := 0; j < p; j++ {
				A.Set(i, j, (w3[j]-w2[j])/1e-3)
			}
			w1[i] -= 1e-3
		}
	}
	var Hinv mat.Dense
	if err := Hinv.Inverse(H); err != nil {
		var cond mat.Condition
		if !errors.As(err, &cond) {
			return false
		}
		if float64(cond) > 1e15 {
			return false
		}
	}
	var V mat.Dense
	V.Mul(A.T(), &Hinv)
	V.Mul(&V, A)
	for i := 0; i < k; i++ {
		if !(V.At(i, i) >= 0) {
			return false
		}
	}
	return true
}

func diff(x []float64) []float64 {
	d := make([]float64, len(x)-1)
	for i := range d {
		d[i] = x[i+1] - x[i]
	}
	return d
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// fixedARIMA is the model R's auto.arima uses when the differenced series is constant:
// ARIMA(0,d,0) with the constant fixed at the mean difference (d < 2) or none (d = 2).
func fixedARIMA(x []float64, d int, reg float64) (*arimaModel, error) {
	sp := arimaSpec{d: d, constant: d < 2}
	f := newArimaFitter(x, sp)
	m := &arimaModel{spec: sp, n: len(x), fixed: true, reg: reg}
	par := []float64{}
	if sp.hasReg() {
		par = append(par, reg)
	}
	value := f.ml(par, false)
	return f.finish(m, par, value)
}
