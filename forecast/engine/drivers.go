package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/carecast/carecast/forecast"
)

// drivers splits the change of headline measures since the base year into its causes. Each
// part is the difference between two evaluations of the chain that differ by one cause,
// switched on in this order: demography (the projected population instead of the base year's),
// each population lever, each prevalence lever, each service lever, unit-cost growth, the
// use-rate trends of the data (Inputs.UseTrends, switched on first, on the base-year population)
// and for cash terms the price path. The parts therefore add up exactly to the change.
type drivers struct {
	p       *plan
	targets []dtarget
	parts   []string
	order   []int // lever indices in the order they are switched on
	cash    bool
	trend   int       // the part of the use-rate trends, or -1
	names   []string  // [target][part]: measure names
	leaf    []float64 // [leaf][year][target][part]
	vals    []float64 // [area][year][target][part]
}

type dtarget struct {
	m    *measureDef
	cell int // offset of the cell within a year's row
	band string
}

func (p *plan) newDrivers() *drivers {
	d := &drivers{p: p, cash: p.sc.Costs.Terms == "cash", trend: -1}
	add := func(m *measureDef, sex, b int) {
		d.targets = append(d.targets, dtarget{m: m, cell: m.cell(sex, b), band: m.bands[b].name})
	}
	add(p.mPop, 2, len(p.mPop.bands)-1) // all ages
	for j, m := range p.mNeed {
		s := p.scheds[j]
		b := slices.IndexFunc(m.bands, func(b band) bool { return b.from == s.from && b.to == s.to })
		add(m, 0+2, b)
	}
	for k, m := range p.mSvc {
		if k == svcMeals {
			add(m, 0, 0)
		} else {
			add(m, 0, 2)
		}
	}
	for _, m := range []*measureDef{p.mCap.resBeds, p.mCap.nurBeds, p.mCap.hours, p.mWork.total, p.mCostTot} {
		add(m, 0, 0)
	}
	if p.mMarket.beds != nil {
		add(p.mMarket.beds, 0, 0)
	}
	d.parts = append(d.parts, "demography")
	for g := range 4 {
		for i, l := range p.levers {
			if l.group == g {
				d.order = append(d.order, i)
				d.parts = append(d.parts, fmt.Sprintf("%d_%s", i+1, slug(l.label)))
			}
		}
	}
	if p.useTrend != nil {
		d.trend = len(d.parts)
		d.parts = append(d.parts, forecast.DriverUseTrend)
	}
	if d.cash {
		d.parts = append(d.parts, "prices")
	}
	for _, tg := range d.targets {
		for _, part := range d.parts {
			d.names = append(d.names, "driver."+tg.m.name+"."+part)
		}
	}
	d.leaf = make([]float64, len(p.leaves)*len(p.years)*len(d.targets)*len(d.parts))
	return d
}

func (d *drivers) stride() int { return len(d.targets) * len(d.parts) }

// district evaluates the sequence for leaf j (district dist) and stores the parts.
func (d *drivers) district(w *worker, j, dist int, dr *draw) error {
	p := d.p
	per := len(p.years) * p.nCells
	if len(w.scratch) < 2*per {
		w.scratch = make([]float64, 2*per)
	}
	prev, cur := w.scratch[:per], w.scratch[per:2*per]
	active := make([]bool, len(p.levers))
	if err := w.project(dist, dr, active); err != nil {
		return err
	}
	w.noUseTrend = true
	w.chain(dist, dr, active, false, prev)
	w.noUseTrend = false
	leaf := d.leaf[j*len(p.years)*d.stride() : (j+1)*len(p.years)*d.stride()]
	set := func(part int) {
		for k := range p.years {
			for t, tg := range d.targets {
				leaf[k*d.stride()+t*len(d.parts)+part] = cur[k*p.nCells+tg.cell] - prev[k*p.nCells+tg.cell]
			}
		}
	}
	if d.cash {
		// The price path alone: the base-year population at each year's prices, against the base
		// year's prices.
		last := len(d.parts) - 1
		for k := range p.years {
			for t, tg := range d.targets {
				leaf[k*d.stride()+t*len(d.parts)+last] = prev[k*p.nCells+tg.cell] - prev[tg.cell]
			}
		}
	}
	if d.trend >= 0 {
		w.chain(dist, dr, active, false, cur)
		set(d.trend)
		prev, cur = cur, prev
	}
	w.chain(dist, dr, active, true, cur)
	set(0)
	prev, cur = cur, prev
	for n, i := range d.order {
		active[i] = true
		if p.levers[i].group == 0 {
			if err := w.project(dist, dr, active); err != nil {
				return err
			}
		}
		w.chain(dist, dr, active, true, cur)
		set(n + 1)
		prev, cur = cur, prev
	}
	return nil
}

func (d *drivers) rollUp() {
	p := d.p
	per := len(p.years) * d.stride()
	d.vals = p.rollUp(d.leaf, per)
	d.leaf = nil
}

func (d *drivers) name(t, part int) string { return d.names[t*len(d.parts)+part] }

func (d *drivers) value(a, k int, measure string) (float64, bool) {
	for t := range d.targets {
		for part := range d.parts {
			if d.name(t, part) == measure {
				return d.vals[(a*len(d.p.years)+k)*d.stride()+t*len(d.parts)+part], true
			}
		}
	}
	return 0, false
}

func (d *drivers) rows(r *Result, a, k int, yield func(forecast.ResultRow) bool) bool {
	area := r.Areas[a]
	base := (a*len(d.p.years) + k) * d.stride()
	for t, tg := range d.targets {
		for part := range d.parts {
			v := d.vals[base+t*len(d.parts)+part]
			if math.IsNaN(v) {
				continue // a whole-market measure of an area without care home beds
			}
			if !yield(forecast.ResultRow{ScenarioID: r.Provenance.ScenarioID, RunID: r.Provenance.RunID, AreaCode: area.Code,
				AreaName: area.Name, Year: r.Years[k], Measure: d.name(t, part), Unit: tg.m.unit, Sex: "all", AgeBand: tg.band,
				Mean: v, P10: v, P50: v, P90: v}) {
				return false
			}
		}
	}
	return true
}
