// Package api is carecast's HTTP API: Huma v2 operations on net/http over service.Service,
// which keeps scenarios, runs, uploaded datasets and API keys in a store (package store; SQLite
// by default) and executes runs in a bounded worker pool through an injected Runner. api reads
// the key a request presents, applies the rate limits, counts metrics and answers RFC 9457
// problem documents; what carecast does lives in package service.
//
// # Wiring
//
// cmd/carecast parses a Config (ParseConfig: flags and CARECAST_* variables), builds one
// logger (Config.NewLogger) and the Deps — the forecast engine as a Runner, the scenario and
// dataset validators, the built-in dataset list — and calls Serve. Tests build a Service with
// NewService and either serve Service.Handler on a loopback listener or call Service.Register
// on humatest.New(t). OpenAPI returns the OpenAPI 3.1 document (also served at /openapi.json,
// with interactive docs at /docs, which are Swagger UI embedded in the binary and so work
// offline: see docs.go); testdata/openapi.golden.json holds it (refresh with
// `go test ./api -run TestOpenAPIGolden -update`).
//
// Dependencies point one way: package api may import forecast and datasets; neither imports
// api. The seams are Runner, ScenarioValidator and DatasetValidator (deps.go).
//
// # Authentication and isolation
//
// Requests carry an API key in `Authorization: Bearer <key>` or `X-API-Key`. Keys are random
// 256-bit secrets shown once and stored as SHA-256 hashes; each has an organisation and a role:
// viewer reads, planner also writes scenarios, starts and cancels runs and uploads datasets,
// admin also manages keys and deletes uploads. Every store read and write takes the caller's
// organisation, and another organisation's thing answers 404 exactly like a missing one.
// Built-in datasets are readable by all. With no key in the store the server runs open as the
// single local user (organisation "local", role admin) — but only on a loopback address, with a
// warning in the log, and only until the first key is created; on any other address it refuses
// to start without keys. The keys, their cache and open mode live in service
// (service.Service.Authenticate, CreateKey, Keys, DeleteKey, ServeOpen); this package reads
// the key from the request headers, applies the rate limits and writes the problem documents.
//
// # Runs
//
// POST /v1/runs commits a queued run (refused with 429 and Retry-After when the organisation
// already has Config.MaxRunsPerOrg unfinished runs; the count and the insert are one
// transaction) and answers 202 with the run's URL in Location. Config.Workers goroutines take
// runs from one FIFO queue per organisation, serving the organisations round-robin (the one
// served least recently first), and never give one organisation more than
// Config.OrgWorkers() of them at once (Workers−1 by default, so one worker is always left for
// the others). They commit each run as running, and call Runner.Run with a context that is
// cancelled by a user's cancel, by Config.RunTimeout or by shutdown. Progress callbacks update
// memory at once (GET /v1/runs/{id} and the server-sent events at /v1/runs/{id}/events read it)
// and the store at most once a second. The outcome — succeeded with result path and
// provenance, failed with a message, or cancelled — is committed when Run returns. A Runner's
// error message reaches clients only if it was marked with PublicError; other errors and panics
// are logged and the run shows a generic message that names the run ID.
//
// Cancelling a queued run cancels it at once; cancelling a running run flags it and cancels its
// context, and it becomes cancelled when the Runner returns.
//
// # Results
//
// A Runner writes its results as one Parquet file with datasets.NewResultWriter — the tidy
// table of docs/design.md §8 (scenario_id, run_id, area_code, area_name, year, measure,
// unit, sex, age_band, mean, p10, p50, p90) with the provenance in the file's key-value
// metadata — and returns its path as RunOutput.ResultPath (or the path of a directory holding
// it as results.parquet, see ResultFileName). For a run with Monte Carlo draws, the runner
// (service.Carecast.Run) also writes its central projection (the scenario without draws) beside it as
// CentralFileName. The engine writes rows by area, then year, then measure (the drivers after
// each area-year's measures), so that filters by area and year skip most row groups by their
// statistics. The runner reports each file's SHA-256, computed
// while writing it, in RunOutput.ResultHashes; the run records them (store.Run.ResultHashes)
// and every read of the results — API and pages alike — checks the file against its hash when
// it opens it (once per open file, not per request). A damaged file (a changed byte in its
// footer would otherwise give wrong filtered answers without an error) is refused: 500 with a
// problem document naming the run and saying that running its scenario again recreates the
// file. Runs recorded without hashes are read unchecked.
//
// GET /v1/runs/{id}/results pages through the cells of a succeeded run (409 otherwise),
// filtered by area, year_from/year_to, measure (a trailing * selects a prefix: need.*), sex
// and age_band, at most Config.MaxPageSize a page, with an opaque cursor. A filter value that
// is malformed, or that the run's results do not hold (a mistyped measure, an area the run
// does not cover, years outside its own), answers 422 with a problem whose detail names the
// value and the known ones (a long list gives its length, a few examples and
// GET /v1/runs/{id}/results/values, which lists them all); known values that select no cell
// together answer an empty page. The export, the comparison (against its first run) and the
// drivers check their filters the same way, before anything is sent. The distinct values come
// from datasets.ResultFile.Values, worked out once per open file. Result files never change,
// so open files (at most 64) with their distinct values, decoded row groups (64 MiB) and
// encoded pages (32 MiB) are kept for reuse, and a succeeded run is remembered for 10 s per
// organisation that the store said may read it.
//
// GET /v1/runs/{id}/results/export streams the same selection as csv, parquet, arrow (Arrow
// IPC stream), xlsx (a sheet per measure family, then driver and other sheets when such rows
// exist, and a provenance sheet) or json (newline-delimited: one object per cell, not an
// array, so that clients can stream it too), with Content-Disposition: attachment. It reads
// one row group at a time, so memory does not grow with the export (Excel keeps up to 16 MiB
// of each sheet in memory, the rest in tmp/, and is written at the end). A failure after the
// response has started aborts the connection, so a truncated download never looks whole.
//
// Disclosure control (disclosure=true, round, suppress_below; see datasets.Disclosure) applies
// to counts of people (units people, clients, residents): a row whose mean is under
// suppress_below is suppressed — its four values are empty in CSV and Excel and null in
// Parquet, Arrow and JSON — and every other such value is rounded to the nearest multiple of
// round. The settings are recorded in the export's provenance (Parquet and Arrow metadata,
// Excel provenance sheet).
//
// GET /v1/compare?runs=a,b[,…] (two to five runs, all the caller's and succeeded) pages
// through the first run's cells that pass the filter and gives, for every run, its mean and
// quantiles, its central projection (Compared), and the difference from and ratio to the
// first run's central projection, matching cells on area, year, measure, sex and age band
// (null where a run lacks the cell). A run with draws but no central projection stored answers
// 409.
//
// # Drivers convention
//
// The engine writes the split of a measure's change from the base year into its causes as
// ordinary rows of the result file: measure "driver.<measure>.<part>", where <measure> is the
// full name of the measure explained (e.g. need.dementia) and <part> — the text after the last
// dot, so it contains no dot — names the cause: demography, prevalence_trend, or a lever
// (e.g. shift_residential_to_home_care). Each row has the area, year, sex and age band of the
// change it explains, the measure's unit, and the part's contribution to the change from the
// base year to that year in mean, p10, p50 and p90. An optional part "total" carries the
// change itself; the parts then add up to it. GET /v1/runs/{id}/drivers?area=&year= returns,
// per measure, sex and age band, the parts in file order, the total (the total part, or the
// sum of the parts' means when there is none) and the residual (total minus the sum of the
// parts: 0 when they add up). Driver rows are exported like any other (Excel: the driver
// sheet).
//
// # Back-tests
//
// GET /v1/backtest (viewer) serves the back-tests of package forecast/backtest as `carecast
// backtest` runs them — population from 2011, the 2016 contest with ONS's projection, and
// councils' service use from rolling origins: every scored forecast (rows, the columns of
// datasets.BacktestRow with null for absent numbers), the scores by back-test, level,
// measure, age band, and year or horizon (summaries; both absent when pooled), the contest's
// headline, the sensitivity, and the coverage of the 80% intervals (population_coverage,
// service_coverage); rows and summaries filtered by backtest, level, area, measure, age_band,
// year and horizon. Deps.Backtest computes the reports (BundleBacktest over the default
// data); the first request computes them (a few seconds; later requests wait for the same
// computation), and they are kept for the life of the process. A failed computation is logged,
// answered with 500 and tried again by the next request; without Deps.Backtest the endpoint
// answers 503.
//
// # Durability and crash recovery
//
// Every write is acknowledged only after its transaction commits (SQLite WAL with
// synchronous=FULL: see package store/sqlite). Uploads stream to tmp/, are fsynced,
// validated, renamed into uploads/<org>/ and fsynced before the record commits. After a crash
// (SIGKILL, power loss) the next start: marks every run left queued or running as failed with
// an "interrupted" message (runs are deterministic given scenario version and seed, so
// starting the same run again reproduces it exactly; they are not re-queued automatically, so a
// run that crashes the server cannot crash it again at every start); empties tmp/; and removes
// upload files that no record names. A graceful shutdown (SIGINT/SIGTERM) ends event streams,
// waits for requests in flight, cancels running runs and records them the same way.
//
// A full disk: an upload whose file cannot be written (ENOSPC) answers 507 with a problem
// saying the disk is full and nothing was stored, and its partial file is removed; any other
// write the database refuses for want of space (SQLITE_FULL, store.ErrDiskFull) answers 507
// saying the disk is full and nothing was changed. A run whose results cannot be written ends
// failed saying the disk is full, its partial files removed. To record a run's end on a full
// disk the server deletes its disk reserve (a 1 MiB file, "reserve", in the data directory,
// made again at start and after runs once there is room; requests never use it), so a run
// whose results were written still succeeds; if even then its outcome cannot be recorded, its
// files are removed to make room and it ends failed saying the disk is full. With no room
// at all the run stays running — cancel answers 507 — and its end is recorded every 10 s
// until space is freed, with no restart needed (a run whose start cannot be recorded ends
// failed likewise with the reserve's room, and with none is queued again); either way it then no longer counts against
// its organisation's run quota and its scenario can be deleted. /readyz answers 503 while the
// data directory has less free space than Config.MinFreeBytes, so that traffic moves
// elsewhere before writes fail.
//
// # Limits
//
// Request bodies (Config.MaxBodyBytes; 413), uploads (Config.MaxUploadBytes; 413, checked from
// Content-Length and while streaming), rows per upload (Config.MaxUploadRows; 422 with rule
// too_many_rows, read from the file's footer before any row is decoded), page sizes
// (Config.MaxPageSize; 422), unfinished runs per organisation (429 + Retry-After), API keys per
// organisation (Config.MaxKeysPerOrg; 409 from create-key), request rates (token buckets, 429 +
// Retry-After and a detail naming the limit): per API key (Config.RateLimit / RateBurst), per
// organisation over all its keys (Config.OrgRateLimit / OrgRateBurst) and, for requests that
// need a key and have no valid one, per client address (Config.AnonRateLimit / AnonRateBurst;
// the connection's address, or the last X-Forwarded-For entry with Config.TrustForwardedFor),
// and server timeouts (read header, read, write, idle;
// uploads and event streams extend their own deadlines). Every error is an RFC 9457 problem
// document; internal errors are logged with the request ID (also sent as X-Request-ID) and
// answered with a generic 500 that quotes it.
//
// # Web pages
//
// When Deps.Web is set, Handler also serves the planner web pages of package web at / (see
// its documentation for the routes). They call the service.Service directly (WebBackend, and
// it reads results too) and check keys through WebAuth — the same store, validation, run
// queue, keys, organisation isolation and rate limits as the operations. Their downloads and
// run event streams are the operations' own code in service (service.Service.Export and
// RunEvents, the end event carrying this package's Run), so /runs/{id}/export and
// /runs/{id}/events send the bytes export-results and run-events send; nothing is forwarded
// over HTTP inside the process. Page requests are not operations: they do not appear in the
// HTTP metrics by operation.
//
// # Metrics
//
// /metrics serves Prometheus metrics: carecast_http_requests_total and
// carecast_http_request_duration_seconds by operation and status, carecast_runs_started_total,
// carecast_runs_finished_total and carecast_run_duration_seconds by status,
// carecast_runs_running, carecast_runs_queued, carecast_http_rate_limited_total, and the Go and
// process collectors.
package api
