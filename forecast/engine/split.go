package engine

import (
	"math"
	"slices"

	"github.com/carecast/carecast/forecast"
)

// Split is how a run of a scenario with draws can be executed in parts, on several machines,
// and put back together into the numbers one machine computes, bit for bit: every draw's
// random streams are keyed by council, district and draw, never by a position in the run
// (TestMonteCarloCouncilIndependentOfItsRun), so a part of a council's areas computes them
// exactly as the whole run does.
type Split struct {
	// Parts are the scenario areas of each part, in the scenario's order; each council's
	// areas (the council and any of its districts) lie in one part. A part is the scenario
	// with these areas in place of its own.
	Parts [][]string
	// Order is the whole run's output areas in the order of its rows (Result.Rows). Each
	// part's rows come area by area in this same relative order, so merging them area by area
	// in Order gives the whole run's rows.
	Order []string
}

// Split returns how a run of sc can be executed in at most maxParts parts, or nil when it
// must execute whole: a deterministic run (fast whole), one with fewer than two councils, one
// reporting an area that spans councils (a region or England: its draws sum every council's,
// so no part holds them), or one with a dwellings lever that names no areas (its homes spread
// over the run's areas, so each council's share depends on its companions). Parts balance the
// districts each projects, which is what a part's time goes with. A problem with sc is a
// forecast.ScenarioError.
func (e *Engine) Split(sc forecast.Scenario, maxParts int) (*Split, error) {
	p, err := e.newPlan(sc, false)
	if err != nil {
		return nil, err
	}
	if p.sc.Uncertainty.Draws == 0 || maxParts < 2 || len(p.sc.Areas) == 0 {
		return nil, nil
	}
	if slices.ContainsFunc(p.sc.Levers, func(l forecast.LeverSpec) bool {
		return l.Type == forecast.LeverDwellings && len(l.Areas) == 0
	}) {
		return nil, nil
	}
	for _, a := range p.out {
		if len(a.councils) != 1 {
			return nil, nil
		}
	}
	// The scenario's areas by council, councils in the order they first appear.
	var councils []string
	areasOf := map[string][]string{}
	leavesOf := map[string]int{}
	for _, code := range p.sc.Areas {
		c := e.councilOf(code)
		if c == "" {
			return nil, nil
		}
		if _, ok := areasOf[c]; !ok {
			councils = append(councils, c)
			leavesOf[c] = len(e.under[c])
		}
		areasOf[c] = append(areasOf[c], code)
	}
	if len(councils) < 2 {
		return nil, nil
	}
	n := min(maxParts, len(councils))
	total := 0
	for _, c := range councils {
		total += leavesOf[c]
	}
	s := &Split{}
	var part []string
	done, k := 0, 0
	for i, c := range councils {
		// Close the part before c when the districts it holds are nearer its share of the
		// whole without c than with it, or when each part still to come needs one of the
		// councils left.
		if len(part) > 0 && k < n-1 {
			target := float64((k+1)*total) / float64(n)
			without, with := math.Abs(float64(done)-target), math.Abs(float64(done+leavesOf[c])-target)
			if len(councils)-i == n-1-k || without <= with {
				s.Parts = append(s.Parts, part)
				part, k = nil, k+1
			}
		}
		part = append(part, areasOf[c]...)
		done += leavesOf[c]
	}
	if len(part) > 0 {
		s.Parts = append(s.Parts, part)
	}
	for _, a := range p.out {
		s.Order = append(s.Order, a.code)
	}
	return s, nil
}

// councilOf returns the council an area (a council or one of its districts) belongs to, ""
// for an area spanning councils.
func (e *Engine) councilOf(code string) string {
	ds := e.under[code]
	if len(ds) == 0 {
		return ""
	}
	c := e.council[ds[0]]
	for _, d := range ds[1:] {
		if e.council[d] != c {
			return ""
		}
	}
	return c
}
