// Package reconcile makes forecasts of a hierarchy of series add up: each parent's forecast
// equals the sum of its children's, as district → county → region → England must
// (docs/design.md §6).
//
// No other carecast package calls it: the engine projects districts and reports councils,
// regions and England as sums of them (package forecast/engine), which is coherent by
// construction. It is for series forecast one by one at every level, as package timeseries
// forecasts them (TestMinTEnglandPopulation reconciles ETS forecasts of England's 343-node
// population hierarchy).
//
// A Hierarchy is built by NewHierarchy from (id, parent) pairs, in an order that indexes every
// forecast; it may have several top nodes (a forest). Its summing matrix S (Summing: nodes ×
// bottom series) maps the bottom-level series (Bottom: the nodes without children) to every
// node, and Aggregate computes S·b. Reconciled forecasts have the form ỹ = S·G·ŷ for base
// forecasts ŷ of every node.
//
// # Methods
//
//   - BottomUp: G picks the bottom-level base forecasts and ignores the rest.
//   - MinT: the minimum-trace projection of Wickramasuriya, Athanasopoulos & Hyndman (2019,
//     "Optimal forecast reconciliation for hierarchical and grouped time series through trace
//     minimization", JASA 114:804–819), G = (S'W⁻¹S)⁻¹S'W⁻¹, for a given covariance W of the
//     base forecast errors (nodes × nodes, positive definite).
//   - MinTShrink: MinT with W estimated by ShrinkCovariance from in-sample one-step residuals,
//     as R's hts package does for MinT with covariance = "shr": their second moment (residuals
//     taken to have mean zero) shrunk towards its diagonal with the intensity of Schäfer &
//     Strimmer (2005), which it also returns. Use it for independently forecast series.
//
// MaxIncoherence measures how far forecasts are from adding up.
//
// # Invariants
//
// Forecasts are indexed [node][period] in the order the nodes were given, residuals
// [node][time]; inputs are never modified; a Hierarchy is immutable; every reconciled result
// is coherent to floating-point rounding (see Hierarchy.MaxIncoherence). Panics mean a broken
// contract (forecasts or residuals whose shape does not match the hierarchy, residual series of
// different lengths, a covariance of the wrong size); data problems are errors: pairs that do
// not form a forest wrap ErrHierarchy, and a covariance that cannot be estimated (fewer than two
// periods, a non-finite residual, a series with zero variance) or is not positive definite wraps
// ErrCovariance.
package reconcile
