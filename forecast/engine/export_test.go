package engine

import (
	"testing"

	"github.com/carecast/carecast/forecast"
)

// HotLoopAllocs returns the allocations of one projection, one evaluation of the chain and one
// Monte Carlo draw's set-up for the first district of sc, after a first call has warmed the
// caches: the loops that run for every district and draw.
func HotLoopAllocs(e *Engine, sc forecast.Scenario) (project, chain, setup float64, err error) {
	p, err := e.newPlan(sc, false)
	if err != nil {
		return 0, 0, 0, err
	}
	w := p.newWorker()
	dr := p.centralDraw()
	all := make([]bool, len(p.levers))
	for i := range all {
		all[i] = true
	}
	d := p.leaves[0]
	out := make([]float64, len(p.years)*p.nCells)
	if err := w.project(d, dr, all); err != nil {
		return 0, 0, 0, err
	}
	project = testing.AllocsPerRun(20, func() {
		w.plainD = -1
		if err := w.project(d, dr, all); err != nil {
			panic(err)
		}
	})
	chain = testing.AllocsPerRun(20, func() { w.chain(d, dr, all, true, out) })
	cv := p.rates.cv[e.council[d]]
	var common draw
	p.commonDraw(&common, 0)
	w.multipliersTo(cv, 1, 0, nil) // sizes the worker's buffers once
	setup = testing.AllocsPerRun(20, func() {
		w.dr = common
		w.multipliersTo(cv, 1, 0, nil)
		w.dr.mult = w.mult
	})
	return project, chain, setup, nil
}
