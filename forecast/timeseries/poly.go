package timeseries

import (
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// rootModuli returns the moduli of the roots of the polynomial c[0] + c[1]z + … + c[n]zⁿ
// (trailing zero coefficients dropped), from the eigenvalues of its companion matrix. It
// returns nil for a constant polynomial and ok false if the eigen-decomposition fails.
func rootModuli(c []float64) (mod []float64, ok bool) {
	n := len(c) - 1
	for n > 0 && c[n] == 0 {
		n--
	}
	if n < 1 {
		return nil, true
	}
	if n == 1 {
		return []float64{math.Abs(c[0] / c[1])}, true
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
	vals := eig.Values(nil)
	mod = make([]float64, n)
	for i, v := range vals {
		mod[i] = cmplx.Abs(v)
	}
	return mod, true
}

// maxRootModulus returns the largest root modulus of c (see rootModuli), +Inf on failure.
func maxRootModulus(c []float64) float64 {
	mod, ok := rootModuli(c)
	if !ok {
		return math.Inf(1)
	}
	m := 0.0
	for _, v := range mod {
		m = math.Max(m, v)
	}
	return m
}

// minRootModulus returns the smallest root modulus of c (see rootModuli), 0 on failure and
// +Inf for a constant polynomial.
func minRootModulus(c []float64) float64 {
	mod, ok := rootModuli(c)
	if !ok {
		return 0
	}
	m := math.Inf(1)
	for _, v := range mod {
		m = math.Min(m, v)
	}
	return m
}
