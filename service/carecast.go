package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/transparency"
)

// Carecast is carecast on one set of data: the bundle, the engine built from it with the
// error models of its own back-tests, and the scenario validator that checks documents
// against it. Every face (the CLI, the API, the pages, the notebooks through the API) runs
// scenarios through one Carecast, so the same scenario gives the same numbers whichever way
// it is asked for.
type Carecast struct {
	Bundle    *datasets.Bundle
	Inputs    *engine.Inputs
	Engine    *engine.Engine
	Scenarios *ScenarioSchema

	backtests func() (*backtest.Report, *backtest.ServiceReport, error)
	uploads   uploadCache     // Carecasts on uploaded data (ForScenario)
	baselines baselineCache   // Baseline's answers
	features  councilFeatures // Neighbours' features, computed once
	docOnce   sync.Once
	doc       *ScenarioSchema // documents alone (docSchema)

	topicsOnce sync.Once // Topics
	topics     []Topic

	cardsOnce sync.Once // DatasetCards
	cards     []transparency.DatasetCard
	cardsErr  error
}

// Open builds carecast on bundle b. The back-tests behind the engine's error models (and the
// back-test reports) run once, the first time a run with draws or a report asks for them.
func Open(b *datasets.Bundle) (*Carecast, error) {
	in, err := datasets.EngineInputs(b)
	if err != nil {
		return nil, err
	}
	// The POPPI and PANSI topics are need measures a scenario opts into (service.TopicMeasure).
	topics := buildTopics(b)
	if len(b.TopicRates) > 0 {
		rows, optIn, _ := topicNeeds(topics, in.Oldest[nearestYear(in.Oldest, forecast.DefaultBaseYear)])
		in.Prevalence = append(in.Prevalence, rows...)
		in.OptIn = optIn
	}
	type reports struct {
		rep *backtest.Report
		svc *backtest.ServiceReport
	}
	once := sync.OnceValues(func() (reports, error) {
		rep, svc, err := datasets.RunBacktests(context.Background(), b)
		return reports{rep, svc}, err
	})
	bt := func() (*backtest.Report, *backtest.ServiceReport, error) {
		r, err := once()
		return r.rep, r.svc, err
	}
	datasets.UseBacktestErrorModels(in, bt)
	e, err := engine.New(in)
	if err != nil {
		return nil, err
	}
	c := &Carecast{Bundle: b, Inputs: in, Engine: e, Scenarios: NewScenarioSchema(e.Inputs()), backtests: bt}
	c.topicsOnce.Do(func() { c.topics = topics })
	return c, nil
}

// Default returns carecast on the embedded default data, built once per process.
var Default = sync.OnceValues(func() (*Carecast, error) {
	b, err := defaultdata.Load()
	if err != nil {
		return nil, fmt.Errorf("loading the default dataset: %w", err)
	}
	return Open(b)
})

// OpenDir returns carecast on the dataset directory dir, or on the embedded default data
// when dir is "".
func OpenDir(dir string) (*Carecast, error) {
	if dir == "" {
		return Default()
	}
	b, err := datasets.LoadDir(dir, datasets.ReadOptions{})
	if err != nil {
		return nil, fmt.Errorf("loading datasets from %s: %w", dir, err)
	}
	return Open(b)
}

// Backtests returns the population and service back-tests on the data, run once.
func (c *Carecast) Backtests() (*backtest.Report, *backtest.ServiceReport, error) {
	return c.backtests()
}

// Schema returns the scenario JSON Schema document (served at /v1/scenario-schema).
func (c *Carecast) Schema() []byte { return c.Scenarios.Schema() }

// Validate checks a scenario document that names no uploads (see Parse).
func (c *Carecast) Validate(doc []byte) error {
	_, _, err := c.Parse(doc, nil)
	return err
}

// ValidateWith checks a scenario document against the data it runs on, uploads included
// (see Parse); uploads are the organisation's datasets the document names, by ID.
func (c *Carecast) ValidateWith(doc []byte, uploads map[string]Upload) error {
	_, _, err := c.Parse(doc, uploads)
	return err
}
