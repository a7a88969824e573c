package engine_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// newEngine builds an engine on in or fails the test.
func newEngine(t testing.TB, in *engine.Inputs) *engine.Engine {
	t.Helper()
	e, err := engine.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs sc on e or fails the test.
func run(t testing.TB, e *engine.Engine, sc forecast.Scenario, opts ...engine.RunOptions) *engine.Result {
	t.Helper()
	var o engine.RunOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	r, err := e.Run(context.Background(), sc, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// value returns one cell of r or fails the test.
func value(t testing.TB, r *engine.Result, area string, year int, measure, sex, band string) float64 {
	t.Helper()
	v, ok := r.Value(area, year, measure, sex, band)
	if !ok {
		t.Fatalf("no cell %s %d %s %s %s", area, year, measure, sex, band)
	}
	return v
}

// near reports whether got is within rel (relative) of want, or within rel absolutely when want
// is 0.
func near(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) <= rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// cell is one expected value of a result.
type cell struct {
	area    string
	year    int
	measure string
	sex     string
	band    string
	want    float64
	why     string // where the expected number comes from
}

// checkCells compares cells of r with their expected values to a relative 1e-12.
func checkCells(t *testing.T, r *engine.Result, cells []cell) {
	t.Helper()
	for _, c := range cells {
		got := value(t, r, c.area, c.year, c.measure, c.sex, c.band)
		if !near(got, c.want, 1e-12) {
			t.Errorf("%s %d %s %s %s = %.12g, want %.12g (%s)", c.area, c.year, c.measure, c.sex, c.band, got, c.want, c.why)
		}
	}
}

// rowKey identifies a row of a result table.
type rowKey struct {
	area    string
	year    int
	measure string
	sex     string
	band    string
}

// table reads every row of r into a map (for small runs).
func table(r *engine.Result) map[rowKey]forecast.ResultRow {
	out := map[rowKey]forecast.ResultRow{}
	for row := range r.Rows() {
		out[rowKey{row.AreaCode, row.Year, row.Measure, row.Sex, row.AgeBand}] = row
	}
	return out
}

// areaVectors reads r into one vector of means per area, over the cells (keys) of England, the
// first area with every cell; an area without a cell (a district's supply gap: supply is given
// by council) has NaN there.
func areaVectors(r *engine.Result) (keys []rowKey, vals map[string][]float64) {
	cells := map[string]map[rowKey]float64{}
	for row := range r.Rows() {
		k := rowKey{"", row.Year, row.Measure, row.Sex, row.AgeBand}
		if row.AreaCode == england {
			keys = append(keys, k)
		}
		if cells[row.AreaCode] == nil {
			cells[row.AreaCode] = map[rowKey]float64{}
		}
		cells[row.AreaCode][k] = row.Mean
	}
	vals = map[string][]float64{}
	for a, c := range cells {
		v := make([]float64, len(keys))
		for i, k := range keys {
			x, ok := c[k]
			if !ok {
				x = math.NaN()
			}
			v[i] = x
		}
		vals[a] = v
	}
	return keys, vals
}

func isDriver(measure string) bool { return strings.HasPrefix(measure, "driver.") }

// The real default dataset and an engine on it, built once for all tests.
var (
	realOnce   sync.Once
	realBundle *datasets.Bundle
	realIn     *engine.Inputs
	realEng    *engine.Engine
	realErr    error
)

func realData(t testing.TB) (*datasets.Bundle, *engine.Inputs, *engine.Engine) {
	t.Helper()
	realOnce.Do(func() {
		if realBundle, realErr = defaultdata.Load(); realErr != nil {
			return
		}
		if realIn, realErr = datasets.EngineInputs(realBundle); realErr != nil {
			return
		}
		if realEng, realErr = engine.New(realIn); realErr != nil {
			return
		}
		realErr = realEng.Warm(forecast.DefaultBaseYear)
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realBundle, realIn, realEng
}
