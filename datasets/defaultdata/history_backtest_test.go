package defaultdata

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/engine"
)

// The history back-test on the real activity history (2011-12 to 2022-23 with populations):
// the goals of docs/design.md §7. Figures when written (carecast / no change): residential
// MAPE 7.25 / 7.39 at h1 to 14.55 / 19.26 at h5; nursing MASE 2.19 / 2.21 at h2 to 3.63 / 3.91
// at h5, but 1.498 / 1.491 at h1 (the one miss, 0.5%); 80% intervals cover 79-81% at every
// horizon out of sample. Home care, scored on two PSS-EX1 origins only, loses (below).
func TestHistoryBacktestGoals(t *testing.T) {
	b := load(t)
	d, err := datasets.HistoryBacktestData(b)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := backtest.History(context.Background(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Rows); n < 8000 || n > 11000 {
		t.Errorf("%d forecasts, want about 9,300", n)
	}
	if o := rep.Origins["residential"]; o != [2]int{2011, 2021} {
		t.Errorf("residential origins %v, want 2011-2021", o)
	}
	if o := rep.Origins["nursing"]; o != [2]int{2014, 2021} {
		t.Errorf("nursing origins %v, want 2014-2021 (ASC-FR only)", o)
	}
	get := func(svc string, h int, m string) backtest.Scores {
		s, ok := rep.Score(svc, h, m)
		if !ok {
			t.Fatalf("no score for %s h%d %s", svc, h, m)
		}
		return s
	}
	for h := 1; h <= backtest.HistoryMaxHorizon; h++ {
		c, n := get("residential", h, backtest.HistoryCarecast), get("residential", h, backtest.HistoryNoChange)
		if !(c.MAPE < n.MAPE && c.MASE < n.MASE) {
			t.Errorf("residential h%d: carecast MAPE %.2f MASE %.3f, no change %.2f %.3f: want carecast lower", h, c.MAPE, c.MASE, n.MAPE, n.MASE)
		}
		c, n = get("nursing", h, backtest.HistoryCarecast), get("nursing", h, backtest.HistoryNoChange)
		if h == 1 {
			// The miss: within 1% of no change in MASE, 0.2 points in MAPE.
			if c.MASE > 1.01*n.MASE || c.MAPE > n.MAPE+0.2 {
				t.Errorf("nursing h1: carecast MAPE %.2f MASE %.3f, no change %.2f %.3f: want within 1%%", c.MAPE, c.MASE, n.MAPE, n.MASE)
			}
		} else if !(c.MASE < n.MASE) {
			t.Errorf("nursing h%d: carecast MASE %.3f, no change %.3f: want carecast lower", h, c.MASE, n.MASE)
		}
	}
	for _, svc := range []string{"residential", "nursing", ""} {
		c, n, dm := get(svc, 0, backtest.HistoryCarecast), get(svc, 0, backtest.HistoryNoChange), get(svc, 0, backtest.HistoryDemography)
		if !(c.MAPE < n.MAPE && c.MASE < n.MASE) {
			t.Errorf("%q pooled: carecast MAPE %.2f MASE %.3f, no change %.2f %.3f", svc, c.MAPE, c.MASE, n.MAPE, n.MASE)
		}
		// Use rates have fallen: holding them (demography alone) does worse than no change.
		if !(dm.MAPE > n.MAPE) {
			t.Errorf("%q pooled: demography MAPE %.2f, no change %.2f: want demography worse", svc, dm.MAPE, n.MAPE)
		}
	}
	var covs int
	for _, c := range rep.Coverage {
		if c.Service == "" || c.Horizon == 0 {
			continue
		}
		covs++
		if c.Coverage < 0.75 || c.Coverage > 0.85 {
			t.Errorf("%s h%d: 80%% intervals cover %.1f%% out of sample, want 75-85%%", c.Service, c.Horizon, 100*c.Coverage)
		}
	}
	if covs != 12 {
		t.Errorf("%d coverage rows by service and horizon, want 12 (residential and nursing 1-5, home care 1-2)", covs)
	}
	// Home care: PSS-EX1 clients 65+ from 2011-12 (the first population) to 2013-14, so two
	// origins and horizons 1-2 only; with at most one yearly change behind each origin the trend
	// loses to no change (MAPE 14.02 against 12.92 a year ahead when written). No home-care
	// series reaches 2022-23, so the engine takes no trend for it.
	if n := get("home_care", 1, backtest.HistoryCarecast).N; n < 250 || n > 320 {
		t.Errorf("home care h1: %d forecasts, want about 300 (two origins × ~150 councils)", n)
	}
	if _, ok := rep.Score("home_care", 3, backtest.HistoryCarecast); ok {
		t.Error("home care scored 3 years ahead: PSS-EX1 with populations from 2011 allows 2 at most")
	}
	if !slices.Equal(rep.Engine, []string{"residential", "nursing"}) {
		t.Errorf("services the engine trends: %v, want residential and nursing", rep.Engine)
	}
}

// The population rebasing of the history back-test: councils' people 65+ from mid-2020 (pre-
// Census series) to mid-2021 (Census-2021 based) change with a spread of 5.3% across councils in
// the estimates; rebased, the change should be as steady as the next year's (0.7%).
func TestHistoryPopulationRebased(t *testing.T) {
	d, err := datasets.HistoryBacktestData(load(t))
	if err != nil {
		t.Fatal(err)
	}
	sd := func(x []float64) float64 {
		var s, s2 float64
		for _, v := range x {
			s += v
		}
		m := s / float64(len(x))
		for _, v := range x {
			s2 += (v - m) * (v - m)
		}
		return math.Sqrt(s2 / float64(len(x)-1))
	}
	var a, b []float64
	for _, m := range d.Pop65 {
		if m[2020] > 0 && m[2021] > 0 && m[2022] > 0 {
			a = append(a, math.Log(m[2021]/m[2020]))
			b = append(b, math.Log(m[2022]/m[2021]))
		}
	}
	if len(a) < 140 {
		t.Fatalf("%d councils with mid-2020 to mid-2022", len(a))
	}
	if sa, sb := sd(a), sd(b); sa > 1.5*sb || sa > 0.015 {
		t.Errorf("spread of the 2020-21 change %.4f, of 2021-22 %.4f: want the rebased one as steady", sa, sb)
	}
}

// The engine's default projection is the method the history back-test scored: Leeds's 65+
// residential care in 2025 (three years after the 2022 base) is the projection without trends
// times exp(3b), b Leeds's trend at 2022-23 from backtest.UseTrends, and from 2027 on the rate
// holds at exp(5b); with services.use_trend "none" nothing moves.
func TestEngineUsesHistoryTrend(t *testing.T) {
	b := load(t)
	in, err := datasets.EngineInputs(b)
	if err != nil {
		t.Fatal(err)
	}
	if in.UseTrends == nil {
		t.Fatal("no use-rate trends in the engine inputs of the default data")
	}
	hd, err := datasets.HistoryBacktestData(b)
	if err != nil {
		t.Fatal(err)
	}
	ht, err := backtest.UseTrends(context.Background(), hd, nil)
	if err != nil {
		t.Fatal(err)
	}
	const leeds = "E08000035"
	tr, ok := ht.Trends["residential"][leeds]
	if !ok || ht.Last != 2022 {
		t.Fatalf("no residential trend for Leeds at the history's last year (%d)", ht.Last)
	}
	// The national residential trend has been falling: between −6% and 0% a year.
	if tr.National < -0.06 || tr.National > 0 {
		t.Errorf("national residential trend %.4f a year", tr.National)
	}
	e, err := engine.New(in)
	if err != nil {
		t.Fatal(err)
	}
	run := func(useTrend string) map[int]float64 {
		sc := forecast.Scenario{Name: "t", Areas: []string{leeds}, BaseYear: 2022, Horizon: 2030,
			Services: forecast.ServicesSpec{UseTrend: useTrend}}
		r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int]float64{}
		for row := range r.Rows() {
			if row.AreaCode == leeds && row.Measure == "service.residential" && row.AgeBand == "65+" && row.Sex == "all" {
				out[row.Year] = row.Mean
			}
		}
		return out
	}
	with, without := run(""), run(forecast.UseTrendNone)
	for _, c := range []struct {
		year int
		h    float64
	}{{2022, 0}, {2023, 1}, {2025, 3}, {2027, 5}, {2030, 5}} {
		want := without[c.year] * math.Exp(tr.Annual*c.h)
		if math.Abs(with[c.year]/want-1) > 1e-9 {
			t.Errorf("Leeds residential 65+ %d: %.2f, want %.2f × exp(%.4f × %v) = %.2f", c.year, with[c.year], without[c.year], tr.Annual, c.h, want)
		}
	}
}

// BenchmarkEngineInputs times turning the loaded default data into the engine's inputs, the
// use-rate trends (the history back-test's choice of settings) included.
func BenchmarkEngineInputs(b *testing.B) {
	bd := load(b)
	for b.Loop() {
		if _, err := datasets.EngineInputs(bd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistoryBacktest times the history back-test on the default data.
func BenchmarkHistoryBacktest(b *testing.B) {
	bd := load(b)
	for b.Loop() {
		d, err := datasets.HistoryBacktestData(bd)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := backtest.History(context.Background(), d, nil); err != nil {
			b.Fatal(err)
		}
	}
}
