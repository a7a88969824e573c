package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectKAndQuantile compares selectK and quantile with a full sort: the k-th smallest,
// everything before it no larger and everything after no smaller, the same multiset, and R's
// type 7 quantile x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]), h = (n − 1)p, computed from the
// sorted values — on random data with and without ties, sorted and reversed input.
func TestSelectKAndQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ps := []float64{0, 0.1, 0.25, 0.5, 0.9, 0.975, 1}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 10, 31, 100, 1000, 1001} {
		for kind := range 5 {
			xs := make([]float32, n)
			for i := range xs {
				switch kind {
				case 0: // continuous
					xs[i] = float32(rng.NormFloat64())
				case 1: // many ties
					xs[i] = float32(rng.IntN(3))
				case 2: // sorted
					xs[i] = float32(i)
				case 3: // reversed
					xs[i] = float32(n - i)
				case 4: // all equal
					xs[i] = 7
				}
			}
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			for k := range n {
				ys := slices.Clone(xs)
				got := selectK(ys, k)
				if got != sorted[k] || ys[k] != sorted[k] {
					t.Fatalf("n=%d kind=%d: selectK(%d) = %v (xs[k] %v), sorted %v", n, kind, k, got, ys[k], sorted[k])
				}
				for i := range k {
					if ys[i] > ys[k] {
						t.Fatalf("n=%d kind=%d k=%d: xs[%d] = %v > xs[k] = %v", n, kind, k, i, ys[i], ys[k])
					}
				}
				for i := k + 1; i < n; i++ {
					if ys[i] < ys[k] {
						t.Fatalf("n=%d kind=%d k=%d: xs[%d] = %v < xs[k] = %v", n, kind, k, i, ys[i], ys[k])
					}
				}
				slices.Sort(ys)
				if !slices.Equal(ys, sorted) {
					t.Fatalf("n=%d kind=%d k=%d: selectK lost or duplicated values", n, kind, k)
				}
			}
			for _, p := range ps {
				h := float64(n-1) * p
				lo := int(math.Floor(h))
				want := float64(sorted[lo])
				if lo+1 < n {
					want += (h - float64(lo)) * (float64(sorted[lo+1]) - float64(sorted[lo]))
				}
				ys := slices.Clone(xs)
				if got := quantile(ys, p); got != want {
					t.Errorf("n=%d kind=%d: quantile(%v) = %v, sort-based %v", n, kind, p, got, want)
				}
			}
		}
	}
}

// TestQuantilesAsQuantile: quantiles gives the three values quantile gives one at a time, bit
// for bit, for increasing triples that share order statistics or not.
func TestQuantilesAsQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	qs := [][]float64{{0.1, 0.5, 0.9}, {0.025, 0.5, 0.975}, {0.4, 0.5, 0.6}, {0.499, 0.5, 0.501}, {0, 0.5, 1}, {0.01, 0.02, 0.03}}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 10, 31, 100, 511, 512, 1000, 1001, 5000} {
		for kind := range 5 {
			xs := make([]float32, n)
			for i := range xs {
				switch kind {
				case 0:
					xs[i] = float32(rng.NormFloat64())
				case 1:
					xs[i] = float32(rng.IntN(3))
				case 2:
					xs[i] = float32(n - i)
				case 3: // heavy tailed: most values in one bucket
					xs[i] = float32(math.Exp(3 * rng.NormFloat64()))
				case 4: // a few distinct values, and an extreme
					xs[i] = float32(rng.IntN(4))
					if i == n/2 {
						xs[i] = 1e30
					}
				}
			}
			for _, q := range qs {
				var want [3]float64
				for i, p := range q {
					want[i] = quantile(slices.Clone(xs), p)
				}
				lo, md, hi := quantiles(slices.Clone(xs), q)
				if got := [3]float64{lo, md, hi}; got != want {
					t.Errorf("n=%d kind=%d q=%v: quantiles %v, quantile %v", n, kind, q, got, want)
				}
				var qs quantileScratch
				lo, md, hi = qs.quantiles(slices.Clone(xs), q)
				if got := [3]float64{lo, md, hi}; got != want {
					t.Errorf("n=%d kind=%d q=%v: quantiles by buckets %v, quantile %v", n, kind, q, got, want)
				}
			}
		}
	}
}

// TestQuantileMatchesR: the quantiles of 1..10 by R's quantile(1:10, c(.1, .5, .9)) (type 7)
// are 1.9, 5.5 and 9.1.
func TestQuantileMatchesR(t *testing.T) {
	for p, want := range map[float64]float64{0.1: 1.9, 0.5: 5.5, 0.9: 9.1} {
		xs := []float32{10, 3, 5, 1, 8, 2, 9, 4, 7, 6}
		if got := quantile(xs, p); math.Abs(got-want) > 1e-12 {
			t.Errorf("quantile(1..10, %v) = %v, R gives %v", p, got, want)
		}
	}
}
