package backtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synthHistory makes n councils whose people 65+ grow by popGrowth a year from 10,000 (mid-2011
// to mid-2022, estimates every year) and whose use rate of residential care changes by
// rateTrend(i) a year from 0.5 weeks a person, PSS-EX1 2011-2013 and ASC-FR from 2014 (at
// twice the level: a definition break).
func synthHistory(n int, popGrowth float64, rateTrend func(i int) float64) *HistoryData {
	d := &HistoryData{Pop65: map[string]map[int]float64{}}
	for i := range n {
		area := fmt.Sprintf("E06%06d", i+1)
		pop := map[int]float64{}
		for y := 2011; y <= 2022; y++ {
			pop[y] = 10000 * math.Pow(1+popGrowth, float64(y-2011))
		}
		d.Pop65[area] = pop
		old := HistorySeries{Area: area, Name: area, Service: "residential", Definition: "pss-ex1", Values: map[int]float64{}}
		cur := HistorySeries{Area: area, Name: area, Service: "residential", Definition: "ascfr", Values: map[int]float64{}}
		for y := 2011; y <= 2022; y++ {
			v := pop[y] * 0.5 * math.Exp(rateTrend(i)*float64(y-2011))
			if y < 2014 {
				old.Values[y] = v
			} else {
				cur.Values[y] = 2 * v
			}
		}
		d.Series = append(d.Series, old, cur)
	}
	return d
}

// With every council's rate falling 3% a year (log) and its people 65+ growing 2% a year,
// carecast's forecasts are exact, "no change" misses by the compound change, about
// 1 − exp(h·(ln 1.02 − 0.03)) = 1.0% a year too high, and no forecast crosses the 2014-15
// break.
func TestHistoryExactTrend(t *testing.T) {
	d := synthHistory(12, 0.02, func(int) float64 { return -0.03 })
	rep, err := History(context.Background(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) == 0 {
		t.Fatal("no rows")
	}
	for _, r := range rep.Rows {
		if r.Origin < 2014 && r.Year >= 2014 {
			t.Fatalf("a forecast crosses the definition break: %+v", r)
		}
		if r.Origin == 2011 {
			// The first origin has no change to take a trend from: demography alone.
			if r.Carecast != r.Demography {
				t.Fatalf("from 2011: carecast %v, demography %v", r.Carecast, r.Demography)
			}
			continue
		}
		// From 2014, the first ASC-FR year, the trend is the national one of the PSS-EX1
		// years' changes: the break stops levels, not trends, from carrying across.
		if math.Abs(r.Carecast/r.Actual-1) > 1e-9 {
			t.Fatalf("carecast %v, actual %v (%+v)", r.Carecast, r.Actual, r)
		}
		want := 1 / math.Exp(float64(r.Horizon)*(math.Log(1.02)-0.03))
		if got := r.NoChange / r.Actual; math.Abs(got-want) > 1e-9 {
			t.Fatalf("no change / actual %v, want %v", got, want)
		}
	}
	// Origins: 2011-2013 give 2 rows (2011→2012, 2013; 2012→2013), ASC-FR 2014-2021 to 2022.
	var cross, pssex1 int
	for _, r := range rep.Rows {
		if r.Definition == "pss-ex1" {
			pssex1++
		}
		if r.Origin == 2021 && r.Horizon != 1 {
			cross++
		}
	}
	if pssex1 != 12*3 || cross != 0 {
		t.Errorf("%d PSS-EX1 rows (want 36: 3 per council), %d rows from 2021 beyond 2022", pssex1, cross)
	}
	n, _ := rep.Score("residential", 1, HistoryNoChange)
	if math.Abs(n.MAPE-100*(1/math.Exp(math.Log(1.02)-0.03)-1)) > 1e-6 {
		t.Errorf("h1 MAPE of no change %v, want about 1.0", n.MAPE)
	}
}

// Shrinkage: when councils' rates all follow the same trend but with yearly noise, their own
// trends are noise and the weight goes to the national trend; when their true trends differ
// widely and the series are smooth, each keeps its own.
func TestHistoryShrinkage(t *testing.T) {
	noisy := synthHistory(40, 0.01, func(int) float64 { return -0.02 })
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noisy.Series {
		s := &noisy.Series[i]
		for y := 2011; y <= 2022; y++ {
			if _, ok := s.Values[y]; ok {
				s.Values[y] *= math.Exp(0.05 * rng.NormFloat64()) // 5% a year, no trend
			}
		}
	}
	tr, err := HistoryTrends(noisy, "residential", 2021, TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for a, x := range tr {
		if x.Weight > 0.3 {
			t.Errorf("noisy %s: weight %.2f on its own trend %.3f (national %.3f), want mostly national", a, x.Weight, x.Own, x.National)
		}
	}
	spread := synthHistory(40, 0.01, func(i int) float64 { return -0.05 + 0.0025*float64(i) })
	tr, err = HistoryTrends(spread, "residential", 2021, TrendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for a, x := range tr {
		if x.Weight < 0.99 || math.Abs(x.Annual-x.Own) > 1e-3 {
			t.Errorf("smooth %s: weight %.3f, trend %.4f, own %.4f: want its own", a, x.Weight, x.Annual, x.Own)
		}
	}
}

// No look-ahead: changing every activity value after 2016 leaves every forecast made from 2016
// or before, and the candidate chosen for it, as it was.
func TestHistoryNoLookAhead(t *testing.T) {
	mk := func(shock bool) *HistoryReport {
		d := synthHistory(20, 0.015, func(i int) float64 { return -0.01 * float64(i%4) })
		for i := range d.Series {
			s := &d.Series[i]
			for y := range s.Values {
				s.Values[y] *= 1 + 0.03*math.Cos(float64(5*y+i))
				if shock && y > 2016 {
					s.Values[y] *= 1.7 + 0.01*float64(i)
				}
			}
		}
		rep, err := History(context.Background(), d, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a, b := mk(false), mk(true)
	if len(a.Rows) != len(b.Rows) {
		t.Fatalf("%d rows against %d", len(a.Rows), len(b.Rows))
	}
	var checked int
	for i := range a.Rows {
		if a.Rows[i].Origin > 2016 {
			continue
		}
		checked++
		if a.Rows[i].Carecast != b.Rows[i].Carecast || fmt.Sprint(a.Rows[i].Trend) != fmt.Sprint(b.Rows[i].Trend) {
			t.Fatalf("from %d: %v against %v after changing later years", a.Rows[i].Origin, a.Rows[i].Carecast, b.Rows[i].Carecast)
		}
	}
	if checked < 100 {
		t.Errorf("only %d forecasts from 2016 or before", checked)
	}
}
