package engine_test

import (
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// A scenario's own supply (capacity.supply): the synthetic data has none, so without it there is
// no gap; with 100 residential beds set for the Shire, its residential bed gap is beds needed −
// 100 in every year, and its nursing gap (no supply given) stays absent.
func TestScenarioSupply(t *testing.T) {
	e := newEngine(t, synthInputs())
	r0 := run(t, e, synthScenario())
	for row := range r0.Rows() {
		if strings.HasSuffix(row.Measure, "_gap") {
			t.Fatalf("a gap without any supply: %+v", row)
		}
	}
	sc := synthScenario()
	sc.Capacity.Supply = []forecast.SupplySpec{{Area: synthShire, Service: "residential", Capacity: 100}}
	r := run(t, e, sc)
	for _, y := range []int{2011, 2016} {
		beds := value(t, r, synthShire, y, "capacity.residential_beds", "all", "18+")
		gap := value(t, r, synthShire, y, "capacity.residential_beds_gap", "all", "18+")
		if !near(gap, beds-100, 1e-12) {
			t.Errorf("Shire %d: gap %v, want %v beds − 100", y, gap, beds)
		}
	}
	for row := range r.Rows() {
		if row.AreaCode == synthShire && row.Measure == "capacity.nursing_beds_gap" && row.Mean == row.Mean {
			t.Errorf("a nursing gap with no nursing supply: %+v", row)
		}
	}
}
