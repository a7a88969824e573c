package timeseries

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// pointForecast returns R's etsforecast: the state recursions run forward without errors.
func (e *etsModel) pointForecast(h int) []float64 {
	sp := e.spec
	f := make([]float64, h)
	l := e.last[0]
	k := 1
	var b float64
	if sp.trend != 'N' {
		b = e.last[1]
		k = 2
	}
	phistar := e.phi
	for i := range f {
		if sp.trend == 'N' {
			f[i] = l
		} else {
			f[i] = l + phistar*b
		}
		if sp.season != 'N' {
			j := sp.m - 1 - i
			for j < 0 {
				j += sp.m
			}
			s := e.last[k+j]
			if sp.season == 'A' {
				f[i] += s
			} else {
				f[i] *= s
			}
		}
		if math.Abs(e.phi-1) < etsTol {
			phistar++
		} else {
			phistar += math.Pow(e.phi, float64(i+2))
		}
	}
	return f
}

func (e *etsModel) predict(h int, opts Options) ([]float64, []marginal) {
	if e.constant {
		mu := slices.Repeat([]float64{e.last[0]}, h)
		return mu, normals(mu, make([]float64, h))
	}
	sp := e.spec
	switch {
	case opts.Simulate:
		return e.pointForecast(h), e.simulate(h, opts)
	case sp.err == 'A':
		mu, v, _ := e.class1(h)
		return mu, normals(mu, v)
	case sp.season != 'M':
		mu, v := e.class2(h)
		return mu, normals(mu, v)
	default:
		mu, v := e.class3(h)
		return mu, normals(mu, v)
	}
}

// class1 gives the forecast means and variances of the linear homoscedastic models (additive
// error, no or additive trend and season): Hyndman et al. (2008), Forecasting with
// Exponential Smoothing, Table 6.1 class 1, as in R's forecast:::class1. It also returns the
// coefficients c_j = H F^j G used by class2.
func (e *etsModel) class1(h int) (mu, v, c []float64) {
	sp := e.spec
	p := len(e.last)
	H := make([]float64, p)
	F := mat.NewDense(p, p, nil)
	G := make([]float64, p)
	H[0] = 1
	F.Set(0, 0, 1)
	G[0] = e.alpha
	k := 1
	if sp.trend != 'N' {
		H[1] = e.phi
		F.Set(0, 1, e.phi)
		F.Set(1, 1, e.phi)
		G[1] = e.beta
		k = 2
	}
	if sp.season != 'N' {
		m := sp.m
		H[p-1] = 1
		F.Set(p-m, p-1, 1)
		for i := 1; i < m; i++ {
			F.Set(p-m+i, p-m+i-1, 1)
		}
		// The new seasonal state is the first seasonal one. (R's class1 puts gamma in row 3,
		// which is right only for models with a trend.)
		G[k] = e.gamma
	}
	mu = make([]float64, h)
	v = make([]float64, h)
	c = make([]float64, h)
	// hf holds the row vector H·F^j.
	hf := H
	next := make([]float64, p)
	cum := 0.0
	for j := 0; j < h; j++ {
		var dm, dc float64
		for i, hv := range hf {
			dm += hv * e.last[i]
			dc += hv * G[i]
		}
		mu[j] = dm
		v[j] = e.sigma2 * (1 + cum)
		c[j] = dc
		cum += dc * dc
		for col := range next {
			t := 0.0
			for i, hv := range hf {
				t += hv * F.At(i, col)
			}
			next[col] = t
		}
		hf, next = next, hf
	}
	return mu, v, c
}

// class2 gives the forecast means and variances of the multiplicative-error models with no or
// additive trend and season (Hyndman et al. 2008, section 6.4; R's forecast:::class2).
func (e *etsModel) class2(h int) (mu, v []float64) {
	mu, _, c := e.class1(h)
	s2 := e.sigma2
	theta := make([]float64, h)
	theta[0] = mu[0] * mu[0]
	for j := 1; j < h; j++ {
		t := 0.0
		for i := 0; i < j; i++ {
			t += c[i] * c[i] * theta[j-1-i]
		}
		theta[j] = mu[j]*mu[j] + s2*t
	}
	v = make([]float64, h)
	for j := range v {
		v[j] = (1+s2)*theta[j] - mu[j]*mu[j]
	}
	return mu, v
}

// class3 gives the forecast means and variances of the multiplicative-error,
// multiplicative-season models with no or additive trend (Hyndman et al. 2008, section 6.5;
// R's forecast:::class3).
func (e *etsModel) class3(h int) (mu, v []float64) {
	sp := e.spec
	m := sp.m
	p := len(e.last)
	nt := 1
	if sp.trend != 'N' {
		nt = 2
	}
	s2 := e.sigma2
	H1 := mat.NewDense(1, nt, slices.Repeat([]float64{1}, nt))
	H2 := mat.NewDense(1, m, nil)
	H2.Set(0, m-1, 1)
	var F1, G1 *mat.Dense
	if nt == 1 {
		F1 = mat.NewDense(1, 1, []float64{1})
		G1 = mat.NewDense(1, 1, []float64{e.alpha})
	} else {
		F1 = mat.NewDense(2, 2, []float64{1, 1, 0, e.phi})
		G1 = mat.NewDense(2, 2, []float64{e.alpha, e.alpha, e.beta, e.beta})
	}
	F2 := mat.NewDense(m, m, nil)
	F2.Set(0, m-1, 1)
	for i := 1; i < m; i++ {
		F2.Set(i, i-1, 1)
	}
	G2 := mat.NewDense(m, m, nil)
	G2.Set(0, m-1, e.gamma)
	Mh := mat.NewDense(nt, m, nil)
	Mh.Outer(1, mat.NewVecDense(nt, slices.Clone(e.last[:p-m])), mat.NewVecDense(m, slices.Clone(e.last[p-m:])))
	k := nt * m
	Vh := mat.NewDense(k, k, nil)
	var H21, F21, G21, K, t1 mat.Dense
	H21.Kronecker(H2, H1)
	F21.Kronecker(F2, F1)
	G21.Kronecker(G2, G1)
	K.Kronecker(G2, F1)
	t1.Kronecker(F2, G1)
	K.Add(&K, &t1)
	mu = make([]float64, h)
	v = make([]float64, h)
	vec := mat.NewVecDense(k, nil)
	for i := 0; i < h; i++ {
		mu[i] = mul(H1, Mh, H2.T()).At(0, 0)
		v[i] = (1+s2)*mul(&H21, Vh, H21.T()).At(0, 0) + s2*mu[i]*mu[i]
		// vec(Mh), column-major as in R.
		for col := 0; col < m; col++ {
			for row := 0; row < nt; row++ {
				vec.SetVec(col*nt+row, Mh.At(row, col))
			}
		}
		var vv, sym, g, inner, next mat.Dense
		vv.Outer(1, vec, vec)
		sym.Add(Vh, &vv)
		g.Scale(3, Vh)
		vv.Scale(2, &vv)
		g.Add(&g, &vv)
		gg := mul(&G21, &g, G21.T())
		gg.Scale(s2, gg)
		inner.Add(mul(&F21, Vh, G21.T()), mul(&G21, Vh, F21.T()))
		inner.Add(&inner, mul(&K, &sym, K.T()))
		inner.Add(&inner, gg)
		inner.Scale(s2, &inner)
		next.Add(mul(&F21, Vh, F21.T()), &inner)
		Vh = &next
		m2 := mul(G1, Mh, G2.T())
		m2.Scale(s2, m2)
		var nm mat.Dense
		nm.Add(mul(F1, Mh, F2.T()), m2)
		Mh = &nm
	}
	return mu, v
}

// simulate draws opts.Paths future sample paths with Gaussian errors (R's simulate.ets with
// future = TRUE) and returns their empirical distribution per period.
func (e *etsModel) simulate(h int, opts Options) []marginal {
	sp := e.spec
	rng := opts.rng()
	npaths := opts.paths()
	sd := math.Sqrt(e.sigma2)
	draws := make([][]float64, h)
	for j := range draws {
		draws[j] = make([]float64, npaths)
	}
	ns := len(e.last)
	x := make([]float64, ns)
	olds := make([]float64, max(sp.m, 1))
	k := 1
	if sp.trend != 'N' {
		k = 2
	}
	for path := 0; path < npaths; path++ {
		copy(x, e.last)
		for j := 0; j < h; j++ {
			l := x[0]
			var b float64
			if sp.trend != 'N' {
				b = x[1]
			}
			phib := e.phi * b
			q := l + phib
			f := q
			var sl float64
			if sp.season != 'N' {
				sl = x[k+sp.m-1]
				if sp.season == 'A' {
					f += sl
				} else {
					f *= sl
				}
			}
			eps := rng.NormFloat64() * sd
			var yv float64
			if sp.err == 'A' {
				yv = f + eps
			} else {
				yv = f * (1 + math.Max(-1, eps))
			}
			draws[j][path] = yv
			p := yv
			switch sp.season {
			case 'A':
				p = yv - sl
			case 'M':
				if math.Abs(sl) < etsTol {
					p = etsHuge
				} else {
					p = yv / sl
				}
			}
			nl := q + e.alpha*(p-q)
			x[0] = nl
			if sp.trend != 'N' {
				x[1] = phib + (e.beta/e.alpha)*(nl-l-phib)
			}
			if sp.season != 'N' {
				var t float64
				if sp.season == 'A' {
					t = yv - q
				} else if math.Abs(q) < etsTol {
					t = etsHuge
				} else {
					t = yv / q
				}
				copy(olds, x[k:k+sp.m])
				x[k] = sl + e.gamma*(t-sl)
				copy(x[k+1:k+sp.m], olds[:sp.m-1])
			}
		}
	}
	d := make([]marginal, h)
	for j := range draws {
		slices.Sort(draws[j])
		d[j] = sample(draws[j])
	}
	return d
}

// mul returns the product of its arguments.
func mul(a mat.Matrix, rest ...mat.Matrix) *mat.Dense {
	var p mat.Dense
	p.CloneFrom(a)
	for _, b := range rest {
		var q mat.Dense
		q.Mul(&p, b)
		p = q
	}
	return &p
}
