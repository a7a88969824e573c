// Package backtest re-runs carecast's projections from earlier origins, using only what was
// known then, and scores them against what happened (docs/design.md §7).
//
// The package is pure: it reads plain Go values (Data, built from canonical datasets by
// datasets.BacktestData) and returns a Report of scored rows and summaries. Writing the report
// as CSV or Parquet is package datasets' job; printing it is the CLI's.
//
// # Reports
//
// A Row is one forecast of one area, measure, sex, age band and year, with the outturn, a
// rival forecast (Benchmark: a published projection or a naive forecast) where there is one, a
// prediction interval where there is one (Lo, Hi) and the scale of the scaled error. Summarize
// groups rows (ByYear, Pooled, ByArea or any Key function) into Scores:
//
//   - MAPE: the mean of |forecast − actual| / actual, percent.
//   - MedianAPE and P90APE: the median and 90th percentile of those absolute percentage errors
//     (Quantile: linear interpolation between order statistics, R's type 7).
//   - Bias: the mean signed percentage error; positive means forecasts too high.
//   - MASE: the mean of |forecast − actual| / scale. A single-origin population back-test has
//     no out-of-sample naive errors to scale by, so the scale is the in-sample one of
//     Hyndman and Koehler (2006): the mean absolute one-year change of the area's all-age
//     total from 2001 to the origin (NaiveScale), the error of a random walk a year ahead.
//     Rows of an age band use their area's all-age scale too (no band has a history before
//     the origin): their MASE compares areas and methods on one yardstick, and is not the
//     band's own naive error.
//   - Coverage: the share of outturns inside the forecast's interval (Lo, Hi), NaN where no
//     row has one: the contest's district rows carry the population error model's 80%
//     intervals, the service rows the engine's.
//
// Summary.Paired says whether the benchmark was scored on exactly the rows carecast was.
// Key.Horizon groups rolling-origin rows (the service back-test) by years after the origin.
//
// # The population back-tests
//
// Origin2011 projects every district from its mid-2011 single-year estimate, knowing its
// all-age totals to 2011, and scores its totals 2012-2020 (horizons 1-9; the scored areas are
// districts, and counties, regions and England as sums of districts) and its age bands in 2020
// against the mid-2020 single-year estimates. The benchmark is "no change since 2011".
//
// Contest2016 is the fair contest of docs/design.md §7: using only what was known in 2016 — the
// mid-2011 single-year estimates and the all-age totals up to 2016, nothing later — project
// people aged 60+ in 2020 in every district, and score it side by side with ONS's 2016-based
// subnational population projection (SNPP) against the mid-2020 estimates. The headline
// (Headline) is people 60+ in districts.
//
// Geography: everything is on the districts in force (for the default data, April 2023
// boundaries, 296 districts); estimates and totals published on earlier boundaries are summed to
// them by whole areas. The SNPP is on 2016 boundaries (326
// districts); its districts that merged in 2019-2023 are summed to their successors
// (ToSuccessors, following the areas table's successor_code). Every merger was of whole
// districts, so the sums are exact and nothing is split or apportioned.
//
// # The method: one single-year estimate and a run of totals
//
// population.Model.Calibrate needs two single-year estimates of an area; a back-test from
// 2011 or 2016 has one (2011). The method here projects each district with the national
// rates (see Mortality), a fertility factor, and a constant yearly net migration by sex and
// age that is the sum of a shape and a level:
//
//   - Fertility: the district's children aged 0-4 at the base over five years of the births
//     its women would have at the national rates, allowing for the deaths of the children
//     (an absolute child-woman ratio: it sets both the district's fertility relative to the
//     nation's and the nation's level, which the 2018-based rates, used before 2018, miss).
//   - Shape (ShapeCohort, synthetic cohorts): the district's share of the nation's population
//     at each single age 0..89 at the base, r(x), is read as a life course. If the district's
//     migration relative to the nation's had long been what it is now, a cohort's share
//     would change from age x to x+1 as r changes across ages at one date:
//     r(x+1)/r(x) = the district's cohort change over the nation's. The log of r is smoothed
//     across ages (Whittaker, DefaultSmoothing, weights the district's counts), its slope
//     gives the relative change R(x) (kept within ±25% a year; the slope from 88 to 89
//     serves all older ages), and the district's net migrants of the cohort aged x are those
//     that, at national mortality q, turn P(x)·(1 − q) into P(x)·R(x)·((1 − q) +
//     n(x)(1 − q/2)), n(x) being
//     the nation's net migration per person of that cohort (ONS's 2018-based assumption).
//     Differences between districts in mortality are thereby read as migration, which has
//     the same effect on the projected population.
//   - Level: the shape, plus k times the district's share (of the nation's population at the
//     base) of the nation's net migration by age. k is solved (secant method) so that the
//     projection meets a total the district is known to have: for Contest2016, the 2016
//     total itself (projected from 2011); for Origin2011, whose base is its origin, a 2016
//     total that carries on the growth of the five years before (2011 total + 2011 total −
//     2006 total, LevelYears).
//
// ShapeNational (no shape, the level alone) is the simplest method that uses the totals; it
// is scored as a sensitivity.
//
// ShapeResidual, carecast's method in the 2018 contest (Contest2018Options), replaces the
// synthetic cohorts by measured ones: each district at mid-2011 is aged to the base with the
// nation's mortality and nothing else, and the log ratio of each cohort's recorded size to
// that expectation, a year, is its net migration rate, placed at the cohort's middle age on
// the way and smoothed across ages (residualMigration). It also carries the district's own
// mortality against the nation's. It needs single-year estimates at least five years before
// the base, so the 2011 and 2016 back-tests cannot use it.
//
// The synthetic-cohort assumption fails where cohorts differ for historical reasons: cities
// whose older cohorts came as young migrants decades ago show flat or rising shares at old
// ages where their older people in fact leave (Birmingham's share of each cohort aged 40-80
// fell by about 0.9% a year in 2011-2020 while its 2011 profile of shares across those ages falls by only 0.3% a year of age). This
// is the method's main error at ages 60+, and the reason it does not reach the accuracy of a
// projection from a later base with measured migration.
//
// The results, with the headline's sensitivity to each choice, are in docs/model-card.md,
// generated by ModelCard.
//
// # The service back-test
//
// Services re-runs the engine's service projection (package engine, services.go) from every
// activity year before the last, 2009-10 to 2012-13 in carecast's data, for every later year,
// council, service measure and age group reported at the origin and in the year: the council's
// base use rate (the mean of its rates over the latest three activity years up to the origin)
// per head of people 18-64, times the population of the year (its estimates interpolated as the
// engine's are); for people 65+, the engine's drivers (ServiceOptions.Drivers, by default
// forecast.DefaultServiceDrivers: care homes 70% dementia, home care 60%, the rest need): each
// driver's rate is its share of the users over the people 65+ with its measure, averaged over
// the base years, and the forecast the sum of the rates times those people in the year. So the
// back-test measures the use-rate assumption alone, as the engine makes it
// (TestServicesBacktestMatchesEngine in package datasets checks one projection against the
// engine's). The benchmark is the activity
// at the origin carried forward (no change). The MASE scale is the council's own mean absolute
// year-on-year change up to the origin, or, with fewer than two changes, a pooled one (see
// ServiceReport). The rows carry the engine's 80% interval, from a normal multiplier with the
// council's coefficient of variation computed from the base years; ServiceWidening widens it
// with the horizon and ServiceCoverage scores both, in and out of sample.
//
// # Ranges of the population
//
// PopulationErrorModel, fitted on the Origin2011 districts' log errors (FitPopulationErrors),
// gives the spread of the log error of a district's age band h years after its base estimate;
// Population fits it (Report.Errors) and checks it out of sample on the contest
// (Report.Coverage), around carecast's projection and ONS's. The engine's Monte Carlo draws
// each district's population from it, and widens its service-use intervals with
// ServiceWidening, when it is given these error models (datasets.ErrorModels; the server and
// the CLI set them with datasets.UseBacktestErrorModels); without them it does not draw the
// population.
//
// # What was known at the origin
//
// The only national assumptions in carecast's data are ONS's 2018-based ones (from mid-2018):
// every back-test here uses the 2018 age patterns of mortality and fertility and the 2018
// age pattern and level of the nation's net migration, a mild look-ahead for a 2011 or 2016
// origin. Death rates are moved along ONS's published past period life expectancy at 65, and
// after the origin along a path that Mortality chooses: by default, the trend of the ten
// years before the origin, as ONS's projections of the time assumed improvement would
// continue. Report.Sensitivity scores the headline with the other paths (held at the origin's
// level; as published, which is look-ahead; ONS 2018 rates throughout) to bound the effect,
// with the other migration shape, with other smoothing, and with ONS's own mid-2016
// jump-off population at the ages it publishes (outside the contest's rules: it shows how
// much of the gap is the base).
//
// # Invariants
//
// Data and ServiceData are never modified. The same Data and Options give the same Report, and
// the same ServiceData and ServiceOptions the same ServiceReport, bit for bit: areas are
// projected and summed in sorted order of code, and nothing is random. Panics mean a
// broken contract; missing or inconsistent data are errors.
package backtest
