// Package forecast is carecast's model: population, need, services, capacity and workforce,
// cost, scenarios, uncertainty and back-tests.
//
// The package knows nothing of HTTP or file formats: callers (package datasets, package api)
// turn files and requests into the plain Go values defined here, and turn results back.
//
// Invariants that hold across the package and its sub-packages:
//   - Single years of age run 0..OpenAge, where OpenAge (90) means "90 and over".
//   - Sexes are indexed Female (0) then Male (1).
//   - Rates are per person per year, never per 1,000 or per 100,000.
//   - Inputs are never modified; a function that writes into a caller's slice is named …To.
//   - Randomness comes only from an explicit math/rand/v2 source, so the same seed gives the
//     same numbers whatever the core count.
//   - Panics mean a broken contract (mismatched lengths); data problems are errors.
package forecast
