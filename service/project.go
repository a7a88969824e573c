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

// Assumptions are the data behind the assumptions a scenario form prefills for one council:
// where each unit cost comes from and the supply the data has.
type Assumptions struct {
	// UnitCosts says, by service, the unit cost a run would use and its source, as the run's
	// provenance records it (engine.Provenance.UnitCosts).
	UnitCosts map[string]string
	// Supply is the council's latest supply in the data by service (residential and nursing
	// beds; home care, in hours a week, where the data has it), for the services a scenario
	// can set (forecast.SupplyUnits).
	Supply map[string]engine.SupplyRow
	// SupplySource names the supply data ("CQC care home beds, 1 February 2021"), "" if none.
	SupplySource string
}

// Assumptions returns the data behind the assumptions of sc (a scenario for one council,
// without its own unit costs or supply) for its council area. A problem with sc is a
// forecast.ScenarioError.
func (c *Carecast) Assumptions(sc forecast.Scenario, area string) (*Assumptions, error) {
	p, err := c.Engine.Describe(sc)
	if err != nil {
		return nil, err
	}
	a := &Assumptions{UnitCosts: p.UnitCosts, Supply: map[string]engine.SupplyRow{}}
	for _, d := range p.DataYears {
		if d.Topic == "supply" {
			a.SupplySource = d.Data
		}
	}
	for _, s := range c.Inputs.Supply {
		if s.Area != area || forecast.SupplyUnits[s.Service] != s.Unit {
			continue
		}
		if old, ok := a.Supply[s.Service]; !ok || s.Year > old.Year {
			a.Supply[s.Service] = s
		}
	}
	return a, nil
}
