// Package forecast is carecast's model. This package holds what the model's packages and their
// callers share: the vocabulary (sexes, single years of age, areas as AreaInfo, measure
// families and units), scenarios (Scenario, its levers and their time Profiles, checked
// against a Catalog of what the data offers, with every problem as a FieldError) and the rows
// of results (ResultRow, the tidy table of docs/design.md §8). The model itself is in the
// sub-packages: engine runs the chain (population → need → services → capacity and workforce
// → cost, with uncertainty and drivers of change), population projects the population,
// backtest scores projections from earlier origins, and timeseries and reconcile forecast and
// reconcile single series.
//
// The packages know nothing of HTTP or file formats: callers (package datasets, package api)
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
