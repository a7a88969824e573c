package backtest

import (
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// A district that, beyond the nation's mortality (1% a year at every age here), loses 1% of
// each cohort a year once the cohort's middle age is 50 or more: the residual shape gives a
// cohort aged 70 at the base about −1% of its size a year, and one aged 20 nothing.
func TestResidualMigrationRecoversCohortLoss(t *testing.T) {
	const years = 7
	var r population.Rates
	var natPop population.Pop
	for s := range r.Q {
		for x := range r.Q[s] {
			r.Q[s][x] = 0.01
			natPop[s][x] = 1000
		}
	}
	var p11, p population.Pop90
	var start population.Pop
	for s := range p11 {
		for x := range p11[s] {
			p11[s][x] = 1000
		}
		// Age with national mortality alone, then the extra loss by middle age.
		exp := p11[s]
		for range years {
			var next [forecast.NumAges]float64
			for x := 0; x < forecast.OpenAge; x++ {
				next[x+1] += exp[x] * 0.99
			}
			next[forecast.OpenAge] += exp[forecast.OpenAge] * 0.99
			exp = next
		}
		for a := range exp {
			p[s][a] = exp[a]
			if a-(years+1)/2 >= 50 {
				p[s][a] *= math.Exp(-0.01 * years)
			}
		}
		for x := range forecast.OpenAge {
			start[s][x] = p[s][x]
		}
	}
	var dst [forecast.NumSexes][population.NumAges]float64
	if err := residualMigration(&dst, &p11, &p, &start, &r, &natPop, years, DefaultSmoothing); err != nil {
		t.Fatal(err)
	}
	for s := range dst {
		// dst is migration at the age of moving: the mean of the cohorts aged x−1 and x.
		want70 := start[s][70] * math.Expm1(-0.01) * (1 - 0.01/2)
		if got := dst[s][70]; math.Abs(got/want70-1) > 0.02 {
			t.Errorf("sex %d, age 70: %.3f a year, want %.3f (−1%% of the cohort)", s, got, want70)
		}
		if got := dst[s][20]; math.Abs(got) > 0.02*start[s][20]*0.01 {
			t.Errorf("sex %d, age 20: %.3f a year, want about 0", s, got)
		}
	}
}
