package service

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// Project runs sc at once, without the drivers of change, and returns its rows: the quick
// projections of the pages (an area's overview, the baseline a run is compared with). A
// problem with sc is a forecast.ScenarioError.
func (c *Carecast) Project(ctx context.Context, sc forecast.Scenario) ([]forecast.ResultRow, error) {
	r, err := c.Engine.Run(ctx, sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		return nil, err
	}
	var rows []forecast.ResultRow
	for row := range r.Rows() {
		rows = append(rows, row)
	}
	return rows, nil
}

// DataYears names the data and years a run of sc would rest on, without running it (the
// line pages show beside the numbers; a run records the same in its provenance).
func (c *Carecast) DataYears(sc forecast.Scenario) (string, error) {
	p, err := c.Engine.Describe(sc)
	if err != nil {
		return "", err
	}
	return engine.DataSummary(p.DataYears), nil
}

// DataYearsOf returns the data-years line of a run's provenance document (as stored with
// the run), "" if it has none.
func DataYearsOf(provenance json.RawMessage) string {
	var p struct {
		DataYears []engine.DataYear `json:"data_years"`
	}
	if json.Unmarshal(provenance, &p) != nil {
		return ""
	}
	return engine.DataSummary(p.DataYears)
}

// baselineCache keeps the latest baselines of areas (Baseline).
type baselineCache struct {
	mu    sync.Mutex
	rows  map[baselineKey][]forecast.ResultRow
	order []baselineKey
}

type baselineKey struct {
	area     string
	from, to int
}

// maxBaselines is how many area baselines Baseline keeps.
const maxBaselines = 64

// Baseline returns the deterministic baseline of one area (with its districts) for the years
// from..to, from a small cache when it can: the same area and years give the same numbers, bit
// for bit. Problems that are the caller's are PublicError.
func (c *Carecast) Baseline(ctx context.Context, area string, from, to int) ([]forecast.ResultRow, error) {
	k := baselineKey{area, from, to}
	c.baselines.mu.Lock()
	if rows, ok := c.baselines.rows[k]; ok {
		c.baselines.mu.Unlock()
		return rows, nil
	}
	c.baselines.mu.Unlock()
	rows, err := c.Project(ctx, forecast.Scenario{Name: "baseline", BaseYear: from, Horizon: to, Areas: []string{area}})
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return nil, PublicError(err)
	}
	if err != nil {
		return nil, err
	}
	c.baselines.mu.Lock()
	defer c.baselines.mu.Unlock()
	if c.baselines.rows == nil {
		c.baselines.rows = map[baselineKey][]forecast.ResultRow{}
	}
	if _, ok := c.baselines.rows[k]; !ok {
		c.baselines.rows[k] = rows
		c.baselines.order = append(c.baselines.order, k)
		if len(c.baselines.order) > maxBaselines {
			delete(c.baselines.rows, c.baselines.order[0])
			c.baselines.order = c.baselines.order[1:]
		}
	}
	return rows, nil
}
