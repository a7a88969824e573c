// Package web is carecast's planner web pages: server-rendered HTML (html/template, embedded
// templates and CSS) with charts drawn on the server as SVG (package chart), served by
// `carecast serve` on the same mux as the HTTP API. Pages need no JavaScript; one small
// embedded script follows a run's progress live and is optional.
//
// # Pages
//
//	/                          start page: find an area (name or ONS code), councils by region,
//	                           the person's recent scenarios and runs
//	/areas?q=                  area search (an exact name or code goes straight to the area)
//	/areas/{code}?year=        area overview, projected at once (Projector): headline needs and
//	                           services with growth to 2030/2035/2045 and 80% ranges, need fan
//	                           charts, population pyramid (base year and chosen year), service
//	                           users by setting, and a one-field "what if" (shift residential
//	                           care to home care); for a council, a link to its comparators,
//	                           and for councils and districts a line on how accurate such
//	                           projections have been (Accuracy, from the back-tests)
//	/areas/{code}/comparators  a council and its 10 statistical neighbours (Neighbours) side by
//	                           side: people 65+, need, care homes, home care, cost per head of
//	                           18+, growth to 2035; how the neighbours are chosen
//	/scenarios, /scenarios/new?area=, /scenarios/{id}
//	                           scenario list and builder: levers (prevalence trends, shift to
//	                           home care, admission avoidance, extra homes, unit-cost path),
//	                           each with a time profile and an optional 80% range; POST
//	                           /scenarios and /scenarios/{id} save (a new version), POST
//	                           /scenarios/{id}/runs starts a run
//	/runs, /runs/{id}?area=&year=&measure=&driver=
//	                           run list; a run's progress, then its results: capacity,
//	                           workforce, cost, service and need tables for a year against the
//	                           baseline, a fan chart of any measure, the service mix over time,
//	                           the driver waterfall, downloads and provenance (a measure or
//	                           driver the run lacks shows the page's default choice instead;
//	                           an unknown area code, the run's first area)
//	/runs/{id}/status, /runs/{id}/events
//	                           a run's progress as JSON, and its server-sent events
//	/compare?runs=a,b&area=&year=&measure=&baseline=1
//	                           up to six runs side by side, oldest first, in an area they all
//	                           cover, with the first one's baseline when asked (or when only one
//	                           run is chosen); values and changes are central projections
//	/topics, /topics/{topic}?area=&from=&to=&sex=
//	                           POPPI and PANSI topics (Topics): the list with their studies, and
//	                           one topic for one council by 5-year band and year, with ranges
//	                           where the rates have intervals and the studies named under the
//	                           table; /topics/{topic}/data.csv and /topics/{topic}/data.xlsx
//	                           download it (area=all: every council)
//	/login, /logout            sign in with an API key (POST /login), sign out (POST /logout)
//
// Every chart is followed by its data table and a CSV download of its rows (the tidy table of
// docs/design.md §8, from /areas/{code}/data.csv, /runs/{id}/data.csv and /compare/data.csv);
// whole runs download through /runs/{id}/export?format=csv|xlsx|parquet|arrow|json (with
// disclosure=true, round and suppress_below as in the API), written by service.Service.Export
// like the API's /v1/runs/{id}/results/export, so both give the same bytes for the same run,
// filter and options. A run's downloads take the results API's filters; a value the run's
// results do not hold (a mistyped measure, an area it does not cover) answers 422 naming it and
// the known values, as the API does, while known values that select nothing give an empty file.
//
// # What the pages call
//
// The pages reach the rest of carecast only through Deps: a Backend (scenarios, runs, datasets;
// service.Service implements it, with the same functions as the API's operations), an
// Authenticator (API keys and rate limits; package api implements it), a ResultsSource
// (rows of a finished run, its central projection, and the check of a download's filter;
// service.Service again), a
// Projector (one area projected at once, for overviews and for the baseline a run is compared
// with; service.Carecast is the one carecast serve uses), the areas table, a Catalog of what scenario
// forms offer, and, from package api, the shutdown signal that ends event streams (Closing), the
// data of their end event (RunEnd: the API's Run) and the per-write deadline (WriteTimeout).
// Whole-run downloads and run event streams are Backend calls too (Export, RunEvents): the
// pages make no HTTP requests to the API. The baseline of a run is its scenario without its levers, projected for the one area shown
// with at most 1000 draws (100 for a region, 40 for England); every input has its own random
// stream, so the baseline's draws of the other inputs are the run's and it differs from the
// run by the levers, not by Monte Carlo noise.
//
// # Keys and safety
//
// When the server has API keys, a person signs in with one; it is kept in the HttpOnly,
// SameSite=Strict cookie CookieName (Secure over TLS) and checked on every request, and the
// pages act with its organisation and role (viewers read; planners also save and run). In the
// server's open local mode (no keys, loopback only) nobody signs in. Every page, download and
// event stream acts through Deps with the person's organisation. Forms are refused when sent
// from another origin (http.CrossOriginProtection), bodies are capped, and every page sends a
// Content-Security-Policy that allows only this server's own script and styles.
//
// Rate limits: each page request, download and event stream is counted once, when its key is
// checked (Authenticator: per key, per organisation, and per client address when there is no
// valid key), against the same token buckets as the API's operations. That includes the
// whole-run downloads (/runs/{id}/export) and event streams (/runs/{id}/events), which count
// as one request each, as export-results and run-events do in the API: when they start, not
// by their length or duration.
//
// # Accessibility
//
// Every control has a label and, where it helps, a hint; problems are listed in a summary that
// links to each field and repeated by the field. A scenario form shows every problem at once:
// those the form finds itself and, when the Backend is a ScenarioChecker, those the scenario
// validator finds in the rest of the form. A name the form made from the area and levers is
// made again from the values sent, so that it follows corrections. Charts are <svg role="img">
// with a <title> and a <desc> that states the numbers, and a data table; chart labels stay
// inside the chart, and amounts of money are written compactly (£1.2m, −£850k). Layout uses
// relative units and reflows at 200% zoom and on a 390-pixel phone; wide tables scroll inside
// focusable regions, their first column kept in view.
package web
