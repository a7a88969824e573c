package engine_test

import (
	"testing"

	"github.com/carecast/carecast/forecast"
)

// TestDwellingsMagnitude checks the size of the dwellings lever on real data: 4,000 homes × 2.3
// persons, all completed in 2025 (a step), bring 9,200 people to Sheffield, with the ages of
// England's in-migrants (mostly 18–40). Hand bounds: by mid-2025 fewer than 10 of them have died
// (half a year at death rates near 0.1%) and their babies add at most about 150 (fertility near
// 0.06 a year × under 2,800 women aged 15–44 × half a year), so 9,190–9,400; by 2030, deaths take
// under 1% and births add at most about 1,200 (5.5 years), so 9,100–10,500. Measured: 9,284 and
// 10,221. Before the fix a lever without areas spread the homes over every district in England,
// so a Sheffield run got Sheffield's ~1% share: about 90 people.
func TestDwellingsMagnitude(t *testing.T) {
	_, _, e := realData(t)
	for _, areas := range [][]string{nil, {sheffield}} {
		base := forecast.Scenario{Name: "base", Areas: []string{sheffield}, Horizon: 2030}
		sc := base
		sc.Levers = []forecast.LeverSpec{{Type: forecast.LeverDwellings, Value: 4000, PersonsPerHome: 2.3,
			Start: 2025, End: 2025, Profile: "step", Areas: areas}}
		r0, r1 := run(t, e, base), run(t, e, sc)
		added := func(y int, band string) float64 {
			return value(t, r1, sheffield, y, "population", "all", band) - value(t, r0, sheffield, y, "population", "all", band)
		}
		a25, a30 := added(2025, "all"), added(2030, "all")
		t.Logf("areas %v: added %.0f people by 2025, %.0f by 2030", areas, a25, a30)
		if !(a25 >= 9190 && a25 <= 9400) {
			t.Errorf("areas %v: 4,000 homes × 2.3 added %.0f people by 2025; want 9,190–9,400", areas, a25)
		}
		if !(a30 >= 9100 && a30 <= 10500) {
			t.Errorf("areas %v: added %.0f people by 2030; want 9,100–10,500", areas, a30)
		}
	}
}
