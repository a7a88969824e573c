// Package population projects the population of an area by sex and single year of age, the
// first link of carecast's model chain (docs/design.md §4.1).
//
// There are two sources of population, chosen per scenario:
//
//   - Supplied: an official projection (for example ONS subnational projections, any variant)
//     used as it is. NewSupplied turns its cells into one Pop90 per year and checks that
//     every year of the horizon, both sexes and every age 0..90 are present.
//   - Cohort-component: Model.ProjectTo projects a base-year estimate with yearly Rates
//     (mortality, fertility, net migration), adjusted for the area by a Local and for a
//     scenario by Levers.
//
// # Invariants
//
//   - Inputs are never modified; functions named …To write only into their dst argument.
//   - Ages are age at last birthday; populations are at mid-year (30 June). Inside a projection
//     single years run 0..MaxAge (105 = 105 and over); inputs and outputs for the rest of the
//     engine use Pop90 (0..90, 90 = 90 and over). SplitOpenTo and CollapseTo convert.
//   - Rates are per person per year; a year's Rates cover mid-year t to mid-year t+1 and are
//     labelled t, as ONS labels "2018 - 2019".
//   - Areas are independent: a projection depends only on its own base, Local, Levers and the
//     shared immutable Model, so districts can be projected in any order or in parallel and
//     summed to councils, regions and England. The same inputs give the same numbers bit for
//     bit. ProjectTo allocates nothing.
//   - Panics mean a broken contract (an empty destination, a year the model has no rates for
//     in Model.Rates); data problems (negative counts, probabilities outside [0, 1], bad
//     levers, missing cells) are errors.
//
// # Accounting: ONS's conventions
//
// The yearly step is the accounting of ONS's 2018-based national population projections (NPP),
// worked out from ONS's published England principal projection: its population, mortality,
// fertility and migration assumptions, and its projected births and deaths (the 2018-based
// NPP: datasets/README.md gives its source and licence, docs/design.md §3 the datasets built
// from it). Each rule below reproduces ONS's published components to rounding
// (TestNPP2018Components):
//
//   - Mortality: ONS's q(x) is the probability that a person aged x at mid-year t dies before
//     mid-year t+1. Deaths at "age x" in ONS's deaths table are deaths in that cohort.
//   - Migration is counted by age at last birthday when moving (a Lexis square, not a
//     cohort). The cohort aged x at t is aged x for half the year and x+1 for the other half,
//     so its net migrants are c = (M(x) + M(x+1))/2; the newborn cohort gets M(0)/2 and the
//     open group M(104)/2 + M(105+).
//   - Migrants move, on average, at mid-period and are exposed to half a year's mortality:
//     survivors at x+1 are P(x)(1 − q(x)) + c(1 − q(x)/2), and ONS's deaths at x are
//     q(x)(P(x) + c/2). Migrants born during the year are not exposed to mortality.
//   - Births: the fertility rate at age x (age of mother, 15..46, per 1,000 women in ONS's
//     file) applies to the mean of women aged x at mid-year t and at t+1. Births split 105
//     boys to 100 girls (1.05/2.05 = 0.51220 boys), found by solving ONS's age-0 populations
//     and deaths at birth for births by sex. ONS's "Birth" mortality applies to births, and
//     survivors are aged 0 at t+1.
//   - The open group: ONS projects single years to 125 but publishes 105-109 and 110+. The
//     model keeps 105+ open with the probability of death of a stationary population aged
//     105+ under ONS's q(105..125) (OpenQ). Using ONS's q(105) for the whole group would
//     leave 105+ 4% too large by 2043 and 8% by 2118, and 90+ 0.07% too large by 2118; with
//     OpenQ 90+ stays within 0.005% of ONS's for a century.
//
// Run on ONS's assumptions from the 2018 base, the model reproduces ONS's published principal
// projection for England 2019-2043 within 0.0002% for totals and 0.007% for any single year
// of age 0..90 by sex (TestReproduceNPP2018).
//
// # Open group
//
// Local estimates stop at 90+. SplitOpenTo spreads each sex's 90+ over 90..105+ in proportion
// to a reference single-year structure (the NPP's, for the nearest year), the model projects
// single years, and CollapseTo gathers 90..105+ back into 90+. Projecting England's 2018 90+
// this way stays within 0.007% of ONS's published 90+ to 2043 (0.4% even with a structure ten
// years off); projected as one group it is off by up to 2.4% to 3.7% (TestOpenGroupGain).
//
// # Local projections
//
// Areas share a national Model and differ by a Local: a mortality factor per sex, a fertility
// factor, and their own constant yearly net migration by sex and age. Where an area has its own
// rates, give it its own Model instead. Model.Calibrate estimates a Local from two single-year
// estimates of the area (for example mid-2011 and mid-2020, both pre-2021-Census series):
//
//   - fertility: the area's standardised child-woman ratio (children 0-4 per birth expected
//     from its women at the national fertility rates), over the nation's;
//   - mortality: the factor on the national death rates that makes the area's cohorts aged 85
//     and over at the end of the window survive from the first estimate to the second,
//     ignoring their small net migration; with the nation's estimates at both dates the
//     factor is taken relative to the nation's own, so that what the window's national rates
//     get wrong (COVID-19 deaths before mid-2020, rates carried back before 2018) cancels;
//   - net migration (the residual method): the constant yearly net migration by sex and age
//     at moving, 0..84, that with those rates best carries the first estimate to the second,
//     in least squares with a penalty on second differences across age that removes the
//     age-oscillating profiles a single pair of estimates cannot identify.
//
// Rates for a window before the Model's first assumptions can be carried back with
// LifeExpectancyFactor along ONS's past period life expectancy.
//
// Back-tests (see the tests for the data and the exact figures): calibrated on Sheffield's
// 2001 and 2011 estimates and projected from 2011, the total is within 0.6% on average over
// 2012-2020 (no change: 3.7%), 65-84 within 1.2% and 85+ within 1.3%, single years within 6%;
// calibrated on 2006 and 2016, Sheffield's 60+ in 2020 is within 0.1% (ONS's 2016-based
// projection: 1.0%). Calibrated on 2011 and 2020, the 309 districts follow their published
// 2012-2019 totals with a median MAPE of 0.5%.
//
// # Levers
//
// Levers change a projection: an extra annual change in death rates, a percent change to net
// migration, and dwellings that bring residents with a stated age and sex mix. Each has a value,
// a start and end year and a forecast.Profile.
package population
