package backtest

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// TestWhittakerLinear: a straight line is in the null space of the second-difference penalty,
// so any λ returns it unchanged, and a point of weight 0 is filled in on the line.
func TestWhittakerLinear(t *testing.T) {
	n := 40
	y, w := make([]float64, n), make([]float64, n)
	for i := range y {
		y[i], w[i] = 2-0.03*float64(i), 1+float64(i%3)
	}
	w[17], y[17] = 0, 99 // ignored
	for _, lam := range []float64{0.01, 64, 1e6} {
		z, err := whittaker(y, w, lam)
		if err != nil {
			t.Fatal(err)
		}
		for i := range z {
			if want := 2 - 0.03*float64(i); !near(z[i], want, 1e-7) {
				t.Fatalf("λ=%g: z[%d] = %v, want %v", lam, i, z[i], want)
			}
		}
	}
	// With a tiny penalty, a wiggly series is (nearly) reproduced; with a huge one it becomes
	// the weighted least-squares line.
	for i := range y {
		y[i], w[i] = math.Sin(float64(i)), 1
	}
	z, _ := whittaker(y, w, 1e-9)
	for i := range z {
		if !near(z[i], y[i], 1e-6) {
			t.Fatalf("λ→0: z[%d] = %v, want %v", i, z[i], y[i])
		}
	}
	z, _ = whittaker(y, w, 1e12)
	var sx, sy, sxx, sxy float64
	for i := range y {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+y[i], sxx+x*x, sxy+x*y[i]
	}
	b := (float64(n)*sxy - sx*sy) / (float64(n)*sxx - sx*sx)
	a := (sy - b*sx) / float64(n)
	for i := range z {
		if !near(z[i], a+b*float64(i), 1e-4) {
			t.Fatalf("λ→∞: z[%d] = %v, want the line %v", i, z[i], a+b*float64(i))
		}
	}
}

// TestCohortMigration checks the synthetic-cohort migration on an area whose share of the
// nation changes by a constant factor from each age to the next: with a closed nation (no
// national migration) the net migrants of the cohort aged x are those that turn its survivors
// P(1 − q) into P(1 − q)·e^m, so c = P(1 − q)(e^m − 1)/(1 − q/2), and the count at age of
// moving is the mean of adjacent cohorts'. An area that is a fixed share of the nation at
// every age has no migration.
func TestCohortMigration(t *testing.T) {
	r := synthRates(1)[0]
	nation := synthPop(5e7, 0, 0)
	var none [forecast.NumSexes][population.NumAges]float64
	ref := population.Pop{}
	for s := range ref {
		for x := forecast.OpenAge; x <= population.MaxAge; x++ {
			ref[s][x] = math.Pow(0.7, float64(x-forecast.OpenAge))
		}
	}
	for _, m := range []float64{0, 0.01, -0.02} {
		var area population.Pop90
		for s := range area {
			for x := range area[s] {
				area[s][x] = 0.003 * nation[s][x] * math.Exp(m*float64(min(x, forecast.OpenAge-1)))
			}
		}
		var start population.Pop
		if err := population.SplitOpenTo(&start, &area, &ref); err != nil {
			t.Fatal(err)
		}
		var got [forecast.NumSexes][population.NumAges]float64
		if err := cohortMigration(&got, &area, &nation, &start, &r, &none, DefaultSmoothing); err != nil {
			t.Fatal(err)
		}
		c := func(s, x int) float64 {
			q := r.Q[s][x]
			return start[s][x] * (1 - q) * (math.Exp(m) - 1) / (1 - q/2)
		}
		for s := range got {
			for _, x := range []int{1, 30, 70, 95} {
				want := 0.5 * (c(s, x-1) + c(s, x))
				if !near(got[s][x], want, 1e-6*math.Max(1, math.Abs(want))) {
					t.Errorf("m=%g %v age %d: migration %v, want %v", m, forecast.Sex(s), x, got[s][x], want)
				}
			}
			if got[s][population.MaxAge] != 0 {
				t.Errorf("m=%g: migration at %d+ is %v, want 0", m, population.MaxAge, got[s][population.MaxAge])
			}
		}
	}
}

// TestFertilityFactor: 1,000 women at each age 20-39 at a fertility of 0.05 have 1,000 births a
// year; with no deaths, 5,000 children aged 0-4 mean a factor of 1 and 4,000 a factor of 0.8.
func TestFertilityFactor(t *testing.T) {
	var r population.Rates
	var p population.Pop90
	for x := 20; x < 40; x++ {
		r.Fertility[x] = 0.05
		p[forecast.Female][x] = 1000
	}
	for x := range 5 {
		p[forecast.Female][x], p[forecast.Male][x] = 500, 500
	}
	if got := fertilityFactor(&p, &r); !near(got, 1, 1e-12) {
		t.Errorf("factor %v, want 1", got)
	}
	for x := range 5 {
		p[forecast.Female][x], p[forecast.Male][x] = 400, 400
	}
	if got := fertilityFactor(&p, &r); !near(got, 0.8, 1e-12) {
		t.Errorf("factor %v, want 0.8", got)
	}
	var empty population.Pop90
	if got := fertilityFactor(&empty, &r); got != 1 {
		t.Errorf("no women: factor %v, want 1", got)
	}
}

func TestReplaceAges(t *testing.T) {
	var p population.Pop
	for s := range p {
		for x := range p[s] {
			p[s][x] = float64(10 + s)
		}
	}
	var j [forecast.NumAges]float64
	for x := range j {
		j[x] = math.NaN()
	}
	j[60], j[forecast.OpenAge] = 42, 336
	replaceAges(&p, &j)
	if got := p[0][60] + p[1][60]; !near(got, 42, 1e-12) || !near(p[1][60]/p[0][60], 1.1, 1e-12) {
		t.Errorf("age 60: %v + %v", p[0][60], p[1][60])
	}
	var open float64
	for s := range p {
		for x := forecast.OpenAge; x <= population.MaxAge; x++ {
			open += p[s][x]
		}
	}
	if !near(open, 336, 1e-9) || p[0][59] != 10 || p[1][61] != 11 {
		t.Errorf("open group %v, neighbours %v %v", open, p[0][59], p[1][61])
	}
}

func TestSolveLevel(t *testing.T) {
	k, err := solveLevel(func(k float64) (float64, error) { return 3 + 2*k, nil }, 10)
	if err != nil || !near(k, 3.5, 1e-12) {
		t.Errorf("k = %v, %v; want 3.5", k, err)
	}
	// A kink (a count held at zero) takes more than one step.
	k, err = solveLevel(func(k float64) (float64, error) { return 100 + max(5*k, 4*k+2), nil }, 130)
	if err != nil || !near(100+max(5*k, 4*k+2), 130, 1e-6) {
		t.Errorf("kinked: k = %v, %v", k, err)
	}
	if _, err := solveLevel(func(float64) (float64, error) { return 1, nil }, 2); err == nil {
		t.Error("a flat function gave no error")
	}
}

// TestNationalModel checks each mortality path: the life expectancy at 65 of the model's
// rates moves from the first year's as the path says.
func TestNationalModel(t *testing.T) {
	d := synthData()
	n := &d.National
	e0 := [2]float64{population.LifeExpectancy(n.Rates[0].Q[0][65:]), population.LifeExpectancy(n.Rates[0].Q[1][65:])}
	const origin = 2016
	for _, m := range []Mortality{MortalityTrend, MortalityLevel, MortalityPublished, MortalityFirstYear} {
		mod, err := nationalModel(n, 2011, 2020, origin, m)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		for y := 2011; y <= 2020; y++ {
			r := mod.Rates(y)
			switch {
			case m == MortalityFirstYear:
				if *r != n.Rates[0] {
					t.Errorf("%v %d: rates differ from the first year's", m, y)
				}
				continue
			case m == MortalityPublished && y >= n.FirstYear:
				if *r != n.Rates[y-n.FirstYear] {
					t.Errorf("%v %d: rates differ from the assumptions", m, y)
				}
				continue
			}
			for s := range 2 {
				e := n.PeriodE65[y][s]
				if y >= origin && m != MortalityPublished {
					last, past := n.PeriodE65[origin-1][s], n.PeriodE65[origin-11][s]
					e = last
					if m == MortalityTrend {
						e += float64(y-origin+1) * (last - past) / 10
					}
				}
				want := e0[s] + e - n.PeriodE65[n.FirstYear][s]
				if got := population.LifeExpectancy(r.Q[s][65:]); !near(got, want, 1e-6) {
					t.Errorf("%v %d %v: e(65) %v, want %v", m, y, forecast.Sex(s), got, want)
				}
			}
		}
	}
	delete(n.PeriodE65, 2005)
	if _, err := nationalModel(n, 2011, 2020, origin, MortalityTrend); err == nil || !strings.Contains(err.Error(), "2005") {
		t.Errorf("missing life expectancy: error %v", err)
	}
}

// TestPopulationSynthetic runs both back-tests on a small made-up geography and checks the
// mechanics: every area and band is scored, the benchmark's merged districts are summed, each
// contest projection meets its district's 2016 total, and the report is the same bit for bit
// when run again.
func TestPopulationSynthetic(t *testing.T) {
	d := synthData()
	rep, err := Population(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, ok := rep.Summary(Headline)
	if !ok || h.Ours.N != 3 || h.Benchmark.N != 3 || !h.Paired || h.BenchmarkName != "rival projection" {
		t.Fatalf("headline %+v", h)
	}
	// The benchmark of D2 is P2a + P2b, 1% above the 2020 estimate everywhere.
	for _, r := range rep.Rows {
		if r.Backtest == Contest2016 && !near(r.BenchmarkPctError(), 1, 1e-9) {
			t.Errorf("%s %s: benchmark error %v%%, want +1%%", r.Area, r.AgeBand, r.BenchmarkPctError())
		}
	}
	// Rows: origin 2011: 9 years × 6 areas of totals + 11 bands × 6 areas; contest: 6 bands × 6.
	if want := 9*6 + 11*6 + 6*6; len(rep.Rows) != want {
		t.Errorf("%d rows, want %d", len(rep.Rows), want)
	}
	// The error model is fitted on the 2011 back-test and checked on the contest's districts,
	// whose rows carry its intervals.
	if rep.Errors == nil || rep.Errors.RefHorizon != 9 || len(rep.Errors.Bands) != len(origin2011Bands)+1 || len(rep.Coverage) != len(contestBands) {
		t.Errorf("error model %+v, coverage %+v", rep.Errors, rep.Coverage)
	}
	for _, r := range rep.Rows {
		if inside := !math.IsNaN(r.Lo); inside != (r.Backtest == Contest2016 && r.Level == LevelDistrict) {
			t.Errorf("%s %s %s: interval [%v, %v]", r.Backtest, r.Area, r.AgeBand, r.Lo, r.Hi)
		}
	}
	// Each district's contest projection meets its 2016 total.
	ix, _ := newIndex(d)
	run, err := ix.project(&d.National, 2011, 2016, 2020, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ix.districts {
		want, _ := ix.total(c, 2016)
		if got := run.pop[c][5].Total(); !near(got, want, 1e-6*want) {
			t.Errorf("%s 2016: projected %v, total %v", c, got, want)
		}
	}
	// Sums: the county is the sum of D1 and D2.
	var county, parts float64
	for _, r := range rep.Rows {
		if r.Backtest == Origin2011 && r.AgeBand == "all" && r.Year == 2015 {
			switch r.Area {
			case "C":
				county = r.Forecast
			case "D1", "D2":
				parts += r.Forecast
			}
		}
	}
	if county == 0 || county != parts {
		t.Errorf("county %v, districts %v", county, parts)
	}
	if len(rep.Sensitivity) != 8 || !strings.Contains(rep.Sensitivity[0].Name, "(the method)") {
		t.Errorf("sensitivity: %+v", rep.Sensitivity)
	}
	if want := []string{"estimates 2011", "estimates 2020", "national", "rival; licence", "totals"}; strings.Join(rep.Sources, "|") != strings.Join(want, "|") {
		t.Errorf("sources %q, want %q", rep.Sources, want)
	}

	again, err := Population(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameReport(rep, again) {
		t.Error("a second run differs")
	}
	card, err := ModelCard(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	card2, _ := ModelCard(again, nil)
	if string(card) != string(card2) {
		t.Error("model cards of identical reports differ")
	}
	for _, head := range []string{"## Purpose", "## Data", "## Method", "## Accuracy", "## Limitations", "## Human oversight"} {
		if !strings.Contains(string(card), "\n"+head+"\n") {
			t.Errorf("model card lacks %q", head)
		}
	}
	if strings.Contains(string(card), "%!") {
		t.Error("model card has a formatting error")
	}
}

// sameReport compares two reports bit for bit (NaN equals NaN).
func sameReport(a, b *Report) bool {
	if len(a.Rows) != len(b.Rows) || len(a.Summaries) != len(b.Summaries) || len(a.Sensitivity) != len(b.Sensitivity) {
		return false
	}
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	for i := range a.Rows {
		r, s := a.Rows[i], b.Rows[i]
		if r.Area != s.Area || r.AgeBand != s.AgeBand || r.Year != s.Year || !same(r.Forecast, s.Forecast) ||
			!same(r.Actual, s.Actual) || !same(r.Benchmark, s.Benchmark) || !same(r.Scale, s.Scale) {
			return false
		}
	}
	for i := range a.Summaries {
		if a.Summaries[i].Key != b.Summaries[i].Key || !same(a.Summaries[i].Ours.MAPE, b.Summaries[i].Ours.MAPE) {
			return false
		}
	}
	for i := range a.Sensitivity {
		if !same(a.Sensitivity[i].Scores.MAPE, b.Sensitivity[i].Scores.MAPE) {
			return false
		}
	}
	if !same(a.Errors.Power, b.Errors.Power) || len(a.Errors.Bands) != len(b.Errors.Bands) || len(a.Coverage) != len(b.Coverage) {
		return false
	}
	for i := range a.Errors.Bands {
		if !same(a.Errors.Bands[i].SD, b.Errors.Bands[i].SD) {
			return false
		}
	}
	for i := range a.Coverage {
		if !same(a.Coverage[i].Ours, b.Coverage[i].Ours) || !same(a.Coverage[i].Benchmark, b.Coverage[i].Benchmark) {
			return false
		}
	}
	return true
}

func TestPopulationErrors(t *testing.T) {
	ctx := context.Background()
	d := synthData()
	d.Estimates = d.Estimates[:len(d.Estimates)-1] // D3 2020
	if _, err := Population(ctx, d, Options{}); err == nil || !strings.Contains(err.Error(), "D3 for 2020") {
		t.Errorf("missing estimate: %v", err)
	}
	d = synthData()
	d.Benchmark.Cells = append(d.Benchmark.Cells, BenchmarkCell{Area: "ZZ", Year: 2020, Age: 70, Persons: 1})
	if _, err := Population(ctx, d, Options{}); err == nil || !strings.Contains(err.Error(), "ZZ") {
		t.Errorf("unplaceable benchmark: %v", err)
	}
	d = synthData()
	d.Totals = d.Totals[:0]
	if _, err := Population(ctx, d, Options{}); err == nil || !strings.Contains(err.Error(), "no totals") {
		t.Errorf("no totals: %v", err)
	}
	d = synthData()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Population(cctx, d, Options{}); err == nil {
		t.Error("a cancelled context gave no error")
	}
	d = synthData()
	d.Estimates[0].Pop[0][3] = -1
	if _, err := Population(ctx, d, Options{}); err == nil || !strings.Contains(err.Error(), "D1 2011") {
		t.Errorf("negative count: %v", err)
	}
}
