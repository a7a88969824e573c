// Package web is carecast's planner web pages: server-rendered HTML (html/template, embedded
// templates and CSS) with charts drawn on the server as SVG (package chart), served by
// `carecast serve` on the same mux as the HTTP API. Pages need no JavaScript; one small
// embedded script follows a run's progress live and is optional.
//
// # Pages
//
//	/                          start page: find an area (name or ONS code), councils by region
//	/areas?q=                  area search (an exact name or code goes straight to the area)
//	/areas/{code}?year=        area overview: baseline needs and services with growth to
//	                           2030/2035/2045 and 80% ranges, fan charts, population pyramid
//	                           (base year and chosen year), service users by setting, and a
//	                           one-field "what if" (shift residential care to home care)
//	/scenarios, /scenarios/new?area=, /scenarios/{id}
//	                           scenario list and builder: levers (prevalence trends, shift to
//	                           home care, admission avoidance, extra homes, unit-cost path),
//	                           each with a time profile and an optional 80% range; save (a new
//	                           version) and run
//	/runs, /runs/{id}?area=&year=&measure=&driver=
//	                           run list; a run's progress, then its results: capacity,
//	                           workforce, cost, service and need tables for a year against the
//	                           baseline, a fan chart of any measure, the service mix over time,
//	                           the driver waterfall, downloads and provenance
//	/compare?runs=a,b&area=&year=&measure=&baseline=1
//	                           two or more runs side by side (and the first one's baseline)
//	/login, /logout            sign in with an API key
//
// Every chart is followed by its data table and a CSV download of its rows (the tidy table of
// docs/design.md §8, from /areas/{code}/data.csv, /runs/{id}/data.csv and
// /compare/data.csv); whole runs download through /runs/{id}/export?format=csv|xlsx|parquet|
// arrow|json, which forwards to the API's /v1/runs/{id}/results/export.
//
// # What the pages call
//
// The pages reach the rest of carecast only through Deps: a Backend (scenarios, runs, keys;
// package api implements it with the same functions as its HTTP operations), a ResultsSource
// (rows of a finished run), a Projector (one area projected at once, for overviews and for the
// baseline a run is compared with; EngineProjector runs the forecast engine) and the areas
// table. The baseline of a run is its scenario with each lever replaced by one that does
// nothing, so that it shares the run's random draws and differs from it only by the levers.
//
// # Keys and safety
//
// When the server has API keys, a person signs in with one; it is kept in the HttpOnly,
// SameSite=Strict cookie CookieName (Secure over TLS) and checked on every request, and the
// pages act with its organisation and role (viewers read; planners also save and run). In the
// server's open local mode (no keys, loopback only) nobody signs in. Downloads and run event
// streams are forwarded in-process to the API with the key as a bearer token. Forms are
// refused when sent from another origin (http.CrossOriginProtection), bodies are capped, and
// every page sends a Content-Security-Policy that allows only this server's own script and
// styles.
//
// # Accessibility
//
// Every control has a label and, where it helps, a hint; problems are listed in a summary that
// links to each field and repeated by the field. Charts are <svg role="img"> with a <title>
// and a <desc> that states the numbers, and a data table. Layout uses relative units and
// reflows at 200% zoom; wide tables scroll inside focusable regions.
package web
