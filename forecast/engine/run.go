package engine

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/carecast/carecast/forecast"
)

// RunOptions identify a run and bound its work.
type RunOptions struct {
	ScenarioID, RunID string
	// Version is the software version recorded in the provenance.
	Version string
	// Workers is the number of goroutines (default GOMAXPROCS). Results do not depend on it.
	Workers int
	// NoDrivers skips the drivers of change.
	NoDrivers bool
	// Checked says the caller has already checked the scenario against this engine's inputs
	// (forecast.Scenario.Check on Engine.Inputs, as service.Carecast.Parse does), so the run
	// does not check it again.
	Checked bool
}

// Provenance says where every number of a run came from.
type Provenance struct {
	ScenarioID  string            `json:"scenario_id,omitempty"`
	RunID       string            `json:"run_id,omitempty"`
	Scenario    forecast.Scenario `json:"scenario"`
	Version     string            `json:"software_version,omitempty"`
	Seed        int64             `json:"seed"`
	Draws       int               `json:"draws"`
	Quantiles   []float64         `json:"quantiles"`
	Datasets    []DatasetRef      `json:"datasets"`
	Evidence    map[string]int    `json:"prevalence_evidence_years"`
	ActivityYrs []int             `json:"service_activity_years"`
	// Series names, for each service, the activity its base use rates come from and its years.
	Series       map[string]ServiceSeries `json:"service_activity"`
	CostTerms    string                   `json:"cost_terms"`
	UnitCosts    map[string]string        `json:"unit_costs"`
	Notes        []string                 `json:"notes,omitempty"`
	Calibration  string                   `json:"population_method"`
	DriversOrder []string                 `json:"drivers_order,omitempty"`
	// DataYears names, for each part of the chain, the data and years it rests on (see
	// Inputs.DescribeData); DataSummary joins them into one line.
	DataYears []DataYear `json:"data_years,omitempty"`
}

// DataYear names the data one part of a run rests on: Topic "population", "need",
// "service use", "unit costs" or "supply"; Data e.g. "ONS mid-2022 estimates".
type DataYear struct {
	Topic string `json:"topic"`
	Data  string `json:"data"`
}

// DataSummary joins data years into the one line pages and exports show, e.g. "population:
// ONS mid-2022 estimates; service use: PSS-EX1 2011-12 to 2013-14".
func DataSummary(d []DataYear) string {
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = x.Topic + ": " + x.Data
	}
	return strings.Join(parts, "; ")
}

// Result is a run's output: every measure for every area reported and year, with the drivers
// of change. Rows gives it as the tidy long table.
type Result struct {
	Years      []int
	Areas      []forecast.AreaInfo
	Provenance Provenance

	p      *plan
	mean   []float64 // [area][year][cell]
	lo, md []float64 // p10 and p50 (nil when deterministic)
	hi     []float64
	drv    *drivers
}

// Run runs a scenario. progress, if not nil, is called with the work done and the total as the
// run goes. Run returns a forecast.ScenarioError listing every problem if the scenario does
// not fit the data, and ctx.Err() (wrapped) if cancelled.
func (e *Engine) Run(ctx context.Context, sc forecast.Scenario, opts RunOptions, progress func(done, total int)) (*Result, error) {
	p, err := e.newPlan(sc, opts.Checked)
	if err != nil {
		return nil, err
	}
	if p.sc.Uncertainty.Draws > 0 {
		return e.runDraws(ctx, p, opts, progress)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	per := len(p.years) * p.nCells
	leafVals := make([]float64, len(p.leaves)*per)
	steps := len(p.leaves)
	withDrivers := !opts.NoDrivers
	var drv *drivers
	if withDrivers {
		drv = p.newDrivers()
		steps *= 2
	}
	var done atomic.Int64
	report := func() {
		if progress != nil {
			progress(int(done.Add(1)), steps)
		}
	}
	dr := p.centralDraw()
	all := make([]bool, len(p.levers))
	for i := range all {
		all[i] = true
	}
	err = parallel(ctx, workers, len(p.leaves), func(w *worker, j int) error {
		d := p.leaves[j]
		if err := w.project(d, dr, all); err != nil {
			return err
		}
		w.chain(d, dr, all, true, leafVals[j*per:(j+1)*per])
		report()
		if withDrivers {
			if err := drv.district(w, j, d, dr); err != nil {
				return err
			}
			report()
		}
		return nil
	}, p.newWorker)
	if err != nil {
		return nil, err
	}
	r := p.result(opts)
	r.mean = p.rollUp(leafVals, per)
	p.applyGaps(r.mean)
	if withDrivers {
		drv.rollUp()
		r.drv = drv
	}
	return r, nil
}

// parallel runs f(w, j) for j in 0..n-1 on workers goroutines, each with its own worker, and
// returns the first error (or the context's). Results must not depend on the order.
func parallel(ctx context.Context, workers, n int, f func(w *worker, j int) error, newWorker func() *worker) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for g := range workers {
		wg.Go(func() {
			w := newWorker()
			for {
				if err := ctx.Err(); err != nil {
					errs[g] = fmt.Errorf("engine: run stopped: %w", err)
					return
				}
				j := int(next.Add(1)) - 1
				if j >= n {
					return
				}
				if err := f(w, j); err != nil {
					errs[g] = err
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// rollUp sums leaf values into the reported areas.
func (p *plan) rollUp(leafVals []float64, per int) []float64 {
	out := make([]float64, len(p.out)*per)
	pos := map[int]int{}
	for j, d := range p.leaves {
		pos[d] = j
	}
	for a, area := range p.out {
		dst := out[a*per : (a+1)*per]
		for _, d := range area.districts {
			src := leafVals[pos[d]*per : (pos[d]+1)*per]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
	return out
}

func (p *plan) result(opts RunOptions) *Result {
	r := &Result{Years: p.years, p: p}
	for _, a := range p.out {
		r.Areas = append(r.Areas, *p.e.areas[a.code])
	}
	r.Provenance = p.provenance(opts)
	return r
}

// provenance records where the run's numbers come from.
func (p *plan) provenance(opts RunOptions) Provenance {
	prov := Provenance{ScenarioID: opts.ScenarioID, RunID: opts.RunID, Scenario: p.sc, Version: opts.Version,
		Seed: p.sc.Uncertainty.Seed, Draws: p.sc.Uncertainty.Draws, Quantiles: p.sc.Uncertainty.Quantiles,
		Datasets: p.e.in.Datasets, Evidence: map[string]int{}, ActivityYrs: p.rates.years, CostTerms: p.costUnit,
		UnitCosts: map[string]string{}, Notes: p.notes,
		Calibration: fmt.Sprintf("cohort-component on ONS 2018-based national assumptions, each district calibrated on its %d and %d estimates", CalibrationStart, p.base)}
	for _, s := range p.scheds {
		prov.Evidence[s.measure] = s.evidenceYear
	}
	prov.Series = map[string]ServiceSeries{}
	for k, name := range serviceNames {
		prov.UnitCosts[name] = p.costNotes[k]
		if ser := p.rates.series[k]; ser.Activity != "" {
			prov.Series[name] = ser
		}
	}
	if p.e.in.DescribeData != nil {
		prov.DataYears = p.e.in.DescribeData(prov)
	}
	return prov
}

// Describe returns the provenance a run of sc would record, without running it: what data
// and years its numbers would rest on (Provenance.DataYears), its evidence years, activity
// years and unit costs. It returns a forecast.ScenarioError if sc does not fit the data.
func (e *Engine) Describe(sc forecast.Scenario) (Provenance, error) {
	p, err := e.newPlan(sc, false)
	if err != nil {
		return Provenance{}, err
	}
	return p.provenance(RunOptions{}), nil
}

// Measure describes one output measure.
type Measure struct {
	Name, Unit string
	Sexes      []string
	Bands      []string
}

// Measures lists the run's measures in output order (drivers excluded).
func (r *Result) Measures() []Measure {
	out := make([]Measure, 0, len(r.p.measures))
	for _, m := range r.p.measures {
		mm := Measure{Name: m.name, Unit: m.unit}
		for _, s := range m.sexes {
			mm.Sexes = append(mm.Sexes, sexNames[s])
		}
		for _, b := range m.bands {
			mm.Bands = append(mm.Bands, b.name)
		}
		out = append(out, mm)
	}
	return out
}

// Value returns the mean of one cell, or false if the result has no such cell.
func (r *Result) Value(area string, year int, measure, sex, ageBand string) (float64, bool) {
	a := slices.IndexFunc(r.Areas, func(x forecast.AreaInfo) bool { return x.Code == area })
	k := slices.Index(r.Years, year)
	if a < 0 || k < 0 {
		return 0, false
	}
	for _, m := range r.p.measures {
		if m.name != measure {
			continue
		}
		si := slices.IndexFunc(m.sexes, func(s int) bool { return sexNames[s] == sex })
		bi := slices.IndexFunc(m.bands, func(b band) bool { return b.name == ageBand })
		if si < 0 || bi < 0 {
			return 0, false
		}
		return r.mean[(a*len(r.Years)+k)*r.p.nCells+m.cell(si, bi)], true
	}
	if r.drv != nil {
		return r.drv.value(a, k, measure)
	}
	return 0, false
}

// Rows yields the tidy long table: for each area, year and measure, every sex and band; then
// the drivers of change. Deterministic runs give p10 = p50 = p90 = mean.
func (r *Result) Rows() iter.Seq[forecast.ResultRow] {
	return func(yield func(forecast.ResultRow) bool) {
		p := r.p
		for a, area := range r.Areas {
			for k, year := range r.Years {
				base := (a*len(r.Years) + k) * p.nCells
				for _, m := range p.measures {
					for si, s := range m.sexes {
						for bi, b := range m.bands {
							i := base + m.cell(si, bi)
							if math.IsNaN(r.mean[i]) {
								continue // a gap where the data has no supply
							}
							row := forecast.ResultRow{ScenarioID: r.Provenance.ScenarioID, RunID: r.Provenance.RunID,
								AreaCode: area.Code, AreaName: area.Name, Year: year, Measure: m.name, Unit: m.unit,
								Sex: sexNames[s], AgeBand: b.name, Mean: r.mean[i]}
							if r.lo != nil {
								row.P10, row.P50, row.P90 = r.lo[i], r.md[i], r.hi[i]
							} else {
								row.P10, row.P50, row.P90 = row.Mean, row.Mean, row.Mean
							}
							if !yield(row) {
								return
							}
						}
					}
				}
				if r.drv != nil && !r.drv.rows(r, a, k, yield) {
					return
				}
			}
		}
	}
}

// slug turns a label into a measure-name part.
func slug(s string) string {
	var b strings.Builder
	last := '_'
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			last = c
		} else if last != '_' {
			b.WriteByte('_')
			last = '_'
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
