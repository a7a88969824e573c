package web

import (
	"context"
	"errors"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Principal is who is using the pages: an API key's organisation and role, or the single
// local user of a server running open (no keys, loopback only); see service.Principal.
type Principal = service.Principal

// Errors a Backend returns, possibly wrapped; the pages test them with errors.Is. A Backend
// also passes through store.ErrNotFound (missing, or another organisation's),
// store.ErrVersionMismatch, store.ErrConflict and store.ErrTooManyRuns.
var (
	// ErrNoKey means no API key was given and the server requires one.
	ErrNoKey = errors.New("an API key is needed")
	// ErrBadKey means the API key given is unknown or was deleted.
	ErrBadKey = errors.New("unknown or deleted API key")
	// ErrForbidden means the caller's role does not allow the action (service.ErrForbidden).
	ErrForbidden = service.ErrForbidden
	// ErrRateLimited means the caller made too many requests; try again in a few seconds.
	ErrRateLimited = errors.New("too many requests")
	// ErrUnavailable means the server is shutting down (service.ErrShutdown).
	ErrUnavailable = service.ErrShutdown
)

// Problem is one problem with a scenario document: Location is where it is (a path such as
// "levers[0].value" or a JSON Pointer such as "/levers/0/value"; "" if unknown).
type Problem = service.Problem

// InvalidError is a scenario document that the scenario validator refused; service.Problems
// of its Err lists every problem it found.
type InvalidError = service.InvalidScenario

// Authenticator identifies the holder of an API key (package api: Service.WebAuth).
type Authenticator interface {
	// Authenticate identifies the holder of an API key. With key "" it returns the local
	// user if the server runs open, else ErrNoKey; an unknown key gives ErrBadKey. It applies
	// the rate limits per key and per organisation, and per client address when there is no
	// valid key (ErrRateLimited).
	Authenticate(ctx context.Context, key string) (Principal, error)
}

// Backend is what the pages need of carecast's scenarios, runs and datasets. service.Service
// implements it with the same functions the API's operations use, so that the pages and the
// API store, validate and run exactly alike. Every method takes the caller's Principal and sees
// only its organisation's things.
type Backend interface {
	// CreateScenario validates doc and stores it as version 1 of a new scenario. A refused
	// document gives an *InvalidError. Needs the planner role (ErrForbidden).
	CreateScenario(ctx context.Context, p Principal, doc []byte) (store.Scenario, error)
	// UpdateScenario validates doc and stores it as the scenario's next version; when
	// ifVersion > 0 only if that is still the latest (else store.ErrVersionMismatch). Needs
	// the planner role.
	UpdateScenario(ctx context.Context, p Principal, id string, doc []byte, ifVersion int) (store.Scenario, error)
	// Scenario returns one version of a scenario (0: the latest).
	Scenario(ctx context.Context, p Principal, id string, version int) (store.Scenario, error)
	// Scenarios returns up to limit scenarios at their latest versions, newest first.
	Scenarios(ctx context.Context, p Principal, limit int) ([]store.Scenario, error)
	// StartRun queues a run of a scenario version (0: the latest), with seed overriding the
	// scenario's own when not nil, and returns it. Needs the planner role;
	// store.ErrTooManyRuns when the organisation has too many unfinished runs.
	StartRun(ctx context.Context, p Principal, scenarioID string, version int, seed *int64) (store.Run, error)
	// Run returns a run with its live progress.
	Run(ctx context.Context, p Principal, id string) (store.Run, error)
	// Runs returns up to limit runs, newest first; scenarioID "" for every scenario.
	Runs(ctx context.Context, p Principal, scenarioID string, limit int) ([]store.Run, error)
	// Datasets returns up to limit of the organisation's uploaded datasets, newest first, for
	// a scenario to run on (forecast.Scenario.Datasets).
	Datasets(ctx context.Context, p Principal, limit int) ([]store.Dataset, error)
	// Export prepares a download of a run's results that pass f, in a format (see
	// service.Service.Export: the API's export writes the same bytes). It returns
	// store.ErrNotFound, a *service.NoResultsError for a run that has not succeeded, a
	// *DamagedError or an *UnknownValueError; the caller closes the export.
	Export(ctx context.Context, p Principal, runID string, f ResultFilter, opts service.ExportOptions) (*service.Export, error)
	// RunEvents writes the server-sent events of run r (read with Run) to w until it is
	// final, ctx is done or closing is closed; the end event's data is end(final run) (see
	// service.Service.RunEvents: the API's run-events writes the same events).
	RunEvents(ctx context.Context, r store.Run, w service.EventWriter, closing <-chan struct{}, end func(store.Run) any)
}

// ScenarioChecker is what a Backend may offer besides: the scenario validator on its own, which
// stores nothing (service.Service.ValidateScenario is one; orgID is the caller's
// Principal.OrgID). The scenario form uses it to report, together with the problems it finds
// itself (numbers that are not numbers, half-given ranges), every problem the validator finds
// with the rest of the form, so that a planner sees them all at once rather than in rounds.
// It returns nil or, for a refused document, an *InvalidError.
type ScenarioChecker interface {
	ValidateScenario(ctx context.Context, orgID string, doc []byte) error
}

// ResultFilter selects rows of a run's results (forecast.ResultFilter, its one home): the
// meaning of the results API's query parameters.
type ResultFilter = forecast.ResultFilter

// ResultsSource reads the results of runs that succeeded; service.Service is one.
type ResultsSource interface {
	// Rows returns the rows of run's results (run.Status is succeeded and run.ResultPath names
	// its result file, relative to the server's data directory) that pass f, in the file's
	// order: by area, year, measure, sex and band, with drivers ("driver.<measure>.<part>")
	// after each area-year's measures.
	Rows(ctx context.Context, run store.Run, f ResultFilter) ([]forecast.ResultRow, error)
	// Central returns, like Rows, the rows of run's central projection (every input at its
	// central value): its results themselves for a deterministic run, the scenario run without
	// draws (stored beside the draws) for a run with Monte Carlo draws. It returns an error
	// wrapping ErrNoCentral for a run with draws whose central projection was not stored.
	// Both return an error wrapping a *DamagedError if a result file is damaged.
	Central(ctx context.Context, run store.Run, f ResultFilter) ([]forecast.ResultRow, error)
	// Check returns an *UnknownValueError if f names an area, measure, sex or age band, or a
	// range of years, that run's results do not hold, and nil if every value is known (known
	// values that select no row together pass: they ask for an empty table, not a mistake).
	// The downloads call it, so that a mistyped filter is refused as the API refuses it.
	Check(ctx context.Context, run store.Run, f ResultFilter) error
}

// DamagedError is returned (or wrapped) by ResultsSource.Rows and Central for a run whose
// result file is damaged: its content no longer matches the hash recorded when it was written
// (service.DamagedResult). Running the scenario again recreates the results.
type DamagedError = service.DamagedResult

// UnknownValueError reports filter values that a run's results do not hold
// (service.UnknownValueError). The pages answer it with 422 and Detail.
type UnknownValueError = service.UnknownValueError

// ErrNoCentral is returned by ResultsSource.Central for a run with Monte Carlo draws whose
// central projection was not stored (service.ErrNoCentral).
var ErrNoCentral = service.ErrNoCentral

// Projector projects a scenario at once, inside a page request, for the pages that show
// numbers without a stored run: an area's baseline, and the baseline (the scenario without
// its levers) that a run's results are compared with. The pages call it with scenarios for
// one area and cache what it returns.
type Projector interface {
	// Project runs sc and returns its rows without drivers of change. It returns a
	// forecast.ScenarioError if sc does not fit the data, and stops when ctx is done.
	Project(ctx context.Context, sc forecast.Scenario) ([]forecast.ResultRow, error)
	// DataYears names the data and years a run of sc rests on (engine.DataSummary), e.g.
	// "population: ONS mid-2022 estimates, …; service use: PSS-EX1 2011-12 to 2013-14".
	DataYears(sc forecast.Scenario) (string, error)
}

// NeighbourSource chooses councils' statistical neighbours (service.Carecast is one).
type NeighbourSource interface {
	// Neighbours returns the k nearest neighbours of a council in force, nearest first (see
	// service.Carecast.Neighbours).
	Neighbours(code string, k int) (*service.NeighbourSet, error)
}

// AccuracySource says how far off projections like an area's have been (service.Carecast is
// one).
type AccuracySource interface {
	// Accuracy returns the area's accuracy line from the back-tests, or an error wrapping
	// service.ErrNoAccuracy when they cover no area like it.
	Accuracy(ctx context.Context, code string) (*service.Accuracy, error)
}
