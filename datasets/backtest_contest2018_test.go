package datasets_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast/backtest"
)

func contest2018(t *testing.T) (*backtest.Known2018, *backtest.Outturn2018) {
	t.Helper()
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	known, out, err := datasets.Contest2018Data(b)
	if err != nil {
		t.Fatal(err)
	}
	return known, out
}

// The projection's view of the data holds only what ONS's SNPP 2018 could use: the mid-2011
// and mid-2018 estimates, totals to 2018 and the national assumptions. The outturn holds the
// rest the contest needs, and nothing of it reaches the forecasts: scaling every outturn
// estimate and benchmark cell changes the scores, never a forecast.
func TestContest2018NoLookAhead(t *testing.T) {
	known, out := contest2018(t)
	years := map[int]int{}
	for _, e := range known.Estimates {
		years[e.Year]++
	}
	if len(years) != 2 || years[2011] != 296 || years[2018] != 296 {
		t.Fatalf("the projection may know estimates of %v (year: districts), want 296 at 2011 and 2018 only", years)
	}
	for _, tot := range known.Totals {
		if tot.Year > 2018 {
			t.Fatalf("a total of %s at %d reaches the projection", tot.Area, tot.Year)
		}
	}
	ctx := context.Background()
	res, err := backtest.Contest2018Scores(ctx, known, out, backtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 296 districts × 6 bands × 2 years.
	if len(res.Rows) != 296*6*2 || len(res.Scores) != 12 {
		t.Fatalf("%d rows, %d scores", len(res.Rows), len(res.Scores))
	}
	moved := &backtest.Outturn2018{Benchmark: &backtest.Benchmark{Name: out.Benchmark.Name, Origin: 2018}}
	for _, e := range out.Estimates {
		for s := range e.Pop {
			for x := range e.Pop[s] {
				e.Pop[s][x] *= 1.5
			}
		}
		moved.Estimates = append(moved.Estimates, e)
	}
	for _, c := range out.Benchmark.Cells {
		c.Persons *= 2
		moved.Benchmark.Cells = append(moved.Benchmark.Cells, c)
	}
	res2, err := backtest.Contest2018Scores(ctx, known, moved, backtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Rows {
		a, b := res.Rows[i], res2.Rows[i]
		if a.Forecast != b.Forecast {
			t.Fatalf("%s %s %d: the forecast moved from %v to %v with the outturn", a.Area, a.AgeBand, a.Year, a.Forecast, b.Forecast)
		}
		if math.Abs(b.Actual-1.5*a.Actual) > 1e-6*a.Actual || math.Abs(b.Benchmark-2*a.Benchmark) > 1e-6*a.Benchmark {
			t.Fatalf("%s %s %d: the outturn was not the one given", a.Area, a.AgeBand, a.Year)
		}
	}
	// Anything after 2018 in the projection's view is refused.
	bad := *known
	bad.Totals = append(bad.Totals[:len(bad.Totals):len(bad.Totals)], backtest.Total{Area: "E06000001", Year: 2019, Persons: 1})
	if _, err := backtest.Contest2018Scores(ctx, &bad, out, backtest.Options{}); err == nil || !strings.Contains(err.Error(), "mid-2019, after the origin") {
		t.Fatalf("a 2019 total: got %v", err)
	}
	bad = *known
	bad.Estimates = append(bad.Estimates[:len(bad.Estimates):len(bad.Estimates)], out.Estimates[0])
	if _, err := backtest.Contest2018Scores(ctx, &bad, out, backtest.Options{}); err == nil || !strings.Contains(err.Error(), "mid-2011 and mid-2018 only") {
		t.Fatalf("a 2020 estimate: got %v", err)
	}
}

// Both projections start from the same mid-2018 districts with the same national 2018-based
// assumptions, so England's total (Σ districts) in 2020 should agree closely: carecast's
// (56.84 million when written) and ONS's (56.68 million) are within 0.6% of each other and of
// the mid-2020 estimate (56,550,138, ONS MYE 2020 for England), and no change since 2018
// (55.98 million) is 1% short.
func TestContest2018England(t *testing.T) {
	known, out := contest2018(t)
	res, err := backtest.Contest2018Scores(context.Background(), known, out, backtest.Contest2018Options)
	if err != nil {
		t.Fatal(err)
	}
	var ours, ons, act float64
	for _, r := range res.Rows {
		if r.Year == 2020 && r.AgeBand == "all" {
			ours, ons, act = ours+r.Forecast, ons+r.Benchmark, act+r.Actual
		}
	}
	if math.Abs(act-56550138) > 1000 {
		t.Errorf("England mid-2020 Σ districts %.0f, ONS 56,550,138", act)
	}
	if math.Abs(ours/ons-1) > 0.006 || math.Abs(ours/act-1) > 0.006 || math.Abs(ons/act-1) > 0.006 {
		t.Errorf("England 2020: carecast %.0f, ONS SNPP 2018 %.0f, estimate %.0f", ours, ons, act)
	}
	for _, s := range res.Scores {
		if s.Year == 2020 && s.AgeBand == "all" && !(s.Same.Bias < -0.5) {
			t.Errorf("no change since 2018 has bias %+.2f%% in 2020; England grew about 1%%", s.Same.Bias)
		}
	}
}

// The contest's goal (issue: carecast's MAPE below ONS's for 65+ and 85+ in both years), met
// by the residual method from the data the contest allows. When written: 65+ 0.47% against
// 0.58% (2020) and 2.57% against 2.68% (2022); 85+ 1.23% against 1.49% and 5.38% against 5.62%.
// The synthetic-cohort shape, the method before, lost every one of them (sensitivity).
func TestContest2018Goal(t *testing.T) {
	known, out := contest2018(t)
	res, err := backtest.Contest2018Scores(context.Background(), known, out, backtest.Contest2018Options)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Scores {
		if (s.AgeBand == "65+" || s.AgeBand == "85+") && !(s.Carecast.MAPE < s.ONS.MAPE) {
			t.Errorf("%s in %d: carecast MAPE %.2f%%, ONS %.2f%%", s.AgeBand, s.Year, s.Carecast.MAPE, s.ONS.MAPE)
		}
	}
	var cohort *backtest.ContestVariant
	for i, v := range res.Sensitivity {
		if v.Name == "migration: "+backtest.ShapeCohort.String() {
			cohort = &res.Sensitivity[i]
		}
	}
	if cohort == nil || len(res.Sensitivity) != 7 {
		t.Fatalf("%d variants; synthetic cohorts among them: %v", len(res.Sensitivity), cohort != nil)
	}
	for _, s := range cohort.Scores {
		if s.AgeBand == "85+" && !(s.Carecast.MAPE > s.ONS.MAPE) {
			t.Errorf("synthetic cohorts, 85+ in %d: %.2f%% against ONS %.2f%%; the sensitivity no longer shows the old method losing", s.Year, s.Carecast.MAPE, s.ONS.MAPE)
		}
	}
}
