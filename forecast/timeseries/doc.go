// Package timeseries forecasts single time series with point forecasts and prediction
// intervals (docs/design.md §6). It serves `carecast ts forecast`, which forecasts the series
// of a CSV file (package datasets/seriescsv). The engine's projection chain does not call it:
// its trends are scenario levers and the uncertainty of its inputs comes from back-tests.
//
// # Methods
//
// Fit fits a Method to a series and returns a Model, whose Forecast gives h periods ahead;
// ForecastMany does the same for many series on several goroutines. The methods, spelled as
// ParseMethod reads them, with the fewest observations each needs (Method.MinLength):
//
//   - naive (2): the random walk, the last observation carried forward.
//   - drift (3): the random walk with drift, the line through the first and last observations.
//   - ses (7): simple exponential smoothing, ETS(A,N,N).
//   - holt (9): Holt's linear trend, ETS(A,A,N).
//   - damped (10): the damped trend, ETS(A,Ad,N).
//   - ets (7): automatic ETS: additive or multiplicative errors (multiplicative only for
//     positive series), no, additive or damped trend, and, when Options.Period is 2 to 24 and
//     the series has at least three full cycles, no, additive or multiplicative season
//     (multiplicative only with multiplicative errors); every candidate is fitted by maximum
//     likelihood and the one with the smallest AICc kept.
//   - theta (7): the Theta method (simple exponential smoothing with drift, as R's thetaf).
//   - arima (7): automatic non-seasonal ARIMA by the Hyndman–Khandakar stepwise search, with
//     up to two differences chosen by KPSS tests at 5% and orders up to 5.
//   - auto (7): a combination of ets, arima, theta and (non-seasonal series of at least 10
//     observations) damped: the mean of the first three, the mean of all four or the median of
//     all four, whichever forecast the series best when refitted to it up to each of its last 3
//     observations (rolling-origin validation inside the series; the mean of the first three
//     when the series is too short to validate).
//
// The methods follow the algorithms of R's forecast package version 8.20, the accuracy
// reference; COMPARISON.md (in this directory) compares the two on 573 real series and lists
// where this package deliberately differs (short series, seasonal data). A constant series is
// forecast as constant, with zero-width intervals.
//
// Seasonal data (Options.Period = m > 1): ets adds seasonal models as above. theta and arima
// test the lag-m autocorrelation (as R's thetaf does, at 90%) and, when it is significant,
// forecast the series deseasonalised by a classical decomposition and reseasonalise the
// forecasts: theta only for a positive series (multiplicative decomposition), arima for any
// (multiplicative for a positive series, additive otherwise), where R would fit a seasonal
// ARIMA. naive, drift, ses, holt and damped ignore the period.
//
// # Intervals
//
// Prediction intervals are equal-tailed, at the levels asked for (DefaultLevels, 80 and 95,
// when none are). They are analytic: normal with the variance of R's rwf for naive and drift,
// of Hyndman et al. (2008) classes 1 to 3 for every ETS model (ses, holt, damped, ets), of
// thetaf for theta and of the state-space forecast for arima. With Options.Simulate the ETS
// models instead simulate Options.Paths sample paths (5000 by default). The combination's
// interval is taken from the equal-weight mixture of its models' forecast distributions
// (shifted to the median for the median rule), so it covers their disagreement as well as
// their uncertainty. MASE and Covered score forecasts.
//
// # Invariants
//
//   - Inputs are never modified; fitted models keep their own copy of the series and are safe
//     for concurrent use.
//   - Series are ordered oldest first and equally spaced, with no missing values: a NaN or an
//     infinity is a *ValueError.
//   - Interval levels are percentages in (0, 100); bounds are indexed [level][period].
//   - Randomness (simulated intervals only) comes from a math/rand/v2 PCG source seeded by
//     Options.Seed; ForecastMany seeds series i with SeriesSeed(Options.Seed, i), so the same
//     seed gives the same intervals whatever the number of goroutines.
//   - A series too short for a method is never silently forecast another way: Fit either fails
//     with a *ShortError (always below naive's 2 observations; for any method with
//     Options.NoFallback) or uses the naive method and says so in Forecast.Fallback. If one or
//     two of the combination's models cannot be estimated, the others are combined and
//     Forecast.Fallback names those left out.
//   - Errors wrap the sentinel errors of this package (ErrTooShort, ErrBadValue,
//     ErrUnknownMethod, ErrNoModel); ForecastMany joins one *SeriesError per failed series, and
//     a cancelled context's error. Panics mean a broken contract (a horizon below 1, a level
//     outside (0, 100)).
package timeseries
