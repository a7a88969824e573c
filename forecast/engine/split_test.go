package engine_test

import (
	"slices"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// TestSplitMergesToTheWholeRun: a run of five councils with draws, their districts and every
// lever but the dwellings spread over the run's areas, split into parts (Engine.Split), each
// part run alone, and the parts' rows merged area by area in Split.Order, gives the whole
// run's rows bit for bit, every field of every row in the same order. This is what lets the
// job queue execute such a run on several workers (service.Execute for parts).
func TestSplitMergesToTheWholeRun(t *testing.T) {
	_, _, e := realData(t)
	const kent, surrey, westminster = "E10000016", "E10000030", "E09000033"
	district := e.DistrictsUnder(kent)[3]
	sc := mcScenario(24, 7)
	sc.Levers = slices.DeleteFunc(sc.Levers, func(l forecast.LeverSpec) bool { return l.Type == forecast.LeverDwellings && len(l.Areas) == 0 })
	// A district of Kent named after Sheffield, away from Kent: it must still go with Kent.
	sc.Areas = []string{lancs, kent, sheffield, district, surrey, westminster}
	split, err := e.Split(sc, 3)
	if err != nil {
		t.Fatal(err)
	}
	if split == nil {
		t.Fatal("no split of a run of five councils with draws")
	}
	// Districts: Lancashire 12, Kent 12, Sheffield 1, Surrey 11, Westminster 1, 37 in all,
	// 12.3 a part: Lancashire; Kent (with its district) and Sheffield; Surrey and Westminster.
	want := [][]string{{lancs}, {kent, district, sheffield}, {surrey, westminster}}
	if !slices.EqualFunc(split.Parts, want, slices.Equal) {
		t.Errorf("parts %v, want %v", split.Parts, want)
	}
	whole := run(t, e, sc, engine.RunOptions{Workers: 2, RunID: "r1", ScenarioID: "s1"})
	if !slices.Equal(split.Order, areaCodes(whole)) {
		t.Errorf("split order %v, the whole run's areas %v", split.Order, areaCodes(whole))
	}
	byArea := map[string][]forecast.ResultRow{}
	owner := map[string]int{}
	for i, areas := range split.Parts {
		part := sc
		part.Areas = areas
		for row := range run(t, e, part, engine.RunOptions{Workers: 2, RunID: "r1", ScenarioID: "s1"}).Rows() {
			if o, ok := owner[row.AreaCode]; ok && o != i {
				t.Fatalf("area %s in parts %d and %d", row.AreaCode, o, i)
			}
			owner[row.AreaCode] = i
			byArea[row.AreaCode] = append(byArea[row.AreaCode], row)
		}
	}
	var merged []forecast.ResultRow
	for _, a := range split.Order {
		merged = append(merged, byArea[a]...)
	}
	var rows []forecast.ResultRow
	for row := range whole.Rows() {
		rows = append(rows, row)
	}
	// 5 councils and the districts of the three that have them (12 + 12 + 11; Sheffield and
	// Westminster are their own districts).
	if len(split.Order) != 40 {
		t.Errorf("%d areas, want 40", len(split.Order))
	}
	if len(merged) != len(rows) {
		t.Fatalf("merged parts have %d rows, the whole run %d", len(merged), len(rows))
	}
	n := 0
	for i := range rows {
		if merged[i] != rows[i] {
			if n++; n <= 5 {
				t.Errorf("row %d: merged %+v, whole %+v", i, merged[i], rows[i])
			}
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d rows differ", n, len(rows))
	}
	ranged := 0
	for _, r := range rows {
		if r.P90 > r.P10 {
			ranged++
		}
	}
	// 25,812 of the 153,135 rows (the measures with uncertain inputs, years after the base).
	if ranged < len(rows)/10 {
		t.Errorf("%d of %d rows have a range: not a run with draws", ranged, len(rows))
	}
}

// TestSplitKeepsWhole: the runs that Split leaves whole, and why.
func TestSplitKeepsWhole(t *testing.T) {
	_, _, e := realData(t)
	const kent, surrey = "E10000016", "E10000030"
	base := func() forecast.Scenario {
		sc := mcScenario(24, 7)
		sc.Levers = slices.DeleteFunc(sc.Levers, func(l forecast.LeverSpec) bool { return l.Type == forecast.LeverDwellings && len(l.Areas) == 0 })
		sc.Areas = []string{kent, surrey}
		return sc
	}
	if s, err := e.Split(base(), 4); err != nil || s == nil || len(s.Parts) != 2 {
		t.Fatalf("Kent and Surrey with draws: split %+v, %v; want two parts", s, err)
	}
	for name, change := range map[string]func(*forecast.Scenario){
		"deterministic":           func(sc *forecast.Scenario) { sc.Uncertainty.Draws = 0 },
		"one council":             func(sc *forecast.Scenario) { sc.Areas = []string{kent, e.DistrictsUnder(kent)[0]} },
		"a region":                func(sc *forecast.Scenario) { sc.Areas = append(sc.Areas, yorks) },
		"every area (England)":    func(sc *forecast.Scenario) { sc.Areas = nil },
		"dwellings without areas": func(sc *forecast.Scenario) { sc.Levers = mcScenario(24, 7).Levers },
	} {
		sc := base()
		change(&sc)
		if s, err := e.Split(sc, 4); err != nil || s != nil {
			t.Errorf("%s: split %+v, %v; want the run whole", name, s, err)
		}
	}
	if s, err := e.Split(base(), 1); err != nil || s != nil {
		t.Errorf("at most one part: split %+v, %v; want the run whole", s, err)
	}
}

func areaCodes(r *engine.Result) []string {
	var out []string
	for _, a := range r.Areas {
		out = append(out, a.Code)
	}
	return out
}
