package timeseries

import "math"

// nelderMead minimises f from x (overwritten with the best point found) and returns the
// minimum. It is the Nelder–Mead variant of R's optim (nmmin in R's src/appl/optim.c) that R's
// forecast package calls for ets(): initial simplex steps of 10% of the largest coordinate,
// reflection 1, contraction 0.5, expansion 2, convergence when the simplex's function values
// span less than reltol·(|f|+reltol), and non-finite values replaced by 1e35.
//
// ETS uses it rather than gonum/optimize.NelderMead for two reasons: the optimum found on the
// flat likelihoods of short series depends on the path the simplex takes, so following R's
// path keeps our models next to R's; and gonum's Minimize hands every evaluation between
// goroutines over channels, which costs about 1 µs an evaluation, more than the likelihood
// itself and too much for automatic ETS on 1,000 series in under a second. The tests check
// that gonum's Nelder–Mead reaches the same optimum.
//
// w is scratch space reused between calls to avoid allocation.
func nelderMead(f func([]float64) float64, x []float64, reltol float64, maxit int, w *nmWork) float64 {
	const (
		alpha = 1.0
		beta  = 0.5
		gamma = 2.0
		big   = 1.0e35
	)
	n := len(x)
	n1 := n + 1
	w.resize(n)
	P := w.p // P[j] is vertex j (n coordinates); F[j] its value.
	F := w.f
	C := w.c // centroid
	B := w.b // trial point

	fval := f(x)
	if math.IsNaN(fval) || math.IsInf(fval, 0) {
		return math.Inf(1)
	}
	funcount := 1
	convtol := reltol * (math.Abs(fval) + reltol)
	copy(P[0], x)
	F[0] = fval
	L := 0
	step := 0.0
	for _, v := range x {
		if 0.1*math.Abs(v) > step {
			step = 0.1 * math.Abs(v)
		}
	}
	if step == 0 {
		step = 0.1
	}
	size := 0.0
	for j := 1; j < n1; j++ {
		copy(P[j], x)
		trystep := step
		for P[j][j-1] == x[j-1] {
			P[j][j-1] = x[j-1] + trystep
			trystep *= 10
		}
		size += trystep
	}
	oldsize := size
	calcvert := true
	finite := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return big
		}
		return v
	}
	for {
		if calcvert {
			for j := 0; j < n1; j++ {
				if j != L {
					F[j] = finite(f(P[j]))
					funcount++
				}
			}
			calcvert = false
		}
		VL := F[L]
		VH := VL
		H := L
		for j := 0; j < n1; j++ {
			if j != L {
				v := F[j]
				if v < VL {
					L, VL = j, v
				}
				if v > VH {
					H, VH = j, v
				}
			}
		}
		if VH <= VL+convtol {
			break
		}
		for i := 0; i < n; i++ {
			t := -P[H][i]
			for j := 0; j < n1; j++ {
				t += P[j][i]
			}
			C[i] = t / float64(n)
		}
		for i := 0; i < n; i++ {
			B[i] = (1+alpha)*C[i] - alpha*P[H][i]
		}
		fv := finite(f(B))
		funcount++
		VR := fv
		if VR < VL {
			// Try an expansion; C holds the reflected point afterwards.
			fc := fv
			for i := 0; i < n; i++ {
				e := gamma*B[i] + (1-gamma)*C[i]
				C[i] = B[i]
				B[i] = e
			}
			fv = finite(f(B))
			funcount++
			if fv < VR {
				copy(P[H], B)
				F[H] = fv
			} else {
				copy(P[H], C)
				F[H] = fc
			}
		} else {
			if VR < VH {
				copy(P[H], B)
				F[H] = VR
			}
			for i := 0; i < n; i++ {
				B[i] = (1-beta)*P[H][i] + beta*C[i]
			}
			fv = finite(f(B))
			funcount++
			if fv < F[H] {
				copy(P[H], B)
				F[H] = fv
			} else if VR >= VH {
				// Shrink towards the lowest vertex.
				calcvert = true
				size = 0
				for j := 0; j < n1; j++ {
					if j != L {
						for i := 0; i < n; i++ {
							P[j][i] = beta*(P[j][i]-P[L][i]) + P[L][i]
							size += math.Abs(P[j][i] - P[L][i])
						}
					}
				}
				if size < oldsize {
					oldsize = size
				} else {
					break // polytope size not decreased in shrink
				}
			}
		}
		if funcount > maxit {
			break
		}
	}
	copy(x, P[L])
	return F[L]
}

// nmWork is reusable scratch space for nelderMead.
type nmWork struct {
	buf  []float64
	p    [][]float64
	f    []float64
	c, b []float64
}

func (w *nmWork) resize(n int) {
	need := (n+1)*n + (n + 1) + 2*n
	if cap(w.buf) < need {
		w.buf = make([]float64, need)
	}
	buf := w.buf[:need]
	if cap(w.p) < n+1 {
		w.p = make([][]float64, n+1)
	}
	w.p = w.p[:n+1]
	for j := range w.p {
		w.p[j], buf = buf[:n:n], buf[n:]
	}
	w.f, buf = buf[:n+1], buf[n+1:]
	w.c, buf = buf[:n], buf[n:]
	w.b = buf[:n]
}
