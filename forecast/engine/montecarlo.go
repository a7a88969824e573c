package engine

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/carecast/carecast/forecast"
)

// Monte Carlo ranges (DESIGN.md section 6). Each draw takes, from its own random stream (seeded
// by the scenario's seed and the draw's number, so results do not depend on how many cores run
// them or in what order):
//   - each lever's value from its 80% interval (Low..High), as a two-piece normal with its mode
//     at Value, so that 10% of draws fall below Low and 10% above High; values are kept within
//     the lever's valid range;
//   - each need measure's rates, per sex, from their published 95% intervals (a two-piece
//     normal, one standard normal deviate per measure and sex shared across ages, so a draw
//     moves the whole age curve); measures without intervals keep their rates;
//   - each council's service use rates, per service and age group, as a normal multiplier with
//     the year-to-year coefficient of variation of the council's own use rates (at least 2%):
//     the error of carrying the base rate forward.
// The population is not drawn: the data has ONS's principal projection assumptions only, no
// variants. Mean is the mean of the draws; the quantiles use R's type 7 (linear interpolation).
//
// Memory stays bounded whatever the number of areas: councils are processed one at a time, all
// draws of a council's districts together, and only the areas that span councils (regions,
// England) keep every draw until the end.

const maxDrawBytes = 768 << 20

// runDraws runs the scenario's Monte Carlo draws.
func (e *Engine) runDraws(ctx context.Context, p *plan, opts RunOptions, progress func(done, total int)) (*Result, error) {
	n := p.sc.Uncertainty.Draws
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	per := len(p.years) * p.nCells

	// Chunks: the leaves of each council.
	chunkOf := map[string][]int{}
	var councils []string
	for _, d := range p.leaves {
		c := e.council[d]
		if chunkOf[c] == nil {
			councils = append(councils, c)
		}
		chunkOf[c] = append(chunkOf[c], d)
	}
	// Areas within one council are finished with it; the others are global.
	local := map[string][]int{} // council → out areas
	var global []int
	for a, area := range p.out {
		c := e.council[area.districts[0]]
		within := true
		for _, d := range area.districts {
			if e.council[d] != c {
				within = false
			}
		}
		if within {
			local[c] = append(local[c], a)
		} else {
			global = append(global, a)
		}
	}
	maxLocal := 0
	for _, as := range local {
		maxLocal = max(maxLocal, len(as))
	}
	if need := int64(len(global)+maxLocal) * int64(per) * int64(n) * 4; need > maxDrawBytes {
		return nil, forecast.ScenarioError{{Path: "uncertainty.draws", Message: fmt.Sprintf(
			"%d draws for %d areas spanning councils need %d MiB, more than the %d MiB allowed: ask for fewer draws or fewer regions",
			n, len(global), need>>20, maxDrawBytes>>20)}}
	}
	globalBuf := make([][]float32, len(global)) // [area][cell*n + draw]
	globalIdx := map[int]int{}
	for i, a := range global {
		globalBuf[i] = make([]float32, per*n)
		globalIdx[a] = i
	}
	r := p.result(opts)
	r.mean = make([]float64, len(p.out)*per)
	r.lo = make([]float64, len(p.out)*per)
	r.md = make([]float64, len(p.out)*per)
	r.hi = make([]float64, len(p.out)*per)
	q := p.sc.Uncertainty.Quantiles

	// containing[d] lists the out areas that include district d.
	containing := map[int][]int{}
	for a, area := range p.out {
		for _, d := range area.districts {
			containing[d] = append(containing[d], a)
		}
	}
	total := len(councils)*n + 1
	var done atomic.Int64
	for _, c := range councils {
		locals := local[c]
		localIdx := map[int]int{}
		localBuf := make([][]float32, len(locals))
		for i, a := range locals {
			localBuf[i] = make([]float32, per*n)
			localIdx[a] = i
		}
		leaves := chunkOf[c]
		err := parallel(ctx, workers, n, func(w *worker, i int) error {
			dr := p.drawFor(e, i, c)
			all := make([]bool, len(p.levers))
			for k := range all {
				all[k] = true
			}
			if len(w.scratch) < per {
				w.scratch = make([]float64, per)
			}
			vals := w.scratch[:per]
			for _, d := range leaves {
				if err := w.project(d, dr, all); err != nil {
					return err
				}
				w.chain(d, dr, all, true, vals)
				for _, a := range containing[d] {
					buf := localBuf
					idx, ok := localIdx[a]
					if !ok {
						buf, idx = globalBuf, globalIdx[a]
					}
					dst := buf[idx]
					for cell, v := range vals {
						dst[cell*n+i] += float32(v)
					}
				}
			}
			if progress != nil {
				progress(int(done.Add(1)), total)
			}
			return nil
		}, p.newWorker)
		if err != nil {
			return nil, err
		}
		for i, a := range locals {
			summarize(localBuf[i], n, q, r, a*per, workers)
		}
	}
	for i, a := range global {
		summarize(globalBuf[i], n, q, r, a*per, workers)
	}
	if !opts.NoDrivers {
		// Drivers of change use the central values.
		drv := p.newDrivers()
		dr := p.centralDraw()
		err := parallel(ctx, workers, len(p.leaves), func(w *worker, j int) error {
			return drv.district(w, j, p.leaves[j], dr)
		}, p.newWorker)
		if err != nil {
			return nil, err
		}
		drv.rollUp()
		r.drv = drv
	}
	if progress != nil {
		progress(total, total)
	}
	return r, nil
}

// summarize turns one area's draws (cell-major, n draws a cell) into means and quantiles.
func summarize(buf []float32, n int, q []float64, r *Result, off, workers int) {
	cells := len(buf) / n
	var next atomic.Int64
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				c := int(next.Add(256)) - 256
				if c >= cells {
					return
				}
				for cell := c; cell < min(c+256, cells); cell++ {
					xs := buf[cell*n : (cell+1)*n]
					var sum float64
					for _, v := range xs {
						sum += float64(v)
					}
					r.mean[off+cell] = sum / float64(n)
					r.lo[off+cell] = quantile(xs, q[0])
					r.md[off+cell] = quantile(xs, q[1])
					r.hi[off+cell] = quantile(xs, q[2])
				}
			}
		}()
	}
	for range workers {
		<-done
	}
}

// quantile returns the p-quantile of xs by R's type 7 (x[h] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with
// h = (n − 1)p on the sorted values), reordering xs in place (selection, not a full sort).
func quantile(xs []float32, p float64) float64 {
	h := float64(len(xs)-1) * p
	lo := int(math.Floor(h))
	a := float64(selectK(xs, lo))
	if lo+1 >= len(xs) {
		return a
	}
	// After selection, xs[lo+1:] holds the larger values: the next order statistic is their min.
	b := float64(slices.Min(xs[lo+1:]))
	return a + (h-float64(lo))*(b-a)
}

// selectK reorders xs so that xs[k] is the k-th smallest, smaller values before it and larger
// after (Hoare's quickselect with a median-of-three pivot), and returns it.
func selectK(xs []float32, k int) float32 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// drawFor builds draw i for council c: lever values and prevalence rates from the draw's own
// stream (the same for every council), service multipliers from the council's.
func (p *plan) drawFor(e *Engine, i int, council string) *draw {
	seed := uint64(p.sc.Uncertainty.Seed)
	rng := rand.New(rand.NewPCG(seed, uint64(i)*2+1))
	d := &draw{values: make([]float64, len(p.levers)), rates: make([]*[forecast.NumSexes][forecast.NumAges]float64, len(p.scheds))}
	for k := range p.levers {
		l := &p.levers[k].spec
		z := rng.NormFloat64()
		v := l.Value
		if l.Low != nil {
			if z < 0 {
				v += z * (l.Value - *l.Low) / z80
			} else {
				v += z * (*l.High - l.Value) / z80
			}
		}
		d.values[k] = clampLever(l.Type, v)
	}
	for j, s := range p.scheds {
		rates := new([forecast.NumSexes][forecast.NumAges]float64)
		*rates = s.rate
		for sex := range forecast.NumSexes {
			z := rng.NormFloat64()
			for x := s.from; x <= s.to; x++ {
				lo, hi, c := s.lo[sex][x], s.hi[sex][x], s.rate[sex][x]
				if math.IsNaN(lo) {
					continue
				}
				if z < 0 {
					rates[sex][x] = max(c+z*(c-lo)/z95, 0)
				} else {
					rates[sex][x] = min(c+z*(hi-c)/z95, 1)
				}
			}
		}
		d.rates[j] = rates
	}
	p.compound(d)
	h := fnv.New64a()
	h.Write([]byte(council))
	crng := rand.New(rand.NewPCG(seed^h.Sum64(), uint64(i)*2+2))
	cv := p.rates.cv[council]
	if cv != nil {
		d.mult = new([numServices][numGroups]float64)
		for s := range numServices {
			for g := range numGroups {
				d.mult[s][g] = max(1+crng.NormFloat64()*cv[s][g], 0)
			}
		}
	}
	return d
}

// Standard normal quantiles bounding central intervals: 80% (±1.2816) and 95% (±1.96).
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// clampLever keeps a drawn lever value within the range its type allows.
func clampLever(typ string, v float64) float64 {
	switch typ {
	case forecast.LeverMorbidityCompression:
		return min(max(v, 0), 1)
	case forecast.LeverShiftToHomeCare, forecast.LeverAdmissionAvoidance:
		return min(max(v, 0), 100)
	case forecast.LeverMigration, forecast.LeverEligibility:
		return max(v, -100)
	case forecast.LeverDwellings:
		return max(v, 0)
	default: // annual % changes
		return max(v, -99)
	}
}
