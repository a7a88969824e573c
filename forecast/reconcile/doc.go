// Package reconcile makes forecasts of a hierarchy of series add up: each parent's forecast
// equals the sum of its children's, as district → county → region → England must.
//
// A Hierarchy is built from (id, parent) pairs; its summing matrix S (nodes × bottom series)
// maps the bottom-level series (the nodes without children) to every node. Reconciled
// forecasts have the form ỹ = S·G·ŷ for base forecasts ŷ of every node:
//
//   - BottomUp: G picks the bottom-level base forecasts and ignores the rest. It is what the
//     carecast model chain uses, since it forecasts at the bottom level.
//   - MinT (Wickramasuriya, Athanasopoulos & Hyndman 2019, "Optimal forecast reconciliation for
//     hierarchical and grouped time series through trace minimization", JASA 114:804–819):
//     G = (S'W⁻¹S)⁻¹S'W⁻¹, with W the covariance of the base forecast errors. MinTShrink
//     estimates W from in-sample one-step residuals by shrinking their sample covariance
//     towards its diagonal with the intensity of Schäfer & Strimmer (2005), as R's hts
//     package (MinT with covariance = "shr") does. Use it for independently forecast series.
//
// Invariants: forecasts are indexed [node][period] in the order the nodes were given; inputs
// are never modified; every reconciled result is coherent to floating-point rounding (see
// Hierarchy.MaxIncoherence). Panics mean a broken contract (a forecast matrix whose shape does
// not match the hierarchy); data problems (a singular covariance) are errors.
package reconcile
