package engine_test

import (
	"errors"
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// TestLeverBounds runs every lever type at both ends of its documented range (forecast.LeverRanges)
// on a real council and checks that every number the run gives is finite, and that a value
// just past the range, or 1e308, is refused as a scenario error naming levers[0].value. Before
// the ranges, 1e308 homes ran to a Hartlepool population of 5.3e305 and 1e308 on other levers
// failed inside the run with an infinite value.
func TestLeverBounds(t *testing.T) {
	_, _, e := realData(t)
	for _, typ := range forecast.LeverTypes {
		r := forecast.LeverRanges[typ]
		lever := func(v float64) forecast.Scenario {
			l := forecast.LeverSpec{Type: typ, Value: v, Start: 2025, End: 2030}
			switch typ {
			case forecast.LeverPrevalenceTrend:
				l.Measure = "dementia"
			case forecast.LeverServiceTrend:
				l.Service = "home_care"
			}
			return forecast.Scenario{Name: typ, Areas: []string{"E06000001"}, Horizon: 2045, Levers: []forecast.LeverSpec{l}}
		}
		low := r.Min
		if !r.MinIncluded {
			low = r.Min + 1
		}
		for _, v := range []float64{low, r.Max} {
			res := run(t, e, lever(v))
			n := 0
			for row := range res.Rows() {
				n++
				for _, x := range []float64{row.Mean, row.P10, row.P50, row.P90} {
					if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
						t.Fatalf("%s = %v: %s %d %s is %v", typ, v, row.AreaCode, row.Year, row.Measure, x)
					}
				}
			}
			if n == 0 {
				t.Fatalf("%s = %v: no rows", typ, v)
			}
		}
		for _, v := range []float64{r.Max + 1, 1e308, r.Min - 1} {
			_, err := e.Run(t.Context(), lever(v), engine.RunOptions{}, nil)
			var se forecast.ScenarioError
			if !errors.As(err, &se) || se[0].Path != "levers[0].value" {
				t.Errorf("%s = %v: got %v, want a scenario error on levers[0].value", typ, v, err)
			}
		}
	}
}
