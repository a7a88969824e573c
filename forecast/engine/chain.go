package engine

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// draw holds the values of one evaluation of the chain: the levers' full values and each need
// schedule's rates (the central ones in a deterministic run; a Monte Carlo draw's otherwise).
type draw struct {
	values []float64                                       // by lever
	rates  []*[forecast.NumSexes][forecast.NumAges]float64 // by schedule
	cum    [][]float64                                     // by lever and year index: compounded annual-% levers, or the lever's value reached
	mult   [][numServices][numGroups]float64               // service use multipliers by year index for the council (nil: 1)
	popNat float64                                         // the draw's shared deviate of population error
	// variant is the index in plan.drawProj of the supplied variant the draw's population
	// comes from; -1 (the central draw, or no variant weights) is the scenario's Variant.
	variant int
}

// centralDraw is the deterministic draw.
func (p *plan) centralDraw() *draw {
	d := &draw{values: make([]float64, len(p.levers)), rates: make([]*[forecast.NumSexes][forecast.NumAges]float64, len(p.scheds)), variant: -1}
	for i := range p.levers {
		d.values[i] = p.levers[i].spec.Value
	}
	for i, s := range p.scheds {
		d.rates[i] = &s.rate
	}
	p.compound(d)
	return d
}

// compound fills d.cum: for levers that are annual % changes, forecast.Lever.Cumulative (Π (1 +
// at(z)/100) over the years after the base year up to each year, the figure the pages print);
// for the others, the value reached in each year.
func (p *plan) compound(d *draw) {
	if d.cum == nil {
		d.cum = make([][]float64, len(p.levers))
		for i := range d.cum {
			d.cum[i] = make([]float64, len(p.years))
		}
	}
	for i := range p.levers {
		l := &p.levers[i]
		lev := forecast.Lever{Value: d.values[i], Start: l.spec.Start, End: l.spec.End, Profile: l.profile}
		for k, y := range p.years {
			switch l.spec.Type {
			case forecast.LeverPrevalenceTrend, forecast.LeverServiceTrend, forecast.LeverUnitCostGrowth:
				d.cum[i][k] = lev.Cumulative(p.base, y)
			default:
				d.cum[i][k] = l.at(d.values[i], y)
			}
		}
	}
}

// worker holds one goroutine's scratch space.
type worker struct {
	p       *plan
	pop     []population.Pop
	own     []population.Pop90 // the worker's projection
	pop90   []population.Pop90 // the population chain reads: own, or a shared projection (read-only)
	plainD  int                // district whose projection without population levers own holds, or -1
	plainV  int                // and the draw variant it is of (draw.variant)
	base    population.Pop
	lev     population.Levers
	prefix  [forecast.NumAges + 1]float64
	scratch []float64
	active  []bool                            // lever switches, for callers
	dr      draw                              // a Monte Carlo draw for callers
	mult    [][numServices][numGroups]float64 // by year index
	noisy   []population.Pop90                // a projection with population error applied
	pcg     rand.PCG                          // the service multipliers' generator, reseeded for each draw
	rng     *rand.Rand
	// noUseTrend evaluates the chain without the data's use-rate trends (for the drivers).
	noUseTrend bool
	prefix2    [forecast.NumAges + 1]float64 // the second sex's running sums (chain)
	// popRows, if not nil, holds the population part of each year of the district chain
	// evaluates next (popRowsTo of w.pop90): set by runDraws when every draw shares the
	// projection, so that the draws do not sum it again.
	popRows []float64
	// The lever effects of each year (leverYears) for the draw lvDraw at drawSeq and the
	// levers on (active and applying to the district) in lvOn: districts with the same levers
	// share them within a draw.
	lv      []leverYear
	lvDraw  *draw
	lvSeq   uint64
	lvOn    []bool
	shifted [][forecast.NumAges]float64 // storage of lv's shifted rates
	drawSeq uint64                      // incremented by callers that reuse a draw's memory for another draw
	// sigma holds, for the council's cv and the error models multipliersTo was last called
	// with, each service, group and year's lognormal σ and σ²/2.
	sigma   [][2]float64
	sigmaCV *[numServices][numGroups]float64
	sigmaEM *ErrorModels
}

// leverYear is what the levers on for a district make of one year of a draw.
type leverYear struct {
	needTrend  []float64                                       // by schedule: prevalence trends
	needRate   [][forecast.NumSexes]*[forecast.NumAges]float64 // by schedule and sex: the draw's rates, shifted by compression of morbidity
	svcTrend   [numServices]float64
	elig       float64 // eligibility factor
	avoid      float64 // share of care-home admissions avoided
	shiftShare float64 // share of residential care moved to home care
	price      float64 // unit-cost growth, and inflation in cash terms
}

// leverYears returns the effects of the active levers that apply to district d in each year of
// draw dr, computed again only when the draw or the levers on differ from the last call's.
func (w *worker) leverYears(d int, dr *draw, active []bool) []leverYear {
	p := w.p
	if len(w.lvOn) != len(p.levers) {
		w.lvOn = make([]bool, len(p.levers))
		w.lvDraw = nil
	}
	same := w.lvDraw == dr && w.lvSeq == w.drawSeq
	for i := range p.levers {
		on := active[i] && p.levers[i].appliesTo(d)
		if on != w.lvOn[i] {
			same = false
			w.lvOn[i] = on
		}
	}
	if same {
		return w.lv
	}
	w.lvDraw, w.lvSeq = dr, w.drawSeq
	if len(w.lv) != len(p.years) {
		w.lv = make([]leverYear, len(p.years))
		for k := range w.lv {
			w.lv[k].needTrend = make([]float64, len(p.scheds))
			w.lv[k].needRate = make([][forecast.NumSexes]*[forecast.NumAges]float64, len(p.scheds))
		}
		w.shifted = make([][forecast.NumAges]float64, len(p.years)*len(p.scheds)*forecast.NumSexes)
	}
	on := w.lvOn
	for k, year := range p.years {
		L := &w.lv[k]
		for j, sch := range p.scheds {
			trend, shift := 1.0, [forecast.NumSexes]float64{}
			for i := range p.levers {
				l := &p.levers[i]
				if !on[i] {
					continue
				}
				switch {
				case l.spec.Type == forecast.LeverPrevalenceTrend && l.measure == j:
					trend *= dr.cum[i][k]
				case l.spec.Type == forecast.LeverMorbidityCompression:
					for s := range shift {
						shift[s] += dr.cum[i][k] * p.e65Gain[k][s]
					}
				}
			}
			L.needTrend[j] = trend
			for s := range forecast.NumSexes {
				L.needRate[j][s] = &dr.rates[j][s]
				if shift[s] != 0 {
					dst := &w.shifted[(k*len(p.scheds)+j)*forecast.NumSexes+s]
					sch.shiftedRateTo(dst, s, shift[s], dr.rates[j])
					L.needRate[j][s] = dst
				}
			}
		}
		L.elig, L.avoid, L.shiftShare = 1, 0, 0
		for s := range L.svcTrend {
			L.svcTrend[s] = 1
		}
		for i := range p.levers {
			l := &p.levers[i]
			if !on[i] {
				continue
			}
			switch l.spec.Type {
			case forecast.LeverServiceTrend:
				L.svcTrend[l.service] *= dr.cum[i][k]
			case forecast.LeverEligibility:
				L.elig *= 1 + dr.cum[i][k]/100
			case forecast.LeverAdmissionAvoidance:
				L.avoid = 1 - (1-L.avoid)*(1-dr.cum[i][k]/100)
			case forecast.LeverShiftToHomeCare:
				L.shiftShare = 1 - (1-L.shiftShare)*(1-dr.cum[i][k]/100)
			}
		}
		price := 1.0
		for i := range p.levers {
			if on[i] && p.levers[i].spec.Type == forecast.LeverUnitCostGrowth {
				price *= dr.cum[i][k]
			}
		}
		if p.sc.Costs.Terms == "cash" {
			price *= math.Pow(1+p.sc.Costs.Inflation/100, float64(year-p.priceBase))
		}
		L.price = price
	}
	return w.lv
}

// popStride is the length of one year's population part in worker.popRows: the population
// cells, then the people aged 18–64 and 65+.
func (p *plan) popStride() int { return p.mPop.cells() + 2 }

// popRowTo writes the population cells of one year from pop into row and returns the people
// aged 18–64 and 65+.
func (w *worker) popRowTo(pop *population.Pop90, row []float64) (working, older float64) {
	m := w.p.mPop
	for s := range forecast.NumSexes {
		w.prefixTo(&pop[s], 0, forecast.OpenAge)
		for b, bd := range m.bands {
			row[m.cell(s, b)] = w.bandSum(bd)
		}
	}
	for b := range m.bands {
		row[m.cell(selAll, b)] = row[m.cell(selFemale, b)] + row[m.cell(selMale, b)]
	}
	for s := range forecast.NumSexes {
		for x := 18; x <= 64; x++ {
			working += pop[s][x]
		}
	}
	for s := range forecast.NumSexes {
		for x := 65; x <= forecast.OpenAge; x++ {
			older += pop[s][x]
		}
	}
	return working, older
}

// popRowsTo writes into dst (len(years) × popStride) the population part of every year of
// w.pop90, for worker.popRows.
func (w *worker) popRowsTo(dst []float64) {
	p := w.p
	m := p.mPop
	n := m.cells()
	row := make([]float64, m.off+n)
	for k := range p.years {
		working, older := w.popRowTo(&w.pop90[k], row)
		rec := dst[k*(n+2) : (k+1)*(n+2)]
		copy(rec, row[m.off:])
		rec[n], rec[n+1] = working, older
	}
}

func (p *plan) newWorker() *worker {
	own := make([]population.Pop90, len(p.years))
	return &worker{p: p, pop: make([]population.Pop, len(p.years)), own: own, pop90: own, plainD: -1}
}

// popLeversApply reports whether any active population lever applies to district d.
func (p *plan) popLeversApply(d int, active []bool) bool {
	for i := range p.levers {
		if l := &p.levers[i]; active[i] && l.group == 0 && l.appliesTo(d) {
			return true
		}
	}
	return false
}

// project projects district d with the active population levers into w.own and points
// w.pop90 at it. A projection without population levers is kept: asked for again for the same
// district, it is not recomputed.
func (w *worker) project(d int, dr *draw, active []bool) error {
	p := w.p
	e := p.e
	plain := !p.popLeversApply(d, active)
	w.pop90 = w.own
	if plain && w.plainD == d && w.plainV == dr.variant {
		return nil
	}
	w.plainD = -1
	if p.sc.Population.Source == "supplied" {
		// A supplied projection is used as it is (checkSupplied made sure it covers the run).
		src := p.proj
		if dr.variant >= 0 {
			src = p.drawProj[dr.variant]
		}
		proj := src[e.districts[d]]
		for k, y := range p.years {
			w.own[k] = *proj[y]
		}
		w.plainD, w.plainV = d, dr.variant
		return nil
	}
	est, err := e.estimate(d, p.base)
	if err != nil {
		return err
	}
	ref, err := e.oldRef(p.base)
	if err != nil {
		return err
	}
	if err := population.SplitOpenTo(&w.base, est, ref); err != nil {
		return fmt.Errorf("engine: %s: %w", e.districts[d], err)
	}
	loc, err := e.local(d, p.base)
	if err != nil {
		return err
	}
	if err := p.popLevers(d, active, dr.values, &w.lev); err != nil {
		return err
	}
	if err := e.model.ProjectTo(w.pop, p.base, &w.base, loc, &w.lev); err != nil {
		return fmt.Errorf("engine: projecting %s: %w", e.districts[d], err)
	}
	for k := range w.pop {
		population.CollapseTo(&w.own[k], &w.pop[k])
	}
	if plain {
		w.plainD, w.plainV = d, dr.variant
	}
	return nil
}

// prefixTo writes into w.prefix the running sums of a[from..to] (w.prefix[x+1] = Σ a[from..x],
// w.prefix[from] = 0), so that bandSum gives the sum over any band within from..to.
func (w *worker) prefixTo(a *[forecast.NumAges]float64, from, to int) {
	acc := 0.0
	w.prefix[from] = 0
	for x := from; x <= to; x++ {
		acc += a[x]
		w.prefix[x+1] = acc
	}
}

// bandSum is the sum over band b of the array last given to prefixTo (b within its range).
func (w *worker) bandSum(b band) float64 { return w.prefix[b.to+1] - w.prefix[b.from] }

// chain evaluates need, services, capacity, workforce and cost for district d in every year
// from w.pop90 (or, with demography false, from the base-year population in every year), with
// the active levers, writing out[k*nCells+cell]. It allocates nothing.
func (w *worker) chain(d int, dr *draw, active []bool, demography bool, out []float64) {
	p := w.p
	e := p.e
	use, older, hours := p.rates.ratesFor(e, e.districts[d])
	if h := p.sc.Capacity.HomeCareHours; h != nil {
		hours = *h
	}
	staff := p.sc.Capacity.ContractedHours * p.sc.Capacity.ProductiveShare
	lv := w.leverYears(d, dr, active)
	for k := range p.years {
		row := out[k*p.nCells : (k+1)*p.nCells]
		pop := &w.pop90[k]
		if !demography {
			pop = &w.pop90[0]
		}
		L := &lv[k]
		// Population.
		var olderPop, working float64
		if w.popRows != nil {
			m, n := p.mPop, p.mPop.cells()
			rec := w.popRows[k*(n+2) : (k+1)*(n+2)]
			copy(row[m.off:m.off+n], rec)
			working, olderPop = rec[n], rec[n+1]
		} else {
			working, olderPop = w.popRowTo(pop, row)
		}
		// Need: rates × population × trend over the measure's ages only, both sexes in one
		// pass.
		var needOlder [maxSchedules]float64 // people 65+ with each measure
		for j, sch := range p.scheds {
			trend := L.needTrend[j]
			m := p.mNeed[j]
			rf, rm := L.needRate[j][selFemale], L.needRate[j][selMale]
			pf, pm := &pop[selFemale], &pop[selMale]
			var accF, accM float64
			w.prefix[sch.from], w.prefix2[sch.from] = 0, 0
			for x := sch.from; x <= sch.to; x++ {
				accF += pf[x] * rf[x] * trend
				accM += pm[x] * rm[x] * trend
				w.prefix[x+1] = accF
				w.prefix2[x+1] = accM
			}
			for b, bd := range m.bands {
				row[m.cell(selFemale, b)] = w.prefix[bd.to+1] - w.prefix[bd.from]
				row[m.cell(selMale, b)] = w.prefix2[bd.to+1] - w.prefix2[bd.from]
			}
			if sch.from <= 65 && sch.to >= forecast.OpenAge {
				g := groupBands[grpOlder]
				needOlder[j] += w.prefix[g.to+1] - w.prefix[g.from]
				needOlder[j] += w.prefix2[g.to+1] - w.prefix2[g.from]
			}
			for b := range m.bands {
				row[m.cell(selAll, b)] = row[m.cell(selFemale, b)] + row[m.cell(selMale, b)]
			}
		}
		// Services.
		var svc [numServices][numGroups]float64
		den := [numGroups]float64{working, olderPop}
		elig, avoid, shiftShare, trend := L.elig, L.avoid, L.shiftShare, &L.svcTrend
		careHomes := 0.0 // council-supported care-home residents from population and need alone
		for s := range numServices {
			for g := range numGroups {
				u := use[s][g]
				if math.IsNaN(u) {
					continue
				}
				x := u * den[g]
				if g == grpOlder && len(p.drivers[s]) > 0 {
					// 65+ driven by need: each driving measure's people × its rate.
					x = 0
					for i, dv := range p.drivers[s] {
						x += older[s][i] * needOlder[dv.sched]
					}
				}
				if dr.mult != nil {
					x *= dr.mult[k][s][g]
				}
				if g == grpOlder && p.useTrend != nil && !w.noUseTrend {
					// The data's use-rate trend is part of the projection of council-funded
					// residents, so the rest of the care-home market follows it too.
					x *= p.useTrend[d][k][s]
				}
				if s == svcResidential || s == svcNursing {
					careHomes += x
				}
				svc[s][g] = x * trend[s] * elig
			}
		}
		for g := range numGroups {
			svc[svcResidential][g] *= 1 - avoid
			svc[svcNursing][g] *= 1 - avoid
			moved := svc[svcResidential][g] * shiftShare
			svc[svcResidential][g] -= moved
			svc[svcHomeCare][g] += moved
		}
		var tot [numServices]float64
		for s := range numServices {
			m := p.mSvc[s]
			tot[s] = svc[s][grpWorking] + svc[s][grpOlder]
			if s == svcMeals {
				row[m.cell(0, 0)] = svc[s][grpOlder]
				continue
			}
			row[m.cell(0, 0)] = svc[s][grpWorking]
			row[m.cell(0, 1)] = svc[s][grpOlder]
			row[m.cell(0, 2)] = tot[s]
		}
		// Capacity and workforce.
		occ := p.sc.Capacity.Occupancy
		homeHours := tot[svcHomeCare] * hours
		row[p.mCap.resBeds.off] = tot[svcResidential] / occ
		row[p.mCap.nurBeds.off] = tot[svcNursing] / occ
		row[p.mCap.hours.off] = homeHours
		res := tot[svcResidential] * p.sc.Capacity.ResidentialStaffing / staff
		nur := tot[svcNursing] * p.sc.Capacity.NursingStaffing / staff
		home := homeHours / staff
		row[p.mWork.res.off] = res
		row[p.mWork.nur.off] = nur
		row[p.mWork.home.off] = home
		row[p.mWork.total.off] = res + nur + home
		// The whole care-home market: the council's residents and those it does not fund.
		if m := &p.mMarket; m.notFunded != nil {
			nf := p.notCouncilFunded(d, k, dr, active, careHomes)
			all := tot[svcResidential] + tot[svcNursing] + nf
			row[m.notFunded.off] = nf
			row[m.residents.off] = all
			row[m.beds.off] = all / occ
		}
		// Cost.
		price := L.price
		vol := [numServices]float64{
			svcResidential:    tot[svcResidential] * 52,
			svcNursing:        tot[svcNursing] * 52,
			svcHomeCare:       homeHours * 52,
			svcDirectPayments: tot[svcDirectPayments] * 52,
			svcDayCare:        tot[svcDayCare] * 52,
			svcMeals:          tot[svcMeals] * 52,
		}
		var total float64
		for s := range numServices {
			c := vol[s] * p.districtCost[d][s] * price
			row[p.mCost[s].off] = c
			total += c
		}
		row[p.mCostTot.off] = total
	}
}
