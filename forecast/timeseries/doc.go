// Package timeseries forecasts single time series: the trends in rates that feed carecast's
// model chain and any series a user brings.
//
// Methods (see Method): the naive method (random walk), the random walk with drift, simple
// exponential smoothing, Holt's linear trend, the damped trend, automatic ETS (additive and
// multiplicative errors; no, additive or damped trend; no, additive or multiplicative season
// when Options.Period > 1) chosen by AICc after maximum-likelihood fitting, the Theta method,
// automatic ARIMA (Hyndman–Khandakar stepwise search with differencing chosen by KPSS tests),
// and the equal-weight combination of ETS, ARIMA and Theta. Every method follows the
// algorithm of R's forecast package version 8.20, which is the reference for accuracy; see
// COMPARISON.md for the comparison on about a hundred real series and the places where this
// package deliberately differs.
//
// Seasonal data (Options.Period = m > 1): automatic ETS adds seasonal models when the series
// has at least three full cycles; Theta and ARIMA deseasonalise the series by a classical
// decomposition when its lag-m autocorrelation is significant, and reseasonalise the forecasts.
// The naive, drift, SES, Holt and damped methods are non-seasonal.
//
// Prediction intervals are analytic where the model has them (naive, drift, the ETS classes 1
// to 3 of Hyndman et al. 2008, Theta, ARIMA) and simulated otherwise (ETS with
// Options.Simulate). The combination's interval is taken from the equal-weight mixture of its
// three models' forecast distributions.
//
// Invariants:
//   - Inputs are never modified; fitted models keep their own copy of the series.
//   - Series are ordered oldest first and equally spaced; there are no missing values.
//   - Interval levels are percentages in (0, 100); bounds are indexed [level][period].
//   - Randomness comes only from a math/rand/v2 PCG source seeded by Options.Seed, so the same
//     seed gives the same intervals, whatever the number of goroutines.
//   - A series too short for a method is never silently forecast another way: Fit either fails
//     with a *ShortError or falls back to the naive method and says so in Forecast.Fallback.
//   - Errors wrap the sentinel errors of this package (ErrTooShort, ErrBadValue, …); panics
//     mean a broken contract (a horizon below 1, a level outside (0, 100)).
package timeseries
