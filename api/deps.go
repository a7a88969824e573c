package api

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/web"
)

// Deps are the parts of carecast the server calls but does not own: the forecast engine and
// the validators of what users send. cmd/carecast builds them and passes them to Serve.
// A nil field gets a stand-in that refuses politely (see each field), so the server starts
// before the engine is wired in.
type Deps struct {
	// Runner executes runs. Nil: every run fails with "no forecast engine in this build".
	Runner Runner
	// Scenarios validates scenario documents and publishes their JSON Schema. Nil: any JSON
	// object is accepted and the schema is {"type":"object"}.
	Scenarios ScenarioValidator
	// Datasets validates uploaded dataset files. Nil: every upload is refused.
	Datasets DatasetValidator
	// Builtin lists the datasets that ship with carecast; every organisation can read them.
	Builtin []BuiltinDataset
	// Version is the software version recorded with every run ("dev" if empty).
	Version string
	// Files and Queue put the server in shared mode (service.Parts): Serve sets them from
	// Config.Database; nil: runs execute in this process and files stay in the data directory.
	Files service.Files
	Queue service.Queue
	// Areas is the areas table served by /v1/areas (empty: no areas are listed).
	Areas []forecast.AreaInfo
	// Projector answers quick baseline projections for one area. Nil: the endpoint answers 503.
	Projector Projector
	// Neighbours chooses councils' statistical neighbours, served by
	// /v1/areas/{code}/neighbours (cmd/carecast passes the service.Carecast of the default
	// data). Nil: the endpoint answers 503.
	Neighbours NeighbourSource
	// Backtest computes the population back-tests served by /v1/backtest (see BundleBacktest).
	// Nil: the endpoint answers 503.
	Backtest BacktestSource
	// Transparency builds the ATRS record served by /v1/transparency and the dataset cards of
	// /v1/datasets/cards (cmd/carecast passes the service.Carecast of the default data). Nil:
	// those endpoints answer 503.
	Transparency TransparencySource
	// Topics answers /v1/topics (cmd/carecast passes the service.Carecast of the default data).
	// Nil: those endpoints answer 503.
	Topics TopicSource
	// Web, when not nil, serves the planner web pages (package web) at / on the same
	// server. Its Backend and Results are filled in with the service.Service
	// (Service.WebBackend), its Auth with Service.WebAuth; its API,
	// Logger and Version default to the service's own. Nil: no pages.
	Web *web.Deps
}

// Projector runs the baseline projection of one area synchronously, for quick answers.
type Projector interface {
	// Baseline returns the baseline result rows of area for the years from..to (deterministic;
	// p10 = p50 = p90 = mean). Errors that are the caller's fault wrap PublicError.
	Baseline(ctx context.Context, area string, from, to int) ([]forecast.ResultRow, error)
}

// Runner executes one run of a scenario (see service.Runner).
type Runner = service.Runner

// RunSpec is what a Runner is asked to run (see service.RunSpec).
type RunSpec = service.RunSpec

// RunOutput is what a successful run produced (see service.RunOutput).
type RunOutput = service.RunOutput

// ScenarioValidator checks scenario documents against the engine's scenario schema and
// publishes it (served at /v1/scenario-schema); each problem of a refused document becomes one
// entry in the 422 response's errors[] (see service.ScenarioValidator).
type ScenarioValidator = service.ScenarioValidator

// DatasetValidator checks an uploaded dataset file (see service.DatasetValidator).
type DatasetValidator = service.DatasetValidator

// Summary describes a valid dataset file; it is stored with the upload and shown to users
// (service.Summary).
type Summary = service.Summary

// BuiltinDataset describes a dataset that ships inside the binary.
type BuiltinDataset struct {
	Kind        string
	Name        string
	ContentHash string // "sha256:" + hex
	Size        int64
	Summary     Summary
	Created     time.Time // when it was built
}

// Located is implemented by validation problems that know where they are (service.Located).
type Located = service.Located

// PublicError marks err's message as safe to show to API clients (service.PublicError).
func PublicError(err error) error { return service.PublicError(err) }

// problems splits a validation error into its parts, each with its location ("" if unknown).
func problems(err error) []service.Problem { return service.Problems(err) }

// stand-ins for nil Deps fields.

type noRunner struct{}

func (noRunner) Run(context.Context, RunSpec, func(int, int)) (RunOutput, error) {
	return RunOutput{}, PublicError(errors.New("no forecast engine in this build"))
}

type anyObject struct{}

func (anyObject) Schema() []byte {
	return []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Scenario","type":"object"}`)
}

func (anyObject) Validate(doc []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return errors.New("the scenario must be a JSON object")
	}
	return nil
}

type noDatasets struct{}

func (noDatasets) Validate(string, string) (Summary, error) {
	return Summary{}, errors.New("dataset uploads are not available in this build")
}
