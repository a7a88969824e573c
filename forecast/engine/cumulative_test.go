package engine_test

import (
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// TestAnnualLeversCompoundAsCumulative runs each annual-rate lever through the engine on the
// default data and checks that the measure it scales, with the lever divided by without it,
// is forecast.Lever.Cumulative: the factor the web pages and the scenario schema print.
func TestAnnualLeversCompoundAsCumulative(t *testing.T) {
	_, _, e := realData(t)
	base := forecast.Scenario{Name: "baseline", Areas: []string{sheffield}, Horizon: 2045}
	plain := run(t, e, base)
	cases := []struct {
		lever         forecast.LeverSpec
		measure, band string
	}{
		{forecast.LeverSpec{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: -1}, "need.dementia", "65+"},
		{forecast.LeverSpec{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: 1.5}, "need.dementia", "85+"},
		{forecast.LeverSpec{Type: forecast.LeverServiceTrend, Service: "home_care", Value: -2}, "service.home_care", "18+"},
		{forecast.LeverSpec{Type: forecast.LeverUnitCostGrowth, Value: 1.5}, "cost.residential", "18+"},
	}
	windows := [][2]int{{2025, 2045}, {2025, 2026}, {2023, 2030}, {2030, 2030}}
	for _, c := range cases {
		for _, w := range windows {
			for p := range forecast.Profile(forecast.NumProfiles) {
				l := c.lever
				l.Start, l.End, l.Profile = w[0], w[1], p.String()
				sc := base
				sc.Name = "lever"
				sc.Levers = []forecast.LeverSpec{l}
				r := run(t, e, sc)
				lev := forecast.Lever{Value: l.Value, Start: l.Start, End: l.End, Profile: p}
				for _, y := range []int{2023, 2030, 2035, 2045} {
					got := value(t, r, sheffield, y, c.measure, "all", c.band) / value(t, plain, sheffield, y, c.measure, "all", c.band)
					want := lev.Cumulative(forecast.DefaultBaseYear, y)
					if math.Abs(got-want) > 1e-9 {
						t.Errorf("%s %v %d..%d %v: %s %d with ÷ without = %.12f, Cumulative = %.12f",
							l.Type, l.Value, l.Start, l.End, p, c.measure, y, got, want)
					}
				}
			}
		}
	}
	// The example in the issue: −1% a year of dementia prevalence from 2025, linear.
	for _, end := range []int{2045, 2026} {
		sc := base
		sc.Levers = []forecast.LeverSpec{{Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Value: -1, Start: 2025, End: end}}
		r := run(t, e, sc)
		ratio := value(t, r, sheffield, 2035, "need.dementia", "all", "65+") / value(t, plain, sheffield, 2035, "need.dementia", "all", "65+")
		t.Logf("dementia −1%%/yr from 2025, rate reached in full by %d: need in 2035 %+.2f%%", end, 100*(ratio-1))
	}
}
