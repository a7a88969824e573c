package datasets

import (
	"fmt"
	"slices"
	"sort"

	"github.com/carecast/carecast/forecast/backtest"
)

// hasPrincipal says whether b has ONS's 2018-based projection, which the 2018 contest needs.
func hasPrincipal(b *Bundle) bool {
	for _, l := range b.Projections {
		if l.Variant == "principal" {
			return true
		}
	}
	return false
}

// Contest2018Data splits a bundle into what the 2018 population contest's projection may know
// and what it is scored against (see backtest.Known2018): the known part holds the districts'
// mid-2011 and mid-2018 single-year estimates, all-age totals up to 2018 and the national
// assumptions, as BacktestData builds them; the outturn holds the mid-2020 and mid-2022
// estimates and ONS's 2018-based projection (the principal, read with the data). Nothing else
// of the bundle reaches either.
func Contest2018Data(b *Bundle) (*backtest.Known2018, *backtest.Outturn2018, error) {
	d, err := BacktestData(b)
	if err != nil {
		return nil, nil, err
	}
	known := &backtest.Known2018{Areas: d.Areas, National: d.National}
	out := &backtest.Outturn2018{}
	for _, e := range d.Estimates {
		switch {
		case e.Year == 2011 || e.Year == backtest.Contest2018Origin:
			known.Estimates = append(known.Estimates, e)
		case slices.Contains(backtest.Contest2018Years, e.Year):
			out.Estimates = append(out.Estimates, e)
		}
	}
	for _, t := range d.Totals {
		if t.Year <= backtest.Contest2018Origin {
			known.Totals = append(known.Totals, t)
		}
	}
	var principal *LazyProjection
	for _, l := range b.Projections {
		if l.Variant == "principal" {
			principal = l
		}
	}
	if principal == nil {
		return nil, nil, fmt.Errorf("2018 contest: the data has no principal projection")
	}
	cube, err := principal.Cube()
	if err != nil {
		return nil, nil, fmt.Errorf("2018 contest: %w", err)
	}
	if len(cube.Sources) != 1 {
		return nil, nil, fmt.Errorf("2018 contest: the principal projection names %d sources, want 1", len(cube.Sources))
	}
	bm := &backtest.Benchmark{Name: benchmarkName(cube.Sources[0]), Source: cube.Sources[0], Origin: backtest.Contest2018Origin}
	districts := map[string]bool{}
	for _, a := range d.Areas {
		if a.Level == backtest.LevelDistrict {
			districts[a.Code] = true
		}
	}
	codes := make([]string, 0, len(cube.Cells))
	for c := range cube.Cells {
		if districts[c] {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	for _, c := range codes {
		for _, y := range backtest.Contest2018Years {
			p := cube.Cells[c][y]
			if p == nil {
				return nil, nil, fmt.Errorf("2018 contest: the principal projection has no %s at mid-%d", c, y)
			}
			for x := range p[0] {
				bm.Cells = append(bm.Cells, backtest.BenchmarkCell{Area: c, Year: y, Age: x, Persons: p[0][x] + p[1][x]})
			}
		}
	}
	out.Benchmark = bm
	return known, out, nil
}
