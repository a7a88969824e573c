package timeseries

import "math"

// arimaSS is the state-space form of an ARIMA(p,d,q) model used by R's stats::arima (Harvey's
// representation with the d differencing states appended, diffuse prior of variance kappa on
// them), with the scratch space to run the Kalman filter without allocating.
type arimaSS struct {
	phi, theta []float64 // AR and MA coefficients (theta unpadded)
	delta      []float64 // differencing polynomial: y_t = Σ delta_i y_{t-i} + w_t
	r, d, rd   int

	a, anew, M []float64 // state mean and scratch
	P, Pnew    []float64 // rd×rd column-major covariances
	mm         []float64
	lyap       []float64 // Lyapunov system, N×(N+1)
}

const arimaKappa = 1e6

func newArimaSS(p, q, d int) *arimaSS {
	r := max(p, q+1)
	rd := r + d
	s := &arimaSS{r: r, d: d, rd: rd}
	s.a = make([]float64, rd)
	s.anew = make([]float64, rd)
	s.M = make([]float64, rd)
	s.P = make([]float64, rd*rd)
	s.Pnew = make([]float64, rd*rd)
	s.mm = make([]float64, rd*rd)
	N := r * (r + 1) / 2
	s.lyap = make([]float64, N*(N+1))
	s.delta = make([]float64, d)
	switch d {
	case 1:
		s.delta[0] = 1
	case 2:
		s.delta[0], s.delta[1] = 2, -1
	}
	return s
}

// init sets the prior: a = 0, Pn = blockdiag(Q0, kappa·I_d) with Q0 the stationary covariance
// of the ARMA state. It reports false if the AR part is not stationary.
func (s *arimaSS) init() bool {
	r, rd := s.r, s.rd
	for i := range s.a {
		s.a[i] = 0
	}
	for i := range s.Pnew {
		s.Pnew[i] = 0
	}
	if r == 1 {
		if len(s.phi) > 0 {
			v := 1 - s.phi[0]*s.phi[0]
			if v <= 0 {
				return false
			}
			s.Pnew[0] = 1 / v
		} else {
			s.Pnew[0] = 1
		}
	} else if !s.q0() {
		return false
	}
	for i := r; i < rd; i++ {
		s.Pnew[i+rd*i] = arimaKappa
	}
	return true
}

// q0 solves the Lyapunov equation Q = T Q T' + R R' for the r×r stationary covariance of the
// ARMA state (the quantity R computes with Gardner et al.'s algorithm) into the top-left block
// of s.Pnew, by Gaussian elimination over the r(r+1)/2 distinct elements.
func (s *arimaSS) q0() bool {
	r, rd := s.r, s.rd
	p, q := len(s.phi), len(s.theta)
	N := r * (r + 1) / 2
	idx := func(i, j int) int {
		if i > j {
			i, j = j, i
		}
		// row-major upper triangle
		return i*r - i*(i-1)/2 + (j - i)
	}
	phi := func(i int) float64 {
		if i < p {
			return s.phi[i]
		}
		return 0
	}
	rv := func(i int) float64 {
		if i == 0 {
			return 1
		}
		if i-1 < q {
			return s.theta[i-1]
		}
		return 0
	}
	A := s.lyap[:N*(N+1)]
	for i := range A {
		A[i] = 0
	}
	w := N + 1
	for i := 0; i < r; i++ {
		for j := i; j < r; j++ {
			row := idx(i, j)
			A[row*w+row] += 1
			// minus (T Q T')_{ij}
			A[row*w+idx(0, 0)] -= phi(i) * phi(j)
			if j < r-1 {
				A[row*w+idx(0, j+1)] -= phi(i)
			}
			if i < r-1 {
				A[row*w+idx(i+1, 0)] -= phi(j)
			}
			if i < r-1 && j < r-1 {
				A[row*w+idx(i+1, j+1)] -= 1
			}
			A[row*w+N] = rv(i) * rv(j)
		}
	}
	// Gaussian elimination with partial pivoting.
	for c := 0; c < N; c++ {
		piv := c
		best := math.Abs(A[c*w+c])
		for k := c + 1; k < N; k++ {
			if v := math.Abs(A[k*w+c]); v > best {
				piv, best = k, v
			}
		}
		if best < 1e-12 {
			return false
		}
		if piv != c {
			for k := c; k < w; k++ {
				A[c*w+k], A[piv*w+k] = A[piv*w+k], A[c*w+k]
			}
		}
		inv := 1 / A[c*w+c]
		for k := c + 1; k < N; k++ {
			f := A[k*w+c] * inv
			if f == 0 {
				continue
			}
			for l := c; l < w; l++ {
				A[k*w+l] -= f * A[c*w+l]
			}
		}
	}
	for c := N - 1; c >= 0; c-- {
		v := A[c*w+N]
		for k := c + 1; k < N; k++ {
			v -= A[c*w+k] * A[k*w+N]
		}
		A[c*w+N] = v / A[c*w+c]
	}
	for i := 0; i < r; i++ {
		for j := 0; j < r; j++ {
			v := A[idx(i, j)*w+N]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
			s.Pnew[i+rd*j] = v
		}
	}
	// A stationary covariance has a positive diagonal.
	return s.Pnew[0] > 0
}

// filter runs R's ARIMA_Like over y from the prior set by init: it returns the sum of squared
// standardised innovations, the sum of log innovation variances and their count, skipping
// innovations whose variance exceeds 1e4 (those of the diffuse start). If resid is not nil it
// receives the standardised innovations. On return s.a and s.P hold the filtered state.
func (s *arimaSS) filter(y []float64, resid []float64) (ssq, sumlog float64, nu int) {
	r, d, rd := s.r, s.d, s.rd
	p, q := len(s.phi), len(s.theta)
	phi, theta, delta := s.phi, s.theta, s.delta
	a, anew, M, P, Pnew, mm := s.a, s.anew, s.M, s.P, s.Pnew, s.mm
	for l, yl := range y {
		for i := 0; i < r; i++ {
			tmp := 0.0
			if i < r-1 {
				tmp = a[i+1]
			}
			if i < p {
				tmp += phi[i] * a[0]
			}
			anew[i] = tmp
		}
		if d > 0 {
			for i := r + 1; i < rd; i++ {
				anew[i] = a[i-1]
			}
			tmp := a[0]
			for i := 0; i < d; i++ {
				tmp += delta[i] * a[r+i]
			}
			anew[r] = tmp
		}
		if l > 0 {
			if d == 0 {
				for i := 0; i < r; i++ {
					vi := 0.0
					if i == 0 {
						vi = 1
					} else if i-1 < q {
						vi = theta[i-1]
					}
					for j := 0; j < r; j++ {
						tmp := 0.0
						if j == 0 {
							tmp = vi
						} else if j-1 < q {
							tmp = vi * theta[j-1]
						}
						if i < p && j < p {
							tmp += phi[i] * phi[j] * P[0]
						}
						if i < r-1 && j < r-1 {
							tmp += P[i+1+r*(j+1)]
						}
						if i < p && j < r-1 {
							tmp += phi[i] * P[j+1]
						}
						if j < p && i < r-1 {
							tmp += phi[j] * P[i+1]
						}
						Pnew[i+r*j] = tmp
					}
				}
			} else {
				// mm = T P
				for i := 0; i < r; i++ {
					for j := 0; j < rd; j++ {
						tmp := 0.0
						if i < p {
							tmp += phi[i] * P[rd*j]
						}
						if i < r-1 {
							tmp += P[i+1+rd*j]
						}
						mm[i+rd*j] = tmp
					}
				}
				for j := 0; j < rd; j++ {
					tmp := P[rd*j]
					for k := 0; k < d; k++ {
						tmp += delta[k] * P[r+k+rd*j]
					}
					mm[r+rd*j] = tmp
				}
				for i := 1; i < d; i++ {
					for j := 0; j < rd; j++ {
						mm[r+i+rd*j] = P[r+i-1+rd*j]
					}
				}
				// Pnew = mm T'
				for i := 0; i < r; i++ {
					for j := 0; j < rd; j++ {
						tmp := 0.0
						if i < p {
							tmp += phi[i] * mm[j]
						}
						if i < r-1 {
							tmp += mm[rd*(i+1)+j]
						}
						Pnew[j+rd*i] = tmp
					}
				}
				for j := 0; j < rd; j++ {
					tmp := mm[j]
					for k := 0; k < d; k++ {
						tmp += delta[k] * mm[rd*(r+k)+j]
					}
					Pnew[j+rd*r] = tmp
				}
				for i := 1; i < d; i++ {
					for j := 0; j < rd; j++ {
						Pnew[j+rd*(r+i)] = mm[rd*(r+i-1)+j]
					}
				}
				for i := 0; i <= q; i++ {
					vi := 1.0
					if i > 0 {
						vi = theta[i-1]
					}
					for j := 0; j <= q; j++ {
						vj := 1.0
						if j > 0 {
							vj = theta[j-1]
						}
						Pnew[i+rd*j] += vi * vj
					}
				}
			}
		}
		resid0 := yl - anew[0]
		for i := 0; i < d; i++ {
			resid0 -= delta[i] * anew[r+i]
		}
		for i := 0; i < rd; i++ {
			tmp := Pnew[i]
			for j := 0; j < d; j++ {
				tmp += Pnew[i+rd*(r+j)] * delta[j]
			}
			M[i] = tmp
		}
		gain := M[0]
		for j := 0; j < d; j++ {
			gain += delta[j] * M[r+j]
		}
		if gain < 1e4 {
			nu++
			ssq += resid0 * resid0 / gain
			sumlog += math.Log(gain)
		}
		if resid != nil {
			resid[l] = resid0 / math.Sqrt(gain)
		}
		for i := 0; i < rd; i++ {
			a[i] = anew[i] + M[i]*resid0/gain
		}
		for i := 0; i < rd; i++ {
			for j := 0; j < rd; j++ {
				P[i+rd*j] = Pnew[i+rd*j] - M[i]*M[j]/gain
			}
		}
	}
	return ssq, sumlog, nu
}

// forecast runs R's KalmanForecast from the filtered state: the h-step predictions of the
// (regression-adjusted) series and their variances in units of the innovation variance.
func (s *arimaSS) forecast(h int) (pred, v []float64) {
	rd, r, d := s.rd, s.r, s.d
	p := len(s.phi)
	// Build T, Z and V = R R' explicitly.
	T := make([]float64, rd*rd) // column-major
	for i := 0; i < p; i++ {
		T[i] = s.phi[i]
	}
	for i := 1; i < r; i++ {
		T[(i-1)+rd*i] = 1
	}
	Z := make([]float64, rd)
	Z[0] = 1
	for i := 0; i < d; i++ {
		Z[r+i] = s.delta[i]
	}
	if d > 0 {
		for j := 0; j < rd; j++ {
			T[r+rd*j] = Z[j]
		}
		for i := 1; i < d; i++ {
			T[(r+i)+rd*(r+i-1)] = 1
		}
	}
	R := make([]float64, rd)
	R[0] = 1
	for i := range s.theta {
		R[1+i] = s.theta[i]
	}
	a := append([]float64(nil), s.a...)
	P := append([]float64(nil), s.P...)
	anew := make([]float64, rd)
	mm := make([]float64, rd*rd)
	pred = make([]float64, h)
	v = make([]float64, h)
	for l := 0; l < h; l++ {
		fc := 0.0
		for i := 0; i < rd; i++ {
			tmp := 0.0
			for k := 0; k < rd; k++ {
				tmp += T[i+rd*k] * a[k]
			}
			anew[i] = tmp
			fc += tmp * Z[i]
		}
		copy(a, anew)
		pred[l] = fc
		for i := 0; i < rd; i++ {
			for j := 0; j < rd; j++ {
				tmp := 0.0
				for k := 0; k < rd; k++ {
					tmp += T[i+rd*k] * P[k+rd*j]
				}
				mm[i+rd*j] = tmp
			}
		}
		tmp := 0.0
		for i := 0; i < rd; i++ {
			for j := 0; j < rd; j++ {
				t := R[i] * R[j]
				for k := 0; k < rd; k++ {
					t += mm[i+rd*k] * T[j+rd*k]
				}
				P[i+rd*j] = t
			}
		}
		for i := 0; i < rd; i++ {
			for j := 0; j < rd; j++ {
				tmp += Z[i] * Z[j] * P[i+rd*j]
			}
		}
		v[l] = tmp
	}
	return pred, v
}
