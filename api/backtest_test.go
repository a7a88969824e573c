package api

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/store"
)

// fakeBacktest is a small report: two districts from 2011 (2012 and 2020) and the contest in
// 2020 with ONS's projection as the benchmark.
func fakeBacktest() *backtest.Report {
	nan := math.NaN()
	row := func(test, area, band string, origin, year int, actual, fc, bench float64, benchName string) backtest.Row {
		return backtest.Row{Backtest: test, Area: area, AreaName: "District " + area, Level: backtest.LevelDistrict,
			Measure: "population", Unit: "people", Sex: "all", AgeBand: band, Origin: origin, Year: year, Horizon: year - origin,
			Actual: actual, Forecast: fc, Lo: nan, Hi: nan, IntervalLevel: nan, Benchmark: bench, BenchmarkName: benchName, Scale: 100}
	}
	const ons = "ONS 2016-based subnational population projections"
	rows := []backtest.Row{
		row(backtest.Origin2011, "E06000001", "all", 2011, 2012, 1000, 1010, 990, "no change since the origin"),
		row(backtest.Origin2011, "E06000001", "all", 2011, 2020, 1100, 1080, 990, "no change since the origin"),
		row(backtest.Origin2011, "E06000002", "all", 2011, 2020, 2000, 2100, 1900, "no change since the origin"),
		row(backtest.Contest2016, "E06000001", "60+", 2016, 2020, 300, 303, 306, ons),
		row(backtest.Contest2016, "E06000002", "60+", 2016, 2020, 500, 495, 510, ons),
	}
	rows[0].Scale = nan // no scale: scaled errors are null
	rep := &backtest.Report{Rows: rows, Notes: []string{"a note"}, Sources: []string{"ONS"},
		Sensitivity: []backtest.Sensitivity{{Name: "held", Scores: backtest.Scores{N: 2, MAPE: 1, Bias: 0.5, MASE: nan, Coverage: nan}}}}
	rep.Summaries = append(backtest.Summarize(rows, backtest.ByYear), backtest.Summarize(rows, backtest.Pooled)...)
	rep.Coverage = []backtest.PopulationCoverage{{AgeBand: "60+", N: 2, BaseHorizon: 9, OriginHorizon: 4, Ours: 1, OursOrigin: 0.5, Benchmark: nan}}
	return rep
}

// fakeServices is a small service back-test: one council's home care from 2011, one and two
// years ahead.
func fakeServices() *backtest.ServiceReport {
	nan := math.NaN()
	row := func(year int, actual, fc float64) backtest.Row {
		return backtest.Row{Backtest: backtest.ServicesBacktest, Area: "E06000001", AreaName: "Council", Level: backtest.LevelCouncil,
			Measure: backtest.MeasureHomeCare, Unit: backtest.UnitClients, Sex: "all", AgeBand: "65+", Origin: 2011, Year: year,
			Horizon: year - 2011, Actual: actual, Forecast: fc, Lo: fc * 0.9, Hi: fc * 1.1, IntervalLevel: 0.8,
			Benchmark: 1000, BenchmarkName: backtest.NaiveName, Scale: 50}
	}
	rows := []backtest.Row{row(2012, 1000, 1050), row(2013, 1100, 1080)}
	svc := &backtest.ServiceReport{Rows: rows, Notes: []string{"services note"}, Sources: []string{"NHS Digital", "ONS"},
		Sensitivity: []backtest.ServiceSensitivity{{Name: "per head", Ours: backtest.Scores{N: 2, MAPE: 3, MASE: nan, Coverage: 1}}},
		Coverage:    []backtest.CoverageRow{{Horizon: 1, N: 1, Engine: 1, Widened: 1, OutOfSample: nan}}}
	svc.Summaries = backtest.Summarize(rows, func(r *backtest.Row) backtest.Key {
		return backtest.ServiceKey(r.Measure, r.AgeBand, r.Horizon)
	})
	return svc
}

func withBacktest(src BacktestSource) serverOpt {
	return func(_ *Config, d *Deps) { d.Backtest = src }
}

func TestBacktest(t *testing.T) {
	var calls atomic.Int32
	ts := newTestServer(t, true, withBacktest(func(ctx context.Context) (*backtest.Report, *backtest.ServiceReport, error) {
		calls.Add(1)
		return fakeBacktest(), fakeServices(), ctx.Err()
	}))
	viewer := ts.key("alpha", store.RoleViewer)

	want(t, ts.do(http.MethodGet, "/v1/backtest", "", nil), http.StatusUnauthorized)
	want(t, ts.do(http.MethodGet, "/v1/backtest", "cck_nope", nil), http.StatusUnauthorized)

	var rep, f BacktestReport
	r := want(t, ts.do(http.MethodGet, "/v1/backtest", viewer, nil), http.StatusOK)
	r.json(t, &rep)
	if len(rep.Rows) != 7 || len(rep.Notes) != 2 || len(rep.Sources) != 2 || len(rep.Sensitivity) != 2 ||
		len(rep.PopulationCoverage) != 1 || len(rep.ServiceCoverage) != 1 {
		t.Fatalf("report: %d rows, %d notes, %d sources, %d sensitivity, %d+%d coverage", len(rep.Rows), len(rep.Notes),
			len(rep.Sources), len(rep.Sensitivity), len(rep.PopulationCoverage), len(rep.ServiceCoverage))
	}
	if rep.Sources[0] != "NHS Digital" || rep.Sensitivity[1].Backtest != backtest.ServicesBacktest ||
		rep.PopulationCoverage[0].Benchmark != nil || *rep.PopulationCoverage[0].OursOrigin != 0.5 ||
		rep.ServiceCoverage[0].Horizon != 1 || rep.ServiceCoverage[0].OutOfSample != nil {
		t.Fatalf("sources %v, sensitivity %+v, coverage %+v %+v", rep.Sources, rep.Sensitivity, rep.PopulationCoverage, rep.ServiceCoverage)
	}
	h := rep.Headline
	if h == nil || h.Backtest != backtest.Contest2016 || h.AgeBand != "60+" || h.Year != 2020 || h.Ours.N != 2 || h.Benchmark.N != 2 || !h.Paired {
		t.Fatalf("headline: %+v", h)
	}
	// carecast: |303-300|/300 = 1%, |495-500|/500 = 1%; ONS: 2% and 2%.
	if math.Abs(*h.Ours.MAPE-1) > 1e-9 || math.Abs(*h.Benchmark.MAPE-2) > 1e-9 || h.Ours.Coverage != nil {
		t.Fatalf("headline scores: ours %+v, benchmark %+v", h.Ours, h.Benchmark)
	}
	first := rep.Rows[0]
	if *first.Error != 10 || math.Abs(*first.PctError-1) > 1e-9 || first.Lo != nil || first.ScaledError != nil ||
		first.Benchmark == nil || *first.Benchmark != 990 || first.Horizon != 1 {
		t.Fatalf("first row: %+v", first)
	}
	if !bytes.Contains(r.body, []byte(`"lo":null`)) {
		t.Fatal("a missing interval should be null in JSON")
	}
	var pooled int
	for _, s := range rep.Summaries {
		if s.Year == 0 {
			pooled++
		}
	}
	// Population: by year 2011×{2012, 2020} and 2016×2020, and pooled per test; services: by
	// horizon 1 and 2.
	if pooled != 4 || len(rep.Summaries) != 7 {
		t.Fatalf("%d summaries, %d without a year: %+v", len(rep.Summaries), pooled, rep.Summaries)
	}
	want(t, ts.do(http.MethodGet, "/v1/backtest?backtest=services&horizon=2", viewer, nil), http.StatusOK).json(t, &f)
	if len(f.Rows) != 1 || f.Rows[0].Year != 2013 || f.Rows[0].Level != "council" || *f.Rows[0].Lo != 1080*0.9 ||
		len(f.Summaries) != 1 || f.Summaries[0].Horizon != 2 || f.Summaries[0].Year != 0 || *f.Summaries[0].Ours.Coverage != 1 {
		t.Fatalf("services, horizon 2: %+v", f)
	}

	// Filters apply to rows and summaries; the cached report is not changed by them.
	want(t, ts.do(http.MethodGet, "/v1/backtest?backtest=population-2011&area=E06000001&year=2020", viewer, nil), http.StatusOK).json(t, &f)
	if len(f.Rows) != 1 || f.Rows[0].AreaCode != "E06000001" || f.Rows[0].Year != 2020 {
		t.Fatalf("filtered rows: %+v", f.Rows)
	}
	if len(f.Summaries) != 1 || f.Summaries[0].Year != 2020 || f.Summaries[0].Backtest != backtest.Origin2011 {
		t.Fatalf("filtered summaries: %+v", f.Summaries)
	}
	want(t, ts.do(http.MethodGet, "/v1/backtest?age_band=85%2B", viewer, nil), http.StatusOK).json(t, &f)
	if len(f.Rows) != 0 || len(f.Summaries) != 0 || f.Rows == nil {
		t.Fatalf("no 85+ rows: %+v", f)
	}
	want(t, ts.do(http.MethodGet, "/v1/backtest?level=ward", viewer, nil), http.StatusUnprocessableEntity)
	want(t, ts.do(http.MethodGet, "/v1/backtest?area=nonsense", viewer, nil), http.StatusUnprocessableEntity)

	want(t, ts.do(http.MethodGet, "/v1/backtest", ts.key("beta", store.RoleAdmin), nil), http.StatusOK).json(t, &rep)
	if len(rep.Rows) != 7 {
		t.Fatalf("again: %d rows", len(rep.Rows))
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the back-test was computed %d times, want once", n)
	}
}

func TestBacktestFailureIsRetried(t *testing.T) {
	var calls atomic.Int32
	ts := newTestServer(t, false, withBacktest(func(context.Context) (*backtest.Report, *backtest.ServiceReport, error) {
		if calls.Add(1) == 1 {
			return nil, nil, errors.New("data unavailable")
		}
		return fakeBacktest(), nil, nil // no service activity
	}))
	r := want(t, ts.do(http.MethodGet, "/v1/backtest", "", nil), http.StatusInternalServerError)
	if p := r.problem(t); bytes.Contains(r.body, []byte("data unavailable")) || p.Instance == "" {
		t.Fatalf("internal errors must not leak: %s", r.body)
	}
	var rep BacktestReport
	want(t, ts.do(http.MethodGet, "/v1/backtest", "", nil), http.StatusOK).json(t, &rep)
	if len(rep.Rows) != 5 || rep.ServiceCoverage == nil || len(rep.ServiceCoverage) != 0 || calls.Load() != 2 {
		t.Fatalf("retry: %d rows after %d calls", len(rep.Rows), calls.Load())
	}
}

func TestBacktestUnavailable(t *testing.T) {
	ts := newTestServer(t, false)
	want(t, ts.do(http.MethodGet, "/v1/backtest", "", nil), http.StatusServiceUnavailable)
}

// TestBacktestDefaultData serves the back-tests of the embedded default data, as carecast
// serve does: every number must encode (JSON has no NaN) and the contest must be there.
func TestBacktestDefaultData(t *testing.T) {
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, false, withBacktest(BundleBacktest(b)))
	var rep BacktestReport
	want(t, ts.do(http.MethodGet, "/v1/backtest?level=district&age_band=60%2B", "", nil), http.StatusOK).json(t, &rep)
	h := rep.Headline
	if h == nil || h.Ours.N != 296 || h.Benchmark.N != h.Ours.N || h.Ours.MAPE == nil || h.Benchmark.MAPE == nil {
		t.Fatalf("headline: %+v", h)
	}
	var contest int
	for _, r := range rep.Rows {
		if r.Backtest == backtest.Contest2016 {
			contest++
		}
	}
	if contest != h.Ours.N || len(rep.PopulationCoverage) == 0 {
		t.Fatalf("%d contest rows for %d districts; %d coverage rows", contest, h.Ours.N, len(rep.PopulationCoverage))
	}
	// The 2018 contest leads, with the very scores the back-test computed (the CLI prints the
	// same report): 2 years × 6 bands on 296 districts.
	direct, _, err := datasets.RunBacktests(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Contest2018
	if c == nil || len(c.Scores) != 12 || direct.Contest2018 == nil {
		t.Fatalf("contest_2018: %+v", c)
	}
	for i, s := range c.Scores {
		d := direct.Contest2018.Scores[i]
		if s.Year != d.Year || s.AgeBand != d.AgeBand || s.Carecast.N != 296 || *s.Carecast.MAPE != d.Carecast.MAPE ||
			*s.ONS.MAPE != d.ONS.MAPE || *s.NoChange.MAPE != d.Same.MAPE {
			t.Fatalf("contest_2018 score %d: API %+v, back-test %+v", i, s, d)
		}
	}
	if len(b.ServiceActivity) > 0 {
		want(t, ts.do(http.MethodGet, "/v1/backtest?backtest=services", "", nil), http.StatusOK).json(t, &rep)
		if len(rep.Rows) == 0 || len(rep.Summaries) == 0 || len(rep.ServiceCoverage) == 0 {
			t.Fatalf("services: %d rows, %d summaries, %d coverage", len(rep.Rows), len(rep.Summaries), len(rep.ServiceCoverage))
		}
	}
}
