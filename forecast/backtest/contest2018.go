package backtest

import (
	"context"
	"fmt"
	"math"
)

// Contest2018 is the population contest from a mid-2018 origin: carecast against ONS's
// 2018-based subnational projection (SNPP 2018), and against no change since 2018, each scored
// on every district of the areas in force at mid-2020 and mid-2022.
const Contest2018 = "population-2018"

// Contest2018Origin is the contest's origin, and Contest2018Years the years it is scored in:
// mid-2020 (the same pre-Census series as the base) and mid-2022 (Census 2021 based).
const Contest2018Origin = 2018

var Contest2018Years = []int{2020, 2022}

// Contest2018Bands are the age bands the contest scores, persons.
var Contest2018Bands = []string{"all", "0-17", "18-64", "65+", "75+", "85+"}

// Contest2018Options is carecast's method in the 2018 contest: the residual shape of migration
// (each cohort's change from mid-2011 to mid-2018 beyond national mortality), chosen before
// scoring as the standard method where two single-year estimates are known; the other options
// are the defaults. Contest2018Result.Sensitivity scores the alternatives.
var Contest2018Options = Options{Shape: ShapeResidual}

// Known2018 is all that carecast's projection in the 2018 contest may read: what ONS's own
// 2018-based subnational projection could use. Nothing from after mid-2018 has a place in it,
// apart from the national 2018-based assumptions (published in 2019, and the inputs of ONS's
// own subnational projection); Contest2018Scores refuses estimates of other years and totals
// after 2018.
type Known2018 struct {
	Areas []Area
	// Estimates are districts' single-year estimates at mid-2011 and mid-2018 (the SNPP 2018
	// base year, equal to ONS's mid-2018 estimate).
	Estimates []Estimate
	Totals    []Total // all-age estimates, 2018 and before
	National  National
}

// Outturn2018 is what the contest is scored against, which the projection never sees: the
// districts' estimates at mid-2020 and mid-2022, and ONS's projection from 2018.
type Outturn2018 struct {
	Estimates []Estimate
	Benchmark *Benchmark // ONS SNPP 2018; Origin 2018
}

// ContestScore is one band and year of the contest: carecast, ONS's projection and no change
// since 2018, each scored over the same districts.
type ContestScore struct {
	Year                int
	AgeBand             string
	Carecast, ONS, Same Scores
}

// Contest2018Result is the 2018 contest: its scored rows (Forecast carecast, Benchmark ONS's
// projection) and scores by year and band.
type Contest2018Result struct {
	Rows          []Row
	Scores        []ContestScore
	BenchmarkName string
	Options       Options // the method scored in Rows and Scores
	Notes         []string

	// Sensitivity is carecast's scores (ContestScore.Carecast; ONS and Same as in Scores) with
	// one option changed at a time.
	Sensitivity []ContestVariant
}

// ContestVariant is the contest scored with one variant of carecast's method.
type ContestVariant struct {
	Name   string
	Scores []ContestScore
}

// Contest2018Scores runs the 2018 contest: carecast's method with options opt projects every
// district from its mid-2018 estimate with only what known holds, and the result is scored
// against out. It fails if known holds an estimate of a year other than 2011 and 2018, or a
// total after 2018 (look-ahead), or if out lacks an outturn year or the benchmark.
func Contest2018Scores(ctx context.Context, known *Known2018, out *Outturn2018, opt Options) (*Contest2018Result, error) {
	res, err := contest2018(ctx, known, out, opt)
	if err != nil {
		return nil, err
	}
	type variant struct {
		name string
		opt  Options
	}
	var variants []variant
	for _, s := range []Shape{ShapeResidual, ShapeCohort, ShapeNational} {
		if s != opt.Shape {
			o := opt
			o.Shape = s
			variants = append(variants, variant{"migration: " + s.String(), o})
		}
	}
	for _, m := range []Mortality{MortalityTrend, MortalityLevel, MortalityPublished, MortalityFirstYear} {
		if m != opt.Mortality {
			o := opt
			o.Mortality = m
			variants = append(variants, variant{"mortality: " + m.String(), o})
		}
	}
	for _, l := range []float64{8, 1024} {
		o := opt
		o.Smoothing = l
		variants = append(variants, variant{fmt.Sprintf("smoothing λ = %g (default %d)", l, DefaultSmoothing), o})
	}
	for _, v := range variants {
		r, err := contest2018(ctx, known, out, v.opt)
		if err != nil {
			return nil, fmt.Errorf("back-test %s, %s: %w", Contest2018, v.name, err)
		}
		res.Sensitivity = append(res.Sensitivity, ContestVariant{Name: v.name, Scores: r.Scores})
	}
	return res, nil
}

// SensitivityColumns are the (year, band) cells that reports show for each variant.
var SensitivityColumns = []struct {
	Year    int
	AgeBand string
}{{2020, "65+"}, {2020, "85+"}, {2022, "65+"}, {2022, "85+"}, {2022, "all"}}

// ContestMAPE returns carecast's MAPE in year and band among scores, NaN if absent.
func ContestMAPE(scores []ContestScore, year int, band string) float64 {
	for _, s := range scores {
		if s.Year == year && s.AgeBand == band {
			return s.Carecast.MAPE
		}
	}
	return math.NaN()
}

func contest2018(ctx context.Context, known *Known2018, out *Outturn2018, opt Options) (*Contest2018Result, error) {
	for _, e := range known.Estimates {
		if e.Year != 2011 && e.Year != Contest2018Origin {
			return nil, fmt.Errorf("back-test %s: an estimate of %s at mid-%d; the projection may know mid-2011 and mid-2018 only", Contest2018, e.Area, e.Year)
		}
	}
	for _, t := range known.Totals {
		if t.Year > Contest2018Origin {
			return nil, fmt.Errorf("back-test %s: a total of %s at mid-%d, after the origin", Contest2018, t.Area, t.Year)
		}
	}
	if out.Benchmark == nil {
		return nil, fmt.Errorf("back-test %s: no benchmark projection to score against", Contest2018)
	}
	kx, err := newIndex(&Data{Areas: known.Areas, Estimates: known.Estimates, Totals: known.Totals, National: known.National})
	if err != nil {
		return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
	}
	// From the base itself, the level of migration is set by projecting LevelYears ahead.
	last := max(Contest2018Years[len(Contest2018Years)-1], Contest2018Origin+levelYears(opt))
	run, err := kx.project(&known.National, Contest2018Origin, Contest2018Origin, last, opt, nil)
	if err != nil {
		return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The outturn, on the same areas; the index of what is known gives the base and the scale.
	ox, err := newIndex(&Data{Areas: known.Areas, Estimates: out.Estimates, National: known.National})
	if err != nil {
		return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
	}
	res := &Contest2018Result{BenchmarkName: out.Benchmark.Name, Options: opt}
	for _, y := range Contest2018Years {
		bm, err := ox.benchmark(out.Benchmark, y)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
		}
		for _, name := range Contest2018Bands {
			b := bandNamed(name)
			act, err := ox.actualBand(y, b)
			if err != nil {
				return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
			}
			was, err := kx.actualBand(Contest2018Origin, b)
			if err != nil {
				return nil, fmt.Errorf("back-test %s: %w", Contest2018, err)
			}
			ours := kx.projected(run, y, b)
			theirs := ox.benchBand(bm, b)
			var f, o, s, a, sc, nan []float64
			for _, c := range kx.districts {
				row := kx.row(Contest2018, c, Contest2018Origin, y, b)
				row.Actual, row.Forecast = act[c], ours[c]
				row.Benchmark, row.BenchmarkName = math.NaN(), ""
				if v, ok := theirs[c]; ok {
					row.Benchmark, row.BenchmarkName = v, out.Benchmark.Name
				}
				res.Rows = append(res.Rows, row)
				f, o, s, a = append(f, row.Forecast), append(o, row.Benchmark), append(s, was[c]), append(a, row.Actual)
				sc, nan = append(sc, row.Scale), append(nan, math.NaN())
			}
			res.Scores = append(res.Scores, ContestScore{Year: y, AgeBand: name,
				Carecast: score(f, a, sc, nan, nan), ONS: score(o, a, sc, nan, nan), Same: score(s, a, sc, nan, nan)})
		}
	}
	res.Notes = append(res.Notes, fmt.Sprintf(
		"%s: %d districts projected from their mid-2018 estimates (migration: %s; mortality: %s) with the level of migration from their totals %d-%d and the national 2018-based assumptions, nothing else after mid-2018; scored at mid-2020 (the pre-Census series of the base) and mid-2022 (Census 2021 based) against %s and against no change since 2018, on the same districts.",
		Contest2018, len(kx.districts), opt.Shape, opt.Mortality, Contest2018Origin-levelYears(opt), Contest2018Origin, out.Benchmark.Name))
	return res, nil
}
