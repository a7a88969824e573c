package engine_test

import (
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// Use-rate trends (Inputs.UseTrends): the Shire's residential rate for 65+ falls 3% a year
// (log) for 2 years after 2011, then holds; its nursing rate follows the national −1% a year;
// 18-64 and the other services are untouched; services.use_trend "none" turns them off.
func TestUseTrends(t *testing.T) {
	in := synthInputs()
	in.UseTrends = &engine.UseTrends{From: synthBase, Years: 2,
		Annual:   map[string]map[string]float64{synthShire: {"residential": -0.03}},
		National: map[string]float64{"residential": 0.01, "nursing": -0.01}, Source: "synthetic trends"}
	off := synthInputs()
	withT, without := newEngine(t, in), newEngine(t, off)
	rt, r0 := run(t, withT, synthScenario()), run(t, without, synthScenario())
	for _, c := range []struct {
		area    string
		year    int
		measure string
		band    string
		factor  float64
		why     string
	}{
		{synthTownA, 2011, "service.residential", "65+", 1, "no trend in the base year"},
		{synthTownA, 2012, "service.residential", "65+", math.Exp(-0.03), "one year of the Shire's −3%"},
		{synthTownA, 2013, "service.residential", "65+", math.Exp(-0.06), "two years"},
		{synthTownA, 2016, "service.residential", "65+", math.Exp(-0.06), "held after Years = 2"},
		{synthTownA, 2016, "service.nursing", "65+", math.Exp(-0.02), "the national nursing trend, two years"},
		{synthUnitaryU, 2016, "service.residential", "65+", math.Exp(0.02), "no trend of its own: the national +1%, two years"},
		{synthTownA, 2016, "service.residential", "18-64", 1, "18-64 untouched"},
		{synthTownA, 2016, "service.home_care", "65+", 1, "no trend for home care"},
	} {
		got, base := value(t, rt, c.area, c.year, c.measure, "all", c.band), value(t, r0, c.area, c.year, c.measure, "all", c.band)
		if !near(got, base*c.factor, 1e-12) {
			t.Errorf("%s %d %s %s: %v, want %v × %v (%s)", c.area, c.year, c.measure, c.band, got, base, c.factor, c.why)
		}
	}
	sc := synthScenario()
	sc.Services.UseTrend = forecast.UseTrendNone
	rn := run(t, withT, sc)
	if a, b := value(t, rn, synthTownA, 2016, "service.residential", "all", "65+"), value(t, r0, synthTownA, 2016, "service.residential", "all", "65+"); a != b {
		t.Errorf("use_trend none: %v, want %v as without trends", a, b)
	}
	found := false
	for _, n := range rt.Provenance.Notes {
		found = found || n == "synthetic trends"
	}
	if !found {
		t.Errorf("the trends' source is not in the provenance notes: %v", rt.Provenance.Notes)
	}
	bad := synthScenario()
	bad.Services.UseTrend = "sometimes"
	if _, err := withT.Run(t.Context(), bad, engine.RunOptions{}, nil); err == nil {
		t.Error("use_trend \"sometimes\" accepted")
	}
}
