package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// WriteNumpyInputs writes into dir, as NumPy .npy files and one meta.json, everything the
// deterministic chain of r reads (population estimates, calibrated local rates, the national
// rates of every year, need schedules, service rates, use trends, unit costs, supply) and r's
// own results (results.npy, [area][year][cell]), for bench/numpy_chain.py, which runs the same
// chain in NumPy and checks its numbers against the engine's. Arrays are little-endian float64
// in C order; NaN marks what the data does not have, as in the engine.
//
// It returns an error for a run it cannot describe this way: Monte Carlo draws, a supplied
// population, or any lever (the comparison is of the deterministic baseline).
func WriteNumpyInputs(r *Result, dir string) error {
	p := r.p
	e := p.e
	switch {
	case r.lo != nil:
		return errors.New("numpy inputs: the run has draws")
	case p.sc.Population.Source != "cohort":
		return fmt.Errorf("numpy inputs: population source %q, want cohort", p.sc.Population.Source)
	case len(p.levers) > 0:
		return errors.New("numpy inputs: the scenario has levers")
	}
	D, K, J := len(p.leaves), len(p.years), len(p.scheds)
	const A90, A = forecast.NumAges, population.NumAges
	nw := npyWriter{dir: dir}

	// Population: base-year estimates, the reference that splits 90+, local adjustments.
	est := make([]float64, 0, D*2*A90)
	mort := make([]float64, 0, D*2)
	fert := make([]float64, 0, D)
	mig := make([]float64, 0, D*2*A)
	for _, d := range p.leaves {
		p90, err := e.estimate(d, p.base)
		if err != nil {
			return err
		}
		loc, err := e.local(d, p.base)
		if err != nil {
			return err
		}
		if loc.Migration == nil {
			return fmt.Errorf("numpy inputs: %s has no local migration", e.districts[d])
		}
		for s := range forecast.NumSexes {
			est = append(est, p90[s][:]...)
			mig = append(mig, loc.Migration[s][:]...)
		}
		mort = append(mort, loc.Mortality[:]...)
		fert = append(fert, loc.Fertility)
	}
	ref, err := e.oldRef(p.base)
	if err != nil {
		return err
	}
	nw.write("est90", est, D, 2, A90)
	nw.write("oldref", append(ref[0][:], ref[1][:]...), 2, A)
	nw.write("loc_mortality", mort, D, 2)
	nw.write("loc_fertility", fert, D)
	nw.write("loc_migration", mig, D, 2, A)

	// The national rates of each period base+k..base+k+1.
	var q, qb, fr, mb []float64
	for k := range K - 1 {
		rt := e.model.Rates(p.base + k)
		q = append(append(q, rt.Q[0][:]...), rt.Q[1][:]...)
		qb = append(qb, rt.QBirth[:]...)
		fr = append(fr, rt.Fertility[:]...)
		mb = append(mb, rt.MaleBirths)
	}
	nw.write("q", q, K-1, 2, A)
	nw.write("qbirth", qb, K-1, 2)
	nw.write("fertility", fr, K-1, A)
	nw.write("male_births", mb, K-1)

	// Need schedules and what the (absent) levers make of each year.
	var rates []float64
	for _, s := range p.scheds {
		rates = append(append(rates, s.rate[0][:]...), s.rate[1][:]...)
	}
	nw.write("need_rate", rates, J, 2, A90)
	w := p.newWorker()
	all := []bool{}
	lv := w.leverYears(p.leaves[0], p.centralDraw(), all)
	var needTrend, svcTrend, elig, avoid, shift, price []float64
	for k := range K {
		L := &lv[k]
		needTrend = append(needTrend, L.needTrend...)
		svcTrend = append(svcTrend, L.svcTrend[:]...)
		elig = append(elig, L.elig)
		avoid = append(avoid, L.avoid)
		shift = append(shift, L.shiftShare)
		price = append(price, L.price)
	}
	nw.write("need_trend", needTrend, K, J)
	nw.write("svc_trend", svcTrend, K, numServices)
	nw.write("eligibility", elig, K)
	nw.write("avoid", avoid, K)
	nw.write("shift", shift, K)
	nw.write("price", price, K)

	// Services by district: use rates, 65+ rates per person with each driving measure, hours,
	// use trends, the care-home market share, unit costs.
	var use, older, hours, trend, share, cost []float64
	for _, d := range p.leaves {
		u, o, h := p.rates.ratesFor(e, e.districts[d])
		if hh := p.sc.Capacity.HomeCareHours; hh != nil {
			h = *hh
		}
		for s := range numServices {
			use = append(use, u[s][:]...)
			older = append(older, o[s][:]...)
		}
		hours = append(hours, h)
		for k := range K {
			for s := range numServices {
				t := 1.0
				if p.useTrend != nil {
					t = p.useTrend[d][k][s]
				}
				trend = append(trend, t)
			}
		}
		sh := math.NaN()
		if p.mMarket.notFunded != nil {
			sh = p.marketShare[d]
		}
		share = append(share, sh)
		cost = append(cost, p.districtCost[d][:]...)
	}
	nw.write("use", use, D, numServices, numGroups)
	nw.write("older_rate", older, D, numServices, forecast.MaxDriversPerService)
	nw.write("hours", hours, D)
	nw.write("use_trend", trend, D, K, numServices)
	nw.write("market_share", share, D)
	nw.write("unit_cost", cost, D, numServices)

	// Reported areas: the leaves each sums, and each gap's supply by area and year (NaN:
	// none).
	pos := map[int]int{}
	for j, d := range p.leaves {
		pos[d] = j
	}
	var members, starts, supply []float64
	for _, a := range p.out {
		starts = append(starts, float64(len(members)))
		for _, d := range a.districts {
			members = append(members, float64(pos[d]))
		}
		for _, y := range p.years {
			for _, g := range p.gaps {
				v, ok := p.areaSupply(a, g.services, g.unit, y)
				if !ok {
					v = math.NaN()
				}
				supply = append(supply, v)
			}
		}
	}
	nw.write("area_members", members, len(members))
	nw.write("area_starts", starts, len(starts))
	nw.write("supply", supply, len(p.out), K, len(p.gaps))
	nw.write("results", r.mean, len(p.out), K, p.nCells)
	if nw.err != nil {
		return nw.err
	}

	// The cell layout and the scalars.
	type measure struct {
		Name  string   `json:"name"`
		Off   int      `json:"off"`
		Sexes int      `json:"sexes"`
		Bands [][2]int `json:"bands"`
	}
	ms := func(m *measureDef) measure {
		out := measure{Name: m.name, Off: m.off, Sexes: len(m.sexes)}
		for _, b := range m.bands {
			out.Bands = append(out.Bands, [2]int{b.from, b.to})
		}
		return out
	}
	meta := map[string]any{
		"scenario": p.sc.Name, "base": p.base, "years": p.years, "n_cells": p.nCells,
		"pop": ms(p.mPop), "cap_res_beds": ms(p.mCap.resBeds), "cap_nur_beds": ms(p.mCap.nurBeds),
		"cap_hours": ms(p.mCap.hours), "work_res": ms(p.mWork.res), "work_nur": ms(p.mWork.nur),
		"work_home": ms(p.mWork.home), "work_total": ms(p.mWork.total), "cost_total": ms(p.mCostTot),
		"occupancy": p.sc.Capacity.Occupancy, "residential_staffing": p.sc.Capacity.ResidentialStaffing,
		"nursing_staffing": p.sc.Capacity.NursingStaffing,
		"staff_hours":      p.sc.Capacity.ContractedHours * p.sc.Capacity.ProductiveShare,
		"services":         serviceNames, "meals": svcMeals, "residential": svcResidential, "nursing": svcNursing,
		"home_care": svcHomeCare, "older_from": groupBands[grpOlder].from, "working": [2]int{groupBands[grpWorking].from, groupBands[grpWorking].to},
		"area_codes": func() []string {
			var c []string
			for _, a := range p.out {
				c = append(c, a.code)
			}
			return c
		}(),
	}
	var need, svc, costs []measure
	var scheds []map[string]any
	for j, s := range p.scheds {
		need = append(need, ms(p.mNeed[j]))
		scheds = append(scheds, map[string]any{"measure": s.measure, "from": s.from, "to": s.to})
	}
	var drivers [][]int
	for s := range numServices {
		svc = append(svc, ms(p.mSvc[s]))
		costs = append(costs, ms(p.mCost[s]))
		dv := []int{}
		for _, x := range p.drivers[s] {
			dv = append(dv, x.sched)
		}
		drivers = append(drivers, dv)
	}
	meta["need"], meta["schedules"], meta["svc"], meta["cost"], meta["drivers"] = need, scheds, svc, costs, drivers
	var gaps [][2]int
	for _, g := range p.gaps {
		gaps = append(gaps, [2]int{g.of.off, g.m.off})
	}
	meta["gaps"] = gaps
	if m := &p.mMarket; m.notFunded != nil {
		meta["market"] = map[string]int{"not_funded": m.notFunded.off, "residents": m.residents.off, "beds": m.beds.off}
	}
	b, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644)
}

// npyWriter writes float64 arrays as .npy files (format version 1.0), keeping the first error.
type npyWriter struct {
	dir string
	err error
}

// write writes data, of the given shape in C order, to dir/name.npy. It panics if the shape
// does not match len(data).
func (nw *npyWriter) write(name string, data []float64, shape ...int) {
	n := 1
	dims := make([]string, len(shape))
	for i, s := range shape {
		n *= s
		dims[i] = fmt.Sprint(s)
	}
	if n != len(data) {
		panic(fmt.Sprintf("npy %s: shape %v holds %d values, have %d", name, shape, n, len(data)))
	}
	if nw.err != nil {
		return
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }", tuple)
	// Magic (6), version (2) and length (2), then the header padded with spaces and ended by a
	// newline to a multiple of 64 bytes.
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	f, err := os.Create(filepath.Join(nw.dir, name+".npy"))
	if err != nil {
		nw.err = err
		return
	}
	bw := bufio.NewWriter(f)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	binary.Write(bw, binary.LittleEndian, data)
	if err := bw.Flush(); err != nil {
		nw.err = err
	}
	if err := f.Close(); err != nil && nw.err == nil {
		nw.err = err
	}
}
