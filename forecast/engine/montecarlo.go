package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Monte Carlo ranges (docs/design.md §6). Each draw takes, from its own random stream (seeded
// by the scenario's seed and the draw's number, so results do not depend on how many cores run
// them or in what order):
//   - each lever's value from its 80% interval (Low..High), as a two-piece normal with its mode
//     at Value, so that 10% of draws fall below Low and 10% above High; values are kept within
//     the lever's valid range;
//   - each need measure's rates, per sex, from their published 95% intervals (a two-piece
//     normal, one standard normal deviate per measure and sex shared across ages, so a draw
//     moves the whole age curve); measures without intervals keep their rates;
//   - each council's service use rates, per service and age group, as a lognormal multiplier of
//     mean 1 whose standard deviation is the year-to-year coefficient of variation of the
//     council's own use rates (at least 2%), widened with the horizon by the error of carrying
//     the base rate forward that carecast's rolling-origin back-test measured (ErrorModels);
//   - each district's population, when ErrorModels are given, by age band from the errors of
//     carecast's own projections from 2011 (a shared and a district deviate; the data has
//     ONS's principal projection only, no variants to draw from).
// Mean is the mean of the draws; the quantiles use R's type 7 (linear interpolation).
//
// Memory stays bounded whatever the number of areas: councils are processed one at a time, all
// draws of a council's districts together, and only the areas that span councils (regions,
// England) keep every draw until the end. Draws are stored draw-major (all cells of a draw
// together), so that a worker adds a district's draw into contiguous memory that no other
// worker writes. Unless a population lever has an interval, the population is the same in
// every draw: each district is projected once and its projection, and its population cells,
// shared by the draws (without error models, which move the population in each draw). What
// the levers make of a draw in each year (trends, prevalence shifted by compression of
// morbidity, prices) is worked out once for all the districts with the same levers, and the
// quantiles come from buckets over min..max (quantileScratch): the values are those of a full
// sort, bit for bit.

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
	maxLeaves := 0
	for _, d := range p.leaves {
		c := e.council[d]
		if chunkOf[c] == nil {
			councils = append(councils, c)
		}
		chunkOf[c] = append(chunkOf[c], d)
		maxLeaves = max(maxLeaves, len(chunkOf[c]))
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
	// Buffers [area][draw][cell]: the global areas', and one council's local areas' at a time.
	area := per * n
	globalBuf := make([]float32, len(global)*area)
	localBuf := make([]float32, maxLocal*area)
	bufOf := map[int][]float32{} // out area → its buffer (global areas; local ones set per council)
	for i, a := range global {
		bufOf[a] = globalBuf[i*area : (i+1)*area]
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
	em, err := p.errorModels()
	if err != nil {
		return nil, err
	}
	// The part of each draw that every council shares: lever values and prevalence rates.
	common := make([]draw, n)
	if err := parallel(ctx, workers, n, func(_ *worker, i int) error { p.commonDraw(&common[i], i); return nil }, p.newWorker); err != nil {
		return nil, err
	}
	popFixed := !slices.ContainsFunc(p.levers, func(l leverPlan) bool { return l.group == 0 && l.spec.Low != nil }) && len(p.drawProj) == 0
	var popCache [][]population.Pop90
	var popRows [][]float64 // the population part of the chain for each projection in popCache (worker.popRows)
	central := p.centralDraw()
	if popFixed {
		popCache = make([][]population.Pop90, maxLeaves)
		for j := range popCache {
			popCache[j] = make([]population.Pop90, len(p.years))
		}
		if em == nil { // with error models each draw moves the population
			popRows = make([][]float64, maxLeaves)
			for j := range popRows {
				popRows[j] = make([]float64, len(p.years)*p.popStride())
			}
		}
	}
	allOn := func(w *worker) []bool {
		if w.active == nil {
			w.active = make([]bool, len(p.levers))
			for k := range w.active {
				w.active[k] = true
			}
		}
		return w.active
	}

	// Workers are kept from one council to the next (their scratch space, the spreads of
	// service use, the shared lever effects): a parallel call takes them from free and
	// reuse puts them back once it has returned.
	var poolMu sync.Mutex
	var free, lent []*worker
	pooled := func() *worker {
		poolMu.Lock()
		defer poolMu.Unlock()
		var w *worker
		if k := len(free); k > 0 {
			w, free = free[k-1], free[:k-1]
		} else {
			w = p.newWorker()
		}
		lent = append(lent, w)
		return w
	}
	reuse := func() {
		free, lent = append(free, lent...), lent[:0]
	}

	total := len(councils)*n + 1
	var done atomic.Int64
	for _, c := range councils {
		locals := local[c]
		lbuf := localBuf[:len(locals)*area]
		clear(lbuf)
		for i, a := range locals {
			bufOf[a] = lbuf[i*area : (i+1)*area]
		}
		leaves := chunkOf[c]
		if popFixed {
			err := parallel(ctx, workers, len(leaves), func(w *worker, j int) error {
				if err := w.project(leaves[j], central, allOn(w)); err != nil {
					return err
				}
				copy(popCache[j], w.own)
				if popRows != nil {
					w.popRowsTo(popRows[j])
				}
				return nil
			}, pooled)
			reuse()
			if err != nil {
				return nil, err
			}
		}
		h := fnv.New64a()
		h.Write([]byte(c))
		councilSeed := uint64(p.sc.Uncertainty.Seed) ^ h.Sum64()
		cv := p.rates.cv[c]
		err := parallel(ctx, workers, n, func(w *worker, i int) error {
			all := allOn(w)
			dr := &w.dr
			*dr = common[i]
			w.drawSeq++ // w.dr now holds another draw
			if cv != nil {
				w.multipliersTo(cv, councilSeed, i, em)
				dr.mult = w.mult
			}
			if len(w.scratch) < per {
				w.scratch = make([]float64, per)
			}
			vals := w.scratch[:per]
			for j, d := range leaves {
				w.popRows = nil
				if popFixed {
					w.pop90 = popCache[j]
					if popRows != nil {
						w.popRows = popRows[j]
					}
				} else if err := w.project(d, dr, all); err != nil {
					return err
				}
				if em != nil && len(p.drawProj) == 0 { // drawn variants stand for the population's uncertainty
					w.popErrorTo(d, dr.popNat, i)
				}
				w.chain(d, dr, all, true, vals)
				w.popRows = nil
				for _, a := range containing[d] {
					dst := bufOf[a][i*per : (i+1)*per]
					src := vals[:len(dst)] // no bounds checks in the loop
					for cell := range dst {
						dst[cell] += float32(src[cell])
					}
				}
			}
			if progress != nil {
				progress(int(done.Add(1)), total)
			}
			return nil
		}, pooled)
		reuse()
		if err != nil {
			return nil, err
		}
		for _, a := range locals {
			summarize(bufOf[a], n, per, q, r, a*per, workers)
		}
	}
	for _, a := range global {
		summarize(bufOf[a], n, per, q, r, a*per, workers)
	}
	p.applyGaps(r.mean, r.lo, r.md, r.hi)
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

// summarize turns one area's draws (draw-major: buf[i*per+cell] is draw i's value of cell)
// into means and quantiles, a block of cells at a time transposed so that each cell's draws
// are contiguous.
func summarize(buf []float32, n, per int, q []float64, r *Result, off, workers int) {
	const block = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			tmp := make([]float32, block*n)
			var qs quantileScratch
			for {
				c0 := int(next.Add(block)) - block
				if c0 >= per {
					return
				}
				c1 := min(c0+block, per)
				for i := range n {
					for b, v := range buf[i*per+c0 : i*per+c1] {
						tmp[b*n+i] = v
					}
				}
				for b := range c1 - c0 {
					xs := tmp[b*n : (b+1)*n]
					var sum float64
					for _, v := range xs {
						sum += float64(v)
					}
					cell := off + c0 + b
					r.mean[cell] = sum / float64(n)
					r.lo[cell], r.md[cell], r.hi[cell] = qs.quantiles(xs, q)
				}
			}
		})
	}
	wg.Wait()
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

// quantiles returns the q[0], q[1] and q[2] quantiles of xs (q increasing) as quantile does,
// reordering xs: one selection over all the values for the middle one, then the lower within
// the values below it and the upper within those above.
func quantiles(xs []float32, q []float64) (lo, md, hi float64) {
	n := len(xs)
	// interp is R's type 7 between the order statistics k (a) and k+1 (b).
	interp := func(h float64, k int, a, b float32) float64 {
		if k+1 >= n {
			return float64(a)
		}
		return float64(a) + (h-float64(k))*(float64(b)-float64(a))
	}
	hm := float64(n-1) * q[1]
	km := int(math.Floor(hm))
	m := selectK(xs, km)
	var mNext float32 // order statistic km+1
	if km+1 < n {
		mNext = slices.Min(xs[km+1:])
	}
	md = interp(hm, km, m, mNext)

	// xs[:km] now holds the km smallest values, xs[km+1:] the largest.
	hl := float64(n-1) * q[0]
	kl := int(math.Floor(hl))
	switch {
	case kl >= km:
		lo = interp(hl, kl, m, mNext)
	case kl+1 == km:
		lo = interp(hl, kl, selectK(xs[:km], kl), m)
	default:
		a := selectK(xs[:km], kl)
		lo = interp(hl, kl, a, slices.Min(xs[kl+1:km]))
	}
	hh := float64(n-1) * q[2]
	kh := int(math.Floor(hh))
	if kh <= km {
		hi = interp(hh, kh, m, mNext)
	} else {
		a := selectK(xs[km+1:], kh-km-1)
		var b float32
		if kh+1 < n {
			b = slices.Min(xs[kh+1:])
		}
		hi = interp(hh, kh, a, b)
	}
	return lo, md, hi
}

// quantileBuckets is the number of buckets quantileScratch spreads values over.
const quantileBuckets = 256

// quantileScratch is one goroutine's scratch space for quantiles by buckets.
type quantileScratch struct {
	bucket []uint8
	count  [quantileBuckets]int32
	start  [quantileBuckets]int32 // where each needed bucket's values go in sub (−1: not needed)
	sub    []float32
}

// quantiles returns what the function quantiles returns, without reordering xs, from buckets:
// the values are spread over equal widths of min..max (a monotone map, so the k-th smallest
// lies in the bucket where the running count passes k) and only the few values in the buckets
// of the order statistics needed are selected among. Short, constant or non-finite inputs go
// to the function quantiles.
func (qs *quantileScratch) quantiles(xs []float32, q []float64) (lo, md, hi float64) {
	n := len(xs)
	if n < 2*quantileBuckets {
		return quantiles(xs, q)
	}
	mn, mx := xs[0], xs[0]
	for _, v := range xs {
		if v < mn {
			mn = v
		}
		if v > mx {
			mx = v
		}
	}
	fmn, fmx := float64(mn), float64(mx)
	if !(fmx > fmn) || math.IsInf(fmn, 0) || math.IsInf(fmx, 0) || slices.ContainsFunc(xs, func(v float32) bool { return v != v }) {
		return quantiles(xs, q)
	}
	scale := quantileBuckets / (fmx - fmn)
	if cap(qs.bucket) < n {
		qs.bucket = make([]uint8, n)
	}
	bk := qs.bucket[:n]
	clear(qs.count[:])
	for i, v := range xs {
		b := min(int((float64(v)-fmn)*scale), quantileBuckets-1)
		bk[i] = uint8(b)
		qs.count[b]++
	}
	// The order statistics needed: k and k+1 of each quantile.
	var ranks [6]int
	var hs [3]float64
	for i, p := range q[:3] {
		hs[i] = float64(n-1) * p
		k := int(math.Floor(hs[i]))
		ranks[2*i], ranks[2*i+1] = k, min(k+1, n-1)
	}
	// Buckets of each rank, and the rank within its bucket.
	var rb, ro [6]int
	for i := range qs.start {
		qs.start[i] = -1
	}
	for i, r := range ranks {
		below := 0
		b := 0
		for ; below+int(qs.count[b]) <= r; b++ {
			below += int(qs.count[b])
		}
		rb[i], ro[i] = b, r-below
		qs.start[b] = 0
	}
	total := int32(0)
	for b := range qs.start {
		if qs.start[b] == 0 {
			qs.start[b] = total
			total += qs.count[b]
		}
	}
	if cap(qs.sub) < int(total) {
		qs.sub = make([]float32, total, n)
	}
	sub := qs.sub[:total]
	var fill [quantileBuckets]int32
	for i, v := range xs {
		if b := bk[i]; qs.start[b] >= 0 {
			sub[qs.start[b]+fill[b]] = v
			fill[b]++
		}
	}
	var vals [6]float32
	for i := range ranks {
		b := rb[i]
		vals[i] = selectK(sub[qs.start[b]:qs.start[b]+qs.count[b]], ro[i])
	}
	var out [3]float64
	for i := range out {
		k := ranks[2*i]
		a, b := vals[2*i], vals[2*i+1]
		if k+1 >= n {
			out[i] = float64(a)
		} else {
			out[i] = float64(a) + (hs[i]-float64(k))*(float64(b)-float64(a))
		}
	}
	return out[0], out[1], out[2]
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

// stream returns the random stream of one input of draw i: each lever (by its place in the
// scenario), each need measure (by name) and the population's shared error have their own, so
// adding or removing one input leaves the others' draws as they were.
func stream(seed uint64, i int, what string, k int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(what))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(i))
	binary.LittleEndian.PutUint64(b[8:], uint64(k))
	h.Write(b[:])
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// commonDraw builds into d the part of draw i that every council shares: lever values,
// prevalence rates and the population error's shared deviate.
func (p *plan) commonDraw(d *draw, i int) {
	seed := uint64(p.sc.Uncertainty.Seed)
	d.values = make([]float64, len(p.levers))
	d.rates = make([]*[forecast.NumSexes][forecast.NumAges]float64, len(p.scheds))
	d.popNat = stream(seed, i, "population", 0).NormFloat64()
	d.variant = -1
	if len(p.drawCum) > 0 {
		u := stream(seed, i, "variant", 0).Float64()
		d.variant = len(p.drawCum) - 1
		for k, c := range p.drawCum {
			if u < c {
				d.variant = k
				break
			}
		}
	}
	for k := range p.levers {
		l := &p.levers[k].spec
		z := stream(seed, i, "lever", k).NormFloat64()
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
		if !s.anyInterval() {
			d.rates[j] = &s.rate
			continue
		}
		rng := stream(seed, i, "prevalence "+s.measure, 0)
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
}

// multipliersTo writes draw i's service use multipliers for a council into w.mult, one set
// per year, from the council's own stream (seeded by the scenario's seed and the council's code,
// councilSeed): a normal deviate per service and age group, scaled in year index k by the
// council's coefficient of variation widened with the horizon (ErrorModels; cv alone without).
// The worker's generator is reseeded, so nothing is allocated after the first call for a
// council; the spreads, which do not depend on the draw, are computed once per council.
func (w *worker) multipliersTo(cv *[numServices][numGroups]float64, councilSeed uint64, i int, em *ErrorModels) {
	p := w.p
	if w.rng == nil {
		w.rng = rand.New(&w.pcg)
	}
	if len(w.mult) != len(p.years) {
		w.mult = make([][numServices][numGroups]float64, len(p.years))
	}
	if w.sigmaCV != cv || w.sigmaEM != em {
		w.sigmaCV, w.sigmaEM = cv, em
		w.sigma = w.sigma[:0]
		for s := range numServices {
			for g := range numGroups {
				tau := 0.0
				if em != nil {
					tau = em.ServiceTau["service."+serviceNames[s]+"|"+groupBands[g].name]
				}
				for k := range p.years {
					sd := cv[s][g]
					if tau > 0 && k > 0 {
						sd = math.Sqrt(sd*sd + tau*tau*math.Pow(float64(k), em.ServicePower))
					}
					// A lognormal multiplier with mean 1 and standard deviation sd: never
					// negative, however wide the spread grows with the horizon.
					sigma2 := math.Log1p(sd * sd)
					w.sigma = append(w.sigma, [2]float64{math.Sqrt(sigma2), sigma2 / 2})
				}
			}
		}
	}
	w.pcg.Seed(councilSeed, uint64(i)*2+2)
	sig := w.sigma
	for s := range numServices {
		for g := range numGroups {
			z := w.rng.NormFloat64()
			for k := range p.years {
				w.mult[k][s][g] = math.Exp(z*sig[0][0] - sig[0][1])
				sig = sig[1:]
			}
		}
	}
}

// popErrorTo applies draw i's population error to district d's projection in w.pop90: each
// year's people aged x are multiplied by exp(−(σN·zN + σL·zL)) with the spreads of x's band at
// that horizon (plan.popSD) and the draw's shared (zN) and the district's own (zL) deviates.
// The factor is computed once for consecutive ages with the same spreads.
func (w *worker) popErrorTo(d int, zN float64, i int) {
	p := w.p
	if len(w.noisy) != len(p.years) {
		w.noisy = make([]population.Pop90, len(p.years))
	}
	if w.rng == nil {
		w.rng = rand.New(&w.pcg)
	}
	w.pcg.Seed(uint64(p.sc.Uncertainty.Seed)^p.districtSeed[d], uint64(i)*2+3)
	zL := w.rng.NormFloat64()
	for k := range p.years {
		var last [2]float64
		f := 0.0
		for x := range forecast.NumAges {
			if sd := p.popSD[k][x]; x == 0 || sd != last {
				last = sd
				f = math.Exp(-(sd[0]*zN + sd[1]*zL))
			}
			for s := range forecast.NumSexes {
				w.noisy[k][s][x] = w.pop90[k][s][x] * f
			}
		}
	}
	w.pop90 = w.noisy
}

// errorModels fetches the inputs' error models (once per engine) and prepares the population
// spreads by year index and age, and each district's seed.
func (p *plan) errorModels() (*ErrorModels, error) {
	em, err := p.e.errorModels()
	if err != nil || em == nil {
		return nil, err
	}
	p.popSD = make([][forecast.NumAges][2]float64, len(p.years))
	for k := range p.years {
		if k == 0 {
			continue
		}
		growth := math.Pow(float64(k)/float64(em.PopRef), em.PopPower)
		for x := range forecast.NumAges {
			for _, b := range em.PopBands {
				if x >= b.From && x <= b.To {
					p.popSD[k][x] = [2]float64{b.National * growth, b.Local * growth}
					break
				}
			}
		}
	}
	p.districtSeed = make([]uint64, len(p.e.districts))
	for d, code := range p.e.districts {
		h := fnv.New64a()
		h.Write([]byte(code))
		p.districtSeed[d] = h.Sum64()
	}
	return em, nil
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
	case forecast.LeverNotCouncilFunded:
		r := forecast.LeverRanges[typ]
		return min(max(v, r.Min), r.Max)
	default: // annual % changes
		return max(v, -99)
	}
}
